/* SPDX-License-Identifier: ISC */
/* test_store.c: the store against temporary database files: every record
 * kind through the writer thread and back, query filters, the views,
 * read-only access, schema checks, target upserts and the constants other
 * modules rely on. Crash recovery and the writer under pressure are in
 * test_store_recovery.c, runs and the reads reports make in
 * test_store_runs.c, migrations in test_store_migrate.c and the rollups in
 * test_store_rollup.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/store_fixture.h"

/* Every record kind goes through the writer thread and comes back exact. */
static void
test_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct store_loss l = make_loss(0, 0, STORE_OUTAGE, T0, 30500 * 1000);
	struct store_transition tr = { 0,   0, STORE_STATE_UP, STORE_STATE_DOWN, T0, T0 + 20 * MS,
				       1000 };
	struct store_sample ok, lost;
	struct store_second sec;
	struct store_event ev = { 0, 0, T0 + 1, "marker", "power cut \"node1\"" };
	struct store_event ev2 = { 0, 0, T0 + 2, "start", NULL };
	struct store_target_summary sum = { 0,      0,      6000,   5997,    3, 1,       2,
					    101000, 250500, 900000, 1200000, 1, 30500000 };
	struct store_target_summary sum2 = { 0, 0, 10, 0, 10, 0, 0, -1, -1, -1, -1, 1, 100 * MS };
	struct collect c;
	char buf[256];
	size_t i;

	open_writer(fx);
	assert_int_equal(store_writer_start(fx->s, 20, fx->err, sizeof fx->err), 0);
	l.session_id = tr.session_id = ev.session_id = ev2.session_id = fx->sid;
	l.target_id = tr.target_id = ev.target_id = fx->vm1;
	l.lost = UINT64_MAX - 5; /* unsigned values survive bit for bit */
	l.last_seq = (uint64_t)INT64_MAX + 7;
	l.end_state = STORE_END_AT_EXIT;
	ok = (struct store_sample){ fx->sid, fx->vm1, 41, T0 - 10 * MS, 250123, 0 };
	lost = (struct store_sample){ fx->sid, fx->vm1, 42, T0, -1, 1 };
	memset(&sec, 0, sizeof sec);
	sec.session_id = fx->sid;
	sec.target_id = fx->vm2;
	sec.second = T0 / NSEC_PER_SEC;
	sec.sent = 200;
	sec.received = 197;
	sec.lost = 3;
	sec.rtt_min_ns = 90001;
	sec.rtt_max_ns = 30000003;
	sec.rtt_sum_ns = 49250000007LL;
	for (i = 0; i < STORE_HIST_BUCKETS; i++)
		sec.hist[i] = (uint32_t)(i * 10 + 1);
	sum.session_id = sum2.session_id = fx->sid;
	sum.target_id = fx->vm1;
	sum2.target_id = fx->vm2;

	store_push_loss(fx->s, &l);
	store_push_transition(fx->s, &tr);
	store_push_sample(fx->s, &ok);
	store_push_sample(fx->s, &lost);
	store_push_second(fx->s, &sec);
	store_push_event(fx->s, &ev);
	store_push_event(fx->s, &ev2);
	store_push_target_summary(fx->s, &sum);
	store_push_target_summary(fx->s, &sum2);
	store_session_end(fx->s, fx->sid, T0 + 60 * NSEC_PER_SEC, NULL);
	assert_int_equal(store_dropped(fx->s), 0);
	assert_int_equal(store_rejected(fx->s), 0);

	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_losses(fx->s, NULL, collect_loss, &c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.loss[0].target, "vm1");
	assert_loss_equal(&c.loss[0].loss, &l);

	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_transitions(fx->s, NULL, collect_transition, &c, fx->err,
						 sizeof fx->err),
			 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.tr[0].target, "vm1");
	assert_int_equal(c.tr[0].tr.session_id, fx->sid);
	assert_int_equal(c.tr[0].tr.target_id, fx->vm1);
	assert_int_equal(c.tr[0].tr.from, STORE_STATE_UP);
	assert_int_equal(c.tr[0].tr.to, STORE_STATE_DOWN);
	assert_int_equal(c.tr[0].tr.effective_ns, T0);
	assert_int_equal(c.tr[0].tr.declared_ns, T0 + 20 * MS);
	assert_int_equal(c.tr[0].tr.seq, 1000);

	memset(&c, 0, sizeof c);
	assert_int_equal(
		store_query_summaries(fx->s, 0, collect_summary, &c, fx->err, sizeof fx->err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.sum[0].target, "vm1");
	assert_string_equal(c.sum[1].target, "vm2");
	assert_memory_equal(&c.sum[0].sum, &sum, sizeof sum);
	assert_memory_equal(&c.sum[1].sum, &sum2, sizeof sum2);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_summaries(fx->s, fx->sid + 1, collect_summary, &c, fx->err,
					       sizeof fx->err),
			 0);
	assert_int_equal(c.n, 0);

	/* samples, seconds, events and the session through plain SQL */
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM samples"), 2);
	assert_int_equal(sql_int(fx->path, "SELECT rtt_ns FROM samples WHERE seq = 41"), 250123);
	assert_int_equal(sql_int(fx->path, "SELECT tx_ns FROM samples WHERE seq = 41"),
			 T0 - 10 * MS);
	assert_int_equal(sql_int(fx->path, "SELECT rtt_ns IS NULL AND result = 1 FROM samples"
					   " WHERE seq = 42"),
			 1);
	assert_int_equal(sql_int(fx->path, "SELECT rtt_sum_ns FROM seconds"), 49250000007LL);
	assert_int_equal(sql_int(fx->path, "SELECT second FROM seconds"), T0 / NSEC_PER_SEC);
	assert_int_equal(
		sql_int(fx->path, "SELECT sent * 1000000 + received * 1000 + lost FROM seconds"),
		200197003);
	assert_int_equal(sql_int(fx->path, "SELECT rtt_min_ns FROM seconds"), 90001);
	assert_int_equal(sql_int(fx->path, "SELECT rtt_max_ns FROM seconds"), 30000003);
	assert_string_equal(sql_text(fx->path, "SELECT hist FROM seconds", buf, sizeof buf),
			    "1,11,21,31,41,51,61,71,81,91");
	assert_string_equal(sql_text(fx->path, "SELECT text FROM events WHERE kind = 'marker'", buf,
				     sizeof buf),
			    "power cut \"node1\"");
	assert_int_equal(sql_int(fx->path, "SELECT ts_ns FROM events WHERE kind = 'marker'"),
			 T0 + 1);
	assert_int_equal(sql_int(fx->path, "SELECT target_id IS NULL AND text IS NULL FROM events"
					   " WHERE kind = 'start'"),
			 1);
	assert_int_equal(sql_int(fx->path, "SELECT ended_ns FROM sessions"),
			 T0 + 60 * NSEC_PER_SEC);
	assert_string_equal(sql_text(fx->path, "SELECT end_state FROM sessions", buf, sizeof buf),
			    "stopped");
	assert_string_equal(
		sql_text(fx->path, "SELECT hostname || '|' || argv FROM sessions", buf, sizeof buf),
		"testhost|hamon test");
	assert_int_equal(sql_int(fx->path, "SELECT interval_ns FROM targets WHERE name = 'vm2'"),
			 5 * MS);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_string_equal(sql_text(fx->path, "PRAGMA journal_mode", buf, sizeof buf), "wal");
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
}

