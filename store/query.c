/* SPDX-License-Identifier: ISC */
/* query.c: the reader side: losses, transitions and summaries for history
 * and reports, sessions with their runs, the targets, events, samples and
 * seconds of a session, its UNKNOWN windows, the minutes and hours of a
 * target, and the integrity check. Every query binds its values; only fixed SQL fragments are ever
 * concatenated. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "store/store_int.h"

/* Room for the longest statement built, store_query_session_targets's
 * (about 1 100 bytes); store_sql_add cuts anything longer. */
#define STORE_SQL_MAX 2048

/* Append a fixed fragment of SQL. */
static void
store_sql_add(char *sql, const char *frag)
{
	size_t len = strlen(sql);

	snprintf(sql + len, STORE_SQL_MAX - len, "%s", frag);
}

/* Append SQL made from a format, as store_sql_add. */
static void __attribute__((format(printf, 2, 3))) store_sql_addf(char *sql, const char *fmt, ...)
{
	size_t len = strlen(sql);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql + len, STORE_SQL_MAX - len, fmt, ap);
	va_end(ap);
}

/* Loss bursts and outages matching f, by start time. */
int
store_query_losses(struct store *s, const struct store_loss_filter *f, store_loss_cb cb, void *arg,
		   char *err, size_t errlen)
{
	char sql[STORE_SQL_MAX] =
		"SELECT t.name, l.session_id, l.target_id, l.kind, l.start_ns, l.end_ns,"
		" l.start_lo_ns, l.start_hi_ns, l.end_lo_ns, l.end_hi_ns, l.duration_ns,"
		" l.lower_ns, l.upper_ns, l.lost, l.first_seq, l.last_seq, l.end_state"
		" FROM losses AS l JOIN targets AS t ON t.id = l.target_id WHERE 1";
	struct store_loss_filter none = { NULL, 0, 0, 0, -1, 0 };
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;

	if (f == NULL)
		f = &none;
	/* Only the clauses in use, so SQLite can pick the matching index. */
	if (f->target != NULL)
		store_sql_add(sql, " AND t.name = ?1");
	if (f->since_ns != 0)
		store_sql_add(sql, " AND l.end_ns >= ?2");
	if (f->until_ns != 0)
		store_sql_add(sql, " AND l.start_ns < ?3");
	if (f->min_ns > 0)
		store_sql_add(sql, " AND l.duration_ns >= ?4");
	if (f->kind >= 0)
		store_sql_add(sql, " AND l.kind = ?5");
	if (f->session_id > 0)
		store_sql_add(sql, " AND l.session_id = ?6");
	store_sql_add(sql, " ORDER BY l.start_ns, l.id");

	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, sql, "losses", err, errlen)) == NULL)
		return -1;
	if (f->target != NULL)
		sqlite3_bind_text(st, 1, f->target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->since_ns);
	sqlite3_bind_int64(st, 3, f->until_ns);
	sqlite3_bind_int64(st, 4, f->min_ns);
	sqlite3_bind_int(st, 5, f->kind);
	sqlite3_bind_int64(st, 6, f->session_id);
	while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_loss_row row;
		struct store_loss *l = &row.loss;

		memset(&row, 0, sizeof row);
		store_copy_name(row.target, sizeof row.target, st, 0);
		l->session_id = sqlite3_column_int64(st, 1);
		l->target_id = sqlite3_column_int64(st, 2);
		l->kind = (enum store_loss_kind)sqlite3_column_int(st, 3);
		l->start_ns = sqlite3_column_int64(st, 4);
		l->end_ns = sqlite3_column_int64(st, 5);
		l->start_lo_ns = sqlite3_column_int64(st, 6);
		l->start_hi_ns = sqlite3_column_int64(st, 7);
		l->end_lo_ns = sqlite3_column_int64(st, 8);
		l->end_hi_ns = sqlite3_column_int64(st, 9);
		l->duration_ns = sqlite3_column_int64(st, 10);
		l->lower_ns = sqlite3_column_int64(st, 11);
		l->upper_ns = sqlite3_column_int64(st, 12);
		l->lost = (uint64_t)sqlite3_column_int64(st, 13);
		l->first_seq = (uint64_t)sqlite3_column_int64(st, 14);
		l->last_seq = (uint64_t)sqlite3_column_int64(st, 15);
		l->end_state = (enum store_end_state)sqlite3_column_int(st, 16);
		stopped = cb(&row, arg) != 0;
	}
	return store_query_end(s, st, rc, stopped, "losses", err, errlen);
}

