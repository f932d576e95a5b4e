/* SPDX-License-Identifier: ISC */
/* store_rollup.c: the rollup of seconds into minutes and of minutes into
 * hours, the ranges it keeps, the marks of how far it has looked, and the
 * retention setters. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/store_int.h"

/* ---- the rollup: seconds into minutes, minutes into hours ---- */

#define STORE_ROLL_CHUNK 4096 /* rows read per SELECT */

/*
 * The statements of a tier that rolls the rows of table src (key column
 * skey) up into the table dst above it (key dkey). hist is what the
 * histogram columns of src are. (skey, session_id) > (?2, ?3) is a range
 * of src's primary key, (target_id, skey, session_id). The UPSERT merges
 * into an existing row: counts, rtt_sum_ns and the histogram added,
 * rtt_min_ns the least of the minima there are and rtt_max_ns the greatest
 * of the maxima there are (a NULL never wins).
 */
#define STORE_SQL_ROLL_SEL(src, skey, hist)                                          \
	"SELECT " skey ", session_id, sent, received, lost, rtt_min_ns, rtt_max_ns," \
	" rtt_sum_ns, " hist " FROM " src " WHERE target_id = ?1"                    \
	" AND (" skey ", session_id) > (?2, ?3) AND " skey " < ?4"                   \
	" ORDER BY " skey ", session_id LIMIT ?5"
#define STORE_SQL_ROLL_NEXT(src) \
	"SELECT target_id FROM " src " WHERE target_id > ?1 ORDER BY target_id LIMIT 1"
#define STORE_SQL_ROLL_DEL(src, skey)                        \
	"DELETE FROM " src " WHERE target_id = ?1 AND " skey \
	" BETWEEN ?2 AND ?3 AND session_id = ?4"
#define STORE_SQL_ROLL_UPS(dst, dkey)                                                  \
	"INSERT INTO " dst " (session_id, target_id, " dkey ", sent, received, lost,"  \
	" rtt_min_ns, rtt_max_ns, rtt_sum_ns, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9)" \
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"                                 \
	" ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"                           \
	" ON CONFLICT (target_id, " dkey ", session_id) DO UPDATE SET"                 \
	" sent = sent + excluded.sent,"                                                \
	" received = received + excluded.received,"                                    \
	" lost = lost + excluded.lost,"                                                \
	" rtt_min_ns = coalesce(min(rtt_min_ns, excluded.rtt_min_ns),"                 \
	"  rtt_min_ns, excluded.rtt_min_ns),"                                          \
	" rtt_max_ns = coalesce(max(rtt_max_ns, excluded.rtt_max_ns),"                 \
	"  rtt_max_ns, excluded.rtt_max_ns),"                                          \
	" rtt_sum_ns = rtt_sum_ns + excluded.rtt_sum_ns,"                              \
	" h0 = h0 + excluded.h0, h1 = h1 + excluded.h1,"                               \
	" h2 = h2 + excluded.h2, h3 = h3 + excluded.h3,"                               \
	" h4 = h4 + excluded.h4, h5 = h5 + excluded.h5,"                               \
	" h6 = h6 + excluded.h6, h7 = h7 + excluded.h7,"                               \
	" h8 = h8 + excluded.h8, h9 = h9 + excluded.h9"

/*
 * A tier of the rollup. Its rows are unit_s seconds long and sixty of
 * them make one row of the table above: sixty seconds a minute, sixty
 * minutes an hour. Both tiers read, keep and merge the same way; only the
 * tables and how the histogram is stored differ.
 */
struct store_tier_def {
	const char *src, *dst; /* for the log */
	int64_t unit_s;
	int hist_text; /* src's histogram is seconds.hist's text, else h0 ... h9 */
	const char *sel, *next, *ups, *del;
};

