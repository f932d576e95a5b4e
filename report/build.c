/* SPDX-License-Identifier: ISC */
/* build.c: a run report (or an aggregate over a label's runs) built from
 * the store. The store holds what was recorded; runreport_compute() derives
 * every figure from it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "hv/hvparse.h"
#include "report/report.h"
#include "report/runreport.h"
#include "store/bench_store.h"
#include "store/store.h"
#include "store/store_view.h"

struct build_ctx {
	struct store *st;
	struct run_report *r;
	struct rr_target *t;
	int64_t session_id;
	int64_t span_begin;
	char span_label[256];
	struct {
		int64_t id;
		char name[64];
	} * tnames;
	size_t ntnames;
	char *err;
	size_t errlen;
	int failed;
};

/* One loss period of the current target. */
static int
build_loss(const struct store_loss_row *row, void *arg)
{
	struct build_ctx *c = arg;
	struct rr_burst b;

	memset(&b, 0, sizeof(b));
	b.kind = row->loss.kind == STORE_OUTAGE ? RR_OUTAGE : RR_BURST;
	b.start_ns = row->loss.start_ns;
	b.end_ns = row->loss.end_ns;
	b.lower_ns = row->loss.lower_ns;
	b.upper_ns = row->loss.upper_ns;
	b.lost = row->loss.lost;
	b.open = row->loss.end_state == STORE_END_UNKNOWN   ? RR_END_UNKNOWN
		 : row->loss.end_state == STORE_END_AT_EXIT ? RR_END_AT_EXIT
							    : RR_END_CLOSED;
	runreport_add_burst(c->t, &b);
	return 0;
}

/* One probe of the current target. */
static int
build_sample(const struct store_sample *smp, void *arg)
{
	struct build_ctx *c = arg;

	runreport_add_sample(c->t, smp->tx_ns, smp->rtt_ns);
	return 0;
}

/* Probe totals per target from the session's summaries. */
static int
build_summary(const struct store_summary_row *row, void *arg)
{
	struct build_ctx *c = arg;
	size_t i;

	for (i = 0; i < c->r->ntargets; i++)
		if (strcmp(c->r->targets[i]->name, row->target) == 0) {
			c->r->targets[i]->sent = row->sum.sent;
			c->r->targets[i]->lost = row->sum.lost;
		}
	return 0;
}

/* One target of the session: its losses and samples. */
static int
build_target(const struct store_target_row *row, void *arg)
{
	struct build_ctx *c = arg;
	struct store_loss_filter f;

	c->t = runreport_add_target(c->r, row->name, row->url);
	c->tnames = xreallocarray(c->tnames, c->ntnames + 1, sizeof(*c->tnames));
	c->tnames[c->ntnames].id = row->id;
	snprintf(c->tnames[c->ntnames].name, sizeof(c->tnames[c->ntnames].name), "%s", row->name);
	c->ntnames++;
	memset(&f, 0, sizeof(f));
	f.target = row->name;
	f.kind = -1;
	f.session_id = c->session_id;
	if (store_query_losses(c->st, &f, build_loss, c, c->err, c->errlen) != 0 ||
	    store_query_samples(c->st, c->session_id, row->id, build_sample, c, c->err,
				c->errlen) != 0) {
		c->failed = 1;
		return 1;
	}
	return 0;
}

/* The name of target id (> 0) in this session, or NULL. */
static const char *
build_target_name(const struct build_ctx *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->ntnames && id > 0; i++)
		if (c->tnames[i].id == id)
			return c->tnames[i].name;
	return NULL;
}

/* Markers and spans recorded by `hamon mark` (the run's own span comes from
 * its run row), and every other event (netlink changes,
 * paths, clock steps, crashes, refusals) as an event of the report: only
 * kind "marker" makes a marker, so no event's text picks the failover one. */