/* State transitions matching f, by effective time. */
int
store_query_transitions(struct store *s, const struct store_transition_filter *f,
			store_transition_cb cb, void *arg, char *err, size_t errlen)
{
	char sql[STORE_SQL_MAX] =
		"SELECT t.name, x.session_id, x.target_id, x.from_state, x.to_state,"
		" x.effective_ns, x.declared_ns, x.seq"
		" FROM transitions AS x JOIN targets AS t ON t.id = x.target_id WHERE 1";
	struct store_transition_filter none = { NULL, 0, 0, 0 };
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;

	if (f == NULL)
		f = &none;
	if (f->target != NULL)
		store_sql_add(sql, " AND t.name = ?1");
	if (f->since_ns != 0)
		store_sql_add(sql, " AND x.effective_ns >= ?2");
	if (f->until_ns != 0)
		store_sql_add(sql, " AND x.effective_ns < ?3");
	if (f->session_id > 0)
		store_sql_add(sql, " AND x.session_id = ?4");
	store_sql_add(sql, " ORDER BY x.effective_ns, x.id");

	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, sql, "transitions", err, errlen)) == NULL)
		return -1;
	if (f->target != NULL)
		sqlite3_bind_text(st, 1, f->target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->since_ns);
	sqlite3_bind_int64(st, 3, f->until_ns);
	sqlite3_bind_int64(st, 4, f->session_id);
	while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_transition_row row;
		struct store_transition *tr = &row.tr;

		memset(&row, 0, sizeof row);
		store_copy_name(row.target, sizeof row.target, st, 0);
		tr->session_id = sqlite3_column_int64(st, 1);
		tr->target_id = sqlite3_column_int64(st, 2);
		tr->from = (enum store_state)sqlite3_column_int(st, 3);
		tr->to = (enum store_state)sqlite3_column_int(st, 4);
		tr->effective_ns = sqlite3_column_int64(st, 5);
		tr->declared_ns = sqlite3_column_int64(st, 6);
		tr->seq = (uint64_t)sqlite3_column_int64(st, 7);
		stopped = cb(&row, arg) != 0;
	}
	return store_query_end(s, st, rc, stopped, "transitions", err, errlen);
}

/* Per-target summaries of one session (0: the latest that has any). */
int
store_query_summaries(struct store *s, int64_t session_id, store_summary_cb cb, void *arg,
		      char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT t.name, m.session_id, m.target_id, m.sent, m.received, m.lost,"
		" m.late, m.unreach, m.rtt_min_ns, m.rtt_avg_ns, m.rtt_p99_ns,"
		" m.rtt_max_ns, m.outages, m.downtime_ns"
		" FROM target_summaries AS m JOIN targets AS t ON t.id = m.target_id"
		" WHERE m.session_id = CASE WHEN ?1 > 0 THEN ?1"
		" ELSE (SELECT max(session_id) FROM target_summaries) END"
		" ORDER BY t.name";
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;

	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, sql, "summaries", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session_id);
	while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_summary_row row;
		struct store_target_summary *m = &row.sum;

		memset(&row, 0, sizeof row);
		store_copy_name(row.target, sizeof row.target, st, 0);
		m->session_id = sqlite3_column_int64(st, 1);
		m->target_id = sqlite3_column_int64(st, 2);
		m->sent = (uint64_t)sqlite3_column_int64(st, 3);
		m->received = (uint64_t)sqlite3_column_int64(st, 4);
		m->lost = (uint64_t)sqlite3_column_int64(st, 5);
		m->late = (uint64_t)sqlite3_column_int64(st, 6);
		m->unreach = (uint64_t)sqlite3_column_int64(st, 7);
		m->rtt_min_ns = store_column_rtt(st, 8);
		m->rtt_avg_ns = store_column_rtt(st, 9);
		m->rtt_p99_ns = store_column_rtt(st, 10);
		m->rtt_max_ns = store_column_rtt(st, 11);
		m->outages = (uint64_t)sqlite3_column_int64(st, 12);
		m->downtime_ns = sqlite3_column_int64(st, 13);
		stopped = cb(&row, arg) != 0;
	}
	return store_query_end(s, st, rc, stopped, "summaries", err, errlen);
}

