/* SPDX-License-Identifier: ISC */
/* test_store_rollup.c: the rollup of seconds into minutes (schema version
 * 3) and of minutes into hours (version 4): the arithmetic, merges, the
 * retention window, kept rows and bounded rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/store_fixture.h"

/* ---- schema version 3: the rollup of seconds into minutes ---- */

/* A minute's sums, min and max over the seconds with replies only, the
 * histogram added; a minute with no reply at all has no min or max; the
 * view shows it readable; the query filters by time and session. */
static void
test_rollup_arithmetic(void **state)
{
	struct fixture *fx = *state;
	struct mcollect c;
	char buf[128];
	int64_t m = M0;

	open_writer(fx);
	push_second(fx, fx->sid, fx->vm1, m * 60 + 1, 10, 10, 100000, 900000, 5000000, 4, 6);
	push_second(fx, fx->sid, fx->vm1, m * 60 + 2, 10, 0, -1, -1, 0, 0, 0);
	push_second(fx, fx->sid, fx->vm1, m * 60 + 59, 10, 9, 50000, 2000000, 7000000, 9, 0);
	push_second(fx, fx->sid, fx->vm1, (m + 1) * 60, 10, 0, -1, -1, 0, 0, 0);
	push_second(fx, fx->sid, fx->vm2, m * 60 + 30, 5, 5, 1000, 1000, 5000, 0, 5);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 2)), 5);
	assert_int_equal(count_rows(fx, "seconds"), 0);
	assert_int_equal(count_rows(fx, "minutes"), 3);

	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(fx->s, fx->sid, fx->vm1, 0, 0, collect_minute, &c,
					     fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.m[0].session_id, fx->sid);
	assert_int_equal(c.m[0].target_id, fx->vm1);
	assert_int_equal(c.m[0].minute, m);
	assert_int_equal(c.m[0].sent, 30);
	assert_int_equal(c.m[0].received, 19);
	assert_int_equal(c.m[0].lost, 11);
	assert_int_equal(c.m[0].rtt_min_ns, 50000);
	assert_int_equal(c.m[0].rtt_max_ns, 2000000);
	assert_int_equal(c.m[0].rtt_sum_ns, 12000000);
	assert_int_equal(c.m[0].hist[0], 13);
	assert_int_equal(c.m[0].hist[3], 6);
	assert_int_equal(c.m[0].hist[1] + c.m[0].hist[2] + c.m[0].hist[9], 0);
	assert_int_equal(c.m[1].minute, m + 1);
	assert_int_equal(c.m[1].lost, 10);
	assert_int_equal(c.m[1].rtt_min_ns, -1);
	assert_int_equal(c.m[1].rtt_max_ns, -1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM minutes WHERE rtt_min_ns IS NULL"
					   " AND rtt_max_ns IS NULL"),
			 1);

	/* the view */
	sql_text(fx->path,
		 "SELECT target || ' ' || minute || ' ' || loss_pct || ' ' || rtt_avg_ms || ' '"
		 " || rtt_min_ms || ' ' || rtt_max_ms FROM minutes_v WHERE minute_unix = "
		 "(SELECT min(minute) FROM minutes) AND target = 'vm1'",
		 buf, sizeof buf);
	assert_string_equal(buf, "vm1 2025-11-25T23:13Z 36.667 0.632 0.05 2.0");
	sql_text(fx->path,
		 "SELECT coalesce(rtt_avg_ms, 'none') FROM minutes_v"
		 " WHERE minute_unix = (SELECT max(minute) FROM minutes)",
		 buf, sizeof buf);
	assert_string_equal(buf, "none");

	/* since/until select the minutes overlapping [since, until) */
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(fx->s, 0, fx->vm1, (m * 60 + 59) * NSEC_PER_SEC,
					     (m + 1) * 60 * NSEC_PER_SEC, collect_minute, &c,
					     fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].minute, m);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(fx->s, 0, fx->vm1, (m + 1) * 60 * NSEC_PER_SEC, 0,
					     collect_minute, &c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].minute, m + 1);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(fx->s, fx->sid + 1, fx->vm1, 0, 0, collect_minute, &c,
					     fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(fx->s, 0, fx->vm2, 0, 0, collect_minute, &c, fx->err,
					     sizeof fx->err),
			 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].hist[3], 5);
	/* nothing left to roll */
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 2)), 0);
}

