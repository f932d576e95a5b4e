/* SPDX-License-Identifier: ISC */
/*
 * render_view.c: views of the row model that several writers share: a cell
 * as the human formats show it, and the unknown-window summary. Calls no
 * writer, so the writers and render.c depend on it, not on each other.
 */
#include <stdio.h>
#include <string.h>

#include "report/render.h"

/* A cell of row as the human formats show it; "-" when there is none. */
const char *
render_human(const struct rows_row *row, const char *name, char *buf, size_t n)
{
	const struct rows_cell *c = rows_cell(row, name);

	if (c == NULL) {
		snprintf(buf, n, "-");
		return buf;
	}
	return rows_format_human(c, buf, n);
}

/* "" for 1, "s" otherwise: "1 burst", "2 bursts", "0 bursts". */
const char *
render_plural(int64_t n)
{
	return n == 1 ? "" : "s";
}

/*
 * Whether a target of a report is clean: no loss burst, no outage, no
 * downtime. The human formats then say so ("none") instead of printing
 * zero bounds, which would read like a measured zero-length outage.
 */
int
render_clean(const struct rows_row *t)
{
	return rows_int(t, "bursts") <= 0 && rows_int(t, "outages") <= 0 &&
	       rows_int(t, "downtime_ms") <= 0;
}

/* Count the unknown windows for every target and for single ones. */
size_t
render_unknown_counts(const struct rows_row *root, size_t *all, size_t *one)
{
	const struct rows_table *u = rows_table(root, "unknown");
	size_t i;

	*all = *one = 0;
	for (i = 0; u != NULL && i < u->nrows; i++)
		(*(rows_known(&u->rows[i], "target") ? one : all))++;
	return *all + *one;
}

/* Whether any target has unknown time. */
int
render_any_unknown(const struct rows_row *root)
{
	const struct rows_table *t = rows_table(root, "targets");
	size_t i;

	for (i = 0; t != NULL && i < t->nrows; i++) {
		if (rows_int(&t->rows[i], "unknown_ms") > 0)
			return 1;
	}
	return 0;
}

/*
 * The run's unknown time as one value for text, Markdown or HTML:
 * "300.261ms in 1 window (monitor stalled ...)", the reason escaped and
 * given only when there is one window for every target; windows of single
 * targets are counted, their time is in the targets table.
 */
void
render_unknown_summary(FILE *out, enum rr_format fmt, const struct rows_row *root)
{
	const struct rows_table *u = rows_table(root, "unknown");
	const struct rows_row *run = &rows_table(root, "run")->rows[0];
	char a[48];
	size_t all, one, i;

	render_unknown_counts(root, &all, &one);
	if (all > 0) {
		fprintf(out, "%s in %zu window%s", render_human(run, "unknown_ms", a, sizeof(a)),
			all, all == 1 ? "" : "s");
		for (i = 0; i < u->nrows && all == 1; i++) {
			if (rows_known(&u->rows[i], "target"))
				continue;
			fputs(" (", out);
			runreport_write_escaped(out, fmt, rows_str(&u->rows[i], "reason"));
			fputc(')', out);
			break;
		}
	}
	if (one > 0)
		fprintf(out, "%s%zu window%s for single targets", all > 0 ? "; " : "", one,
			one == 1 ? "" : "s");
}