/* PRAGMA integrity_check must answer exactly "ok". */
int
store_integrity_check(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc, ok = 0;

	pthread_mutex_lock(&s->dbmu);
	rc = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *msg = sqlite3_column_text(st, 0);

		ok = msg != NULL && strcmp((const char *)msg, "ok") == 0;
		if (!ok)
			store_set_err(err, errlen, "%s: integrity check failed: %s", s->path,
				      msg != NULL ? (const char *)msg : "(no answer)");
	} else
		store_query_fail(s, "integrity", err, errlen);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return ok ? 0 : -1;
}

/* ---- runs, sessions and what reports read (schema version 2) ---- */

/*
 * seconds is keyed (target_id, second, session_id) and losses indexed by
 * (target_id, start_ns): the rows of one session are found by the time
 * range the session spans, not by a scan of everything the target ever had
 * (a year of seconds is 31 million rows per target). The range is widened
 * by this much on each side for wall-clock steps during the session; rows
 * further out (a step of more than a day) are not found.
 */
#define STORE_SPAN_SLACK_S 86400
#define STORE_SQL_STR(x)   #x
#define STORE_SQL_XSTR(x)  STORE_SQL_STR(x)
/* One row (lo, hi): the unix seconds in which session ?1 can have written
 * seconds and losses; no row when there is no such session. */
#define STORE_SQL_SPAN                                                                             \
	"(SELECT started_ns / 1000000000 - " STORE_SQL_XSTR(                                       \
		STORE_SPAN_SLACK_S) " AS lo,"                                                      \
				    " max(last_seen_ns, coalesce(ended_ns, 0)) / 1000000000 "      \
				    "+ " STORE_SQL_XSTR(                                           \
					    STORE_SPAN_SLACK_S) " AS hi FROM sessions WHERE id = " \
								"?1)"

/* Whether the file is at least at schema version `version` (see the
 * version of struct store): 1, 0, or -1 with err. Caller holds dbmu. */
static int
store_has_schema(struct store *s, int64_t version, char *err, size_t errlen)
{
	if (s->version >= version)
		return 1;
	if (store_sql_int(s->db, "PRAGMA user_version", &s->version) != SQLITE_OK)
		return store_query_fail(s, "the schema version", err, errlen);
	return s->version >= version;
}

/*
 * Rows read under dbmu and handed to their callback only once it is
 * released, so that a callback may query the same handle (a report reads
 * the samples of each target from its targets callback). Only for the
 * short lists (targets, runs); samples, seconds and events are streamed.
 */
struct store_rows {
	unsigned char *v;
	size_t n, cap, size;
};

/* A zeroed slot for one more row. */
static void *
store_rows_add(struct store_rows *b)
{
	void *row;

	if (b->n == b->cap) {
		b->cap = b->cap > 0 ? b->cap * 2 : 16;
		b->v = xreallocarray(b->v, b->cap, b->size);
	}
	row = b->v + b->size * b->n++;
	memset(row, 0, b->size);
	return row;
}

/* Columns a store_session_row is filled from, with and without runs. */
#define STORE_SQL_SESSION "SELECT s.id, s.started_ns, s.ended_ns, s.end_state, s.argv,"
#define STORE_SQL_SESSION_RUN                                                                \
	STORE_SQL_SESSION " r.session_id IS NOT NULL, r.label, r.kind, r.argv,"              \
			  " r.cmd_start_ns, r.cmd_end_ns, r.cmd_duration_ns, r.exit_status," \
			  " r.output_bytes, r.hv_json FROM sessions AS s"
