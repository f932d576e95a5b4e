/* SPDX-License-Identifier: ISC */
/*
 * test_render_drift.c: every fact of a report is in every format. A report
 * with every kind of fact is rendered in all five formats; then each cell
 * of its row model (report/rows.h) is looked up, formatted as that format
 * shows it, in each output. A writer that drops a fact fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/timeutil.h"
#include "report/rows.h"
#include "report/runreport.h"

/* 2025-09-10T00:34:06Z. */
#define T0 (1757464446LL * NSEC_PER_SEC)
#define MS NSEC_PER_MSEC
#define US NSEC_PER_USEC
#define S  NSEC_PER_SEC

/* The five outputs of one report or aggregate, and how many lookups were made. */
struct drift {
	char *out[5];
	size_t checked[5];
};

/* Render r (or a) in fmt into a malloc'd string. */
static char *
drift_render(const struct run_report *r, const struct run_aggregate *a, enum rr_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	if (r != NULL)
		assert_int_equal(runreport_render(r, fmt, fp), 0);
	else
		assert_int_equal(runagg_render(a, fmt, fp), 0);
	fclose(fp);
	return buf;
}

/* s escaped for fmt (without JSON's quotes), malloc'd. */
static char *
drift_escape(enum rr_format fmt, const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	runreport_write_escaped(fp, fmt, s);
	fclose(fp);
	if (fmt == RR_FMT_JSON && len >= 2) {
		memmove(buf, buf + 1, len - 2);
		buf[len - 2] = '\0';
	}
	return buf;
}

/* Fail naming the cell when needle is not in the output of fmt. */
static void
drift_expect(struct drift *d, enum rr_format fmt, const char *path, const char *needle)
{
	static const char *const names[] = { "text", "json", "csv", "md", "html" };

	d->checked[fmt]++;
	if (strstr(d->out[fmt], needle) == NULL)
		fail_msg("%s: %s missing \"%s\"", names[fmt], path, needle);
}

/* Look for one scalar cell in every format that carries it (csv: in a target's row). */
static void
drift_check_cell(struct drift *d, const struct rows_cell *c, const char *path, int csv)
{
	char h[256], m[256], needle[512], *e;
	enum rr_format f;

	if (!c->known || (c->flags & ROWS_DETAIL) || (c->type == ROWS_BOOL && c->v == 0))
		return;
	/* JSON: "name":value. */
	rows_format_machine(c, m, sizeof(m));
	if (c->type == ROWS_STR) {
		e = drift_escape(RR_FMT_JSON, c->str);
		snprintf(needle, sizeof(needle), "\"%s\":\"%s\"", c->name, e);
		free(e);
	} else if (c->type == ROWS_STAMP && (c->flags & ROWS_NOTIME))
		snprintf(needle, sizeof(needle), "\"%s\":null", c->name);
	else if (c->type == ROWS_TIME || c->type == ROWS_STAMP)
		snprintf(needle, sizeof(needle), "\"%s\":\"%s\"", c->name, m);
	else
		snprintf(needle, sizeof(needle), "\"%s\":%s", c->name, m);
	drift_expect(d, RR_FMT_JSON, path, needle);
	if (csv) {
		e = drift_escape(RR_FMT_CSV, m);
		drift_expect(d, RR_FMT_CSV, path, e);
		free(e);
	}
	/* Text, Markdown, HTML: the human value; a time by its clock, which
	 * every one of them shows (text's failover table shows only that). */
	if (c->type == ROWS_TIME)
		time_format_clock(c->v, h, sizeof(h));
	else if (c->type == ROWS_BOOL)
		snprintf(h, sizeof(h), "%s", c->name);
	else
		rows_format_human(c, h, sizeof(h));
	for (f = RR_FMT_TEXT; f <= RR_FMT_HTML; f++) {
		if (f == RR_FMT_JSON || f == RR_FMT_CSV)
			continue;
		e = drift_escape(f, h);
		drift_expect(d, f, path, e);
		free(e);
	}
}

