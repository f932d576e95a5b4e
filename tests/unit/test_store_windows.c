/* SPDX-License-Identifier: ISC */
/* test_store_windows.c: schema version 5 of the store: UNKNOWN windows as
 * rows (store_push_window, store_query_windows, the unknown view), and the
 * migration of the committed version 4 fixture (tests/fixtures/store/v4.db). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "lib/timeutil.h"
#include "store/bench_store.h"
#include "store/store.h"

/* 2025-11-25T23:13:47.123456789Z */
#define T0 1764112427123456789LL
#define MS NSEC_PER_MSEC
/* The fixture's first session started at 2026-11-18T08:26:40Z. */
#define FX_T0    (INT64_C(1795000000) * NSEC_PER_SEC)
#define NTARGETS 300

struct fixture {
	char dir[64];
	char path[128];
	char err[256];
	struct store *s;
	int64_t sid;
	int64_t tid[NTARGETS];
};

/* A fresh directory per test. */
static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/hamon-test-windows.XXXXXX");
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

/* Open for writing with one session and n targets vm0 ... */
static void
open_writer(struct fixture *fx, size_t n)
{
	struct store_session sess = { T0 - 10 * NSEC_PER_SEC, (int)getpid(), "testhost",
				      "hamon test" };
	char name[32], url[64];
	size_t i;

	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	fx->sid = store_session_begin(fx->s, &sess, fx->err, sizeof fx->err);
	assert_true(fx->sid > 0);
	for (i = 0; i < n; i++) {
		struct store_target t = { name, url, "198.18.0.2", 2, 0, 10 * MS, 1000 * MS };

		snprintf(name, sizeof name, "vm%zu", i);
		snprintf(url, sizeof url, "icmp://198.18.%zu.%zu", i / 250, i % 250 + 1);
		fx->tid[i] = store_target_upsert(fx->s, &t, fx->err, sizeof fx->err);
		assert_true(fx->tid[i] > 0);
	}
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

/* Windows read back, copied. */
struct wcollect {
	size_t n;
	struct store_window_row w[NTARGETS + 8];
};

/* store_window_cb: keep every row. */
static int
collect_window(const struct store_window_row *row, void *arg)
{
	struct wcollect *c = arg;

	if (c->n < sizeof c->w / sizeof c->w[0])
		c->w[c->n] = *row;
	c->n++;
	return 0;
}

/* store_window_cb: stop after the first row. */
static int
stop_window(const struct store_window_row *row, void *arg)
{
	(void)row;
	(*(int *)arg)++;
	return 1;
}

/* Each kind of window goes in and comes back field for field, in start
 * order, strings with quotes and UTF-8 intact (and cut at a character
 * boundary when longer than the row's buffer); the view shows them. */
static void
test_window_round_trip(void **state)
{
	struct fixture *fx = *state;
	static const char quoted[] = "it's \"eth0\" \xe2\x80\x94 r\xc3\xa9seau d\xc3\xa9"
				     "connect\xc3\xa9 "
				     "\xe6\x97\xa5\xe6\x9c\xac; DROP TABLE events; --";
	char longreason[400], buf[256];
	struct wcollect *c = calloc(1, sizeof *c);
	size_t i;
	int stops = 0;

	assert_non_null(c);
	/* 190 ASCII bytes, then two-byte characters across the 191-byte cut */
	memset(longreason, 'x', 190);
	for (i = 190; i + 2 < sizeof longreason; i += 2)
		memcpy(longreason + i, "\xc3\xa9", 2);
	longreason[i] = '\0';
	open_writer(fx, 2);
	struct store_window w[] = {
		{ fx->sid, fx->tid[1], T0 + 3000 * MS, T0 + 3250 * MS, STORE_SCOPE_TARGET, 0, NULL,
		  "send-error", "sends fail here: Network is unreachable" },
		{ fx->sid, 0, T0 + 1000 * MS, T0 + 1301 * MS, STORE_SCOPE_ALL, 0, NULL, "stall",
		  "monitor stalled (timer 301.0 ms late)" },
		{ fx->sid, fx->tid[0], T0 + 2000 * MS, T0 + 3500 * MS, STORE_SCOPE_LINK, 7, "vmbr0",
		  "link-down", quoted },
		{ fx->sid, fx->tid[1], T0 + 2000 * MS, T0 + 3500 * MS, STORE_SCOPE_LINK, 7, NULL,
		  "link-unknown", longreason },
		{ fx->sid, 0, T0 + 4000 * MS, T0 + 4012 * MS, STORE_SCOPE_ALL, 9, "ignored", NULL,
		  NULL },
	};
	for (i = 0; i < sizeof w / sizeof w[0]; i++)
		store_push_window(fx->s, &w[i]);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_dropped(fx->s), 0);
	assert_int_equal(store_rejected(fx->s), 0);

	assert_int_equal(
		store_query_windows(fx->s, fx->sid, collect_window, c, fx->err, sizeof fx->err), 0);
	assert_int_equal(c->n, 5);
	/* by start, then target */
	assert_int_equal(c->w[0].start_ns, T0 + 1000 * MS);
	assert_int_equal(c->w[0].end_ns, T0 + 1301 * MS);
	assert_int_equal(c->w[0].target_id, 0);
	assert_int_equal(c->w[0].scope, STORE_SCOPE_ALL);
	assert_int_equal(c->w[0].ifindex, 0);
	assert_string_equal(c->w[0].ifname, "");
	assert_string_equal(c->w[0].code, "stall");
	assert_string_equal(c->w[0].reason, "monitor stalled (timer 301.0 ms late)");
	assert_int_equal(c->w[0].session_id, fx->sid);

	assert_int_equal(c->w[1].target_id, fx->tid[0]);
	assert_int_equal(c->w[1].scope, STORE_SCOPE_LINK);
	assert_int_equal(c->w[1].ifindex, 7);
	assert_string_equal(c->w[1].ifname, "vmbr0");
	assert_string_equal(c->w[1].code, "link-down");
	assert_string_equal(c->w[1].reason, quoted);

	assert_int_equal(c->w[2].target_id, fx->tid[1]);
	assert_int_equal(c->w[2].scope, STORE_SCOPE_LINK);
	assert_int_equal(c->w[2].ifindex, 7);
	assert_string_equal(c->w[2].ifname, "");
	assert_string_equal(c->w[2].code, "link-unknown");
	/* 190 x and no half character: 190 + 2k < 192 */
	assert_int_equal(strlen(c->w[2].reason), 190);
	assert_memory_equal(c->w[2].reason, longreason, 190);
	/* the database holds it whole */
	snprintf(buf, sizeof buf, "SELECT length(reason) FROM unknown_windows WHERE id = %lld",
		 (long long)c->w[2].id);
	assert_int_equal(sql_int(fx->path, buf), 190 + (int64_t)(strlen(longreason) - 190) / 2);

	assert_int_equal(c->w[3].start_ns, T0 + 3000 * MS);
	assert_int_equal(c->w[3].scope, STORE_SCOPE_TARGET);
	assert_string_equal(c->w[3].code, "send-error");

	/* not a link window: ifindex and ifname are not stored; NULL code and
	 * reason are "other" and "" */
	assert_int_equal(c->w[4].ifindex, 0);
	assert_string_equal(c->w[4].ifname, "");
	assert_string_equal(c->w[4].code, "other");
	assert_string_equal(c->w[4].reason, "");
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM unknown_windows"
					   " WHERE ifindex IS NULL AND ifname IS NULL"),
			 3);

	/* the view: a target's name or NULL, durations in ms, readable times */
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM unknown"), 5);
	assert_string_equal(sql_text(fx->path,
				     "SELECT duration_ms FROM unknown WHERE code = 'stall'", buf,
				     sizeof buf),
			    "301.0");
	assert_string_equal(sql_text(fx->path, "SELECT start FROM unknown WHERE code = 'stall'",
				     buf, sizeof buf),
			    "2025-11-25T23:13:48.123456Z");
	assert_string_equal(sql_text(fx->path, "SELECT target FROM unknown WHERE code = 'stall'",
				     buf, sizeof buf),
			    "(null)");
	assert_string_equal(sql_text(fx->path,
				     "SELECT target || '/' || ifname FROM unknown"
				     " WHERE code = 'link-down'",
				     buf, sizeof buf),
			    "vm0/vmbr0");

	/* a callback stops the query; other sessions have none */
	assert_int_equal(
		store_query_windows(fx->s, fx->sid, stop_window, &stops, fx->err, sizeof fx->err),
		0);
	assert_int_equal(stops, 1);
	memset(c, 0, sizeof *c);
	assert_int_equal(
		store_query_windows(fx->s, fx->sid + 1, collect_window, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 0);
	free(c);
}