#define STORE_SQL_SESSION_NORUN \
	STORE_SQL_SESSION       \
	" 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM sessions AS s"

/* Fill a session row from a STORE_SQL_SESSION* result row. */
static void
store_fill_session(sqlite3_stmt *st, struct store_session_row *row)
{
	memset(row, 0, sizeof *row);
	row->id = sqlite3_column_int64(st, 0);
	row->started_ns = sqlite3_column_int64(st, 1);
	row->ended_ns = store_column_int0(st, 2);
	store_copy_name(row->end_state, sizeof row->end_state, st, 3);
	store_copy_name(row->argv, sizeof row->argv, st, 4);
	row->has_run = sqlite3_column_int(st, 5) != 0;
	store_copy_name(row->label, sizeof row->label, st, 6);
	store_copy_name(row->kind, sizeof row->kind, st, 7);
	store_copy_name(row->cmd, sizeof row->cmd, st, 8);
	row->cmd_start_ns = store_column_int0(st, 9);
	row->cmd_end_ns = store_column_int0(st, 10);
	row->cmd_duration_ns = store_column_int0(st, 11);
	row->exit_status = (int)store_column_int0(st, 12);
	row->output_bytes = (uint64_t)store_column_int0(st, 13);
	store_copy_name(row->hv_json, sizeof row->hv_json, st, 14);
}

/* One session by id, or the latest (with a run when runs_only). */
int
store_get_session(struct store *s, int64_t id, int runs_only, struct store_session_row *out,
		  char *err, size_t errlen)
{
	char sql[STORE_SQL_MAX] = "";
	sqlite3_stmt *st = NULL;
	int rc, runs, found = -1;

	memset(out, 0, sizeof *out);
	if (id < 0) {
		store_set_err(err, errlen, "%s: no session %lld", s->path, (long long)id);
		return -1;
	}
	pthread_mutex_lock(&s->dbmu);
	runs = store_has_schema(s, STORE_SCHEMA_RUNS, err, errlen);
	if (runs < 0 || (runs == 0 && runs_only)) {
		/* A version 1 file has no runs: "not found", not an error. */
		pthread_mutex_unlock(&s->dbmu);
		return runs < 0 ? -1 : 1;
	}
	if (runs) {
		store_sql_add(sql, STORE_SQL_SESSION_RUN);
		store_sql_add(sql, runs_only ? " JOIN" : " LEFT JOIN");
		store_sql_add(sql, " runs AS r ON r.session_id = s.id");
	} else
		store_sql_add(sql, STORE_SQL_SESSION_NORUN);
	store_sql_add(sql, id > 0 ? " WHERE s.id = ?1" : " ORDER BY s.id DESC LIMIT 1");

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			store_fill_session(st, out);
			found = 0;
		} else if (rc == SQLITE_DONE)
			found = 1;
	}
	if (found < 0)
		store_query_fail(s, "sessions", err, errlen);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return found;
}

/* A session's scheduler figures (version 5 on). */
int
store_get_sched(struct store *s, int64_t session_id, struct store_sched *out, char *err,
		size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc, found = -1;

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&s->dbmu);
	if ((rc = store_has_schema(s, STORE_SCHEMA_WINDOWS, err, errlen)) <= 0) {
		pthread_mutex_unlock(&s->dbmu);
		return rc < 0 ? -1 : 1;
	}
	rc = sqlite3_prepare_v2(s->db,
				"SELECT sends, skipped, lag_p50_ns, lag_p99_ns, lag_max_ns"
				" FROM schedulers WHERE session_id = ?1",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, session_id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			out->sends = (uint64_t)sqlite3_column_int64(st, 0);
			out->skipped = (uint64_t)sqlite3_column_int64(st, 1);
			out->lag_p50_ns = sqlite3_column_int64(st, 2);
			out->lag_p99_ns = sqlite3_column_int64(st, 3);
			out->lag_max_ns = sqlite3_column_int64(st, 4);
			found = 0;
		} else if (rc == SQLITE_DONE)
			found = 1;
	}
	if (found < 0)
		store_query_fail(s, "schedulers", err, errlen);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return found;
}