/* Seconds that arrive after their minute was rolled up merge into its row:
 * counts and histogram added, min and max taken over the values there are
 * (a NULL on either side does not win). */
static void
test_rollup_merge(void **state)
{
	struct fixture *fx = *state;
	struct mcollect c;
	int64_t m = M0;

	open_writer(fx);
	/* minute m: replies; minute m + 1: none yet */
	push_second(fx, fx->sid, fx->vm1, m * 60, 10, 10, 300, 400, 3500, 10, 0);
	push_second(fx, fx->sid, fx->vm1, (m + 1) * 60, 10, 0, -1, -1, 0, 0, 0);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 2)), 2);
	/* late: minute m without replies, and with a lower min and higher
	 * max; minute m + 1 with replies */
	push_second(fx, fx->sid, fx->vm1, m * 60 + 1, 10, 0, -1, -1, 0, 0, 0);
	push_second(fx, fx->sid, fx->vm1, m * 60 + 2, 10, 2, 200, 800, 1000, 0, 2);
	push_second(fx, fx->sid, fx->vm1, (m + 1) * 60 + 5, 10, 1, 700, 700, 700, 0, 1);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 2)), 3);
	assert_int_equal(count_rows(fx, "seconds"), 0);

	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(fx->s, fx->sid, fx->vm1, 0, 0, collect_minute, &c,
					     fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.m[0].sent, 30);
	assert_int_equal(c.m[0].received, 12);
	assert_int_equal(c.m[0].lost, 18);
	assert_int_equal(c.m[0].rtt_min_ns, 200);
	assert_int_equal(c.m[0].rtt_max_ns, 800);
	assert_int_equal(c.m[0].rtt_sum_ns, 4500);
	assert_int_equal(c.m[0].hist[0], 10);
	assert_int_equal(c.m[0].hist[3], 2);
	assert_int_equal(c.m[1].sent, 20);
	assert_int_equal(c.m[1].received, 1);
	assert_int_equal(c.m[1].rtt_min_ns, 700);
	assert_int_equal(c.m[1].rtt_max_ns, 700);
	assert_int_equal(c.m[1].hist[3], 1);

	/* a minute with replies keeps its min and max when seconds without
	 * any are merged in */
	push_second(fx, fx->sid, fx->vm1, (m + 1) * 60 + 6, 10, 0, -1, -1, 0, 0, 0);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 2)), 1);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(fx->s, fx->sid, fx->vm1, (m + 1) * 60 * NSEC_PER_SEC,
					     0, collect_minute, &c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sent, 30);
	assert_int_equal(c.m[0].rtt_min_ns, 700);
	assert_int_equal(c.m[0].rtt_max_ns, 700);
	assert_int_equal(count_rows(fx, "minutes"), 2);
}

/* Only whole minutes older than the retention window are rolled up: the
 * minute the window's edge falls in and everything after stay as seconds. */
