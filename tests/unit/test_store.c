/* test_store.c: the store against temporary database files: every record
 * kind through the writer thread and back, query filters, the views,
 * read-only access, schema checks and the v1 to v2, v2 to v3 and v3 to v4
 * migrations, crash recovery, queue bounds, runs and the reads reports make,
 * and the rollup of seconds into minutes and of minutes into hours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "lib/timeutil.h"
#include "report/report.h"
#include "store/store.h"

/* 2025-11-25T23:13:47.123456789Z */
#define T0 1764112427123456789LL
#define MS NSEC_PER_MSEC

struct fixture {
	char dir[64];
	char path[128];
	char err[256];
	struct store *s;
	int64_t sid;
	int64_t vm1, vm2;
};

/* A fresh directory per test. */
static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/hamon-test-store.XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof fx->path, "%s/hamon.db", fx->dir);
	*state = fx;
	return 0;
}

/* Close what is open and remove the directory. */
static int
teardown(void **state)
{
	struct fixture *fx = *state;
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[160];
	size_t i;

	store_close(fx->s);
	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s%s", fx->path, sfx[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Open for writing with one session and two targets. */
static void
open_writer(struct fixture *fx)
{
	struct store_session sess = { T0 - 10 * NSEC_PER_SEC, (int)getpid(), "testhost",
				      "hamon test" };
	struct store_target t1 = { "vm1",    "icmp://198.18.0.2", "198.18.0.2", 2, 0, 10 * MS,
				   1000 * MS };
	struct store_target t2 = { "vm2",   "tcp://198.18.0.3:22", "198.18.0.3", 2, 22, 5 * MS,
				   500 * MS };

	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	fx->sid = store_session_begin(fx->s, &sess, fx->err, sizeof fx->err);
	assert_true(fx->sid > 0);
	fx->vm1 = store_target_upsert(fx->s, &t1, fx->err, sizeof fx->err);
	fx->vm2 = store_target_upsert(fx->s, &t2, fx->err, sizeof fx->err);
	assert_true(fx->vm1 > 0);
	assert_true(fx->vm2 > 0);
	assert_int_not_equal(fx->vm1, fx->vm2);
}

/* Run SQL on the file through a separate connection; first column as integer. */
static int64_t
sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = INT64_MIN;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The same for a text column, copied into buf ("(null)" for NULL). */
static const char *
sql_text(const char *path, const char *sql, char *buf, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	snprintf(buf, len, "(no row)");
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		snprintf(buf, len, "%s", t != NULL ? (const char *)t : "(null)");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

/* Execute SQL statements on the file through a separate connection. */
static void
sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A loss with every field distinct, so a swapped column shows. */
static struct store_loss
make_loss(int64_t sid, int64_t tid, enum store_loss_kind kind, int64_t start, int64_t dur)
{
	struct store_loss l;

	memset(&l, 0, sizeof l);
	l.session_id = sid;
	l.target_id = tid;
	l.kind = kind;
	l.start_ns = start;
	l.end_ns = start + dur;
	l.start_lo_ns = start - 5 * MS + 1;
	l.start_hi_ns = start + 5 * MS - 3;
	l.end_lo_ns = start + dur - 5 * MS + 7;
	l.end_hi_ns = start + dur + 5 * MS - 11;
	l.duration_ns = dur;
	l.lower_ns = dur - 10 * MS + 13;
	l.upper_ns = dur + 10 * MS - 17;
	l.lost = 3;
	l.first_seq = 1000;
	l.last_seq = 1002;
	l.end_state = STORE_END_CLOSED;
	return l;
}

/* Field-by-field equality of two losses. */
static void
assert_loss_equal(const struct store_loss *a, const struct store_loss *b)
{
	assert_int_equal(a->session_id, b->session_id);
	assert_int_equal(a->target_id, b->target_id);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->start_ns, b->start_ns);
	assert_int_equal(a->end_ns, b->end_ns);
	assert_int_equal(a->start_lo_ns, b->start_lo_ns);
	assert_int_equal(a->start_hi_ns, b->start_hi_ns);
	assert_int_equal(a->end_lo_ns, b->end_lo_ns);
	assert_int_equal(a->end_hi_ns, b->end_hi_ns);
	assert_int_equal(a->duration_ns, b->duration_ns);
	assert_int_equal(a->lower_ns, b->lower_ns);
	assert_int_equal(a->upper_ns, b->upper_ns);
	assert_true(a->lost == b->lost);
	assert_true(a->first_seq == b->first_seq);
	assert_true(a->last_seq == b->last_seq);
	assert_int_equal(a->end_state, b->end_state);
}

#define MAX_ROWS 16
/* What the query callbacks collect. */
struct collect {
	int n;
	int stop_after; /* 0: never stop */
	struct store_loss_row loss[MAX_ROWS];
	struct store_transition_row tr[MAX_ROWS];
	struct store_summary_row sum[MAX_ROWS];
};

/* Collect loss rows. */
static int
collect_loss(const struct store_loss_row *row, void *arg)
{
	struct collect *c = arg;

	if (c->n < MAX_ROWS)
		c->loss[c->n] = *row;
	c->n++;
	return c->stop_after > 0 && c->n >= c->stop_after;
}

/* Collect transition rows. */
static int
collect_transition(const struct store_transition_row *row, void *arg)
{
	struct collect *c = arg;

	if (c->n < MAX_ROWS)
		c->tr[c->n] = *row;
	c->n++;
	return 0;
}

/* Collect summary rows. */
static int
collect_summary(const struct store_summary_row *row, void *arg)
{
	struct collect *c = arg;

	if (c->n < MAX_ROWS)
		c->sum[c->n] = *row;
	c->n++;
	return 0;
}

/* Run a loss query into a fresh collect. */
static struct collect *
query_losses(struct fixture *fx, const struct store_loss_filter *f)
{
	static struct collect c;

	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_losses(fx->s, f, collect_loss, &c, fx->err, sizeof fx->err),
			 0);
	return &c;
}

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

/* A pid that is certainly not running: a child that has been reaped. */
static int
dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return (int)pid;
}

/* Sessions left open by a dead monitor are closed as crashed at last_seen_ns;
 * those of a live one, and ended ones, are left alone. */
