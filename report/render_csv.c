/* SPDX-License-Identifier: ISC */
/*
 * render_csv.c: a report model as CSV, one row per target with the run's
 * key figures repeated, and an aggregate model one row per target. The
 * columns are a fixed list (below) of cells picked from the model, so the
 * header is stable for spreadsheets; lists (markers, events, windows, loss
 * periods) are JSON's.
 */
#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "report/render.h"

/* Where a column's cell is found. */
enum render_csv_from {
	CSV_RUN = 0,  /* the run object */
	CSV_TARGET,   /* the target's row */
	CSV_RTT,      /* the target's rtt.<window> */
	CSV_FAILOVER, /* the target's failover (empty without one) */
	CSV_HV,       /* the hypervisor object (empty without one) */
};

struct render_csv_col {
	const char *header;
	enum render_csv_from from;
	const char *window; /* CSV_RTT */
	const char *field;
};

static const struct render_csv_col render_csv_cols[] = {
	{ "run_id", CSV_RUN, NULL, "id" },
	{ "label", CSV_RUN, NULL, "label" },
	{ "kind", CSV_RUN, NULL, "kind" },
	{ "start", CSV_RUN, NULL, "start" },
	{ "end", CSV_RUN, NULL, "end" },
	{ "exit_status", CSV_RUN, NULL, "exit_status" },
	{ "target", CSV_TARGET, NULL, "target" },
	{ "url", CSV_TARGET, NULL, "url" },
	{ "downtime_ms", CSV_TARGET, NULL, "downtime_ms" },
	{ "downtime_lower_ms", CSV_TARGET, NULL, "downtime_lower_ms" },
	{ "downtime_upper_ms", CSV_TARGET, NULL, "downtime_upper_ms" },
	{ "bursts", CSV_TARGET, NULL, "bursts" },
	{ "outages", CSV_TARGET, NULL, "outages" },
	{ "longest_outage_ms", CSV_TARGET, NULL, "longest_outage_ms" },
	{ "longest_gap_ms", CSV_TARGET, NULL, "longest_gap_ms" },
	{ "sent", CSV_TARGET, NULL, "sent" },
	{ "lost", CSV_TARGET, NULL, "lost" },
	{ "unknown_ms", CSV_TARGET, NULL, "unknown_ms" },
	{ "availability_pct", CSV_TARGET, NULL, "availability_pct" },
	{ "availability_lower_pct", CSV_TARGET, NULL, "availability_lower_pct" },
	{ "availability_upper_pct", CSV_TARGET, NULL, "availability_upper_pct" },
	{ "rtt_before_p50_ms", CSV_RTT, "before", "p50_ms" },
	{ "rtt_before_p99_ms", CSV_RTT, "before", "p99_ms" },
	{ "rtt_before_max_ms", CSV_RTT, "before", "max_ms" },
	{ "rtt_during_p50_ms", CSV_RTT, "during", "p50_ms" },
	{ "rtt_during_p99_ms", CSV_RTT, "during", "p99_ms" },
	{ "rtt_during_max_ms", CSV_RTT, "during", "max_ms" },
	{ "rtt_after_p50_ms", CSV_RTT, "after", "p50_ms" },
	{ "rtt_after_p99_ms", CSV_RTT, "after", "p99_ms" },
	{ "rtt_after_max_ms", CSV_RTT, "after", "max_ms" },
	{ "failover_to_last_reply_ms", CSV_FAILOVER, NULL, "to_last_reply_ms" },
	{ "failover_recovery_ms", CSV_FAILOVER, NULL, "recovery_ms" },
	{ "failover_gap_ms", CSV_FAILOVER, NULL, "gap_ms" },
	{ "hv_downtime_ms", CSV_HV, NULL, "downtime_ms" },
	{ "path", CSV_TARGET, NULL, "path" },
};

#define RENDER_CSV_NCOLS (sizeof(render_csv_cols) / sizeof(render_csv_cols[0]))

/* The only row of the object in cell name of row, or NULL. */
static const struct rows_row *
render_csv_object(const struct rows_row *row, const char *name)
{
	const struct rows_table *t = rows_table(row, name);

	return t != NULL && t->nrows > 0 ? &t->rows[0] : NULL;
}

/* One field: a string quoted when needed, a number as is, absent empty. */
static void
render_csv_cell(FILE *out, const struct rows_cell *c)
{
	char buf[64];

	if (c == NULL || !c->known)
		return;
	if (c->type == ROWS_STR)
		csv_write_field(out, c->str);
	else
		fputs(rows_format_machine(c, buf, sizeof(buf)), out);
}

/* One row per target. */
void
render_csv_report(const struct rows_model *m, FILE *out)
{
	const struct rows_row *root = rows_root(m), *run = render_csv_object(root, "run");
	const struct rows_row *hv = render_csv_object(root, "hypervisor"), *from;
	const struct rows_table *tg = rows_table(root, "targets");
	size_t i, k;

	for (k = 0; k < RENDER_CSV_NCOLS; k++)
		fprintf(out, "%s%s", k > 0 ? "," : "", render_csv_cols[k].header);
	fputc('\n', out);
	for (i = 0; tg != NULL && i < tg->nrows; i++) {
		const struct rows_row *t = &tg->rows[i];

		for (k = 0; k < RENDER_CSV_NCOLS; k++) {
			const struct render_csv_col *col = &render_csv_cols[k];

			switch (col->from) {
			case CSV_RUN:
				from = run;
				break;
			case CSV_TARGET:
				from = t;
				break;
			case CSV_RTT:
				from = render_csv_object(render_csv_object(t, "rtt"), col->window);
				break;
			case CSV_FAILOVER:
				from = render_csv_object(t, "failover");
				break;
			default:
				from = hv;
				break;
			}
			if (k > 0)
				fputc(',', out);
			render_csv_cell(out, rows_cell(from, col->field));
		}
		fputc('\n', out);
	}
}

/* One row per target of an aggregate. */
void
render_csv_aggregate(const struct rows_model *m, FILE *out)
{
	static const char *const f[] = { "runs", "min_ms", "p50_ms", "p95_ms", "max_ms" };
	const struct rows_row *root = rows_root(m);
	const struct rows_table *tg = rows_table(root, "targets");
	size_t i, k;

	fputs("label,target,runs,min_ms,p50_ms,p95_ms,max_ms\n", out);
	for (i = 0; tg != NULL && i < tg->nrows; i++) {
		render_csv_cell(out, rows_cell(root, "label"));
		fputc(',', out);
		render_csv_cell(out, rows_cell(&tg->rows[i], "target"));
		for (k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			fputc(',', out);
			render_csv_cell(out, rows_cell(&tg->rows[i], f[k]));
		}
		fputc('\n', out);
	}
}
