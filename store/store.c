/* store.c: opening and closing the database and freeing the handle. The
 * rest of the store is in store_queue.c, store_writer.c, store_rollup.c,
 * store_recover.c, store_session.c, store_sql.c (the leaf every other file
 * uses), schema.c and query.c; store_int.h says who calls what. */
#include <errno.h>
#include <pthread.h>
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
	free(s->path);
	free(s);
}

/* Open the database; see store.h. */
struct store *
store_open(const char *path, enum store_mode mode, char *err, size_t errlen)
{
	struct store *s;
	pthread_condattr_t ca;
	struct stat sb;
	size_t k;
	int flags, rc;

	if (mode == STORE_READ && stat(path, &sb) < 0) {
		if (errno == ENOENT)
			store_set_err(err, errlen, "%s: no such database", path);
		else
			store_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->mode = mode;
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

	/* dbmu serialises every use of the connection, so SQLite's own
	 * per-connection mutex is not needed. */
	flags = SQLITE_OPEN_NOMUTEX;
	flags |= mode == STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
				     : SQLITE_OPEN_READONLY;
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		store_set_err(err, errlen, "%s: cannot open: %s", path,
			      s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		store_set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (store_schema_setup(s->db, path, mode, err, errlen) < 0)
		goto fail;
	if (mode == STORE_WRITE) {
		s->version = STORE_SCHEMA_VERSION; /* migrated above */
		if (store_prepare_writer(s, err, errlen) < 0)
			goto fail;
		store_queue_prime(s);
	}
	return s;

fail:
	store_finalize_writer(s);
	sqlite3_close(s->db);
	store_free(s);
	return NULL;
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
		sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	sqlite3_close(s->db);
	store_free(s);
}
