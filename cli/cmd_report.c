/* SPDX-License-Identifier: ISC */
/* cmd_report.c: `hamon report`: a run, the latest run, a label's runs, or
 * the stored bench results, in the format asked for. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli_opt.h"
#include "lib/log.h"
#include "lib/outfmt.h"
#include "lib/timeutil.h"
#include "bench/bench.h"
#include "report/report.h"
#include "report/runreport.h"
#include "store/store.h"

static const char report_usage[] =
	"usage: hamon report [--db FILE] [--run N | --last | --label L]\n"
	"                    [--format text|json|csv|md|html] [-o FILE]\n"
	"       hamon report --bench [--labels host,kvm,lxc] [--format text|json|csv|md]";

/* The run report's writers (report/runreport.h) keep their own enum. */
static enum rr_format
report_rr_format(enum out_format f)
{
	switch (f) {
	case OUT_JSON:
		return RR_FMT_JSON;
	case OUT_CSV:
		return RR_FMT_CSV;
	case OUT_MD:
		return RR_FMT_MD;
	case OUT_HTML:
		return RR_FMT_HTML;
	case OUT_TEXT:
		break;
	}
	return RR_FMT_TEXT;
}

/* `hamon report`. */
int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "last", no_argument, NULL, 'l' },
		{ "label", required_argument, NULL, 'L' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "bench", no_argument, NULL, 'b' },
		{ "labels", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = CLI_DB_DEFAULT, *label = NULL, *outpath = NULL, *fmtname = NULL;
	const char *labels = NULL;
	int bench = 0;
	enum rr_format fmt = RR_FMT_TEXT;
	unsigned long long id = 0;
	char err[512];
	struct store *st;
	FILE *out = stdout;
	int c, rc = 0, choices = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = cli_db_arg(optarg);
			break;
		case 'r':
			if (uint_parse_range("--run", optarg, 1, INT64_MAX, &id, err,
					     sizeof(err)) != 0)
				usage_error("%s", err);
			choices++;
			break;
		case 'l':
			choices++;
			break;
		case 'L':
			label = optarg;
			choices++;
			break;
		case 'b':
			bench = 1;
			break;
		case 'B':
			labels = optarg;
			break;
		case 'f':
			fmtname = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'h':
			puts(report_usage);
			return 0;
		case ':':
			usage_error("report: option %s needs a value", argv[optind - 1]);
		default:
			usage_error("report: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("report: unexpected argument \"%s\"", argv[optind]);
	if (choices > 1)
		usage_error("report: give one of --run, --last and --label");
	if (fmtname != NULL) {
		/* The bench comparison has no HTML form (yet). */
		enum out_format of = cli_format_arg(
			fmtname, bench ? OUTFMT_ALL & ~OUTFMT_BIT(OUT_HTML) : OUTFMT_ALL);

		fmt = report_rr_format(of);
		fmtname = outfmt_name(of);
	}
	if (labels != NULL && !bench)
		usage_error("report: --labels goes with --bench");
	if (bench) {
		int b;

		if (choices > 0)
			usage_error("report: --bench does not take --run, --last or --label");
		if ((st = store_open(db, STORE_READ, err, sizeof(err))) == NULL)
			usage_error("%s", err);
		out = cli_output_open(outpath);
		b = bench_report(st, labels, fmtname, out, err, sizeof(err));
		store_close(st);
		if (cli_output_close(out, outpath) != 0 && b == 0)
			return 1;
		if (b == -2)
			usage_error("%s", err);
		if (b != 0) {
			log_warnx("%s", err);
			return 1;
		}
		return 0;
	}
	if ((st = store_open(db, STORE_READ, err, sizeof(err))) == NULL)
		usage_error("%s", err);
	out = cli_output_open(outpath);
	if (label != NULL) {
		struct run_aggregate *a = report_build_label(st, label, err, sizeof(err));

		if (a == NULL) {
			log_warnx("%s", err);
			rc = 1;
		} else if (a->nruns == 0) {
			log_warnx("no runs labelled \"%s\" in %s", label, db);
			rc = 1;
		} else
			rc = runagg_render(a, fmt, out) != 0;
		runagg_free(a);
	} else {
		struct store_session_row srow;

		/* --last (the default): the latest run, else the latest session. */
		if (id == 0) {
			int g = store_get_session(st, 0, 1, &srow, err, sizeof(err));

			if (g > 0)
				g = store_get_session(st, 0, 0, &srow, err, sizeof(err));
			if (g != 0) {
				log_warnx("%s", g > 0 ? "no sessions recorded yet" : err);
				rc = 1;
			} else
				id = (unsigned long long)srow.id;
		}
		if (rc == 0 &&
		    report_print_session(st, (int64_t)id, fmt, out, err, sizeof(err)) != 0) {
			log_warnx("%s", err);
			rc = 1;
		}
	}
	if (cli_output_close(out, outpath) != 0)
		rc = 1;
	store_close(st);
	return rc;
}
