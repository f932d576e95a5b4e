/* SPDX-License-Identifier: ISC */
/*
 * render_text.c: a report or aggregate model as aligned text for a
 * terminal, local times, long lists cut at ROWS_LIST_MAX rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/timeutil.h"
#include "report/render.h"

/* One "  key:  value" line with an escaped value. */
static void
render_text_kv(FILE *out, const char *key, const char *val)
{
	fprintf(out, "  %-22s ", key);
	render_esc_plain(out, val, 0);
	fputc('\n', out);
}

/* Widest name in list t, at least min. */
static int
render_text_widest(const struct rows_table *t, const char *field, int min)
{
	size_t i;
	int w = min, x;

	for (i = 0; t != NULL && i < t->nrows; i++) {
		if ((x = render_text_width(rows_str(&t->rows[i], field))) > w)
			w = x;
	}
	return w;
}

/* "p50 / p99 / max" of one window of a target row, in ms, or "-". */
static void
render_text_rtt(char *buf, size_t n, const struct rows_row *t, const char *window)
{
	const struct rows_row *w = &rows_table(&rows_table(t, "rtt")->rows[0], window)->rows[0];
	char a[32], b[32], c[32];

	if (!rows_known(w, "p50_ms")) {
		snprintf(buf, n, "-");
		return;
	}
	snprintf(buf, n, "%s / %s / %s", render_human(w, "p50_ms", a, sizeof(a)),
		 render_human(w, "p99_ms", b, sizeof(b)), render_human(w, "max_ms", c, sizeof(c)));
}

/* A time cell of row as a clock ("00:34:10.503"), or dflt when absent. */
static const char *
render_text_clock(const struct rows_row *row, const char *name, char *buf, size_t n,
		  const char *dflt)
{
	if (rows_known(row, name))
		time_format_clock(rows_int(row, name), buf, n);
	else
		snprintf(buf, n, "%s", dflt);
	return buf;
}

/* The run's summary lines. */
static void
render_text_summary(const struct rows_row *root, const struct rows_row *run, FILE *out)
{
	char a[64], b[64], line[256];
	size_t all, one;

	fprintf(out, "Run %" PRId64, rows_int(run, "id"));
	if (rows_known(run, "label")) {
		fputs("  ", out);
		render_esc_plain(out, rows_str(run, "label"), 0);
	}
	fprintf(out, "  (%s)\n", rows_str(run, "kind"));
	if (rows_known(run, "command"))
		render_text_kv(out, "command", rows_str(run, "command"));
	render_text_kv(out, "started", render_human(run, "start", a, sizeof(a)));
	snprintf(line, sizeof(line), "%s  (%s)", render_human(run, "end", a, sizeof(a)),
		 render_human(run, "duration_ms", b, sizeof(b)));
	render_text_kv(out, "ended", line);
	if (rows_known(run, "exit_signal"))
		snprintf(line, sizeof(line), "%" PRId64 " (signal %" PRId64 ")",
			 rows_int(run, "exit_status"), rows_int(run, "exit_signal"));
	else if (rows_known(run, "exit_status"))
		snprintf(line, sizeof(line), "%" PRId64, rows_int(run, "exit_status"));
	else
		snprintf(line, sizeof(line), "unknown");
	render_text_kv(out, "exit status", line);
	snprintf(line, sizeof(line), "%" PRId64 " bytes", rows_int(run, "output_bytes"));
	render_text_kv(out, "output", line);
	if (rows_known(run, "monitor_start")) {
		snprintf(line, sizeof(line), "%s .. %s",
			 render_human(run, "monitor_start", a, sizeof(a)),
			 render_human(run, "monitor_end", b, sizeof(b)));
		render_text_kv(out, "monitored", line);
	}
	if (rows_known(run, "host"))
		render_text_kv(out, "monitor host", rows_str(run, "host"));
	if (render_unknown_counts(root, &all, &one) > 0) {
		fprintf(out, "  %-22s ", "unknown");
		render_unknown_summary(out, RR_FMT_TEXT, root);
		fputc('\n', out);
	}
	if (rows_timing_line(run, line, sizeof(line)))
		render_text_kv(out, "timing", line);
}

