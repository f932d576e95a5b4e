/* SPDX-License-Identifier: ISC */
/* report.h: read-only views of the store: history and (later) run reports. */
#ifndef HAMON_REPORT_H
#define HAMON_REPORT_H
#include <stdint.h>
#include <stdio.h>

#include "lib/outfmt.h"
#include "store/store.h"

/* The formats of the history: --format is parsed with outfmt_parse(s,
 * REPORT_HISTORY_FORMATS, ...). */
#define REPORT_HISTORY_FORMATS (OUTFMT_BIT(OUT_TEXT) | OUTFMT_BIT(OUT_JSON) | OUTFMT_BIT(OUT_CSV))
/* The names before lib/outfmt (tests/unit/test_store.c still says REPORT_TABLE). */
#define REPORT_TABLE OUT_TEXT
#define REPORT_JSON  OUT_JSON
#define REPORT_CSV   OUT_CSV

/* Write every loss period matching f to out. Returns the row count, or -1
 * with err. */
long report_history(struct store *s, const struct store_loss_filter *f, enum out_format fmt,
		    FILE *out, char *err, size_t errlen);

/* The same over n databases (names label them): rows merged by start time,
 * each with how many of the databases saw the same loss. */
long report_history_merged(struct store **s, const char *const *names, int n,
			   const struct store_loss_filter *f, enum out_format fmt, FILE *out,
			   char *err, size_t errlen);

/* Per target, its availability over [since, until) (report/avail.c).
 * Returns the row count, or -1 with err. */
long report_availability(struct store *s, const char *target, int64_t since, int64_t until,
			 enum out_format fmt, FILE *out, char *err, size_t errlen);

struct run_report;
struct run_aggregate;
/* Build and compute the report of one session from the store. */
struct run_report *report_build(struct store *st, int64_t session_id, char *err, size_t errlen);
/* Build and render it (fmt is an enum rr_format). 0, or -1 with err. */
int report_print_session(struct store *st, int64_t session_id, int fmt, FILE *out, char *err,
			 size_t errlen);
/* The aggregate of every run labelled label, computed (nruns 0 when there is
 * none). NULL with err when the store fails. */
struct run_aggregate *report_build_label(struct store *st, const char *label, char *err,
					 size_t errlen);

#endif