static void
test_crash_recovery(void **state)
{
	struct fixture *fx = *state;
	char host[65], sql[2048], buf[64];
	struct store_session now;
	int64_t id_now;

	assert_int_equal(gethostname(host, sizeof host), 0);
	host[sizeof host - 1] = '\0';
	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	/* 1: dead pid; 2: live pid (our parent); 3: live pid on another host;
	 * 4: our own pid, so a predecessor; 5: dead pid but ended cleanly */
	snprintf(
		sql, sizeof sql,
		"INSERT INTO sessions (id, started_ns, ended_ns, last_seen_ns, pid, hostname, argv,"
		" end_state) VALUES"
		" (1, %lld, NULL, %lld, %d, '%s', 'hamon monitor', NULL),"
		" (2, %lld, NULL, %lld, %d, '%s', 'hamon monitor', NULL),"
		" (3, %lld, NULL, %lld, %d, 'some-other-host', 'hamon monitor', NULL),"
		" (4, %lld, NULL, %lld, %d, '%s', 'hamon monitor', NULL),"
		" (5, %lld, %lld, %lld, %d, '%s', 'hamon monitor', 'stopped')",
		T0, T0 + 1000000007, dead_pid(), host, T0, T0 + 2000000007, (int)getppid(), host,
		T0, T0 + 3000000007, (int)getppid(), T0, T0 + 4000000007, (int)getpid(), host, T0,
		T0 + 5, T0 + 5, dead_pid(), host);
	sql_exec(fx->path, sql);

	now = (struct store_session){ T0 + 3600 * NSEC_PER_SEC, (int)getpid(), host,
				      "hamon monitor" };
	id_now = store_session_begin(fx->s, &now, fx->err, sizeof fx->err);
	assert_int_equal(id_now, 6);

	assert_string_equal(sql_text(fx->path,
				     "SELECT group_concat(id || ':' ||"
				     " coalesce(end_state, 'open') || ':' ||"
				     " coalesce(ended_ns - started_ns, -1), ' ')"
				     " FROM (SELECT * FROM sessions ORDER BY id)",
				     sql, sizeof sql),
			    "1:crashed:1000000007 2:open:-1 3:crashed:3000000007"
			    " 4:crashed:4000000007 5:stopped:5 6:open:-1");
	assert_int_equal(sql_int(fx->path, "SELECT started_ns FROM sessions WHERE id = 6"),
			 T0 + 3600 * NSEC_PER_SEC);

	/* a cleanly ended session is left alone by the next recovery */
	store_session_end(fx->s, id_now, T0 + 7200 * NSEC_PER_SEC, "stopped");
	store_close(fx->s);
	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(store_session_begin(fx->s, &now, fx->err, sizeof fx->err), 7);
	assert_string_equal(
		sql_text(fx->path, "SELECT end_state FROM sessions WHERE id = 6", buf, sizeof buf),
		"stopped");
	assert_int_equal(sql_int(fx->path, "SELECT ended_ns IS NULL FROM sessions WHERE id = 2"),
			 1);
}

/*
 * A monitor killed during an outage left only the DOWN transition: the next
 * session_begin closes the session as crashed, adds the outage as ended
 * unknown with the documented bounds (store_recover_outages), records a
 * "crash" event, leaves targets that were up or already closed alone, and
 * `hamon history` shows the row as ended unknown.
 */
static void
test_crash_open_outage(void **state)
{
	struct fixture *fx = *state;
	struct store_target t3 = { "vm3",    "icmp://198.18.0.4", "198.18.0.4", 2, 0, 10 * MS,
				   1000 * MS };
	struct store_target t4 = {
		"vm4", "icmp://198.18.0.5", "198.18.0.5", 2, 0, 20 * MS, 500 * MS
	};
	struct store_transition tr;
	struct store_loss l, at_exit;
	struct store_session next;
	struct store_loss_filter f;
	struct collect *c;
	char host[65], sql[512], buf[256], *out = NULL;
	int64_t vm3, vm4, eff = T0 + 2 * NSEC_PER_SEC, seen = T0 + 60 * NSEC_PER_SEC, sid2;
	size_t outlen = 0;
	FILE *fp;
	long rows;

	assert_int_equal(gethostname(host, sizeof host), 0);
	host[sizeof host - 1] = '\0';
	open_writer(fx);
	vm3 = store_target_upsert(fx->s, &t3, fx->err, sizeof fx->err);
	vm4 = store_target_upsert(fx->s, &t4, fx->err, sizeof fx->err);
	assert_true(vm3 > 0 && vm4 > 0);
	/* vm1: up, then down and never up again: the open outage */
	tr = (struct store_transition){ fx->sid, fx->vm1, STORE_STATE_UNKNOWN, STORE_STATE_UP, T0,
					T0,      1 };
	store_push_transition(fx->s, &tr);
	tr = (struct store_transition){
		fx->sid, fx->vm1, STORE_STATE_UP, STORE_STATE_DOWN, eff, eff + 30 * MS, 201
	};
	store_push_transition(fx->s, &tr);
	/* vm2: down and up again, its outage stored when it ended */
	tr = (struct store_transition){
		fx->sid, fx->vm2, STORE_STATE_UP, STORE_STATE_DOWN, eff, eff + 15 * MS, 401
	};
	store_push_transition(fx->s, &tr);
	tr = (struct store_transition){ fx->sid,
					fx->vm2,
					STORE_STATE_DOWN,
					STORE_STATE_UP,
					eff + NSEC_PER_SEC,
					eff + NSEC_PER_SEC,
					601 };
	store_push_transition(fx->s, &tr);
	l = make_loss(fx->sid, fx->vm2, STORE_OUTAGE, eff - 2 * MS, NSEC_PER_SEC);
	store_push_loss(fx->s, &l);
	/* vm3: down, and its at-exit outage already written (killed while
	 * closing): not a second time */
	tr = (struct store_transition){ fx->sid,       vm3, STORE_STATE_UP, STORE_STATE_DOWN, eff,
					eff + 30 * MS, 77 };
	store_push_transition(fx->s, &tr);
	at_exit = make_loss(fx->sid, vm3, STORE_OUTAGE, eff - 5 * MS, 3 * NSEC_PER_SEC);
	at_exit.first_seq = 77;
	at_exit.end_state = STORE_END_AT_EXIT;
	store_push_loss(fx->s, &at_exit);
	/* vm4: never answered (down from unknown): the start is no earlier
	 * than the first lost probe */
	tr = (struct store_transition){ fx->sid,
					vm4,
					STORE_STATE_UNKNOWN,
					STORE_STATE_DOWN,
					T0 + NSEC_PER_SEC,
					T0 + NSEC_PER_SEC + 60 * MS,
					0 };
	store_push_transition(fx->s, &tr);
	assert_int_equal(store_flush(fx->s), 0);
	/* the monitor "dies": no session end, and its pid is gone */
	store_close(fx->s);
	fx->s = NULL;
	snprintf(sql, sizeof sql,
		 "UPDATE sessions SET pid = %d, hostname = '%s', last_seen_ns = %lld WHERE id = "
		 "%lld",
		 dead_pid(), host, (long long)seen, (long long)fx->sid);
	sql_exec(fx->path, sql);

	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	next = (struct store_session){ seen + NSEC_PER_SEC, (int)getpid(), host, "hamon monitor" };
	sid2 = store_session_begin(fx->s, &next, fx->err, sizeof fx->err);
	assert_true(sid2 > fx->sid);

	assert_string_equal(sql_text(fx->path,
				     "SELECT end_state || ':' || (ended_ns - last_seen_ns)"
				     " FROM sessions WHERE id = 1",
				     buf, sizeof buf),
			    "crashed:0");
	assert_int_equal(sql_int(fx->path, "SELECT ts_ns FROM events WHERE kind = 'crash'"
					   " AND session_id = 1 AND target_id IS NULL"),
			 seen);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events WHERE kind = 'crash'"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM losses WHERE end_state = 2"), 2);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM losses WHERE kind = 0"), 0);

	memset(&f, 0, sizeof f);
	f.kind = STORE_OUTAGE;
	f.target = "vm1";
	c = query_losses(fx, &f);
	assert_int_equal(c->n, 1);
	l = c->loss[0].loss;
	assert_int_equal(l.session_id, fx->sid);
	assert_int_equal(l.end_state, STORE_END_UNKNOWN);
	assert_int_equal(l.start_hi_ns, eff);
	assert_int_equal(l.start_lo_ns, eff - 10 * MS);
	assert_int_equal(l.start_ns, eff - 5 * MS);
	assert_int_equal(l.end_ns, seen);
	assert_int_equal(l.end_lo_ns, seen);
	assert_int_equal(l.end_hi_ns, seen);
	assert_int_equal(l.duration_ns, seen - (eff - 5 * MS));
	assert_int_equal(l.upper_ns, seen - (eff - 10 * MS));
	/* certainly lost: probes sent up to last_seen - timeout - interval */
	assert_int_equal(l.lower_ns, seen - 1000 * MS - 10 * MS - eff);
	assert_true(l.lost == 0);
	assert_true(l.first_seq == 201 && l.last_seq == 201);

	f.target = "vm4";
	c = query_losses(fx, &f);
	assert_int_equal(c->n, 1);
	l = c->loss[0].loss;
	assert_int_equal(l.start_lo_ns, T0 + NSEC_PER_SEC);
	assert_int_equal(l.start_ns, T0 + NSEC_PER_SEC);
	assert_int_equal(l.duration_ns, seen - (T0 + NSEC_PER_SEC));
	assert_int_equal(l.upper_ns, l.duration_ns);
	assert_int_equal(l.lower_ns, seen - 500 * MS - 20 * MS - (T0 + NSEC_PER_SEC));

	/* vm2 (up again) and vm3 (already closed) keep just their rows */
	f.target = "vm2";
	assert_int_equal(query_losses(fx, &f)->n, 1);
	assert_int_equal(query_losses(fx, &f)->loss[0].loss.end_state, STORE_END_CLOSED);
	f.target = "vm3";
	c = query_losses(fx, &f);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->loss[0].loss.end_state, STORE_END_AT_EXIT);

	/* what `hamon history` prints for it */
	fp = open_memstream(&out, &outlen);
	assert_non_null(fp);
	f.target = "vm1";
	rows = report_history(fx->s, &f, REPORT_TABLE, fp, fx->err, sizeof fx->err);
	fclose(fp);
	assert_int_equal(rows, 1);
	assert_non_null(strstr(out, "(ended unknown: crash)"));
	free(out);

	/* a later start finds nothing more to close */
	store_session_end(fx->s, sid2, seen + 2 * NSEC_PER_SEC, "stopped");
	store_close(fx->s);
	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_true(store_session_begin(fx->s, &next, fx->err, sizeof fx->err) > sid2);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM losses WHERE end_state = 2"), 2);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events WHERE kind = 'crash'"), 1);
}