/* Every run with this label (NULL: the unlabelled ones), by session id. */
int
store_query_runs_by_label(struct store *s, const char *label, store_session_cb cb, void *arg,
			  char *err, size_t errlen)
{
	struct store_rows rows = { NULL, 0, 0, sizeof(struct store_session_row) };
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc, runs;

	pthread_mutex_lock(&s->dbmu);
	if ((runs = store_has_schema(s, STORE_SCHEMA_RUNS, err, errlen)) <= 0) {
		pthread_mutex_unlock(&s->dbmu);
		return runs;
	}
	/* IS matches a NULL label too, and still uses runs_label. */
	rc = sqlite3_prepare_v2(s->db,
				STORE_SQL_SESSION_RUN " JOIN runs AS r ON r.session_id = s.id"
						      " WHERE r.label IS ?1 ORDER BY r.session_id",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		if (label != NULL)
			sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			store_fill_session(st, store_rows_add(&rows));
	}
	if (rc != SQLITE_DONE)
		store_query_fail(s, "runs", err, errlen);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);

	for (i = 0; rc == SQLITE_DONE && i < rows.n; i++)
		if (cb((const struct store_session_row *)(rows.v + rows.size * i), arg) != 0)
			break;
	free(rows.v);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Targets with a summary, samples, losses or seconds in a session, by name. */
int
store_query_session_targets(struct store *s, int64_t session_id, store_target_cb cb, void *arg,
			    char *err, size_t errlen)
{
	struct store_rows rows = { NULL, 0, 0, sizeof(struct store_target_row) };
	char sql[STORE_SQL_MAX] = "";
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc, minutes, hours;

	/* Cheapest look-ups first: each EXISTS is a primary-key or index
	 * probe; losses, seconds, minutes and hours only within the session's
	 * span. The unary + keeps SQLite off losses_session, which would read
	 * every loss of the session once per target. Minutes count from
	 * version 3 and hours from version 4: an old plain session's seconds
	 * may all have been rolled up, and its minutes too. */
	pthread_mutex_lock(&s->dbmu);
	if ((minutes = store_has_schema(s, STORE_SCHEMA_MINUTES, err, errlen)) < 0 ||
	    (hours = store_has_schema(s, STORE_SCHEMA_HOURS, err, errlen)) < 0) {
		pthread_mutex_unlock(&s->dbmu);
		return -1;
	}
	store_sql_add(sql, "SELECT t.id, t.name, t.url, t.interval_ns, t.timeout_ns"
			   " FROM targets AS t, " STORE_SQL_SPAN " AS w"
			   " WHERE EXISTS (SELECT 1 FROM target_summaries AS m"
			   "  WHERE m.session_id = ?1 AND m.target_id = t.id)"
			   " OR EXISTS (SELECT 1 FROM samples AS p"
			   "  WHERE p.target_id = t.id AND p.session_id = ?1)"
			   " OR EXISTS (SELECT 1 FROM losses AS l WHERE l.target_id = t.id"
			   "  AND l.start_ns BETWEEN w.lo * 1000000000 AND w.hi * 1000000000"
			   "  AND +l.session_id = ?1)"
			   " OR EXISTS (SELECT 1 FROM seconds AS c WHERE c.target_id = t.id"
			   "  AND c.second BETWEEN w.lo AND w.hi AND c.session_id = ?1)");
	if (minutes)
		store_sql_add(sql, " OR EXISTS (SELECT 1 FROM minutes AS n WHERE n.target_id = t.id"
				   "  AND n.minute BETWEEN w.lo / 60 AND w.hi / 60"
				   "  AND n.session_id = ?1)");
	if (hours)
		store_sql_add(sql, " OR EXISTS (SELECT 1 FROM hours AS h WHERE h.target_id = t.id"
				   "  AND h.hour BETWEEN w.lo / 3600 AND w.hi / 3600"
				   "  AND h.session_id = ?1)");
	store_sql_add(sql, " ORDER BY t.name, t.id");
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, session_id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct store_target_row *row = store_rows_add(&rows);

			row->id = sqlite3_column_int64(st, 0);
			store_copy_name(row->name, sizeof row->name, st, 1);
			store_copy_name(row->url, sizeof row->url, st, 2);
			row->interval_ns = sqlite3_column_int64(st, 3);
			row->timeout_ns = sqlite3_column_int64(st, 4);
		}
	}
	if (rc != SQLITE_DONE)
		store_query_fail(s, "session targets", err, errlen);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);

	for (i = 0; rc == SQLITE_DONE && i < rows.n; i++)
		if (cb((const struct store_target_row *)(rows.v + rows.size * i), arg) != 0)
			break;
	free(rows.v);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Events of a session by time (then id); streamed under dbmu. */