/* One window of a link that hit 300 targets is 300 rows, one per target
 * charged, read back by target; a reader sees them too. */
static void
test_window_link_300(void **state)
{
	struct fixture *fx = *state;
	struct wcollect *c = calloc(1, sizeof *c);
	struct store *r;
	size_t i;

	assert_non_null(c);
	open_writer(fx, NTARGETS);
	/* pushed in reverse, to see that the order is the store's */
	for (i = NTARGETS; i-- > 0;) {
		struct store_window w = {
			fx->sid, fx->tid[i], T0,          T0 + 1500 * MS,         STORE_SCOPE_LINK,
			3,       "eth1",     "link-down", "egress link eth1 down"
		};

		store_push_window(fx->s, &w);
	}
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM unknown_windows"), NTARGETS);
	assert_int_equal(sql_int(fx->path, "SELECT count(DISTINCT target_id) FROM unknown_windows"),
			 NTARGETS);
	r = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(r);
	assert_int_equal(
		store_query_windows(r, fx->sid, collect_window, c, fx->err, sizeof fx->err), 0);
	assert_int_equal(c->n, NTARGETS);
	for (i = 0; i < NTARGETS; i++) {
		assert_int_equal(c->w[i].target_id, fx->tid[i]);
		assert_int_equal(c->w[i].start_ns, T0);
		assert_int_equal(c->w[i].end_ns, T0 + 1500 * MS);
		assert_int_equal(c->w[i].scope, STORE_SCOPE_LINK);
		assert_int_equal(c->w[i].ifindex, 3);
		assert_string_equal(c->w[i].ifname, "eth1");
	}
	store_close(r);
	free(c);
}

