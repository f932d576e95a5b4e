/* SPDX-License-Identifier: ISC */
/* store_sql.c: the SQLite helpers every other file of the store shares:
 * error text, one-integer statements, statements without rows, binding and
 * reading columns, and the prepare/fail/end steps of the streamed queries.
 * A leaf: it calls nothing else of the store, so that store.c, schema.c,
 * query.c and the rest depend on it and not on each other. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* Format into err (if any) without overflowing it. */
void
store_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Run one statement whose first column of its first row is an integer. */
int
store_sql_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Run a statement that returns no rows; its result code. */
int
store_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Bind a latency that may be absent (negative): NULL in the database. */
void
store_bind_rtt(sqlite3_stmt *st, int i, int64_t ns)
{
	if (ns < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, ns);
}

/* Report a failed query in err. */
int
store_query_fail(struct store *s, const char *what, char *err, size_t errlen)
{
	store_set_err(err, errlen, "%s: cannot query %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

/*
 * The streamed queries below run under dbmu, which the caller takes before
 * building its SQL. store_query_prepare prepares sql; on failure it sets
 * err ("cannot query WHAT"), releases dbmu and returns NULL.
 * store_query_end closes a row loop that ended with step result rc, or
 * early because a callback asked to (stopped): it finalizes, releases dbmu
 * and returns 0, or -1 with err when a step failed.
 */
sqlite3_stmt *
store_query_prepare(struct store *s, const char *sql, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK)
		return st;
	store_query_fail(s, what, err, errlen);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return NULL;
}

/* Close a streamed query's row loop (see store_query_prepare). */
int
store_query_end(struct store *s, sqlite3_stmt *st, int rc, int stopped, const char *what, char *err,
		size_t errlen)
{
	int ret = 0;

	if (!stopped && rc != SQLITE_DONE) {
		store_query_fail(s, what, err, errlen);
		ret = -1;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return ret;
}

/* Copy a text column into a fixed buffer of n > 0 bytes: "" for NULL,
 * truncated at a UTF-8 character boundary when it does not fit. */
void
store_copy_name(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const char *txt = (const char *)sqlite3_column_text(st, col);
	size_t len = txt != NULL ? strlen(txt) : 0;

	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)txt[len] & 0xc0) == 0x80)
			len--;
	}
	if (len > 0)
		memcpy(dst, txt, len);
	dst[len] = '\0';
}

/* An integer column that may be NULL: 0 then. */
int64_t
store_column_int0(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, col);
}

/* A latency column: -1 when NULL (no reply). */
int64_t
store_column_rtt(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(st, col);
}

/* Parse a seconds.hist text "n0,n1,...,n9" into hist (zeroed by the caller);
 * stops at the first thing that is not a count. Also the rollup's. */
void
store_parse_hist(const char *txt, uint32_t *hist)
{
	const char *p = txt;
	size_t i;

	for (i = 0; p != NULL && i < STORE_HIST_BUCKETS; i++) {
		unsigned long long v;
		char *end;

		if (*p < '0' || *p > '9')
			break;
		v = strtoull(p, &end, 10);
		hist[i] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		p = *end == ',' ? end + 1 : NULL;
	}
}

/* The text of a window's scope in unknown_windows.scope; NULL for a value
 * that is no enum store_scope. */
const char *
store_scope_name(enum store_scope sc)
{
	switch (sc) {
	case STORE_SCOPE_ALL:
		return "all";
	case STORE_SCOPE_LINK:
		return "link";
	case STORE_SCOPE_TARGET:
		return "target";
	default:
		return NULL;
	}
}

/* The scope a stored unknown_windows.scope text names (the CHECK allows
 * only the three). */
enum store_scope
store_scope_from_name(const char *txt)
{
	if (txt != NULL && strcmp(txt, "link") == 0)
		return STORE_SCOPE_LINK;
	if (txt != NULL && strcmp(txt, "target") == 0)
		return STORE_SCOPE_TARGET;
	return STORE_SCOPE_ALL;
}
