/* SPDX-License-Identifier: ISC */
/* test_runreport.c: report arithmetic: percentiles, windows, losses,
 * failover, the failover marker, aggregates, unknown windows and the name
 * parsers. The renderers are in test_render.c, events and bench figures
 * in test_runreport_events.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/xalloc.h"
#include "tests/unit/runreport_fixture.h"

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

/* The run kind names. */
static void
test_names(void **state)
{
	enum run_kind k;

	(void)state;
	assert_int_equal(runreport_kind_parse("failover", &k), 0);
	assert_int_equal(k, RUN_KIND_FAILOVER);
	assert_int_equal(runreport_kind_parse("backup", &k), 0);
	assert_int_equal(k, RUN_KIND_BACKUP);
	assert_int_equal(runreport_kind_parse("Migration", &k), -1);
	assert_string_equal(runreport_kind_name(RUN_KIND_CUSTOM), "custom");
	runreport_free(NULL);
}

/* Run every test, times in UTC. */
int
main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_rtt_select),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_losses),
		cmocka_unit_test(test_failover_samples),
		cmocka_unit_test(test_failover_estimates),
		cmocka_unit_test(test_marker_pick),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_unknown_union),
		cmocka_unit_test(test_names),
	};
	/* clang-format on */

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