/* Losses for the filter tests: vm1 at T0 (30 ms burst) and T0+10s (2 s
 * outage), vm2 at T0+5s (100 ms burst) and T0+20s (99 ms burst). */
static void
push_filter_losses(struct fixture *fx)
{
	struct store_loss l;

	l = make_loss(fx->sid, fx->vm1, STORE_BURST, T0, 30 * MS);
	store_push_loss(fx->s, &l);
	l = make_loss(fx->sid, fx->vm1, STORE_OUTAGE, T0 + 10 * NSEC_PER_SEC, 2 * NSEC_PER_SEC);
	store_push_loss(fx->s, &l);
	l = make_loss(fx->sid, fx->vm2, STORE_BURST, T0 + 20 * NSEC_PER_SEC, 99 * MS);
	store_push_loss(fx->s, &l);
	l = make_loss(fx->sid, fx->vm2, STORE_BURST, T0 + 5 * NSEC_PER_SEC, 100 * MS);
	store_push_loss(fx->s, &l);
	assert_int_equal(store_flush(fx->s), 0);
}

/* Target, since, until, min, kind and session filters, alone and combined. */
static void
test_loss_filters(void **state)
{
	struct fixture *fx = *state;
	struct store_loss_filter f;
	struct collect *c;

	open_writer(fx);
	push_filter_losses(fx);

	memset(&f, 0, sizeof f);
	f.kind = -1;
	c = query_losses(fx, &f);
	assert_int_equal(c->n, 4);
	/* ordered by start, not by insertion */
	assert_int_equal(c->loss[0].loss.start_ns, T0);
	assert_int_equal(c->loss[1].loss.start_ns, T0 + 5 * NSEC_PER_SEC);
	assert_int_equal(c->loss[2].loss.start_ns, T0 + 10 * NSEC_PER_SEC);
	assert_int_equal(c->loss[3].loss.start_ns, T0 + 20 * NSEC_PER_SEC);

	f.target = "vm2";
	c = query_losses(fx, &f);
	assert_int_equal(c->n, 2);
	assert_string_equal(c->loss[0].target, "vm2");
	assert_string_equal(c->loss[1].target, "vm2");
	f.target = "vm9";
	assert_int_equal(query_losses(fx, &f)->n, 0);
	f.target = NULL;

	/* since: periods ending at or after it (the 30 ms burst ends exactly there) */
	f.since_ns = T0 + 30 * MS;
	assert_int_equal(query_losses(fx, &f)->n, 4);
	f.since_ns = T0 + 30 * MS + 1;
	c = query_losses(fx, &f);
	assert_int_equal(c->n, 3);
	assert_int_equal(c->loss[0].loss.start_ns, T0 + 5 * NSEC_PER_SEC);
	f.since_ns = 0;

	/* until: periods starting before it */
	f.until_ns = T0 + 10 * NSEC_PER_SEC;
	assert_int_equal(query_losses(fx, &f)->n, 2);
	f.until_ns = T0 + 10 * NSEC_PER_SEC + 1;
	assert_int_equal(query_losses(fx, &f)->n, 3);
	f.until_ns = 0;

	/* min: duration estimate at least it */
	f.min_ns = 100 * MS;
	c = query_losses(fx, &f);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->loss[0].loss.duration_ns, 100 * MS);
	assert_int_equal(c->loss[1].loss.duration_ns, 2 * NSEC_PER_SEC);
	f.min_ns = 0;

	f.kind = STORE_OUTAGE;
	c = query_losses(fx, &f);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->loss[0].loss.kind, STORE_OUTAGE);
	f.kind = STORE_BURST;
	assert_int_equal(query_losses(fx, &f)->n, 3);

	/* combined: vm2 bursts of at least 99 ms in (T0+1s, T0+20s) */
	f.target = "vm2";
	f.min_ns = 99 * MS;
	f.since_ns = T0 + NSEC_PER_SEC;
	f.until_ns = T0 + 20 * NSEC_PER_SEC;
	c = query_losses(fx, &f);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->loss[0].loss.duration_ns, 100 * MS);

	memset(&f, 0, sizeof f);
	f.kind = -1;
	f.session_id = fx->sid + 1;
	assert_int_equal(query_losses(fx, &f)->n, 0);
	f.session_id = fx->sid;
	assert_int_equal(query_losses(fx, &f)->n, 4);

	/* a nonzero return from the callback stops the query */
	{
		struct collect stop;

		memset(&stop, 0, sizeof stop);
		stop.stop_after = 2;
		assert_int_equal(store_query_losses(fx->s, NULL, collect_loss, &stop, fx->err,
						    sizeof fx->err),
				 0);
		assert_int_equal(stop.n, 2);
	}
}

