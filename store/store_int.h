/* SPDX-License-Identifier: ISC */
/* store_int.h: what the store's own files share; nothing outside store/
 * includes it. */
#ifndef HAMON_STORE_INT_H
#define HAMON_STORE_INT_H
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "lib/timeutil.h"
#include "store/store.h"

/* The queued record kinds. The first STORE_QK_NVITAL are never dropped
 * before the vital bound; samples and seconds go first. */
enum store_qkind {
	STORE_QK_LOSS = 0,
	STORE_QK_TRANSITION,
	STORE_QK_EVENT,
	STORE_QK_WINDOW,
	STORE_QK_SUMMARY,
	STORE_QK_SAMPLE,
	STORE_QK_SECOND,
	STORE_QK_N
};
#define STORE_QK_NVITAL 5

/* The tiers of the rollup, by the table rolled up (store_rollup.c). */
enum store_tier {
	STORE_TIER_SECONDS = 0, /* seconds into minutes */
	STORE_TIER_MINUTES,     /* minutes into hours */
	STORE_TIER_N
};

/* How far the rollup has looked at the rows of one target (struct store). */
struct store_roll_mark {
	int64_t target_id, key, session_id;
};
struct store_marks {
	struct store_roll_mark *v;
	size_t n, cap;
};

/* A block of records of one kind, appended to in place. */
struct store_chunk {
	struct store_chunk *next;
	size_t n;
	_Alignas(16) unsigned char data[];
};

/* A singly linked list of chunks with O(1) append and O(1) concatenation. */
struct store_list {
	struct store_chunk *head, *tail;
	size_t count;
};

/* A target as upserted, kept to re-create it in a new file (store_reopen). */
struct store_saved_target {
	int64_t id, interval_ns, timeout_ns;
	char *name, *url, *address;
	int family, port;
};

struct store {
	sqlite3 *db;
	char *path; /* as given, for messages */
	char *real; /* resolved (store_path_check); what is opened */
	enum store_mode mode;
	int fd;     /* STORE_WRITE: our own fd of the file (lock, moved check), else -1 */
	int locked; /* store_open_monitor took the lock on fd */

	/* What store_reopen needs to re-create the session in a new file;
	 * written by the set-up calls before the writer starts. */
	int64_t sess_started_ns;
	int sess_pid;
	char *sess_host, *sess_argv;
	struct store_saved_target *saved;
	size_t nsaved;
	int64_t moved_check_ns; /* CLOCK_MONOTONIC, the writer's last check */
	int moved_logged;       /* said that the name leads to a non-file */
	int64_t sess_id;        /* the session begun, also after it ended */
	int64_t sess_ended_ns;  /* its end, kept for the rescue file */
	char *sess_end_state;
	int rescued;    /* store_close wrote (or tried) the rescue file */
	int moved_lost; /* the file was deleted and no new one could be made */
	/* The file answered SQLITE_CORRUPT or SQLITE_NOTADB: nothing more is
	 * written to it, bulk records are shed, vital ones kept (bounded) for
	 * the rescue file at close. Read with __atomic loads. */
	int corrupt;

	/* dbmu serialises use of the connection: one write cycle, or one
	 * synchronous call, at a time. Lock order: dbmu, then mu. */
	pthread_mutex_t dbmu;
	/* mu guards everything below that the event loop touches. */
	pthread_mutex_t mu;
	pthread_cond_t wake; /* to the writer: work, a flush request, or stop */
	pthread_cond_t done; /* to flushers: a write cycle finished */

	struct store_list queue[STORE_QK_N];   /* appended by store_push_* */
	struct store_list pending[STORE_QK_N]; /* taken by a write cycle; kept on failure */
	struct store_chunk *spare[STORE_QK_N]; /* recycled chunks */
	size_t nspare[STORE_QK_N];
	size_t queued_all;   /* records in queue + pending, every kind */
	size_t queued_vital; /* the same, vital kinds only */
	size_t bulk_max, vital_max;
	uint64_t dropped, rejected; /* read with __atomic loads */
	int urgent;                 /* a vital record waits: commit within ~50 ms */
	uint64_t flush_req, flush_done;
	int flush_ok;       /* result of the latest write cycle */
	int64_t session_id; /* current session: its last_seen_ns is kept fresh */

	/* the writer thread */
	pthread_t thread;
	int writer_running;
	int stop;
	int flush_ms;
	int64_t last_cycle_ns; /* CLOCK_MONOTONIC */
	int64_t last_beat_ns;  /* CLOCK_MONOTONIC, last last_seen_ns update */

	/* writer-side state, used with dbmu held */
	sqlite3_stmt *ins[STORE_QK_N];
	sqlite3_stmt *st_begin, *st_commit, *st_rollback, *st_seen;
	int64_t errlog_ns, rejlog_ns; /* rate limits for the logs, CLOCK_MONOTONIC */
	uint64_t failures;            /* failed write cycles since the last success */
	int failure_logged;           /* a failure was reported since the last recovery */
	uint64_t samples_shed;        /* samples dropped after failed writes (also in dropped) */
	/* Wait before the next cycle while writes fail (guarded by mu): grows
	 * from flush_ms to STORE_RETRY_MAX_NS, so a full disk costs little. */
	int64_t retry_ns;

