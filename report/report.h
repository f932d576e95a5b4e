/* report.h: read-only views of the store: history and (later) run reports. */
#ifndef HAMON_REPORT_H
#define HAMON_REPORT_H
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

enum report_format { REPORT_TABLE = 0, REPORT_JSON, REPORT_CSV };

/* Parse "table|json|csv" (text is an alias of table). 0 or -1. */
int report_format_parse(const char *s, enum report_format *out);

/* Write every loss period matching f to out. Returns the row count, or -1
 * with err. */
long report_history(struct store *s, const struct store_loss_filter *f, enum report_format fmt,
                    FILE *out, char *err, size_t errlen);

/* The same over n databases (names label them): rows merged by start time,
 * each with how many of the databases saw the same loss. */
long report_history_merged(struct store **s, const char *const *names, int n,
                           const struct store_loss_filter *f, enum report_format fmt, FILE *out,
                           char *err, size_t errlen);

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