/* Transition filters: target, since, until and session. */
static void
test_transition_filters(void **state)
{
	struct fixture *fx = *state;
	struct store_transition_filter f;
	struct collect c;
	int i;

	open_writer(fx);
	for (i = 0; i < 4; i++) {
		struct store_transition tr = { fx->sid,
					       i % 2 ? fx->vm2 : fx->vm1,
					       i < 2 ? STORE_STATE_UP : STORE_STATE_DOWN,
					       i < 2 ? STORE_STATE_DOWN : STORE_STATE_UP,
					       T0 + (4 - i) * NSEC_PER_SEC,
					       T0 + (4 - i) * NSEC_PER_SEC + MS,
					       (uint64_t)i };
		store_push_transition(fx->s, &tr);
	}
	assert_int_equal(store_flush(fx->s), 0);

	memset(&f, 0, sizeof f);
	memset(&c, 0, sizeof c);
	assert_int_equal(
		store_query_transitions(fx->s, &f, collect_transition, &c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.tr[0].tr.effective_ns, T0 + NSEC_PER_SEC);
	assert_int_equal(c.tr[3].tr.effective_ns, T0 + 4 * NSEC_PER_SEC);

	f.target = "vm1";
	memset(&c, 0, sizeof c);
	store_query_transitions(fx->s, &f, collect_transition, &c, fx->err, sizeof fx->err);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.tr[0].target, "vm1");
	assert_int_equal(c.tr[0].tr.effective_ns, T0 + 2 * NSEC_PER_SEC);
	assert_int_equal(c.tr[0].tr.from, STORE_STATE_DOWN);

	f.target = NULL;
	f.since_ns = T0 + 2 * NSEC_PER_SEC;
	f.until_ns = T0 + 4 * NSEC_PER_SEC;
	memset(&c, 0, sizeof c);
	store_query_transitions(fx->s, &f, collect_transition, &c, fx->err, sizeof fx->err);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.tr[0].tr.effective_ns, T0 + 2 * NSEC_PER_SEC);
	assert_int_equal(c.tr[1].tr.effective_ns, T0 + 3 * NSEC_PER_SEC);

	memset(&f, 0, sizeof f);
	f.session_id = fx->sid + 1;
	memset(&c, 0, sizeof c);
	store_query_transitions(fx->s, &f, collect_transition, &c, fx->err, sizeof fx->err);
	assert_int_equal(c.n, 0);
}

