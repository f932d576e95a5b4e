/* SPDX-License-Identifier: ISC */
/* test_store_recovery.c: the store after a crash and under pressure:
 * sessions of a dead monitor closed as crashed, open outages recovered, a
 * write that fails for want of space, queue bounds, retries while the file
 * is locked, rejected records, prompt commits and the flush at close. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "report/report.h"
#include "tests/unit/store_fixture.h"

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

/* Run every test. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crash_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_open_outage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fails_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_when_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vital_commit_promptly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_flushes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