static void
test_rollup_window(void **state)
{
	struct fixture *fx = *state;
	int64_t m = M0 + 1;

	open_writer(fx);
	push_second(fx, fx->sid, fx->vm1, m * 60 - 1, 10, 10, 1, 1, 10, 10, 0); /* rolled */
	push_second(fx, fx->sid, fx->vm1, m * 60, 10, 10, 1, 1, 10, 10, 0);     /* edge's minute */
	push_second(fx, fx->sid, fx->vm1, m * 60 + 29, 10, 10, 1, 1, 10, 10,
		    0); /* older than edge */
	push_second(fx, fx->sid, fx->vm1, m * 60 + 31, 10, 10, 1, 1, 10, 10, 0); /* in the window */
	push_second(fx, fx->sid, fx->vm1, m * 60 + 7200, 10, 10, 1, 1, 10, 10, 0);
	assert_int_equal(store_flush(fx->s), 0);
	/* the window's edge: minute m, second 30 */
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m) + 30 * NSEC_PER_SEC), 1);
	assert_int_equal(count_rows(fx, "seconds"), 4);
	assert_int_equal(sql_int(fx->path, "SELECT min(second) FROM seconds"), m * 60);
	assert_int_equal(sql_int(fx->path, "SELECT minute FROM minutes"), m - 1);
	/* a shorter window takes the rest but the newest */
	store_set_retention(fx->s, 3600 * NSEC_PER_SEC);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m) + 30 * NSEC_PER_SEC), 3);
	assert_int_equal(sql_int(fx->path, "SELECT second FROM seconds"), m * 60 + 7200);
}

/* Retention 0 (or less) never rolls anything up. */
static void
test_rollup_retention_zero(void **state)
{
	struct fixture *fx = *state;

	open_writer(fx);
	push_second(fx, fx->sid, fx->vm1, M0 * 60, 10, 10, 1, 1, 10, 10, 0);
	push_second(fx, fx->sid, fx->vm2, M0 * 60, 10, 10, 1, 1, 10, 10, 0);
	assert_int_equal(store_flush(fx->s), 0);
	store_set_retention(fx->s, 0);
	assert_int_equal(store_rollup_now(fx->s, INT64_MAX), 0);
	store_set_retention(fx->s, -5);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(M0 + 1000)), 0);
	assert_int_equal(count_rows(fx, "seconds"), 2);
	assert_int_equal(count_rows(fx, "minutes"), 0);
	/* a read-only handle cannot roll up */
	store_set_retention(fx->s, STORE_RETENTION_NS);
	assert_int_equal(store_rollup_now(NULL, ROLL_AT(M0 + 1000)), -1);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(M0 + 1000)), 2);
}

/* The seconds of a session with a run, and those inside a span of any
 * session, are kept; a span in mid-minute splits the minute's seconds
 * around it and both parts end up in one minutes row. */
static void
test_rollup_kept(void **state)
{
	struct fixture *fx = *state;
	struct store_run run;
	struct store_event ev;
	struct mcollect c;
	char sql[160];
	int64_t plain, i, m = M0;

	open_writer(fx);
	plain = fx->sid;
	/* span of the plain session: seconds 20..30 of minute m (a span
	 * ending in the middle of second 30 keeps that second) */
	ev = (struct store_event){ plain, 0, (m * 60 + 20) * NSEC_PER_SEC, "span-begin", "a" };
	store_push_event(fx->s, &ev);
	ev = (struct store_event){ plain, 0, (m * 60 + 30) * NSEC_PER_SEC + 5, "span-end", "a" };
	store_push_event(fx->s, &ev);
	/* a span never closed: from minute m + 5 on */
	ev = (struct store_event){ plain, 0, (m + 5) * 60 * NSEC_PER_SEC, "span-begin", "b" };
	store_push_event(fx->s, &ev);
	for (i = 0; i < 60; i++)
		push_second(fx, plain, fx->vm1, m * 60 + i, 1, 1, 100 + i, 100 + i, 100 + i, 1, 0);
	push_second(fx, plain, fx->vm1, (m + 5) * 60 + 1, 1, 1, 1, 1, 1, 1, 0);
	assert_int_equal(store_flush(fx->s), 0);

	/* a second session with a run: none of its seconds go */
	fx->sid = next_session(fx, "hamon run");
	run = make_run(fx->sid, "kept");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	push_second(fx, fx->sid, fx->vm2, m * 60, 1, 1, 1, 1, 1, 1, 0);
	push_second(fx, fx->sid, fx->vm1, m * 60 + 25, 1, 1, 1, 1, 1, 1, 0);
	push_second(fx, fx->sid, fx->vm1, m * 60 + 45, 1, 1, 1, 1, 1, 1, 0);
	assert_int_equal(store_flush(fx->s), 0);

	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 10)), 49);
	assert_int_equal(count_rows(fx, "seconds"), 11 + 1 + 3);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM seconds WHERE session_id = %lld AND second BETWEEN %lld"
		 " AND %lld",
		 (long long)plain, (long long)(m * 60 + 20), (long long)(m * 60 + 30));
	assert_int_equal(sql_int(fx->path, sql), 11);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(fx->s, 0, fx->vm1, 0, 0, collect_minute, &c, fx->err,
					     sizeof fx->err),
			 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].session_id, plain);
	assert_int_equal(c.m[0].sent, 49);
	assert_int_equal(c.m[0].rtt_min_ns, 100);
	assert_int_equal(c.m[0].rtt_max_ns, 159);
	/* sum of 100 + i over i in 0..59 except 20..30 */
	assert_int_equal(c.m[0].rtt_sum_ns, (100 * 60 + 59 * 60 / 2) - (100 * 11 + 275));
	assert_int_equal(c.m[0].hist[0], 49);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 10)), 0);
}

