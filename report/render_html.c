/* SPDX-License-Identifier: ISC */
/*
 * render_html.c: a report or aggregate model as one self-contained HTML
 * page: the style sheet embedded (report/report.css, built into
 * report_css.h), inline SVG timelines (svg.c), no script, no font or
 * image from anywhere. Long lists are cut at 10 * ROWS_LIST_MAX rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "report/render.h"
#include "report/report_css.h"

#define RENDER_HTML_ROWS (10 * ROWS_LIST_MAX)
/* Close-ups drawn per target; the loss table lists every outage. */
#define RENDER_HTML_INSETS 12

/* <!DOCTYPE ...> up to <body>, with the embedded style sheet. */
static void
render_html_head(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      out);
	render_esc_html(out, title);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", render_css);
}

/* A <tr><th>key</th><td>escaped value</td></tr>. */
static void
render_html_kv(FILE *out, const char *key, const char *val)
{
	fputs("<tr><th>", out);
	render_esc_html(out, key);
	fputs("</th><td>", out);
	render_esc_html(out, val);
	fputs("</td></tr>\n", out);
}

/* <td class="n">cell name of row</td>, with an extra class. */
static void
render_html_num(FILE *out, const struct rows_row *row, const char *name, const char *cls)
{
	char buf[64];

	fprintf(out, "<td class=\"n%s%s\">%s</td>", cls != NULL ? " " : "", cls != NULL ? cls : "",
		render_human(row, name, buf, sizeof(buf)));
}

/* <td>escaped string cell name of row</td> */
static void
render_html_str(FILE *out, const struct rows_row *row, const char *name)
{
	fputs("<td>", out);
	render_esc_html(out, rows_str(row, name));
	fputs("</td>", out);
}

/* The title, subtitle and summary table. */
static void
render_html_summary(const struct rows_row *root, FILE *out)
{
	const struct rows_row *run = &rows_table(root, "run")->rows[0];
	char a[64], b[64], title[256], line[256];
	size_t i, j;

	snprintf(title, sizeof(title), "hamon run %" PRId64 "%s%s", rows_int(run, "id"),
		 rows_known(run, "label") ? ": " : "", rows_str(run, "label"));
	render_html_head(out, title);
	fputs("<h1>", out);
	render_esc_html(out, title);
	fprintf(out, "</h1>\n<p class=\"sub\">%s run", rows_str(run, "kind"));
	if (rows_known(run, "start"))
		fprintf(out, ", %s", render_human(run, "start", a, sizeof(a)));
	fputs("</p>\n<h2>Summary</h2>\n<table class=\"kv\">\n", out);
	if (rows_known(run, "command")) {
		fputs("<tr><th>Command</th><td><code>", out);
		render_esc_html(out, rows_str(run, "command"));
		fputs("</code></td></tr>\n", out);
	}
	render_html_kv(out, "Started", render_human(run, "start", a, sizeof(a)));
	render_html_kv(out, "Ended", render_human(run, "end", a, sizeof(a)));
	render_html_kv(out, "Duration", render_human(run, "duration_ms", a, sizeof(a)));
	if (rows_known(run, "exit_signal"))
		snprintf(a, sizeof(a), "%" PRId64 " (signal %" PRId64 ")",
			 rows_int(run, "exit_status"), rows_int(run, "exit_signal"));
	else if (rows_known(run, "exit_status"))
		snprintf(a, sizeof(a), "%" PRId64, rows_int(run, "exit_status"));
	else
		snprintf(a, sizeof(a), "unknown");
	render_html_kv(out, "Exit status", a);
	snprintf(a, sizeof(a), "%" PRId64 " bytes", rows_int(run, "output_bytes"));
	render_html_kv(out, "Command output", a);
	if (rows_known(run, "monitor_start")) {
		render_human(run, "monitor_start", a, sizeof(a));
		render_human(run, "monitor_end", b, sizeof(b));
		snprintf(title, sizeof(title), "%s .. %s", a, b);
		render_html_kv(out, "Monitored", title);
	}
	if (rows_known(run, "host"))
		render_html_kv(out, "Monitor host", rows_str(run, "host"));
	if (render_unknown_counts(root, &i, &j) > 0) {
		fputs("<tr><th>Unknown</th><td>", out);
		render_unknown_summary(out, RR_FMT_HTML, root);
		fputs("</td></tr>\n", out);
	}
	if (rows_timing_line(run, line, sizeof(line)))
		render_html_kv(out, "Timing", line);
	fputs("</table>\n", out);
}