/* The views' text columns for known nanosecond values. */
static void
test_views(void **state)
{
	struct fixture *fx = *state;
	struct store_loss l;
	struct store_transition tr;
	struct store_event ev;
	char buf[256];

	open_writer(fx);
	l = make_loss(fx->sid, fx->vm1, STORE_OUTAGE, T0, 30500 * 1000 + 7);
	l.lower_ns = 20250000;
	l.upper_ns = 40000001;
	l.lost = 4;
	store_push_loss(fx->s, &l);
	l = make_loss(fx->sid, fx->vm2, STORE_BURST, T0 + 999, 2 * MS);
	l.end_state = STORE_END_UNKNOWN;
	store_push_loss(fx->s, &l);
	tr = (struct store_transition){ fx->sid,      fx->vm1, STORE_STATE_UP, STORE_STATE_DOWN, T0,
					T0 + 20 * MS, 77 };
	store_push_transition(fx->s, &tr);
	ev = (struct store_event){ fx->sid, 0, T0, "marker", "pull the plug" };
	store_push_event(fx->s, &ev);
	assert_int_equal(store_flush(fx->s), 0);

	assert_string_equal(
		sql_text(fx->path,
			 "SELECT target || ' ' || kind || ' ' || start || ' ' || end || ' '"
			 " || end_state || ' ' || lost FROM outages WHERE target = 'vm1'",
			 buf, sizeof buf),
		"vm1 outage 2025-11-25T23:13:47.123456Z 2025-11-25T23:13:47.153956Z closed 4");
	assert_string_equal(
		sql_text(fx->path,
			 "SELECT printf('%.6f %.6f %.6f', duration_ms, lower_ms, upper_ms)"
			 " FROM outages WHERE target = 'vm1'",
			 buf, sizeof buf),
		"30.500007 20.250000 40.000001");
	assert_int_equal(sql_int(fx->path, "SELECT start_ns FROM outages WHERE target = 'vm1'"),
			 T0);
	assert_int_equal(sql_int(fx->path, "SELECT session_id FROM outages WHERE target = 'vm1'"),
			 fx->sid);
	/* T0 + 999 ns is .123457788 s: the microseconds truncate to .123457 */
	assert_string_equal(sql_text(fx->path,
				     "SELECT kind || ' ' || start || ' ' || end_state FROM outages"
				     " WHERE target = 'vm2'",
				     buf, sizeof buf),
			    "burst 2025-11-25T23:13:47.123457Z unknown");
	assert_string_equal(
		sql_text(fx->path,
			 "SELECT target || ' ' || from_state || ' ' || to_state || ' ' ||"
			 " effective || ' ' || declared || ' ' || lag_ms || ' ' || seq"
			 " FROM transitions_v",
			 buf, sizeof buf),
		"vm1 up down 2025-11-25T23:13:47.123456Z 2025-11-25T23:13:47.143456Z 20.0 77");
	assert_string_equal(sql_text(fx->path,
				     "SELECT time || ' ' || kind || ' ' || text || ' ' ||"
				     " coalesce(target, '-') FROM events_v",
				     buf, sizeof buf),
			    "2025-11-25T23:13:47.123456Z marker pull the plug -");
	assert_string_equal(sql_text(fx->path, "SELECT end_state FROM sessions_v", buf, sizeof buf),
			    "running");
}

