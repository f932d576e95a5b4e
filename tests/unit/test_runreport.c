/* test_runreport.c: report arithmetic (percentiles, windows, failover, aggregate), events,
 * bench figures and renderers. */
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
#include "lib/xalloc.h"
#include "report/runreport.h"

/* 2025-09-10T00:34:06Z, the start of the fixed report's monitoring. */
#define T0 (1757464446LL * NSEC_PER_SEC)
#define MS NSEC_PER_MSEC
#define US NSEC_PER_USEC

/* Render r (or a, when r is NULL) in fmt into a malloc'd string. */
static char *
test_render(const struct run_report *r, const struct run_aggregate *a, enum rr_format fmt)
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

/* Occurrences of needle in haystack. */
static size_t
test_count(const char *haystack, const char *needle)
{
	size_t n = 0;

	while ((haystack = strstr(haystack, needle)) != NULL) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

/*
 * The fixed report: monitoring [T0, T0+10s), the command [T0+2s, T0+8s),
 * marker "power cut" at T0+5s; vm101 probed once a second at T0+0.5s ..
 * T0+8.5s, probes at 5.5 s and 6.5 s lost (one burst, also an outage);
 * vm101-ssh has no data at all.
 */
static struct run_report *
test_fixed_report(void)
{
	static const int64_t tx[] = { 500, 1500, 2500, 3500, 4500, 5500, 6500, 7500, 8500 };
	static const int64_t rtt[] = { 1000, 2000, 1500, 500, 3000, -1, -1, 1000, 4000 };
	static const char hv[] = "2025-09-10 00:34:33 average migration speed: 152.3 MiB/s - "
				 "downtime 45 ms\nTASK OK\n";
	struct rr_burst b = {
		RR_BURST, T0 + 5000 * MS, T0 + 7000 * MS, 1000 * MS, 3000 * MS, 2, 0
	};
	struct run_report *r = runreport_new();
	struct rr_target *t;
	struct hvparse *p = hvparse_new();
	size_t i;

	r->id = 7;
	r->kind = RUN_KIND_MIGRATION;
	runreport_set_label(r, "migrate-101");
	runreport_set_command(r, "qm migrate 101 pve2 --online");
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 10000 * MS;
	r->start_ns = T0 + 2000 * MS;
	r->end_ns = T0 + 8000 * MS;
	r->exit_status = 0;
	r->output_bytes = 3437;
	hvparse_feed(p, hv, sizeof(hv) - 1);
	r->hv = *hvparse_result(p);
	hvparse_free(p);
	runreport_add_marker(r, T0 + 5000 * MS, "power cut");
	t = runreport_add_target(r, "vm101", "icmp://192.0.2.10");
	t->sent = 9;
	t->lost = 2;
	for (i = 0; i < 9; i++)
		runreport_add_sample(t, T0 + tx[i] * MS, rtt[i] < 0 ? -1 : rtt[i] * US);
	runreport_add_burst(t, &b);
	b.kind = RR_OUTAGE;
	runreport_add_burst(t, &b);
	runreport_add_target(r, "vm101-ssh", "tcp://192.0.2.10:22");
	runreport_compute(r);
	return r;
}

/* Percentiles of known arrays: n = 0, 1, 2, odd, even, and p95 of 1..20. */
static void
test_percentile(void **state)
{
	static const int64_t one[] = { 7 };
	static const int64_t two[] = { 1000, 2000 };
	static const int64_t four[] = { 10000, 20000, 30000, 40000 };
	static const int64_t five[] = { 1000, 2000, 3000, 4000, 5000 };
	int64_t twenty[20];
	int i;

	(void)state;
	assert_int_equal(runreport_percentile(NULL, 0, 50), -1);
	assert_int_equal(runreport_percentile(one, 1, 0), 7);
	assert_int_equal(runreport_percentile(one, 1, 50), 7);
	assert_int_equal(runreport_percentile(one, 1, 99), 7);
	assert_int_equal(runreport_percentile(one, 1, 100), 7);
	assert_int_equal(runreport_percentile(two, 2, 0), 1000);
	assert_int_equal(runreport_percentile(two, 2, 25), 1250);
	assert_int_equal(runreport_percentile(two, 2, 50), 1500);
	assert_int_equal(runreport_percentile(two, 2, 99), 1990);
	assert_int_equal(runreport_percentile(two, 2, 100), 2000);
	assert_int_equal(runreport_percentile(four, 4, 50), 25000); /* rank 1.5 */
	assert_int_equal(runreport_percentile(four, 4, 99), 39700); /* rank 2.97 */
	assert_int_equal(runreport_percentile(five, 5, 50), 3000);  /* rank 2 */
	assert_int_equal(runreport_percentile(five, 5, 99), 4960);  /* rank 3.96 */
	assert_int_equal(runreport_percentile(five, 5, 75), 4000);
	for (i = 0; i < 20; i++)
		twenty[i] = (20 - i) * 1000;
	runreport_sort(twenty, 20);
	assert_int_equal(twenty[0], 1000);
	assert_int_equal(twenty[19], 20000);
	assert_int_equal(runreport_percentile(twenty, 20, 95), 19050); /* rank 18.05 */
	assert_int_equal(runreport_percentile(twenty, 20, 50), 10500);
}

/* Window percentiles (found by selection) equal those of a full sort, duplicates included. */
static void
test_rtt_select(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 10, 101, 1000, 4099 };
	struct run_report *r;
	struct rr_target *t;
	int64_t *v;
	uint64_t x = 12345;
	size_t s, i, n;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		r = runreport_new();
		t = runreport_add_target(r, "a", NULL);
		v = xreallocarray(NULL, n, sizeof(*v));
		for (i = 0; i < n; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			/* Few distinct values on odd sizes, many on even ones. */
			v[i] = (int64_t)((x >> 33) % (n % 2 ? 7 : 1000000)) * US;
			runreport_add_sample(t, (int64_t)i * MS, v[i]);
		}
		runreport_compute(r);
		runreport_sort(v, n);
		assert_int_equal(t->rtt[RR_DURING].n, n);
		assert_int_equal(t->rtt[RR_DURING].p50_ns, runreport_percentile(v, n, 50));
		assert_int_equal(t->rtt[RR_DURING].p99_ns, runreport_percentile(v, n, 99));
		assert_int_equal(t->rtt[RR_DURING].max_ns, v[n - 1]);
		free(v);
		runreport_free(r);
	}
}

/* [start, end) windows: samples exactly on each boundary go to the later window. */
static void
test_windows(void **state)
{
	struct run_report *r = runreport_new();
	struct rr_target *t = runreport_add_target(r, "a", NULL);

	(void)state;
	r->mon_start_ns = 1000 * MS;
	r->mon_end_ns = 5000 * MS;
	r->start_ns = 2000 * MS;
	r->end_ns = 4000 * MS;
	/* Added out of order on purpose: compute sorts them. */
	runreport_add_sample(t, 4000 * MS, 5 * MS);   /* == end: after */
	runreport_add_sample(t, 999 * MS, 100 * MS);  /* before monitoring: ignored */
	runreport_add_sample(t, 1000 * MS, 1 * MS);   /* == mon start: before */
	runreport_add_sample(t, 1999 * MS, 2 * MS);   /* before */
	runreport_add_sample(t, 2000 * MS, 3 * MS);   /* == start: during */
	runreport_add_sample(t, 3999 * MS, 4 * MS);   /* during */
	runreport_add_sample(t, 3000 * MS, -1);       /* during, lost */
	runreport_add_sample(t, 4999 * MS, 6 * MS);   /* after */
	runreport_add_sample(t, 4500 * MS, -5);       /* after, lost */
	runreport_add_sample(t, 5000 * MS, 200 * MS); /* == mon end: ignored */
	runreport_compute(r);
	assert_int_equal(t->rtt[RR_BEFORE].n, 2);
	assert_int_equal(t->rtt[RR_BEFORE].lost, 0);
	assert_int_equal(t->rtt[RR_BEFORE].max_ns, 2 * MS);
	assert_int_equal(t->rtt[RR_BEFORE].p50_ns, 1500 * US);
	assert_int_equal(t->rtt[RR_DURING].n, 2);
	assert_int_equal(t->rtt[RR_DURING].lost, 1);
	assert_int_equal(t->rtt[RR_DURING].p50_ns, 3500 * US);
	assert_int_equal(t->rtt[RR_DURING].max_ns, 4 * MS);
	assert_int_equal(t->rtt[RR_AFTER].n, 2);
	assert_int_equal(t->rtt[RR_AFTER].lost, 1);
	assert_int_equal(t->rtt[RR_AFTER].p99_ns, 5990 * US);
	assert_int_equal(t->rtt[RR_AFTER].max_ns, 6 * MS);
	/* Answered sends 1000, 1999, 2000, 3999, 4000, 4999: longest gap 1999 ms. */
	assert_int_equal(t->longest_gap_ns, 1999 * MS);

	/* No command span: everything in the monitoring window is "during". */
	r->start_ns = r->end_ns = 0;
	runreport_compute(r);
	assert_int_equal(t->rtt[RR_BEFORE].n, 0);
	assert_int_equal(t->rtt[RR_BEFORE].p50_ns, -1);
	assert_int_equal(t->rtt[RR_DURING].n, 6);
	assert_int_equal(t->rtt[RR_DURING].lost, 2);
	assert_int_equal(t->rtt[RR_AFTER].n, 0);
	runreport_free(r);
}

