/* SPDX-License-Identifier: ISC */
/* test_avail.c: availability over a window (store/avail.c) from a
 * database of hand-made rows with known times: outages cut at the
 * window's edges, UNKNOWN time (the target's and session-wide) left out of
 * both sides, only the sessions that probed a target counted as its
 * monitored time, an open session up to its last_seen; downtime from the
 * bursts (an outage's lost probes are a burst too), outages counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "lib/timeutil.h"
#include "store/store.h"

#define S(x) ((int64_t)llround((x)*1e9)) /* seconds, in ns (exact: rounded) */
#define T0   INT64_C(1795000000000000000)

static char dir[64], path[128];

/* The rows: session 1 [0, 100 s) probed vm0 and vm1; session 2 [200 s,
 * open, last seen 300 s) probed vm0 only. vm0's outages (each also a
 * burst): A 10..12 s, B 50..53 s, each edge known to ±10 ms; a 30 ms burst
 * at 70 s (est. 70..70.03, certainly 70.01..70.02, at most 69.99..70.04);
 * its own UNKNOWN window 51..52 s (inside B); a session-wide one 80..81 s. */
static void
build(void)
{
	char sql[4096];
	sqlite3 *db;
	char err[256];
	struct store *s;

	snprintf(dir, sizeof dir, "/tmp/hamon-test-avail.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/hamon.db", dir);
	s = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(s);
	store_close(s);
	snprintf(sql, sizeof sql,
		 "INSERT INTO sessions VALUES (1, %lld, %lld, %lld, 1, 'h', 'a', 'stopped');"
		 "INSERT INTO sessions VALUES (2, %lld, NULL, %lld, 2, 'h', 'b', NULL);"
		 "INSERT INTO targets VALUES (1, 'vm0', 'icmp://198.18.0.2', '198.18.0.2', 2, 0,"
		 " 10000000, 1000000000, 0);"
		 "INSERT INTO targets VALUES (2, 'vm1', 'icmp://198.18.0.3', '198.18.0.3', 2, 0,"
		 " 10000000, 1000000000, 0);"
		 "INSERT INTO targets VALUES (3, 'vm2', 'icmp://198.18.0.4', '198.18.0.4', 2, 0,"
		 " 10000000, 1000000000, 0);"
		 "INSERT INTO seconds VALUES (1, 1, %lld, 100, 100, 0, 1, 1, 100, '');"
		 "INSERT INTO seconds VALUES (1, 2, %lld, 100, 100, 0, 1, 1, 100, '');"
		 "INSERT INTO minutes (session_id, target_id, minute, sent, received, lost,"
		 " rtt_sum_ns, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9)"
		 " VALUES (2, 1, %lld, 100, 100, 0, 100, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0);"
		 "INSERT INTO losses VALUES (1, 1, 1, 0, %lld, %lld, %lld, %lld, %lld, %lld,"
		 " 2000000000, 1980000000, 2020000000, 200, 1, 200, 0);"
		 "INSERT INTO losses VALUES (2, 1, 1, 0, %lld, %lld, %lld, %lld, %lld, %lld,"
		 " 3000000000, 2980000000, 3020000000, 300, 1, 300, 0);"
		 "INSERT INTO losses (session_id, target_id, kind, start_ns, end_ns, start_lo_ns,"
		 " start_hi_ns, end_lo_ns, end_hi_ns, duration_ns, lower_ns, upper_ns, lost,"
		 " first_seq, last_seq, end_state) SELECT session_id, target_id, 1, start_ns,"
		 " end_ns, start_lo_ns, start_hi_ns, end_lo_ns, end_hi_ns, duration_ns, lower_ns,"
		 " upper_ns, lost, first_seq, last_seq, end_state FROM losses WHERE id IN (1, 2);"
		 "INSERT INTO losses VALUES (10, 1, 1, 0, %lld, %lld, %lld, %lld, %lld, %lld,"
		 " 30000000, 20000000, 40000000, 3, 1, 3, 0);"
		 "INSERT INTO unknown_windows VALUES (1, 1, 1, %lld, %lld, 'target', NULL, NULL,"
		 " 'send-error', 'x');"
		 "INSERT INTO unknown_windows VALUES (2, 1, NULL, %lld, %lld, 'all', NULL, NULL,"
		 " 'stall', 'x');",
		 (long long)T0, (long long)(T0 + S(100)), (long long)(T0 + S(100)),
		 (long long)(T0 + S(200)), (long long)(T0 + S(300)),
		 (long long)((T0 + S(5)) / 1000000000), (long long)((T0 + S(5)) / 1000000000),
		 (long long)((T0 + S(200)) / 60000000000), (long long)(T0 + S(10)),
		 (long long)(T0 + S(12)), (long long)(T0 + S(9.99)), (long long)(T0 + S(10.01)),
		 (long long)(T0 + S(11.99)), (long long)(T0 + S(12.01)), (long long)(T0 + S(50)),
		 (long long)(T0 + S(53)), (long long)(T0 + S(49.99)), (long long)(T0 + S(50.01)),
		 (long long)(T0 + S(52.99)), (long long)(T0 + S(53.01)),
		 /* a burst below the DOWN threshold: downtime, no outage */
		 (long long)(T0 + S(70)), (long long)(T0 + S(70.03)), (long long)(T0 + S(69.99)),
		 (long long)(T0 + S(70.01)), (long long)(T0 + S(70.02)), (long long)(T0 + S(70.04)),
		 (long long)(T0 + S(51)), (long long)(T0 + S(52)), (long long)(T0 + S(80)),
		 (long long)(T0 + S(81)));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(db));
	sqlite3_close(db);
}