/* Windows are vital: a full bulk bound drops seconds, not windows; only
 * the vital bound drops them (counted). */
static void
test_window_vital(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	open_writer(fx, 1);
	store_set_queue_limits(fx->s, 2, 4);
	for (i = 0; i < 5; i++) {
		struct store_second sec = {
			fx->sid, fx->tid[0], T0 / NSEC_PER_SEC + (int64_t)i, 1, 1, 0, 5, 5, 5, { 1 }
		};

		store_push_second(fx->s, &sec);
	}
	assert_int_equal(store_dropped(fx->s), 3);
	for (i = 0; i < 6; i++) {
		struct store_window w = { fx->sid,
					  fx->tid[0],
					  T0 + (int64_t)i * MS,
					  T0 + (int64_t)i * MS + 1,
					  STORE_SCOPE_TARGET,
					  0,
					  NULL,
					  "rx-drop",
					  "socket queue overflowed" };

		store_push_window(fx->s, &w);
	}
	assert_int_equal(store_dropped(fx->s), 3 + 2);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM unknown_windows"), 4);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM seconds"), 2);
}

/* Copy the committed version 4 fixture to fx->path. */
static void
copy_fixture(struct fixture *fx)
{
	const char *srcdir = getenv("srcdir");
	char src[512], buf[8192];
	FILE *in, *out;
	size_t n;

	snprintf(src, sizeof src, "%s/tests/fixtures/store/v4.db", srcdir != NULL ? srcdir : ".");
	in = fopen(src, "rb");
	assert_non_null(in);
	out = fopen(fx->path, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* The tables whose rows the migration must not touch. */
static const char *const fixture_tables[] = {
	"sessions", "targets", "losses",           "transitions", "samples",    "seconds",
	"minutes",  "hours",   "target_summaries", "runs",        "bench_runs", "bench_results",
};
#define NFIXTURE_TABLES (sizeof fixture_tables / sizeof fixture_tables[0])

/* Row counts of the fixture's tables. */
static void
count_tables(const char *path, int64_t *out)
{
	char sql[128];
	size_t i;

	for (i = 0; i < NFIXTURE_TABLES; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", fixture_tables[i]);
		out[i] = sql_int(path, sql);
	}
}

/* store_bench's result callback: count. */
static int
count_result(const struct bench_store_result *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

/* The version 4 fixture opened for writing: at version 5, its parseable
 * "unknown" events are windows with the right start, end, scope, target,
 * code and reason, and gone as events; the rest of its rows are as they
 * were, bench runs included, and bench runs can be added. */
static void
test_migrate_v4_fixture(void **state)
{
	struct fixture *fx = *state;
	struct wcollect *c = calloc(1, sizeof *c);
	struct bench_store_run run;
	struct bench_store_result res = { 0, "cpu", "events_1thread", 99.5, "events/s" };
	int64_t before[NFIXTURE_TABLES], after[NFIXTURE_TABLES], events;
	size_t i;
	int nres = 0;

	assert_non_null(c);
	copy_fixture(fx);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 4);
	/* forms that are not the monitor's stay events */
	sql_exec(fx->path, "INSERT INTO events (session_id, target_id, ts_ns, kind, text) VALUES"
			   " (1, NULL, 1795000170000000000, 'unknown',"
			   "  '12.500 ms: cut short by the 192-byte buffer (until 08:2'),"
			   " (1, NULL, 1795000171000000000, 'unknown', '-3.000 ms: x (until y)'),"
			   " (1, NULL, 1795000172000000000, 'unknown', '3.000 ms:  (until y)'),"
			   " (1, NULL, 1795000173000000000, 'unknown', NULL)");
	count_tables(fx->path, before);
	events = sql_int(fx->path, "SELECT count(*) FROM events");
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events WHERE kind = 'unknown'"),
			 9);
	assert_true(before[0] == 2 && before[5] > 0 && before[6] > 0 && before[11] == 3);

	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM unknown_windows"), 4);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events WHERE kind = 'unknown'"),
			 5);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), events - 4);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events WHERE kind = 'unknown'"
					   " AND text = 'garbled, not the monitor''s format'"),
			 1);
	count_tables(fx->path, after);
	for (i = 0; i < NFIXTURE_TABLES; i++)
		assert_int_equal(after[i], before[i]);

	assert_int_equal(store_query_windows(fx->s, 1, collect_window, c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c->n, 3);
	assert_int_equal(c->w[0].target_id, 1);
	assert_int_equal(c->w[0].scope, STORE_SCOPE_TARGET);
	assert_int_equal(c->w[0].start_ns, FX_T0 + 40 * NSEC_PER_SEC);
	assert_int_equal(c->w[0].end_ns, FX_T0 + 40 * NSEC_PER_SEC + 12500 * NSEC_PER_USEC);
	assert_string_equal(c->w[0].code, "legacy");
	assert_string_equal(c->w[0].reason, "sends fail here: Network is unreachable");
	assert_int_equal(c->w[1].target_id, 0);
	assert_int_equal(c->w[1].scope, STORE_SCOPE_ALL);
	assert_int_equal(c->w[1].start_ns, FX_T0 + 60250 * MS);
	assert_int_equal(c->w[1].end_ns, FX_T0 + 60250 * MS + 1500250 * NSEC_PER_USEC);
	assert_string_equal(c->w[1].reason, "egress link eth0 down");
	assert_int_equal(c->w[1].ifindex, 0);
	assert_string_equal(c->w[1].ifname, "");
	assert_int_equal(c->w[2].target_id, 0);
	assert_int_equal(c->w[2].start_ns, FX_T0 + 90 * NSEC_PER_SEC);
	assert_int_equal(c->w[2].end_ns, FX_T0 + 90 * NSEC_PER_SEC + 301 * MS);
	/* a reason with parentheses of its own */
	assert_string_equal(c->w[2].reason, "monitor stalled (timer 301.0 ms late)");
	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_windows(fx->s, 2, collect_window, c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->w[0].end_ns - c->w[0].start_ns, 40 * MS);
	assert_string_equal(c->w[0].reason, "egress link vmbr0 down");

	/* the bench run survived, and another can be stored */
	assert_int_equal(bench_store_latest_run(fx->s, "host", &run, fx->err, sizeof fx->err), 0);
	assert_string_equal(run.cpu_model, "AMD EPYC 7313P 16-Core Processor");
	assert_int_equal(bench_store_query_results(fx->s, run.id, count_result, &nres, fx->err,
						   sizeof fx->err),
			 0);
	assert_int_equal(nres, 3);
	assert_true(bench_store_put_run(fx->s, &run, &res, 1, fx->err, sizeof fx->err) > run.id);
	assert_int_equal(store_integrity_check(fx->s, fx->err, sizeof fx->err), 0);
	free(c);
}