/* A round reads at most its limit of rows, kept ones included, and the
 * next goes on where it stopped without reading kept rows again; a minute
 * split between rounds ends up whole. */
static void
test_rollup_bounded(void **state)
{
	struct fixture *fx = *state;
	struct store_run run;
	int64_t plain, i, m = M0;

	open_writer(fx);
	plain = fx->sid;
	for (i = 0; i < 250; i++)
		push_second(fx, plain, fx->vm2, m * 60 + i, 10, 9, 5, 5, 45, 9, 0);
	assert_int_equal(store_flush(fx->s), 0);
	fx->sid = next_session(fx, "hamon run");
	run = make_run(fx->sid, "kept");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	/* vm1 (the lower id, read first): 150 kept rows */
	for (i = 0; i < 150; i++)
		push_second(fx, fx->sid, fx->vm1, m * 60 + i, 1, 1, 1, 1, 1, 1, 0);
	assert_int_equal(store_flush(fx->s), 0);
	assert_true(fx->vm1 < fx->vm2);

	store_set_rollup_limit(fx->s, 100);
	store_set_rollup_limit(fx->s, 0);                                /* unchanged */
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 100)), 0);  /* kept 0..99 */
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 100)), 50); /* kept 100..149 */
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 100)), 100);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 100)), 100);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 100)), 0);
	assert_int_equal(count_rows(fx, "seconds"), 150);
	/* 250 seconds from a minute boundary: 5 minutes, the last of 10 s */
	assert_int_equal(count_rows(fx, "minutes"), 5);
	assert_int_equal(sql_int(fx->path, "SELECT sum(sent) FROM minutes"), 2500);
	assert_int_equal(sql_int(fx->path, "SELECT sum(h0) FROM minutes"), 2250);
	assert_int_equal(sql_int(fx->path, "SELECT max(sent) FROM minutes"), 600);
	assert_int_equal(sql_int(fx->path, "SELECT min(sent) FROM minutes"), 100);
}

/* ---- schema version 4: the rollup of minutes into hours ---- */

/* An hour's sums, min and max over the minutes with replies only, the
 * histogram added, from seconds rolled into minutes first; an hour with no
 * reply at all has no min or max; the view shows it readable; the query
 * filters by time and session. */
