/* SPDX-License-Identifier: ISC */
/* test_store_migrate.c: the migrations of older files: v1 to v2 (and
 * atomically), v2 to v3 and v3 to v4, every row kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/store_fixture.h"

/* A version 1 file: a reader reads all of it and finds no runs; a writer
 * migrates it to version 2 keeping every row, and a reader that was open
 * across the migration then sees the runs. */
static void
test_migrate_v1(void **state)
{
	struct fixture *fx = *state;
	struct store_loss l;
	struct store_event ev;
	struct store_sample smp;
	struct store_second sec;
	struct store_target_summary sum = { 0, 0, 10, 9, 1, 0, 0, 100, 200, 300, 400, 0, 0 };
	struct store_session_row row;
	struct store_run run;
	struct store *r;
	struct collect2 *c = collect2_new();
	int64_t sid;

	open_writer(fx);
	sid = fx->sid;
	l = make_loss(sid, fx->vm1, STORE_OUTAGE, T0, 2 * NSEC_PER_SEC);
	store_push_loss(fx->s, &l);
	ev = (struct store_event){ sid, fx->vm2, T0, "marker", "before the upgrade" };
	store_push_event(fx->s, &ev);
	smp = (struct store_sample){ sid, fx->vm1, 7, T0, 1234, 0 };
	store_push_sample(fx->s, &smp);
	memset(&sec, 0, sizeof sec);
	sec = (struct store_second){ .session_id = sid,
				     .target_id = fx->vm2,
				     .second = T0 / NSEC_PER_SEC,
				     .sent = 1,
				     .received = 1,
				     .rtt_min_ns = 5,
				     .rtt_max_ns = 5,
				     .rtt_sum_ns = 5 };
	store_push_second(fx->s, &sec);
	sum.session_id = sid;
	sum.target_id = fx->vm1;
	store_push_target_summary(fx->s, &sum);
	store_session_end(fx->s, sid, T0 + 60 * NSEC_PER_SEC, "stopped");
	store_close(fx->s);
	fx->s = NULL;
	downgrade_to_v1(fx->path);

	/* read-only on version 1: everything but runs, and runs are "none" */
	r = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(r);
	assert_int_equal(store_get_session(r, 0, 0, &row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row.id, sid);
	assert_int_equal(row.has_run, 0);
	assert_string_equal(row.end_state, "stopped");
	assert_string_equal(row.label, "");
	assert_int_equal(store_get_session(r, 0, 1, &row, fx->err, sizeof fx->err), 1);
	assert_int_equal(store_get_session(r, sid, 1, &row, fx->err, sizeof fx->err), 1);
	assert_int_equal(
		store_query_runs_by_label(r, "x", collect_session, c, fx->err, sizeof fx->err), 0);
	assert_int_equal(
		store_query_runs_by_label(r, NULL, collect_session, c, fx->err, sizeof fx->err), 0);
	assert_int_equal(c->n, 0);
	assert_int_equal(
		store_query_session_targets(r, sid, collect_target, c, fx->err, sizeof fx->err), 0);
	assert_int_equal(c->n, 2);
	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_events(r, sid, collect_event, c, fx->err, sizeof fx->err), 0);
	assert_int_equal(c->n, 1);
	assert_string_equal(c->ev[0].text, "before the upgrade");
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 1); /* a reader never migrates */

	/* a writer migrates, keeping every row */
	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sqlite_master"
					   " WHERE name IN ('runs', 'runs_label', 'runs_v',"
					   " 'minutes', 'minutes_v', 'hours', 'hours_v')"),
			 7);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM runs"), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sessions"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM targets"), 2);
	assert_int_equal(sql_int(fx->path, "SELECT duration_ns FROM losses"), 2 * NSEC_PER_SEC);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT rtt_ns FROM samples"), 1234);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM seconds"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT rtt_p99_ns FROM target_summaries"), 300);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
	assert_int_equal(sql_int(fx->path, "PRAGMA foreign_key_check"), INT64_MIN); /* no rows */

	/* the old session gets a run; the reader opened on version 1 sees it */
	run = make_run(sid, "upgrade");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	assert_int_equal(store_get_session(r, 0, 1, &row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row.id, sid);
	assert_int_equal(row.has_run, 1);
	assert_string_equal(row.label, "upgrade");
	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_runs_by_label(r, "upgrade", collect_session, c, fx->err,
						   sizeof fx->err),
			 0);
	assert_int_equal(c->n, 1);
	store_close(r);
	free(c);
}

/* A migration that fails half-way leaves the file at version 1, whole. */
static void
test_migrate_atomic(void **state)
{
	struct fixture *fx = *state;
	struct store_session_row row;
	const char *want = "cannot set up the schema: ";

	open_writer(fx);
	store_close(fx->s);
	fx->s = NULL;
	downgrade_to_v1(fx->path);
	/* CREATE TABLE runs succeeds, then CREATE VIEW runs_v fails */
	sql_exec(fx->path, "CREATE TABLE runs_v (x)");
	assert_null(store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err));
	assert_non_null(strstr(fx->err, want));
	assert_non_null(strstr(fx->err, "runs_v"));
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sqlite_master"
					   " WHERE name IN ('runs', 'runs_label')"),
			 0);
	/* and it still reads */
	fx->s = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(store_get_session(fx->s, 0, 0, &row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row.id, fx->sid);
}

