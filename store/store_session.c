/* SPDX-License-Identifier: ISC */
/* store_session.c: the synchronous set-up and tear-down calls: session
 * begin and end, target upsert, and the run row of `hamon run`. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/store_int.h"

/* Start a session after closing the ones a crash left open. */
int64_t
store_session_begin(struct store *s, const struct store_session *sess, char *err, size_t errlen)
{
	char ourhost[HOST_NAME_MAX + 1];
	const char *host;
	sqlite3_stmt *ins = NULL;
	int64_t id = -1;
	int rc;

	if (s == NULL || s->mode != STORE_WRITE) {
		store_set_err(err, errlen, "%s: opened read-only", s != NULL ? s->path : "store");
		return -1;
	}
	host = sess->hostname;
	if (host == NULL) {
		if (gethostname(ourhost, sizeof ourhost) < 0)
			ourhost[0] = '\0';
		ourhost[sizeof ourhost - 1] = '\0';
		host = ourhost;
	}
	pthread_mutex_lock(&s->dbmu);
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = store_recover_crashed(s, host);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			s->db,
			"INSERT INTO sessions (started_ns, last_seen_ns, pid, hostname,"
			" argv) VALUES (?1, ?1, ?2, ?3, ?4)",
			-1, &ins, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(ins, 1, sess->started_ns);
		sqlite3_bind_int(ins, 2, sess->pid);
		sqlite3_bind_text(ins, 3, host, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, sess->argv != NULL ? sess->argv : "", -1, SQLITE_STATIC);
		rc = store_step_done(ins);
	}
	if (rc == SQLITE_OK) {
		id = sqlite3_last_insert_rowid(s->db);
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		store_set_err(err, errlen, "%s: cannot start a session: %s", s->path,
			      sqlite3_errmsg(s->db));
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		id = -1;
	}
	sqlite3_finalize(ins);
	if (id > 0) {
		/* Kept to re-create the session in a replacement file. */
		free(s->sess_host);
		free(s->sess_argv);
		s->sess_host = xstrdup(host);
		s->sess_argv = xstrdup(sess->argv != NULL ? sess->argv : "");
		s->sess_started_ns = sess->started_ns;
		s->sess_pid = sess->pid;
		s->sess_id = id;
		pthread_mutex_lock(&s->mu);
		s->session_id = id;
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&s->dbmu);
	return id;
}

/* Remember a target as upserted, for store_reopen. Caller holds dbmu. */
static void
store_save_target(struct store *s, const struct store_target *t, int64_t id)
{
	struct store_saved_target *v;
	size_t i;

	for (i = 0; i < s->nsaved && s->saved[i].id != id; i++)
		;
	if (i == s->nsaved) {
		s->saved = xreallocarray(s->saved, s->nsaved + 1, sizeof *s->saved);
		memset(&s->saved[s->nsaved++], 0, sizeof *s->saved);
	}
	v = &s->saved[i];
	free(v->name);
	free(v->url);
	free(v->address);
	v->id = id;
	v->name = xstrdup(t->name);
	v->url = xstrdup(t->url != NULL ? t->url : "");
	v->address = xstrdup(t->address != NULL ? t->address : "");
	v->family = t->family;
	v->port = t->port;
	v->interval_ns = t->interval_ns;
	v->timeout_ns = t->timeout_ns;
}

/* Insert or update a target by name. */
int64_t
store_target_upsert(struct store *s, const struct store_target *t, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int64_t id = -1;
	int rc;

	if (s == NULL || s->mode != STORE_WRITE) {
		store_set_err(err, errlen, "%s: opened read-only", s != NULL ? s->path : "store");
		return -1;
	}
	if (t->name == NULL || t->name[0] == '\0') {
		store_set_err(err, errlen, "%s: a target needs a name", s->path);
		return -1;
	}
	pthread_mutex_lock(&s->dbmu);
	rc = sqlite3_prepare_v2(
		s->db,
		"INSERT INTO targets (name, url, address, family, port, interval_ns,"
		" timeout_ns, updated_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" ON CONFLICT (name) DO UPDATE SET url = excluded.url,"
		" address = excluded.address, family = excluded.family,"
		" port = excluded.port, interval_ns = excluded.interval_ns,"
		" timeout_ns = excluded.timeout_ns, updated_ns = excluded.updated_ns",
		-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, t->url != NULL ? t->url : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, t->address != NULL ? t->address : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, t->family);
		sqlite3_bind_int(st, 5, t->port);
		sqlite3_bind_int64(st, 6, t->interval_ns);
		sqlite3_bind_int64(st, 7, t->timeout_ns);
		sqlite3_bind_int64(st, 8, time_real_ns());
		rc = store_step_done(st);
		sqlite3_finalize(st);
		st = NULL;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, "SELECT id FROM targets WHERE name = ?1", -1, &st,
					NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK)
		store_set_err(err, errlen, "%s: cannot store target \"%s\": %s", s->path, t->name,
			      sqlite3_errmsg(s->db));
	else
		store_save_target(s, t, id);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return rc == SQLITE_OK ? id : -1;
}

