/* SPDX-License-Identifier: ISC */
/*
 * svg.c: the inline SVG timeline of each target of a report model: RTT on
 * a log axis, loss periods, unknown windows, spans, markers, events and
 * bench starts. Each timeline is drawn from at most RR_SVG_MAX_POINTS / 2
 * pixel columns, keeping the lowest and highest RTT of every column so
 * that a single spike among a million samples still shows.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "report/render.h"

#define SVG_W       1100
#define SVG_H       278
#define SVG_LEFT    64.0
#define SVG_RIGHT   1084.0
#define SVG_TOP     48.0
#define SVG_BOTTOM  236.0
#define SVG_COLS    (RR_SVG_MAX_POINTS / 2)
#define SVG_LOG_MIN -3 /* 1 us */
#define SVG_LOG_MAX 5  /* 100 s */

/* The time range and plot box shared by every timeline. */
struct svg_plot {
	int64_t t0, t1;
	int lmin, lmax; /* log10 of ms at the bottom and top */
};

/* One decimation column. */
struct svg_col {
	int64_t min, max, tmin, tmax;
	uint32_t ok, lost;
};

/* x of time t in the plot, clamped to it. */
static double
svg_x(const struct svg_plot *p, int64_t t)
{
	double x;

	if (t <= p->t0)
		return SVG_LEFT;
	if (t >= p->t1)
		return SVG_RIGHT;
	x = SVG_LEFT + (double)(t - p->t0) / (double)(p->t1 - p->t0) * (SVG_RIGHT - SVG_LEFT);
	return x;
}

/* y of an RTT on the log axis, clamped to the plot. */
static double
svg_y(const struct svg_plot *p, int64_t rtt_ns)
{
	double l = rtt_ns > 0 ? log10((double)rtt_ns / 1e6) : p->lmin;

	if (l < p->lmin)
		l = p->lmin;
	if (l > p->lmax)
		l = p->lmax;
	return SVG_BOTTOM - (l - p->lmin) / (p->lmax - p->lmin) * (SVG_BOTTOM - SVG_TOP);
}

/* Widen [lo, hi] to cover t (0 means unknown and is ignored). */
static void
svg_cover(int64_t *lo, int64_t *hi, int64_t t)
{
	if (t == 0 || t == -1)
		return;
	if (*lo == 0 || t < *lo)
		*lo = t;
	if (*hi == 0 || t > *hi)
		*hi = t;
}

/* Widen [lo, hi] over the time cell name of every row of list t. */
static void
svg_cover_list(int64_t *lo, int64_t *hi, const struct rows_table *t, const char *name)
{
	size_t i;

	for (i = 0; t != NULL && i < t->nrows; i++)
		svg_cover(lo, hi, rows_int(&t->rows[i], name));
}

/* The shared time range: the monitoring window, else everything the report holds. */
struct svg_plot *
svg_plot_new(const struct rows_model *m)
{
	const struct rows_row *root = rows_root(m), *run = &rows_table(root, "run")->rows[0];
	struct svg_plot *p = xcalloc(1, sizeof(*p));
	int64_t lo = rows_int(run, "monitor_start"), hi = rows_int(run, "monitor_end"), pad;
	size_t i;

	if (lo <= 0 || hi <= lo) {
		lo = hi = 0;
		svg_cover(&lo, &hi, rows_int(run, "start"));
		svg_cover(&lo, &hi, rows_int(run, "end"));
		svg_cover_list(&lo, &hi, rows_table(root, "markers"), "time");
		svg_cover_list(&lo, &hi, rows_table(root, "events"), "time");
		svg_cover_list(&lo, &hi, rows_table(root, "bench"), "time");
		svg_cover_list(&lo, &hi, rows_table(root, "unknown"), "start");
		svg_cover_list(&lo, &hi, rows_table(root, "unknown"), "end");
		for (i = 0; i < m->ngeom; i++) {
			const struct rows_geom *g = &m->geom[i];

			if (g->nsamples > 0) {
				svg_cover(&lo, &hi, g->samples[0].tx_ns);
				svg_cover(&lo, &hi, g->samples[g->nsamples - 1].tx_ns);
			}
			if (g->nbursts > 0) {
				svg_cover(&lo, &hi, g->bursts[0].start_ns);
				svg_cover(&lo, &hi, g->bursts[g->nbursts - 1].end_ns);
			}
		}
		pad = (hi - lo) / 50;
		lo -= pad;
		hi += pad;
	}
	if (hi <= lo)
		hi = lo + NSEC_PER_SEC;
	p->t0 = lo;
	p->t1 = hi;
	return p;
}

