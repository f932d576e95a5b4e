/* SPDX-License-Identifier: ISC */
/*
 * rows.c: build the row model (rows.h) of a computed run report or
 * aggregate (reading and formatting it is rows_view.c).
 *
 * The order of the cells is the order JSON writes them in, so the JSON
 * writer needs no knowledge of the sections; the human writers pick cells
 * by name and lay them out.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "report/rows.h"

static const char *const rows_window_names[RR_NWINDOWS] = { "before", "during", "after" };

/* ---- building ------------------------------------------------------------------ */

/* A new empty table. */
static struct rows_table *
rows_table_new(int list)
{
	struct rows_table *t = xcalloc(1, sizeof(*t));

	t->list = list;
	return t;
}

/* Append an empty row to t. */
static struct rows_row *
rows_add_row(struct rows_table *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 4;
		t->rows = xreallocarray(t->rows, t->cap, sizeof(*t->rows));
	}
	memset(&t->rows[t->nrows], 0, sizeof(t->rows[0]));
	return &t->rows[t->nrows++];
}

/* Append a cell; the pointer is valid until the next cell of row. */
static struct rows_cell *
rows_add_cell(struct rows_row *row, const char *name, enum rows_type type, int known)
{
	struct rows_cell *c;

	if (row->ncells == row->cap) {
		row->cap = row->cap ? 2 * row->cap : 16;
		row->cells = xreallocarray(row->cells, row->cap, sizeof(*row->cells));
	}
	c = &row->cells[row->ncells++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->type = type;
	c->known = known;
	return c;
}

/* A string cell, absent when s is NULL. */
static struct rows_cell *
rows_add_str(struct rows_row *row, const char *name, const char *s)
{
	struct rows_cell *c = rows_add_cell(row, name, ROWS_STR, s != NULL);

	c->str = s;
	return c;
}

/* A cell holding an integer-like value v of type type. */
static struct rows_cell *
rows_add_val(struct rows_row *row, const char *name, enum rows_type type, int64_t v, int known)
{
	struct rows_cell *c = rows_add_cell(row, name, type, known);

	c->v = v;
	return c;
}

/* A table cell, absent when t is NULL. */
static void
rows_add_table(struct rows_row *row, const char *name, struct rows_table *t)
{
	rows_add_cell(row, name, ROWS_TABLE, t != NULL)->sub = t;
}

/* A copy of s owned by the model. */
static const char *
rows_keep(struct rows_model *m, const char *s)
{
	if (m->narena == m->arena_cap) {
		m->arena_cap = m->arena_cap ? 2 * m->arena_cap : 32;
		m->arena = xreallocarray(m->arena, m->arena_cap, sizeof(*m->arena));
	}
	m->arena[m->narena] = xstrdup(s);
	return m->arena[m->narena++];
}

/* A printf'd string owned by the model. */
static const char *rows_keepf(struct rows_model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *
rows_keepf(struct rows_model *m, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return rows_keep(m, buf);
}

/* ---- hypervisor ------------------------------------------------------------------ */

/* What an HA event says, as one line. */
static void
rows_ha_text(const struct hv_ha_event *ev, char *buf, size_t n)
{
	switch (ev->kind) {
	case HV_HA_NODE_STATE:
		snprintf(buf, n, "node %s: %s => %s", ev->subject, ev->from, ev->to);
		break;
	case HV_HA_SERVICE_STATE:
		snprintf(buf, n, "service %s: %s -> %s%s%s", ev->subject, ev->from, ev->to,
			 ev->node[0] ? " on " : "", ev->node);
		break;
	case HV_HA_FENCE_ACK:
		snprintf(buf, n, "node %s fenced (agent lock acquired)", ev->subject);
		break;
	case HV_HA_RECOVER:
		snprintf(buf, n, "recover %s from %s to %s", ev->subject, ev->from, ev->to);
		break;
	case HV_HA_RECOVER_FAILED:
		snprintf(buf, n, "recovering %s from %s failed: no node", ev->subject, ev->from);
		break;
	case HV_HA_STARTING:
		snprintf(buf, n, "starting %s", ev->subject);
		break;
	case HV_HA_STARTED:
		snprintf(buf, n, "%s started", ev->subject);
		break;
	case HV_HA_START_FAILED:
		snprintf(buf, n, "unable to start %s", ev->subject);
		break;
	case HV_HA_VM_STARTED:
		snprintf(buf, n, "VM %s process started (%s)", ev->subject, ev->to);
		break;
	}
}

/* A hypervisor stamp cell: as printed ("2025-09-10 00:34:06", "09-10
 * 00:50:21"), and its time read in local time near ref when that works. */
static struct rows_cell *
rows_add_stamp(struct rows_model *m, struct rows_row *row, const char *name,
	       const struct hv_stamp *st, int64_t ref)
{
	struct rows_cell *c;
	int64_t ns = 0;
	int ok = st->set && hvparse_stamp_to_ns(st, ref, &ns) == 0;
	const char *s = NULL;

	if (st->set && st->year != 0)
		s = rows_keepf(m, "%04d-%02d-%02d %02d:%02d:%02d", st->year, st->mon, st->mday,
			       st->hour, st->min, st->sec);
	else if (st->set)
		s = rows_keepf(m, "%02d-%02d %02d:%02d:%02d", st->mon, st->mday, st->hour, st->min,
			       st->sec);
	c = rows_add_val(row, name, ROWS_STAMP, ns, st->set);
	c->str = s;
	if (!ok)
		c->flags |= ROWS_NOTIME;
	return c;
}

/* A whole-ms hypervisor figure: a duration cell the human formats show as given. */
static struct rows_cell *
rows_add_hv_ms(struct rows_model *m, struct rows_row *row, const char *name, int64_t ms)
{
	struct rows_cell *c = rows_add_val(row, name, ROWS_DUR, ms * NSEC_PER_MSEC, ms >= 0);

	if (ms >= 0)
		c->shown = rows_keepf(m, "%" PRId64 " ms", ms);
	return c;
}

/* A "non-empty or absent" string of a fixed buffer. */
static const char *
rows_nonempty(const char *s, int cond)
{
	return cond && s[0] != '\0' ? s : NULL;
}

/* The hypervisor figures as an object, in the JSON order. */
static struct rows_table *
rows_build_hv(struct rows_model *m, const struct hv_figures *f, int64_t ref)
{
	static const char *const job[] = { NULL, "finished successfully", "finished with errors",
					   "failed" };
	static const char *const jobname[] = { "unknown", "ok", "errors", "failed" };
	static const char *const task[] = { NULL, "OK", "WARNINGS", "ERROR" };
	struct rows_table *t = rows_table_new(0), *l;
	struct rows_row *row = rows_add_row(t), *e;
	struct rows_cell *c;
	int64_t pause = -1;
	char buf[256];
	size_t i;

	if (f->qmp_stop_ns >= 0 && f->qmp_resume_ns >= f->qmp_stop_ns)
		pause = f->qmp_resume_ns - f->qmp_stop_ns;
	c = rows_add_str(row, "downtime_source", hvparse_source_name(f->downtime_src));
	c->shown = f->downtime_src == HV_SRC_QMP ? "query-migrate" : "task log";
	if (f->downtime_ms < 0)
		c->flags = ROWS_DETAIL;
	rows_add_hv_ms(m, row, "downtime_ms", f->downtime_ms);
	c = rows_add_val(row, "downtime_count", ROWS_INT, f->downtime_count, 1);
	c->flags = ROWS_DETAIL; /* shown as "last of several" */
	rows_add_val(row, "qmp_pause_ms", ROWS_DUR, pause, pause >= 0);
	rows_add_val(row, "duration_ms", ROWS_DUR, f->duration_ms * NSEC_PER_MSEC,
		     f->duration_ms >= 0);
	rows_add_val(row, "qmp_total_ms", ROWS_DUR, f->qmp_total_ms * NSEC_PER_MSEC,
		     f->qmp_total_ms >= 0);
	rows_add_val(row, "transferred_bytes", ROWS_BYTES, f->transferred_bytes,
		     f->transferred_bytes >= 0);
	c = rows_add_str(row, "transferred_source",
			 f->transferred_bytes >= 0 ? hvparse_source_name(f->transferred_src)
						   : NULL);
	c->flags = ROWS_DETAIL; /* shown as "as rounded in the task log" */
	rows_add_val(row, "speed_limit_bytes_per_s", ROWS_BYTES, f->speed_limit_bps,
		     f->speed_limit_bps >= 0);
	rows_add_stamp(m, row, "migrate_start", &f->migrate_start, ref);
	rows_add_stamp(m, row, "migrate_done", &f->migrate_done, ref);
	l = rows_table_new(1);
	for (i = 0; i < f->nlimits; i++) {
		e = rows_add_row(l);
		rows_add_str(e, "kind", hvparse_limit_kind_name(f->limits[i].kind));
		rows_add_hv_ms(m, e, "ms", f->limits[i].ms);
	}
	rows_add_table(row, "downtime_limits", l);
	rows_add_str(row, "migrate_error", rows_nonempty(f->migrate_error, 1));
	c = rows_add_str(row, "task_status", hvparse_task_status_name(f->task_status));
	c->shown = task[f->task_status];
	if (f->task_status == HV_TASK_UNKNOWN)
		c->flags = ROWS_DETAIL;
	rows_add_val(row, "task_warnings", ROWS_INT, f->task_warnings, f->task_warnings >= 0);
	rows_add_str(row, "task_error", f->task_status == HV_TASK_ERROR ? f->task_error : NULL);
	rows_add_val(row, "error_lines", ROWS_INT, f->error_lines, 1);
	rows_add_val(row, "warn_lines", ROWS_INT, f->warn_lines, 1);
	rows_add_str(row, "first_error", f->error_lines > 0 ? f->first_error : NULL);
	rows_add_val(row, "backup_vmid", ROWS_INT, f->backup_vmid, f->backup_vmid >= 0);
	rows_add_str(row, "backup_type", rows_nonempty(f->backup_type, 1));
	rows_add_val(row, "backup_count", ROWS_INT, f->backup_count, f->backup_vmid >= 0);
	rows_add_val(row, "backup_failed", ROWS_INT, f->backup_failed, f->backup_vmid >= 0);
	rows_add_val(row, "backup_duration_ms", ROWS_DUR, f->backup_duration_ms * NSEC_PER_MSEC,
		     f->backup_duration_ms >= 0);
	rows_add_val(row, "backup_transfer_ms", ROWS_DUR, f->backup_transfer_ms * NSEC_PER_MSEC,
		     f->backup_transfer_ms >= 0);
	rows_add_val(row, "backup_bytes", ROWS_BYTES, f->backup_bytes, f->backup_bytes >= 0);
	rows_add_val(row, "archive_bytes", ROWS_BYTES, f->archive_bytes, f->archive_bytes >= 0);
	rows_add_val(row, "guest_pause_ms", ROWS_DUR, f->guest_pause_ms * NSEC_PER_MSEC,
		     f->guest_pause_ms >= 0);
	c = rows_add_str(row, "backup_job",
			 f->backup_job != HV_BACKUP_UNKNOWN ? jobname[f->backup_job] : NULL);
	c->shown = job[f->backup_job];
	rows_add_val(row, "ha_events_dropped", ROWS_INT, (int64_t)f->ha_dropped, 1);
	l = rows_table_new(1);
	for (i = 0; i < f->nha; i++) {
		const struct hv_ha_event *ev = &f->ha[i];

		e = rows_add_row(l);
		rows_add_str(e, "kind", hvparse_ha_kind_name(ev->kind))->flags = ROWS_DETAIL;
		rows_add_stamp(m, e, "time", &ev->when, ref);
		rows_add_str(e, "host", ev->host);
		/* Their words are in the text. */
		rows_add_str(e, "subject", ev->subject)->flags = ROWS_DETAIL;
		rows_add_str(e, "from", ev->from)->flags = ROWS_DETAIL;
		rows_add_str(e, "to", ev->to)->flags = ROWS_DETAIL;
		rows_add_str(e, "node", ev->node)->flags = ROWS_DETAIL;
		rows_ha_text(ev, buf, sizeof(buf));
		rows_add_str(e, "text", rows_keep(m, buf));
	}
	rows_add_table(row, "ha_events", l);
	return t;
}

/* ---- run report ------------------------------------------------------------------ */

/* The run's own figures. */
static struct rows_table *
rows_build_run(const struct run_report *r)
{
	struct rows_table *t = rows_table_new(0);
	struct rows_row *row = rows_add_row(t);
	struct rows_cell *c;

	rows_add_val(row, "id", ROWS_INT, r->id, 1);
	rows_add_str(row, "label", r->label);
	rows_add_str(row, "kind", runreport_kind_name(r->kind));
	rows_add_str(row, "command", r->command);
	rows_add_str(row, "host", r->host);
	rows_add_val(row, "start", ROWS_TIME, r->start_ns, r->start_ns != 0);
	rows_add_val(row, "end", ROWS_TIME, r->end_ns, r->end_ns != 0);
	rows_add_val(row, "duration_ms", ROWS_DUR, r->end_ns - r->start_ns,
		     r->start_ns != 0 && r->end_ns >= r->start_ns);
	rows_add_val(row, "exit_status", ROWS_INT, r->exit_status, r->exit_status >= 0);
	rows_add_val(row, "exit_signal", ROWS_INT, r->exit_status - 128, r->exit_status >= 128);
	rows_add_val(row, "output_bytes", ROWS_INT, (int64_t)r->output_bytes, 1);
	rows_add_val(row, "monitor_start", ROWS_TIME, r->mon_start_ns, r->mon_start_ns != 0);
	rows_add_val(row, "monitor_end", ROWS_TIME, r->mon_end_ns, r->mon_end_ns != 0);
	/* No unknown time is not news: the human formats leave the line out. */
	c = rows_add_val(row, "unknown_ms", ROWS_DUR, r->unknown_ns, 1);
	if (r->unknown_ns == 0)
		c->flags |= ROWS_DETAIL;
	if (r->timing.known) {
		struct rows_table *x = rows_table_new(0);
		struct rows_row *xr = rows_add_row(x);

		rows_add_val(xr, "sends", ROWS_INT, (int64_t)r->timing.sends, 1);
		rows_add_val(xr, "lag_p50_us", ROWS_US, r->timing.lag_p50_ns, 1);
		rows_add_val(xr, "lag_p99_us", ROWS_US, r->timing.lag_p99_ns, 1);
		rows_add_val(xr, "lag_max_us", ROWS_US, r->timing.lag_max_ns, 1);
		rows_add_val(xr, "skipped", ROWS_INT, (int64_t)r->timing.skipped, 1);
		rows_add_table(row, "timing", x);
	} else
		rows_add_table(row, "timing", NULL);
	return t;
}

/* Markers and spans. */
static void
rows_build_marks(const struct run_report *r, struct rows_row *root)
{
	struct rows_table *t = rows_table_new(1);
	struct rows_row *row;
	size_t i;

	for (i = 0; i < r->nmarkers; i++) {
		row = rows_add_row(t);
		rows_add_str(row, "label", r->markers[i].label);
		rows_add_val(row, "time", ROWS_TIME, r->markers[i].ts_ns, 1);
	}
	rows_add_table(root, "markers", t);
	t = rows_table_new(1);
	for (i = 0; i < r->nspans; i++) {
		row = rows_add_row(t);
		rows_add_str(row, "label", r->spans[i].label);
		rows_add_val(row, "start", ROWS_TIME, r->spans[i].start_ns, 1);
		rows_add_val(row, "end", ROWS_TIME, r->spans[i].end_ns, 1);
	}
	rows_add_table(root, "spans", t);
}

/* The unknown windows that apply to some target, the listed events (a
 * target's "path" is shown with the target instead) and the bench figures. */
static void
rows_build_lists(const struct run_report *r, struct rows_row *root)
{
	struct rows_table *t = rows_table_new(1);
	struct rows_row *row;
	size_t i;

	for (i = 0; i < r->nunknowns; i++) {
		const struct rr_unknown *u = &r->unknowns[i];

		if (!u->matched)
			continue;
		row = rows_add_row(t);
		rows_add_val(row, "start", ROWS_TIME, u->start_ns, 1);
		rows_add_val(row, "end", ROWS_TIME, u->end_ns, 1)->flags = ROWS_DETAIL;
		rows_add_val(row, "duration_ms", ROWS_DUR, u->end_ns - u->start_ns, 1);
		rows_add_str(row, "target", u->target);
		rows_add_str(row, "reason", u->reason);
	}
	rows_add_table(root, "unknown", t);
	t = rows_table_new(1);
	for (i = 0; i < r->nevents; i++) {
		const struct rr_event *e = &r->events[i];

		if (e->target != NULL && strcmp(e->kind, RR_EVENT_PATH) == 0)
			continue;
		row = rows_add_row(t);
		rows_add_val(row, "time", ROWS_TIME, e->ts_ns, 1);
		rows_add_str(row, "target", e->target);
		rows_add_str(row, "kind", e->kind);
		rows_add_str(row, "text", e->text);
	}
	rows_add_table(root, "events", t);
	t = rows_table_new(1);
	for (i = 0; i < r->nbench; i++) {
		const struct rr_bench *b = &r->bench[i];
		struct rows_cell *c;

		row = rows_add_row(t);
		rows_add_val(row, "time", ROWS_TIME, b->ts_ns, 1);
		rows_add_str(row, "label", b->label);
		rows_add_str(row, "test", b->test);
		rows_add_str(row, "metric", b->metric);
		c = rows_add_cell(row, "value", ROWS_REAL, !isnan(b->value) && !isinf(b->value));
		c->real = b->value;
		rows_add_str(row, "unit", b->unit);
	}
	rows_add_table(root, "bench", t);
}

/* A target's RTT figures per window. */
static struct rows_table *
rows_build_rtt(const struct rr_target *tg)
{
	struct rows_table *t = rows_table_new(0), *w;
	struct rows_row *row = rows_add_row(t), *wr;
	int k;

	for (k = 0; k < RR_NWINDOWS; k++) {
		const struct rr_rtt *x = &tg->rtt[k];

		w = rows_table_new(0);
		wr = rows_add_row(w);
		rows_add_val(wr, "n", ROWS_INT, (int64_t)x->n, 1)->flags = ROWS_DETAIL;
		rows_add_val(wr, "lost", ROWS_INT, (int64_t)x->lost, 1)->flags = ROWS_DETAIL;
		rows_add_val(wr, "p50_ms", ROWS_MS, x->p50_ns, x->n > 0);
		rows_add_val(wr, "p99_ms", ROWS_MS, x->p99_ns, x->n > 0);
		rows_add_val(wr, "max_ms", ROWS_MS, x->max_ns, x->n > 0);
		rows_add_table(row, rows_window_names[k], w);
	}
	return t;
}

/* A target's failover figures, NULL when there is no marker or no outage after it. */
static struct rows_table *
rows_build_failover(const struct rr_failover *f, int have_marker)
{
	struct rows_table *t;
	struct rows_row *row;

	if (!have_marker || !f->valid)
		return NULL;
	t = rows_table_new(0);
	row = rows_add_row(t);
	rows_add_val(row, "from_samples", ROWS_BOOL, f->from_samples, 1)->flags = ROWS_DETAIL;
	rows_add_val(row, "outage_start", ROWS_TIME, f->outage_start_ns, 1)->flags = ROWS_DETAIL;
	rows_add_val(row, "outage_end", ROWS_TIME, f->outage_end_ns, f->outage_end_ns >= 0)->flags =
		ROWS_DETAIL;
	rows_add_val(row, "last_reply", ROWS_TIME, f->last_reply_ns, f->last_reply_ns >= 0);
	rows_add_val(row, "first_reply", ROWS_TIME, f->first_reply_ns, f->first_reply_ns >= 0);
	rows_add_val(row, "to_last_reply_ms", ROWS_DUR, f->to_last_ns, f->last_reply_ns >= 0);
	rows_add_val(row, "recovery_ms", ROWS_DUR, f->recovery_ns, f->recovery_ns >= 0);
	rows_add_val(row, "gap_ms", ROWS_DUR, f->gap_ns, f->gap_ns >= 0);
	return t;
}

/* A target's loss periods. */
static struct rows_table *
rows_build_losses(const struct rr_target *tg)
{
	struct rows_table *t = rows_table_new(1);
	struct rows_row *row;
	size_t i;

	for (i = 0; i < tg->nbursts; i++) {
		const struct rr_burst *b = &tg->bursts[i];

		row = rows_add_row(t);
		rows_add_str(row, "kind", b->kind == RR_OUTAGE ? "outage" : "burst");
		rows_add_val(row, "start", ROWS_TIME, b->start_ns, 1);
		rows_add_val(row, "end", ROWS_TIME, b->end_ns, 1)->flags = ROWS_DETAIL;
		rows_add_val(row, "duration_ms", ROWS_DUR, b->end_ns - b->start_ns, 1);
		rows_add_val(row, "lower_ms", ROWS_DUR, b->lower_ns, 1);
		rows_add_val(row, "upper_ms", ROWS_DUR, b->upper_ns, 1);
		rows_add_val(row, "lost", ROWS_INT, (int64_t)b->lost, 1);
		/* The human formats say only "(open)" of a loss still open. */
		rows_add_str(row, "end_state",
			     !b->open                    ? "closed"
			     : b->open == RR_END_UNKNOWN ? "unknown"
							 : "at-exit")
			->flags = ROWS_DETAIL;
	}
	return t;
}

/* Availability over the monitoring window, as `hamon history
 * --availability` computes it (store/avail.c): the window less its UNKNOWN
 * time, the downtime's bounds giving its own. Shown "99.97778% [99.97750,
 * 99.97805]"; absent when the window is not known or nothing was sent. */
static void
rows_build_availability(struct rows_model *m, struct rows_row *row, const struct run_report *r,
			const struct rr_target *tg)
{
	int64_t mon = r->mon_end_ns - r->mon_start_ns - tg->unknown_ns;
	/* a target that was never probed has no share to tell */
	int known = r->mon_start_ns > 0 && mon > 0 && tg->sent > 0;
	double a = 0, lo = 0, hi = 0;
	struct rows_cell *c;
	char buf[96];

	if (known) {
		a = 100.0 * (double)(mon - tg->downtime_ns) / (double)mon;
		lo = 100.0 * (double)(mon - tg->downtime_upper_ns) / (double)mon;
		hi = 100.0 * (double)(mon - tg->downtime_lower_ns) / (double)mon;
		lo = lo < 0 ? 0 : lo;
	}
	c = rows_add_cell(row, "availability_pct", ROWS_PCT, known);
	c->real = a;
	if (known) {
		snprintf(buf, sizeof(buf), "%.5f%% [%.5f, %.5f]", a, lo, hi);
		c->shown = rows_keep(m, buf);
	}
	c = rows_add_cell(row, "availability_lower_pct", ROWS_PCT, known);
	c->real = lo;
	c->flags |= ROWS_DETAIL;
	c = rows_add_cell(row, "availability_upper_pct", ROWS_PCT, known);
	c->real = hi;
	c->flags |= ROWS_DETAIL;
}

/* The targets with their figures, and the timeline geometry of each. */
static void
rows_build_targets(struct rows_model *m, const struct run_report *r, struct rows_row *root,
		   int have_marker)
{
	struct rows_table *t = rows_table_new(1);
	struct rows_row *row;
	struct rows_cell *c;
	size_t i;
	int clean;

	m->geom = xcalloc(r->ntargets + 1, sizeof(*m->geom));
	m->ngeom = r->ntargets;
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target *tg = r->targets[i];

		row = rows_add_row(t);
		rows_add_str(row, "target", tg->name);
		rows_add_str(row, "url", tg->url);
		rows_add_str(row, "path", tg->path);
		/* A clean target (nothing lost) reads "none" in the human formats,
		 * not a bold "0.000ms [0.000ms, 0.000ms]"; JSON and CSV keep 0. */
		clean = tg->downtime_ns == 0 && tg->ncount[RR_BURST] == 0 &&
			tg->ncount[RR_OUTAGE] == 0;
		c = rows_add_val(row, "downtime_ms", ROWS_DUR, tg->downtime_ns, 1);
		c->shown = clean ? "none" : NULL;
		c = rows_add_val(row, "downtime_lower_ms", ROWS_DUR, tg->downtime_lower_ns, 1);
		c->shown = clean ? "-" : NULL;
		c = rows_add_val(row, "downtime_upper_ms", ROWS_DUR, tg->downtime_upper_ns, 1);
		c->shown = clean ? "-" : NULL;
		rows_add_val(row, "bursts", ROWS_INT, (int64_t)tg->ncount[RR_BURST], 1);
		rows_add_val(row, "outages", ROWS_INT, (int64_t)tg->ncount[RR_OUTAGE], 1);
		rows_add_val(row, "longest_outage_ms", ROWS_DUR, tg->longest_outage_ns,
			     tg->longest_outage_ns >= 0);
		rows_add_val(row, "longest_gap_ms", ROWS_DUR, tg->longest_gap_ns,
			     tg->longest_gap_ns >= 0);
		rows_add_val(row, "sent", ROWS_INT, (int64_t)tg->sent, 1);
		rows_add_val(row, "lost", ROWS_INT, (int64_t)tg->lost, 1);
		c = rows_add_val(row, "unknown_ms", ROWS_DUR, tg->unknown_ns, 1);
		if (tg->unknown_ns == 0)
			c->flags |= ROWS_DETAIL; /* the tables show the column only when nonzero */
		rows_build_availability(m, row, r, tg);
		rows_add_table(row, "rtt", rows_build_rtt(tg));
		rows_add_table(row, "failover", rows_build_failover(&tg->failover, have_marker));
		rows_add_table(row, "losses", rows_build_losses(tg));
		m->geom[i].name = tg->name;
		m->geom[i].samples = tg->samples;
		m->geom[i].nsamples = tg->nsamples;
		m->geom[i].bursts = tg->bursts;
		m->geom[i].nbursts = tg->nbursts;
	}
	rows_add_table(root, "targets", t);
}

/* Build the model of a computed report. */
struct rows_model *
rows_build_report(const struct run_report *r)
{
	struct rows_model *m = xcalloc(1, sizeof(*m));
	struct rows_table *t;
	struct rows_row *root, *row;
	const struct rr_marker *fm = NULL;

	if (r->failover_index >= 0 && (size_t)r->failover_index < r->nmarkers)
		fm = &r->markers[r->failover_index];
	m->root = rows_table_new(0);
	root = rows_add_row(m->root);
	rows_add_table(root, "run", rows_build_run(r));
	rows_add_table(
		root, "hypervisor",
		hvparse_figures_any(&r->hv)
			? rows_build_hv(m, &r->hv, r->start_ns != 0 ? r->start_ns : r->mon_start_ns)
			: NULL);
	rows_build_marks(r, root);
	rows_build_lists(r, root);
	t = NULL;
	if (fm != NULL) {
		t = rows_table_new(0);
		row = rows_add_row(t);
		rows_add_str(row, "label", fm->label);
		rows_add_val(row, "time", ROWS_TIME, fm->ts_ns, 1);
	}
	rows_add_table(root, "failover_marker", t);
	rows_build_targets(m, r, root, fm != NULL);
	return m;
}

/* Build the model of a computed aggregate. */
struct rows_model *
rows_build_aggregate(const struct run_aggregate *a)
{
	struct rows_model *m = xcalloc(1, sizeof(*m));
	struct rows_table *t = rows_table_new(1);
	struct rows_row *root, *row;
	size_t i;

	m->root = rows_table_new(0);
	root = rows_add_row(m->root);
	rows_add_str(root, "label", a->label);
	rows_add_val(root, "runs", ROWS_INT, (int64_t)a->nruns, 1);
	rows_add_val(root, "first", ROWS_TIME, a->first_ns, a->first_ns != 0);
	rows_add_val(root, "last", ROWS_TIME, a->last_ns, a->last_ns != 0);
	for (i = 0; i < a->ntargets; i++) {
		const struct runagg_target *at = a->targets[i];

		row = rows_add_row(t);
		rows_add_str(row, "target", at->name);
		rows_add_val(row, "runs", ROWS_INT, (int64_t)at->n, 1);
		rows_add_val(row, "min_ms", ROWS_DUR, at->min_ns, at->n > 0);
		rows_add_val(row, "p50_ms", ROWS_DUR, at->p50_ns, at->n > 0);
		rows_add_val(row, "p95_ms", ROWS_DUR, at->p95_ns, at->n > 0);
		rows_add_val(row, "max_ms", ROWS_DUR, at->max_ns, at->n > 0);
	}
	rows_add_table(root, "targets", t);
	return m;
}

/* Free a table and everything under it. */
static void
rows_free_table(struct rows_table *t)
{
	size_t i, j;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->rows[i].ncells; j++)
			rows_free_table(t->rows[i].cells[j].sub);
		free(t->rows[i].cells);
	}
	free(t->rows);
	free(t);
}

/* Free a model; NULL is a no-op. */
void
rows_free(struct rows_model *m)
{
	size_t i;

	if (m == NULL)
		return;
	rows_free_table(m->root);
	for (i = 0; i < m->narena; i++)
		free(m->arena[i]);
	free(m->arena);
	free(m->geom);
	free(m);
}
