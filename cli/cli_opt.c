/* SPDX-License-Identifier: ISC */
/* cli_opt.c: --db, --format and -o/--output, the same for every command. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_opt.h"
#include "lib/log.h"
#include "store/store.h"

/* Check the value of --db. */
const char *
cli_db_arg(const char *arg)
{
	if (arg[0] == '\0')
		usage_error("--db: the database name is empty");
	return arg;
}

/* Refuse at once (exit 2) a database name that is no regular file or
 * leads through a link somebody else can redirect (store_path_check). */
void
cli_db_check(const char *path, int create)
{
	char err[PATH_MAX + 256];

	if (store_path_check(path, create, NULL, 0, err, sizeof err) != 0)
		usage_error("%s", err);
}

/* Parse the value of --format against the formats the command has. */
enum out_format
cli_format_arg(const char *arg, unsigned mask)
{
	enum out_format f;
	char expected[64];

	if (outfmt_parse(arg, mask, &f) != 0) {
		outfmt_expected(mask, expected, sizeof(expected));
		usage_error("--format \"%s\": expected %s", arg, expected);
	}
	return f;
}

/* Open the output file of -o, or stdout. */
FILE *
cli_output_open(const char *path)
{
	FILE *f;

	if (path == NULL)
		return stdout;
	if (path[0] == '\0')
		usage_error("-o: the file name is empty");
	if ((f = fopen(path, "w")) == NULL)
		usage_error("%s: cannot write: %s", path, strerror(errno));
	return f;
}

/* Close the output, saying so when it failed. */
int
cli_output_close(FILE *f, const char *path)
{
	int bad = ferror(f);

	if (f == stdout)
		bad |= fflush(f) != 0;
	else
		bad |= fclose(f) != 0;
	if (bad) {
		log_warnx("%s: write failed", path != NULL ? path : "stdout");
		return -1;
	}
	return 0;
}
