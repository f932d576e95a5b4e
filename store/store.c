/* SPDX-License-Identifier: ISC */
/* store.c: opening and closing the database and freeing the handle. The
 * rest of the store is in store_queue.c, store_writer.c, store_rollup.c,
 * store_recover.c, store_session.c, store_sql.c (the leaf every other file
 * uses), schema.c and query.c; store_int.h says who calls what. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/store_int.h"

const int64_t store_hist_bounds_us[STORE_HIST_BUCKETS - 1] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000,
};

#define STORE_BUSY_MS 5000

/* Name of a target state for output. */
const char *
store_state_name(enum store_state st)
{
	switch (st) {
	case STORE_STATE_UP:
		return "up";
	case STORE_STATE_DOWN:
		return "down";
	default:
		return "unknown";
	}
}

static int store_lock_fd(int fd, const char *path, const char *real, char *err, size_t errlen);
static struct store *store_open_as(const char *path, enum store_mode mode, int lock, char *err,
				   size_t errlen);

/* Free a store whose connection is closed or never opened. */
static void
store_free(struct store *s)
{
	size_t k;

	store_queue_free(s);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->done);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->dbmu);
	for (k = 0; k < STORE_TIER_N; k++)
		free(s->tier[k].marks.v);
	for (k = 0; k < s->nsaved; k++) {
		free(s->saved[k].name);
		free(s->saved[k].url);
		free(s->saved[k].address);
	}
	free(s->saved);
	free(s->sess_host);
	free(s->sess_end_state);
	free(s->sess_argv);
	if (s->fd >= 0)
		close(s->fd);
	free(s->real);
	free(s->path);
	free(s);
}

/*
 * Open a connection to file (the resolved name) into s->db and, for a
 * writer, create or migrate its schema and prepare the inserts. On failure
 * s->db is left closed (NULL) and err says why.
 */