static const struct store_tier_def store_tiers[STORE_TIER_N] = {
	[STORE_TIER_SECONDS] = {
		"seconds", "minutes", 1, 1,
		STORE_SQL_ROLL_SEL("seconds", "second", "hist"),
		STORE_SQL_ROLL_NEXT("seconds"),
		STORE_SQL_ROLL_UPS("minutes", "minute"),
		STORE_SQL_ROLL_DEL("seconds", "second"),
	},
	[STORE_TIER_MINUTES] = {
		"minutes", "hours", 60, 0,
		STORE_SQL_ROLL_SEL("minutes", "minute", "h0, h1, h2, h3, h4, h5, h6, h7, h8, h9"),
		STORE_SQL_ROLL_NEXT("minutes"),
		STORE_SQL_ROLL_UPS("hours", "hour"),
		STORE_SQL_ROLL_DEL("minutes", "minute"),
	},
};

/* Seconds of one session that are never rolled up: [lo, hi], unix seconds. */
struct store_keep {
	int64_t session_id, lo, hi;
};

/* One row of the table above (a minute, an hour) of one session being
 * summed, and the keys of the rows it came from. */
struct store_roll_acc {
	int64_t session_id, key, lo, hi; /* lo..hi: first and last source key summed */
	int sealed;                      /* a kept row followed: no more rows */
	int64_t sent, received, lost, rtt_min_ns, rtt_max_ns, rtt_sum_ns; /* min/max -1: none */
	int64_t hist[STORE_HIST_BUCKETS];
};

/* One round's working state; the tier's part is set for each tier. */
struct store_roll {
	struct store *s;
	struct store_keep *keep; /* loaded once a round, for both tiers */
	size_t nkeep, capkeep;
	struct store_marks marks[STORE_TIER_N]; /* marks to set once the round commits */
	enum store_tier t;
	const struct store_tier_def *def;
	int64_t target_id;
	struct store_roll_acc *acc; /* rows summed from the chunk being read */
	size_t nacc, capacc;
	sqlite3_stmt *ups, *del;
	int64_t rolled;
};

/* Append a kept range. */
static void
store_keep_add(struct store_roll *r, int64_t sid, int64_t lo, int64_t hi)
{
	if (r->nkeep == r->capkeep) {
		r->capkeep = r->capkeep > 0 ? r->capkeep * 2 : 16;
		r->keep = xreallocarray(r->keep, r->capkeep, sizeof *r->keep);
	}
	r->keep[r->nkeep].session_id = sid;
	r->keep[r->nkeep].lo = lo;
	r->keep[r->nkeep].hi = hi;
	r->nkeep++;
}

/* qsort order of kept ranges: by session. */
static int
store_keep_cmp(const void *a, const void *b)
{
	const struct store_keep *x = a, *y = b;

	return x->session_id < y->session_id ? -1 : x->session_id > y->session_id;
}

/*
 * What is never rolled up: every second of a session that has a run (its
 * report reads them), and every second inside a span of a session. A span
 * is where span-begin events outnumber span-end events, counted in time
 * order, so nested or interleaved spans of different labels keep their
 * union; a span still open keeps everything after its begin. The span of
 * `hamon run`'s command is there from its start, before the run row (which
 * is written when the session ends). A few rows: reads every run and span
 * event once a round.
 */
static int
store_keep_load(struct store_roll *r)
{
	sqlite3_stmt *st = NULL;
	int64_t sid = 0, begin = 0;
	int rc, depth = 0;

	rc = sqlite3_prepare_v2(r->s->db, "SELECT session_id FROM runs", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_keep_add(r, sqlite3_column_int64(st, 0), INT64_MIN, INT64_MAX);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		return rc;
	rc = sqlite3_prepare_v2(r->s->db,
				"SELECT session_id, ts_ns, kind = 'span-begin' FROM events"
				" WHERE kind IN ('span-begin', 'span-end')"
				" ORDER BY session_id, ts_ns, id",
				-1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0), ts = sqlite3_column_int64(st, 1);
		int is_begin = sqlite3_column_int(st, 2);

		rc = SQLITE_OK;
		if (id != sid) {
			if (depth > 0)
				store_keep_add(r, sid, begin, INT64_MAX);
			sid = id;
			depth = 0;
		}
		if (is_begin && depth++ == 0)
			begin = ts / NSEC_PER_SEC;
		else if (!is_begin && depth > 0 && --depth == 0)
			store_keep_add(r, sid, begin, ts / NSEC_PER_SEC);
	}
	if (depth > 0)
		store_keep_add(r, sid, begin, INT64_MAX);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	if (r->nkeep > 1)
		qsort(r->keep, r->nkeep, sizeof *r->keep, store_keep_cmp);
	return SQLITE_OK;
}

