/* SPDX-License-Identifier: ISC */
/* store_fixture.c: the helpers the store's unit test programs share (see
 * store_fixture.h): setup and teardown, SQL on the file, record makers,
 * schema downgrades and the collectors of every query kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tests/unit/store_fixture.h"

/* A fresh directory per test. */
int
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
int
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
void
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
int64_t
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
const char *
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
void
sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A loss with every field distinct, so a swapped column shows. */
struct store_loss
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
void
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

/* Collect loss rows. */
int
collect_loss(const struct store_loss_row *row, void *arg)
{
	struct collect *c = arg;

	if (c->n < MAX_ROWS)
		c->loss[c->n] = *row;
	c->n++;
	return c->stop_after > 0 && c->n >= c->stop_after;
}

/* Collect transition rows. */
int
collect_transition(const struct store_transition_row *row, void *arg)
{
	struct collect *c = arg;

	if (c->n < MAX_ROWS)
		c->tr[c->n] = *row;
	c->n++;
	return 0;
}

/* Collect summary rows. */
int
collect_summary(const struct store_summary_row *row, void *arg)
{
	struct collect *c = arg;

	if (c->n < MAX_ROWS)
		c->sum[c->n] = *row;
	c->n++;
	return 0;
}

/* Run a loss query into a fresh collect. */
struct collect *
query_losses(struct fixture *fx, const struct store_loss_filter *f)
{
	static struct collect c;

	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_losses(fx->s, f, collect_loss, &c, fx->err, sizeof fx->err),
			 0);
	return &c;
}

/* Turn the file back into a version 5 database: version 6 is exactly
 * version 5 and the hv_tasks and hv_events tables with their indexes. */
void
downgrade_to_v5(const char *path)
{
	sql_exec(path, "DROP TABLE hv_tasks; DROP TABLE hv_events; PRAGMA user_version = 5;");
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'hv_%'"),
			 0);
}

/* Turn the file back into a version 4 database without bench tables:
 * version 5 is exactly version 4 and unknown_windows with its index and
 * view, the bench tables and schedulers. */
void
downgrade_to_v4(const char *path)
{
	downgrade_to_v5(path);
	sql_exec(path, "DROP VIEW unknown; DROP TABLE unknown_windows; DROP TABLE bench_results;"
		       " DROP TABLE bench_runs; DROP TABLE schedulers; PRAGMA user_version = 4;");
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE"
				       " 'unknown%' OR name LIKE 'bench%'"),
			 0);
}

/* Turn the file back into a version 3 database: version 4 is exactly
 * version 3 and the hours table with its view. */
void
downgrade_to_v3(const char *path)
{
	downgrade_to_v4(path);
	sql_exec(path, "DROP VIEW hours_v; DROP TABLE hours; PRAGMA user_version = 3;");
	assert_int_equal(
		sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'hours%'"), 0);
}

/* Turn the file back into a version 2 database: version 3 is exactly
 * version 2 and the minutes table with its view. */
void
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
void
downgrade_to_v1(const char *path)
{
	downgrade_to_v2(path);
	sql_exec(path, "DROP VIEW runs_v; DROP TABLE runs; PRAGMA user_version = 1;");
	assert_int_equal(
		sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'runs%'"), 0);
}

/* A run with every field set and distinct. */
struct store_run
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
int64_t
next_session(struct fixture *fx, const char *argv)
{
	struct store_session sess = { T0, (int)getpid(), "testhost", argv };

	store_session_end(fx->s, fx->sid, T0 + NSEC_PER_SEC, "stopped");
	fx->sid = store_session_begin(fx->s, &sess, fx->err, sizeof fx->err);
	assert_true(fx->sid > 0);
	return fx->sid;
}

/* Count one row; nonzero when the collector wants to stop. */
static int
collect2_next(struct collect2 *c)
{
	c->n++;
	return c->stop_after > 0 && c->n >= c->stop_after;
}

/* Collect sample rows. */
int
collect_sample(const struct store_sample *smp, void *arg)
{
	struct collect2 *c = arg;

	if (c->n < MAX_ROWS)
		c->smp[c->n] = *smp;
	return collect2_next(c);
}

/* Collect session rows; with c->s set, look each one up again by id. */
int
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
int
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
int
collect_event(const struct store_event_row *row, void *arg)
{
	struct collect2 *c = arg;

	if (c->n < MAX_ROWS)
		c->ev[c->n] = *row;
	return collect2_next(c);
}

/* Collect per-second rows. */
int
collect_second(const struct store_second *sec, void *arg)
{
	struct collect2 *c = arg;

	if (c->n < MAX_ROWS)
		c->sec[c->n] = *sec;
	return collect2_next(c);
}

/* A fresh collector (large: allocated). */
struct collect2 *
collect2_new(void)
{
	struct collect2 *c = calloc(1, sizeof *c);

	assert_non_null(c);
	return c;
}

/* Collect minute rows. */
int
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
void
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
int64_t
count_rows(struct fixture *fx, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	return sql_int(fx->path, sql);
}

/* Collect hour rows. */
int
collect_hour(const struct store_hour *h, void *arg)
{
	struct hcollect *c = arg;

	if (c->n < MAX_ROWS)
		c->h[c->n] = *h;
	c->n++;
	return 0;
}

/* The hours of a target (of one session, or any with 0) in [since, until). */
struct hcollect *
query_hours(struct fixture *fx, int64_t sid, int64_t tid, int64_t since, int64_t until)
{
	static struct hcollect c;

	memset(&c, 0, sizeof c);
	assert_int_equal(store_query_hours(fx->s, sid, tid, since, until, collect_hour, &c, fx->err,
					   sizeof fx->err),
			 0);
	return &c;
}
