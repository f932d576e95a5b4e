/* SPDX-License-Identifier: ISC */
/*
 * render_md.c: a report or aggregate model as Markdown tables for a
 * ticket, local times, long lists cut at ROWS_LIST_MAX rows.
 */
#include <inttypes.h>
#include <stdio.h>

#include "report/render.h"

/* A "| key | value |" row with an escaped value. */
static void
render_md_kv(FILE *out, const char *key, const char *val)
{
	fprintf(out, "| %s | ", key);
	render_esc_plain(out, val, 1);
	fputs(" |\n", out);
}

/* " | " then the escaped string cell name of row. */
static void
render_md_str(FILE *out, const struct rows_row *row, const char *name)
{
	fputs(" | ", out);
	render_esc_plain(out, rows_str(row, name), 1);
}

/* The title and the run's summary table, with the hypervisor lines. */
static void
render_md_summary(const struct rows_row *root, FILE *out)
{
	const struct rows_row *run = &rows_table(root, "run")->rows[0];
	const struct rows_table *hv = rows_table(root, "hypervisor");
	struct rows_kv kv[ROWS_KV_MAX];
	char a[64], b[64], line[256];
	size_t i, n;

	fprintf(out, "### hamon run %" PRId64, rows_int(run, "id"));
	if (rows_known(run, "label")) {
		fputs(": ", out);
		render_esc_plain(out, rows_str(run, "label"), 1);
	}
	fprintf(out, " (%s)\n\n| | |\n|---|---|\n", rows_str(run, "kind"));
	if (rows_known(run, "command"))
		render_md_kv(out, "Command", rows_str(run, "command"));
	render_md_kv(out, "Started", render_human(run, "start", a, sizeof(a)));
	render_md_kv(out, "Ended", render_human(run, "end", a, sizeof(a)));
	render_md_kv(out, "Duration", render_human(run, "duration_ms", a, sizeof(a)));
	if (rows_known(run, "exit_signal"))
		snprintf(line, sizeof(line), "%" PRId64 " (signal %" PRId64 ")",
			 rows_int(run, "exit_status"), rows_int(run, "exit_signal"));
	else if (rows_known(run, "exit_status"))
		snprintf(line, sizeof(line), "%" PRId64, rows_int(run, "exit_status"));
	else
		snprintf(line, sizeof(line), "unknown");
	render_md_kv(out, "Exit status", line);
	snprintf(line, sizeof(line), "%" PRId64 " bytes", rows_int(run, "output_bytes"));
	render_md_kv(out, "Command output", line);
	if (rows_known(run, "monitor_start")) {
		snprintf(line, sizeof(line), "%s .. %s",
			 render_human(run, "monitor_start", a, sizeof(a)),
			 render_human(run, "monitor_end", b, sizeof(b)));
		render_md_kv(out, "Monitored", line);
	}
	if (rows_known(run, "host"))
		render_md_kv(out, "Monitor host", rows_str(run, "host"));
	if (render_unknown_counts(root, &i, &n) > 0) {
		fputs("| Unknown | ", out);
		render_unknown_summary(out, RR_FMT_MD, root);
		fputs(" |\n", out);
	}
	if (rows_timing_line(run, line, sizeof(line)))
		render_md_kv(out, "Timing", line);
	n = hv != NULL ? rows_hv_summary(&hv->rows[0], kv) : 0;
	for (i = 0; i < n; i++)
		render_md_kv(out, kv[i].key, kv[i].val);
}

