/* SPDX-License-Identifier: ISC */
/* hv_import.c: the hv_tasks and hv_events tables (schema version 6):
 * task logs and HA journal events imported after the fact. Synchronous
 * calls of the import commands, under the connection's dbmu. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_int.h"
#include "store/hvstore.h"

/* clang-format off */
/* The version 6 schema, applied by schema.c's migration list. IF NOT
 * EXISTS: tests turn files back into version 5 by hand, not always
 * dropping these. */
const char store_schema_v6[] =
	"CREATE TABLE IF NOT EXISTS hv_tasks ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER REFERENCES sessions(id),"
	" upid TEXT UNIQUE,"
	" node TEXT,"
	" type TEXT,"
	" task_id TEXT,"
	" user TEXT,"
	" source TEXT NOT NULL,"
	" imported_ns INTEGER NOT NULL,"
	" start_ns INTEGER,"
	" end_ns INTEGER,"
	" status TEXT NOT NULL,"
	" warnings INTEGER,"
	" error TEXT,"
	" error_lines INTEGER NOT NULL,"
	" warn_lines INTEGER NOT NULL,"
	" downtime_ms INTEGER,"
	" downtime_src TEXT,"
	" duration_ms INTEGER,"
	" transferred_bytes INTEGER,"
	" backup_vmid INTEGER,"
	" backup_duration_ms INTEGER,"
	" backup_transfer_ms INTEGER,"
	" backup_bytes INTEGER,"
	" archive_bytes INTEGER,"
	" guest_pause_ms INTEGER,"
	" backup_job TEXT);"
	"CREATE INDEX IF NOT EXISTS hv_tasks_session ON hv_tasks(session_id);"
	"CREATE INDEX IF NOT EXISTS hv_tasks_start ON hv_tasks(start_ns);"
	"CREATE TABLE IF NOT EXISTS hv_events ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER REFERENCES sessions(id),"
	" ts_ns INTEGER NOT NULL,"
	" host TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" from_state TEXT NOT NULL,"
	" to_state TEXT NOT NULL,"
	" node TEXT NOT NULL,"
	" UNIQUE (ts_ns, host, kind, subject, from_state, to_state));"
	"CREATE INDEX IF NOT EXISTS hv_events_session ON hv_events(session_id, ts_ns);";
/* clang-format on */

