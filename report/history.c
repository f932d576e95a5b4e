/* SPDX-License-Identifier: ISC */
/* history.c: the bursts and outages of `hamon history`, from one store or
 * merged from several (vantage points). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "report/report.h"

struct history_ctx {
	FILE *out;
	enum out_format fmt;
	struct jsonw *j; /* OUT_JSON */
	long rows;
	/* several databases (vantage points): the row's database and how many
	 * of the nvantage saw the same target lose probes at the same time */
	const char *vantage;
	int seen_by, nvantage;
};

/* A row collected from one of several databases. */
struct vrow {
	struct store_loss_row row;
	int db;
};
struct vrows {
	struct vrow *v;
	size_t n, cap;
	int db;
};

static const char *const end_state_names[] = { "closed", "at-exit", "unknown" };

/* The opening of a listing: JSON array, CSV header or table header. */
static void
history_header(struct history_ctx *c, int merged)
{
	if (c->fmt == OUT_JSON) {
		c->j = jsonw_new(c->out);
		jsonw_arr_open(c->j);
	} else if (c->fmt == OUT_CSV)
		fprintf(c->out,
			"target,kind,start,end,duration_ms,lower_ms,upper_ms,lost,end_state%s\n",
			merged ? ",vantage,seen_by" : "");
	else
		fprintf(c->out, "%-16s %-6s  %-23s  %-23s  %12s  %-11s %8s%s\n", "TARGET", "KIND",
			"START", "END", "DURATION", "±", "LOST",
			merged ? "  VANTAGE        SEEN BY" : "");
}

/* The end of a listing: the JSON array's close. */
static void
history_footer(struct history_ctx *c)
{
	if (c->j != NULL) {
		jsonw_arr_close(c->j);
		jsonw_free(c->j);
		c->j = NULL;
	}
}

/* One row as a JSON object (the fields report/FORMATS.md lists). */
static void
history_row_json(struct history_ctx *c, const struct store_loss_row *r, const char *kind,
		 const char *end)
{
	const struct store_loss *l = &r->loss;
	struct jsonw *j = c->j;

	jsonw_obj_open(j);
	jsonw_string_field(j, "target", r->target);
	jsonw_string_field(j, "kind", kind);
	jsonw_time_field(j, "start", l->start_ns);
	jsonw_time_field(j, "end", l->end_ns);
	jsonw_ms_field(j, "duration_ms", l->duration_ns);
	jsonw_ms_field(j, "lower_ms", l->lower_ns);
	jsonw_ms_field(j, "upper_ms", l->upper_ns);
	jsonw_uint_field(j, "lost", l->lost);
	jsonw_uint_field(j, "first_seq", l->first_seq);
	jsonw_string_field(j, "end_state", end);
	jsonw_int_field(j, "session", l->session_id);
	if (c->vantage != NULL) {
		jsonw_string_field(j, "vantage", c->vantage);
		jsonw_int_field(j, "seen_by", c->seen_by);
		jsonw_int_field(j, "vantages", c->nvantage);
	}
	jsonw_obj_close(j);
}

/* One row as a CSV record; the durations formatted as in JSON. */
static void
history_row_csv(struct history_ctx *c, const struct store_loss_row *r, const char *kind,
		const char *end)
{
	const struct store_loss *l = &r->loss;
	char start[64], stop[64], dur[32], lo[32], hi[32];

	time_format_rfc3339(l->start_ns, start, sizeof(start));
	time_format_rfc3339(l->end_ns, stop, sizeof(stop));
	duration_format_ms(l->duration_ns, dur, sizeof(dur));
	duration_format_ms(l->lower_ns, lo, sizeof(lo));
	duration_format_ms(l->upper_ns, hi, sizeof(hi));
	csv_write_field(c->out, r->target);
	fprintf(c->out, ",%s,%s,%s,%s,%s,%s,%" PRIu64 ",%s", kind, start, stop, dur, lo, hi,
		l->lost, end);
	if (c->vantage != NULL) {
		fputc(',', c->out);
		csv_write_field(c->out, c->vantage);
		fprintf(c->out, ",%d", c->seen_by);
	}
	fputc('\n', c->out);
}