/* Whether a row of session sid covering the unix seconds [lo, hi] is
 * kept: whether any of its seconds is. */
static int
store_keep_has(const struct store_roll *r, int64_t sid, int64_t lo, int64_t hi)
{
	size_t a = 0, b = r->nkeep;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (r->keep[mid].session_id < sid)
			a = mid + 1;
		else
			b = mid;
	}
	for (; a < r->nkeep && r->keep[a].session_id == sid; a++)
		if (hi >= r->keep[a].lo && lo <= r->keep[a].hi)
			return 1;
	return 0;
}

/* The mark of a target: index of the first mark >= target_id. */
static size_t
store_mark_find(const struct store_marks *m, int64_t target_id)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].target_id < target_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Append a mark to an array that grows as needed. */
static struct store_roll_mark *
store_mark_grow(struct store_marks *m, size_t at)
{
	if (m->n == m->cap) {
		m->cap = m->cap > 0 ? m->cap * 2 : 64;
		m->v = xreallocarray(m->v, m->cap, sizeof *m->v);
	}
	memmove(m->v + at + 1, m->v + at, (m->n - at) * sizeof *m->v);
	m->n++;
	return &m->v[at];
}

/* Set the mark of a target (the marks stay sorted by target). */
static void
store_mark_set(struct store_marks *m, const struct store_roll_mark *mk)
{
	size_t i = store_mark_find(m, mk->target_id);

	if (i < m->n && m->v[i].target_id == mk->target_id)
		m->v[i] = *mk;
	else
		*store_mark_grow(m, i) = *mk;
}

/* Lower every mark to below key: this process wrote a row there since the
 * tier's last round. */
static void
store_mark_lower(struct store_marks *m, int64_t key)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (m->v[i].key >= key) {
			m->v[i].key = key;
			m->v[i].session_id = INT64_MIN;
		}
	}
}

/* Remember the mark of the current target, to set when the round commits:
 * every row up to (key, sid) has been looked at. */
static void
store_roll_mark(struct store_roll *r, int64_t key, int64_t sid)
{
	struct store_marks *m = &r->marks[r->t];
	struct store_roll_mark *mk = store_mark_grow(m, m->n);

	mk->target_id = r->target_id;
	mk->key = key;
	mk->session_id = sid;
}

/*
 * Write one summed row: merge it into its row of the table above and
 * delete the rows it came from. The delete names a range of keys of this
 * target and session; the caller guarantees that every row of that
 * session in it was summed (none of them is kept). A minute written below
 * a mark of the minutes tier (a late second) lowers its marks, so that the
 * minute is rolled into its hour too.
 */