/* The hypervisor summary and its HA events. */
static void
render_text_hv(const struct rows_table *hvt, FILE *out)
{
	struct rows_kv kv[ROWS_KV_MAX];
	const struct rows_table *ha;
	char a[64];
	size_t i, n;
	int hw;

	if (hvt == NULL || (n = rows_hv_summary(&hvt->rows[0], kv)) == 0)
		return;
	fputs("\nHypervisor\n", out);
	for (i = 0; i < n; i++)
		render_text_kv(out, kv[i].key, kv[i].val);
	ha = rows_table(&hvt->rows[0], "ha_events");
	hw = render_text_widest(ha, "host", 0);
	for (i = 0; ha != NULL && i < ha->nrows; i++) {
		fprintf(out, "    %s  ", render_human(&ha->rows[i], "time", a, sizeof(a)));
		if (hw > 0) {
			render_text_pad(out, rows_str(&ha->rows[i], "host"), hw);
			fputs("  ", out);
		}
		render_esc_plain(out, rows_str(&ha->rows[i], "text"), 0);
		fputc('\n', out);
	}
}

/* The targets table, then each target's URL, longest outage and path. */
static void
render_text_targets(const struct rows_row *root, const struct rows_table *tg, int w, FILE *out)
{
	static const char *const extra[][2] = { { "url", "url" },
						{ "longest_outage_ms", "longest outage" },
						{ "availability_pct", "availability" },
						{ "path", "path" } };
	char a[64], b[64], c[64], d[64], line[256];
	size_t i, k;
	int unk = render_any_unknown(root);

	fprintf(out, "\nTargets\n  %-*s  %12s  %-25s  %6s  %7s  %12s  %8s  %6s", w, "TARGET",
		"DOWNTIME", "BOUNDS", "BURSTS", "OUTAGES", "LONGEST GAP", "SENT", "LOST");
	fputs(unk ? "       UNKNOWN\n" : "\n", out);
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *t = &tg->rows[i];

		fputs("  ", out);
		render_text_pad(out, rows_str(t, "target"), w);
		if (render_clean(t)) {
			snprintf(a, sizeof(a), "none");
			snprintf(line, sizeof(line), "-");
		} else {
			render_human(t, "downtime_ms", a, sizeof(a));
			snprintf(line, sizeof(line), "[%s, %s]",
				 render_human(t, "downtime_lower_ms", b, sizeof(b)),
				 render_human(t, "downtime_upper_ms", c, sizeof(c)));
		}
		fprintf(out,
			"  %12s  %-25s  %6" PRId64 "  %7" PRId64 "  %12s  %8" PRId64 "  %6" PRId64,
			a, line, rows_int(t, "bursts"), rows_int(t, "outages"),
			render_human(t, "longest_gap_ms", d, sizeof(d)), rows_int(t, "sent"),
			rows_int(t, "lost"));
		if (unk)
			fprintf(out, "  %12s", render_human(t, "unknown_ms", a, sizeof(a)));
		fputc('\n', out);
	}
	for (k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
		for (i = 0; i < tg->nrows; i++) {
			if (!rows_known(&tg->rows[i], extra[k][0]))
				continue;
			fputs("  ", out);
			render_text_pad(out, rows_str(&tg->rows[i], "target"), w);
			fprintf(out, "  %s: ", extra[k][1]);
			render_esc_plain(
				out, render_human(&tg->rows[i], extra[k][0], line, sizeof(line)),
				0);
			fputc('\n', out);
		}
	}
}

/* The RTT table and the failover table. */
static void
render_text_rtt_failover(const struct rows_row *root, const struct rows_table *tg, int w, FILE *out)
{
	static const char *const win[] = { "before", "during", "after" };
	const struct rows_table *fm = rows_table(root, "failover_marker"), *ft;
	char a[64], b[64], c[64], d[64], e[64], line[256];
	size_t i;
	int k;

	fprintf(out, "\nRTT ms, p50 / p99 / max\n  %-*s  %-26s  %-26s  %s\n", w, "TARGET", "BEFORE",
		"DURING", "AFTER");
	for (i = 0; i < tg->nrows; i++) {
		fputs("  ", out);
		render_text_pad(out, rows_str(&tg->rows[i], "target"), w);
		for (k = 0; k < 3; k++) {
			render_text_rtt(line, sizeof(line), &tg->rows[i], win[k]);
			fprintf(out, k + 1 < 3 ? "  %-26s" : "  %s", line);
		}
		fputc('\n', out);
	}
	if (fm == NULL)
		return;
	fprintf(out, "\nFailover from marker \"");
	render_esc_plain(out, rows_str(&fm->rows[0], "label"), 0);
	fprintf(out, "\" at %s\n  %-*s  %-12s  %-12s  %12s  %12s  %12s\n",
		render_human(&fm->rows[0], "time", a, sizeof(a)), w, "TARGET", "LAST REPLY",
		"FIRST REPLY", "TO LAST", "RECOVERY", "GAP");
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *f;

		fputs("  ", out);
		render_text_pad(out, rows_str(&tg->rows[i], "target"), w);
		if ((ft = rows_table(&tg->rows[i], "failover")) == NULL) {
			fputs("  no outage after the marker\n", out);
			continue;
		}
		f = &ft->rows[0];
		fprintf(out, "  %-12s  %-12s  %12s  %12s  %12s\n",
			render_text_clock(f, "last_reply", a, sizeof(a), "-"),
			render_text_clock(f, "first_reply", b, sizeof(b), "never"),
			render_human(f, "to_last_reply_ms", c, sizeof(c)),
			render_human(f, "recovery_ms", d, sizeof(d)),
			render_human(f, "gap_ms", e, sizeof(e)));
	}
}