/* A tick label for 10^l * m milliseconds: "500 µs", "20 ms", "1 s". */
static void
svg_rtt_label(char *buf, size_t n, int l, int m)
{
	double ms = pow(10, l) * m;

	if (ms < 1)
		snprintf(buf, n, "%g \xc2\xb5s", ms * 1000);
	else if (ms < 1000)
		snprintf(buf, n, "%g ms", ms);
	else
		snprintf(buf, n, "%g s", ms / 1000);
}

/* Horizontal grid and labels of the log RTT axis. */
static void
svg_y_axis(FILE *out, const struct svg_plot *p)
{
	static const int mult[] = { 1, 2, 5 };
	char buf[32];
	double y;
	int l, i, dense = p->lmax - p->lmin <= 3;

	for (l = p->lmin; l <= p->lmax; l++) {
		for (i = 0; i < 3; i++) {
			if ((i > 0 && (!dense || l == p->lmax)))
				continue;
			y = svg_y(p, (int64_t)(pow(10, l) * mult[i] * 1e6 + 0.5));
			fprintf(out,
				"<line class=\"%s\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" "
				"y2=\"%.1f\"/>",
				i == 0 ? "grid" : "grid2", SVG_LEFT, SVG_RIGHT, y, y);
			svg_rtt_label(buf, sizeof(buf), l, mult[i]);
			fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
				SVG_LEFT - 6, y + 3.5, buf);
		}
	}
	fprintf(out,
		"<text x=\"14\" y=\"%.0f\" transform=\"rotate(-90 14 %.0f)\" "
		"text-anchor=\"middle\">RTT (log)</text>\n",
		(SVG_TOP + SVG_BOTTOM) / 2, (SVG_TOP + SVG_BOTTOM) / 2);
}

/* Vertical grid and local-time labels of the time axis. */
static void
svg_x_axis(FILE *out, const struct svg_plot *p)
{
	static const int64_t steps[] = {
		NSEC_PER_MSEC,
		2 * NSEC_PER_MSEC,
		5 * NSEC_PER_MSEC,
		10 * NSEC_PER_MSEC,
		20 * NSEC_PER_MSEC,
		50 * NSEC_PER_MSEC,
		100 * NSEC_PER_MSEC,
		200 * NSEC_PER_MSEC,
		500 * NSEC_PER_MSEC,
		NSEC_PER_SEC,
		2 * NSEC_PER_SEC,
		5 * NSEC_PER_SEC,
		10 * NSEC_PER_SEC,
		15 * NSEC_PER_SEC,
		30 * NSEC_PER_SEC,
		60 * NSEC_PER_SEC,
		120 * NSEC_PER_SEC,
		300 * NSEC_PER_SEC,
		600 * NSEC_PER_SEC,
		900 * NSEC_PER_SEC,
		1800 * NSEC_PER_SEC,
		3600 * NSEC_PER_SEC,
		7200 * NSEC_PER_SEC,
		3 * 3600 * NSEC_PER_SEC,
		6 * 3600 * NSEC_PER_SEC,
		12 * 3600 * NSEC_PER_SEC,
		24 * 3600 * NSEC_PER_SEC,
	};
	struct tm tm;
	time_t t0s = (time_t)(p->t0 / NSEC_PER_SEC);
	int64_t step = steps[sizeof(steps) / sizeof(steps[0]) - 1], off = 0, t;
	char buf[48], *dot;
	size_t i;
	double x;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((p->t1 - p->t0) / steps[i] <= 8) {
			step = steps[i];
			break;
		}
	}
	/* Align ticks to the local clock, whose offset need not be whole hours. */
	if (localtime_r(&t0s, &tm) != NULL)
		off = (int64_t)tm.tm_gmtoff * NSEC_PER_SEC;
	t = p->t0 + off;
	t = (t / step + (t % step != 0 && t > 0)) * step - off;
	for (; t <= p->t1; t += step) {
		x = svg_x(p, t);
		time_format_clock(t, buf, sizeof(buf));
		if (step % NSEC_PER_SEC == 0 && (dot = strchr(buf, '.')) != NULL)
			*dot = '\0';
		fprintf(out,
			"<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/>"
			"<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"%s\">%s</text>\n",
			x, x, SVG_TOP, SVG_BOTTOM + 4, x, SVG_BOTTOM + 17,
			x > SVG_RIGHT - 30 ? "end" : "middle", buf);
	}
	time_format_local(p->t0, buf, sizeof(buf));
	if ((dot = strchr(buf, ' ')) != NULL)
		*dot = '\0';
	fprintf(out, "<text x=\"%.0f\" y=\"%d\">%s, local time (UTC%+03ld:%02ld)</text>\n",
		SVG_LEFT, SVG_H - 12, buf, (long)(off / NSEC_PER_SEC / 3600),
		(long)(labs((long)(off / NSEC_PER_SEC)) / 60 % 60));
	fprintf(out,
		"<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\"/>"
		"<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\"/>\n",
		SVG_LEFT, SVG_RIGHT, SVG_BOTTOM, SVG_BOTTOM, SVG_LEFT, SVG_LEFT, SVG_TOP,
		SVG_BOTTOM);
}