/* Downtime sums bursts only (outages overlap them), bounds add up, counts. */
static void
test_losses(void **state)
{
	struct run_report *r = runreport_new();
	struct rr_target *t = runreport_add_target(r, "a", "icmp://x");
	struct rr_burst b1 = { RR_BURST, 100 * MS, 130 * MS, 20 * MS, 40 * MS, 3, 0 };
	struct rr_burst b2 = { RR_BURST, 1000 * MS, 3000 * MS, 1990 * MS, 2010 * MS, 200, 0 };
	struct rr_burst b3 = { RR_BURST, 3100 * MS, 3500 * MS, 390 * MS, 410 * MS, 40, 0 };
	struct rr_burst o = { RR_OUTAGE, 1000 * MS, 3500 * MS, 2490 * MS, 2510 * MS, 240, 0 };

	(void)state;
	runreport_add_burst(t, &b3);
	runreport_add_burst(t, &o);
	runreport_add_burst(t, &b1);
	runreport_add_burst(t, &b2);
	runreport_compute(r);
	assert_int_equal(t->bursts[0].start_ns, 100 * MS); /* sorted */
	assert_int_equal(t->ncount[RR_BURST], 3);
	assert_int_equal(t->ncount[RR_OUTAGE], 1);
	assert_int_equal(t->downtime_ns, 2430 * MS);
	assert_int_equal(t->downtime_lower_ns, 2400 * MS);
	assert_int_equal(t->downtime_upper_ns, 2460 * MS);
	assert_int_equal(t->longest_outage_ns, 2500 * MS);
	/* No samples: the longest gap is the largest burst upper bound. */
	assert_int_equal(t->longest_gap_ns, 2010 * MS);
	runreport_free(r);

	/* Only outages given: they are summed instead. */
	r = runreport_new();
	t = runreport_add_target(r, "b", NULL);
	runreport_add_burst(t, &o);
	runreport_compute(r);
	assert_int_equal(t->downtime_ns, 2500 * MS);
	assert_int_equal(t->downtime_lower_ns, 2490 * MS);
	assert_int_equal(t->downtime_upper_ns, 2510 * MS);
	runreport_free(r);
}

/* Failover figures from samples around the outage after the marker. */
static void
test_failover_samples(void **state)
{
	struct run_report *r = test_fixed_report();
	const struct rr_target *t = r->targets[0];

	(void)state;
	assert_int_equal(r->failover_index, 0);
	assert_true(t->failover.valid);
	assert_true(t->failover.from_samples);
	assert_int_equal(t->failover.last_reply_ns, T0 + 4503 * MS);
	assert_int_equal(t->failover.first_reply_ns, T0 + 7501 * MS);
	assert_int_equal(t->failover.to_last_ns, -497 * MS);
	assert_int_equal(t->failover.recovery_ns, 2501 * MS);
	assert_int_equal(t->failover.gap_ns, 2998 * MS);
	assert_false(r->targets[1]->failover.valid);
	/* The other derived figures of the fixed report. */
	assert_int_equal(t->downtime_ns, 2000 * MS);
	assert_int_equal(t->longest_gap_ns, 3000 * MS);
	assert_int_equal(t->rtt[RR_BEFORE].p99_ns, 1990 * US);
	assert_int_equal(t->rtt[RR_DURING].p50_ns, 1250 * US);
	assert_int_equal(t->rtt[RR_DURING].p99_ns, 2955 * US);
	assert_int_equal(t->rtt[RR_DURING].lost, 2);
	assert_int_equal(t->rtt[RR_AFTER].p50_ns, 4 * MS);
	runreport_free(r);
}

/* Without samples the outage estimates stand in; an open outage never recovers. */
static void
test_failover_estimates(void **state)
{
	struct run_report *r = runreport_new();
	struct rr_target *t = runreport_add_target(r, "a", NULL);
	struct rr_target *u = runreport_add_target(r, "b", NULL);
	struct rr_burst before = { RR_OUTAGE, 1000 * MS, 2000 * MS, 0, 0, 10, 0 };
	struct rr_burst blip = { RR_BURST, 5100 * MS, 5130 * MS, 20 * MS, 40 * MS, 3, 0 };
	struct rr_burst main_o = { RR_OUTAGE, 5200 * MS, 9000 * MS, 0, 0, 380, 0 };
	struct rr_burst open_o = { RR_OUTAGE, 4900 * MS, 6000 * MS, 0, 0, 110, 1 };

	(void)state;
	r->kind = RUN_KIND_FAILOVER;
	runreport_add_marker(r, 5000 * MS, "start");
	runreport_add_burst(t, &before);
	runreport_add_burst(t, &blip);
	runreport_add_burst(t, &main_o);
	runreport_add_burst(u, &open_o);
	runreport_compute(r);
	/* A failover run with no keyword marker uses its first marker. */
	assert_int_equal(r->failover_index, 0);
	assert_true(t->failover.valid);
	assert_false(t->failover.from_samples);
	assert_int_equal(t->failover.outage_start_ns, 5200 * MS); /* the outage, not the blip */
	assert_int_equal(t->failover.last_reply_ns, 5200 * MS);
	assert_int_equal(t->failover.to_last_ns, 200 * MS);
	assert_int_equal(t->failover.recovery_ns, 4000 * MS);
	assert_int_equal(t->failover.gap_ns, 3800 * MS);
	assert_true(u->failover.valid);
	assert_int_equal(u->failover.outage_end_ns, -1);
	assert_int_equal(u->failover.first_reply_ns, -1);
	assert_int_equal(u->failover.recovery_ns, -1);
	assert_int_equal(u->failover.gap_ns, -1);
	assert_int_equal(u->failover.to_last_ns, -100 * MS);
	runreport_free(r);
}

/* Which marker is the failover marker. */
static void
test_marker_pick(void **state)
{
	struct run_report *r = runreport_new();

	(void)state;
	runreport_add_marker(r, 3000, "later");
	runreport_add_marker(r, 1000, "begin");
	runreport_add_marker(r, 2000, "Power Cut node1");
	runreport_add_marker(r, 2000, "same time, added later");
	assert_string_equal(r->markers[0].label, "begin");
	assert_string_equal(r->markers[1].label, "Power Cut node1");
	assert_string_equal(r->markers[2].label, "same time, added later");
	assert_string_equal(r->markers[3].label, "later");
	runreport_compute(r);
	assert_int_equal(r->failover_index, 1);
	r->failover_marker = 3;
	runreport_compute(r);
	assert_int_equal(r->failover_index, 3);
	r->failover_marker = 9;
	runreport_compute(r);
	assert_int_equal(r->failover_index, -1);
	r->failover_marker = RR_MARKER_NONE;
	runreport_compute(r);
	assert_int_equal(r->failover_index, -1);
	runreport_free(r);

	/* A migration run whose markers mention no failure has no failover marker. */
	r = runreport_new();
	r->kind = RUN_KIND_MIGRATION;
	runreport_add_marker(r, 1000, "phase 2");
	runreport_compute(r);
	assert_int_equal(r->failover_index, -1);
	runreport_free(r);
}