int
store_query_events(struct store *s, int64_t session_id, store_event_cb cb, void *arg, char *err,
		   size_t errlen)
{
	static const char sql[] = "SELECT id, session_id, target_id, ts_ns, kind, text FROM events"
				  " WHERE session_id = ?1 ORDER BY ts_ns, id";
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;

	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, sql, "events", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session_id);
	while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event_row row;

		memset(&row, 0, sizeof row);
		row.id = sqlite3_column_int64(st, 0);
		row.session_id = sqlite3_column_int64(st, 1);
		row.target_id = store_column_int0(st, 2);
		row.ts_ns = sqlite3_column_int64(st, 3);
		store_copy_name(row.kind, sizeof row.kind, st, 4);
		store_copy_name(row.text, sizeof row.text, st, 5);
		stopped = cb(&row, arg) != 0;
	}
	return store_query_end(s, st, rc, stopped, "events", err, errlen);
}

/* UNKNOWN windows of a session by start, then target, then id; streamed
 * under dbmu. A file older than version 5 has none. */
int
store_query_windows(struct store *s, int64_t session_id, store_window_cb cb, void *arg, char *err,
		    size_t errlen)
{
	static const char sql[] =
		"SELECT id, session_id, target_id, start_ns, end_ns, scope, ifindex, ifname, code,"
		" reason FROM unknown_windows WHERE session_id = ?1"
		" ORDER BY start_ns, coalesce(target_id, 0), id";
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;

	pthread_mutex_lock(&s->dbmu);
	if ((rc = store_has_schema(s, STORE_SCHEMA_WINDOWS, err, errlen)) <= 0) {
		pthread_mutex_unlock(&s->dbmu);
		return rc;
	}
	if ((st = store_query_prepare(s, sql, "unknown windows", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session_id);
	while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_window_row row;

		memset(&row, 0, sizeof row);
		row.id = sqlite3_column_int64(st, 0);
		row.session_id = sqlite3_column_int64(st, 1);
		row.target_id = store_column_int0(st, 2);
		row.start_ns = sqlite3_column_int64(st, 3);
		row.end_ns = sqlite3_column_int64(st, 4);
		row.scope = store_scope_from_name((const char *)sqlite3_column_text(st, 5));
		row.ifindex = (int)store_column_int0(st, 6);
		store_copy_name(row.ifname, sizeof row.ifname, st, 7);
		store_copy_name(row.code, sizeof row.code, st, 8);
		store_copy_name(row.reason, sizeof row.reason, st, 9);
		stopped = cb(&row, arg) != 0;
	}
	return store_query_end(s, st, rc, stopped, "unknown windows", err, errlen);
}

/* Samples of one target in a session by seq; streamed under dbmu. */
int
store_query_samples(struct store *s, int64_t session_id, int64_t target_id, store_sample_cb cb,
		    void *arg, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT session_id, target_id, seq, tx_ns, rtt_ns, result FROM samples"
		" WHERE target_id = ?2 AND session_id = ?1 ORDER BY seq";
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;

	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, sql, "samples", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session_id);
	sqlite3_bind_int64(st, 2, target_id);
	while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_sample smp;

		memset(&smp, 0, sizeof smp);
		smp.session_id = sqlite3_column_int64(st, 0);
		smp.target_id = sqlite3_column_int64(st, 1);
		smp.seq = (uint64_t)sqlite3_column_int64(st, 2);
		smp.tx_ns = sqlite3_column_int64(st, 3);
		smp.rtt_ns = store_column_rtt(st, 4);
		smp.result = sqlite3_column_int(st, 5);
		stopped = cb(&smp, arg) != 0;
	}
	return store_query_end(s, st, rc, stopped, "samples", err, errlen);
}