static int
build_event(const struct store_event_row *ev, void *arg)
{
	struct build_ctx *c = arg;

	if (strcmp(ev->kind, "marker") == 0)
		runreport_add_marker(c->r, ev->ts_ns, ev->text);
	else if (strcmp(ev->kind, "span-begin") == 0 && !c->r->command) {
		c->span_begin = ev->ts_ns;
		snprintf(c->span_label, sizeof(c->span_label), "%s", ev->text);
	} else if (strcmp(ev->kind, "span-end") == 0 && c->span_begin && !c->r->command) {
		runreport_add_span(c->r, c->span_begin, ev->ts_ns, c->span_label);
		if (c->r->start_ns == 0) {
			c->r->start_ns = c->span_begin;
			c->r->end_ns = ev->ts_ns;
		}
		c->span_begin = 0;
	} else if (strcmp(ev->kind, "span-begin") != 0 && strcmp(ev->kind, "span-end") != 0) {
		const char *name = build_target_name(c, ev->target_id);

		/* An event about a target this session did not probe is dropped,
		 * as its unknown windows are. */
		if (ev->target_id > 0 && name == NULL)
			return 0;
		runreport_add_event(c->r, ev->ts_ns, name, ev->kind, ev->text);
	}
	return 0;
}

/* One UNKNOWN window as it applied to one target (target 0: every target).
 * A link's window is stored once per target behind the link, so it is
 * charged to exactly those; a window of a target this session did not
 * probe is dropped. */
static int
build_window(const struct store_window_row *w, void *arg)
{
	struct build_ctx *c = arg;
	const char *name = build_target_name(c, w->target_id);

	if (w->target_id > 0 && name == NULL)
		return 0;
	/* A link's window that no target was behind: on record, charged to none. */
	if (w->scope == STORE_SCOPE_LINK && w->target_id == 0)
		return 0;
	runreport_add_unknown(c->r, w->start_ns, w->end_ns, name, w->reason);
	return 0;
}

/* Bench runs started in the monitoring window, collected before their
 * results are read (the run query streams under the store's lock). */
struct build_bench {
	struct {
		int64_t id, started_ns;
		char label[64];
	} * runs;
	size_t nruns;
	struct run_report *r;
	size_t cur;
};

/* One bench run in the window. */
static int
build_bench_run(const struct bench_store_run *run, void *arg)
{
	struct build_bench *b = arg;

	b->runs = xreallocarray(b->runs, b->nruns + 1, sizeof(*b->runs));
	b->runs[b->nruns].id = run->id;
	b->runs[b->nruns].started_ns = run->started_ns;
	snprintf(b->runs[b->nruns].label, sizeof(b->runs[b->nruns].label), "%s", run->label);
	b->nruns++;
	return 0;
}

/* One figure of the current bench run. */
static int
build_bench_result(const struct bench_store_result *res, void *arg)
{
	struct build_bench *b = arg;

	runreport_add_bench(b->r, b->runs[b->cur].started_ns, b->runs[b->cur].label, res->test,
			    res->metric, res->value, res->unit);
	return 0;
}

/* Add every bench run that started in [mon_start, mon_end] (any later one
 * while the session has no end yet). 0, or -1 with err. */
static int
build_bench(struct store *st, struct run_report *r, char *err, size_t errlen)
{
	struct build_bench b;
	int rc;

	if (r->mon_start_ns == 0)
		return 0;
	memset(&b, 0, sizeof(b));
	b.r = r;
	rc = bench_store_query_runs_between(st, r->mon_start_ns,
					    r->mon_end_ns != 0 ? r->mon_end_ns : INT64_MAX,
					    build_bench_run, &b, err, errlen);
	for (b.cur = 0; rc == 0 && b.cur < b.nruns; b.cur++)
		rc = bench_store_query_results(st, b.runs[b.cur].id, build_bench_result, &b, err,
					       errlen);
	free(b.runs);
	return rc;
}

