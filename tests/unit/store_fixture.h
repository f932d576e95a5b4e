/* SPDX-License-Identifier: ISC */
/* store_fixture.h: what the store's unit test programs (test_store,
 * test_store_recovery, test_store_runs, test_store_migrate, test_store_rollup)
 * share: a fresh database directory per test, SQL through a separate
 * connection, record makers, query collectors and the rollup clocks. */
#ifndef HAMON_TESTS_UNIT_STORE_FIXTURE_H
#define HAMON_TESTS_UNIT_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/timeutil.h"
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

#define MAX_ROWS 16
/* What the query callbacks collect. */
struct collect {
	int n;
	int stop_after; /* 0: never stop */
	struct store_loss_row loss[MAX_ROWS];
	struct store_transition_row tr[MAX_ROWS];
	struct store_summary_row sum[MAX_ROWS];
};

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

/* A fresh directory per test. */
int setup(void **state);
/* Close what is open and remove the directory. */
int teardown(void **state);
/* Open for writing with one session and two targets. */
void open_writer(struct fixture *fx);
/* Run SQL on the file through a separate connection; first column as integer. */
int64_t sql_int(const char *path, const char *sql);
/* The same for a text column, copied into buf ("(null)" for NULL). */
const char *sql_text(const char *path, const char *sql, char *buf, size_t len);
/* Execute SQL statements on the file through a separate connection. */
void sql_exec(const char *path, const char *sql);
/* A loss with every field distinct, so a swapped column shows. */
struct store_loss make_loss(int64_t sid, int64_t tid, enum store_loss_kind kind, int64_t start,
			    int64_t dur);
/* Field-by-field equality of two losses. */
void assert_loss_equal(const struct store_loss *a, const struct store_loss *b);
/* Collect loss rows. */
int collect_loss(const struct store_loss_row *row, void *arg);
/* Collect transition rows. */
int collect_transition(const struct store_transition_row *row, void *arg);
/* Collect summary rows. */
int collect_summary(const struct store_summary_row *row, void *arg);
/* Run a loss query into a fresh collect. */
struct collect *query_losses(struct fixture *fx, const struct store_loss_filter *f);
/* Turn the file back into a version 4 database without bench tables:
 * version 5 is exactly version 4 and unknown_windows with its index and
 * view, the bench tables and schedulers. */
void downgrade_to_v5(const char *path);
void downgrade_to_v4(const char *path);
/* Turn the file back into a version 3 database: version 4 is exactly
 * version 3 and the hours table with its view. */
void downgrade_to_v3(const char *path);
/* Turn the file back into a version 2 database: version 3 is exactly
 * version 2 and the minutes table with its view. */
void downgrade_to_v2(const char *path);
/* Turn the file back into a version 1 database: the v1 code path's schema
 * is exactly version 2 without runs, runs_label and runs_v. */
void downgrade_to_v1(const char *path);
/* A run with every field set and distinct. */
struct store_run make_run(int64_t sid, const char *label);
/* End the current session and begin another with argv; its id. */
int64_t next_session(struct fixture *fx, const char *argv);
/* Collect sample rows. */
int collect_sample(const struct store_sample *smp, void *arg);
/* Collect session rows; with c->s set, look each one up again by id. */
int collect_session(const struct store_session_row *row, void *arg);
/* Collect target rows; with c->s set, count each one's samples of session 1. */
int collect_target(const struct store_target_row *row, void *arg);
/* Collect event rows. */
int collect_event(const struct store_event_row *row, void *arg);
/* Collect per-second rows. */
int collect_second(const struct store_second *sec, void *arg);
/* A fresh collector (large: allocated). */
struct collect2 *collect2_new(void);
/* Collect minute rows. */
int collect_minute(const struct store_minute *m, void *arg);
/* Queue one second; rtt_min_ns < 0 for a second without replies. hist
 * gets n0 in bucket 0 and n3 in bucket 3. */
void push_second(struct fixture *fx, int64_t sid, int64_t tid, int64_t second, uint32_t sent,
		 uint32_t received, int64_t rmin, int64_t rmax, int64_t rsum, uint32_t n0,
		 uint32_t n3);
/* Rows of a table, through a separate connection. */
int64_t count_rows(struct fixture *fx, const char *table);
/* Collect hour rows. */
int collect_hour(const struct store_hour *h, void *arg);
/* The hours of a target (of one session, or any with 0) in [since, until). */
struct hcollect *query_hours(struct fixture *fx, int64_t sid, int64_t tid, int64_t since,
			     int64_t until);

#endif