/* Aggregate: count, min/p50/p95/max per target, a target missing from a run. */
static void
test_aggregate(void **state)
{
	static const int64_t dt[] = { 40, 10, 30, 20, 50 };
	struct run_aggregate *a = runagg_new("migrate-101");
	struct run_report *r;
	struct rr_target *t;
	struct rr_burst b = { RR_BURST, 0, 0, 0, 0, 1, 0 };
	char *s;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		r = runreport_new();
		r->start_ns = T0 + (int64_t)i * 3600 * NSEC_PER_SEC;
		t = runreport_add_target(r, "vm101", NULL);
		b.start_ns = 1000 * MS;
		b.end_ns = b.start_ns + dt[i] * MS;
		runreport_add_burst(t, &b);
		if (i != 2)
			runreport_add_target(r, "vm101-ssh", NULL);
		runreport_compute(r);
		runagg_add_run(a, r);
		runreport_free(r);
	}
	runagg_add_downtime(a, "vm102", 5 * MS);
	runagg_compute(a);
	assert_int_equal(a->nruns, 5);
	assert_int_equal(a->first_ns, T0);
	assert_int_equal(a->last_ns, T0 + 4 * 3600 * NSEC_PER_SEC);
	assert_int_equal(a->ntargets, 3);
	assert_string_equal(a->targets[0]->name, "vm101");
	assert_int_equal(a->targets[0]->n, 5);
	assert_int_equal(a->targets[0]->min_ns, 10 * MS);
	assert_int_equal(a->targets[0]->p50_ns, 30 * MS);
	assert_int_equal(a->targets[0]->p95_ns, 48 * MS); /* rank 3.8: 40 + 0.8 * 10 */
	assert_int_equal(a->targets[0]->max_ns, 50 * MS);
	assert_int_equal(a->targets[1]->n, 4);
	assert_int_equal(a->targets[1]->max_ns, 0);
	assert_int_equal(a->targets[2]->n, 1);
	assert_int_equal(a->targets[2]->p95_ns, 5 * MS);

	s = test_render(NULL, a, RR_FMT_JSON);
	assert_string_equal(
		s,
		"{\"label\":\"migrate-101\",\"runs\":5,"
		"\"first\":\"2025-09-10T00:34:06.000000Z\",\"last\":\"2025-09-10T04:34:06."
		"000000Z\","
		"\"targets\":[{\"target\":\"vm101\",\"runs\":5,\"min_ms\":10.000,\"p50_ms\":30.000,"
		"\"p95_ms\":48.000,\"max_ms\":50.000},{\"target\":\"vm101-ssh\",\"runs\":4,"
		"\"min_ms\":0.000,\"p50_ms\":0.000,\"p95_ms\":0.000,\"max_ms\":0.000},"
		"{\"target\":\"vm102\",\"runs\":1,\"min_ms\":5.000,\"p50_ms\":5.000,\"p95_ms\":5."
		"000,"
		"\"max_ms\":5.000}]}\n");
	free(s);
	s = test_render(NULL, a, RR_FMT_CSV);
	assert_string_equal(s, "label,target,runs,min_ms,p50_ms,p95_ms,max_ms\n"
			       "migrate-101,vm101,5,10.000,30.000,48.000,50.000\n"
			       "migrate-101,vm101-ssh,4,0.000,0.000,0.000,0.000\n"
			       "migrate-101,vm102,1,5.000,5.000,5.000,5.000\n");
	free(s);
	s = test_render(NULL, a, RR_FMT_TEXT);
	assert_non_null(strstr(s, "  vm101          5      10.000ms      30.000ms      48.000ms"
				  "      50.000ms\n"));
	free(s);
	s = test_render(NULL, a, RR_FMT_MD);
	assert_non_null(strstr(s, "| vm101 | 5 | 10.000ms | 30.000ms | 48.000ms | 50.000ms |\n"));
	free(s);
	s = test_render(NULL, a, RR_FMT_HTML);
	assert_non_null(strstr(s, "<!DOCTYPE html>"));
	assert_non_null(strstr(s, "<td class=\"n dt\">30.000ms</td>"));
	free(s);
	runagg_free(a);
	runagg_free(NULL);
}

/* JSON of the fixed report, exactly: RFC 3339 UTC times, ms with 3 decimals, nulls. */
static void
test_render_json(void **state)
{
	struct run_report *r = test_fixed_report();
	char *s = test_render(r, NULL, RR_FMT_JSON);

	(void)state;
	assert_string_equal(
		s,
		"{\"run\":{\"id\":7,\"label\":\"migrate-101\",\"kind\":\"migration\","
		"\"command\":\"qm migrate 101 pve2 --online\","
		"\"start\":\"2025-09-10T00:34:08.000000Z\",\"end\":\"2025-09-10T00:34:14.000000Z\","
		"\"duration_ms\":6000.000,\"exit_status\":0,\"exit_signal\":null,\"output_bytes\":"
		"3437,"
		"\"monitor_start\":\"2025-09-10T00:34:06.000000Z\","
		"\"monitor_end\":\"2025-09-10T00:34:16.000000Z\",\"unknown_ms\":0.000,"
		"\"timing\":null},"
		"\"hypervisor\":{\"downtime_source\":\"tasklog\",\"downtime_ms\":45.000,"
		"\"downtime_count\":1,\"qmp_pause_ms\":null,\"duration_ms\":null,\"qmp_total_ms\":"
		"null,"
		"\"transferred_bytes\":null,\"transferred_source\":null,"
		"\"speed_limit_bytes_per_s\":null,\"migrate_start\":null,"
		"\"migrate_done\":null,\"downtime_limits\":[],\"migrate_error\":null,"
		"\"task_status\":\"ok\",\"task_warnings\":null,\"task_error\":null,\"error_lines\":"
		"0,"
		"\"warn_lines\":0,\"first_error\":null,\"backup_vmid\":null,\"backup_type\":null,"
		"\"backup_count\":null,\"backup_failed\":null,"
		"\"backup_duration_ms\":null,\"backup_transfer_ms\":null,\"backup_bytes\":null,"
		"\"archive_bytes\":null,\"guest_pause_ms\":null,\"backup_job\":null,"
		"\"ha_events_dropped\":0,\"ha_events\":[]},"
		"\"markers\":[{\"label\":\"power cut\",\"time\":\"2025-09-10T00:34:11.000000Z\"}],"
		"\"spans\":[],\"unknown\":[],\"events\":[],\"bench\":[],"
		"\"failover_marker\":{\"label\":\"power cut\","
		"\"time\":\"2025-09-10T00:34:11.000000Z\"},\"targets\":[{\"target\":\"vm101\","
		"\"url\":\"icmp://192.0.2.10\",\"path\":null,\"downtime_ms\":2000.000,"
		"\"downtime_lower_ms\":1000.000,\"downtime_upper_ms\":3000.000,\"bursts\":1,"
		"\"outages\":1,\"longest_outage_ms\":2000.000,\"longest_gap_ms\":3000.000,\"sent\":"
		"9,"
		"\"lost\":2,\"unknown_ms\":0.000,\"rtt\":{\"before\":{\"n\":2,\"lost\":0,\"p50_"
		"ms\":1.500,"
		"\"p99_ms\":1.990,\"max_ms\":2.000},\"during\":{\"n\":4,\"lost\":2,\"p50_ms\":1."
		"250,"
		"\"p99_ms\":2.955,\"max_ms\":3.000},\"after\":{\"n\":1,\"lost\":0,\"p50_ms\":4.000,"
		"\"p99_ms\":4.000,\"max_ms\":4.000}},\"failover\":{\"from_samples\":true,"
		"\"outage_start\":\"2025-09-10T00:34:11.000000Z\","
		"\"outage_end\":\"2025-09-10T00:34:13.000000Z\","
		"\"last_reply\":\"2025-09-10T00:34:10.503000Z\","
		"\"first_reply\":\"2025-09-10T00:34:13.501000Z\",\"to_last_reply_ms\":-497.000,"
		"\"recovery_ms\":2501.000,\"gap_ms\":2998.000},\"losses\":[{\"kind\":\"burst\","
		"\"start\":\"2025-09-10T00:34:11.000000Z\",\"end\":\"2025-09-10T00:34:13.000000Z\","
		"\"duration_ms\":2000.000,\"lower_ms\":1000.000,\"upper_ms\":3000.000,\"lost\":2,"
		"\"end_state\":\"closed\"},{\"kind\":\"outage\",\"start\":\"2025-09-10T00:34:11."
		"000000Z\","
		"\"end\":\"2025-09-10T00:34:13.000000Z\",\"duration_ms\":2000.000,"
		"\"lower_ms\":1000.000,\"upper_ms\":3000.000,\"lost\":2,\"end_state\":\"closed\"}]}"
		","
		"{\"target\":\"vm101-ssh\",\"url\":\"tcp://192.0.2.10:22\",\"path\":null,"
		"\"downtime_ms\":0.000,"
		"\"downtime_lower_ms\":0.000,\"downtime_upper_ms\":0.000,\"bursts\":0,\"outages\":"
		"0,"
		"\"longest_outage_ms\":null,\"longest_gap_ms\":null,\"sent\":0,\"lost\":0,"
		"\"unknown_ms\":0.000,"
		"\"rtt\":{\"before\":{\"n\":0,\"lost\":0,\"p50_ms\":null,\"p99_ms\":null,"
		"\"max_ms\":null},\"during\":{\"n\":0,\"lost\":0,\"p50_ms\":null,\"p99_ms\":null,"
		"\"max_ms\":null},\"after\":{\"n\":0,\"lost\":0,\"p50_ms\":null,\"p99_ms\":null,"
		"\"max_ms\":null}},\"failover\":null,\"losses\":[]}]}\n");
	free(s);
	runreport_free(r);
}