/*
 * Every cell of row and of the tables under it. csv 1: row is in CSV's
 * scope (a target's row, its RTT windows); 2: only its durations are (a
 * target's failover); 0: not at all (the lists).
 */
static void
drift_check_row(struct drift *d, const struct rows_row *row, const char *path, int csv, int depth)
{
	char sub[256];
	size_t i, j;
	int child;

	for (i = 0; i < row->ncells; i++) {
		const struct rows_cell *c = &row->cells[i];

		snprintf(sub, sizeof(sub), "%s.%s", path, c->name);
		if (c->type != ROWS_TABLE) {
			drift_check_cell(d, c, sub, csv == 1 || (csv == 2 && c->type == ROWS_DUR));
			continue;
		}
		if (!c->known)
			continue;
		child = 0;
		if (depth == 0 && strcmp(c->name, "targets") == 0)
			child = 1;
		else if (csv == 1 && strcmp(c->name, "failover") == 0)
			child = 2;
		else if (csv == 1 && strcmp(c->name, "losses") != 0)
			child = 1;
		for (j = 0; j < c->sub->nrows; j++)
			drift_check_row(d, &c->sub->rows[j], sub, child, depth + 1);
	}
}

/* Render r (or a) in every format and check every cell of its model; at
 * least min_cells lookups per format (min_csv in CSV) were made. */
static void
drift_check(const struct run_report *r, const struct run_aggregate *a, size_t min_cells,
	    size_t min_csv)
{
	struct rows_model *m = r != NULL ? rows_build_report(r) : rows_build_aggregate(a);
	struct drift d;
	enum rr_format f;

	memset(&d, 0, sizeof(d));
	for (f = RR_FMT_TEXT; f <= RR_FMT_HTML; f++)
		d.out[f] = drift_render(r, a, f);
	drift_check_row(&d, rows_root(m), r != NULL ? "report" : "aggregate", 0, 0);
	for (f = RR_FMT_TEXT; f <= RR_FMT_HTML; f++) {
		if (f != RR_FMT_CSV)
			assert_true(d.checked[f] >= min_cells);
		free(d.out[f]);
	}
	assert_true(d.checked[RR_FMT_CSV] >= min_csv);
	rows_free(m);
}

/* Hypervisor figures of every kind, set by hand. */
static void
drift_hv(struct hv_figures *f)
{
	struct hv_ha_event *ev;

	hvparse_figures_init(f);
	f->downtime_ms = 47;
	f->downtime_src = HV_SRC_QMP;
	f->downtime_count = 2;
	f->duration_ms = 16000;
	f->transferred_bytes = 3069384126LL;
	f->transferred_src = HV_SRC_TASKLOG;
	f->qmp_total_ms = 26907;
	f->qmp_stop_ns = T0 + 30 * S;
	f->qmp_resume_ns = T0 + 31 * S + 352 * MS;
	f->speed_limit_bps = 629145600;
	f->limits[0] = (struct hv_limit){ HV_LIMIT_SET, 100, { 0 } };
	f->limits[1] = (struct hv_limit){ HV_LIMIT_AUTO, 400, { 0 } };
	f->nlimits = 2;
	f->migrate_start = (struct hv_stamp){ 1, 2025, 9, 10, 0, 34, 20 };
	f->migrate_done = (struct hv_stamp){ 1, 2025, 9, 10, 0, 34, 36 };
	snprintf(f->migrate_error, sizeof(f->migrate_error), "failed - Broken pipe");
	f->task_status = HV_TASK_ERROR;
	snprintf(f->task_error, sizeof(f->task_error), "migration problems");
	f->error_lines = 2;
	f->warn_lines = 3;
	snprintf(f->first_error, sizeof(f->first_error), "online migrate failure");
	f->backup_vmid = 101;
	snprintf(f->backup_type, sizeof(f->backup_type), "qemu");
	f->backup_count = 1;
	f->backup_failed = 4;
	f->backup_duration_ms = 25000;
	f->backup_transfer_ms = 24000;
	f->backup_bytes = 34359738368LL;
	f->archive_bytes = 2791728742LL;
	f->guest_pause_ms = 1500;
	f->backup_job = HV_BACKUP_ERRORS;
	ev = &f->ha[f->nha++];
	ev->kind = HV_HA_NODE_STATE;
	ev->when = (struct hv_stamp){ 1, 0, 9, 10, 0, 50, 21 };
	snprintf(ev->host, sizeof(ev->host), "pve2");
	snprintf(ev->subject, sizeof(ev->subject), "pve1");
	snprintf(ev->from, sizeof(ev->from), "online");
	snprintf(ev->to, sizeof(ev->to), "unknown");
	ev = &f->ha[f->nha++];
	ev->kind = HV_HA_RECOVER;
	ev->when = (struct hv_stamp){ 1, 0, 9, 10, 0, 52, 21 };
	snprintf(ev->host, sizeof(ev->host), "pve3");
	snprintf(ev->subject, sizeof(ev->subject), "vm:101");
	snprintf(ev->from, sizeof(ev->from), "pve1");
	snprintf(ev->to, sizeof(ev->to), "pve2");
}