/* The targets table, each target's URL, longest outage and path, and the RTT table. */
static void
render_md_targets(const struct rows_row *root, const struct rows_table *tg, FILE *out)
{
	static const char *const extra[][2] = { { "url", "url" },
						{ "longest_outage_ms", "longest outage" },
						{ "availability_pct", "availability" },
						{ "path", "path" } };
	static const char *const win[] = { "before", "during", "after" };
	char a[64], b[64], c[64], d[64], x[3][64];
	size_t i, k, n;
	int unk = render_any_unknown(root);

	fprintf(out,
		"\n| Target | Downtime | Bounds | Bursts | Outages | Longest gap | Sent | Lost |"
		"%s\n|---|--:|---|--:|--:|--:|--:|--:|%s\n",
		unk ? " Unknown |" : "", unk ? "--:|" : "");
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *t = &tg->rows[i];

		fputs("| ", out);
		render_esc_plain(out, rows_str(t, "target"), 1);
		if (render_clean(t))
			fputs(" | none | -", out);
		else
			fprintf(out, " | %s | %s .. %s",
				render_human(t, "downtime_ms", a, sizeof(a)),
				render_human(t, "downtime_lower_ms", b, sizeof(b)),
				render_human(t, "downtime_upper_ms", c, sizeof(c)));
		fprintf(out, " | %" PRId64 " | %" PRId64 " | %s | %" PRId64 " | %" PRId64 " |",
			rows_int(t, "bursts"), rows_int(t, "outages"),
			render_human(t, "longest_gap_ms", d, sizeof(d)), rows_int(t, "sent"),
			rows_int(t, "lost"));
		if (unk)
			fprintf(out, " %s |", render_human(t, "unknown_ms", a, sizeof(a)));
		fputc('\n', out);
	}
	for (k = 0, n = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
		for (i = 0; i < tg->nrows; i++) {
			if (!rows_known(&tg->rows[i], extra[k][0]))
				continue;
			fputs(n++ == 0 ? "\n- " : "- ", out);
			render_esc_plain(out, rows_str(&tg->rows[i], "target"), 1);
			fprintf(out, " %s: ", extra[k][1]);
			render_esc_plain(out, render_human(&tg->rows[i], extra[k][0], a, sizeof(a)),
					 1);
			fputc('\n', out);
		}
	}
	fputs("\n| RTT ms (p50 / p99 / max) | Before | During | After |\n|---|---|---|---|\n", out);
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *rtt = &rows_table(&tg->rows[i], "rtt")->rows[0];

		fputs("| ", out);
		render_esc_plain(out, rows_str(&tg->rows[i], "target"), 1);
		for (k = 0; k < 3; k++) {
			const struct rows_row *w = &rows_table(rtt, win[k])->rows[0];

			if (!rows_known(w, "p50_ms")) {
				fputs(" | -", out);
				continue;
			}
			fprintf(out, " | %s / %s / %s",
				render_human(w, "p50_ms", x[0], sizeof(x[0])),
				render_human(w, "p99_ms", x[1], sizeof(x[1])),
				render_human(w, "max_ms", x[2], sizeof(x[2])));
		}
		fputs(" |\n", out);
	}
}

/* The failover table, when there is a failover marker. */
static void
render_md_failover(const struct rows_row *root, const struct rows_table *tg, FILE *out)
{
	const struct rows_table *fm = rows_table(root, "failover_marker"), *ft;
	char a[64], b[64], c[64], d[64], e[64];
	size_t i;

	if (fm == NULL)
		return;
	fputs("\nFailover from marker **", out);
	render_esc_plain(out, rows_str(&fm->rows[0], "label"), 1);
	fprintf(out,
		"** at %s\n\n| Target | Last reply | First reply | Marker to last reply | "
		"Recovery (marker to first reply) | Gap |\n|---|---|---|--:|--:|--:|\n",
		render_human(&fm->rows[0], "time", a, sizeof(a)));
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *f;

		fputs("| ", out);
		render_esc_plain(out, rows_str(&tg->rows[i], "target"), 1);
		if ((ft = rows_table(&tg->rows[i], "failover")) == NULL) {
			fputs(" | no outage | - | - | - | - |\n", out);
			continue;
		}
		f = &ft->rows[0];
		fprintf(out, " | %s | %s | %s | %s | %s |\n",
			render_human(f, "last_reply", a, sizeof(a)),
			rows_known(f, "first_reply") ? render_human(f, "first_reply", b, sizeof(b))
						     : "never",
			render_human(f, "to_last_reply_ms", c, sizeof(c)),
			rows_known(f, "recovery_ms") ? render_human(f, "recovery_ms", d, sizeof(d))
						     : "never",
			render_human(f, "gap_ms", e, sizeof(e)));
	}
}