/* CSV of the fixed report, exactly: one row per target, empty fields for unknown. */
static void
test_render_csv(void **state)
{
	struct run_report *r = test_fixed_report();
	char *s = test_render(r, NULL, RR_FMT_CSV);

	(void)state;
	assert_string_equal(
		s,
		"run_id,label,kind,start,end,exit_status,target,url,downtime_ms,downtime_lower_ms,"
		"downtime_upper_ms,bursts,outages,longest_outage_ms,longest_gap_ms,sent,lost,"
		"unknown_ms,"
		"rtt_before_p50_ms,rtt_before_p99_ms,rtt_before_max_ms,rtt_during_p50_ms,"
		"rtt_during_p99_ms,rtt_during_max_ms,rtt_after_p50_ms,rtt_after_p99_ms,"
		"rtt_after_max_ms,failover_to_last_reply_ms,failover_recovery_ms,failover_gap_ms,"
		"hv_downtime_ms,path\n7,migrate-101,migration,2025-09-10T00:34:08.000000Z,"
		"2025-09-10T00:34:14.000000Z,0,vm101,icmp://"
		"192.0.2.10,2000.000,1000.000,3000.000,1,"
		"1,2000.000,3000.000,9,2,0.000,1.500,1.990,2.000,1.250,2.955,3.000,4.000,4.000,4."
		"000,"
		"-497.000,2501.000,2998.000,45.000,\n7,migrate-101,migration,"
		"2025-09-10T00:34:08.000000Z,2025-09-10T00:34:14.000000Z,0,vm101-ssh,"
		"tcp://192.0.2.10:22,0.000,0.000,0.000,0,0,,,0,0,0.000,,,,,,,,,,,,,45.000,\n");
	free(s);
	runreport_free(r);
}

/* Text of the fixed report, exactly (TZ=UTC). */
static void
test_render_text(void **state)
{
	struct run_report *r = test_fixed_report();
	char *s = test_render(r, NULL, RR_FMT_TEXT);

	(void)state;
	assert_string_equal(
		s, "Run 7  migrate-101  (migration)\n"
		   "  command                qm migrate 101 pve2 --online\n"
		   "  started                2025-09-10 00:34:08.000\n"
		   "  ended                  2025-09-10 00:34:14.000  (6.000s)\n"
		   "  exit status            0\n"
		   "  output                 3437 bytes\n"
		   "  monitored              2025-09-10 00:34:06.000 .. 2025-09-10 00:34:16.000\n"
		   "\n"
		   "Hypervisor\n"
		   "  QEMU downtime          45 ms (task log)\n"
		   "  Task status            OK\n"
		   "\n"
		   "Targets\n"
		   "  TARGET         DOWNTIME  BOUNDS                     BURSTS  OUTAGES   "
		   "LONGEST GAP      SENT    LOST\n"
		   "  vm101            2.000s  [1.000s, 3.000s]                1        1        "
		   "3.000s         9       2\n"
		   "  vm101-ssh       0.000ms  [0.000ms, 0.000ms]              0        0          "
		   "   -         0       0\n"
		   "  vm101      url: icmp://192.0.2.10\n"
		   "  vm101-ssh  url: tcp://192.0.2.10:22\n"
		   "  vm101      longest outage: 2.000s\n"
		   "\n"
		   "RTT ms, p50 / p99 / max\n"
		   "  TARGET     BEFORE                      DURING                      AFTER\n"
		   "  vm101      1.500 / 1.990 / 2.000       1.250 / 2.955 / 3.000       4.000 / "
		   "4.000 / 4.000\n"
		   "  vm101-ssh  -                           -                           -\n"
		   "\n"
		   "Failover from marker \"power cut\" at 2025-09-10 00:34:11.000\n"
		   "  TARGET     LAST REPLY    FIRST REPLY        TO LAST      RECOVERY           "
		   "GAP\n"
		   "  vm101      00:34:10.503  00:34:13.501    -497.000ms        2.501s        "
		   "2.998s\n"
		   "  vm101-ssh  no outage after the marker\n"
		   "\n"
		   "Markers\n"
		   "  2025-09-10 00:34:11.000  power cut\n"
		   "\n"
		   "Loss periods of vm101\n"
		   "  burst   2025-09-10 00:34:11.000        2.000s  [1.000s, 3.000s]  2 lost\n"
		   "  outage  2025-09-10 00:34:11.000        2.000s  [1.000s, 3.000s]  2 lost\n");
	free(s);
	runreport_free(r);
}

/* Markdown of the fixed report: the tables a ticket needs. */
static void
test_render_md(void **state)
{
	struct run_report *r = test_fixed_report();
	char *s = test_render(r, NULL, RR_FMT_MD);

	(void)state;
	assert_non_null(strstr(s, "### hamon run 7: migrate-101 (migration)\n"));
	assert_non_null(strstr(s, "| QEMU downtime | 45 ms (task log) |\n"));
	assert_non_null(
		strstr(s, "| vm101 | 2.000s | 1.000s .. 3.000s | 1 | 1 | 3.000s | 9 | 2 |\n"));
	assert_non_null(strstr(s, "| vm101 | 1.500 / 1.990 / 2.000 | 1.250 / 2.955 / 3.000 | "
				  "4.000 / 4.000 / 4.000 |\n"));
	assert_non_null(strstr(s, "| vm101 | 2025-09-10 00:34:10.503 | 2025-09-10 00:34:13.501 | "
				  "-497.000ms | 2.501s | 2.998s |\n"));
	assert_non_null(strstr(s, "| vm101-ssh | no outage | - | - | - | - |\n"));
	/* Drift that the row model fixed: Markdown shows these as text does. */
	assert_non_null(strstr(s, "| Command output | 3437 bytes |\n"));
	assert_non_null(
		strstr(s, "| Monitored | 2025-09-10 00:34:06.000 .. 2025-09-10 00:34:16.000 |\n"));
	free(s);
	runreport_free(r);
}

/* HTML: one outage rect per outage, self-contained, every string escaped. */
static void
test_render_html(void **state)
{
	struct run_report *r = test_fixed_report();
	struct rr_target *t = r->targets[1];
	struct rr_burst o = { RR_OUTAGE, T0 + 1000 * MS, T0 + 1500 * MS, 0, 0, 5, 0 };
	struct rr_burst b = { RR_BURST, T0 + 9000 * MS, T0 + 9010 * MS, 0, 20 * MS, 1, 0 };
	char *s;

	(void)state;
	runreport_set_label(r, "a<b>&\"c'");
	runreport_add_marker(r, T0 + 6000 * MS, "<script>alert(1)</script>");
	runreport_add_burst(t, &o);
	o.start_ns = T0 + 9500 * MS;
	o.end_ns = T0 + 9900 * MS;
	o.open = 1;
	runreport_add_burst(t, &o);
	runreport_add_burst(t, &b);
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_int_equal(test_count(s, "class=\"outage\""), 3);
	assert_int_equal(test_count(s, "class=\"burst\""), 1);
	assert_int_equal(test_count(s, "<svg "), 2);
	assert_int_equal(test_count(s, "</svg>"), 2);
	assert_int_equal(test_count(s, "class=\"marker\""), 4);
	assert_non_null(strstr(s, "<!DOCTYPE html>"));
	assert_non_null(strstr(s, "</html>\n"));
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "http"));
	assert_null(strstr(s, "url("));
	assert_null(strstr(s, "@import"));
	assert_null(strstr(s, "a<b>"));
	assert_non_null(strstr(s, "<h1>hamon run 7: a&lt;b&gt;&amp;&quot;c&#39;</h1>"));
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	/* No unknown windows: no bands, no legend entry, no column. */
	assert_int_equal(test_count(s, "class=\"unknown\""), 0);
	assert_int_equal(test_count(s, "sw sw-u"), 0);
	assert_null(strstr(s, "<th>Unknown</th>"));
	free(s);
	runreport_free(r);
}