/*
 * A failover run with everything: a command killed by signal 9 with output,
 * hypervisor figures, three markers (the failover one in the middle), two
 * spans, unknown windows of every target and of one, events (one a path),
 * bench figures (one not a number), and three targets: one with samples, a
 * burst inside an outage and an open burst, one never answering again, one
 * never down.
 */
static struct run_report *
drift_report(void)
{
	struct run_report *r = runreport_new();
	struct rr_target *t;
	struct rr_burst b;
	size_t i;

	r->id = 4711;
	r->kind = RUN_KIND_FAILOVER;
	runreport_set_label(r, "power-test");
	runreport_set_command(r, "sh -c kill-me");
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 120 * S;
	r->start_ns = T0 + 5 * S;
	r->end_ns = T0 + 100 * S + 123 * MS;
	r->exit_status = 137;
	r->output_bytes = 98765;
	drift_hv(&r->hv);
	runreport_add_marker(r, T0 + 10 * S + 250 * MS, "prepare");
	runreport_add_marker(r, T0 + 40 * S + 125 * MS, "power cut node1");
	runreport_add_marker(r, T0 + 90 * S + 625 * MS, "restore");
	runreport_add_span(r, T0 + 20 * S + 375 * MS, T0 + 33 * S + 875 * MS, "phase one");
	runreport_add_span(r, T0 + 60 * S + 437 * MS, T0 + 70 * S + 937 * MS, "phase two");
	t = runreport_add_target(r, "vm101", "icmp://192.0.2.10");
	for (i = 0; i < 1200; i++) {
		int lost = (i >= 405 && i < 437) || i == 777;

		runreport_add_sample(t, T0 + (int64_t)i * 100 * MS + 3 * MS,
				     lost ? -1 : (int64_t)(700 + (i * 7919) % 4000) * US);
	}
	t->sent = 1200;
	t->lost = 33;
	b = (struct rr_burst){
		RR_BURST, T0 + 40 * S + 503 * MS, T0 + 43 * S + 703 * MS, 3100 * MS, 3300 * MS, 32,
		0
	};
	runreport_add_burst(t, &b);
	b.kind = RR_OUTAGE;
	runreport_add_burst(t, &b);
	b = (struct rr_burst){
		RR_BURST, T0 + 77 * S + 703 * MS, T0 + 77 * S + 803 * MS, 0, 200 * MS, 1, 0
	};
	runreport_add_burst(t, &b);
	t = runreport_add_target(r, "db1", "tcp://192.0.2.11:5432");
	t->sent = 119;
	t->lost = 61;
	b = (struct rr_burst){ RR_OUTAGE,
			       T0 + 41 * S + 17 * MS,
			       T0 + 119 * S + 31 * MS,
			       78 * S - 7 * MS,
			       78 * S + 11 * MS,
			       61,
			       1 };
	runreport_add_burst(t, &b);
	for (i = 0; i < 41; i++)
		runreport_add_sample(t, T0 + (int64_t)i * S + 17 * MS, 2300 * US + (int64_t)i);
	t = runreport_add_target(r, "idle", NULL);
	t->sent = 120;
	for (i = 0; i < 120; i++)
		runreport_add_sample(t, T0 + (int64_t)i * S + 500 * MS, 1500 * US + (int64_t)i * 7);
	runreport_add_unknown(r, T0 + 50 * S, T0 + 51 * S + 234 * MS, NULL, "monitor stalled");
	runreport_add_unknown(r, T0 + 80 * S, T0 + 82 * S + 567 * MS, "idle", "sends fail");
	runreport_set_timing(r, &(struct rr_timing){ 1, 1439, 2, 36900, 412300, 2513000 });
	runreport_add_event(r, T0 + 1 * S, "vm101", RR_EVENT_PATH, "via eth0 src 198.18.0.1");
	runreport_add_event(r, T0 + 39 * S + 913 * MS, "vm101", "link", "link hm0 down");
	runreport_add_event(r, T0 + 44 * S + 21 * MS, NULL, "clock-step", "stepped by +2.0 ms");
	runreport_add_bench(r, T0 + 65 * S + 111 * MS, "during", "mem", "copy", 12.75, "GiB/s");
	runreport_add_bench(r, T0 + 65 * S + 111 * MS, "during", "cpu", "events", 1234.5678,
			    "events/s");
	runreport_compute(r);
	return r;
}