/* Markers, spans and the unknown windows. */
static void
render_md_marks(const struct rows_row *root, FILE *out)
{
	const struct rows_table *mk = rows_table(root, "markers"), *sp = rows_table(root, "spans");
	const struct rows_table *u = rows_table(root, "unknown");
	char a[48], b[48];
	size_t i;

	if (mk->nrows > 0)
		fputs("\n| Marker | Time |\n|---|---|\n", out);
	for (i = 0; i < mk->nrows; i++) {
		fputs("| ", out);
		render_esc_plain(out, rows_str(&mk->rows[i], "label"), 1);
		fprintf(out, " | %s |\n", render_human(&mk->rows[i], "time", a, sizeof(a)));
	}
	if (sp->nrows > 0)
		fputs("\n| Span | Start | End |\n|---|---|---|\n", out);
	for (i = 0; i < sp->nrows; i++) {
		fputs("| ", out);
		render_esc_plain(out, rows_str(&sp->rows[i], "label"), 1);
		fprintf(out, " | %s | %s |\n", render_human(&sp->rows[i], "start", a, sizeof(a)),
			render_human(&sp->rows[i], "end", b, sizeof(b)));
	}
	if (u->nrows == 0)
		return;
	fputs("\n| Unknown since | Duration | Target | Reason |\n|---|--:|---|---|\n", out);
	for (i = 0; i < u->nrows && i < ROWS_LIST_MAX; i++) {
		const struct rows_row *row = &u->rows[i];

		fprintf(out, "| %s | %s | ", render_human(row, "start", a, sizeof(a)),
			render_human(row, "duration_ms", b, sizeof(b)));
		if (rows_known(row, "target"))
			render_esc_plain(out, rows_str(row, "target"), 1);
		else
			fputs("all targets", out);
		render_md_str(out, row, "reason");
		fputs(" |\n", out);
	}
	if (u->nrows > ROWS_LIST_MAX)
		fprintf(out, "| ... %zu more | | | |\n", u->nrows - ROWS_LIST_MAX);
}

/* The events list, the bench figures and the HA events. */
static void
render_md_events(const struct rows_row *root, FILE *out)
{
	const struct rows_table *ev = rows_table(root, "events"), *bt = rows_table(root, "bench");
	const struct rows_table *hv = rows_table(root, "hypervisor"), *ha;
	char a[48];
	size_t i;

	if (ev->nrows > 0)
		fputs("\n**Network and monitor events**\n\n| Time | Target | Kind | Event |\n"
		      "|---|---|---|---|\n",
		      out);
	for (i = 0; i < ev->nrows && i < ROWS_LIST_MAX; i++) {
		const struct rows_row *e = &ev->rows[i];

		fprintf(out, "| %s | ", render_human(e, "time", a, sizeof(a)));
		render_esc_plain(out, rows_known(e, "target") ? rows_str(e, "target") : "-", 1);
		render_md_str(out, e, "kind");
		render_md_str(out, e, "text");
		fputs(" |\n", out);
	}
	if (ev->nrows > ROWS_LIST_MAX)
		fprintf(out, "| ... %zu more | | | |\n", ev->nrows - ROWS_LIST_MAX);
	if (bt->nrows > 0)
		fputs("\n**Benchmarks during this run**\n\n| Started | Label | Test | Metric | "
		      "Value | "
		      "Unit |\n|---|---|---|---|--:|---|\n",
		      out);
	for (i = 0; i < bt->nrows && i < ROWS_LIST_MAX; i++) {
		const struct rows_row *b = &bt->rows[i];

		fprintf(out, "| %s", render_human(b, "time", a, sizeof(a)));
		render_md_str(out, b, "label");
		render_md_str(out, b, "test");
		render_md_str(out, b, "metric");
		fprintf(out, " | %s", render_human(b, "value", a, sizeof(a)));
		render_md_str(out, b, "unit");
		fputs(" |\n", out);
	}
	if (bt->nrows > ROWS_LIST_MAX)
		fprintf(out, "| ... %zu more | | | | | |\n", bt->nrows - ROWS_LIST_MAX);
	if (hv == NULL || (ha = rows_table(&hv->rows[0], "ha_events"))->nrows == 0)
		return;
	fputs("\n| HA event (hypervisor time) | Host | Event |\n|---|---|---|\n", out);
	for (i = 0; i < ha->nrows; i++) {
		fprintf(out, "| %s", render_human(&ha->rows[i], "time", a, sizeof(a)));
		render_md_str(out, &ha->rows[i], "host");
		render_md_str(out, &ha->rows[i], "text");
		fputs(" |\n", out);
	}
}