/* The targets table. */
static void
render_html_targets(const struct rows_row *root, const struct rows_table *tg, FILE *out)
{
	static const char *const win[] = { "before", "during", "after" };
	char a[64], b[64], c[64];
	size_t i;
	int k, unk = render_any_unknown(root);

	fputs("<table>\n<tr><th>Target</th><th>Downtime</th><th>Lower</th><th>Upper</th>"
	      "<th>Bursts</th><th>Outages</th><th>Longest gap</th><th>Sent</th><th>Lost</th>",
	      out);
	if (unk)
		fputs("<th>Unknown</th>", out);
	for (k = 0; k < 3; k++)
		fprintf(out, "<th>RTT %s<br>p50 / p99 / max ms</th>", win[k]);
	fputs("</tr>\n", out);
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *t = &tg->rows[i];
		const struct rows_row *rtt = &rows_table(t, "rtt")->rows[0];

		fputs("<tr><td>", out);
		render_esc_html(out, rows_str(t, "target"));
		if (rows_known(t, "url")) {
			fputs("<br><code>", out);
			render_esc_html(out, rows_str(t, "url"));
			fputs("</code>", out);
		}
		if (rows_known(t, "path")) {
			fputs("<br><small class=\"path\">path: ", out);
			render_esc_html(out, rows_str(t, "path"));
			fputs("</small>", out);
		}
		fputs("</td>", out);
		if (render_clean(t)) {
			fputs("<td class=\"n clean\">none</td><td class=\"n\">-</td>"
			      "<td class=\"n\">-</td>",
			      out);
		} else {
			render_html_num(out, t, "downtime_ms", "dt");
			render_html_num(out, t, "downtime_lower_ms", NULL);
			render_html_num(out, t, "downtime_upper_ms", NULL);
		}
		render_html_num(out, t, "bursts", NULL);
		render_html_num(out, t, "outages", NULL);
		render_html_num(out, t, "longest_gap_ms", NULL);
		render_html_num(out, t, "sent", NULL);
		render_html_num(out, t, "lost", NULL);
		if (unk)
			render_html_num(out, t, "unknown_ms", NULL);
		for (k = 0; k < 3; k++) {
			const struct rows_row *w = &rows_table(rtt, win[k])->rows[0];

			if (!rows_known(w, "p50_ms")) {
				fputs("<td class=\"n\">-</td>", out);
				continue;
			}
			fprintf(out, "<td class=\"n\">%s / %s / %s</td>",
				render_human(w, "p50_ms", a, sizeof(a)),
				render_human(w, "p99_ms", b, sizeof(b)),
				render_human(w, "max_ms", c, sizeof(c)));
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* The failover table, when there is a failover marker. */
static void
render_html_failover(const struct rows_row *root, const struct rows_table *tg, FILE *out)
{
	const struct rows_table *fm = rows_table(root, "failover_marker"), *ft;
	char a[64], b[64];
	size_t i;

	if (fm == NULL)
		return;
	fputs("<h2>Failover</h2>\n<p class=\"sub\">From marker <b>", out);
	render_esc_html(out, rows_str(&fm->rows[0], "label"));
	fprintf(out,
		"</b> at %s. Recovery is the time from the marker to the first reply "
		"after the outage.</p>\n<table>\n<tr><th>Target</th><th>Last reply</th>"
		"<th>First reply</th><th>Marker to last reply</th><th>Recovery</th><th>Gap</th>"
		"</tr>\n",
		render_human(&fm->rows[0], "time", a, sizeof(a)));
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *f;

		fputs("<tr><td>", out);
		render_esc_html(out, rows_str(&tg->rows[i], "target"));
		if ((ft = rows_table(&tg->rows[i], "failover")) == NULL) {
			fputs("</td><td colspan=\"5\">no outage after the marker</td></tr>\n", out);
			continue;
		}
		f = &ft->rows[0];
		fprintf(out, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>",
			render_human(f, "last_reply", a, sizeof(a)),
			rows_known(f, "first_reply") ? render_human(f, "first_reply", b, sizeof(b))
						     : "never");
		render_html_num(out, f, "to_last_reply_ms", NULL);
		render_html_num(out, f, "recovery_ms", "dt");
		render_html_num(out, f, "gap_ms", NULL);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* The hypervisor summary and its HA events. */
static void
render_html_hv(const struct rows_table *hvt, FILE *out)
{
	struct rows_kv kv[ROWS_KV_MAX];
	const struct rows_table *ha;
	size_t i, n;

	if (hvt == NULL || (n = rows_hv_summary(&hvt->rows[0], kv)) == 0)
		return;
	fputs("<h2>Hypervisor</h2>\n<p class=\"sub\">As stated in the command's output.</p>\n"
	      "<table class=\"kv\">\n",
	      out);
	for (i = 0; i < n; i++)
		render_html_kv(out, kv[i].key, kv[i].val);
	fputs("</table>\n", out);
	ha = rows_table(&hvt->rows[0], "ha_events");
	if (ha->nrows == 0)
		return;
	fputs("<table>\n<tr><th>Time (hypervisor)</th><th>Host</th><th>HA event</th></tr>\n", out);
	for (i = 0; i < ha->nrows; i++) {
		fputs("<tr>", out);
		render_html_num(out, &ha->rows[i], "time", NULL);
		render_html_str(out, &ha->rows[i], "host");
		render_html_str(out, &ha->rows[i], "text");
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* One target's loss periods, folded. */
static void
render_html_losses(const struct rows_table *ls, FILE *out)
{
	size_t j;

	if (ls->nrows == 0)
		return;
	fprintf(out,
		"<details><summary>%zu loss period%s</summary>\n<table>\n<tr><th>Kind</th>"
		"<th>Start</th><th>Duration</th><th>Lower</th><th>Upper</th><th>Lost</th></tr>\n",
		ls->nrows, render_plural((int64_t)ls->nrows));
	for (j = 0; j < ls->nrows && j < RENDER_HTML_ROWS; j++) {
		const struct rows_row *bu = &ls->rows[j];

		fprintf(out, "<tr><td>%s%s</td>", rows_str(bu, "kind"),
			rows_open(bu) ? " (open)" : "");
		render_html_num(out, bu, "start", NULL);
		render_html_num(out, bu, "duration_ms", NULL);
		render_html_num(out, bu, "lower_ms", NULL);
		render_html_num(out, bu, "upper_ms", NULL);
		render_html_num(out, bu, "lost", NULL);
		fputs("</tr>\n", out);
	}
	if (ls->nrows > RENDER_HTML_ROWS)
		fprintf(out, "<tr><td colspan=\"6\">%zu more</td></tr>\n",
			ls->nrows - RENDER_HTML_ROWS);
	fputs("</table></details>\n", out);
}

/* The legend and one heading, summary line, timeline and loss table per target. */
static void
render_html_timelines(const struct rows_model *m, const struct rows_table *tg, FILE *out)
{
	const struct rows_row *root = rows_root(m);
	struct svg_plot *p;
	char a[64], b[64], c[64];
	size_t i, j, k;

	fprintf(out,
		"<h2>Timelines</h2>\n<p class=\"legend\"><span><i class=\"sw sw-r\"></i>RTT "
		"(lowest and highest per pixel)</span><span><i class=\"sw sw-o\"></i>outage</span>"
		"<span><i class=\"sw sw-b\"></i>loss burst</span><span><i class=\"sw "
		"sw-l\"></i>lost "
		"probes</span><span><i class=\"sw sw-s\"></i>command running</span><span><i "
		"class=\"sw sw-m\"></i>marker</span>%s%s%s</p>\n",
		render_unknown_counts(root, &j, &k) > 0
			? "<span><i class=\"sw sw-u\"></i>unknown "
			  "(monitor could not see; losses not counted)</span>"
			: "",
		rows_table(root, "events")->nrows > 0 ? "<span><i class=\"sw sw-e\"></i>network or "
							"monitor event</span>"
						      : "",
		rows_table(root, "bench")->nrows > 0 ? "<span><i "
						       "class=\"sw sw-k\"></i>bench started</span>"
						     : "");
	p = svg_plot_new(m);
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *t = &tg->rows[i];

		fputs("<h3>", out);
		render_esc_html(out, rows_str(t, "target"));
		if (render_clean(t))
			fputs("</h3>\n<p class=\"sub\"><span class=\"clean\">clean: no loss</span>",
			      out);
		else
			fprintf(out,
				"</h3>\n<p class=\"sub\">downtime %s [%s, %s], %" PRId64
				" burst%s, %" PRId64 " outage%s",
				render_human(t, "downtime_ms", a, sizeof(a)),
				render_human(t, "downtime_lower_ms", b, sizeof(b)),
				render_human(t, "downtime_upper_ms", c, sizeof(c)),
				rows_int(t, "bursts"), render_plural(rows_int(t, "bursts")),
				rows_int(t, "outages"), render_plural(rows_int(t, "outages")));
		if (rows_known(t, "longest_outage_ms"))
			fprintf(out, " (longest %s)",
				render_human(t, "longest_outage_ms", a, sizeof(a)));
		fprintf(out, ", %" PRId64 " of %" PRId64 " probe%s lost", rows_int(t, "lost"),
			rows_int(t, "sent"), render_plural(rows_int(t, "sent")));
		if (rows_int(t, "unknown_ms") > 0)
			fprintf(out, ", unknown %s", render_human(t, "unknown_ms", a, sizeof(a)));
		if (rows_known(t, "availability_pct"))
			fprintf(out, ", availability %s",
				render_human(t, "availability_pct", a, sizeof(a)));
		fputs("</p>\n", out);
		fputs("<div class=\"plot\">", out);
		svg_write_target(out, p, m, i);
		fputs("</div>\n", out);
		svg_write_insets(out, m, i, RENDER_HTML_INSETS);
		render_html_losses(rows_table(t, "losses"), out);
	}
	free(p);
}

/* Markers and spans as tables. */
static void
render_html_marks(const struct rows_row *root, FILE *out)
{
	const struct rows_table *mk = rows_table(root, "markers"), *sp = rows_table(root, "spans");
	size_t i;

	if (mk->nrows > 0)
		fputs("<h2>Markers</h2>\n<table>\n<tr><th>Time</th><th>Marker</th></tr>\n", out);
	for (i = 0; i < mk->nrows; i++) {
		fputs("<tr>", out);
		render_html_num(out, &mk->rows[i], "time", NULL);
		render_html_str(out, &mk->rows[i], "label");
		fputs("</tr>\n", out);
	}
	if (mk->nrows > 0)
		fputs("</table>\n", out);
	if (sp->nrows == 0)
		return;
	fputs("<h2>Spans</h2>\n<table>\n<tr><th>Start</th><th>End</th><th>Span</th></tr>\n", out);
	for (i = 0; i < sp->nrows; i++) {
		fputs("<tr>", out);
		render_html_num(out, &sp->rows[i], "start", NULL);
		render_html_num(out, &sp->rows[i], "end", NULL);
		render_html_str(out, &sp->rows[i], "label");
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* A list as a table: each row's cells fields[0..n) (kind[k] 1: a number,
 * right-aligned; 0: a string, "-" when absent; 2: a target, "all targets"
 * when absent), the first RENDER_HTML_ROWS rows and a "more" line. */
static void
render_html_list(const struct rows_table *t, const char *const *fields, const int *num, size_t n,
		 FILE *out)
{
	size_t i, k;

	for (i = 0; i < t->nrows && i < RENDER_HTML_ROWS; i++) {
		fputs("<tr>", out);
		for (k = 0; k < n; k++) {
			if (num[k] == 1)
				render_html_num(out, &t->rows[i], fields[k], NULL);
			else if (!rows_known(&t->rows[i], fields[k]))
				fputs(num[k] == 2 ? "<td>all targets</td>" : "<td>-</td>", out);
			else
				render_html_str(out, &t->rows[i], fields[k]);
		}
		fputs("</tr>\n", out);
	}
	if (t->nrows > RENDER_HTML_ROWS)
		fprintf(out, "<tr><td colspan=\"%zu\">%zu more</td></tr>\n", n,
			t->nrows - RENDER_HTML_ROWS);
	fputs("</table>\n", out);
}

/* The unknown windows, the events and the bench figures. */
static void
render_html_lists(const struct rows_row *root, FILE *out)
{
	static const char *const uf[] = { "start", "duration_ms", "target", "reason" };
	static const int un[] = { 1, 1, 2, 0 };
	static const char *const ef[] = { "time", "target", "kind", "text" };
	static const int en[] = { 1, 0, 0, 0 };
	static const char *const bf[] = { "time", "label", "test", "metric", "value", "unit" };
	static const int bn[] = { 1, 0, 0, 0, 1, 0 };
	const struct rows_table *u = rows_table(root, "unknown");
	const struct rows_table *ev = rows_table(root, "events");
	const struct rows_table *bt = rows_table(root, "bench");

	if (u->nrows > 0) {
		fputs("<h2>Unknown windows</h2>\n<p class=\"sub\">The monitor could not see the "
		      "target; probes lost inside are not counted as losses.</p>\n<table>\n<tr><th>"
		      "Start</th><th>Duration</th><th>Target</th><th>Reason</th></tr>\n",
		      out);
		render_html_list(u, uf, un, 4, out);
	}
	if (ev->nrows > 0) {
		fputs("<h2>Network and monitor events</h2>\n<table>\n<tr><th>Time</th><th>Target"
		      "</th><th>Kind</th><th>Event</th></tr>\n",
		      out);
		render_html_list(ev, ef, en, 4, out);
	}
	if (bt->nrows > 0) {
		fputs("<h2>Benchmarks during this run</h2>\n<table>\n<tr><th>Started</th><th>Label"
		      "</th><th>Test</th><th>Metric</th><th>Value</th><th>Unit</th></tr>\n",
		      out);
		render_html_list(bt, bf, bn, 6, out);
	}
}

/* A report model as one HTML page. */
void
render_html_report(const struct rows_model *m, FILE *out)
{
	const struct rows_row *root = rows_root(m);
	const struct rows_table *tg = rows_table(root, "targets");

	render_html_summary(root, out);
	render_html_targets(root, tg, out);
	render_html_failover(root, tg, out);
	render_html_hv(rows_table(root, "hypervisor"), out);
	render_html_timelines(m, tg, out);
	render_html_marks(root, out);
	render_html_lists(root, out);
	fputs("<footer>Generated by hamon. Downtime is the sum of loss bursts; bounds follow from "
	      "the probe spacing. Times are local unless marked.</footer>\n</body>\n</html>\n",
	      out);
}

/* An aggregate model as one HTML page with its table. */
void
render_html_aggregate(const struct rows_model *m, FILE *out)
{
	const struct rows_row *root = rows_root(m);
	const struct rows_table *tg = rows_table(root, "targets");
	char t0[48], t1[48], title[256];
	size_t i;

	snprintf(title, sizeof(title), "hamon runs%s%s",
		 rows_known(root, "label") ? " labelled " : "", rows_str(root, "label"));
	render_html_head(out, title);
	fputs("<h1>", out);
	render_esc_html(out, title);
	fprintf(out,
		"</h1>\n<p class=\"sub\">%" PRId64 " run%s, %s .. %s</p>\n<table>\n<tr><th>"
		"Target</th><th>Runs</th><th>Min</th><th>p50</th><th>p95</th><th>Max</th></tr>\n",
		rows_int(root, "runs"), render_plural(rows_int(root, "runs")),
		render_human(root, "first", t0, sizeof(t0)),
		render_human(root, "last", t1, sizeof(t1)));
	for (i = 0; i < tg->nrows; i++) {
		const struct rows_row *t = &tg->rows[i];

		fputs("<tr><td>", out);
		render_esc_html(out, rows_str(t, "target"));
		fputs("</td>", out);
		render_html_num(out, t, "runs", NULL);
		render_html_num(out, t, "min_ms", NULL);
		render_html_num(out, t, "p50_ms", "dt");
		render_html_num(out, t, "p95_ms", NULL);
		render_html_num(out, t, "max_ms", NULL);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n</body>\n</html>\n", out);
}