static void
test_hours_arithmetic(void **state)
{
	struct fixture *fx = *state;
	struct hcollect *c;
	char buf[128];
	int64_t m = H0 * 60;

	open_writer(fx);
	push_second(fx, fx->sid, fx->vm1, m * 60, 10, 10, 100000, 900000, 5000000, 4, 6);
	push_second(fx, fx->sid, fx->vm1, (m + 30) * 60 + 7, 10, 0, -1, -1, 0, 0, 0);
	push_second(fx, fx->sid, fx->vm1, (m + 59) * 60, 10, 9, 50000, 2000000, 7000000, 9, 0);
	push_second(fx, fx->sid, fx->vm1, (m + 59) * 60 + 59, 10, 10, 60000, 70000, 650000, 10, 0);
	push_second(fx, fx->sid, fx->vm1, (m + 60) * 60, 10, 0, -1, -1, 0, 0, 0);
	push_second(fx, fx->sid, fx->vm2, (m + 30) * 60, 5, 5, 1000, 1000, 5000, 0, 5);
	assert_int_equal(store_flush(fx->s), 0);
	/* seconds into 5 minutes; the minutes are in their window */
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 61)), 6);
	assert_int_equal(count_rows(fx, "minutes"), 5);
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 1)), 4);
	assert_int_equal(count_rows(fx, "minutes"), 1);
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 2)), 1);
	assert_int_equal(count_rows(fx, "minutes"), 0);
	assert_int_equal(count_rows(fx, "hours"), 3);

	c = query_hours(fx, fx->sid, fx->vm1, 0, 0);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->h[0].session_id, fx->sid);
	assert_int_equal(c->h[0].target_id, fx->vm1);
	assert_int_equal(c->h[0].hour, H0);
	assert_int_equal(c->h[0].sent, 40);
	assert_int_equal(c->h[0].received, 29);
	assert_int_equal(c->h[0].lost, 11);
	assert_int_equal(c->h[0].rtt_min_ns, 50000);
	assert_int_equal(c->h[0].rtt_max_ns, 2000000);
	assert_int_equal(c->h[0].rtt_sum_ns, 12650000);
	assert_int_equal(c->h[0].hist[0], 23);
	assert_int_equal(c->h[0].hist[3], 6);
	assert_int_equal(c->h[0].hist[1] + c->h[0].hist[2] + c->h[0].hist[9], 0);
	assert_int_equal(c->h[1].hour, H0 + 1);
	assert_int_equal(c->h[1].lost, 10);
	assert_int_equal(c->h[1].rtt_min_ns, -1);
	assert_int_equal(c->h[1].rtt_max_ns, -1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM hours WHERE rtt_min_ns IS NULL"
					   " AND rtt_max_ns IS NULL"),
			 1);

	/* the view */
	sql_text(fx->path,
		 "SELECT target || ' ' || hour || ' ' || loss_pct || ' ' || rtt_avg_ms || ' '"
		 " || rtt_min_ms || ' ' || rtt_max_ms FROM hours_v WHERE hour_unix = "
		 "(SELECT min(hour) FROM hours) AND target = 'vm1'",
		 buf, sizeof buf);
	assert_string_equal(buf, "vm1 2025-11-26T00:00Z 27.5 0.436 0.05 2.0");
	sql_text(fx->path,
		 "SELECT coalesce(rtt_avg_ms, 'none') FROM hours_v"
		 " WHERE hour_unix = (SELECT max(hour) FROM hours)",
		 buf, sizeof buf);
	assert_string_equal(buf, "none");

	/* since/until select the hours overlapping [since, until) */
	c = query_hours(fx, 0, fx->vm1, (H0 * 3600 + 3599) * NSEC_PER_SEC,
			(H0 + 1) * 3600 * NSEC_PER_SEC);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->h[0].hour, H0);
	c = query_hours(fx, 0, fx->vm1, (H0 + 1) * 3600 * NSEC_PER_SEC, 0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->h[0].hour, H0 + 1);
	assert_int_equal(query_hours(fx, fx->sid + 1, fx->vm1, 0, 0)->n, 0);
	c = query_hours(fx, 0, fx->vm2, 0, 0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->h[0].hist[3], 5);
	/* nothing left to roll */
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 2)), 0);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
}

/* Minutes that arrive after their hour was rolled up (from late seconds)
 * merge into its row in the same round: counts and histogram added, min
 * and max taken over the values there are (a NULL on either side does not
 * win). */