/* One row in the chosen format. */
static int
history_row(const struct store_loss_row *r, void *arg)
{
	struct history_ctx *c = arg;
	const struct store_loss *l = &r->loss;
	const char *kind = l->kind == STORE_OUTAGE ? "outage" : "burst";
	const char *end = l->end_state <= STORE_END_UNKNOWN ? end_state_names[l->end_state] : "?";
	char start[64], stop[64], dur[64], pm[64];

	switch (c->fmt) {
	case OUT_JSON:
		history_row_json(c, r, kind, end);
		break;
	case OUT_CSV:
		history_row_csv(c, r, kind, end);
		break;
	default: /* OUT_TEXT */
		time_format_local(l->start_ns, start, sizeof(start));
		time_format_local(l->end_ns, stop, sizeof(stop));
		duration_format(l->duration_ns, dur, sizeof(dur));
		duration_format((l->upper_ns - l->lower_ns) / 2, pm, sizeof(pm));
		fprintf(c->out, "%-16s %-6s  %s  %s  %12s  ±%-10s %8" PRIu64, r->target, kind,
			start, stop, dur, pm, l->lost);
		if (c->vantage != NULL)
			fprintf(c->out, "  %-14s %d/%d", c->vantage, c->seen_by, c->nvantage);
		fprintf(c->out, "%s\n",
			l->end_state == STORE_END_CLOSED    ? ""
			: l->end_state == STORE_END_AT_EXIT ? "  (open at exit)"
							    : "  (ended unknown: crash)");
		break;
	}
	c->rows++;
	return 0;
}

/* Write the history in one format. */
long
report_history(struct store *s, const struct store_loss_filter *f, enum out_format fmt, FILE *out,
	       char *err, size_t errlen)
{
	struct history_ctx c = { out, fmt, NULL, 0, NULL, 0, 0 };
	int rc;

	history_header(&c, 0);
	rc = store_query_losses(s, f, history_row, &c, err, errlen);
	history_footer(&c);
	return rc != 0 ? -1 : c.rows;
}

/* Collect a row of database v->db. */
static int
history_collect(const struct store_loss_row *r, void *arg)
{
	struct vrows *v = arg;

	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 256;
		v->v = xreallocarray(v->v, v->cap, sizeof(*v->v));
	}
	v->v[v->n].row = *r;
	v->v[v->n].db = v->db;
	v->n++;
	return 0;
}

/* Order merged rows by start, then database. */
static int
history_vrow_cmp(const void *a, const void *b)
{
	const struct vrow *x = a, *y = b;

	if (x->row.loss.start_ns != y->row.loss.start_ns)
		return x->row.loss.start_ns < y->row.loss.start_ns ? -1 : 1;
	return x->db - y->db;
}

/*
 * Several databases, one per vantage point (each node runs its own
 * monitor): merge their rows by start time, and for each row count the
 * vantage points that saw the same target, same kind, lose probes in an
 * overlapping period. An outage every node saw is the VM's; one that only
 * one node saw is that node's path.
 */
long
report_history_merged(struct store **s, const char *const *names, int n,
		      const struct store_loss_filter *f, enum out_format fmt, FILE *out, char *err,
		      size_t errlen)
{
	struct history_ctx c = { out, fmt, NULL, 0, NULL, 0, n };
	struct vrows v = { NULL, 0, 0, 0 };
	size_t i, j;
	int k;

	for (k = 0; k < n; k++) {
		v.db = k;
		if (store_query_losses(s[k], f, history_collect, &v, err, errlen) != 0) {
			free(v.v);
			return -1;
		}
	}
	qsort(v.v, v.n, sizeof(*v.v), history_vrow_cmp);
	history_header(&c, 1);
	for (i = 0; i < v.n; i++) {
		const struct store_loss *l = &v.v[i].row.loss;
		uint64_t seen = (uint64_t)1 << v.v[i].db;

		/* Rows are sorted by start: only earlier ones ending after this
		 * start, or later ones starting before its end, overlap. */
		for (j = 0; j < v.n; j++) {
			const struct store_loss *o = &v.v[j].row.loss;

			if (j == i || o->kind != l->kind || o->start_ns >= l->end_ns ||
			    o->end_ns <= l->start_ns ||
			    strcmp(v.v[j].row.target, v.v[i].row.target) != 0)
				continue;
			seen |= (uint64_t)1 << v.v[j].db;
		}
		c.vantage = names[v.v[i].db];
		c.seen_by = __builtin_popcountll(seen);
		history_row(&v.v[i].row, &c);
	}
	history_footer(&c);
	free(v.v);
	return c.rows;
}