/* A read-only handle works while a writer (with its thread) has the file open. */
static void
test_read_while_writing(void **state)
{
	struct fixture *fx = *state;
	struct store *r;
	struct store_loss l;
	struct store_session sess = { T0, 1, "h", "x" };
	struct store_target t = { "vm3", "", "", 2, 0, MS, MS };
	struct collect c;

	open_writer(fx);
	assert_int_equal(store_writer_start(fx->s, 10, fx->err, sizeof fx->err), 0);
	l = make_loss(fx->sid, fx->vm1, STORE_BURST, T0, 30 * MS);
	store_push_loss(fx->s, &l);
	assert_int_equal(store_flush(fx->s), 0);

	r = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(r);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_losses(r, NULL, collect_loss, &c, fx->err, sizeof fx->err), 0);
	assert_int_equal(c.n, 1);

	l.start_ns += NSEC_PER_SEC;
	l.end_ns += NSEC_PER_SEC;
	store_push_loss(fx->s, &l);
	assert_int_equal(store_flush(fx->s), 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_losses(r, NULL, collect_loss, &c, fx->err, sizeof fx->err), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(store_integrity_check(r, fx->err, sizeof fx->err), 0);

	/* a reader refuses writes: sessions and targets fail, pushes are ignored */
	assert_int_equal(store_session_begin(r, &sess, fx->err, sizeof fx->err), -1);
	assert_int_equal(store_target_upsert(r, &t, fx->err, sizeof fx->err), -1);
	store_push_loss(r, &l);
	assert_int_equal(store_flush(r), 0);
	store_close(r);
}

/* A database of a newer schema is refused, in either mode. */
static void
test_schema_newer(void **state)
{
	struct fixture *fx = *state;
	char want[300];

	sql_exec(fx->path, "CREATE TABLE future (x); PRAGMA user_version = 99;");
	snprintf(want, sizeof want, "%s: schema version 99 is newer than this hamon (%d)", fx->path,
		 STORE_SCHEMA_VERSION);
	assert_null(store_open(fx->path, STORE_READ, fx->err, sizeof fx->err));
	assert_string_equal(fx->err, want);
	assert_null(store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err));
	assert_string_equal(fx->err, want);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 99);
}

/* Files that are not hamon databases, and one that does not exist. */
static void
test_not_hamon(void **state)
{
	struct fixture *fx = *state;
	char want[300];
	FILE *fp;

	snprintf(want, sizeof want, "%s: no such database", fx->path);
	assert_null(store_open(fx->path, STORE_READ, fx->err, sizeof fx->err));
	assert_string_equal(fx->err, want);

	/* an empty file: no schema at all */
	fp = fopen(fx->path, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(want, sizeof want, "%s: not a hamon database", fx->path);
	assert_null(store_open(fx->path, STORE_READ, fx->err, sizeof fx->err));
	assert_string_equal(fx->err, want);

	/* somebody else's SQLite database: refused and left untouched */
	sql_exec(fx->path, "CREATE TABLE other (x); INSERT INTO other VALUES (1);");
	assert_null(store_open(fx->path, STORE_READ, fx->err, sizeof fx->err));
	assert_string_equal(fx->err, want);
	assert_null(store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err));
	assert_string_equal(fx->err, want);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sqlite_master"), 1);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 0);

	/* not SQLite at all */
	fp = fopen(fx->path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 64; i++)
		fputs("this is not a database file, just text\n", fp);
	fclose(fp);
	assert_null(store_open(fx->path, STORE_READ, fx->err, sizeof fx->err));
	assert_true(strncmp(fx->err, want, strlen(want)) == 0);
	assert_null(strchr(fx->err, '\n'));
}

/* Upserting a target by name keeps its id and updates its fields. */
static void
test_target_upsert(void **state)
{
	struct fixture *fx = *state;
	struct store_target t = {
		"vm1", "icmp://198.18.0.9", "198.18.0.9", 2, 0, 20 * MS, 2000 * MS
	};

	open_writer(fx);
	assert_int_equal(store_target_upsert(fx->s, &t, fx->err, sizeof fx->err), fx->vm1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM targets"), 2);
	assert_int_equal(sql_int(fx->path, "SELECT interval_ns FROM targets WHERE name = 'vm1'"),
			 20 * MS);
	t.name = "";
	assert_int_equal(store_target_upsert(fx->s, &t, fx->err, sizeof fx->err), -1);
}

/* Constants other modules rely on. */
static void
test_constants(void **state)
{
	static const int64_t want[] = { 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000 };

	(void)state;
	assert_memory_equal(store_hist_bounds_us, want, sizeof want);
	assert_string_equal(store_state_name(STORE_STATE_UNKNOWN), "unknown");
	assert_string_equal(store_state_name(STORE_STATE_UP), "up");
	assert_string_equal(store_state_name(STORE_STATE_DOWN), "down");
}

/* Run every test. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transition_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_views, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_while_writing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_newer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_hamon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_upsert, setup, teardown),
		cmocka_unit_test(test_constants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