static void
cleanup(void)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[160];
	size_t i;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
}

struct got {
	int n;
	struct store_avail_row r[4];
};

static int
collect(const struct store_avail_row *r, void *arg)
{
	struct got *g = arg;

	if (g->n < 4)
		g->r[g->n++] = *r;
	return 0;
}

/* Query [a, b) seconds after T0 into g. */
static void
query(struct store *s, const char *target, double a, double b, struct got *g)
{
	char err[256];

	memset(g, 0, sizeof(*g));
	assert_int_equal(store_query_availability(s, target, T0 + S(a), T0 + S(b), collect, g, err,
						  sizeof err),
			 0);
}

static void
test_windows(void **state)
{
	struct store *s;
	struct got g;
	char err[256];
	int64_t first;

	(void)state;
	build();
	s = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(s);

	/* session 1 whole: 100 s less 2 s UNKNOWN; A 2 s, B 3 s less 1 s UNKNOWN */
	query(s, NULL, 0, 100, &g);
	assert_int_equal(g.n, 2); /* vm2 was never monitored: left out */
	assert_string_equal(g.r[0].target, "vm0");
	assert_int_equal(g.r[0].monitored_ns, S(98));
	assert_int_equal(g.r[0].unknown_ns, S(2));
	assert_int_equal(g.r[0].down_ns, S(4) + S(0.03));
	assert_int_equal(g.r[0].down_lower_ns, S(1.98) + S(2.98) - S(1) + S(0.01));
	assert_int_equal(g.r[0].down_upper_ns, S(2.02) + S(3.02) - S(1) + S(0.05));
	assert_int_equal(g.r[0].outages, 2);
	assert_int_equal(g.r[0].bursts, 3);
	/* vm1: only the session-wide window */
	assert_string_equal(g.r[1].target, "vm1");
	assert_int_equal(g.r[1].monitored_ns, S(99));
	assert_int_equal(g.r[1].unknown_ns, S(1));
	assert_int_equal(g.r[1].down_ns, 0);
	assert_int_equal(g.r[1].outages, 0);

	/* a window from 11 s cuts A: its second 11..12 s */
	query(s, "vm0", 11, 60, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.r[0].monitored_ns, S(48));
	assert_int_equal(g.r[0].down_ns, S(1) + S(2));
	assert_int_equal(g.r[0].down_lower_ns, S(0.99) + S(1.98));
	assert_int_equal(g.r[0].down_upper_ns, S(1.01) + S(2.02));
	assert_int_equal(g.r[0].outages, 2);

	/* after the outages: the short burst only */
	query(s, "vm0", 60, 100, &g);
	assert_int_equal(g.r[0].monitored_ns, S(39));
	assert_int_equal(g.r[0].down_ns, S(0.03));
	assert_int_equal(g.r[0].outages, 0);
	assert_int_equal(g.r[0].bursts, 1);
	/* and clean after it */
	query(s, "vm0", 71, 100, &g);
	assert_int_equal(g.r[0].down_upper_ns, 0);
	assert_int_equal(g.r[0].bursts, 0);

	/* across both sessions: the gap 100..200 s is not monitored; session
	 * 2 (open) counts to its last_seen; vm1 was not in it */
	query(s, NULL, 0, 1000, &g);
	assert_int_equal(g.r[0].monitored_ns, S(98) + S(100));
	assert_int_equal(g.r[0].first_ns, T0);
	assert_int_equal(g.r[0].last_ns, T0 + S(300));
	assert_int_equal(g.r[1].monitored_ns, S(99));

	/* a window in the gap: nobody */
	query(s, NULL, 120, 180, &g);
	assert_int_equal(g.n, 0);

	assert_int_equal(store_first_session_ns(s, &first, err, sizeof err), 0);
	assert_int_equal(first, T0);
	store_close(s);
	cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
