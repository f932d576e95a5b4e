/* query.c: the reader side: losses, transitions and summaries for history
 * and reports, and the integrity check. Every query binds its values;
 * only fixed SQL fragments are ever concatenated. */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

#define STORE_SQL_MAX 1024

/* Append a fixed fragment of SQL. */
static void
store_sql_add(char *sql, const char *frag)
{
	size_t len = strlen(sql);

	snprintf(sql + len, STORE_SQL_MAX - len, "%s", frag);
}

/* Report a failed query in err. */
static int
store_query_fail(struct store *s, const char *what, char *err, size_t errlen)
{
	store_set_err(err, errlen, "%s: cannot query %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

/* Copy a name column into a fixed buffer (truncating). */
static void
store_copy_name(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const unsigned char *name = sqlite3_column_text(st, col);

	snprintf(dst, n, "%s", name != NULL ? (const char *)name : "");
}

/* A latency column: -1 when NULL (no reply). */
static int64_t
store_column_rtt(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(st, col);
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
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_query_fail(s, "losses", err, errlen);
		pthread_mutex_unlock(&s->dbmu);
		return -1;
	}
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
	if (!stopped && rc != SQLITE_DONE) {
		store_query_fail(s, "losses", err, errlen);
		stopped = -1;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return stopped < 0 ? -1 : 0;
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
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_query_fail(s, "transitions", err, errlen);
		pthread_mutex_unlock(&s->dbmu);
		return -1;
	}
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
	if (!stopped && rc != SQLITE_DONE) {
		store_query_fail(s, "transitions", err, errlen);
		stopped = -1;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return stopped < 0 ? -1 : 0;
}

/* Per-target summaries of one session (0: the latest that has any). */
int
store_query_summaries(struct store *s, int64_t session_id, store_summary_cb cb, void *arg,
                      char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc, stopped = 0;

	pthread_mutex_lock(&s->dbmu);
	rc = sqlite3_prepare_v2(s->db,
	                        "SELECT t.name, m.session_id, m.target_id, m.sent, m.received, m.lost,"
	                        " m.late, m.unreach, m.rtt_min_ns, m.rtt_avg_ns, m.rtt_p99_ns,"
	                        " m.rtt_max_ns, m.outages, m.downtime_ns"
	                        " FROM target_summaries AS m JOIN targets AS t ON t.id = m.target_id"
	                        " WHERE m.session_id = CASE WHEN ?1 > 0 THEN ?1"
	                        " ELSE (SELECT max(session_id) FROM target_summaries) END"
	                        " ORDER BY t.name",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_query_fail(s, "summaries", err, errlen);
		pthread_mutex_unlock(&s->dbmu);
		return -1;
	}
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
	if (!stopped && rc != SQLITE_DONE) {
		store_query_fail(s, "summaries", err, errlen);
		stopped = -1;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return stopped < 0 ? -1 : 0;
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
