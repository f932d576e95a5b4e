/* SPDX-License-Identifier: ISC */
/* cli_opt.h: the options every command shares, parsed and checked in one
 * place: --db, --format and -o/--output. A bad value is a usage error (one
 * line, exit 2). */
#ifndef HAMON_CLI_OPT_H
#define HAMON_CLI_OPT_H
#include <stdio.h>

#include "lib/outfmt.h"

/* The database a command uses when it is given no --db (and, for monitor and
 * run, the config file names none). */
#define CLI_DB_DEFAULT "hamon.db"

/* The value of --db: it must name something. */
const char *cli_db_arg(const char *arg);
/* Check the database name before anything opens it: only a regular file
 * (or, with create, none yet), and no symbolic link another user could
 * redirect. A refusal is one line and exit 2. */
void cli_db_check(const char *path, int create);
/* The value of --format, one of the formats in mask (OUTFMT_BIT()s). */
enum out_format cli_format_arg(const char *arg, unsigned mask);
/* Open -o FILE for writing (NULL: stdout). */
FILE *cli_output_open(const char *path);
/* Close what cli_output_open gave (stdout is flushed, not closed); 0, or -1
 * after a warning naming path when the data may not all have been written. */
int cli_output_close(FILE *f, const char *path);

#endif