static int
store_roll_emit(struct store_roll *r, const struct store_roll_acc *a)
{
	sqlite3_stmt *st = r->ups;
	int i, rc;

	sqlite3_bind_int64(st, 1, a->session_id);
	sqlite3_bind_int64(st, 2, r->target_id);
	sqlite3_bind_int64(st, 3, a->key);
	sqlite3_bind_int64(st, 4, a->sent);
	sqlite3_bind_int64(st, 5, a->received);
	sqlite3_bind_int64(st, 6, a->lost);
	store_bind_rtt(st, 7, a->rtt_min_ns);
	store_bind_rtt(st, 8, a->rtt_max_ns);
	sqlite3_bind_int64(st, 9, a->rtt_sum_ns);
	for (i = 0; i < STORE_HIST_BUCKETS; i++)
		sqlite3_bind_int64(st, 10 + i, a->hist[i]);
	if ((rc = store_step_done(st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(r->del, 1, r->target_id);
	sqlite3_bind_int64(r->del, 2, a->lo);
	sqlite3_bind_int64(r->del, 3, a->hi);
	sqlite3_bind_int64(r->del, 4, a->session_id);
	if ((rc = store_step_done(r->del)) != SQLITE_OK)
		return rc;
	r->rolled += sqlite3_changes(r->s->db);
	if (r->t + 1 < STORE_TIER_N && a->key < r->s->tier[r->t + 1].late)
		r->s->tier[r->t + 1].late = a->key;
	return SQLITE_OK;
}

/* Write every row summed from the last chunk read. */
static int
store_roll_flush(struct store_roll *r)
{
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; i < r->nacc && rc == SQLITE_OK; i++)
		rc = store_roll_emit(r, &r->acc[i]);
	r->nacc = 0;
	return rc;
}

/* The open row above of session sid, if any: the newest one summed of
 * that session, unless a kept row sealed it. */
static struct store_roll_acc *
store_roll_open(struct store_roll *r, int64_t sid, int64_t key)
{
	size_t i;

	for (i = r->nacc; i > 0 && r->acc[i - 1].key == key; i--)
		if (r->acc[i - 1].session_id == sid)
			return r->acc[i - 1].sealed ? NULL : &r->acc[i - 1];
	return NULL;
}

/* Add one source row (the current row of sel, whose key is skey) to its
 * open row above. */
static void
store_roll_add(struct store_roll *r, sqlite3_stmt *sel, int64_t skey, int64_t sid)
{
	struct store_roll_acc *a;
	uint32_t hist[STORE_HIST_BUCKETS];
	int64_t key = skey / 60, v;
	size_t i;

	if ((a = store_roll_open(r, sid, key)) == NULL) {
		if (r->nacc == r->capacc) {
			r->capacc = r->capacc > 0 ? r->capacc * 2 : 16;
			r->acc = xreallocarray(r->acc, r->capacc, sizeof *r->acc);
		}
		a = &r->acc[r->nacc++];
		memset(a, 0, sizeof *a);
		a->session_id = sid;
		a->key = key;
		a->lo = skey;
		a->rtt_min_ns = a->rtt_max_ns = -1;
	}
	a->hi = skey;
	a->sent += sqlite3_column_int64(sel, 2);
	a->received += sqlite3_column_int64(sel, 3);
	a->lost += sqlite3_column_int64(sel, 4);
	if (sqlite3_column_type(sel, 5) != SQLITE_NULL) {
		v = sqlite3_column_int64(sel, 5);
		if (a->rtt_min_ns < 0 || v < a->rtt_min_ns)
			a->rtt_min_ns = v;
	}
	if (sqlite3_column_type(sel, 6) != SQLITE_NULL) {
		v = sqlite3_column_int64(sel, 6);
		if (v > a->rtt_max_ns)
			a->rtt_max_ns = v;
	}
	a->rtt_sum_ns += sqlite3_column_int64(sel, 7);
	if (r->def->hist_text) {
		memset(hist, 0, sizeof hist);
		store_parse_hist((const char *)sqlite3_column_text(sel, 8), hist);
		for (i = 0; i < STORE_HIST_BUCKETS; i++)
			a->hist[i] += hist[i];
	} else {
		for (i = 0; i < STORE_HIST_BUCKETS; i++)
			a->hist[i] += sqlite3_column_int64(sel, 8 + (int)i);
	}
}

/*
 * Roll up the rows of target r->target_id after its mark up to (not
 * including) key cutoff, reading at most *budget rows. Reads in chunks
 * so that no SELECT is open while its table is written. Records the
 * target's new mark. SQLite result code.
 */
static int
store_roll_target(struct store_roll *r, sqlite3_stmt *sel, const struct store_roll_mark *mk,
		  int64_t cutoff, size_t *budget)
{
	int64_t cur_k = mk->key, cur_sid = mk->session_id, unit = r->def->unit_s;
	size_t n, chunk;
	int rc = SQLITE_OK;

	while (*budget > 0) {
		chunk = *budget < STORE_ROLL_CHUNK ? *budget : STORE_ROLL_CHUNK;
		sqlite3_bind_int64(sel, 1, r->target_id);
		sqlite3_bind_int64(sel, 2, cur_k);
		sqlite3_bind_int64(sel, 3, cur_sid);
		sqlite3_bind_int64(sel, 4, cutoff);
		sqlite3_bind_int64(sel, 5, (sqlite3_int64)chunk);
		n = 0;
		while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
			int64_t k = sqlite3_column_int64(sel, 0);
			int64_t sid = sqlite3_column_int64(sel, 1);

			n++;
			cur_k = k;
			cur_sid = sid;
			if (!store_keep_has(r, sid, k * unit, k * unit + unit - 1)) {
				store_roll_add(r, sel, k, sid);
			} else {
				/* A kept row seals its session's open row above,
				 * so that the delete of its range cannot reach it. */
				struct store_roll_acc *a = store_roll_open(r, sid, k / 60);

				if (a != NULL)
					a->sealed = 1;
			}
		}
		sqlite3_reset(sel);
		if (rc != SQLITE_DONE)
			return rc;
		/* Written only now: no SELECT is open on the table meanwhile. */
		if ((rc = store_roll_flush(r)) != SQLITE_OK)
			return rc;
		*budget -= n;
		if (n < chunk) {
			/* Everything below the cutoff has been looked at. */
			store_roll_mark(r, cutoff, INT64_MIN);
			return SQLITE_OK;
		}
	}
	/* Out of budget: the next round goes on after the last row read. */
	store_roll_mark(r, cur_k, cur_sid);
	return SQLITE_OK;
}

/*
 * One tier of a round: its rows older than its retention window, from the
 * start of the minute (the hour) that window begins in, are summed into
 * the table above and deleted, target by target, reading at most *budget
 * rows. Only whole minutes (hours) are rolled (the cutoff is a boundary of
 * the table above), so a minute (an hour) is in one table or the other
 * unless a row arrives late, which then merges into its row above at the
 * next round. SQLite result code; r->rolled counts the rows rolled.
 */
static int
store_roll_tier(struct store_roll *r, enum store_tier t, int64_t now_ns, size_t *budget)
{
	struct store_tier_state *ts = &r->s->tier[t];
	const struct store_tier_def *def = &store_tiers[t];
	sqlite3_stmt *next = NULL, *sel = NULL;
	int64_t keep = __atomic_load_n(&ts->keep_ns, __ATOMIC_RELAXED), cutoff, tid = INT64_MIN;
	size_t i;
	int rc;

	if (keep <= 0 || now_ns < keep || *budget == 0)
		return SQLITE_OK;
	cutoff = (now_ns - keep) / (60 * def->unit_s * NSEC_PER_SEC) * 60;
	/* Rows this process wrote since the last round below a mark. */
	if (ts->late != INT64_MAX) {
		store_mark_lower(&ts->marks, ts->late);
		ts->late = INT64_MAX;
	}
	r->t = t;
	r->def = def;
	rc = sqlite3_prepare_v2(r->s->db, def->sel, -1, &sel, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->s->db, def->next, -1, &next, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->s->db, def->ups, -1, &r->ups, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->s->db, def->del, -1, &r->del, NULL);
	while (rc == SQLITE_OK && *budget > 0) {
		struct store_roll_mark mk = { 0, INT64_MIN, INT64_MIN };

		sqlite3_bind_int64(next, 1, tid);
		rc = sqlite3_step(next);
		if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
			break;
		}
		if (rc != SQLITE_ROW)
			break;
		rc = SQLITE_OK;
		tid = sqlite3_column_int64(next, 0);
		sqlite3_reset(next);
		i = store_mark_find(&ts->marks, tid);
		if (i < ts->marks.n && ts->marks.v[i].target_id == tid)
			mk = ts->marks.v[i];
		if (mk.key >= cutoff)
			continue;
		r->target_id = tid;
		rc = store_roll_target(r, sel, &mk, cutoff, budget);
	}
	sqlite3_finalize(next);
	sqlite3_finalize(sel);
	sqlite3_finalize(r->ups);
	sqlite3_finalize(r->del);
	r->ups = r->del = NULL;
	return rc;
}