/* Per-second rows of one target in a session by second; streamed under dbmu. */
int
store_query_seconds(struct store *s, int64_t session_id, int64_t target_id, store_second_cb cb,
		    void *arg, char *err, size_t errlen)
{
	static const char sql[] = "SELECT c.session_id, c.target_id, c.second, c.sent, c.received,"
				  " c.lost, c.rtt_min_ns, c.rtt_max_ns, c.rtt_sum_ns, c.hist"
				  " FROM " STORE_SQL_SPAN " AS w, seconds AS c"
				  " WHERE c.target_id = ?2 AND c.second BETWEEN w.lo AND w.hi"
				  " AND c.session_id = ?1 ORDER BY c.second";
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;

	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, sql, "seconds", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session_id);
	sqlite3_bind_int64(st, 2, target_id);
	while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_second sec;

		memset(&sec, 0, sizeof sec);
		sec.session_id = sqlite3_column_int64(st, 0);
		sec.target_id = sqlite3_column_int64(st, 1);
		sec.second = sqlite3_column_int64(st, 2);
		sec.sent = (uint32_t)sqlite3_column_int64(st, 3);
		sec.received = (uint32_t)sqlite3_column_int64(st, 4);
		sec.lost = (uint32_t)sqlite3_column_int64(st, 5);
		sec.rtt_min_ns = store_column_rtt(st, 6);
		sec.rtt_max_ns = store_column_rtt(st, 7);
		sec.rtt_sum_ns = sqlite3_column_int64(st, 8);
		store_parse_hist((const char *)sqlite3_column_text(st, 9), sec.hist);
		stopped = cb(&sec, arg) != 0;
	}
	return store_query_end(s, st, rc, stopped, "seconds", err, errlen);
}

/*
 * Rows of one target (of one session, or any with 0) of the minutes or
 * hours table, whose rows are unit_s seconds long, that overlap [since_ns,
 * until_ns), by key then session; streamed under dbmu. Each is handed to cb
 * as a minute (for hours its minute field holds the hour). A file older
 * than version `version` has none.
 */
