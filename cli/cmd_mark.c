/* SPDX-License-Identifier: ISC */
/* cmd_mark.c: `hamon mark`: a marker or span boundary sent to the monitor
 * running on a database, through its control socket. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_opt.h"
#include "lib/log.h"
#include "monitor/control.h"

/* `hamon mark LABEL [--begin|--end] [--db FILE]`. */
int
cmd_mark(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "begin", no_argument, NULL, 'b' },
		{ "end", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = CLI_DB_DEFAULT, *kind = "marker";
	char err[512];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = cli_db_arg(optarg);
			break;
		case 'b':
			kind = "span-begin";
			break;
		case 'e':
			kind = "span-end";
			break;
		case 'h':
			puts("usage: hamon mark LABEL [--begin|--end] [--db FILE]");
			return 0;
		case ':':
			usage_error("mark: option %s needs a value", argv[optind - 1]);
		default:
			usage_error("mark: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		usage_error("usage: hamon mark LABEL [--begin|--end] [--db FILE]");
	if (argv[optind][0] == '\0' || strpbrk(argv[optind], "\n\r") != NULL)
		usage_error("mark: the label must be one non-empty line");
	if (strlen(argv[optind]) > CONTROL_LABEL_MAX)
		usage_error("mark: label too long (at most %d bytes)", CONTROL_LABEL_MAX);
	if (control_send_mark(db, kind, argv[optind], err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 1;
	}
	return 0;
}