/* Escaping per format of a label with <>&"' and a comma, a quote and a newline. */
static void
test_escaping(void **state)
{
	struct run_report *r = runreport_new();
	char *s;
	FILE *fp;
	size_t len;

	(void)state;
	runreport_set_label(r, "x<>&\"',y\nz|*\x01\xff");
	runreport_add_target(r, "t,1\"", "tcp://h:22");
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_CSV);
	assert_non_null(
		strstr(s, "\n0,\"x<>&\"\"',y\nz|*\x01\xff\",custom,,,,\"t,1\"\"\",tcp://h:22,"));
	free(s);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(s, "\"label\":\"x<>&\\\"',y\\nz|*\\u0001\\ufffd\""));
	assert_non_null(strstr(s, "\"target\":\"t,1\\\"\""));
	free(s);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(strstr(s, "Run 0  x<>&\"',y\\x0az|*\\x01\\xff  (custom)\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(strstr(s, "### hamon run 0: x\\<\\>&amp;\"',y\\\\x0az\\|\\*\\\\x01\\\\xff "
				  "(custom)\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_non_null(strstr(s, "x&lt;&gt;&amp;&quot;&#39;,y\\x0az|*\\x01&#xfffd;"));
	free(s);
	/* Valid UTF-8 passes through everywhere. */
	fp = open_memstream(&s, &len);
	runreport_write_escaped(fp, RR_FMT_TEXT, "m\xc3\xbcnchen \xe2\x80\x94 \xc2\x85");
	runreport_write_escaped(fp, RR_FMT_JSON, "\xc3\xbc\xed\xa0\x80");
	runreport_write_escaped(fp, RR_FMT_CSV, "plain");
	fclose(fp);
	assert_string_equal(s, "m\xc3\xbcnchen \xe2\x80\x94 \\xc2\\x85"
			       "\"\xc3\xbc\\ufffd\\ufffd\\ufffd\"plain");
	free(s);
	runreport_free(r);
}

/* A million samples: at most RR_SVG_MAX_POINTS points, and one spike survives. */
static void
test_html_decimation(void **state)
{
	struct run_report *r = runreport_new();
	struct rr_target *t = runreport_add_target(r, "big", NULL);
	char *s, *p;
	size_t i, points = 0;

	(void)state;
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 1000000 * MS;
	for (i = 0; i < 1000000; i++)
		runreport_add_sample(t, T0 + (int64_t)i * MS, i == 654321 ? 500 * MS : 1 * MS);
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_HTML);
	for (p = s; (p = strstr(p, "points=\"")) != NULL; p++) {
		p += 8;
		points++;
		while (*p != '"') {
			if (*p == ' ')
				points++;
			p++;
		}
	}
	assert_true(points <= RR_SVG_MAX_POINTS);
	assert_true(points >= RR_SVG_MAX_POINTS / 2);
	/* Axis 1 ms .. 1 s (3 decades) over y 236 .. 48: 500 ms sits at y 66.9. */
	assert_non_null(strstr(s, ",66.9"));
	assert_true(strlen(s) < 200000);
	free(s);
	runreport_free(r);
}

/*
 * Unknown time is the union of the windows that apply, clipped to the
 * monitoring window: overlaps count once, a window of one target adds to it
 * alone, a name that is no target is ignored, a reversed window is empty.
 */
static void
test_unknown_union(void **state)
{
	struct run_report *r = runreport_new();
	struct rr_target *a = runreport_add_target(r, "a", NULL);
	struct rr_target *b = runreport_add_target(r, "b", NULL);

	(void)state;
	r->mon_start_ns = 1000 * MS;
	r->mon_end_ns = 10000 * MS;
	/* Added out of order on purpose: they are kept in start order. */
	runreport_add_unknown(r, 9800 * MS, 12000 * MS, NULL, "clock step"); /* past the end */
	runreport_add_unknown(r, 2000 * MS, 3000 * MS, NULL, "stall");
	runreport_add_unknown(r, 2500 * MS, 3500 * MS, NULL, "egress down"); /* overlaps */
	runreport_add_unknown(r, 3200 * MS, 4000 * MS, "a", "sends fail");   /* a only */
	runreport_add_unknown(r, 500 * MS, 1500 * MS, NULL, "stall");        /* before the start */
	runreport_add_unknown(r, 5000 * MS, 6000 * MS, "zzz", "no such target");
	runreport_add_unknown(r, 7000 * MS, 6000 * MS, "b", "reversed");
	runreport_add_unknown(r, 6000 * MS, 6500 * MS, "b", "sends fail");
	runreport_add_unknown(r, 6500 * MS, 7000 * MS, "b", "sends fail"); /* adjacent */
	runreport_compute(r);
	assert_int_equal(r->nunknowns, 9);
	assert_int_equal(r->unknowns[0].start_ns, 500 * MS);
	assert_int_equal(r->unknowns[8].start_ns, 9800 * MS);
	assert_int_equal(r->unknowns[7].end_ns, 7000 * MS); /* the reversed one, emptied */
	assert_int_equal(r->unknowns[7].start_ns, 7000 * MS);
	assert_string_equal(r->unknowns[4].target, "zzz");
	assert_false(r->unknowns[4].matched);
	assert_true(r->unknowns[3].matched);
	assert_true(r->unknowns[0].matched);
	/* Every target: [1000,1500) + [2000,3500) + [9800,10000) = 500 + 1500 + 200. */
	assert_int_equal(r->unknown_ns, 2200 * MS);
	/* a: [2000,3500) grows to [2000,4000). */
	assert_int_equal(a->unknown_ns, 2700 * MS);
	/* b: [6000,7000) on top. */
	assert_int_equal(b->unknown_ns, 3200 * MS);

	/* Unknown monitoring window: nothing is clipped. */
	r->mon_start_ns = r->mon_end_ns = 0;
	runreport_compute(r);
	assert_int_equal(r->unknown_ns, 4700 * MS);
	assert_int_equal(a->unknown_ns, 5200 * MS);
	assert_int_equal(b->unknown_ns, 5700 * MS);
	/* Only its end known: clipped there alone. */
	r->mon_end_ns = 10000 * MS;
	runreport_compute(r);
	assert_int_equal(r->unknown_ns, 2700 * MS);
	/* A window over the whole monitoring window makes all of it unknown. */
	r->mon_start_ns = 1000 * MS;
	runreport_add_unknown(r, 0, 20000 * MS, "b", "link down");
	runreport_compute(r);
	assert_int_equal(b->unknown_ns, 9000 * MS);
	assert_int_equal(a->unknown_ns, 2700 * MS);
	assert_int_equal(r->unknown_ns, 2200 * MS);
	runreport_free(r);

	/* Nothing recorded: all zero. */
	r = runreport_new();
	a = runreport_add_target(r, "a", NULL);
	runreport_compute(r);
	assert_int_equal(r->unknown_ns, 0);
	assert_int_equal(a->unknown_ns, 0);
	assert_false(r->timing.known);
	runreport_free(r);
}

/* The fixed report with a 300.261 ms stall of every target at T0+3s, 1 s of
 * failed sends to vm101-ssh at T0+6s, a window of no target, and timing. */
static struct run_report *
test_unknown_report(void)
{
	struct run_report *r = test_fixed_report();

	runreport_add_unknown(r, T0 + 6000 * MS, T0 + 7000 * MS, "vm101-ssh",
			      "sends fail here: Network is unreachable");
	runreport_add_unknown(r, T0 + 3000 * MS, T0 + 3000 * MS + 300261 * US, NULL,
			      "monitor stalled (timer 300.0 ms late)");
	runreport_add_unknown(r, T0 + 4000 * MS, T0 + 5000 * MS, "vm999", "ignored");
	runreport_set_timing(r, &(struct rr_timing){ 1, 270, 30, 36900, 1966100, 300261400 });
	runreport_compute(r);
	return r;
}