	/* The schema version of the file as last read (store_has_schema in
	 * query.c). Always STORE_SCHEMA_VERSION for a writer, which migrates
	 * on open; a reader of an older file re-reads it until a writer has
	 * migrated it. Used with dbmu held. */
	int64_t version;

	/* The rollup (store_rollup_round), one tier per table rolled up:
	 * seconds into minutes, minutes into hours. keep_ns and roll_limit
	 * are read with __atomic loads (set from any thread); the rest is used
	 * with dbmu held. A tier's marks.v[i] says that every row of target
	 * .target_id in its table whose (key, session_id) is below (.key,
	 * .session_id) has been looked at by this process (rolled up or kept),
	 * so kept rows are not read again every round; late is the oldest key
	 * this process wrote into the tier's table since its last round (a
	 * seconds row from the queue, a minutes row from the tier below),
	 * which lowers the marks again. */
	struct store_tier_state {
		int64_t keep_ns;
		struct store_marks marks;
		int64_t late;
	} tier[STORE_TIER_N];
	size_t roll_limit;
	int64_t roll_next_ns; /* CLOCK_MONOTONIC: the writer's next round */
	int64_t roll_errlog_ns;
	int roll_more; /* the last round stopped at its limit */
};

/* The first schema version with the runs table. */
#define STORE_SCHEMA_RUNS 2
/* The first schema version with the minutes table. */
#define STORE_SCHEMA_MINUTES 3
/* The first schema version with the hours table. */
#define STORE_SCHEMA_HOURS 4
/* The first schema version with the unknown_windows table (and the bench
 * tables under user_version). */
#define STORE_SCHEMA_WINDOWS 5

#define STORE_ERRLOG_NS     (60 * NSEC_PER_SEC) /* least time between repeated logs */
#define STORE_ROLL_EVERY_NS (60 * NSEC_PER_SEC) /* between rollup rounds without a backlog */

/*
 * Who calls whom inside store/ (no cycle):
 *
 *   store.c ----------> schema.c, store_writer.c, store_queue.c
 *   store_session.c --> store_recover.c, store_writer.c (store_flush)
 *   store_recover.c --> store_writer.c (the loss insert)
 *   store_writer.c ---> store_queue.c, store_rollup.c
 *   query.c, schema.c, store_rollup.c, store_queue.c, bench_store.c
 *   and all of the above --> store_sql.c, which calls nothing of the store.
 */

/* store_sql.c: the leaf */
void store_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int store_sql_int(sqlite3 *db, const char *sql, int64_t *out);
int store_step_done(sqlite3_stmt *st);
void store_bind_rtt(sqlite3_stmt *st, int i, int64_t ns);
int store_query_fail(struct store *s, const char *what, char *err, size_t errlen);
sqlite3_stmt *store_query_prepare(struct store *s, const char *sql, const char *what, char *err,
				  size_t errlen);
int store_query_end(struct store *s, sqlite3_stmt *st, int rc, int stopped, const char *what,
		    char *err, size_t errlen);
void store_copy_name(char *dst, size_t n, sqlite3_stmt *st, int col);
int64_t store_column_int0(sqlite3_stmt *st, int col);
int64_t store_column_rtt(sqlite3_stmt *st, int col);
void store_parse_hist(const char *txt, uint32_t *hist);
const char *store_scope_name(enum store_scope sc);
enum store_scope store_scope_from_name(const char *txt);

/* schema.c */
int store_schema_setup(sqlite3 *db, const char *path, enum store_mode mode, char *err,
		       size_t errlen);

/* store_queue.c */
extern const size_t store_qk_size[STORE_QK_N];
void store_list_concat(struct store_list *a, struct store_list *b);
void store_list_free_strings(struct store_list *l, enum store_qkind k);
struct store_chunk *store_queue_recycle(struct store *s, struct store_list *done);
void store_chunks_free(struct store_chunk *c);
void store_queue_prime(struct store *s);
void store_queue_free(struct store *s);

/* store_writer.c */
extern const char *const store_qk_sql[STORE_QK_N];
void store_bind_record(sqlite3_stmt *st, enum store_qkind k, const void *rec);
int store_prepare_writer(struct store *s, char *err, size_t errlen);
void store_finalize_writer(struct store *s);

/* store_rollup.c */
void store_rollup_maybe(struct store *s);

/* store_path.c */
int store_path_open_fd(const char *real, int create, char *err, size_t errlen);

/* store.c */
int store_connect(struct store *s, const char *file, char *err, size_t errlen);
int store_reopen(struct store *s, const char *file, int excl, char *err, size_t errlen);

/* store_recover.c */
int store_recover_crashed(struct store *s, const char *ourhost);

#endif