/* What the child of test_write_fails_full saw. */
struct full_result {
	int ok_before, flush_full, flush_after;
	uint64_t dropped_full, dropped_after;
	int64_t sid, tid;
};

/* The child: write, then fail to (the WAL may not grow: RLIMIT_FSIZE, with
 * SIGXFSZ ignored, makes write() fail with EFBIG as a full disk would),
 * then write again. No writer thread: store_flush runs the cycle here. */
static void
full_child(const char *path, int fd)
{
	struct store_session sess = { T0, (int)getpid(), "testhost", "hamon test" };
	struct store_target t1 = { "vm1", "icmp://198.18.0.2", "198.18.0.2", 2, 0, MS, 100 * MS };
	struct full_result r;
	struct store_sample smp;
	struct store_transition tr;
	struct store_loss l;
	struct rlimit rl;
	struct stat sb;
	char wal[200], err[256];
	struct store *s;
	int i;

	memset(&r, 0, sizeof r);
	snprintf(wal, sizeof wal, "%s-wal", path);
	if ((s = store_open(path, STORE_WRITE, err, sizeof err)) == NULL)
		_exit(10);
	r.sid = store_session_begin(s, &sess, err, sizeof err);
	r.tid = store_target_upsert(s, &t1, err, sizeof err);
	for (i = 0; i < 100; i++) {
		smp = (struct store_sample){ r.sid, r.tid, (uint64_t)i, T0 + i * MS, 20000, 0 };
		store_push_sample(s, &smp);
	}
	r.ok_before = store_flush(s);
	if (stat(wal, &sb) < 0)
		_exit(11);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = (rlim_t)sb.st_size;
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		_exit(12);
	for (i = 100; i < 50100; i++) {
		smp = (struct store_sample){ r.sid, r.tid, (uint64_t)i, T0 + i * MS, 20000, 0 };
		store_push_sample(s, &smp);
	}
	tr =
		(struct store_transition){ r.sid, r.tid, STORE_STATE_UP, STORE_STATE_DOWN, T0,
					   T0,    200 };
	store_push_transition(s, &tr);
	l = make_loss(r.sid, r.tid, STORE_OUTAGE, T0, 300 * MS);
	store_push_loss(s, &l);
	r.flush_full = store_flush(s);
	r.dropped_full = store_dropped(s);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_FSIZE, &rl);
	r.flush_after = store_flush(s);
	r.dropped_after = store_dropped(s);
	store_close(s);
	if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(13);
	_exit(0);
}

/* A write that fails for want of space: the samples waiting are dropped
 * and counted, the transition and the outage stay queued and are written
 * once there is room again, and the file stays sound. */
static void
test_write_fails_full(void **state)
{
	struct fixture *fx = *state;
	struct full_result r;
	int fds[2], st;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		full_child(fx->path, fds[1]);
	}
	close(fds[1]);
	memset(&r, 0, sizeof r);
	assert_int_equal(read(fds[0], &r, sizeof r), (ssize_t)sizeof r);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	assert_int_equal(r.ok_before, 0);
	assert_int_equal(r.flush_full, -1);
	assert_int_equal(r.dropped_full, 50000); /* every sample queued then */
	assert_int_equal(r.flush_after, 0);
	assert_int_equal(r.dropped_after, 50000); /* nothing more */
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM samples"), 100);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM transitions WHERE seq = 200"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM losses WHERE kind = 1"), 1);
	fx->s = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
}