/* Every format shows the unknown windows, the figures and the timing line. */
static void
test_unknown_render(void **state)
{
	struct run_report *r = test_unknown_report();
	char *s;

	(void)state;
	assert_int_equal(r->unknown_ns, 300261 * US);
	assert_int_equal(r->targets[0]->unknown_ns, 300261 * US);
	assert_int_equal(r->targets[1]->unknown_ns, 1300261 * US);

	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(
		strstr(s, "\"monitor_end\":\"2025-09-10T00:34:16.000000Z\","
			  "\"unknown_ms\":300.261,\"timing\":{\"sends\":270,\"lag_p50_us\":36.9,"
			  "\"lag_p99_us\":1966.1,\"lag_max_us\":300261.4,\"skipped\":30}},"));
	assert_non_null(
		strstr(s, "\"spans\":[],\"unknown\":[{\"start\":"
			  "\"2025-09-10T00:34:09.000000Z\",\"end\":\"2025-09-10T00:34:09.300261Z\","
			  "\"duration_ms\":300.261,\"target\":null,"
			  "\"reason\":\"monitor stalled (timer 300.0 ms late)\"},"
			  "{\"start\":\"2025-09-10T00:34:12.000000Z\",\"end\":\"2025-09-10T00:34:"
			  "13.000000Z\","
			  "\"duration_ms\":1000.000,\"target\":\"vm101-ssh\","
			  "\"reason\":\"sends fail here: Network is unreachable\"}],\"events\":[],"
			  "\"bench\":[],\"failover_marker\":"));
	assert_non_null(strstr(s, "\"sent\":9,\"lost\":2,\"unknown_ms\":300.261,\"rtt\":"));
	assert_non_null(strstr(s, "\"sent\":0,\"lost\":0,\"unknown_ms\":1300.261,\"rtt\":"));
	assert_null(strstr(s, "vm999"));
	free(s);

	s = test_render(r, NULL, RR_FMT_CSV);
	assert_non_null(strstr(s, ",vm101,icmp://192.0.2.10,2000.000,1000.000,3000.000,1,1,"
				  "2000.000,3000.000,9,2,300.261,1.500,"));
	assert_non_null(strstr(s, ",vm101-ssh,tcp://192.0.2.10:22,0.000,0.000,0.000,0,0,,,0,0,"
				  "1300.261,,"));
	free(s);

	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(strstr(s, "  monitored              2025-09-10 00:34:06.000 .. "
				  "2025-09-10 00:34:16.000\n"
				  "  unknown                300.261ms in 1 window (monitor stalled "
				  "(timer 300.0 ms late)); "
				  "1 window for single targets\n"
				  "  timing                 sends 270, lag p50 36.9 us, p99 1966.1 "
				  "us, max 300261.4 us, "
				  "30 deadlines skipped\n"));
	assert_non_null(strstr(s, "    SENT    LOST       UNKNOWN\n"));
	assert_non_null(strstr(s, "         9       2     300.261ms\n"));
	assert_non_null(strstr(s, "         0       0        1.300s\n"));
	assert_non_null(strstr(s, "\nUnknown windows (losses inside are not counted)\n"
				  "  2025-09-10 00:34:09.000     300.261ms  all targets  "
				  "monitor stalled (timer 300.0 ms late)\n"
				  "  2025-09-10 00:34:12.000        1.000s  vm101-ssh  "
				  "sends fail here: Network is unreachable\n"));
	assert_null(strstr(s, "vm999"));
	free(s);

	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(strstr(s, "| Unknown | 300.261ms in 1 window (monitor stalled (timer 300.0 "
				  "ms late)); 1 window for single targets |\n"));
	assert_non_null(strstr(s, "| Timing | sends 270, lag p50 36.9 us, p99 1966.1 us, "
				  "max 300261.4 us, 30 deadlines skipped |\n"));
	assert_non_null(
		strstr(s, "| Sent | Lost | Unknown |\n|---|--:|---|--:|--:|--:|--:|--:|--:|\n"));
	assert_non_null(strstr(s, "| vm101 | 2.000s | 1.000s .. 3.000s | 1 | 1 | 3.000s | 9 | 2 | "
				  "300.261ms |\n"));
	assert_non_null(strstr(s, "| 2025-09-10 00:34:12.000 | 1.000s | vm101-ssh | sends fail "
				  "here: Network is unreachable |\n"));
	free(s);

	s = test_render(r, NULL, RR_FMT_HTML);
	/* One band on vm101 (the stall), two on vm101-ssh (the stall and its own). */
	assert_int_equal(test_count(s, "<rect class=\"unknown\""), 3);
	/* 10 s over x 64 .. 1084: 3 s is at x 370, 300.261 ms is 30.6 wide. */
	assert_int_equal(test_count(s, "<rect class=\"unknown\" x=\"370.0\" y=\"48\" "
				       "width=\"30.6\" height=\"188\"><title>unknown 300.261ms: "
				       "monitor stalled (timer "
				       "300.0 ms late)</title></rect>"),
			 2);
	assert_non_null(strstr(s, "<rect class=\"unknown\" x=\"676.0\" y=\"48\" "
				  "width=\"102.0\" height=\"188\">"));
	assert_int_equal(test_count(s, "<i class=\"sw sw-u\"></i>"), 1);
	assert_non_null(strstr(s,
			       "<tr><th>Unknown</th><td>300.261ms in 1 window (monitor stalled "
			       "(timer 300.0 ms late)); 1 window for single targets</td></tr>\n"));
	assert_non_null(strstr(s, "<tr><th>Timing</th><td>sends 270, lag p50 36.9 us, "));
	assert_non_null(strstr(s, "<th>Lost</th><th>Unknown</th>"));
	assert_non_null(strstr(s, ", unknown 1.300s</p>"));
	assert_null(strstr(s, "vm999"));
	free(s);
	runreport_free(r);
}

/* A reason with <>&" and a newline is escaped in every format; a second
 * timing replaces the first. */
static void
test_unknown_escaping(void **state)
{
	struct run_report *r = runreport_new();
	char *s;

	(void)state;
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 10000 * MS;
	runreport_add_target(r, "a", NULL);
	runreport_add_unknown(r, T0 + 1000 * MS, T0 + 2000 * MS, NULL, "x<b>&\"y\"\nz");
	runreport_set_timing(r, &(struct rr_timing){ 1, 1, 0, 1000, 1000, 1000 });
	runreport_set_timing(r, &(struct rr_timing){ 1, 2, 0, 2000, 2000, 2000 }); /* replaces */
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(s, "\"reason\":\"x<b>&\\\"y\\\"\\nz\"}"));
	assert_non_null(strstr(s, "\"timing\":{\"sends\":2,\"lag_p50_us\":2.0,\"lag_p99_us\":2.0,"
				  "\"lag_max_us\":2.0,\"skipped\":0}}"));
	free(s);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_null(strstr(s, "x<b>"));
	/* Summary, band title and table row. */
	assert_int_equal(test_count(s, "x&lt;b&gt;&amp;&quot;y&quot;\\x0az"), 3);
	assert_non_null(strstr(
		s,
		"<td>sends 2, lag p50 2.0 us, p99 2.0 us, max 2.0 us, 0 deadlines skipped</td>"));
	free(s);
	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(
		strstr(s, "| Unknown | 1.000s in 1 window (x\\<b\\>&amp;\"y\"\\\\x0az) |\n"));
	assert_non_null(strstr(s, "| Timing | sends 2, lag p50 2.0 us, p99 2.0 us, max 2.0 us, 0 "
				  "deadlines skipped |\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(strstr(s, "1.000s in 1 window (x<b>&\"y\"\\x0az)\n"));
	assert_non_null(strstr(s, "  timing                 sends 2, lag p50 2.0 us, p99 2.0 us, "
				  "max 2.0 us, 0 deadlines skipped\n"));
	assert_null(strstr(s, "\nz"));
	free(s);
	runreport_set_timing(r, NULL);
	assert_false(r->timing.known);
	runreport_free(r);
}

/*
 * The fixed report with network and monitor events and bench figures: a
 * neighbour FAILED and a crash event before the "power cut" marker, vm101's
 * link down and up around it, its path, a clock step of no target, one of a
 * target that is no target here, and a bench run at T0+3s (added out of order).
 */
static struct run_report *
test_events_report(void)
{
	struct run_report *r = test_fixed_report();
	char buf[64];

	runreport_add_event(r, T0 + 5500 * MS, "vm101", "link", "link hm0 up (operstate up)");
	runreport_add_event(r, T0 + 5200 * MS, "vm101", "link", "link hm0 down (operstate down)");
	snprintf(buf, sizeof(buf), "neighbour 198.18.45.2 dev hm0 FAILED");
	runreport_add_event(r, T0 + 1000 * MS, "vm101", "neigh", buf);
	buf[0] = 'X'; /* the report holds a copy */
	runreport_add_event(r, T0 + 1000 * MS, NULL, "crash", "monitor crashed (power failure)");
	runreport_add_event(r, T0 + 100 * MS, "vm101", RR_EVENT_PATH, "via eth0 src 198.18.0.1");
	runreport_add_event(r, T0 + 9000 * MS, NULL, "clock-step", "wall clock stepped by +2.0 ms");
	runreport_add_event(r, T0 + 9100 * MS, "vm999", "link", "link other down");
	runreport_add_bench(r, T0 + 3000 * MS, "during", "mem", "copy", 12.5, "GiB/s");
	runreport_add_bench(r, T0 + 3000 * MS, "during", "mem", "latency", 81.25, "ns");
	runreport_add_bench(r, T0 + 2500 * MS, "before", "cpu", "events_1thread", 1000, "events/s");
	runreport_compute(r);
	return r;
}

/* Events and bench figures are copied and kept in time order; a target's
 * path is its latest "path" event. */