/* Markers and spans. */
static void
render_text_marks(const struct rows_row *root, FILE *out)
{
	const struct rows_table *mk = rows_table(root, "markers"), *sp = rows_table(root, "spans");
	char a[48], b[48];
	size_t i;

	if (mk->nrows == 0 && sp->nrows == 0)
		return;
	fputs("\nMarkers\n", out);
	for (i = 0; i < mk->nrows; i++) {
		fprintf(out, "  %s  ", render_human(&mk->rows[i], "time", a, sizeof(a)));
		render_esc_plain(out, rows_str(&mk->rows[i], "label"), 0);
		fputc('\n', out);
	}
	for (i = 0; i < sp->nrows; i++) {
		fprintf(out, "  %s .. %s  ", render_human(&sp->rows[i], "start", a, sizeof(a)),
			render_human(&sp->rows[i], "end", b, sizeof(b)));
		render_esc_plain(out, rows_str(&sp->rows[i], "label"), 0);
		fputc('\n', out);
	}
}

/* The unknown windows, one a line: start, duration, target, reason. */
static void
render_text_unknowns(const struct rows_table *u, FILE *out)
{
	char a[48], b[48];
	size_t i;

	if (u->nrows == 0)
		return;
	fputs("\nUnknown windows (losses inside are not counted)\n", out);
	for (i = 0; i < u->nrows && i < ROWS_LIST_MAX; i++) {
		const struct rows_row *row = &u->rows[i];

		fprintf(out, "  %s  %12s  ", render_human(row, "start", a, sizeof(a)),
			render_human(row, "duration_ms", b, sizeof(b)));
		if (rows_known(row, "target"))
			render_esc_plain(out, rows_str(row, "target"), 0);
		else
			fputs("all targets", out);
		fputs("  ", out);
		render_esc_plain(out, rows_str(row, "reason"), 0);
		fputc('\n', out);
	}
	if (u->nrows > ROWS_LIST_MAX)
		fprintf(out, "  ... %zu more\n", u->nrows - ROWS_LIST_MAX);
}

/* The events list: time, target, kind, text. */
static void
render_text_events(const struct rows_table *ev, int w, FILE *out)
{
	char a[48];
	size_t i;
	int kw = render_text_widest(ev, "kind", 10);

	if (ev->nrows == 0)
		return;
	fputs("\nNetwork and monitor events\n", out);
	for (i = 0; i < ev->nrows && i < ROWS_LIST_MAX; i++) {
		const struct rows_row *e = &ev->rows[i];

		fprintf(out, "  %s  ", render_human(e, "time", a, sizeof(a)));
		render_text_pad(out, rows_known(e, "target") ? rows_str(e, "target") : "-", w);
		fputs("  ", out);
		render_text_pad(out, rows_str(e, "kind"), kw);
		fputs("  ", out);
		render_esc_plain(out, rows_str(e, "text"), 0);
		fputc('\n', out);
	}
	if (ev->nrows > ROWS_LIST_MAX)
		fprintf(out, "  ... %zu more\n", ev->nrows - ROWS_LIST_MAX);
}