/* Each target's loss periods. */
static void
render_md_losses(const struct rows_table *tg, FILE *out)
{
	char a[48], b[48], c[48], d[48];
	size_t i, j;

	for (i = 0; i < tg->nrows; i++) {
		const struct rows_table *ls = rows_table(&tg->rows[i], "losses");

		if (ls->nrows == 0)
			continue;
		fputs("\n| Loss on ", out);
		render_esc_plain(out, rows_str(&tg->rows[i], "target"), 1);
		fputs(" | Start | Duration | Bounds | Lost |\n|---|---|--:|---|--:|\n", out);
		for (j = 0; j < ls->nrows && j < ROWS_LIST_MAX; j++) {
			const struct rows_row *bu = &ls->rows[j];

			fprintf(out, "| %s%s | %s | %s | %s .. %s | %" PRId64 " |\n",
				rows_str(bu, "kind"), rows_open(bu) ? " (open)" : "",
				render_human(bu, "start", a, sizeof(a)),
				render_human(bu, "duration_ms", b, sizeof(b)),
				render_human(bu, "lower_ms", c, sizeof(c)),
				render_human(bu, "upper_ms", d, sizeof(d)), rows_int(bu, "lost"));
		}
		if (ls->nrows > ROWS_LIST_MAX)
			fprintf(out, "| ... %zu more | | | | |\n", ls->nrows - ROWS_LIST_MAX);
	}
}

/* A report model as Markdown. */
void
render_md_report(const struct rows_model *m, FILE *out)
{
	const struct rows_row *root = rows_root(m);
	const struct rows_table *tg = rows_table(root, "targets");

	render_md_summary(root, out);
	render_md_targets(root, tg, out);
	render_md_failover(root, tg, out);
	render_md_marks(root, out);
	render_md_events(root, out);
	render_md_losses(tg, out);
}

/* An aggregate model as Markdown. */
void
render_md_aggregate(const struct rows_model *m, FILE *out)
{
	const struct rows_row *root = rows_root(m);
	const struct rows_table *tg = rows_table(root, "targets");
	char x[4][48], t0[48], t1[48];
	size_t i;

	fputs("### hamon runs", out);
	if (rows_known(root, "label")) {
		fputs(" labelled ", out);
		render_esc_plain(out, rows_str(root, "label"), 1);
	}
	fprintf(out,
		"\n\n%" PRId64 " run%s, %s .. %s\n\n| Target | Runs | Min | p50 | p95 | Max |\n"
		"|---|--:|--:|--:|--:|--:|\n",
		rows_int(root, "runs"), render_plural(rows_int(root, "runs")),
		render_human(root, "first", t0, sizeof(t0)),
		render_human(root, "last", t1, sizeof(t1)));
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *t = &tg->rows[i];

		fputs("| ", out);
		render_esc_plain(out, rows_str(t, "target"), 1);
		fprintf(out, " | %" PRId64 " | %s | %s | %s | %s |\n", rows_int(t, "runs"),
			render_human(t, "min_ms", x[0], sizeof(x[0])),
			render_human(t, "p50_ms", x[1], sizeof(x[1])),
			render_human(t, "p95_ms", x[2], sizeof(x[2])),
			render_human(t, "max_ms", x[3], sizeof(x[3])));
	}
}