static void
test_events_model(void **state)
{
	struct run_report *r = test_events_report();

	(void)state;
	assert_int_equal(r->nevents, 7);
	assert_int_equal(r->events[0].ts_ns, T0 + 100 * MS);
	assert_string_equal(r->events[1].text, "neighbour 198.18.45.2 dev hm0 FAILED");
	assert_string_equal(r->events[1].target, "vm101");
	assert_string_equal(r->events[2].kind, "crash"); /* same time, added later */
	assert_null(r->events[2].target);
	assert_string_equal(r->events[3].text, "link hm0 down (operstate down)");
	assert_string_equal(r->events[4].text, "link hm0 up (operstate up)");
	assert_string_equal(r->events[5].kind, "clock-step");
	assert_string_equal(r->targets[0]->path, "via eth0 src 198.18.0.1");
	assert_null(r->targets[1]->path);
	assert_int_equal(r->nbench, 3);
	assert_string_equal(r->bench[0].label, "before");
	assert_string_equal(r->bench[1].metric, "copy");
	assert_string_equal(r->bench[2].metric, "latency");
	assert_true(r->bench[2].value == 81.25);
	/* A later path replaces the earlier one; NULL strings are stored as "". */
	runreport_add_event(r, T0 + 8000 * MS, "vm101", RR_EVENT_PATH, "via hm1 src 198.18.1.1");
	runreport_add_event(r, T0 + 8000 * MS, NULL, NULL, NULL);
	runreport_add_bench(r, T0, NULL, NULL, NULL, 1, NULL);
	runreport_compute(r);
	assert_string_equal(r->targets[0]->path, "via hm1 src 198.18.1.1");
	assert_string_equal(r->events[5].text, "via hm1 src 198.18.1.1");
	assert_string_equal(r->events[6].kind, "");
	assert_string_equal(r->events[6].text, "");
	assert_null(r->events[6].target);
	assert_string_equal(r->bench[0].label, "");
	assert_string_equal(r->bench[0].unit, "");
	runreport_free(r);
}

/*
 * Events are never markers: a neighbour "FAILED" or a "crash" event does not
 * become the failover marker, neither with no marker at all (a failover run
 * would take its first marker) nor before a real one.
 */
static void
test_events_not_markers(void **state)
{
	struct run_report *r = runreport_new();
	char *s;

	(void)state;
	r->kind = RUN_KIND_FAILOVER;
	runreport_add_target(r, "vm", NULL);
	runreport_add_event(r, 1000, "vm", "neigh", "neighbour 198.18.45.2 dev hm0 FAILED");
	runreport_add_event(r, 2000, NULL, "crash", "power failure, fence, cut");
	runreport_compute(r);
	assert_int_equal(r->nmarkers, 0);
	assert_int_equal(r->failover_index, -1);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(s, "\"markers\":[],"));
	assert_non_null(strstr(s, "\"failover_marker\":null,"));
	free(s);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_null(strstr(s, "Failover from marker"));
	assert_null(strstr(s, "\nMarkers\n"));
	free(s);
	runreport_free(r);

	r = test_events_report();
	assert_int_equal(r->nmarkers, 1);
	assert_int_equal(r->failover_index, 0);
	assert_string_equal(r->markers[r->failover_index].label, "power cut");
	/* The failover figures are still measured from the marker at T0+5s. */
	assert_int_equal(r->targets[0]->failover.recovery_ns, 2501 * MS);
	runreport_free(r);
}

/* Every format shows the events and the bench figures; CSV stays as it was. */
static void
test_events_render(void **state)
{
	struct run_report *r = test_events_report(), *plain = test_fixed_report();
	char *s, *t;

	(void)state;
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(
		strstr(s, "  vm101-ssh       0.000ms  [0.000ms, 0.000ms]              0        0"
			  "             -         0       0\n"
			  "  vm101      url: icmp://192.0.2.10\n"
			  "  vm101-ssh  url: tcp://192.0.2.10:22\n"
			  "  vm101      longest outage: 2.000s\n"
			  "  vm101      path: via eth0 src 198.18.0.1\n\nRTT ms"));
	assert_non_null(strstr(
		s,
		"\nNetwork and monitor events\n"
		"  2025-09-10 00:34:07.000  vm101      neigh       neighbour 198.18.45.2 dev hm0 "
		"FAILED\n"
		"  2025-09-10 00:34:07.000  -          crash       monitor crashed (power "
		"failure)\n"
		"  2025-09-10 00:34:11.200  vm101      link        link hm0 down (operstate down)\n"
		"  2025-09-10 00:34:11.500  vm101      link        link hm0 up (operstate up)\n"
		"  2025-09-10 00:34:15.000  -          clock-step  wall clock stepped by +2.0 ms\n"
		"  2025-09-10 00:34:15.100  vm999      link        link other down\n"
		"\nBenchmarks during this run\n"
		"  STARTED                  LABEL   TEST  METRIC                   VALUE  UNIT\n"
		"  2025-09-10 00:34:08.500  before  cpu   events_1thread         1000.00  "
		"events/s\n"
		"  2025-09-10 00:34:09.000  during  mem   copy                     12.50  GiB/s\n"
		"  2025-09-10 00:34:09.000  during  mem   latency                  81.25  ns\n"
		"\nLoss periods of vm101\n"));
	/* The path is shown with its target, not in the list. */
	assert_int_equal(test_count(s, "via eth0"), 1);
	free(s);

	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(strstr(s, "\n- vm101 path: via eth0 src 198.18.0.1\n"));
	assert_non_null(strstr(
		s, "\n**Network and monitor events**\n\n| Time | Target | Kind | Event |\n"
		   "|---|---|---|---|\n"
		   "| 2025-09-10 00:34:07.000 | vm101 | neigh | neighbour 198.18.45.2 dev hm0 "
		   "FAILED |\n"
		   "| 2025-09-10 00:34:07.000 | - | crash | monitor crashed (power failure) |\n"));
	assert_non_null(strstr(s, "| 2025-09-10 00:34:15.000 | - | clock-step | wall clock stepped "
				  "by +2.0 ms |\n"));
	assert_non_null(strstr(s, "\n**Benchmarks during this run**\n\n| Started | Label | Test | "
				  "Metric | Value | Unit |\n|---|---|---|---|--:|---|\n"
				  "| 2025-09-10 00:34:08.500 | before | cpu | events\\_1thread | "
				  "1000.00 | events/s |\n"));
	free(s);

	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(
		s,
		"\"unknown\":[],\"events\":["
		"{\"time\":\"2025-09-10T00:34:07.000000Z\",\"target\":\"vm101\",\"kind\":\"neigh\","
		"\"text\":\"neighbour 198.18.45.2 dev hm0 FAILED\"},"
		"{\"time\":\"2025-09-10T00:34:07.000000Z\",\"target\":null,\"kind\":\"crash\","
		"\"text\":\"monitor crashed (power failure)\"},"
		"{\"time\":\"2025-09-10T00:34:11.200000Z\",\"target\":\"vm101\",\"kind\":\"link\","
		"\"text\":\"link hm0 down (operstate down)\"},"
		"{\"time\":\"2025-09-10T00:34:11.500000Z\",\"target\":\"vm101\",\"kind\":\"link\","
		"\"text\":\"link hm0 up (operstate up)\"},"
		"{\"time\":\"2025-09-10T00:34:15.000000Z\",\"target\":null,\"kind\":\"clock-step\","
		"\"text\":\"wall clock stepped by +2.0 ms\"},"
		"{\"time\":\"2025-09-10T00:34:15.100000Z\",\"target\":\"vm999\",\"kind\":\"link\","
		"\"text\":\"link other down\"}],"
		"\"bench\":[{\"time\":\"2025-09-10T00:34:08.500000Z\",\"label\":\"before\","
		"\"test\":\"cpu\","
		"\"metric\":\"events_1thread\",\"value\":1000.000,\"unit\":\"events/s\"},"
		"{\"time\":\"2025-09-10T00:34:09.000000Z\",\"label\":\"during\",\"test\":\"mem\","
		"\"metric\":\"copy\",\"value\":12.500,\"unit\":\"GiB/s\"},"
		"{\"time\":\"2025-09-10T00:34:09.000000Z\",\"label\":\"during\",\"test\":\"mem\","
		"\"metric\":\"latency\",\"value\":81.250,\"unit\":\"ns\"}],"
		"\"failover_marker\":{\"label\":\"power cut\""));
	assert_non_null(strstr(s, "{\"target\":\"vm101\",\"url\":\"icmp://192.0.2.10\","
				  "\"path\":\"via eth0 src 198.18.0.1\",\"downtime_ms\":"));
	assert_non_null(strstr(s, "{\"target\":\"vm101-ssh\",\"url\":\"tcp://192.0.2.10:22\","
				  "\"path\":null,"));
	free(s);

	/* CSV has nothing new but vm101's path, in the last column. */
	s = test_render(r, NULL, RR_FMT_CSV);
	t = test_render(plain, NULL, RR_FMT_CSV);
	assert_non_null(strstr(s, ",45.000,via eth0 src 198.18.0.1\n"));
	assert_int_equal(strlen(s), strlen(t) + strlen("via eth0 src 198.18.0.1"));
	free(s);
	free(t);

	/*
	 * HTML: vm101's timeline has its 4 listed events and the 2 of no target,
	 * the neighbour and the crash at the same time sharing a tick; vm101-ssh's
	 * only those 2; vm999's event is on no timeline. One bench line per bench
	 * run and timeline. The table lists all 6.
	 */
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_int_equal(test_count(s, "<rect class=\"nlevent\""), 4 + 2);
	assert_int_equal(test_count(s, "<line class=\"benchline\""), 2 * 2);
	assert_int_equal(test_count(s, "<title>00:34:07.000 neigh: neighbour 198.18.45.2 dev hm0 "
				       "FAILED (and 1 more here)</title>"),
			 1);
	assert_int_equal(test_count(s, "<title>00:34:07.000 crash: monitor crashed (power failure)"
				       "</title>"),
			 1);
	assert_int_equal(test_count(s, "link hm0 down (operstate down)</title>"), 1);
	assert_int_equal(test_count(s, "<title>00:34:15.000 clock-step: wall clock stepped by "
				       "+2.0 ms</title>"),
			 2);
	assert_int_equal(test_count(s, "<title>bench during started</title>"), 2);
	assert_non_null(strstr(s, "<h2>Network and monitor events</h2>"));
	assert_non_null(strstr(s, "<tr><td class=\"n\">2025-09-10 00:34:15.100</td><td>vm999</td>"
				  "<td>link</td><td>link other down</td></tr>\n"));
	assert_non_null(strstr(s, "<h2>Benchmarks during this run</h2>"));
	assert_non_null(strstr(s, "<td>mem</td><td>latency</td><td class=\"n\">81.25</td>"
				  "<td>ns</td></tr>\n"));
	assert_non_null(
		strstr(s, "<br><small class=\"path\">path: via eth0 src 198.18.0.1</small>"));
	assert_int_equal(test_count(s, "sw sw-e"), 1);
	assert_int_equal(test_count(s, "sw sw-k"), 1);
	free(s);
	/* Without events or bench: no section, no tick, no legend entry. */
	s = test_render(plain, NULL, RR_FMT_HTML);
	assert_null(strstr(s, "class=\"nlevent\""));
	assert_null(strstr(s, "class=\"benchline\""));
	assert_null(strstr(s, "Network and monitor events"));
	assert_null(strstr(s, "Benchmarks during"));
	assert_null(strstr(s, "sw sw-e"));
	free(s);
	s = test_render(plain, NULL, RR_FMT_TEXT);
	assert_null(strstr(s, "Network and monitor events"));
	assert_null(strstr(s, "path:"));
	free(s);
	runreport_free(plain);
	runreport_free(r);
}