int
store_connect(struct store *s, const char *file, char *err, size_t errlen)
{
	int flags, rc;

	/* dbmu serialises every use of the connection, so SQLite's own
	 * per-connection mutex is not needed. */
	flags = SQLITE_OPEN_NOMUTEX;
	flags |= s->mode == STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
					: SQLITE_OPEN_READONLY;
	rc = sqlite3_open_v2(file, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		store_set_err(err, errlen, "%s: cannot open: %s", s->path,
			      s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		store_set_err(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (store_schema_setup(s->db, s->path, s->mode, err, errlen) < 0)
		goto fail;
	if (s->mode == STORE_WRITE) {
		s->version = STORE_SCHEMA_VERSION; /* migrated above */
		if (store_prepare_writer(s, err, errlen) < 0)
			goto fail;
	}
	return 0;
fail:
	store_finalize_writer(s);
	memset(s->ins, 0, sizeof s->ins);
	s->st_begin = s->st_commit = s->st_rollback = s->st_seen = NULL;
	sqlite3_close(s->db);
	s->db = NULL;
	return -1;
}

/* Open the database; see store.h. */
struct store *
store_open(const char *path, enum store_mode mode, char *err, size_t errlen)
{
	return store_open_as(path, mode, 0, err, errlen);
}

/* store_open, and with lock the one-monitor lock before SQLite opens it. */
static struct store *
store_open_as(const char *path, enum store_mode mode, int lock, char *err, size_t errlen)
{
	struct store *s;
	pthread_condattr_t ca;
	char real[PATH_MAX];
	size_t k;

	/* Only a regular file, reached through no link another user can
	 * redirect; nothing here can block on a FIFO (store_path.c). */
	if (store_path_check(path, mode == STORE_WRITE, real, sizeof real, err, errlen) != 0)
		return NULL;

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->real = xstrdup(real);
	s->mode = mode;
	s->fd = -1;
	s->bulk_max = STORE_QUEUE_BULK_MAX;
	s->vital_max = STORE_QUEUE_VITAL_MAX;
	s->tier[STORE_TIER_SECONDS].keep_ns = STORE_RETENTION_NS;
	s->tier[STORE_TIER_MINUTES].keep_ns = STORE_MINUTE_RETENTION_NS;
	for (k = 0; k < STORE_TIER_N; k++)
		s->tier[k].late = INT64_MAX;
	s->roll_limit = STORE_ROLLUP_ROWS;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->dbmu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&s->done, NULL);

	/* A writer creates the file itself, 0640 (SQLite would make it 0644),
	 * and keeps an fd of it: the inode it locks and watches. */
	if (mode == STORE_WRITE && (s->fd = store_path_open_fd(s->real, 1, err, errlen)) < 0)
		goto fail;
	if (lock) {
		if (store_lock_fd(s->fd, s->path, s->real, err, errlen) != 0)
			goto fail;
		s->locked = 1;
	}
	if (store_connect(s, s->real, err, errlen) < 0)
		goto fail;
	if (mode == STORE_WRITE)
		store_queue_prime(s);
	return s;

fail:
	store_free(s);
	return NULL;
}

/*
 * Point the writer at another file (the database's own name after the file
 * was deleted or replaced, or the rescue file): open it, create the schema,
 * and re-create the targets and the session under the ids the queued
 * records carry. Caller holds dbmu; the writer's statements are re-made.
 * 0, or -1 with err and s->db NULL (nothing can be written then).
 */
int
store_reopen(struct store *s, const char *file, int excl, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int fd, rc;

	/* The new file first: when it cannot be made (a dropped user that may
	 * not write the directory) the old connection stays as it was. */
	if ((fd = store_path_open_fd(file, excl ? 2 : 1, err, errlen)) < 0)
		return -1;
	store_finalize_writer(s);
	memset(s->ins, 0, sizeof s->ins);
	s->st_begin = s->st_commit = s->st_rollback = s->st_seen = NULL;
	/* Closed before SQLite opens the new file: the old connection
	 * removes its -wal by name as it closes. */
	sqlite3_close(s->db);
	s->db = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	if (s->locked && store_lock_fd(fd, s->path, file, err, errlen) != 0)
		log_warnx("%s", err);
	if (store_connect(s, file, err, errlen) < 0)
		return -1;
	for (i = 0; i < STORE_TIER_N; i++) {
		s->tier[i].marks.n = 0;
		s->tier[i].late = INT64_MAX;
	}
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			s->db,
			"INSERT OR IGNORE INTO targets (id, name, url, address, family,"
			" port, interval_ns, timeout_ns, updated_ns)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			-1, &st, NULL);
	for (i = 0; rc == SQLITE_OK && i < s->nsaved; i++) {
		const struct store_saved_target *t = &s->saved[i];

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, t->id);
		sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, t->url, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, t->address, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, t->family);
		sqlite3_bind_int(st, 6, t->port);
		sqlite3_bind_int64(st, 7, t->interval_ns);
		sqlite3_bind_int64(st, 8, t->timeout_ns);
		sqlite3_bind_int64(st, 9, time_real_ns());
		rc = store_step_done(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_OK && s->session_id > 0) {
		rc = sqlite3_prepare_v2(s->db,
					"INSERT INTO sessions (id, started_ns, last_seen_ns, pid,"
					" hostname, argv) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
					-1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, s->session_id);
			sqlite3_bind_int64(st, 2, s->sess_started_ns);
			sqlite3_bind_int64(st, 3, time_real_ns());
			sqlite3_bind_int(st, 4, s->sess_pid);
			sqlite3_bind_text(st, 5, s->sess_host ? s->sess_host : "", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 6, s->sess_argv ? s->sess_argv : "", -1,
					  SQLITE_STATIC);
			rc = store_step_done(st);
		}
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		store_set_err(err, errlen, "%s: cannot re-create session %lld there: %s", file,
			      (long long)s->session_id, sqlite3_errmsg(s->db));
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/*
 * Take the one-monitor lock on fd: a POSIX write lock on one byte far
 * beyond SQLite's own lock bytes (which start at 1 GiB and span 512
 * bytes), so the two never meet. A POSIX lock, not flock(2), so that
 * F_GETLK can name the holder's pid, which a hard link's other name
 * cannot show otherwise (its WAL is a different file). SQLite never
 * closes its own fd of the database while open, which would drop it.
 */
static int
store_lock_fd(int fd, const char *path, const char *real, char *err, size_t errlen)
{
	struct flock fl;

	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = STORE_LOCK_BYTE;
	fl.l_len = 1;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno != EACCES && errno != EAGAIN) {
		store_set_err(err, errlen, "%s: cannot lock: %s", path, strerror(errno));
		return -1;
	}
	fl.l_type = F_WRLCK;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK && fl.l_pid > 0)
		store_set_err(err, errlen,
			      "%s: another monitor (pid %ld) is writing this database file (%s)",
			      path, (long)fl.l_pid, real);
	else
		store_set_err(err, errlen, "%s: another monitor is writing this database file (%s)",
			      path, real);
	return -1;
}