/* The fixture opened read-only stays at version 4 and has no windows
 * (success, no call); its unknown events still read as events. */
static void
test_migrate_v4_read(void **state)
{
	struct fixture *fx = *state;
	struct wcollect *c = calloc(1, sizeof *c);

	assert_non_null(c);
	copy_fixture(fx);
	fx->s = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(store_query_windows(fx->s, 1, collect_window, c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c->n, 0);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 4);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events WHERE kind = 'unknown'"),
			 5);
	free(c);
}

/* A migration that fails after it converted the events (a trigger refuses
 * their delete) leaves the file at version 4 with its events, and succeeds
 * once the obstacle is gone. */
static void
test_migrate_v4_atomic(void **state)
{
	struct fixture *fx = *state;
	int64_t events;

	copy_fixture(fx);
	sql_exec(fx->path, "CREATE TRIGGER keep_events BEFORE DELETE ON events"
			   " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
	events = sql_int(fx->path, "SELECT count(*) FROM events");
	assert_null(store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err));
	assert_non_null(strstr(fx->err, "cannot set up the schema: "));
	assert_non_null(strstr(fx->err, "injected failure"));
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 4);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sqlite_master"
					   " WHERE name LIKE 'unknown%'"),
			 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), events);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM bench_results"), 3);

	sql_exec(fx->path, "DROP TRIGGER keep_events");
	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events"), events - 4);
}