/* Bounded queue: samples drop at the bulk bound, vital records only at theirs,
 * every drop is counted, and what was kept is written. */
static void
test_queue_bounds(void **state)
{
	struct fixture *fx = *state;
	struct store_sample smp;
	struct store_loss l;
	struct store_event ev;
	int i;

	open_writer(fx);
	store_set_queue_limits(fx->s, 10, 5);
	for (i = 0; i < 15; i++) {
		smp = (struct store_sample){ fx->sid, fx->vm1, (uint64_t)i, T0 + i, 1000, 0 };
		store_push_sample(fx->s, &smp);
	}
	assert_int_equal(store_dropped(fx->s), 5);
	for (i = 0; i < 3; i++) {
		l = make_loss(fx->sid, fx->vm1, STORE_BURST, T0 + i * NSEC_PER_SEC, MS);
		store_push_loss(fx->s, &l);
	}
	assert_int_equal(store_dropped(fx->s), 5); /* vital records pass the full bulk bound */
	for (i = 0; i < 5; i++) {
		ev = (struct store_event){ fx->sid, fx->vm1, T0 + i, "marker", "m" };
		store_push_event(fx->s, &ev);
	}
	assert_int_equal(store_dropped(fx->s), 8); /* 3 losses + 2 events fill the vital bound */
	smp.seq = 100;
	store_push_sample(fx->s, &smp);
	assert_int_equal(store_dropped(fx->s), 9);

	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM samples"), 10);
	assert_int_equal(sql_int(fx->path, "SELECT max(seq) FROM samples"), 9);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM losses"), 3);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), 2);

	/* room again once written */
	store_push_sample(fx->s, &smp);
	assert_int_equal(store_dropped(fx->s), 9);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM samples"), 11);
}

/* While another connection holds the write lock the records stay queued
 * and are written by a later cycle (this waits out the 5 s busy timeout). */
static void
test_retry_when_locked(void **state)
{
	struct fixture *fx = *state;
	struct store_loss l;
	sqlite3 *other;

	open_writer(fx);
	l = make_loss(fx->sid, fx->vm1, STORE_BURST, T0, 30 * MS);
	store_push_loss(fx->s, &l);
	assert_int_equal(sqlite3_open(fx->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_flush(fx->s), -1);
	assert_int_equal(store_dropped(fx->s), 0);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);

	l.start_ns += NSEC_PER_SEC;
	l.end_ns += NSEC_PER_SEC;
	store_push_loss(fx->s, &l);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM losses"), 2);
}

/* A record naming no target is refused by the database, counted, and does
 * not hold back the others in its transaction. */
static void
test_rejected_record(void **state)
{
	struct fixture *fx = *state;
	struct store_loss good, bad;

	open_writer(fx);
	good = make_loss(fx->sid, fx->vm1, STORE_BURST, T0, 30 * MS);
	bad = make_loss(fx->sid, fx->vm2 + 100, STORE_BURST, T0, 30 * MS);
	store_push_loss(fx->s, &bad);
	store_push_loss(fx->s, &good);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rejected(fx->s), 1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM losses"), 1);
}

/* A loss or transition is committed within ~50 ms, not at the next flush_ms. */
static void
test_vital_commit_promptly(void **state)
{
	struct fixture *fx = *state;
	struct store_transition tr;
	struct store_sample smp;
	int64_t t0, waited = -1;

	open_writer(fx);
	assert_int_equal(store_writer_start(fx->s, 1000, fx->err, sizeof fx->err), 0);
	/* let the writer's first (immediate) cycle pass */
	usleep(100 * 1000);
	smp = (struct store_sample){ fx->sid, fx->vm1, 1, T0, 1000, 0 };
	store_push_sample(fx->s, &smp);
	tr = (struct store_transition){ fx->sid, fx->vm1, STORE_STATE_UP, STORE_STATE_DOWN, T0,
					T0,      1 };
	t0 = time_mono_ns();
	store_push_transition(fx->s, &tr);
	while (time_mono_ns() - t0 < 900 * MS) {
		if (sql_int(fx->path, "SELECT count(*) FROM transitions") == 1) {
			waited = time_mono_ns() - t0;
			break;
		}
		usleep(5 * 1000);
	}
	assert_true(waited >= 0);
	assert_true(waited < 500 * MS);
	/* the sample rode along in the same transaction */
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM samples"), 1);
}

/* Closing without a writer or a session end still writes what is queued. */
static void
test_close_flushes(void **state)
{
	struct fixture *fx = *state;
	struct store_event ev;

	store_close(NULL);
	open_writer(fx);
	ev = (struct store_event){ fx->sid, 0, T0, "stop", "bye" };
	store_push_event(fx->s, &ev);
	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), 1);
	/* the session was not ended: it is still open, last_seen kept fresh */
	assert_int_equal(sql_int(fx->path, "SELECT ended_ns IS NULL FROM sessions"), 1);
	/* and with no writer left a reader still opens the WAL database */
	fx->s = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
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

/* ---- schema version 2: runs and what reports read ---- */

/* Turn the file back into a version 4 database without bench tables:
 * version 5 is exactly version 4 and unknown_windows with its index and
 * view, the bench tables and schedulers. */
static void
downgrade_to_v4(const char *path)
{
	sql_exec(path, "DROP VIEW unknown; DROP TABLE unknown_windows; DROP TABLE bench_results;"
		       " DROP TABLE bench_runs; DROP TABLE schedulers; PRAGMA user_version = 4;");
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE"
				       " 'unknown%' OR name LIKE 'bench%'"),
			 0);
}

/* Turn the file back into a version 3 database: version 4 is exactly
 * version 3 and the hours table with its view. */
static void
downgrade_to_v3(const char *path)
{
	downgrade_to_v4(path);
	sql_exec(path, "DROP VIEW hours_v; DROP TABLE hours; PRAGMA user_version = 3;");
	assert_int_equal(
		sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'hours%'"), 0);
}

/* Turn the file back into a version 2 database: version 3 is exactly
 * version 2 and the minutes table with its view. */
static void
downgrade_to_v2(const char *path)
{
	downgrade_to_v3(path);
	sql_exec(path, "DROP VIEW minutes_v; DROP TABLE minutes; PRAGMA user_version = 2;");
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master"
				       " WHERE name LIKE 'minutes%'"),
			 0);
}

/* Turn the file back into a version 1 database: the v1 code path's schema
 * is exactly version 2 without runs, runs_label and runs_v. */