/* The log axis range of one target's replies. */
static void
svg_rtt_range(const struct rows_geom *t, struct svg_plot *p)
{
	int64_t lo = -1, hi = -1;
	size_t i;

	for (i = 0; i < t->nsamples; i++) {
		int64_t v = t->samples[i].rtt_ns;

		if (v < 0)
			continue;
		if (lo < 0 || v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	if (lo < 0) {
		p->lmin = -1;
		p->lmax = 2;
		return;
	}
	p->lmin = (int)floor(log10((double)(lo > 1000 ? lo : 1000) / 1e6));
	p->lmax = (int)ceil(log10((double)(hi > 1000 ? hi : 1000) / 1e6));
	if (p->lmin < SVG_LOG_MIN)
		p->lmin = SVG_LOG_MIN;
	if (p->lmax > SVG_LOG_MAX)
		p->lmax = SVG_LOG_MAX;
	if (p->lmax <= p->lmin)
		p->lmax = p->lmin + 1;
}

/* Column of time t, or -1 outside the plot. */
static int
svg_col_of(const struct svg_plot *p, int64_t t, int ncols)
{
	int64_t c;

	if (t < p->t0 || t > p->t1)
		return -1;
	c = (int64_t)((double)(t - p->t0) / (double)(p->t1 - p->t0) * ncols);
	return c >= ncols ? ncols - 1 : (int)c;
}

/* A duration as the titles show it. */
static const char *
svg_dur(char *buf, size_t n, int64_t ns)
{
	duration_format(ns, buf, n);
	return buf;
}

/* Loss periods as shaded bands: one rect per outage, merged rects for bursts. */
static void
svg_losses(FILE *out, const struct svg_plot *p, const struct rows_geom *t)
{
	char a[48], b[48], c[48];
	double xa, xb, bx0 = -1, bx1 = -1;
	size_t i, j;
	int inside;

	for (i = 0; i < t->nbursts; i++) {
		const struct rr_burst *bu = &t->bursts[i];

		if (bu->kind != RR_BURST)
			continue;
		for (j = 0, inside = 0; j < t->nbursts && !inside; j++) {
			inside = t->bursts[j].kind == RR_OUTAGE &&
				 bu->start_ns >= t->bursts[j].start_ns &&
				 (t->bursts[j].open || bu->end_ns <= t->bursts[j].end_ns);
		}
		if (inside || bu->end_ns < p->t0 || bu->start_ns > p->t1)
			continue;
		xa = svg_x(p, bu->start_ns);
		xb = svg_x(p, bu->open ? p->t1 : bu->end_ns);
		if (xb - xa < 2)
			xb = xa + 2;
		if (bx1 >= 0 && xa <= bx1 + 1) {
			if (xb > bx1)
				bx1 = xb;
			continue;
		}
		if (bx1 >= 0)
			fprintf(out,
				"<rect class=\"burst\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
				"height=\"%.0f\"/>\n",
				bx0, SVG_TOP, bx1 - bx0, SVG_BOTTOM - SVG_TOP);
		bx0 = xa;
		bx1 = xb;
	}
	if (bx1 >= 0)
		fprintf(out,
			"<rect class=\"burst\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			"height=\"%.0f\"/>\n",
			bx0, SVG_TOP, bx1 - bx0, SVG_BOTTOM - SVG_TOP);

	for (i = 0; i < t->nbursts; i++) {
		const struct rr_burst *bu = &t->bursts[i];

		if (bu->kind != RR_OUTAGE)
			continue;
		xa = svg_x(p, bu->start_ns);
		xb = svg_x(p, bu->open ? p->t1 : bu->end_ns);
		if (xb - xa < 2)
			xb = xa + 2;
		fprintf(out,
			"<rect class=\"outage\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			"height=\"%.0f\"><title>outage %s [%s, %s], %" PRIu64
			" lost%s</title></rect>\n",
			xa, SVG_TOP, xb - xa, SVG_BOTTOM - SVG_TOP,
			svg_dur(a, sizeof(a), bu->end_ns - bu->start_ns),
			svg_dur(b, sizeof(b), bu->lower_ns), svg_dur(c, sizeof(c), bu->upper_ns),
			bu->lost, bu->open ? ", open at stop" : "");
	}
}

/*
 * Each outage's duration and bounds written on the plot, centred over its
 * band, so that a 40 ms outage on a 4 s timeline (a hairline) still says
 * what it was. Labels take the first of SVG_LABEL_ROWS rows where they do
 * not overlap the one before; an outage with no free row keeps only the
 * band's tooltip (and its inset and table row).
 */
#define SVG_LABEL_ROWS 3
static void
svg_outage_labels(FILE *out, const struct svg_plot *p, const struct rows_geom *t)
{
	double right[SVG_LABEL_ROWS], x, w;
	char a[48], b[48], c[48], text[160];
	size_t i;
	int row;

	for (row = 0; row < SVG_LABEL_ROWS; row++)
		right[row] = -1e9;
	for (i = 0; i < t->nbursts; i++) {
		const struct rr_burst *bu = &t->bursts[i];

		if (bu->kind != RR_OUTAGE || bu->end_ns < p->t0 || bu->start_ns > p->t1)
			continue;
		snprintf(text, sizeof(text), "%s [%s, %s]%s",
			 svg_dur(a, sizeof(a), bu->end_ns - bu->start_ns),
			 svg_dur(b, sizeof(b), bu->lower_ns), svg_dur(c, sizeof(c), bu->upper_ns),
			 bu->open ? " open" : "");
		w = 6.2 * (double)strlen(text) + 6; /* 11 px text, bold */
		x = (svg_x(p, bu->start_ns) + svg_x(p, bu->open ? p->t1 : bu->end_ns)) / 2;
		if (x - w / 2 < SVG_LEFT + 2)
			x = SVG_LEFT + 2 + w / 2;
		if (x + w / 2 > SVG_RIGHT - 2)
			x = SVG_RIGHT - 2 - w / 2;
		for (row = 0; row < SVG_LABEL_ROWS && right[row] > x - w / 2; row++)
			;
		if (row == SVG_LABEL_ROWS)
			continue;
		right[row] = x + w / 2;
		fprintf(out,
			"<text class=\"ol\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s"
			"</text>\n",
			x, SVG_TOP + 13 + 13 * row, text);
	}
}

/* Whether the list row's "target" cell is none (every target) or name. */
static int
svg_applies(const struct rows_row *row, const char *name)
{
	return !rows_known(row, "target") || strcmp(rows_str(row, "target"), name) == 0;
}

/* The unknown windows that apply to the target as gray bands, each titled with its reason. */
static void
svg_unknown(FILE *out, const struct svg_plot *p, const struct rows_row *root, const char *name)
{
	const struct rows_table *ut = rows_table(root, "unknown");
	char a[48];
	double xa, xb;
	size_t i;

	for (i = 0; i < ut->nrows; i++) {
		const struct rows_row *u = &ut->rows[i];
		int64_t s = rows_int(u, "start"), e = rows_int(u, "end");

		if (!svg_applies(u, name) || e < p->t0 || s > p->t1)
			continue;
		xa = svg_x(p, s);
		xb = svg_x(p, e);
		if (xb - xa < 2)
			xb = xa + 2;
		fprintf(out,
			"<rect class=\"unknown\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			"height=\"%.0f\"><title>unknown %s: ",
			xa, SVG_TOP, xb - xa, SVG_BOTTOM - SVG_TOP,
			svg_dur(a, sizeof(a), rows_int(u, "duration_ms")));
		render_esc_html(out, rows_str(u, "reason"));
		fputs("</title></rect>\n", out);
	}
}

/* Start a polyline, or a dot for a lone point. */
static void
svg_flush_line(FILE *out, const double *pts, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	if (n == 1) {
		fprintf(out, "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>\n", pts[0],
			pts[1]);
		return;
	}
	fputs("<polyline class=\"rtt\" points=\"", out);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%.1f,%.1f", i > 0 ? " " : "", pts[2 * i], pts[2 * i + 1]);
	fputs("\"/>\n", out);
}

/* RTT over time, decimated to min/max per pixel column, and lost-probe ticks. */
static void
svg_rtt(FILE *out, const struct svg_plot *p, const struct rows_geom *t)
{
	struct svg_col *col = xcalloc(SVG_COLS, sizeof(*col));
	double *pts = xreallocarray(NULL, 2 * SVG_COLS, 2 * sizeof(double));
	double x, w = (SVG_RIGHT - SVG_LEFT) / SVG_COLS;
	size_t i, np = 0, nok = 0;
	int c, start;

	for (i = 0; i < t->nsamples; i++) {
		const struct rr_sample *s = &t->samples[i];

		if ((c = svg_col_of(p, s->tx_ns, SVG_COLS)) < 0)
			continue;
		if (s->rtt_ns < 0) {
			col[c].lost++;
			continue;
		}
		if (col[c].ok++ == 0 || s->rtt_ns < col[c].min) {
			col[c].min = s->rtt_ns;
			col[c].tmin = s->tx_ns;
		}
		if (col[c].ok == 1 || s->rtt_ns > col[c].max) {
			col[c].max = s->rtt_ns;
			col[c].tmax = s->tx_ns;
		}
		nok++;
	}
	for (c = 0; c < SVG_COLS; c++) {
		if (col[c].ok == 0) {
			svg_flush_line(out, pts, np);
			np = 0;
			continue;
		}
		x = SVG_LEFT + (c + 0.5) * w;
		/* The two extremes in the order they were sent. */
		pts[2 * np] = x;
		pts[2 * np + 1] = svg_y(p, col[c].tmin <= col[c].tmax ? col[c].min : col[c].max);
		np++;
		if (col[c].max != col[c].min) {
			pts[2 * np] = x;
			pts[2 * np + 1] =
				svg_y(p, col[c].tmin <= col[c].tmax ? col[c].max : col[c].min);
			np++;
		}
	}
	svg_flush_line(out, pts, np);
	/* Dots too when there are few samples, so single replies are visible. */
	if (nok > 0 && nok <= 300) {
		for (c = 0; c < SVG_COLS; c++) {
			if (col[c].ok > 0)
				fprintf(out,
					"<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>",
					SVG_LEFT + (c + 0.5) * w, svg_y(p, col[c].max));
		}
		fputc('\n', out);
	}
	for (c = 0; c < SVG_COLS; c++) {
		if (col[c].lost == 0)
			continue;
		for (start = c; c + 1 < SVG_COLS && col[c + 1].lost > 0; c++)
			;
		fprintf(out,
			"<rect class=\"lost\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"4\"/>",
			SVG_LEFT + start * w, SVG_BOTTOM - 4, (c - start + 1) * w);
	}
	fputc('\n', out);
	free(pts);
	free(col);
}

/* Spans (shaded) and markers (dashed lines with labels). */
static void
svg_marks(FILE *out, const struct svg_plot *p, const struct rows_row *root, int back)
{
	const struct rows_row *run = &rows_table(root, "run")->rows[0];
	const struct rows_table *sp = rows_table(root, "spans"), *mk = rows_table(root, "markers");
	int cmd = rows_known(run, "duration_ms");
	double x, xa = 0, xb = 0, y;
	size_t i;

	if (cmd) {
		xa = svg_x(p, rows_int(run, "start"));
		xb = svg_x(p, rows_int(run, "end"));
	}
	if (back) {
		if (cmd)
			fprintf(out,
				"<rect class=\"span\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
				"height=\"%.0f\"/>\n",
				xa, SVG_TOP, xb - xa, SVG_BOTTOM - SVG_TOP);
		for (i = 0; i < sp->nrows; i++) {
			double sa = svg_x(p, rows_int(&sp->rows[i], "start"));
			double sb = svg_x(p, rows_int(&sp->rows[i], "end"));

			fprintf(out,
				"<rect class=\"span2\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
				"height=\"%.0f\"><title>",
				sa, SVG_TOP, sb - sa, SVG_BOTTOM - SVG_TOP);
			render_esc_html(out, rows_str(&sp->rows[i], "label"));
			fputs("</title></rect>\n", out);
		}
		return;
	}
	if (cmd)
		fprintf(out,
			"<line class=\"spanline\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/>"
			"<line class=\"spanline\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" "
			"y2=\"%.0f\"/>\n"
			"<text class=\"sl\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"end\">run "
			"start</text>"
			"<text class=\"sl\" x=\"%.1f\" y=\"%.0f\">run end</text>\n",
			xa, xa, SVG_TOP - 4, SVG_BOTTOM, xb, xb, SVG_TOP - 4, SVG_BOTTOM, xa - 3,
			SVG_TOP - 6, xb + 3, SVG_TOP - 6);
	for (i = 0; i < mk->nrows; i++) {
		/* Labels alternate between two rows so that close markers stay legible. */
		y = i % 2 == 0 ? 14 : 27;
		x = svg_x(p, rows_int(&mk->rows[i], "time"));
		fprintf(out,
			"<line class=\"marker\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/>"
			"<text class=\"ml\" x=\"%.1f\" y=\"%.0f\"%s>",
			x, x, y - 10, SVG_BOTTOM, x > SVG_RIGHT - 200 ? x - 4 : x + 4, y,
			x > SVG_RIGHT - 200 ? " text-anchor=\"end\"" : "");
		render_esc_html(out, rows_str(&mk->rows[i], "label"));
		fputs("</text>\n", out);
	}
}

/*
 * The listed events about the target as small ticks along the top of its
 * plot, each titled with its kind and text. Events closer than a pixel to
 * the one before share its tick (the title says how many more), so that a
 * flapping neighbour does not bury the page in thousands of elements.
 */
static void
svg_events(FILE *out, const struct svg_plot *p, const struct rows_row *root, const char *name)
{
	const struct rows_table *ev = rows_table(root, "events");
	char a[48];
	double x;
	size_t i, j, more;

	for (i = 0; i < ev->nrows; i++) {
		const struct rows_row *e = &ev->rows[i];
		int64_t ts = rows_int(e, "time");

		if (!svg_applies(e, name) || ts < p->t0 || ts > p->t1)
			continue;
		x = svg_x(p, ts);
		for (j = i + 1, more = 0; j < ev->nrows; j++) {
			const struct rows_row *f = &ev->rows[j];
			int64_t fs = rows_int(f, "time");

			if (!svg_applies(f, name))
				continue;
			if (fs > p->t1 || svg_x(p, fs) >= x + 1)
				break;
			more++;
		}
		time_format_clock(ts, a, sizeof(a));
		fprintf(out,
			"<rect class=\"nlevent\" x=\"%.1f\" y=\"%.0f\" width=\"2\" height=\"9\">"
			"<title>%s ",
			x - 1, SVG_TOP, a);
		render_esc_html(out, rows_str(e, "kind"));
		fputs(": ", out);
		render_esc_html(out, rows_str(e, "text"));
		if (more > 0)
			fprintf(out, " (and %zu more here)", more);
		fputs("</title></rect>\n", out);
		i = j - 1; /* past the ones that share this tick */
	}
}

/* A dotted line at the start of each bench run (figures of one run share a
 * start and a label), titled with its label. */
static void
svg_bench(FILE *out, const struct svg_plot *p, const struct rows_row *root)
{
	const struct rows_table *bt = rows_table(root, "bench");
	double x;
	size_t i;

	for (i = 0; i < bt->nrows; i++) {
		const struct rows_row *b = &bt->rows[i];
		int64_t ts = rows_int(b, "time");

		if (i > 0 && ts == rows_int(&bt->rows[i - 1], "time") &&
		    strcmp(rows_str(b, "label"), rows_str(&bt->rows[i - 1], "label")) == 0)
			continue;
		if (ts < p->t0 || ts > p->t1)
			continue;
		x = svg_x(p, ts);
		fputs("<g><title>bench ", out);
		render_esc_html(out, rows_str(b, "label"));
		fprintf(out,
			" started</title><line class=\"benchline\" x1=\"%.1f\" x2=\"%.1f\" "
			"y1=\"%.0f\" y2=\"%.0f\"/></g>\n",
			x, x, SVG_TOP, SVG_BOTTOM);
	}
}

/* Target i's timeline. */
void
svg_write_target(FILE *out, struct svg_plot *p, const struct rows_model *m, size_t i)
{
	const struct rows_geom *g = &m->geom[i];
	const struct rows_row *root = rows_root(m);

	svg_rtt_range(g, p);
	fprintf(out,
		"<svg width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\"><title>RTT of ",
		SVG_W, SVG_H, SVG_W, SVG_H);
	render_esc_html(out, g->name);
	fputs(" over time</title>\n", out);
	svg_marks(out, p, root, 1);
	svg_unknown(out, p, root, g->name);
	svg_losses(out, p, g);
	svg_y_axis(out, p);
	svg_x_axis(out, p);
	svg_rtt(out, p, g);
	if (g->nsamples == 0)
		fprintf(out,
			"<text class=\"none\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">"
			"no samples recorded</text>\n",
			(SVG_LEFT + SVG_RIGHT) / 2, (SVG_TOP + SVG_BOTTOM) / 2);
	svg_bench(out, p, root);
	svg_events(out, p, root, g->name);
	svg_marks(out, p, root, 0);
	svg_outage_labels(out, p, g);
	fputs("</svg>\n", out);
}

/* The inset's box: small enough to stay legible on a phone. */
#define SVG_IN_W     360
#define SVG_IN_H     118
#define SVG_IN_LEFT  10.0
#define SVG_IN_RIGHT 350.0
#define SVG_IN_TOP   26.0
#define SVG_IN_BOT   86.0
#define SVG_IN_CTX   3   /* probes shown either side of the outage */
#define SVG_IN_DOTS  240 /* more probes than this in the inset: lost ones as one bar */

/* x of t in an inset over [t0, t1]. */
static double
svg_in_x(int64_t t0, int64_t t1, int64_t t)
{
	if (t <= t0)
		return SVG_IN_LEFT;
	if (t >= t1)
		return SVG_IN_RIGHT;
	return SVG_IN_LEFT + (double)(t - t0) / (double)(t1 - t0) * (SVG_IN_RIGHT - SVG_IN_LEFT);
}

/* The index of the first sample sent at or after t (nsamples if none). */
static size_t
svg_first_at(const struct rows_geom *g, int64_t t)
{
	size_t lo = 0, hi = g->nsamples, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (g->samples[mid].tx_ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * One outage close up: the probes around it, each reply a blue dot and
 * each lost probe a red cross, the last reply before and the first reply
 * after marked, the outage's estimate shaded between its bounds (the
 * outage began after the last reply and ended before the first). Returns
 * 0 when no sample of the outage was kept (nothing to zoom into).
 */
static int
svg_inset(FILE *out, const struct rows_geom *g, const struct rr_burst *bu)
{
	size_t a = svg_first_at(g, bu->start_ns), b, k, m, lo, hi, i, nlost = 0;
	int64_t t0, t1, last = -1, first = -1, end = bu->open ? INT64_MAX : bu->end_ns;
	char d0[48], d1[48], d2[48], c0[48], c1[48];
	double x0, x1, x;

	/* k: the last reply before the outage; m: the first reply after it. */
	for (k = a; k > 0 && g->samples[k - 1].rtt_ns < 0; k--)
		;
	b = svg_first_at(g, end == INT64_MAX ? INT64_MAX : end);
	for (m = b; m < g->nsamples && g->samples[m].rtt_ns < 0; m++)
		;
	if (k > 0)
		last = g->samples[k - 1].tx_ns;
	if (m < g->nsamples)
		first = g->samples[m].tx_ns;
	if (last < 0 && first < 0)
		return 0;
	lo = k > SVG_IN_CTX ? k - SVG_IN_CTX : 0;
	hi = m + SVG_IN_CTX < g->nsamples ? m + SVG_IN_CTX : g->nsamples - 1;
	if (hi < lo || g->nsamples == 0)
		return 0;
	t0 = g->samples[lo].tx_ns;
	t1 = g->samples[hi].tx_ns;
	if (t1 <= t0)
		t1 = t0 + NSEC_PER_MSEC;
	t0 -= (t1 - t0) / 40;
	t1 += (t1 - t0) / 40;
	for (i = lo; i <= hi; i++)
		nlost += g->samples[i].rtt_ns < 0;
	fputs("<figure class=\"inset\">", out);
	fprintf(out, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
		SVG_IN_W, SVG_IN_H, SVG_IN_W, SVG_IN_H);
	fputs("<title>the probes around one outage</title>\n", out);
	/* The possible span (last reply .. first reply) and the estimate. */
	x0 = svg_in_x(t0, t1, last >= 0 ? last : t0);
	x1 = svg_in_x(t0, t1, first >= 0 ? first : t1);
	fprintf(out,
		"<rect class=\"bound\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\"/>\n",
		x0, SVG_IN_TOP, x1 - x0, SVG_IN_BOT - SVG_IN_TOP);
	x0 = svg_in_x(t0, t1, bu->start_ns);
	x1 = svg_in_x(t0, t1, bu->open ? t1 : bu->end_ns);
	fprintf(out,
		"<rect class=\"outage zoom\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\"/>\n",
		x0, SVG_IN_TOP, x1 - x0 < 1 ? 1 : x1 - x0, SVG_IN_BOT - SVG_IN_TOP);
	fprintf(out, "<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\"/>\n",
		SVG_IN_LEFT, SVG_IN_RIGHT, SVG_IN_BOT, SVG_IN_BOT);
	for (i = lo; i <= hi; i++) {
		const struct rr_sample *s = &g->samples[i];

		x = svg_in_x(t0, t1, s->tx_ns);
		if (s->rtt_ns >= 0)
			fprintf(out, "<circle class=\"dot\" cx=\"%.1f\" cy=\"56\" r=\"2.6\"/>", x);
		else if (hi - lo <= SVG_IN_DOTS)
			fprintf(out, "<path class=\"lostx\" d=\"M%.1f 52l6 8m0-8l-6 8\"/>", x - 3);
	}
	if (hi - lo > SVG_IN_DOTS && nlost > 0) {
		/* Too many to draw one by one: the run of lost probes as one bar. */
		x0 = svg_in_x(t0, t1, g->samples[k < g->nsamples ? k : lo].tx_ns);
		x1 = svg_in_x(t0, t1, g->samples[m > 0 ? m - 1 : hi].tx_ns);
		fprintf(out,
			"<rect class=\"lost\" x=\"%.1f\" y=\"53\" width=\"%.1f\" height=\"6\"/>",
			x0, x1 - x0 < 1 ? 1 : x1 - x0);
	}
	fputc('\n', out);
	if (last >= 0) {
		x = svg_in_x(t0, t1, last);
		fprintf(out,
			"<line class=\"edge\" x1=\"%.1f\" x2=\"%.1f\" y1=\"18\" y2=\"%.0f\"/>"
			"<text x=\"%.1f\" y=\"14\" text-anchor=\"%s\">last reply</text>\n",
			x, x, SVG_IN_BOT, x, x < 60 ? "start" : "end");
	}
	if (first >= 0) {
		x = svg_in_x(t0, t1, first);
		fprintf(out,
			"<line class=\"edge\" x1=\"%.1f\" x2=\"%.1f\" y1=\"18\" y2=\"%.0f\"/>"
			"<text x=\"%.1f\" y=\"14\" text-anchor=\"%s\">first reply</text>\n",
			x, x, SVG_IN_BOT, x, x > SVG_IN_RIGHT - 60 ? "end" : "start");
	}
	fprintf(out,
		"<text x=\"%.0f\" y=\"%.0f\">%s</text><text x=\"%.0f\" y=\"%.0f\" "
		"text-anchor=\"end\">%s</text>\n",
		SVG_IN_LEFT, SVG_IN_BOT + 14, svg_dur(c0, sizeof(c0), 0), SVG_IN_RIGHT,
		SVG_IN_BOT + 14, svg_dur(c1, sizeof(c1), t1 - t0));
	fprintf(out,
		"<text class=\"ol\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">%s [%s, "
		"%s]</text>\n",
		(SVG_IN_LEFT + SVG_IN_RIGHT) / 2, SVG_IN_BOT + 28,
		svg_dur(d0, sizeof(d0), bu->end_ns - bu->start_ns),
		svg_dur(d1, sizeof(d1), bu->lower_ns), svg_dur(d2, sizeof(d2), bu->upper_ns));
	fputs("</svg><figcaption>", out);
	if (last >= 0) {
		time_format_clock(last, c0, sizeof(c0));
		fprintf(out, "last reply %s, ", c0);
	}
	fprintf(out, "%" PRIu64 " lost probe%s", bu->lost, bu->lost == 1 ? "" : "s");
	if (first >= 0) {
		time_format_clock(first, c1, sizeof(c1));
		fprintf(out, ", first reply %s", c1);
	} else
		fputs(", no reply before the end", out);
	fputs("</figcaption></figure>\n", out);
	return 1;
}

/* A close-up per outage of target i (the first max), when samples were kept. */
void
svg_write_insets(FILE *out, const struct rows_model *m, size_t i, size_t max)
{
	const struct rows_geom *g = &m->geom[i];
	size_t j, n = 0, outages = 0;

	if (g->nsamples == 0)
		return;
	for (j = 0; j < g->nbursts; j++) {
		if (g->bursts[j].kind != RR_OUTAGE)
			continue;
		outages++;
		if (n == 0)
			fputs("<div class=\"insets\">\n", out);
		if (n < max)
			n += (size_t)svg_inset(out, g, &g->bursts[j]);
	}
	if (outages > n && n > 0)
		fprintf(out, "<p class=\"sub\">%zu more outage%s without a close-up</p>\n",
			outages - n, outages - n == 1 ? "" : "s");
	if (outages > 0)
		fputs("</div>\n", out);
}