static void
test_hours_merge(void **state)
{
	struct fixture *fx = *state;
	struct hcollect *c;
	int64_t m = H0 * 60;

	open_writer(fx);
	/* hour H0: replies; hour H0 + 1: none yet */
	push_second(fx, fx->sid, fx->vm1, m * 60, 10, 10, 300, 400, 3500, 10, 0);
	push_second(fx, fx->sid, fx->vm1, (m + 60) * 60, 10, 0, -1, -1, 0, 0, 0);
	assert_int_equal(store_flush(fx->s), 0);
	/* both tiers in one round: 2 seconds, then the 2 minutes they made */
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 2)), 4);
	assert_int_equal(count_rows(fx, "hours"), 2);
	/* late: hour H0 without replies, and with a lower min and higher
	 * max; hour H0 + 1 with replies */
	push_second(fx, fx->sid, fx->vm1, (m + 5) * 60, 10, 0, -1, -1, 0, 0, 0);
	push_second(fx, fx->sid, fx->vm1, (m + 5) * 60 + 1, 10, 2, 200, 800, 1000, 0, 2);
	push_second(fx, fx->sid, fx->vm1, (m + 65) * 60, 10, 1, 700, 700, 700, 0, 1);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 2)), 3 + 2);
	assert_int_equal(count_rows(fx, "seconds"), 0);
	assert_int_equal(count_rows(fx, "minutes"), 0);

	c = query_hours(fx, fx->sid, fx->vm1, 0, 0);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->h[0].sent, 30);
	assert_int_equal(c->h[0].received, 12);
	assert_int_equal(c->h[0].lost, 18);
	assert_int_equal(c->h[0].rtt_min_ns, 200);
	assert_int_equal(c->h[0].rtt_max_ns, 800);
	assert_int_equal(c->h[0].rtt_sum_ns, 4500);
	assert_int_equal(c->h[0].hist[0], 10);
	assert_int_equal(c->h[0].hist[3], 2);
	assert_int_equal(c->h[1].sent, 20);
	assert_int_equal(c->h[1].received, 1);
	assert_int_equal(c->h[1].rtt_min_ns, 700);
	assert_int_equal(c->h[1].rtt_max_ns, 700);
	assert_int_equal(c->h[1].hist[3], 1);

	/* an hour with replies keeps its min and max when minutes without
	 * any are merged in */
	push_second(fx, fx->sid, fx->vm1, (m + 66) * 60, 10, 0, -1, -1, 0, 0, 0);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 2)), 2);
	c = query_hours(fx, fx->sid, fx->vm1, (H0 + 1) * 3600 * NSEC_PER_SEC, 0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->h[0].sent, 30);
	assert_int_equal(c->h[0].rtt_min_ns, 700);
	assert_int_equal(c->h[0].rtt_max_ns, 700);
	assert_int_equal(count_rows(fx, "hours"), 2);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
}

/* Only whole hours older than the minutes' retention window are rolled
 * up: the hour the window's edge falls in and everything after stay as
 * minutes. The window is settable; 0 rolls no minutes up (seconds still
 * are). */