static void
downgrade_to_v1(const char *path)
{
	downgrade_to_v2(path);
	sql_exec(path, "DROP VIEW runs_v; DROP TABLE runs; PRAGMA user_version = 1;");
	assert_int_equal(
		sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'runs%'"), 0);
}

/* A run with every field set and distinct. */
static struct store_run
make_run(int64_t sid, const char *label)
{
	struct store_run r;

	memset(&r, 0, sizeof r);
	r.session_id = sid;
	r.label = label;
	r.kind = "migration";
	r.argv = "qm migrate 101 node2 --online";
	r.cmd_start_ns = T0 + 1001;
	r.cmd_end_ns = T0 + 42 * NSEC_PER_SEC + 2003;
	r.cmd_duration_ns = 42 * NSEC_PER_SEC + 999;
	r.exit_status = 3;
	r.output_bytes = (uint64_t)INT64_MAX + 9; /* bit for bit */
	r.hv_json = "{\"downtime_ms\":57,\"transferred\":1073741824}";
	return r;
}

/* End the current session and begin another with argv; its id. */
static int64_t
next_session(struct fixture *fx, const char *argv)
{
	struct store_session sess = { T0, (int)getpid(), "testhost", argv };

	store_session_end(fx->s, fx->sid, T0 + NSEC_PER_SEC, "stopped");
	fx->sid = store_session_begin(fx->s, &sess, fx->err, sizeof fx->err);
	assert_true(fx->sid > 0);
	return fx->sid;
}

#define MAX_SESSIONS 8
/* What the session, target, event, sample and second callbacks collect. */
struct collect2 {
	int n;
	int stop_after;  /* 0: never stop */
	struct store *s; /* set: query it again from inside the callback */
	int64_t nested;  /* what those nested queries found */
	struct store_session_row sess[MAX_SESSIONS];
	struct store_target_row tgt[MAX_ROWS];
	struct store_event_row ev[MAX_ROWS];
	struct store_sample smp[MAX_ROWS];
	struct store_second sec[MAX_ROWS];
};

/* Count one row; nonzero when the collector wants to stop. */
static int
collect2_next(struct collect2 *c)
{
	c->n++;
	return c->stop_after > 0 && c->n >= c->stop_after;
}

/* Collect sample rows. */
static int
collect_sample(const struct store_sample *smp, void *arg)
{
	struct collect2 *c = arg;

	if (c->n < MAX_ROWS)
		c->smp[c->n] = *smp;
	return collect2_next(c);
}

/* Collect session rows; with c->s set, look each one up again by id. */
static int
collect_session(const struct store_session_row *row, void *arg)
{
	struct collect2 *c = arg;
	struct store_session_row again;

	if (c->n < MAX_SESSIONS)
		c->sess[c->n] = *row;
	if (c->s != NULL && store_get_session(c->s, row->id, 1, &again, NULL, 0) == 0)
		c->nested += again.id;
	return collect2_next(c);
}

/* Collect target rows; with c->s set, count each one's samples of session 1. */
static int
collect_target(const struct store_target_row *row, void *arg)
{
	struct collect2 *c = arg;

	if (c->n < MAX_ROWS)
		c->tgt[c->n] = *row;
	if (c->s != NULL) {
		struct collect2 *inner = calloc(1, sizeof *inner);

		assert_non_null(inner);
		assert_int_equal(
			store_query_samples(c->s, 1, row->id, collect_sample, inner, NULL, 0), 0);
		c->nested += inner->n;
		free(inner);
	}
	return collect2_next(c);
}

/* Collect event rows. */
static int
collect_event(const struct store_event_row *row, void *arg)
{
	struct collect2 *c = arg;

	if (c->n < MAX_ROWS)
		c->ev[c->n] = *row;
	return collect2_next(c);
}

/* Collect per-second rows. */
static int
collect_second(const struct store_second *sec, void *arg)
{
	struct collect2 *c = arg;

	if (c->n < MAX_ROWS)
		c->sec[c->n] = *sec;
	return collect2_next(c);
}

/* A fresh collector (large: allocated). */
static struct collect2 *
collect2_new(void)
{
	struct collect2 *c = calloc(1, sizeof *c);

	assert_non_null(c);
	return c;
}

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

/* A run goes in and comes back field for field, replaces itself, and is
 * shown by runs_v; bad runs are refused with a reason. */
static void
test_run_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct store_run run = make_run(0, "mig-101");
	struct store_session_row *row = calloc(1, sizeof *row);
	struct store_sample smp;
	struct store *r;
	char buf[256], *longcmd;
	size_t i;

	assert_non_null(row);
	open_writer(fx);
	assert_int_equal(store_writer_start(fx->s, 10, fx->err, sizeof fx->err), 0);
	run.session_id = fx->sid;

	/* while running: no end, no duration, exit -1; the writer keeps writing */
	run.cmd_end_ns = 0;
	run.cmd_duration_ns = 0;
	run.exit_status = -1;
	run.hv_json = NULL;
	for (i = 0; i < 100; i++) {
		smp =
			(struct store_sample){ fx->sid,         fx->vm1, (uint64_t)i,
					       T0 + (int64_t)i, 1000,    0 };
		store_push_sample(fx->s, &smp);
		if (i % 10 == 0)
			assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	}
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM samples"), 100);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT cmd_end_ns IS NULL AND cmd_duration_ns IS NULL"
					   " AND hv_json IS NULL FROM runs"),
			 1);
	assert_int_equal(store_get_session(fx->s, fx->sid, 0, row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row->has_run, 1);
	assert_int_equal(row->cmd_end_ns, 0);
	assert_int_equal(row->cmd_duration_ns, 0);
	assert_int_equal(row->exit_status, -1);
	assert_string_equal(row->hv_json, "");
	assert_int_equal(row->ended_ns, 0);
	assert_string_equal(row->end_state, "");
	assert_string_equal(sql_text(fx->path,
				     "SELECT coalesce(end, '-') || ' ' ||"
				     " coalesce(duration_ms, '-') FROM runs_v",
				     buf, sizeof buf),
			    "- -");

	/* finished: replaced in place */
	run = make_run(fx->sid, "mig-101");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	store_session_end(fx->s, fx->sid, T0 + 60 * NSEC_PER_SEC, "stopped");
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(store_get_session(fx->s, fx->sid, 1, row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row->id, fx->sid);
	assert_int_equal(row->started_ns, T0 - 10 * NSEC_PER_SEC);
	assert_int_equal(row->ended_ns, T0 + 60 * NSEC_PER_SEC);
	assert_string_equal(row->end_state, "stopped");
	assert_string_equal(row->argv, "hamon test");
	assert_int_equal(row->has_run, 1);
	assert_string_equal(row->label, "mig-101");
	assert_string_equal(row->kind, "migration");
	assert_string_equal(row->cmd, run.argv);
	assert_int_equal(row->cmd_start_ns, run.cmd_start_ns);
	assert_int_equal(row->cmd_end_ns, run.cmd_end_ns);
	assert_int_equal(row->cmd_duration_ns, run.cmd_duration_ns);
	assert_int_equal(row->exit_status, 3);
	assert_true(row->output_bytes == run.output_bytes);
	assert_string_equal(row->hv_json, run.hv_json);
	assert_string_equal(
		sql_text(fx->path,
			 "SELECT label || ' ' || kind || ' ' || command || ' ' || start"
			 " || ' ' || end || ' ' || printf('%.6f', duration_ms) || ' ' ||"
			 " exit_status || ' ' || session_id FROM runs_v",
			 buf, sizeof buf),
		"mig-101 migration qm migrate 101 node2 --online"
		" 2025-11-25T23:13:47.123457Z 2025-11-25T23:14:29.123458Z 42000.000999 3 1");

	/* the same through a reader */
	r = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(r);
	memset(row, 0, sizeof *row);
	assert_int_equal(store_get_session(r, 0, 1, row, fx->err, sizeof fx->err), 0);
	assert_string_equal(row->hv_json, run.hv_json);
	assert_true(row->output_bytes == run.output_bytes);
	/* and it refuses to write */
	assert_int_equal(store_run_put(r, &run, fx->err, sizeof fx->err), -1);
	store_close(r);

	/* NULL label and kind; a command longer than cmd[] is cut at a character */
	longcmd = malloc(2000);
	assert_non_null(longcmd);
	for (i = 0; i + 2 < 2000; i += 2)
		memcpy(longcmd + i, "\xc3\xa9", 2); /* é */
	longcmd[i] = '\0';
	run.label = NULL;
	run.kind = NULL;
	run.argv = longcmd;
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	assert_int_equal(sql_int(fx->path, "SELECT label IS NULL FROM runs"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT length(CAST(argv AS BLOB)) FROM runs"), 1998);
	assert_int_equal(store_get_session(fx->s, 0, 1, row, fx->err, sizeof fx->err), 0);
	assert_string_equal(row->label, "");
	assert_string_equal(row->kind, "custom");
	assert_int_equal(strlen(row->cmd), 1022); /* 511 whole é, not 1023 bytes */
	assert_memory_equal(row->cmd, longcmd, 1022);
	free(longcmd);

	/* refused: an unknown session, a bad exit status, too long a label or JSON */
	run = make_run(fx->sid + 5, "x");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), -1);
	assert_non_null(strstr(fx->err, "cannot store the run of session"));
	run = make_run(fx->sid, "x");
	run.exit_status = 256;
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), -1);
	run.exit_status = 0;
	memset(buf, 'a', sizeof row->label);
	buf[sizeof row->label] = '\0';
	run.label = buf;
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), -1);
	assert_non_null(strstr(fx->err, "too long"));
	buf[sizeof row->label - 1] = '\0'; /* exactly fits */
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	assert_int_equal(store_get_session(fx->s, fx->sid, 1, row, fx->err, sizeof fx->err), 0);
	assert_string_equal(row->label, buf);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM runs"), 1);
	free(row);
}

