/* SPDX-License-Identifier: ISC */
/* avail.c: `hamon history --availability`: per target the time-weighted
 * availability over a window, with its downtime's bounds and the UNKNOWN
 * time left out of both sides (store/avail.c makes the figures). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "lib/jsonw.h"
#include "lib/timeutil.h"
#include "report/report.h"

#define AVAIL_DECIMALS 5 /* 1 s in a day is 0.00116 % */

struct avail_ctx {
	FILE *out;
	enum out_format fmt;
	struct jsonw *j;
	int64_t since, until;
	long rows;
};

/* Availability in percent with down ns of monitored ns; -1 when nothing
 * was monitored. */
static double
avail_pct(int64_t monitored, int64_t down)
{
	if (monitored <= 0)
		return -1;
	if (down > monitored)
		down = monitored;
	return 100.0 * (double)(monitored - down) / (double)monitored;
}

static void
avail_ms_csv(FILE *out, int64_t ns)
{
	fprintf(out, ",%" PRId64 ".%03" PRId64, ns / 1000000, ns % 1000000 / 1000);
}

static int
avail_row(const struct store_avail_row *r, void *arg)
{
	struct avail_ctx *c = arg;
	/* the most downtime gives the least availability */
	double a = avail_pct(r->monitored_ns, r->down_ns),
	       lo = avail_pct(r->monitored_ns, r->down_upper_ns),
	       hi = avail_pct(r->monitored_ns, r->down_lower_ns);
	char mon[32], unk[32], dn[32], dlo[32], dhi[32], pct[64], down[128];

	c->rows++;
	if (c->fmt == OUT_JSON) {
		struct jsonw *j = c->j;

		jsonw_obj_open(j);
		jsonw_string_field(j, "target", r->target);
		jsonw_time_field(j, "since", c->since);
		jsonw_time_field(j, "until", c->until);
		jsonw_ms_field(j, "monitored_ms", r->monitored_ns);
		jsonw_ms_field(j, "unknown_ms", r->unknown_ns);
		jsonw_ms_field(j, "downtime_ms", r->down_ns);
		jsonw_ms_field(j, "downtime_lower_ms", r->down_lower_ns);
		jsonw_ms_field(j, "downtime_upper_ms", r->down_upper_ns);
		jsonw_uint_field(j, "bursts", r->bursts);
		jsonw_uint_field(j, "outages", r->outages);
		if (a < 0) {
			jsonw_null_field(j, "availability_pct");
			jsonw_null_field(j, "availability_lower_pct");
			jsonw_null_field(j, "availability_upper_pct");
		} else {
			jsonw_float_field(j, "availability_pct", a, AVAIL_DECIMALS);
			jsonw_float_field(j, "availability_lower_pct", lo, AVAIL_DECIMALS);
			jsonw_float_field(j, "availability_upper_pct", hi, AVAIL_DECIMALS);
		}
		jsonw_obj_close(j);
		return 0;
	}
	if (c->fmt == OUT_CSV) {
		char t[64];

		csv_write_field(c->out, r->target);
		time_format_rfc3339(c->since, t, sizeof(t));
		fprintf(c->out, ",%s", t);
		time_format_rfc3339(c->until, t, sizeof(t));
		fprintf(c->out, ",%s", t);
		avail_ms_csv(c->out, r->monitored_ns);
		avail_ms_csv(c->out, r->unknown_ns);
		avail_ms_csv(c->out, r->down_ns);
		avail_ms_csv(c->out, r->down_lower_ns);
		avail_ms_csv(c->out, r->down_upper_ns);
		fprintf(c->out, ",%" PRIu64 ",%" PRIu64, r->bursts, r->outages);
		if (a < 0)
			fputs(",,,\n", c->out);
		else
			fprintf(c->out, ",%.*f,%.*f,%.*f\n", AVAIL_DECIMALS, a, AVAIL_DECIMALS, lo,
				AVAIL_DECIMALS, hi);
		return 0;
	}
	duration_format(r->monitored_ns, mon, sizeof(mon));
	duration_format(r->unknown_ns, unk, sizeof(unk));
	duration_format(r->down_ns, dn, sizeof(dn));
	duration_format(r->down_lower_ns, dlo, sizeof(dlo));
	duration_format(r->down_upper_ns, dhi, sizeof(dhi));
	if (a < 0)
		snprintf(pct, sizeof(pct), "-");
	else
		snprintf(pct, sizeof(pct), "%.*f%% [%.*f, %.*f]", AVAIL_DECIMALS, a, AVAIL_DECIMALS,
			 lo, AVAIL_DECIMALS, hi);
	if (r->bursts == 0 && r->down_upper_ns == 0)
		fprintf(c->out, "%-16s %14s %12s  %-34s %s\n", r->target, mon, unk, "clean", pct);
	else {
		snprintf(down, sizeof(down),
			 "%s [%s, %s] in %" PRIu64 " burst%s, %" PRIu64 " outage%s", dn, dlo, dhi,
			 r->bursts, r->bursts == 1 ? "" : "s", r->outages,
			 r->outages == 1 ? "" : "s");
		fprintf(c->out, "%-16s %14s %12s  %-34s %s\n", r->target, mon, unk, down, pct);
	}
	return 0;
}

long
report_availability(struct store *s, const char *target, int64_t since, int64_t until,
		    enum out_format fmt, FILE *out, char *err, size_t errlen)
{
	struct avail_ctx c;
	char a[64], b[64];
	int rc;

	memset(&c, 0, sizeof(c));
	c.out = out;
	c.fmt = fmt;
	c.since = since;
	c.until = until;
	if (fmt == OUT_JSON) {
		c.j = jsonw_new(out);
		jsonw_arr_open(c.j);
	} else if (fmt == OUT_CSV)
		fputs("target,since,until,monitored_ms,unknown_ms,downtime_ms,downtime_lower_ms,"
		      "downtime_upper_ms,bursts,outages,availability_pct,availability_lower_pct,"
		      "availability_upper_pct\n",
		      out);
	else {
		time_format_local(since, a, sizeof(a));
		time_format_local(until, b, sizeof(b));
		fprintf(out,
			"availability from %s to %s: monitored time is where a session probed "
			"the target, UNKNOWN time\nnot in it; downtime is its loss bursts inside "
			"the monitored time, with bounds\n",
			a, b);
		fprintf(out, "%-16s %14s %12s  %-34s %s\n", "TARGET", "MONITORED", "UNKNOWN",
			"DOWNTIME [LOWER, UPPER]", "AVAILABILITY [LOWER, UPPER]");
	}
	rc = store_query_availability(s, target, since, until, avail_row, &c, err, errlen);
	if (c.j != NULL) {
		jsonw_arr_close(c.j);
		jsonw_free(c.j);
	}
	if (rc == 0 && fmt == OUT_TEXT && c.rows == 0)
		fprintf(out, "no target was monitored in that window\n");
	return rc != 0 ? -1 : c.rows;
}