static void
test_hours_window(void **state)
{
	struct fixture *fx = *state;
	int64_t m = (H0 + 1) * 60, now;

	open_writer(fx);
	store_set_minute_retention(fx->s, 3 * 3600 * NSEC_PER_SEC);
	push_second(fx, fx->sid, fx->vm1, (m - 1) * 60, 10, 10, 1, 1, 10, 10, 0); /* rolled */
	push_second(fx, fx->sid, fx->vm1, m * 60, 10, 10, 1, 1, 10, 10, 0);       /* edge's hour */
	push_second(fx, fx->sid, fx->vm1, (m + 29) * 60, 10, 10, 1, 1, 10, 10,
		    0); /* older than edge */
	push_second(fx, fx->sid, fx->vm1, (m + 31) * 60, 10, 10, 1, 1, 10, 10,
		    0); /* in the window */
	push_second(fx, fx->sid, fx->vm1, (m + 120) * 60, 10, 10, 1, 1, 10, 10, 0); /* a second */
	assert_int_equal(store_flush(fx->s), 0);
	/* the minutes' window's edge: hour H0 + 1, minute 30; the seconds'
	 * edge an hour later */
	now = (m + 30) * 60 * NSEC_PER_SEC + 3 * 3600 * NSEC_PER_SEC;
	assert_int_equal(store_rollup_now(fx->s, now), 4 + 1);
	assert_int_equal(count_rows(fx, "seconds"), 1);
	assert_int_equal(count_rows(fx, "minutes"), 3);
	assert_int_equal(sql_int(fx->path, "SELECT min(minute) FROM minutes"), m);
	assert_int_equal(sql_int(fx->path, "SELECT hour FROM hours"), H0);
	/* 0 (or less): seconds roll up, minutes stay */
	store_set_minute_retention(fx->s, 0);
	assert_int_equal(store_rollup_now(fx->s, now + 10 * 3600 * NSEC_PER_SEC), 1);
	store_set_minute_retention(fx->s, -5);
	assert_int_equal(store_rollup_now(fx->s, INT64_MAX), 0);
	assert_int_equal(count_rows(fx, "minutes"), 4);
	assert_int_equal(count_rows(fx, "hours"), 1);
	/* and back: every whole hour before now - 3 h goes */
	store_set_minute_retention(fx->s, 3 * 3600 * NSEC_PER_SEC);
	assert_int_equal(store_rollup_now(fx->s, now + 10 * 3600 * NSEC_PER_SEC), 4);
	assert_int_equal(count_rows(fx, "minutes"), 0);
	assert_int_equal(count_rows(fx, "hours"), 3);
	assert_int_equal(sql_int(fx->path, "SELECT sum(sent) FROM hours"), 50);
}

/* Minutes of a session with a run (here rolled up from its seconds before
 * the run row was written), and minutes any second of which lies inside a
 * span, stay minutes; the minutes around them make one hour row. */
static void
test_hours_kept(void **state)
{
	struct fixture *fx = *state;
	struct store_run run;
	struct store_event ev;
	struct hcollect *c;
	char sql[160];
	int64_t plain, i, m = H0 * 60;

	open_writer(fx);
	plain = fx->sid;
	/* a span from second 10 of minute 20 to second 5 of minute 30 */
	ev = (struct store_event){ plain, 0, ((m + 20) * 60 + 10) * NSEC_PER_SEC, "span-begin",
				   "a" };
	store_push_event(fx->s, &ev);
	ev = (struct store_event){ plain, 0, ((m + 30) * 60 + 5) * NSEC_PER_SEC, "span-end", "a" };
	store_push_event(fx->s, &ev);
	/* a second at the start of every minute: those of minutes 21..30 are
	 * in the span and stay seconds; minute 20's is before it, and makes
	 * a minute that the span overlaps, as does one after its end */
	for (i = 0; i < 60; i++)
		push_second(fx, plain, fx->vm1, (m + i) * 60, 1, 1, 100 + i, 100 + i, 100 + i, 1,
			    0);
	push_second(fx, plain, fx->vm1, (m + 30) * 60 + 6, 1, 1, 1000, 1000, 1000, 1, 0);
	assert_int_equal(store_flush(fx->s), 0);

	/* a session whose seconds become minutes before its run row exists */
	fx->sid = next_session(fx, "hamon run");
	for (i = 0; i < 3; i++)
		push_second(fx, fx->sid, fx->vm2, (m + i) * 60, 1, 1, 1, 1, 1, 1, 0);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 60)), 51 + 3);
	assert_int_equal(count_rows(fx, "minutes"), 51 + 3);
	run = make_run(fx->sid, "kept");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);

	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 1)), 49);
	assert_int_equal(count_rows(fx, "seconds"), 10);
	assert_int_equal(count_rows(fx, "minutes"), 2 + 3);
	snprintf(sql, sizeof sql,
		 "SELECT group_concat(minute - %lld) FROM (SELECT minute FROM minutes"
		 " WHERE session_id = %lld ORDER BY minute)",
		 (long long)m, (long long)plain);
	assert_string_equal(sql_text(fx->path, sql, sql, sizeof sql), "20,30");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM minutes WHERE session_id = %lld",
		 (long long)fx->sid);
	assert_int_equal(sql_int(fx->path, sql), 3);
	assert_int_equal(count_rows(fx, "hours"), 1);
	c = query_hours(fx, 0, fx->vm1, 0, 0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->h[0].session_id, plain);
	assert_int_equal(c->h[0].sent, 49);
	assert_int_equal(c->h[0].rtt_min_ns, 100);
	assert_int_equal(c->h[0].rtt_max_ns, 159);
	/* sum of 100 + i over i in 0..59 except 20..30 */
	assert_int_equal(c->h[0].rtt_sum_ns, (100 * 60 + 59 * 60 / 2) - (100 * 11 + 275));
	assert_int_equal(c->h[0].hist[0], 49);
	assert_int_equal(query_hours(fx, 0, fx->vm2, 0, 0)->n, 0);
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 1)), 0);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
}