/* At most RENDER_LOSS_ROWS (50) events in text and Markdown, then "... N more";
 * events within a pixel share one HTML tick. */
static void
test_events_limit(void **state)
{
	struct run_report *r = runreport_new();
	char *s, text[32];
	int i;

	(void)state;
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 10000 * MS;
	runreport_add_target(r, "vm", NULL);
	for (i = 0; i < 70; i++) {
		snprintf(text, sizeof(text), "flap %d", i);
		runreport_add_event(r, T0 + 1000 * MS + i * US, "vm", "neigh", text);
	}
	runreport_add_event(r, T0 + 9000 * MS, "vm", "neigh", "late");
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(strstr(s, "neigh       flap 49\n  ... 21 more\n"));
	assert_null(strstr(s, "flap 50"));
	free(s);
	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(strstr(s, "| neigh | flap 49 |\n| ... 21 more | | | |\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_int_equal(test_count(s, "<rect class=\"nlevent\""), 2);
	assert_non_null(strstr(s, "neigh: flap 0 (and 69 more here)</title>"));
	assert_non_null(strstr(s, "neigh: late</title>"));
	assert_non_null(strstr(s, "<td>flap 69</td>"));
	free(s);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_int_equal(test_count(s, "\"kind\":\"neigh\""), 71);
	free(s);
	runreport_free(r);
}

/* Target, kind, text and bench strings with <>&"| and a newline are escaped
 * in every format. */
static void
test_events_escaping(void **state)
{
	struct run_report *r = runreport_new();
	char *s;

	(void)state;
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 10000 * MS;
	runreport_add_target(r, "a<t>", NULL);
	runreport_add_event(r, T0 + 1000 * MS, "a<t>", "li<nk", "x<b>&\"y\"|\nz\xff");
	runreport_add_event(r, T0 + 500 * MS, "a<t>", RR_EVENT_PATH, "via <e>&");
	runreport_add_bench(r, T0 + 2000 * MS, "l<a>", "m|e", "c*\"", 1.5, "u\n<");
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_null(strstr(s, "x<b>"));
	assert_null(strstr(s, "li<nk"));
	assert_null(strstr(s, "l<a>"));
	assert_null(strstr(s, "<e>"));
	/* Tick title and table row. */
	assert_int_equal(test_count(s, "x&lt;b&gt;&amp;&quot;y&quot;|\\x0az&#xfffd;"), 2);
	assert_non_null(strstr(s, "li&lt;nk: x&lt;b&gt;"));
	assert_non_null(strstr(s, "<title>bench l&lt;a&gt; started</title>"));
	assert_non_null(strstr(s, "<td>l&lt;a&gt;</td><td>m|e</td><td>c*&quot;</td>"
				  "<td class=\"n\">1.50</td><td>u\\x0a&lt;</td>"));
	assert_non_null(strstr(s, "path: via &lt;e&gt;&amp;</small>"));
	free(s);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(s, "\"target\":\"a<t>\",\"kind\":\"li<nk\","
				  "\"text\":\"x<b>&\\\"y\\\"|\\nz\\ufffd\"}"));
	assert_non_null(strstr(s, "\"label\":\"l<a>\",\"test\":\"m|e\",\"metric\":\"c*\\\"\","
				  "\"value\":1.500,\"unit\":\"u\\n<\"}"));
	assert_non_null(strstr(s, "\"path\":\"via <e>&\""));
	free(s);
	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(
		strstr(s, "| a\\<t\\> | li\\<nk | x\\<b\\>&amp;\"y\"\\|\\\\x0az\\\\xff |\n"));
	assert_non_null(strstr(s, "| l\\<a\\> | m\\|e | c\\*\" | 1.50 | u\\\\x0a\\< |\n"));
	assert_non_null(strstr(s, "- a\\<t\\> path: via \\<e\\>&amp;\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(strstr(s, "  a<t>    li<nk       x<b>&\"y\"|\\x0az\\xff\n"));
	assert_null(strstr(s, "\nz"));
	free(s);
	runreport_free(r);
}

/* Name parsers. */
static void
test_names(void **state)
{
	enum rr_format f;
	enum run_kind k;

	(void)state;
	assert_int_equal(runreport_format_parse("md", &f), 0);
	assert_int_equal(f, RR_FMT_MD);
	assert_int_equal(runreport_format_parse("markdown", &f), 0);
	assert_int_equal(runreport_format_parse("html", &f), 0);
	assert_int_equal(f, RR_FMT_HTML);
	assert_int_equal(runreport_format_parse("table", &f), 0);
	assert_int_equal(f, RR_FMT_TEXT);
	assert_int_equal(runreport_format_parse("xml", &f), -1);
	assert_int_equal(runreport_kind_parse("failover", &k), 0);
	assert_int_equal(k, RUN_KIND_FAILOVER);
	assert_int_equal(runreport_kind_parse("backup", &k), 0);
	assert_int_equal(k, RUN_KIND_BACKUP);
	assert_int_equal(runreport_kind_parse("Migration", &k), -1);
	assert_string_equal(runreport_kind_name(RUN_KIND_CUSTOM), "custom");
	runreport_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_rtt_select),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_losses),
		cmocka_unit_test(test_failover_samples),
		cmocka_unit_test(test_failover_estimates),
		cmocka_unit_test(test_marker_pick),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_render_json),
		cmocka_unit_test(test_render_csv),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_render_md),
		cmocka_unit_test(test_render_html),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_html_decimation),
		cmocka_unit_test(test_unknown_union),
		cmocka_unit_test(test_unknown_render),
		cmocka_unit_test(test_unknown_escaping),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_events_model),
		cmocka_unit_test(test_events_not_markers),
		cmocka_unit_test(test_events_render),
		cmocka_unit_test(test_events_limit),
		cmocka_unit_test(test_events_escaping),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
