/* SPDX-License-Identifier: ISC */
/* cmd_history.c: `hamon history`: options, the databases, the listing. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "cli/cli_opt.h"
#include "lib/timeutil.h"
#include "report/report.h"

#define HISTORY_MAX_DBS 64

static const char history_usage[] =
	"usage: hamon history [--db FILE]... [--target NAME] [--since T] [--until T] [--min "
	"DURATION]\n"
	"                     [--kind burst|outage|all] [--format text|json|csv]\n"
	"       hamon history --availability [--db FILE] [--target NAME] [--since T] [--until T]\n"
	"                     [--format text|json|csv]\n"
	"Several --db (one per node) merge their rows and say how many saw each loss.\n"
	"--availability: per target, the share of the window it answered (from --since,\n"
	"default the first session, to --until, default now), UNKNOWN time left out.";

/* `hamon history`: parse options, query, print. */
int
cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "target", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "min", required_argument, NULL, 'm' },
		{ "kind", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'f' },
		{ "availability", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_loss_filter f = { .kind = -1 };
	enum out_format fmt = OUT_TEXT;
	const char *dbs[HISTORY_MAX_DBS];
	int ndb = 0;
	char err[512];
	struct store *s;
	int64_t now = time_real_ns();
	long n;
	int c, avail = 0, kind_given = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (ndb == HISTORY_MAX_DBS)
				usage_error("--db: at most %d databases", HISTORY_MAX_DBS);
			dbs[ndb++] = cli_db_arg(optarg);
			break;
		case 't':
			f.target = optarg;
			break;
		case 's':
		case 'u':
			if (time_parse(optarg, now, c == 's' ? &f.since_ns : &f.until_ns, err,
				       sizeof(err)) != 0)
				usage_error("--%s: %s", c == 's' ? "since" : "until", err);
			break;
		case 'm':
			if (duration_parse(optarg, &f.min_ns, err, sizeof(err)) != 0)
				usage_error("--min: %s", err);
			break;
		case 'a':
			avail = 1;
			break;
		case 'k':
			kind_given = 1;
			if (strcmp(optarg, "burst") == 0)
				f.kind = STORE_BURST;
			else if (strcmp(optarg, "outage") == 0)
				f.kind = STORE_OUTAGE;
			else if (strcmp(optarg, "all") == 0)
				f.kind = -1;
			else
				usage_error("--kind \"%s\": expected burst, outage or all", optarg);
			break;
		case 'f':
			fmt = cli_format_arg(optarg, REPORT_HISTORY_FORMATS);
			break;
		case 'h':
			puts(history_usage);
			return 0;
		case ':':
			usage_error("history: option %s needs a value", argv[optind - 1]);
		default:
			usage_error("history: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("history: unexpected argument \"%s\"", argv[optind]);
	if (avail) {
		if (ndb > 1)
			usage_error("--availability takes one --db (each node's share is its own)");
		if (f.min_ns > 0 || kind_given)
			usage_error("--availability counts outages over time: --%s does not apply",
				    f.min_ns > 0 ? "min" : "kind");
		if (f.until_ns == 0)
			f.until_ns = now;
		if ((s = store_open(ndb ? dbs[0] : CLI_DB_DEFAULT, STORE_READ, err, sizeof(err))) ==
		    NULL)
			usage_error("%s", err);
		if (f.since_ns == 0 && store_first_session_ns(s, &f.since_ns, err, sizeof(err)) != 0)
			n = -1;
		else if (f.since_ns >= f.until_ns) {
			store_close(s);
			usage_error("--availability: the window is empty (--since is not before "
				    "--until)");
		} else
			n = report_availability(s, f.target, f.since_ns, f.until_ns, fmt, stdout,
						err, sizeof(err));
		store_close(s);
		if (n < 0) {
			log_warnx("%s", err);
			return 1;
		}
		return 0;
	}
	if (ndb <= 1) {
		if ((s = store_open(ndb ? dbs[0] : CLI_DB_DEFAULT, STORE_READ, err, sizeof(err))) ==
		    NULL)
			usage_error("%s", err);
		n = report_history(s, &f, fmt, stdout, err, sizeof(err));
		store_close(s);
	} else {
		struct store *st[HISTORY_MAX_DBS];
		int k;

		for (k = 0; k < ndb; k++)
			if ((st[k] = store_open(dbs[k], STORE_READ, err, sizeof(err))) == NULL)
				usage_error("%s", err);
		n = report_history_merged(st, dbs, ndb, &f, fmt, stdout, err, sizeof(err));
		for (k = 0; k < ndb; k++)
			store_close(st[k]);
	}
	if (n < 0) {
		log_warnx("%s", err);
		return 1;
	}
	return 0;
}
