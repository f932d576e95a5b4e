/* SPDX-License-Identifier: ISC */
/*
 * avail.c: time-weighted availability of each target over a window of
 * wall-clock time (`hamon history --availability`).
 *
 * Monitored time is where a session probed the target: the sessions with
 * rows of it in seconds, minutes, hours (whichever tier the rollup has
 * left), target_summaries, losses or transitions, each from its start to its end (last_seen
 * for one that is still open or crashed), their union cut at the window's
 * edges. UNKNOWN time is the union of its UNKNOWN windows (its own and the
 * session-wide ones) inside that: it counts on neither side, and is told.
 * Downtime is the loss bursts' measure inside the monitored time, UNKNOWN
 * excluded (every lost probe is in exactly one burst, so this is the
 * report's downtime too; the DOWN periods, outages, are counted): the
 * estimate from each burst's
 * [start_ns, end_ns], the lower bound from where it was certainly down
 * [start_hi_ns, end_lo_ns], the upper from where it may have been
 * [start_lo_ns, end_hi_ns], each cut at the window's edges as the estimate
 * is. Everything is interval arithmetic on sorted, merged lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "store/store_int.h"

/* A list of half-open intervals [a, b). */
struct ivs {
	struct iv {
		int64_t a, b;
	} * v;
	size_t n, cap;
};

static void
ivs_add(struct ivs *l, int64_t a, int64_t b)
{
	if (b <= a)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].a = a;
	l->v[l->n++].b = b;
}

static int
iv_cmp(const void *x, const void *y)
{
	const struct iv *p = x, *q = y;

	return p->a < q->a ? -1 : p->a > q->a;
}

/* Sort and merge overlapping or touching intervals. */
static void
ivs_merge(struct ivs *l)
{
	size_t i, o = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), iv_cmp);
	for (i = 1; i < l->n; i++) {
		if (l->v[i].a <= l->v[o].b) {
			if (l->v[i].b > l->v[o].b)
				l->v[o].b = l->v[i].b;
		} else
			l->v[++o] = l->v[i];
	}
	l->n = o + 1;
}

static int64_t
ivs_total(const struct ivs *l)
{
	int64_t t = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		t += l->v[i].b - l->v[i].a;
	return t;
}

/* Measure of [a, b) inside the merged list l. */
static int64_t
ivs_overlap(const struct ivs *l, int64_t a, int64_t b)
{
	size_t lo = 0, hi = l->n;
	int64_t t = 0;

	if (b <= a)
		return 0;
	/* the first interval that ends after a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].b <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && l->v[lo].a < b; lo++) {
		int64_t x = l->v[lo].a > a ? l->v[lo].a : a;
		int64_t y = l->v[lo].b < b ? l->v[lo].b : b;

		if (y > x)
			t += y - x;
	}
	return t;
}

/* Measure of [a, b) in the monitored time s and not in the UNKNOWN time
 * w (w lies inside s). */
static int64_t
seen_overlap(const struct ivs *s, const struct ivs *w, int64_t a, int64_t b)
{
	return ivs_overlap(s, a, b) - ivs_overlap(w, a, b);
}

/* The list of s's intervals cut to w's (both merged): their intersection. */
static void
ivs_intersect(const struct ivs *s, const struct ivs *w, struct ivs *out)
{
	size_t i = 0, j = 0;

	while (i < s->n && j < w->n) {
		int64_t a = s->v[i].a > w->v[j].a ? s->v[i].a : w->v[j].a;
		int64_t b = s->v[i].b < w->v[j].b ? s->v[i].b : w->v[j].b;

		ivs_add(out, a, b);
		if (s->v[i].b < w->v[j].b)
			i++;
		else
			j++;
	}
}

/* Fill l with the rows (a, b) of a prepared two-column statement, cut to
 * [since, until); 0 or -1 (err set). */
static int
ivs_load(struct store *s, sqlite3_stmt *st, struct ivs *l, int64_t since, int64_t until,
	 const char *what, char *err, size_t errlen)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t a = sqlite3_column_int64(st, 0), b = sqlite3_column_int64(st, 1);

		ivs_add(l, a > since ? a : since, b < until ? b : until);
	}
	return store_query_end(s, st, rc, 0, what, err, errlen);
}

/* One target's figures into r. Each query takes dbmu, and lets go of it
 * at its end (store_query_prepare, store_query_end). */