/* Build and compute the report of one session (with its run, if any). */
struct run_report *
report_build(struct store *st, int64_t session_id, char *err, size_t errlen)
{
	struct store_session_row srow;
	struct store_sched sc;
	struct build_ctx c;
	struct run_report *r;
	char *out = NULL, host[256];
	size_t outlen = 0;
	int rc;

	rc = store_get_session(st, session_id, 0, &srow, err, errlen);
	if (rc != 0) {
		if (rc > 0)
			snprintf(err, errlen, "no session %" PRId64 " in the database", session_id);
		return NULL;
	}
	r = runreport_new();
	r->id = srow.id;
	r->mon_start_ns = srow.started_ns;
	r->mon_end_ns = srow.ended_ns;
	r->exit_status = -1;
	if (store_get_session_host(st, srow.id, host, sizeof(host), err, errlen) < 0) {
		runreport_free(r);
		return NULL;
	}
	if (host[0] != '\0')
		runreport_set_host(r, host);
	if (srow.has_run) {
		if (srow.label[0])
			runreport_set_label(r, srow.label);
		runreport_kind_parse(srow.kind, &r->kind);
		runreport_set_command(r, srow.cmd);
		r->start_ns = srow.cmd_start_ns;
		r->end_ns = srow.cmd_end_ns;
		r->exit_status = srow.exit_status;
		r->output_bytes = srow.output_bytes;
		if (store_get_run_output(st, srow.id, &out, &outlen, err, errlen) == 0 &&
		    out != NULL) {
			/* The hypervisor's own figures, read again from the output. */
			struct hvparse *hp = hvparse_new();

			hvparse_feed(hp, out, outlen);
			r->hv = *hvparse_result(hp);
			hvparse_free(hp);
			free(out);
		}
	}
	memset(&c, 0, sizeof(c));
	c.st = st;
	c.r = r;
	c.session_id = srow.id;
	c.err = err;
	c.errlen = errlen;
	if (store_query_session_targets(st, srow.id, build_target, &c, err, errlen) != 0 ||
	    c.failed || store_query_events(st, srow.id, build_event, &c, err, errlen) != 0 ||
	    store_query_windows(st, srow.id, build_window, &c, err, errlen) != 0 ||
	    store_query_summaries(st, srow.id, build_summary, &c, err, errlen) != 0 ||
	    build_bench(st, r, err, errlen) != 0) {
		free(c.tnames);
		runreport_free(r);
		return NULL;
	}
	free(c.tnames);
	if ((rc = store_get_sched(st, srow.id, &sc, err, errlen)) < 0) {
		runreport_free(r);
		return NULL;
	}
	if (rc == 0) {
		struct rr_timing t = {
			1, sc.sends, sc.skipped, sc.lag_p50_ns, sc.lag_p99_ns, sc.lag_max_ns
		};

		runreport_set_timing(r, &t);
	}
	r->failover_marker = RR_MARKER_AUTO;
	runreport_compute(r);
	return r;
}

/* Build and render one session's report. */
int
report_print_session(struct store *st, int64_t session_id, int fmt, FILE *out, char *err,
		     size_t errlen)
{
	struct run_report *r = report_build(st, session_id, err, errlen);
	int rc;

	if (r == NULL)
		return -1;
	rc = runreport_render(r, (enum rr_format)fmt, out);
	runreport_free(r);
	if (rc != 0)
		snprintf(err, errlen, "cannot write the report");
	return rc;
}

struct agg_ctx {
	struct store *st;
	struct run_aggregate *a;
	char *err;
	size_t errlen;
	int failed;
};

/* One run of the label: build its report and add it to the aggregate. */
static int
agg_run(const struct store_session_row *row, void *arg)
{
	struct agg_ctx *c = arg;
	struct run_report *r = report_build(c->st, row->id, c->err, c->errlen);

	if (r == NULL) {
		c->failed = 1;
		return 1;
	}
	runagg_add_run(c->a, r);
	runreport_free(r);
	return 0;
}

/* The aggregate of every run labelled label (nruns 0 when there is none).
 * NULL with err when the store fails. */
struct run_aggregate *
report_build_label(struct store *st, const char *label, char *err, size_t errlen)
{
	struct agg_ctx ac = { st, runagg_new(label), err, errlen, 0 };

	if (store_query_runs_by_label(st, label, agg_run, &ac, err, errlen) != 0 || ac.failed) {
		runagg_free(ac.a);
		return NULL;
	}
	if (ac.a->nruns > 0)
		runagg_compute(ac.a);
	return ac.a;
}