/* The latest session is the highest id; the latest run the highest id with
 * a run. By id, runs_only finds only sessions with a run. */
static void
test_latest_session(void **state)
{
	struct fixture *fx = *state;
	struct store_session_row row;
	struct store_run run;
	int64_t s1, s2, s3;

	open_writer(fx);
	s1 = fx->sid;
	s2 = next_session(fx, "hamon run -- second");
	s3 = next_session(fx, "hamon monitor");
	assert_true(s1 < s2 && s2 < s3);
	assert_int_equal(store_get_session(fx->s, 0, 1, &row, fx->err, sizeof fx->err), 1);
	run = make_run(s2, "b");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	run = make_run(s1, "a"); /* written later, but the older session */
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);

	assert_int_equal(store_get_session(fx->s, 0, 0, &row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row.id, s3);
	assert_int_equal(row.has_run, 0);
	assert_string_equal(row.argv, "hamon monitor");
	assert_string_equal(row.cmd, "");
	assert_int_equal(row.output_bytes, 0);
	assert_int_equal(store_get_session(fx->s, 0, 1, &row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row.id, s2);
	assert_string_equal(row.label, "b");
	assert_string_equal(row.argv, "hamon run -- second");
	assert_int_equal(store_get_session(fx->s, s1, 1, &row, fx->err, sizeof fx->err), 0);
	assert_string_equal(row.label, "a");
	assert_string_equal(row.end_state, "stopped");
	assert_int_equal(store_get_session(fx->s, s3, 1, &row, fx->err, sizeof fx->err), 1);
	assert_int_equal(store_get_session(fx->s, s3, 0, &row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row.id, s3);
	assert_int_equal(store_get_session(fx->s, s3 + 1, 0, &row, fx->err, sizeof fx->err), 1);
	assert_int_equal(store_get_session(fx->s, -1, 0, &row, fx->err, sizeof fx->err), -1);
}

/* Runs of a label, oldest session first whatever order they were written
 * in; NULL lists the unlabelled ones; a callback may query the store. */
static void
test_runs_by_label(void **state)
{
	struct fixture *fx = *state;
	struct collect2 *c = collect2_new();
	static const struct {
		const char *label;
		int order; /* position in the order of writing */
	} runs[] = { { "mig", 2 }, { "fo", 0 }, { "mig", 3 }, { NULL, 4 }, { "mig", 1 } };
	int64_t sid[5];
	size_t i, w;

	open_writer(fx);
	sid[0] = fx->sid;
	for (i = 1; i < 5; i++)
		sid[i] = next_session(fx, "hamon run");
	for (w = 0; w < 5; w++) {
		for (i = 0; i < 5; i++) {
			struct store_run run;

			if (runs[i].order != (int)w)
				continue;
			run = make_run(sid[i], runs[i].label);
			run.exit_status = (int)i;
			assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
		}
	}

	c->s = fx->s;
	assert_int_equal(store_query_runs_by_label(fx->s, "mig", collect_session, c, fx->err,
						   sizeof fx->err),
			 0);
	assert_int_equal(c->n, 3);
	assert_int_equal(c->sess[0].id, sid[0]);
	assert_int_equal(c->sess[1].id, sid[2]);
	assert_int_equal(c->sess[2].id, sid[4]);
	assert_int_equal(c->sess[1].exit_status, 2);
	assert_string_equal(c->sess[2].label, "mig");
	assert_int_equal(c->nested, sid[0] + sid[2] + sid[4]); /* no deadlock, and found */

	memset(c, 0, sizeof *c);
	assert_int_equal(
		store_query_runs_by_label(fx->s, NULL, collect_session, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->sess[0].id, sid[3]);
	assert_string_equal(c->sess[0].label, "");

	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_runs_by_label(fx->s, "none", collect_session, c, fx->err,
						   sizeof fx->err),
			 0);
	assert_int_equal(c->n, 0);
	memset(c, 0, sizeof *c);
	c->stop_after = 1;
	assert_int_equal(store_query_runs_by_label(fx->s, "mig", collect_session, c, fx->err,
						   sizeof fx->err),
			 0);
	assert_int_equal(c->n, 1);
	free(c);
}

/* Events, samples and seconds of one session come back exact and in order,
 * with NULLs as documented, and nothing of another session or target. */
static void
test_read_records(void **state)
{
	struct fixture *fx = *state;
	struct collect2 *c = collect2_new();
	struct store_event ev;
	struct store_sample smp;
	struct store_second sec;
	int64_t s1, s2;
	uint64_t seqs[] = { 5, 1, 3 };
	size_t i;

	open_writer(fx);
	assert_int_equal(store_writer_start(fx->s, 10, fx->err, sizeof fx->err), 0);
	s1 = fx->sid;
	/* out of time order; two at the same time keep their insertion order */
	ev = (struct store_event){ s1, fx->vm1, T0 + 2, "span-end", "migrate" };
	store_push_event(fx->s, &ev);
	ev = (struct store_event){ s1, 0, T0 + 1, "marker", NULL };
	store_push_event(fx->s, &ev);
	ev = (struct store_event){ s1, fx->vm2, T0 + 1, "refused", "port 22" };
	store_push_event(fx->s, &ev);
	for (i = 0; i < 3; i++) {
		smp = (struct store_sample){ s1,
					     fx->vm1,
					     seqs[i],
					     T0 + (int64_t)seqs[i] * 10 * MS,
					     seqs[i] == 3 ? -1 : (int64_t)seqs[i] * 1000 + 7,
					     seqs[i] == 3 ? 1 : 0 };
		store_push_sample(fx->s, &smp);
	}
	smp = (struct store_sample){ s1, fx->vm2, 2, T0, 99, 0 }; /* other target */
	store_push_sample(fx->s, &smp);
	for (i = 0; i < 2; i++) {
		memset(&sec, 0, sizeof sec);
		sec.session_id = s1;
		sec.target_id = fx->vm1;
		sec.second = T0 / NSEC_PER_SEC + 1 - (int64_t)i; /* newer first */
		sec.sent = 100;
		sec.received = i == 0 ? 0 : 98;
		sec.lost = 100 - sec.received;
		sec.rtt_min_ns = i == 0 ? -1 : 90001;
		sec.rtt_max_ns = i == 0 ? -1 : 30000003;
		sec.rtt_sum_ns = i == 0 ? 0 : 49250000007LL;
		if (i == 1) {
			for (size_t b = 0; b < STORE_HIST_BUCKETS; b++)
				sec.hist[b] = (uint32_t)(b * 10 + 1);
			sec.hist[STORE_HIST_BUCKETS - 1] = UINT32_MAX;
		}
		store_push_second(fx->s, &sec);
	}
	assert_int_equal(store_flush(fx->s), 0);

	/* a second session with records of its own at the same times */
	s2 = next_session(fx, "hamon monitor");
	ev = (struct store_event){ s2, 0, T0, "marker", "other session" };
	store_push_event(fx->s, &ev);
	smp = (struct store_sample){ s2, fx->vm1, 1, T0, 5, 0 };
	store_push_sample(fx->s, &smp);
	sec.session_id = s2;
	store_push_second(fx->s, &sec);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rejected(fx->s), 0);

	assert_int_equal(store_query_events(fx->s, s1, collect_event, c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c->n, 3);
	assert_string_equal(c->ev[0].kind, "marker");
	assert_int_equal(c->ev[0].target_id, 0);
	assert_string_equal(c->ev[0].text, "");
	assert_int_equal(c->ev[0].ts_ns, T0 + 1);
	assert_int_equal(c->ev[0].session_id, s1);
	assert_string_equal(c->ev[1].kind, "refused");
	assert_int_equal(c->ev[1].target_id, fx->vm2);
	assert_string_equal(c->ev[1].text, "port 22");
	assert_true(c->ev[0].id < c->ev[1].id);
	assert_string_equal(c->ev[2].kind, "span-end");
	assert_int_equal(c->ev[2].ts_ns, T0 + 2);
	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_events(fx->s, s2, collect_event, c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c->n, 1);
	assert_string_equal(c->ev[0].text, "other session");

	memset(c, 0, sizeof *c);
	assert_int_equal(
		store_query_samples(fx->s, s1, fx->vm1, collect_sample, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(c->smp[i].seq, i * 2 + 1);
		assert_int_equal(c->smp[i].session_id, s1);
		assert_int_equal(c->smp[i].target_id, fx->vm1);
		assert_int_equal(c->smp[i].tx_ns, T0 + (int64_t)(i * 2 + 1) * 10 * MS);
	}
	assert_int_equal(c->smp[0].rtt_ns, 1007);
	assert_int_equal(c->smp[1].rtt_ns, -1);
	assert_int_equal(c->smp[1].result, 1);
	assert_int_equal(c->smp[2].rtt_ns, 5007);
	memset(c, 0, sizeof *c);
	c->stop_after = 2;
	assert_int_equal(
		store_query_samples(fx->s, s1, fx->vm1, collect_sample, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 2);

	memset(c, 0, sizeof *c);
	assert_int_equal(
		store_query_seconds(fx->s, s1, fx->vm1, collect_second, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->sec[0].second, T0 / NSEC_PER_SEC);
	assert_int_equal(c->sec[1].second, T0 / NSEC_PER_SEC + 1);
	assert_int_equal(c->sec[0].session_id, s1);
	assert_int_equal(c->sec[0].target_id, fx->vm1);
	assert_int_equal(c->sec[0].sent, 100);
	assert_int_equal(c->sec[0].received, 98);
	assert_int_equal(c->sec[0].lost, 2);
	assert_int_equal(c->sec[0].rtt_min_ns, 90001);
	assert_int_equal(c->sec[0].rtt_max_ns, 30000003);
	assert_int_equal(c->sec[0].rtt_sum_ns, 49250000007LL);
	assert_memory_equal(c->sec[0].hist, sec.hist, sizeof sec.hist); /* UINT32_MAX too */
	assert_int_equal(c->sec[1].received, 0);
	assert_int_equal(c->sec[1].lost, 100);
	assert_int_equal(c->sec[1].rtt_min_ns, -1);
	assert_int_equal(c->sec[1].rtt_max_ns, -1);
	for (i = 0; i < STORE_HIST_BUCKETS; i++)
		assert_int_equal(c->sec[1].hist[i], 0);
	assert_int_equal(
		store_query_seconds(fx->s, s1, fx->vm2, collect_second, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 2); /* vm2 has none */
	free(c);
}

/* The targets of a session: a summary, samples, losses or seconds each make
 * one count; ordered by name; another session's are left out. */
static void
test_session_targets(void **state)
{
	struct fixture *fx = *state;
	struct collect2 *c = collect2_new();
	static const char *const names[] = { "zeta", "alpha", "mike", "delta", "idle" };
	int64_t id[5];
	struct store_target_summary sum;
	struct store_sample smp;
	struct store_loss l;
	struct store_second sec;
	size_t i;

	open_writer(fx);
	for (i = 0; i < 5; i++) {
		struct store_target t = { names[i], "icmp://198.18.0.9",   "198.18.0.9", 2,
					  0,        (int64_t)(i + 1) * MS, 1000 * MS };

		id[i] = store_target_upsert(fx->s, &t, fx->err, sizeof fx->err);
		assert_true(id[i] > 0);
	}
	memset(&sum, 0, sizeof sum);
	sum.session_id = fx->sid;
	sum.target_id = id[0]; /* zeta: a summary */
	store_push_target_summary(fx->s, &sum);
	smp = (struct store_sample){ fx->sid, id[1], 1, T0, 10, 0 }; /* alpha: a sample */
	store_push_sample(fx->s, &smp);
	l = make_loss(fx->sid, id[2], STORE_BURST, T0, MS); /* mike: a loss */
	store_push_loss(fx->s, &l);
	memset(&sec, 0, sizeof sec); /* delta: a second */
	sec.session_id = fx->sid;
	sec.target_id = id[3];
	sec.second = T0 / NSEC_PER_SEC;
	store_push_second(fx->s, &sec);
	assert_int_equal(store_flush(fx->s), 0);

	c->s = fx->s; /* the callback reads the samples of session 1 */
	assert_int_equal(fx->sid, 1);
	assert_int_equal(store_query_session_targets(fx->s, fx->sid, collect_target, c, fx->err,
						     sizeof fx->err),
			 0);
	assert_int_equal(c->n, 4);
	assert_string_equal(c->tgt[0].name, "alpha");
	assert_string_equal(c->tgt[1].name, "delta");
	assert_string_equal(c->tgt[2].name, "mike");
	assert_string_equal(c->tgt[3].name, "zeta");
	assert_int_equal(c->tgt[0].id, id[1]);
	assert_int_equal(c->tgt[1].interval_ns, 4 * MS);
	assert_int_equal(c->tgt[3].timeout_ns, 1000 * MS);
	assert_string_equal(c->tgt[3].url, "icmp://198.18.0.9");
	assert_int_equal(c->nested, 1); /* alpha's one sample */

	/* idle only in the next session; vm1 and vm2 in none */
	next_session(fx, "hamon monitor");
	sec.session_id = fx->sid;
	sec.target_id = id[4];
	store_push_second(fx->s, &sec);
	assert_int_equal(store_flush(fx->s), 0);
	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_session_targets(fx->s, fx->sid, collect_target, c, fx->err,
						     sizeof fx->err),
			 0);
	assert_int_equal(c->n, 1);
	assert_string_equal(c->tgt[0].name, "idle");
	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_session_targets(fx->s, fx->sid + 1, collect_target, c, fx->err,
						     sizeof fx->err),
			 0);
	assert_int_equal(c->n, 0);
	free(c);
}

/* ---- schema version 3: the rollup of seconds into minutes ---- */

/* The minute T0 falls in (unix minutes); the tests' seconds start there. */
#define M0 (T0 / NSEC_PER_SEC / 60)
/* The wall clock at which every second before minute m is out of the
 * default retention window, and those from m on are not. */
#define ROLL_AT(m) ((m)*60 * NSEC_PER_SEC + STORE_RETENTION_NS)

/* What minute callbacks collect. */
struct mcollect {
	int n;
	struct store_minute m[MAX_ROWS];
};

/* Collect minute rows. */
static int
collect_minute(const struct store_minute *m, void *arg)
{
	struct mcollect *c = arg;

	if (c->n < MAX_ROWS)
		c->m[c->n] = *m;
	c->n++;
	return 0;
}

/* Queue one second; rtt_min_ns < 0 for a second without replies. hist
 * gets n0 in bucket 0 and n3 in bucket 3. */
static void
push_second(struct fixture *fx, int64_t sid, int64_t tid, int64_t second, uint32_t sent,
	    uint32_t received, int64_t rmin, int64_t rmax, int64_t rsum, uint32_t n0, uint32_t n3)
{
	struct store_second sec;

	memset(&sec, 0, sizeof sec);
	sec.session_id = sid;
	sec.target_id = tid;
	sec.second = second;
	sec.sent = sent;
	sec.received = received;
	sec.lost = sent - received;
	sec.rtt_min_ns = rmin;
	sec.rtt_max_ns = rmax;
	sec.rtt_sum_ns = rsum;
	sec.hist[0] = n0;
	sec.hist[3] = n3;
	store_push_second(fx->s, &sec);
}

/* Rows of a table, through a separate connection. */
static int64_t
count_rows(struct fixture *fx, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	return sql_int(fx->path, sql);
}

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

/* ---- schema version 4: the rollup of minutes into hours ---- */

/* The first whole hour after T0 (unix hours); the tests' minutes start there. */
#define H0 (T0 / NSEC_PER_SEC / 3600 + 1)
/* The wall clock at which every minute before hour h is out of the
 * default minutes' retention window, and those from h on are not (and
 * every second is out of its window). */
#define HOUR_AT(h) ((h)*3600 * NSEC_PER_SEC + STORE_MINUTE_RETENTION_NS)

/* What hour callbacks collect. */
struct hcollect {
	int n;
	struct store_hour h[MAX_ROWS];
};

/* Collect hour rows. */
static int
collect_hour(const struct store_hour *h, void *arg)
{
	struct hcollect *c = arg;

	if (c->n < MAX_ROWS)
		c->h[c->n] = *h;
	c->n++;
	return 0;
}

/* The hours of a target (of one session, or any with 0) in [since, until). */
static struct hcollect *
query_hours(struct fixture *fx, int64_t sid, int64_t tid, int64_t since, int64_t until)
{
	static struct hcollect c;

	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_hours(fx->s, sid, tid, since, until, collect_hour, &c, fx->err,
					   sizeof fx->err),
			 0);
	return &c;
}

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
		cmocka_unit_test(test_constants),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transition_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_views, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_while_writing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_newer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_hamon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_open_outage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fails_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_when_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vital_commit_promptly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_flushes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_upsert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_by_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_retention_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v3, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