/* Per-hour sums of the minutes of session sid, or of its hours: the same
 * text when the hours are the minutes rolled up. */
static const char *
hour_sums(struct fixture *fx, const char *table, int64_t sid, char *buf, size_t len)
{
	char sql[1024];

	snprintf(sql, sizeof sql,
		 "SELECT group_concat(x, ';') FROM (SELECT target_id || ',' || k || ',' ||"
		 " sum(sent) || ',' || sum(received) || ',' || sum(lost) || ',' ||"
		 " min(rtt_min_ns) || ',' || max(rtt_max_ns) || ',' || sum(rtt_sum_ns) || ',' ||"
		 " sum(h0) || ',' || sum(h3) || ',' || sum(h9) AS x"
		 " FROM (SELECT *, %s AS k FROM %s WHERE session_id = %lld)"
		 " GROUP BY target_id, k ORDER BY target_id, k)",
		 strcmp(table, "hours") == 0 ? "hour" : "minute / 60", table, (long long)sid);
	return sql_text(fx->path, sql, buf, len);
}

/* A round reads at most its limit of rows, kept minutes included, and the
 * next goes on where it stopped without reading kept minutes again; hours
 * split between rounds end up as one unbounded round makes them. */
static void
test_hours_bounded(void **state)
{
	struct fixture *fx = *state;
	struct store_run run;
	char want[1024], got[1024];
	int64_t plain, i, m = H0 * 60;

	open_writer(fx);
	plain = fx->sid;
	for (i = 0; i < 250; i++)
		push_second(fx, plain, fx->vm2, (m + i) * 60, 10, 9, 5 + i % 7, 50 + i % 13, 45 + i,
			    9 - (uint32_t)(i % 2), (uint32_t)(i % 2));
	fx->sid = next_session(fx, "hamon run");
	/* vm1 (the lower id, read first): 150 minutes of a run */
	for (i = 0; i < 150; i++)
		push_second(fx, fx->sid, fx->vm1, (m + i) * 60, 1, 1, 1, 1, 1, 1, 0);
	assert_int_equal(store_flush(fx->s), 0);
	assert_true(fx->vm1 < fx->vm2);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 250)), 400);
	run = make_run(fx->sid, "kept");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	hour_sums(fx, "minutes", plain, want, sizeof want);

	store_set_rollup_limit(fx->s, 100);
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 10)), 0);  /* kept 0..99 */
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 10)), 50); /* kept 100..149 */
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 10)), 100);
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 10)), 100);
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 10)), 0);
	assert_int_equal(count_rows(fx, "minutes"), 150);
	/* 250 minutes from an hour boundary: 5 hours, the last of 10 min */
	assert_int_equal(count_rows(fx, "hours"), 5);
	assert_string_equal(hour_sums(fx, "hours", plain, got, sizeof got), want);
	assert_int_equal(sql_int(fx->path, "SELECT sum(sent) FROM hours"), 2500);
	assert_int_equal(sql_int(fx->path, "SELECT max(sent) FROM hours"), 600);
	assert_int_equal(sql_int(fx->path, "SELECT min(sent) FROM hours"), 100);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
}

/* Run every test. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rollup_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_retention_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