/* Open for the one monitor that writes the file; see store.h. */
struct store *
store_open_monitor(const char *path, char *err, size_t errlen)
{
	return store_open_as(path, STORE_WRITE, 1, err, errlen);
}

/* Whether the file went bad while in use; see store.h. */
int
store_failed(const struct store *s)
{
	return s != NULL && (__atomic_load_n(&s->corrupt, __ATOMIC_RELAXED) != 0 || s->rescued ||
			     __atomic_load_n(&s->moved_lost, __ATOMIC_RELAXED) != 0);
}

/*
 * The file went bad while in use: write the vital records still queued,
 * with the session (and its end) and targets, to the rescue file beside it
 * (store.h), and say so in one line. The writer has stopped.
 */
static void
store_rescue(struct store *s)
{
	char file[PATH_MAX + 32], err[512];
	size_t vital;
	int64_t sid = s->session_id > 0 ? s->session_id : s->sess_id;
	int rc;

	s->rescued = 1;
	snprintf(file, sizeof file, "%s.rescue-%d.db", s->real, (int)getpid());
	pthread_mutex_lock(&s->dbmu);
	if (s->session_id == 0)
		s->session_id = s->sess_id;
	rc = store_reopen(s, file, 1, err, sizeof err);
	if (rc != 0) {
		/* Beside the database it could not be made (the user we dropped
		 * to may not write there): the temporary directory, then. */
		const char *base = strrchr(s->real, '/');
		const char *tmp = getenv("TMPDIR");

		snprintf(file, sizeof file, "%s/%s.rescue-%d.db",
			 tmp != NULL && tmp[0] == '/' ? tmp : "/tmp",
			 base != NULL ? base + 1 : s->real, (int)getpid());
		rc = store_reopen(s, file, 1, err, sizeof err);
	}
	if (rc != 0) {
		pthread_mutex_unlock(&s->dbmu);
		log_warnx("%s: the database is damaged and the rescue file failed too: %s;"
			  " %zu records lost",
			  s->path, err, s->queued_all);
		return;
	}
	__atomic_store_n(&s->corrupt, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->dbmu);
	pthread_mutex_lock(&s->mu);
	vital = s->queued_vital;
	pthread_mutex_unlock(&s->mu);
	if (store_flush(s) != 0) {
		log_warnx("%s: the database is damaged and writing the rescue file %s failed",
			  s->path, file);
		return;
	}
	if (s->sess_end_state != NULL)
		store_session_end(s, sid, s->sess_ended_ns, s->sess_end_state);
	log_warnx("%s: the database is damaged; %zu vital records (losses, transitions,"
		  " windows, events) of session %lld were saved to %s (%llu samples and seconds"
		  " dropped)",
		  s->path, vital, (long long)sid, file, (unsigned long long)store_dropped(s));
}

/* Flush, stop the writer, checkpoint and close. */
void
store_close(struct store *s)
{
	size_t left;

	if (s == NULL)
		return;
	if (s->mode == STORE_WRITE) {
		if (s->writer_running) {
			pthread_mutex_lock(&s->mu);
			s->stop = 1;
			pthread_cond_signal(&s->wake);
			pthread_mutex_unlock(&s->mu);
			pthread_join(s->thread, NULL);
			s->writer_running = 0;
		}
		if (s->corrupt)
			store_rescue(s);
		if (s->moved_lost)
			log_warnx("%s: the database file was deleted and what this session wrote "
				  "since"
				  " is lost with it",
				  s->path);
		/* The writer's last cycle may have failed: one more try. */
		pthread_mutex_lock(&s->mu);
		left = s->queued_all;
		pthread_mutex_unlock(&s->mu);
		if (left > 0)
			store_flush(s);
		if (s->queued_all > 0)
			log_warnx("%s: %zu records could not be written and are lost", s->path,
				  s->queued_all);
		store_finalize_writer(s);
		/* Best effort, and short: a reader may hold the WAL open. */
		sqlite3_busy_timeout(s->db, 250);
		if (s->db != NULL)
			sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
						  NULL);
	}
	sqlite3_close(s->db);
	store_free(s);
}