/* A fresh file is at version 5 with every table, the bench ones included. */
static void
test_fresh_v5(void **state)
{
	struct fixture *fx = *state;

	open_writer(fx, 1);
	assert_true(STORE_SCHEMA_VERSION >= 5);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(fx->path,
				 "SELECT count(*) FROM sqlite_master WHERE name IN"
				 " ('unknown_windows', 'unknown_windows_session', 'unknown',"
				 " 'bench_runs', 'bench_runs_label', 'bench_results')"),
			 6);
}

/* Run every test. */
/* A session's scheduler figures round-trip; a session without any has
 * none (1); a second write replaces the first. */
static void
test_sched_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct store_sched a = { 1805, 3, 53200, 589800, 16001600 }, b = { 9, 0, 1, 2, 3 }, got;

	open_writer(fx, 1);
	assert_int_equal(store_get_sched(fx->s, fx->sid, &got, fx->err, sizeof fx->err), 1);
	store_session_sched(fx->s, fx->sid, &a);
	assert_int_equal(store_get_sched(fx->s, fx->sid, &got, fx->err, sizeof fx->err), 0);
	assert_memory_equal(&got, &a, sizeof a);
	store_session_sched(fx->s, fx->sid, &b);
	assert_int_equal(store_get_sched(fx->s, fx->sid, &got, fx->err, sizeof fx->err), 0);
	assert_memory_equal(&got, &b, sizeof b);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM schedulers"), 1);
}

/* A version 4 file's "scheduler" events become schedulers rows (the text
 * parsed once, in the migration) and are gone as events; one in another
 * form stays an event. */
static void
test_migrate_sched_legacy(void **state)
{
	struct fixture *fx = *state;
	struct store_event ev = { 0 };
	struct store_sched got;
	int64_t sid2;
	struct store_session sess = { T0, (int)getpid(), "testhost", "hamon second" };

	open_writer(fx, 1);
	sid2 = store_session_begin(fx->s, &sess, fx->err, sizeof fx->err);
	assert_true(sid2 > 0);
	ev.session_id = fx->sid;
	ev.ts_ns = T0;
	ev.kind = "scheduler";
	ev.text = "sends 1805, lag p50 53.2 us, p99 589.8 us, max 16001.6 us, 3 deadlines skipped";
	store_push_event(fx->s, &ev);
	ev.session_id = sid2;
	ev.text = "sends 12, lag p50 about 5 us";
	store_push_event(fx->s, &ev);
	store_close(fx->s);
	fx->s = NULL;
	sql_exec(fx->path, "DROP VIEW unknown; DROP TABLE unknown_windows; DROP TABLE schedulers;"
			   " PRAGMA user_version = 4;");
	fx->s = store_open(fx->path, STORE_WRITE, fx->err, sizeof fx->err);
	assert_non_null(fx->s);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(store_get_sched(fx->s, fx->sid, &got, fx->err, sizeof fx->err), 0);
	assert_int_equal(got.sends, 1805);
	assert_int_equal(got.skipped, 3);
	assert_int_equal(got.lag_p50_ns, 53200);
	assert_int_equal(got.lag_p99_ns, 589800);
	assert_int_equal(got.lag_max_ns, 16001600);
	assert_int_equal(store_get_sched(fx->s, sid2, &got, fx->err, sizeof fx->err), 1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM events WHERE kind = 'scheduler'"),
			 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_v5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sched_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_sched_legacy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_link_300, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_vital, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v4_fixture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v4_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v4_atomic, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