/* Bind text, NULL as NULL. */
static void
hvs_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Bind a number, a negative one (not stated) as NULL. */
static void
hvs_num(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Store a task, replacing one of the same UPID. */
int64_t
store_hvtask_put(struct store *s, const struct store_hvtask *t, char *err, size_t errlen)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO hv_tasks (session_id, upid, node, type, task_id, user,"
		" source, imported_ns, start_ns, end_ns, status, warnings, error, error_lines,"
		" warn_lines, downtime_ms, downtime_src, duration_ms, transferred_bytes,"
		" backup_vmid, backup_duration_ms, backup_transfer_ms, backup_bytes,"
		" archive_bytes, guest_pause_ms, backup_job)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = NULL;
	int64_t id = -1;
	int i = 1;

	if (s->mode != STORE_WRITE) {
		store_set_err(err, errlen, "%s: opened read-only", s->path);
		return -1;
	}
	pthread_mutex_lock(&s->dbmu);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	hvs_num(st, i++, t->session_id > 0 ? t->session_id : -1);
	hvs_text(st, i++, t->upid);
	hvs_text(st, i++, t->node);
	hvs_text(st, i++, t->type);
	hvs_text(st, i++, t->id);
	hvs_text(st, i++, t->user);
	hvs_text(st, i++, t->source != NULL ? t->source : "");
	sqlite3_bind_int64(st, i++, time_real_ns());
	hvs_num(st, i++, t->start_ns > 0 ? t->start_ns : -1);
	hvs_num(st, i++, t->end_ns > 0 ? t->end_ns : -1);
	hvs_text(st, i++, t->status != NULL ? t->status : "unknown");
	hvs_num(st, i++, t->warnings);
	hvs_text(st, i++, t->error);
	sqlite3_bind_int64(st, i++, t->error_lines > 0 ? t->error_lines : 0);
	sqlite3_bind_int64(st, i++, t->warn_lines > 0 ? t->warn_lines : 0);
	hvs_num(st, i++, t->downtime_ms);
	hvs_text(st, i++, t->downtime_ms >= 0 ? t->downtime_src : NULL);
	hvs_num(st, i++, t->duration_ms);
	hvs_num(st, i++, t->transferred_bytes);
	hvs_num(st, i++, t->backup_vmid);
	hvs_num(st, i++, t->backup_duration_ms);
	hvs_num(st, i++, t->backup_transfer_ms);
	hvs_num(st, i++, t->backup_bytes);
	hvs_num(st, i++, t->archive_bytes);
	hvs_num(st, i++, t->guest_pause_ms);
	hvs_text(st, i++, t->backup_job);
	if (store_step_done(st) != SQLITE_OK)
		goto fail;
	id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return id;
fail:
	store_set_err(err, errlen, "%s: cannot store the task: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return -1;
}

/* The latest run whose command span covers [start_ns, end_ns] (slack either side). */
int
store_hvtask_find_run(struct store *s, int64_t start_ns, int64_t end_ns, int64_t slack_ns,
		      int64_t *session_id, char *err, size_t errlen)
{
	static const char sql[] = "SELECT session_id FROM runs WHERE cmd_start_ns - ?3 <= ?1"
				  " AND ?2 <= COALESCE(cmd_end_ns, cmd_start_ns) + ?3"
				  " ORDER BY session_id DESC LIMIT 1";
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	pthread_mutex_lock(&s->dbmu);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_set_err(err, errlen, "%s: cannot look for runs: %s", s->path,
			      sqlite3_errmsg(s->db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, start_ns);
	sqlite3_bind_int64(st, 2, end_ns);
	sqlite3_bind_int64(st, 3, slack_ns);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*session_id = sqlite3_column_int64(st, 0);
		ret = 0;
	} else if (rc == SQLITE_DONE)
		ret = 1;
	else
		store_set_err(err, errlen, "%s: cannot look for runs: %s", s->path,
			      sqlite3_errmsg(s->db));
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return ret;
}

/* Store HA events in one transaction, skipping those already there. */
int
store_hvevents_put(struct store *s, const struct store_hvevent *ev, size_t n, size_t *added,
		   char *err, size_t errlen)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO hv_events (session_id, ts_ns, host, kind, subject,"
		" from_state, to_state, node) VALUES ((SELECT id FROM sessions WHERE"
		" started_ns <= ?1 AND ?1 <= COALESCE(ended_ns, last_seen_ns)"
		" ORDER BY id DESC LIMIT 1), ?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st = NULL;
	size_t i;

	*added = 0;
	if (s->mode != STORE_WRITE) {
		store_set_err(err, errlen, "%s: opened read-only", s->path);
		return -1;
	}
	pthread_mutex_lock(&s->dbmu);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		goto rollback;
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ev[i].ts_ns);
		sqlite3_bind_text(st, 2, ev[i].host ? ev[i].host : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, ev[i].kind ? ev[i].kind : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, ev[i].subject ? ev[i].subject : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, ev[i].from ? ev[i].from : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, ev[i].to ? ev[i].to : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, ev[i].node ? ev[i].node : "", -1, SQLITE_TRANSIENT);
		if (store_step_done(st) != SQLITE_OK)
			goto rollback;
		*added += (size_t)sqlite3_changes(s->db);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	pthread_mutex_unlock(&s->dbmu);
	return 0;
rollback:
	store_set_err(err, errlen, "%s: cannot store the events: %s", s->path,
		      sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&s->dbmu);
	*added = 0;
	return -1;
fail:
	store_set_err(err, errlen, "%s: cannot store the events: %s", s->path,
		      sqlite3_errmsg(s->db));
	pthread_mutex_unlock(&s->dbmu);
	return -1;
}