static int
store_query_tier(struct store *s, int64_t version, const char *table, const char *key,
		 int64_t unit_s, int64_t session_id, int64_t target_id, int64_t since_ns,
		 int64_t until_ns, store_minute_cb cb, void *arg, char *err, size_t errlen)
{
	char sql[STORE_SQL_MAX] = "";
	sqlite3_stmt *st = NULL;
	int64_t unit_ns = unit_s * INT64_C(1000000000);
	int rc, stopped = 0;
	size_t i;

	pthread_mutex_lock(&s->dbmu);
	if ((rc = store_has_schema(s, version, err, errlen)) <= 0) {
		/* An older file has no such table: none, not an error. */
		pthread_mutex_unlock(&s->dbmu);
		return rc;
	}
	store_sql_addf(sql,
		       "SELECT session_id, target_id, %s, sent, received, lost, rtt_min_ns,"
		       " rtt_max_ns, rtt_sum_ns, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9 FROM %s"
		       " WHERE target_id = ?1",
		       key, table);
	/* The row starting at k * unit overlaps [since, until) when it ends
	 * after since and starts before until. */
	if (since_ns != 0)
		store_sql_addf(sql, " AND %s >= ?2", key);
	if (until_ns != 0)
		store_sql_addf(sql, " AND %s < ?3", key);
	if (session_id > 0)
		store_sql_add(sql, " AND session_id = ?4");
	store_sql_addf(sql, " ORDER BY %s, session_id", key);
	if ((st = store_query_prepare(s, sql, table, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, target_id);
	/* floor(since / unit), and ceil(until / unit): negative times too. */
	sqlite3_bind_int64(st, 2, since_ns / unit_ns - (since_ns % unit_ns < 0));
	sqlite3_bind_int64(st, 3, until_ns / unit_ns + (until_ns % unit_ns > 0));
	sqlite3_bind_int64(st, 4, session_id);
	while (!stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_minute m;

		memset(&m, 0, sizeof m);
		m.session_id = sqlite3_column_int64(st, 0);
		m.target_id = sqlite3_column_int64(st, 1);
		m.minute = sqlite3_column_int64(st, 2);
		m.sent = (uint32_t)sqlite3_column_int64(st, 3);
		m.received = (uint32_t)sqlite3_column_int64(st, 4);
		m.lost = (uint32_t)sqlite3_column_int64(st, 5);
		m.rtt_min_ns = store_column_rtt(st, 6);
		m.rtt_max_ns = store_column_rtt(st, 7);
		m.rtt_sum_ns = sqlite3_column_int64(st, 8);
		for (i = 0; i < STORE_HIST_BUCKETS; i++)
			m.hist[i] = (uint32_t)sqlite3_column_int64(st, 9 + (int)i);
		stopped = cb(&m, arg) != 0;
	}
	return store_query_end(s, st, rc, stopped, table, err, errlen);
}
/* Per-minute rows of one target (of one session, or any with 0) that
 * overlap [since_ns, until_ns) by minute. */
int
store_query_minutes(struct store *s, int64_t session_id, int64_t target_id, int64_t since_ns,
		    int64_t until_ns, store_minute_cb cb, void *arg, char *err, size_t errlen)
{
	return store_query_tier(s, STORE_SCHEMA_MINUTES, "minutes", "minute", 60, session_id,
				target_id, since_ns, until_ns, cb, arg, err, errlen);
}

/* The caller's callback of store_query_hours. */
struct store_hour_arg {
	store_hour_cb cb;
	void *arg;
};

/* An hour read in the shape of a minute, handed on as an hour. */
static int
store_hour_from_tier(const struct store_minute *m, void *arg)
{
	const struct store_hour_arg *ha = arg;
	struct store_hour h;

	memset(&h, 0, sizeof h);
	h.session_id = m->session_id;
	h.target_id = m->target_id;
	h.hour = m->minute;
	h.sent = m->sent;
	h.received = m->received;
	h.lost = m->lost;
	h.rtt_min_ns = m->rtt_min_ns;
	h.rtt_max_ns = m->rtt_max_ns;
	h.rtt_sum_ns = m->rtt_sum_ns;
	memcpy(h.hist, m->hist, sizeof h.hist);
	return ha->cb(&h, ha->arg);
}

/* Per-hour rows, as store_query_minutes. */
int
store_query_hours(struct store *s, int64_t session_id, int64_t target_id, int64_t since_ns,
		  int64_t until_ns, store_hour_cb cb, void *arg, char *err, size_t errlen)
{
	struct store_hour_arg ha = { cb, arg };

	return store_query_tier(s, STORE_SCHEMA_HOURS, "hours", "hour", 3600, session_id, target_id,
				since_ns, until_ns, store_hour_from_tier, &ha, err, errlen);
}

/* The captured output of a session's run: a malloc'd copy in *out (NULL
 * when none) and its length. 0, or -1 with err. */
int
store_get_run_output(struct store *s, int64_t session_id, char **out, size_t *len, char *err,
		     size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	*len = 0;
	pthread_mutex_lock(&s->dbmu);
	if ((rc = store_has_schema(s, STORE_SCHEMA_RUNS, err, errlen)) <= 0) {
		pthread_mutex_unlock(&s->dbmu);
		return rc;
	}
	rc = sqlite3_prepare_v2(s->db, "SELECT output FROM runs WHERE session_id = ?1", -1, &st,
				NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, session_id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const void *b = sqlite3_column_blob(st, 0);
			int n = sqlite3_column_bytes(st, 0);

			if (b != NULL && n > 0) {
				*out = xmalloc((size_t)n);
				memcpy(*out, b, (size_t)n);
				*len = (size_t)n;
			}
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		store_set_err(err, errlen, "%s: cannot read the run output: %s", s->path,
			      sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return rc == SQLITE_OK ? 0 : -1;
}