/*
 * One rollup round, as if the wall clock read now_ns: seconds into
 * minutes, then minutes into hours (which takes the minutes the first
 * tier just wrote when they are old enough), in one transaction, reading
 * at most roll_limit rows of both tables together, so that a round takes
 * about as long whatever it finds. Caller holds dbmu. Returns the rows
 * rolled, or -1 when the round failed and was rolled back.
 */
static int64_t
store_rollup_round(struct store *s, int64_t now_ns)
{
	struct store_roll r;
	size_t i, budget = __atomic_load_n(&s->roll_limit, __ATOMIC_RELAXED);
	int t, rc;

	s->roll_more = 0;
	memset(&r, 0, sizeof r);
	r.s = s;
	for (t = 0; t < STORE_TIER_N; t++)
		if (__atomic_load_n(&s->tier[t].keep_ns, __ATOMIC_RELAXED) > 0)
			break;
	if (t == STORE_TIER_N)
		return 0;
	if ((rc = store_step_done(s->st_begin)) != SQLITE_OK)
		goto out;
	rc = store_keep_load(&r);
	for (t = 0; t < STORE_TIER_N && rc == SQLITE_OK; t++)
		rc = store_roll_tier(&r, (enum store_tier)t, now_ns, &budget);
	if (rc == SQLITE_OK)
		rc = store_step_done(s->st_commit);
out:
	if (rc == SQLITE_OK) {
		for (t = 0; t < STORE_TIER_N; t++)
			for (i = 0; i < r.marks[t].n; i++)
				store_mark_set(&s->tier[t].marks, &r.marks[t].v[i]);
		s->roll_more = budget == 0;
	} else {
		if (!sqlite3_get_autocommit(s->db))
			store_step_done(s->st_rollback);
		if (s->roll_errlog_ns == 0 ||
		    time_mono_ns() - s->roll_errlog_ns >= STORE_ERRLOG_NS) {
			s->roll_errlog_ns = time_mono_ns();
			log_warnx("%s: cannot roll %s up into %s: %s; retrying later", s->path,
				  store_tiers[r.t].src, store_tiers[r.t].dst, sqlite3_errstr(rc));
		}
	}
	free(r.keep);
	free(r.acc);
	for (t = 0; t < STORE_TIER_N; t++)
		free(r.marks[t].v);
	return rc == SQLITE_OK ? r.rolled : -1;
}