static int
avail_target(struct store *s, int64_t tid, int64_t since, int64_t until, struct store_avail_row *r,
	     char *err, size_t errlen)
{
	static const char sessions_sql[] =
		"SELECT started_ns, COALESCE(ended_ns, last_seen_ns) FROM sessions WHERE id IN ("
		" SELECT session_id FROM seconds WHERE target_id = ?1"
		" UNION SELECT session_id FROM minutes WHERE target_id = ?1"
		" UNION SELECT session_id FROM hours WHERE target_id = ?1"
		" UNION SELECT session_id FROM target_summaries WHERE target_id = ?1"
		" UNION SELECT session_id FROM losses WHERE target_id = ?1"
		" UNION SELECT session_id FROM transitions WHERE target_id = ?1)"
		" AND started_ns < ?3 AND COALESCE(ended_ns, last_seen_ns) > ?2";
	static const char windows_sql[] =
		"SELECT start_ns, end_ns FROM unknown_windows"
		" WHERE (target_id = ?1 OR target_id IS NULL) AND start_ns < ?3 AND end_ns > ?2";
	/* every lost probe is in exactly one burst (kind 0): downtime; the
	 * outages (kind 1, DOWN periods) are counted */
	static const char losses_sql[] =
		"SELECT start_ns, end_ns, start_hi_ns, end_lo_ns, start_lo_ns, end_hi_ns, kind"
		" FROM losses WHERE target_id = ?1"
		" AND end_hi_ns > ?2 AND start_lo_ns < ?3";
	struct ivs sess = { 0 }, win = { 0 }, unk = { 0 };
	sqlite3_stmt *st;
	int rc = -1;

	/* Session-wide windows of sessions that did not probe this target
	 * are cut away by the intersection with its monitored time. */
	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, sessions_sql, "availability", err, errlen)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	if (ivs_load(s, st, &sess, since, until, "availability", err, errlen) != 0)
		goto out;
	ivs_merge(&sess);
	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, windows_sql, "availability", err, errlen)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	if (ivs_load(s, st, &win, since, until, "availability", err, errlen) != 0)
		goto out;
	ivs_merge(&win);
	ivs_intersect(&sess, &win, &unk);
	r->unknown_ns = ivs_total(&unk);
	r->monitored_ns = ivs_total(&sess) - r->unknown_ns;
	if (sess.n > 0) {
		r->first_ns = sess.v[0].a;
		r->last_ns = sess.v[sess.n - 1].b;
	}

	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, losses_sql, "availability", err, errlen)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t v[6];
		int k;

		for (k = 0; k < 6; k++) {
			v[k] = sqlite3_column_int64(st, k);
			v[k] = v[k] < since ? since : v[k] > until ? until : v[k];
		}
		if (sqlite3_column_int(st, 6) == 1) {
			if (v[1] > since && v[0] < until)
				r->outages++;
			continue;
		}
		r->down_ns += seen_overlap(&sess, &unk, v[0], v[1]);
		r->down_lower_ns += seen_overlap(&sess, &unk, v[2], v[3]);
		r->down_upper_ns += seen_overlap(&sess, &unk, v[4], v[5]);
		if (v[1] > since && v[0] < until)
			r->bursts++;
	}
	rc = store_query_end(s, st, rc, 0, "availability", err, errlen);
out:
	free(sess.v);
	free(win.v);
	free(unk.v);
	return rc;
}

int
store_query_availability(struct store *s, const char *target, int64_t since, int64_t until,
			 store_avail_cb cb, void *arg, char *err, size_t errlen)
{
	char sql[256] = "SELECT id, name FROM targets";
	struct {
		int64_t id;
		char name[64];
	} *t = NULL;
	size_t n = 0, cap = 0, i;
	sqlite3_stmt *st;
	int rc;

	if (target != NULL)
		strcat(sql, " WHERE name = ?1");
	strcat(sql, " ORDER BY name");
	pthread_mutex_lock(&s->dbmu);
	if ((st = store_query_prepare(s, sql, "targets", err, errlen)) == NULL)
		return -1;
	if (target != NULL)
		sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			t = xreallocarray(t, cap, sizeof(*t));
		}
		t[n].id = sqlite3_column_int64(st, 0);
		store_copy_name(t[n].name, sizeof(t[n].name), st, 1);
		n++;
	}
	if (store_query_end(s, st, rc, 0, "targets", err, errlen) != 0) {
		free(t);
		return -1;
	}
	/* Target by target, each query taking the lock anew: a writer is
	 * never held up for the whole listing. */
	for (i = 0; i < n; i++) {
		struct store_avail_row r;

		memset(&r, 0, sizeof(r));
		snprintf(r.target, sizeof(r.target), "%s", t[i].name);
		if (avail_target(s, t[i].id, since, until, &r, err, errlen) != 0) {
			free(t);
			return -1;
		}
		if (r.monitored_ns + r.unknown_ns > 0 && cb(&r, arg) != 0)
			break;
	}
	free(t);
	return 0;
}

int
store_first_session_ns(struct store *s, int64_t *first_ns, char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&s->dbmu);
	rc = store_sql_int(s->db, "SELECT COALESCE(MIN(started_ns), 0) FROM sessions", first_ns);
	pthread_mutex_unlock(&s->dbmu);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: sessions: %s", s->path, sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}