/* Every fact of a full report is in text, JSON, Markdown and HTML, and
 * every fact of a target's row in CSV. */
static void
test_drift_report(void **state)
{
	struct run_report *r = drift_report();

	(void)state;
	assert_int_equal(r->failover_index, 1);
	assert_non_null(r->targets[0]->path);
	drift_check(r, NULL, 150, 60);
	runreport_free(r);
}

/* The same for a report with nothing in it but its id. */
static void
test_drift_empty(void **state)
{
	struct run_report *r = runreport_new();

	(void)state;
	runreport_add_target(r, "lonely", NULL);
	runreport_compute(r);
	drift_check(r, NULL, 10, 5);
	runreport_free(r);
}

/* The same for an aggregate. */
static void
test_drift_aggregate(void **state)
{
	struct run_report *r = drift_report();
	struct run_aggregate *a = runagg_new("power-test");

	(void)state;
	runagg_add_run(a, r);
	runagg_add_downtime(a, "vm101", 2345 * MS);
	runagg_add_downtime(a, "other", 12345678);
	a->first_ns = T0;
	a->last_ns = T0 + 86400 * S;
	runagg_compute(a);
	drift_check(NULL, a, 20, 15);
	runagg_free(a);
	runreport_free(r);
}

/* A writer that dropped a fact would be caught: the check is not vacuous. */
static void
test_drift_catches(void **state)
{
	struct run_report *r = drift_report();
	char *md = drift_render(r, NULL, RR_FMT_MD);
	char *html = drift_render(r, NULL, RR_FMT_HTML);

	(void)state;
	/* The facts the old Markdown writer dropped. */
	assert_non_null(strstr(md, "| Exit status | 137 (signal 9) |"));
	assert_non_null(strstr(md, "| Command output | 98765 bytes |"));
	assert_non_null(strstr(md, "| Span | Start | End |"));
	/* The style sheet is embedded from report/report.css. */
	assert_non_null(strstr(html, "<style>\nbody{font:14px/1.45 system-ui"));
	assert_non_null(strstr(html, "@media (max-width:760px){body{margin:12px auto;padding:0 10px}"
				     ".plot svg{width:1100px;max-width:none}h1{font-size:19px}}\n"
				     "</style>"));
	free(md);
	free(html);
	runreport_free(r);
}

/* Run the drift tests with local time fixed to UTC. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drift_report),
		cmocka_unit_test(test_drift_empty),
		cmocka_unit_test(test_drift_aggregate),
		cmocka_unit_test(test_drift_catches),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