/* The writer's round, when one is due after a successful cycle: every
 * STORE_ROLL_EVERY_NS, or at the next cycle while a backlog lasts. Caller
 * holds dbmu. */
void
store_rollup_maybe(struct store *s)
{
	int64_t now = time_mono_ns();

	if (now < s->roll_next_ns)
		return;
	if (store_rollup_round(s, time_real_ns()) >= 0 && s->roll_more)
		s->roll_next_ns = now;
	else
		s->roll_next_ns = now + STORE_ROLL_EVERY_NS;
}

/* Change the retention window of a tier's rows (0: never roll them up). */
static void
store_set_keep(struct store *s, enum store_tier t, int64_t keep_ns)
{
	if (s != NULL)
		__atomic_store_n(&s->tier[t].keep_ns, keep_ns > 0 ? keep_ns : 0, __ATOMIC_RELAXED);
}

/* Change the retention window of seconds rows (0: never roll up). */
void
store_set_retention(struct store *s, int64_t seconds_keep_ns)
{
	store_set_keep(s, STORE_TIER_SECONDS, seconds_keep_ns);
}

/* Change the retention window of minutes rows (0: never roll into hours). */
void
store_set_minute_retention(struct store *s, int64_t minutes_keep_ns)
{
	store_set_keep(s, STORE_TIER_MINUTES, minutes_keep_ns);
}

/* Change how many rows a round reads at most. */
void
store_set_rollup_limit(struct store *s, size_t rows_per_round)
{
	if (s != NULL && rows_per_round > 0)
		__atomic_store_n(&s->roll_limit, rows_per_round, __ATOMIC_RELAXED);
}

/* A rollup round in the calling thread (tests, tools). */
int64_t
store_rollup_now(struct store *s, int64_t now_ns)
{
	int64_t n;

	if (s == NULL || s->mode != STORE_WRITE)
		return -1;
	pthread_mutex_lock(&s->dbmu);
	n = store_rollup_round(s, now_ns);
	pthread_mutex_unlock(&s->dbmu);
	return n;
}