/* A version 2 file: a reader reads it as before and finds no minutes; a
 * writer migrates it to version 3 (and on to 4) keeping every row and can
 * roll it up; a reader open across the migration then sees the minutes. */
static void
test_migrate_v2(void **state)
{
	struct fixture *fx = *state;
	struct collect2 *c2 = collect2_new();
	struct mcollect c;
	struct store *r;
	int64_t sid;

	open_writer(fx);
	sid = fx->sid;
	push_second(fx, sid, fx->vm1, M0 * 60, 10, 10, 5, 6, 55, 10, 0);
	push_second(fx, sid, fx->vm1, M0 * 60 + 1, 10, 10, 5, 6, 55, 10, 0);
	store_session_end(fx->s, sid, T0 + 60 * NSEC_PER_SEC, "stopped");
	store_close(fx->s);
	fx->s = NULL;
	downgrade_to_v2(fx->path);

	r = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(r);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(r, 0, fx->vm1, 0, 0, collect_minute, &c, fx->err,
					     sizeof fx->err),
			 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(
		store_query_seconds(r, sid, fx->vm1, collect_second, c2, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c2->n, 2);
	memset(c2, 0, sizeof *c2);
	assert_int_equal(
		store_query_session_targets(r, sid, collect_target, c2, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c2->n, 1);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 2);

	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(count_rows(fx, "hours"), 0);
	assert_int_equal(count_rows(fx, "seconds"), 2);
	assert_int_equal(count_rows(fx, "minutes"), 0);
	assert_int_equal(count_rows(fx, "sessions"), 1);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(M0 + 1)), 2);

	/* the reader opened on version 2 sees the minutes, and the session's
	 * target through them */
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_minutes(r, sid, fx->vm1, 0, 0, collect_minute, &c, fx->err,
					     sizeof fx->err),
			 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sent, 20);
	assert_int_equal(c.m[0].rtt_sum_ns, 110);
	memset(c2, 0, sizeof *c2);
	assert_int_equal(
		store_query_session_targets(r, sid, collect_target, c2, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c2->n, 1);
	assert_string_equal(c2->tgt[0].name, "vm1");
	store_close(r);
	free(c2);
}

/* A version 3 file: a reader reads its minutes as before and finds no
 * hours; a writer migrates it to version 4 keeping every row and can roll
 * its minutes up; a reader open across the migration then sees the hours,
 * and the session's target through them alone. */
static void
test_migrate_v3(void **state)
{
	struct fixture *fx = *state;
	struct collect2 *c2 = collect2_new();
	struct mcollect mc;
	struct hcollect hc;
	struct store *r;
	int64_t sid, m = H0 * 60;

	open_writer(fx);
	sid = fx->sid;
	push_second(fx, sid, fx->vm1, m * 60, 10, 10, 5, 6, 55, 10, 0);
	push_second(fx, sid, fx->vm1, m * 60 + 1, 10, 10, 4, 7, 55, 10, 0);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rollup_now(fx->s, ROLL_AT(m + 1)), 2);
	store_session_end(fx->s, sid, T0 + 60 * NSEC_PER_SEC, "stopped");
	store_close(fx->s);
	fx->s = NULL;
	downgrade_to_v3(fx->path);

	r = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(r);
	memset(&hc, 0, sizeof hc);
	assert_int_equal(
		store_query_hours(r, 0, fx->vm1, 0, 0, collect_hour, &hc, fx->err, sizeof fx->err),
		0);
	assert_int_equal(hc.n, 0);
	memset(&mc, 0, sizeof mc);
	assert_int_equal(store_query_minutes(r, sid, fx->vm1, 0, 0, collect_minute, &mc, fx->err,
					     sizeof fx->err),
			 0);
	assert_int_equal(mc.n, 1);
	assert_int_equal(
		store_query_session_targets(r, sid, collect_target, c2, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c2->n, 1);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 3);

	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sqlite_master"
					   " WHERE name IN ('hours', 'hours_v')"),
			 2);
	assert_int_equal(count_rows(fx, "minutes"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT rtt_max_ns FROM minutes"), 7);
	assert_int_equal(count_rows(fx, "hours"), 0);
	assert_int_equal(count_rows(fx, "sessions"), 1);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
	assert_int_equal(store_rollup_now(fx->s, HOUR_AT(H0 + 1)), 1);

	/* the reader opened on version 3 sees the hours, and the session's
	 * target through them */
	memset(&hc, 0, sizeof hc);
	assert_int_equal(store_query_hours(r, sid, fx->vm1, 0, 0, collect_hour, &hc, fx->err,
					   sizeof fx->err),
			 0);
	assert_int_equal(hc.n, 1);
	assert_int_equal(hc.h[0].hour, H0);
	assert_int_equal(hc.h[0].sent, 20);
	assert_int_equal(hc.h[0].rtt_min_ns, 4);
	assert_int_equal(hc.h[0].rtt_max_ns, 7);
	assert_int_equal(hc.h[0].rtt_sum_ns, 110);
	assert_int_equal(hc.h[0].hist[0], 20);
	assert_int_equal(count_rows(fx, "minutes"), 0);
	memset(c2, 0, sizeof *c2);
	assert_int_equal(
		store_query_session_targets(r, sid, collect_target, c2, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c2->n, 1);
	assert_string_equal(c2->tgt[0].name, "vm1");
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
	store_close(r);
	free(c2);
}

/* Run every test. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v3, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