/* The bench figures of runs started during the monitoring. */
static void
render_text_bench(const struct rows_table *bt, FILE *out)
{
	char a[48], v[48];
	size_t i;
	int lw = render_text_widest(bt, "label", 5), tw = render_text_widest(bt, "test", 4);
	int mw = render_text_widest(bt, "metric", 6);

	if (bt->nrows == 0)
		return;
	fprintf(out, "\nBenchmarks during this run\n  %-23s  %-*s  %-*s  %-*s  %14s  %s\n",
		"STARTED", lw, "LABEL", tw, "TEST", mw, "METRIC", "VALUE", "UNIT");
	for (i = 0; i < bt->nrows && i < ROWS_LIST_MAX; i++) {
		const struct rows_row *b = &bt->rows[i];

		fprintf(out, "  %-23s  ", render_human(b, "time", a, sizeof(a)));
		render_text_pad(out, rows_str(b, "label"), lw);
		fputs("  ", out);
		render_text_pad(out, rows_str(b, "test"), tw);
		fputs("  ", out);
		render_text_pad(out, rows_str(b, "metric"), mw);
		fprintf(out, "  %14s  ", render_human(b, "value", v, sizeof(v)));
		render_esc_plain(out, rows_str(b, "unit"), 0);
		fputc('\n', out);
	}
	if (bt->nrows > ROWS_LIST_MAX)
		fprintf(out, "  ... %zu more\n", bt->nrows - ROWS_LIST_MAX);
}

/* Each target's loss periods. */
static void
render_text_losses(const struct rows_table *tg, FILE *out)
{
	char a[48], b[48], c[48], d[48];
	size_t i, j;

	for (i = 0; i < tg->nrows; i++) {
		const struct rows_table *ls = rows_table(&tg->rows[i], "losses");

		if (ls->nrows == 0)
			continue;
		fputs("\nLoss periods of ", out);
		render_esc_plain(out, rows_str(&tg->rows[i], "target"), 0);
		fputc('\n', out);
		for (j = 0; j < ls->nrows && j < ROWS_LIST_MAX; j++) {
			const struct rows_row *bu = &ls->rows[j];

			fprintf(out, "  %-6s  %s  %12s  [%s, %s]  %" PRId64 " lost%s\n",
				rows_str(bu, "kind"), render_human(bu, "start", a, sizeof(a)),
				render_human(bu, "duration_ms", b, sizeof(b)),
				render_human(bu, "lower_ms", c, sizeof(c)),
				render_human(bu, "upper_ms", d, sizeof(d)), rows_int(bu, "lost"),
				rows_open(bu) ? "  (open at stop)" : "");
		}
		if (ls->nrows > ROWS_LIST_MAX)
			fprintf(out, "  ... %zu more\n", ls->nrows - ROWS_LIST_MAX);
	}
}

/* A report model as text. */
void
render_text_report(const struct rows_model *m, FILE *out)
{
	const struct rows_row *root = rows_root(m);
	const struct rows_table *tg = rows_table(root, "targets");
	int w = render_text_widest(tg, "target", 6);

	render_text_summary(root, &rows_table(root, "run")->rows[0], out);
	render_text_hv(rows_table(root, "hypervisor"), out);
	render_text_targets(root, tg, w, out);
	render_text_rtt_failover(root, tg, w, out);
	render_text_marks(root, out);
	render_text_unknowns(rows_table(root, "unknown"), out);
	render_text_events(rows_table(root, "events"), w, out);
	render_text_bench(rows_table(root, "bench"), out);
	render_text_losses(tg, out);
}

/* An aggregate model as text. */
void
render_text_aggregate(const struct rows_model *m, FILE *out)
{
	const struct rows_row *root = rows_root(m);
	const struct rows_table *tg = rows_table(root, "targets");
	char x[4][48], t0[48], t1[48];
	size_t i;
	int w = render_text_widest(tg, "target", 6);

	fputs("Runs", out);
	if (rows_known(root, "label")) {
		fputs(" labelled ", out);
		render_esc_plain(out, rows_str(root, "label"), 0);
	}
	fprintf(out, ": %" PRId64 ", %s .. %s\n  %-*s  %5s  %12s  %12s  %12s  %12s\n",
		rows_int(root, "runs"), render_human(root, "first", t0, sizeof(t0)),
		render_human(root, "last", t1, sizeof(t1)), w, "TARGET", "RUNS", "MIN", "P50",
		"P95", "MAX");
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *t = &tg->rows[i];

		fputs("  ", out);
		render_text_pad(out, rows_str(t, "target"), w);
		fprintf(out, "  %5" PRId64 "  %12s  %12s  %12s  %12s\n", rows_int(t, "runs"),
			render_human(t, "min_ms", x[0], sizeof(x[0])),
			render_human(t, "p50_ms", x[1], sizeof(x[1])),
			render_human(t, "p95_ms", x[2], sizeof(x[2])),
			render_human(t, "max_ms", x[3], sizeof(x[3])));
	}
}
