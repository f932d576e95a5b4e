/* SPDX-License-Identifier: ISC */
/* cmd_bench.c: `hamon bench`: the command line of the embedded benchmarks
 * (bench/ runs them). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cli/cli_opt.h"
#include "cli/cmd.h"
#include "lib/log.h"
#include "lib/timeutil.h"

static const char bench_usage[] =
	"usage: hamon bench [cpu|mem|disk|all] [--label host|kvm|lxc|...] [--db FILE]\n"
	"                   [--path DIR | --file FILE] [--keep] [--quick] [--time D]\n"
	"                   [--threads N]";

/* A label must be usable in --labels a,b,c and on a terminal. */
static void
bench_check_label(const char *label)
{
	const char *p;

	if (label[0] == '\0' || strlen(label) > 63)
		usage_error("bench: --label \"%s\": must be 1 to 63 characters", label);
	for (p = label; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == ',')
			usage_error("bench: --label: only printable characters without spaces or"
				    " commas (character %zu)",
				    (size_t)(p - label) + 1);
}

/* Parse the command line into o. */
static void
bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "path", required_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'f' },
		{ "keep", no_argument, NULL, 'k' },
		{ "quick", no_argument, NULL, 'q' },
		{ "time", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long n;
	char err[256];
	int c;

	memset(o, 0, sizeof *o);
	o->db = CLI_DB_DEFAULT;
	o->path = ".";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			bench_check_label(optarg);
			o->label = optarg;
			break;
		case 'd':
			o->db = cli_db_arg(optarg);
			break;
		case 'p':
			o->path = optarg;
			o->path_given = 1;
			break;
		case 'f':
			if (optarg[0] == '\0')
				usage_error("bench: --file: empty file name");
			o->file = optarg;
			break;
		case 'k':
			o->keep = 1;
			break;
		case 'q':
			o->quick = 1;
			break;
		case 't':
			if (duration_parse_range("bench: --time", optarg, 100 * NSEC_PER_MSEC,
						 3600 * NSEC_PER_SEC, &o->time_ns, err,
						 sizeof(err)) != 0)
				usage_error("%s", err);
			break;
		case 'j':
			if (uint_parse_range("bench: --threads", optarg, 1, 4096, &n, err,
					     sizeof(err)) != 0)
				usage_error("%s", err);
			o->threads = (int)n;
			break;
		case 'h':
			puts(bench_usage);
			exit(0);
		case ':':
			usage_error("bench: option %s needs a value", argv[optind - 1]);
		default:
			usage_error("bench: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		const char *t = argv[optind++];

		if (strcmp(t, "cpu") == 0)
			o->tests = BENCH_TEST_CPU;
		else if (strcmp(t, "mem") == 0)
			o->tests = BENCH_TEST_MEM;
		else if (strcmp(t, "disk") == 0)
			o->tests = BENCH_TEST_DISK;
		else if (strcmp(t, "all") == 0)
			o->tests = BENCH_TEST_CPU | BENCH_TEST_MEM | BENCH_TEST_DISK;
		else
			usage_error("bench: unknown test \"%s\" (cpu, mem, disk or all)", t);
	} else
		o->tests = BENCH_TEST_CPU | BENCH_TEST_MEM | BENCH_TEST_DISK;
	if (optind < argc)
		usage_error("bench: unexpected argument \"%s\"", argv[optind]);
	if (o->file != NULL && o->path_given)
		usage_error(
			"bench: --path and --file exclude each other (--file names the test file"
			" itself)");
	if ((o->file != NULL || o->keep) && !(o->tests & BENCH_TEST_DISK))
		usage_error("bench: %s applies to the disk tests only",
			    o->keep ? "--keep" : "--file");
}

/* `hamon bench`. */
int
cmd_bench(int argc, char **argv)
{
	struct bench_opts o;

	bench_parse(argc, argv, &o);
	return bench_run(&o);
}
