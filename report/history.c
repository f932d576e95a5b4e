/* history.c: the bursts and outages of `hamon history`, from one store or
 * merged from several (vantage points). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "report/report.h"

struct history_ctx {
	FILE *out;
	enum out_format fmt;
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

/* The opening of a listing: JSON bracket, CSV header or table header. */
static void
history_header(FILE *out, enum out_format fmt, int merged)
{
	if (fmt == OUT_JSON)
		fputc('[', out);
	else if (fmt == OUT_CSV)
		fprintf(out, "target,kind,start,end,duration_ms,lower_ms,upper_ms,lost,end_state%s\n",
		        merged ? ",vantage,seen_by" : "");
	else
		fprintf(out, "%-16s %-6s  %-23s  %-23s  %12s  %-11s %8s%s\n", "TARGET", "KIND", "START",
		        "END", "DURATION", "±", "LOST", merged ? "  VANTAGE        SEEN BY" : "");
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
		time_format_rfc3339(l->start_ns, start, sizeof(start));
		time_format_rfc3339(l->end_ns, stop, sizeof(stop));
		fprintf(c->out, "%s\n  {\"target\":", c->rows ? "," : "");
		json_write_string(c->out, r->target);
		fprintf(c->out, ",\"kind\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"duration_ms\":%.3f,"
		        "\"lower_ms\":%.3f,\"upper_ms\":%.3f,\"lost\":%" PRIu64 ",\"first_seq\":%" PRIu64
		        ",\"end_state\":\"%s\",\"session\":%" PRId64,
		        kind, start, stop, l->duration_ns / 1e6, l->lower_ns / 1e6, l->upper_ns / 1e6,
		        l->lost, l->first_seq, end, l->session_id);
		if (c->vantage != NULL) {
			fprintf(c->out, ",\"vantage\":");
			json_write_string(c->out, c->vantage);
			fprintf(c->out, ",\"seen_by\":%d,\"vantages\":%d", c->seen_by, c->nvantage);
		}
		fputc('}', c->out);
		break;
	case OUT_CSV:
		time_format_rfc3339(l->start_ns, start, sizeof(start));
		time_format_rfc3339(l->end_ns, stop, sizeof(stop));
		fprintf(c->out, "%s,%s,%s,%s,%.3f,%.3f,%.3f,%" PRIu64 ",%s", r->target, kind, start,
		        stop, l->duration_ns / 1e6, l->lower_ns / 1e6, l->upper_ns / 1e6, l->lost, end);
		if (c->vantage != NULL)
			fprintf(c->out, ",%s,%d", c->vantage, c->seen_by);
		fputc('\n', c->out);
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
		fprintf(c->out, "%s\n", l->end_state == STORE_END_CLOSED ? "" :
		        l->end_state == STORE_END_AT_EXIT ? "  (open at exit)" : "  (ended unknown: crash)");
		break;
	}
	c->rows++;
	return 0;
}

/* Write the history in one format. */
long
report_history(struct store *s, const struct store_loss_filter *f, enum out_format fmt,
               FILE *out, char *err, size_t errlen)
{
	struct history_ctx c = { out, fmt, 0, NULL, 0, 0 };

	history_header(out, fmt, 0);
	if (store_query_losses(s, f, history_row, &c, err, errlen) != 0)
		return -1;
	if (fmt == OUT_JSON)
		fprintf(out, "%s]\n", c.rows ? "\n" : "");
	return c.rows;
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
                      const struct store_loss_filter *f, enum out_format fmt, FILE *out,
                      char *err, size_t errlen)
{
	struct history_ctx c = { out, fmt, 0, NULL, 0, n };
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
	history_header(out, fmt, 1);
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
	if (fmt == OUT_JSON)
		fprintf(out, "%s]\n", c.rows ? "\n" : "");
	free(v.v);
	return c.rows;
}