/* Flush, then record the session's end. */
void
store_session_end(struct store *s, int64_t session_id, int64_t ended_ns, const char *state)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || s->mode != STORE_WRITE)
		return;
	/* Nothing reaches a damaged file (also when this flush finds it so):
	 * the end goes to the rescue file with the records (store_close). */
	if (__atomic_load_n(&s->corrupt, __ATOMIC_RELAXED) || store_flush(s) < 0) {
		if (__atomic_load_n(&s->corrupt, __ATOMIC_RELAXED)) {
			free(s->sess_end_state);
			s->sess_end_state = xstrdup(state != NULL ? state : "stopped");
			s->sess_ended_ns = ended_ns;
			return;
		}
		log_warnx("%s: session %lld ends with records still queued", s->path,
			  (long long)session_id);
	}
	pthread_mutex_lock(&s->dbmu);
	rc = sqlite3_prepare_v2(s->db,
				"UPDATE sessions SET ended_ns = ?1, end_state = ?2,"
				" last_seen_ns = max(last_seen_ns, ?1) WHERE id = ?3",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, ended_ns);
		sqlite3_bind_text(st, 2, state != NULL ? state : "stopped", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, session_id);
		rc = store_step_done(st);
	}
	if (rc != SQLITE_OK)
		log_warnx("%s: cannot record the end of session %lld: %s", s->path,
			  (long long)session_id, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_lock(&s->mu);
	if (s->session_id == session_id)
		s->session_id = 0;
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_unlock(&s->dbmu);
}

/* Flush, then record (replace) the session's scheduler figures. */
void
store_session_sched(struct store *s, int64_t session_id, const struct store_sched *sc)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || s->mode != STORE_WRITE || __atomic_load_n(&s->corrupt, __ATOMIC_RELAXED))
		return;
	if (store_flush(s) < 0)
		log_warnx("%s: session %lld: records still queued", s->path, (long long)session_id);
	pthread_mutex_lock(&s->dbmu);
	rc = sqlite3_prepare_v2(
		s->db,
		"INSERT OR REPLACE INTO schedulers (session_id, sends, skipped,"
		" lag_p50_ns, lag_p99_ns, lag_max_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, session_id);
		sqlite3_bind_int64(st, 2, (int64_t)sc->sends);
		sqlite3_bind_int64(st, 3, (int64_t)sc->skipped);
		sqlite3_bind_int64(st, 4, sc->lag_p50_ns);
		sqlite3_bind_int64(st, 5, sc->lag_p99_ns);
		sqlite3_bind_int64(st, 6, sc->lag_max_ns);
		rc = store_step_done(st);
	}
	if (rc != SQLITE_OK)
		log_warnx("%s: cannot record the scheduler figures of session %lld: %s", s->path,
			  (long long)session_id, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
}

/* Whether a text of this length fits a row buffer of size n whole. */
#define STORE_FITS(str, n) ((str) == NULL || strlen(str) < (n))

/*
 * Insert or replace the run row of a session. The label, kind and hv_json
 * must fit store_session_row's buffers whole: a truncated label would not
 * name its run and truncated JSON is not JSON, so they are refused here
 * rather than cut when read back.
 */
int
store_run_put(struct store *s, const struct store_run *r, char *err, size_t errlen)
{
	const struct store_session_row *row = NULL;
	const char *kind;
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || s->mode != STORE_WRITE) {
		store_set_err(err, errlen, "%s: opened read-only", s != NULL ? s->path : "store");
		return -1;
	}
	kind = r->kind != NULL ? r->kind : "custom";
	if (r->session_id <= 0) {
		store_set_err(err, errlen, "%s: a run needs a session", s->path);
		return -1;
	}
	if (!STORE_FITS(r->label, sizeof row->label) || !STORE_FITS(kind, sizeof row->kind) ||
	    !STORE_FITS(r->hv_json, sizeof row->hv_json)) {
		store_set_err(err, errlen,
			      "%s: run of session %lld: label, kind or hypervisor figures too long"
			      " (at most %zu, %zu and %zu bytes)",
			      s->path, (long long)r->session_id, sizeof row->label - 1,
			      sizeof row->kind - 1, sizeof row->hv_json - 1);
		return -1;
	}
	if (r->exit_status < -1 || r->exit_status > 255) {
		store_set_err(err, errlen, "%s: run of session %lld: exit status %d out of range",
			      s->path, (long long)r->session_id, r->exit_status);
		return -1;
	}
	pthread_mutex_lock(&s->dbmu);
	rc = sqlite3_prepare_v2(s->db,
				"INSERT OR REPLACE INTO runs (session_id, label, kind, argv,"
				" cmd_start_ns, cmd_end_ns, cmd_duration_ns, exit_status,"
				" output_bytes, hv_json, output)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, r->session_id);
		if (r->label != NULL)
			sqlite3_bind_text(st, 2, r->label, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, r->argv != NULL ? r->argv : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, r->cmd_start_ns);
		/* Still running: no end and no duration yet. */
		if (r->cmd_end_ns != 0) {
			sqlite3_bind_int64(st, 6, r->cmd_end_ns);
			sqlite3_bind_int64(st, 7, r->cmd_duration_ns);
		} else {
			sqlite3_bind_null(st, 6);
			sqlite3_bind_null(st, 7);
		}
		sqlite3_bind_int(st, 8, r->exit_status);
		sqlite3_bind_int64(st, 9, (sqlite3_int64)r->output_bytes);
		if (r->hv_json != NULL)
			sqlite3_bind_text(st, 10, r->hv_json, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 10);
		if (r->output != NULL)
			sqlite3_bind_blob64(st, 11, r->output, r->output_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 11);
		rc = store_step_done(st);
	}
	if (rc != SQLITE_OK)
		store_set_err(err, errlen, "%s: cannot store the run of session %lld: %s", s->path,
			      (long long)r->session_id, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return rc == SQLITE_OK ? 0 : -1;
}
