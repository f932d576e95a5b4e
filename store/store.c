/* store.c: opening the database, sessions and targets, and the queue and
 * writer thread that take records from the event loop to SQLite. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/store_int.h"

const int64_t store_hist_bounds_us[STORE_HIST_BUCKETS - 1] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000,
};

#define STORE_BUSY_MS 5000
#define STORE_CHUNK_BYTES (64 * 1024)
#define STORE_SPARE_MAX 8               /* recycled chunks kept per kind */
#define STORE_URGENT_NS (50 * NSEC_PER_MSEC) /* vital records wait at most this */
#define STORE_BEAT_NS NSEC_PER_SEC      /* last_seen_ns refresh when idle */
#define STORE_ERRLOG_NS (60 * NSEC_PER_SEC)
#define STORE_RETRY_MAX_NS (4 * NSEC_PER_SEC) /* longest wait between failed cycles */

/*
 * The queue. store_push_* run in the event loop, so they only copy the
 * record into the tail chunk of its kind under a mutex held for a few
 * instructions; a new chunk comes from a small spare list, or malloc once
 * every few thousand records. The writer swaps whole lists out under the
 * same mutex and does all SQLite work without it.
 *
 * Records a write cycle has taken stay in `pending` until their transaction
 * commits: when the disk is full or the database locked they are retried on
 * the next cycle together with what arrived meanwhile, and they keep counting
 * against the bounds, so memory stays bounded while nothing is lost silently.
 */
static const size_t store_qk_size[STORE_QK_N] = {
	[STORE_QK_LOSS] = sizeof(struct store_loss),
	[STORE_QK_TRANSITION] = sizeof(struct store_transition),
	[STORE_QK_EVENT] = sizeof(struct store_event),
	[STORE_QK_SUMMARY] = sizeof(struct store_target_summary),
	[STORE_QK_SAMPLE] = sizeof(struct store_sample),
	[STORE_QK_SECOND] = sizeof(struct store_second),
};

static const char *const store_qk_sql[STORE_QK_N] = {
	[STORE_QK_LOSS] = "INSERT INTO losses (session_id, target_id, kind, start_ns, end_ns,"
	                  " start_lo_ns, start_hi_ns, end_lo_ns, end_hi_ns, duration_ns, lower_ns,"
	                  " upper_ns, lost, first_seq, last_seq, end_state)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[STORE_QK_TRANSITION] = "INSERT INTO transitions (session_id, target_id, from_state, to_state,"
	                        " effective_ns, declared_ns, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[STORE_QK_EVENT] = "INSERT INTO events (session_id, target_id, ts_ns, kind, text)"
	                   " VALUES (?1, ?2, ?3, ?4, ?5)",
	[STORE_QK_SUMMARY] = "INSERT OR REPLACE INTO target_summaries (session_id, target_id, sent,"
	                     " received, lost, late, unreach, rtt_min_ns, rtt_avg_ns, rtt_p99_ns,"
	                     " rtt_max_ns, outages, downtime_ns)"
	                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[STORE_QK_SAMPLE] = "INSERT OR REPLACE INTO samples (session_id, target_id, seq, tx_ns,"
	                    " rtt_ns, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STORE_QK_SECOND] = "INSERT OR REPLACE INTO seconds (session_id, target_id, second, sent,"
	                    " received, lost, rtt_min_ns, rtt_max_ns, rtt_sum_ns, hist)"
	                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
};

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

/* Records one chunk of this kind holds. */
static size_t
store_chunk_cap(enum store_qkind k)
{
	return STORE_CHUNK_BYTES / store_qk_size[k];
}

/* A chunk for kind k: a spare one, or a new one. Caller holds mu. */
static struct store_chunk *
store_chunk_get(struct store *s, enum store_qkind k)
{
	struct store_chunk *c = s->spare[k];

	if (c != NULL) {
		s->spare[k] = c->next;
		s->nspare[k]--;
	} else
		c = xmalloc(sizeof *c + STORE_CHUNK_BYTES);
	c->next = NULL;
	c->n = 0;
	return c;
}

/* Append list b to list a and empty b. */
static void
store_list_concat(struct store_list *a, struct store_list *b)
{
	if (b->head == NULL)
		return;
	if (a->tail != NULL)
		a->tail->next = b->head;
	else
		a->head = b->head;
	a->tail = b->tail;
	a->count += b->count;
	memset(b, 0, sizeof *b);
}

/* Free the strings an event record owns. */
static void
store_event_free(struct store_event *ev)
{
	free((char *)ev->kind);
	free((char *)ev->text);
}

/* Free the records of list l (strings of events too) and its chunks. */
static void
store_list_free(struct store_list *l, enum store_qkind k)
{
	struct store_chunk *c, *next;
	size_t i;

	for (c = l->head; c != NULL; c = next) {
		next = c->next;
		if (k == STORE_QK_EVENT)
			for (i = 0; i < c->n; i++)
				store_event_free((struct store_event *)c->data + i);
		free(c);
	}
	memset(l, 0, sizeof *l);
}

/*
 * A slot for one record of kind k, or NULL when the bounds say drop it.
 * Caller holds mu. Samples and seconds go once bulk_max records of any kind
 * are queued; vital records only at vital_max of their own, so a flood of
 * samples never pushes out an outage.
 */
static void *
store_queue_slot(struct store *s, enum store_qkind k)
{
	struct store_list *l = &s->queue[k];
	int vital = k < STORE_QK_NVITAL;

	if (vital ? s->queued_vital >= s->vital_max : s->queued_all >= s->bulk_max) {
		__atomic_add_fetch(&s->dropped, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	if (l->tail == NULL || l->tail->n == store_chunk_cap(k)) {
		struct store_chunk *c = store_chunk_get(s, k);

		if (l->tail != NULL)
			l->tail->next = c;
		else
			l->head = c;
		l->tail = c;
	}
	l->count++;
	s->queued_all++;
	if (vital) {
		s->queued_vital++;
		if (!s->urgent) {
			s->urgent = 1;
			pthread_cond_signal(&s->wake);
		}
	}
	return l->tail->data + store_qk_size[k] * l->tail->n++;
}

/* Copy one record of kind k into the queue (or count it dropped). */
static void
store_push(struct store *s, enum store_qkind k, const void *rec)
{
	void *slot;

	if (s == NULL || s->mode != STORE_WRITE || rec == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	slot = store_queue_slot(s, k);
	if (slot != NULL)
		memcpy(slot, rec, store_qk_size[k]);
	pthread_mutex_unlock(&s->mu);
}

/* Queue a loss burst or outage. */
void
store_push_loss(struct store *s, const struct store_loss *l)
{
	store_push(s, STORE_QK_LOSS, l);
}

/* Queue a state transition. */
void
store_push_transition(struct store *s, const struct store_transition *t)
{
	store_push(s, STORE_QK_TRANSITION, t);
}

/* Queue one probe sample. */
void
store_push_sample(struct store *s, const struct store_sample *smp)
{
	store_push(s, STORE_QK_SAMPLE, smp);
}

/* Queue one per-second aggregate. */
void
store_push_second(struct store *s, const struct store_second *sec)
{
	store_push(s, STORE_QK_SECOND, sec);
}

/* Queue a per-target session summary. */
void
store_push_target_summary(struct store *s, const struct store_target_summary *ts)
{
	store_push(s, STORE_QK_SUMMARY, ts);
}

/* Queue an event, copying its strings (outside the lock). */
void
store_push_event(struct store *s, const struct store_event *ev)
{
	struct store_event copy;
	void *slot;

	if (s == NULL || s->mode != STORE_WRITE || ev == NULL)
		return;
	copy = *ev;
	copy.kind = xstrdup(ev->kind != NULL ? ev->kind : "");
	copy.text = ev->text != NULL ? xstrdup(ev->text) : NULL;
	pthread_mutex_lock(&s->mu);
	slot = store_queue_slot(s, STORE_QK_EVENT);
	if (slot != NULL)
		memcpy(slot, &copy, sizeof copy);
	pthread_mutex_unlock(&s->mu);
	if (slot == NULL)
		store_event_free(&copy);
}

/* Records dropped because the queue was full. */
uint64_t
store_dropped(const struct store *s)
{
	return s != NULL ? __atomic_load_n(&s->dropped, __ATOMIC_RELAXED) : 0;
}

/* Records the database refused (constraint violations). */
uint64_t
store_rejected(const struct store *s)
{
	return s != NULL ? __atomic_load_n(&s->rejected, __ATOMIC_RELAXED) : 0;
}

/* Change the queue bounds (tests use small ones). */
void
store_set_queue_limits(struct store *s, size_t bulk_max, size_t vital_max)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	if (bulk_max > 0)
		s->bulk_max = bulk_max;
	if (vital_max > 0)
		s->vital_max = vital_max;
	pthread_mutex_unlock(&s->mu);
}

/* Bind a latency that may be absent (negative): NULL in the database. */
static void
store_bind_rtt(sqlite3_stmt *st, int i, int64_t ns)
{
	if (ns < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, ns);
}

/* Bind one queued record of kind k to its insert statement. */
static void
store_bind_record(sqlite3_stmt *st, enum store_qkind k, const void *rec)
{
	switch (k) {
	case STORE_QK_LOSS: {
		const struct store_loss *l = rec;

		sqlite3_bind_int64(st, 1, l->session_id);
		sqlite3_bind_int64(st, 2, l->target_id);
		sqlite3_bind_int(st, 3, (int)l->kind);
		sqlite3_bind_int64(st, 4, l->start_ns);
		sqlite3_bind_int64(st, 5, l->end_ns);
		sqlite3_bind_int64(st, 6, l->start_lo_ns);
		sqlite3_bind_int64(st, 7, l->start_hi_ns);
		sqlite3_bind_int64(st, 8, l->end_lo_ns);
		sqlite3_bind_int64(st, 9, l->end_hi_ns);
		sqlite3_bind_int64(st, 10, l->duration_ns);
		sqlite3_bind_int64(st, 11, l->lower_ns);
		sqlite3_bind_int64(st, 12, l->upper_ns);
		sqlite3_bind_int64(st, 13, (sqlite3_int64)l->lost);
		sqlite3_bind_int64(st, 14, (sqlite3_int64)l->first_seq);
		sqlite3_bind_int64(st, 15, (sqlite3_int64)l->last_seq);
		sqlite3_bind_int(st, 16, (int)l->end_state);
		break;
	}
	case STORE_QK_TRANSITION: {
		const struct store_transition *t = rec;

		sqlite3_bind_int64(st, 1, t->session_id);
		sqlite3_bind_int64(st, 2, t->target_id);
		sqlite3_bind_int(st, 3, (int)t->from);
		sqlite3_bind_int(st, 4, (int)t->to);
		sqlite3_bind_int64(st, 5, t->effective_ns);
		sqlite3_bind_int64(st, 6, t->declared_ns);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)t->seq);
		break;
	}
	case STORE_QK_EVENT: {
		const struct store_event *ev = rec;

		sqlite3_bind_int64(st, 1, ev->session_id);
		if (ev->target_id > 0)
			sqlite3_bind_int64(st, 2, ev->target_id);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_int64(st, 3, ev->ts_ns);
		sqlite3_bind_text(st, 4, ev->kind, -1, SQLITE_STATIC);
		if (ev->text != NULL)
			sqlite3_bind_text(st, 5, ev->text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		break;
	}
	case STORE_QK_SUMMARY: {
		const struct store_target_summary *ts = rec;

		sqlite3_bind_int64(st, 1, ts->session_id);
		sqlite3_bind_int64(st, 2, ts->target_id);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)ts->sent);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)ts->received);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)ts->lost);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)ts->late);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)ts->unreach);
		store_bind_rtt(st, 8, ts->rtt_min_ns);
		store_bind_rtt(st, 9, ts->rtt_avg_ns);
		store_bind_rtt(st, 10, ts->rtt_p99_ns);
		store_bind_rtt(st, 11, ts->rtt_max_ns);
		sqlite3_bind_int64(st, 12, (sqlite3_int64)ts->outages);
		sqlite3_bind_int64(st, 13, ts->downtime_ns);
		break;
	}
	case STORE_QK_SAMPLE: {
		const struct store_sample *smp = rec;

		sqlite3_bind_int64(st, 1, smp->session_id);
		sqlite3_bind_int64(st, 2, smp->target_id);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)smp->seq);
		sqlite3_bind_int64(st, 4, smp->tx_ns);
		store_bind_rtt(st, 5, smp->rtt_ns);
		sqlite3_bind_int(st, 6, smp->result);
		break;
	}
	case STORE_QK_SECOND: {
		const struct store_second *sec = rec;
		char hist[STORE_HIST_BUCKETS * 11 + 1];
		size_t i, off = 0;

		for (i = 0; i < STORE_HIST_BUCKETS; i++)
			off += (size_t)snprintf(hist + off, sizeof hist - off, "%s%u", i ? "," : "",
			                        sec->hist[i]);
		sqlite3_bind_int64(st, 1, sec->session_id);
		sqlite3_bind_int64(st, 2, sec->target_id);
		sqlite3_bind_int64(st, 3, sec->second);
		sqlite3_bind_int64(st, 4, sec->sent);
		sqlite3_bind_int64(st, 5, sec->received);
		sqlite3_bind_int64(st, 6, sec->lost);
		store_bind_rtt(st, 7, sec->received > 0 ? sec->rtt_min_ns : -1);
		store_bind_rtt(st, 8, sec->received > 0 ? sec->rtt_max_ns : -1);
		sqlite3_bind_int64(st, 9, sec->rtt_sum_ns);
		sqlite3_bind_text(st, 10, hist, (int)off, SQLITE_TRANSIENT);
		break;
	}
	default:
		break;
	}
}

/* Errors that concern one record, not the database: skip that record. */
static int
store_rc_is_record(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
		return 1;
	default:
		return 0;
	}
}

/* Run a statement that returns no rows; its result code. */
static int
store_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Records in the pending lists of kinds [from, to). */
static size_t
store_pending_count(const struct store *s, size_t from, size_t to)
{
	size_t k, n = 0;

	for (k = from; k < to; k++)
		n += s->pending[k].count;
	return n;
}

/*
 * Errors that mean the file cannot take writes for now (a full disk, a
 * read-only or failing file system) rather than that it is busy: the
 * samples are given up so that retrying stays cheap and memory small.
 */
static int
store_rc_is_space(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
		return 1;
	default:
		return 0;
	}
}

/*
 * Write the pending records of kinds [from, to) and refresh the session's
 * last_seen_ns to seen_ns in one transaction. Caller holds dbmu. SQLITE_OK
 * when committed; otherwise the transaction is rolled back and the failing
 * code returned, the records left pending for the next cycle.
 */
static int
store_write_pending(struct store *s, int64_t session_id, int64_t seen_ns, size_t from, size_t to)
{
	struct store_chunk *c;
	size_t k, i;
	int rc;

	if ((rc = store_step_done(s->st_begin)) != SQLITE_OK)
		goto fail;
	for (k = from; k < to; k++) {
		sqlite3_stmt *st = s->ins[k];

		for (c = s->pending[k].head; c != NULL; c = c->next) {
			for (i = 0; i < c->n; i++) {
				store_bind_record(st, k, c->data + store_qk_size[k] * i);
				if (k == STORE_QK_SECOND) {
					const struct store_second *sec =
						(const void *)(c->data + store_qk_size[k] * i);

					/* A row may arrive below a rollup mark
					 * (queued while writes failed). */
					if (sec->second < s->tier[STORE_TIER_SECONDS].late)
						s->tier[STORE_TIER_SECONDS].late = sec->second;
				}
				if ((rc = store_step_done(st)) == SQLITE_OK)
					continue;
				if (!store_rc_is_record(rc))
					goto fail;
				__atomic_add_fetch(&s->rejected, 1, __ATOMIC_RELAXED);
				/* Rate-limited: a bad id repeats with every record. */
				if (s->rejlog_ns == 0 || time_mono_ns() - s->rejlog_ns >= STORE_ERRLOG_NS) {
					s->rejlog_ns = time_mono_ns();
					log_warnx("%s: record refused and skipped: %s (%llu refused so far)",
					          s->path, sqlite3_errmsg(s->db),
					          (unsigned long long)store_rejected(s));
				}
			}
		}
	}
	if (session_id > 0) {
		sqlite3_bind_int64(s->st_seen, 1, seen_ns);
		sqlite3_bind_int64(s->st_seen, 2, session_id);
		if ((rc = store_step_done(s->st_seen)) != SQLITE_OK)
			goto fail;
	}
	if ((rc = store_step_done(s->st_commit)) != SQLITE_OK)
		goto fail;
	return SQLITE_OK;

fail:
	if (!sqlite3_get_autocommit(s->db))
		store_step_done(s->st_rollback);
	return rc;
}

/* Move the pending lists of kinds [from, to) into done. */
static void
store_take_pending(struct store *s, struct store_list *done, size_t from, size_t to)
{
	size_t k;

	for (k = from; k < to; k++) {
		done[k] = s->pending[k];
		memset(&s->pending[k], 0, sizeof s->pending[k]);
	}
}

/*
 * One write cycle: take everything queued, write it with what an earlier
 * failed cycle left, and account for it. Caller holds dbmu (not mu).
 * Returns 0 when all of it was committed.
 *
 * Normally everything goes in one transaction. Once a cycle has failed,
 * the vital records (losses, transitions, events, summaries) go first in a
 * transaction of their own, so that they reach the file as soon as it takes
 * a few pages again even while the bulk does not fit. When a write fails
 * because the file cannot take it (store_rc_is_space), the pending samples
 * are dropped and counted (store_dropped): a full disk must not cost the
 * event loop memory or the writer ever longer retries. Per-second
 * aggregates are few and stay queued (within bulk_max) like everything else.
 *
 * last_seen_ns is set to the wall-clock time at which the records were taken
 * from the queue: whatever was queued before a session's last_seen_ns is on
 * disk. Crash recovery relies on it (store_recover_outages).
 */
static int
store_cycle(struct store *s)
{
	struct store_list done[STORE_QK_N];
	struct store_chunk *c, *next, *release = NULL;
	uint64_t req;
	int64_t session_id, seen_ns, retry_ns, now = time_mono_ns();
	size_t k, i, n, nvital, ndone = 0, ndone_vital = 0, shed = 0;
	int rc, rc_vital = SQLITE_OK, rc_bulk = SQLITE_OK, wrote;

	pthread_mutex_lock(&s->mu);
	req = s->flush_req;
	s->urgent = 0;
	for (k = 0; k < STORE_QK_N; k++)
		store_list_concat(&s->pending[k], &s->queue[k]);
	session_id = s->session_id;
	seen_ns = time_real_ns();
	pthread_mutex_unlock(&s->mu);

	n = store_pending_count(s, 0, STORE_QK_N);
	nvital = store_pending_count(s, 0, STORE_QK_NVITAL);
	memset(done, 0, sizeof done);
	wrote = n > 0 || (session_id > 0 && now - s->last_beat_ns >= STORE_BEAT_NS);
	if (wrote) {
		if (s->failures == 0) {
			rc_vital = store_write_pending(s, session_id, seen_ns, 0, STORE_QK_N);
			rc_bulk = rc_vital;
		} else {
			rc_vital = store_write_pending(s, session_id, seen_ns, 0, STORE_QK_NVITAL);
			if (rc_vital != SQLITE_OK)
				rc_bulk = rc_vital; /* no use trying more */
			else if (n > nvital)
				rc_bulk = store_write_pending(s, session_id, seen_ns, STORE_QK_NVITAL,
				                              STORE_QK_N);
		}
	}
	if (rc_vital == SQLITE_OK)
		store_take_pending(s, done, 0, STORE_QK_NVITAL);
	if (rc_bulk == SQLITE_OK)
		store_take_pending(s, done, STORE_QK_NVITAL, STORE_QK_N);
	rc = rc_vital != SQLITE_OK ? rc_vital : rc_bulk;
	if (wrote && rc == SQLITE_OK)
		s->last_beat_ns = now;
	if (rc_bulk != SQLITE_OK && store_rc_is_space(rc_bulk) &&
	    s->pending[STORE_QK_SAMPLE].count > 0) {
		shed = s->pending[STORE_QK_SAMPLE].count;
		store_take_pending(s, done, STORE_QK_SAMPLE, STORE_QK_SAMPLE + 1);
		s->samples_shed += shed;
		__atomic_add_fetch(&s->dropped, shed, __ATOMIC_RELAXED);
	}
	for (k = 0; k < STORE_QK_N; k++) {
		ndone += done[k].count;
		if (k < STORE_QK_NVITAL)
			ndone_vital += done[k].count;
	}
	for (c = done[STORE_QK_EVENT].head; c != NULL; c = c->next)
		for (i = 0; i < c->n; i++)
			store_event_free((struct store_event *)c->data + i);

	if (rc == SQLITE_OK) {
		if (s->failures > 0 && s->failure_logged)
			log_info("%s: writing again after %llu failed attempts (%llu samples dropped"
			         " in all)", s->path, (unsigned long long)s->failures,
			         (unsigned long long)s->samples_shed);
		s->failures = 0;
		s->failure_logged = 0;
		retry_ns = 0;
	} else {
		s->failures++;
		/* At most one report a minute, however long the disk stays full. */
		if (s->errlog_ns == 0 || now - s->errlog_ns >= STORE_ERRLOG_NS) {
			s->errlog_ns = now;
			s->failure_logged = 1;
			log_warnx("%s: cannot write: %s; keeping %zu records queued (%zu vital),"
			          " %llu samples dropped so far; retrying",
			          s->path, sqlite3_errstr(rc), n - ndone, nvital - ndone_vital,
			          (unsigned long long)s->samples_shed);
		}
		retry_ns = (int64_t)(s->flush_ms > 0 ? s->flush_ms : 250) * NSEC_PER_MSEC;
		for (i = 1; i < s->failures && retry_ns < STORE_RETRY_MAX_NS; i++)
			retry_ns *= 2;
		if (retry_ns > STORE_RETRY_MAX_NS)
			retry_ns = STORE_RETRY_MAX_NS;
	}

	pthread_mutex_lock(&s->mu);
	s->queued_all -= ndone;
	s->queued_vital -= ndone_vital;
	s->retry_ns = retry_ns;
	for (k = 0; k < STORE_QK_N; k++) {
		for (c = done[k].head; c != NULL; c = next) {
			next = c->next;
			if (s->nspare[k] < STORE_SPARE_MAX) {
				c->next = s->spare[k];
				s->spare[k] = c;
				s->nspare[k]++;
			} else {
				c->next = release;
				release = c;
			}
		}
	}
	s->flush_done = req;
	s->flush_ok = rc == SQLITE_OK;
	pthread_cond_broadcast(&s->done);
	pthread_mutex_unlock(&s->mu);

	for (c = release; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	return rc == SQLITE_OK ? 0 : -1;
}

/* ---- the rollup: seconds into minutes, minutes into hours ---- */

#define STORE_ROLL_EVERY_NS (60 * NSEC_PER_SEC) /* between rounds without a backlog */
#define STORE_ROLL_CHUNK 4096                   /* rows read per SELECT */

/*
 * The statements of a tier that rolls the rows of table src (key column
 * skey) up into the table dst above it (key dkey). hist is what the
 * histogram columns of src are. (skey, session_id) > (?2, ?3) is a range
 * of src's primary key, (target_id, skey, session_id). The UPSERT merges
 * into an existing row: counts, rtt_sum_ns and the histogram added,
 * rtt_min_ns the least of the minima there are and rtt_max_ns the greatest
 * of the maxima there are (a NULL never wins).
 */
#define STORE_SQL_ROLL_SEL(src, skey, hist)                                               \
	"SELECT " skey ", session_id, sent, received, lost, rtt_min_ns, rtt_max_ns,"     \
	" rtt_sum_ns, " hist " FROM " src " WHERE target_id = ?1"                       \
	" AND (" skey ", session_id) > (?2, ?3) AND " skey " < ?4"                       \
	" ORDER BY " skey ", session_id LIMIT ?5"
#define STORE_SQL_ROLL_NEXT(src) \
	"SELECT target_id FROM " src " WHERE target_id > ?1 ORDER BY target_id LIMIT 1"
#define STORE_SQL_ROLL_DEL(src, skey) \
	"DELETE FROM " src " WHERE target_id = ?1 AND " skey " BETWEEN ?2 AND ?3 AND session_id = ?4"
#define STORE_SQL_ROLL_UPS(dst, dkey)                                                      \
	"INSERT INTO " dst " (session_id, target_id, " dkey ", sent, received, lost,"      \
	" rtt_min_ns, rtt_max_ns, rtt_sum_ns, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9)"    \
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"                                     \
	" ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"                               \
	" ON CONFLICT (target_id, " dkey ", session_id) DO UPDATE SET"                     \
	" sent = sent + excluded.sent,"                                                    \
	" received = received + excluded.received,"                                        \
	" lost = lost + excluded.lost,"                                                    \
	" rtt_min_ns = coalesce(min(rtt_min_ns, excluded.rtt_min_ns),"                     \
	"  rtt_min_ns, excluded.rtt_min_ns),"                                              \
	" rtt_max_ns = coalesce(max(rtt_max_ns, excluded.rtt_max_ns),"                     \
	"  rtt_max_ns, excluded.rtt_max_ns),"                                              \
	" rtt_sum_ns = rtt_sum_ns + excluded.rtt_sum_ns,"                                  \
	" h0 = h0 + excluded.h0, h1 = h1 + excluded.h1,"                                   \
	" h2 = h2 + excluded.h2, h3 = h3 + excluded.h3,"                                   \
	" h4 = h4 + excluded.h4, h5 = h5 + excluded.h5,"                                   \
	" h6 = h6 + excluded.h6, h7 = h7 + excluded.h7,"                                   \
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
	int hist_text;         /* src's histogram is seconds.hist's text, else h0 ... h9 */
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
		if (s->roll_errlog_ns == 0 || time_mono_ns() - s->roll_errlog_ns >= STORE_ERRLOG_NS) {
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
static void
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

/* Absolute CLOCK_MONOTONIC time for pthread_cond_timedwait. */
static struct timespec
store_abstime(int64_t mono_ns)
{
	struct timespec ts = { mono_ns / NSEC_PER_SEC, mono_ns % NSEC_PER_SEC };

	return ts;
}

/*
 * The writer thread: a cycle every flush_ms, sooner (but not more often
 * than every 50 ms) when a vital record waits, at once for a flush request;
 * a last cycle when asked to stop. After a failed cycle the wait doubles
 * from flush_ms up to STORE_RETRY_MAX_NS until a cycle succeeds.
 */
static void *
store_writer_main(void *arg)
{
	struct store *s = arg;
	int stop;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->stop && s->flush_req == s->flush_done) {
			int64_t wait_ns = (int64_t)s->flush_ms * NSEC_PER_MSEC;
			int64_t deadline, now = time_mono_ns();
			struct timespec ts;

			/* While writes fail, back off (a vital record does not
			 * hurry a retry that would fail too; a flush does). */
			if (s->retry_ns > 0)
				wait_ns = s->retry_ns;
			else if (s->urgent && wait_ns > STORE_URGENT_NS)
				wait_ns = STORE_URGENT_NS;
			deadline = s->last_cycle_ns + wait_ns;
			if (now >= deadline)
				break;
			ts = store_abstime(deadline);
			pthread_cond_timedwait(&s->wake, &s->mu, &ts);
		}
		stop = s->stop;
		s->last_cycle_ns = time_mono_ns();
		pthread_mutex_unlock(&s->mu);

		/* The rollup, when due, follows a cycle that committed, in a
		 * transaction of its own; a flush waits for it (bounded). */
		pthread_mutex_lock(&s->dbmu);
		if (store_cycle(s) == 0 && !stop)
			store_rollup_maybe(s);
		pthread_mutex_unlock(&s->dbmu);

		pthread_mutex_lock(&s->mu);
		if (stop)
			break;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Start the writer thread. */
int
store_writer_start(struct store *s, int flush_ms, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc;

	if (s == NULL || s->mode != STORE_WRITE) {
		store_set_err(err, errlen, "%s: opened read-only", s != NULL ? s->path : "store");
		return -1;
	}
	if (s->writer_running)
		return 0;
	if (flush_ms <= 0)
		flush_ms = 250;
	if (flush_ms > 1000)
		flush_ms = 1000;
	s->flush_ms = flush_ms;
	s->last_cycle_ns = time_mono_ns();
	s->roll_next_ns = s->last_cycle_ns + STORE_ROLL_EVERY_NS;
	/* Signals belong to the event loop's thread, never to the writer. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&s->thread, NULL, store_writer_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		store_set_err(err, errlen, "%s: cannot start the writer thread: %s", s->path,
		              strerror(rc));
		return -1;
	}
	s->writer_running = 1;
	return 0;
}

/* Commit everything queued before the call. */
int
store_flush(struct store *s)
{
	uint64_t mine;
	int ok;

	if (s == NULL || s->mode != STORE_WRITE)
		return 0;
	if (!s->writer_running) {
		pthread_mutex_lock(&s->dbmu);
		ok = store_cycle(s) == 0;
		pthread_mutex_unlock(&s->dbmu);
		return ok ? 0 : -1;
	}
	pthread_mutex_lock(&s->mu);
	mine = ++s->flush_req;
	pthread_cond_signal(&s->wake);
	while (s->flush_done < mine)
		pthread_cond_wait(&s->done, &s->mu);
	ok = s->flush_ok;
	pthread_mutex_unlock(&s->mu);
	return ok ? 0 : -1;
}

/* Prepare the writer's statements once. */
static int
store_prepare_writer(struct store *s, char *err, size_t errlen)
{
	static const struct {
		size_t off;
		const char *sql;
	} other[] = {
		{ offsetof(struct store, st_begin), "BEGIN IMMEDIATE" },
		{ offsetof(struct store, st_commit), "COMMIT" },
		{ offsetof(struct store, st_rollback), "ROLLBACK" },
		{ offsetof(struct store, st_seen),
		  "UPDATE sessions SET last_seen_ns = max(last_seen_ns, ?1) WHERE id = ?2" },
	};
	size_t k;

	for (k = 0; k < STORE_QK_N; k++) {
		if (sqlite3_prepare_v3(s->db, store_qk_sql[k], -1, SQLITE_PREPARE_PERSISTENT, &s->ins[k],
		                       NULL) != SQLITE_OK)
			goto fail;
	}
	for (k = 0; k < sizeof other / sizeof other[0]; k++) {
		sqlite3_stmt **st = (sqlite3_stmt **)((char *)s + other[k].off);

		if (sqlite3_prepare_v3(s->db, other[k].sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) !=
		    SQLITE_OK)
			goto fail;
	}
	return 0;
fail:
	store_set_err(err, errlen, "%s: cannot prepare statements: %s", s->path,
	              sqlite3_errmsg(s->db));
	return -1;
}

/* Finalize every prepared statement (NULL ones are fine). */
static void
store_finalize_writer(struct store *s)
{
	size_t k;

	for (k = 0; k < STORE_QK_N; k++)
		sqlite3_finalize(s->ins[k]);
	sqlite3_finalize(s->st_begin);
	sqlite3_finalize(s->st_commit);
	sqlite3_finalize(s->st_rollback);
	sqlite3_finalize(s->st_seen);
}

/* Free a store whose connection is closed or never opened. */
static void
store_free(struct store *s)
{
	size_t k;
	struct store_chunk *c, *next;

	for (k = 0; k < STORE_QK_N; k++) {
		store_list_free(&s->queue[k], k);
		store_list_free(&s->pending[k], k);
		for (c = s->spare[k]; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
	}
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
	flags |= mode == STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
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
		/* A little room so the first bursts of records need no malloc. */
		for (k = 0; k < STORE_QK_N; k++) {
			struct store_chunk *c = xmalloc(sizeof *c + STORE_CHUNK_BYTES);

			c->next = NULL;
			s->spare[k] = c;
			s->nspare[k] = 1;
		}
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

/* Whether the session of pid on host is certainly gone. */
static int
store_session_dead(int pid, const char *host, const char *ourhost)
{
	if (host == NULL || ourhost == NULL || strcmp(host, ourhost) != 0)
		return 1;
	/* Our own pid: a predecessor with the same pid (a container's pid 1,
	 * or a reboot) cannot still be running. */
	if (pid <= 0 || pid == (int)getpid())
		return 1;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/*
 * Close the outages a crashed session left open. An outage reaches the
 * database only when it ends (or at a clean exit, as "at-exit"), so a
 * monitor killed during one leaves nothing but its DOWN transition: every
 * target whose last transition in the session is to DOWN, and that has no
 * outage row for it, gets one now with end_state STORE_END_UNKNOWN.
 *
 * What is known, and how the row says it (last_seen is the session's
 * last_seen_ns, taken when its writer last took the queue: everything
 * queued before it is on disk, so no UP had been declared by then):
 *   start        as for any outage: in (s_k, s_{k+1}], s_{k+1} the first lost
 *                probe (the transition's effective_ns), s_k one interval
 *                before it (the previous, answered probe; none when the
 *                target never answered, from_state unknown); the estimate
 *                is the midpoint.
 *   end          last_seen, for end_ns, end_lo_ns and end_hi_ns alike: the
 *                last moment the monitor is known to have watched the target
 *                still DOWN. It was still down then; when it came back (or
 *                whether it did before the crash) is unknown, so the row
 *                covers what was observed, like an at-exit outage.
 *   duration     last_seen - start estimate; upper = last_seen - s_k.
 *   lower        what was certainly lost: a probe is classified once its
 *                timeout has passed, so every probe sent up to last_seen -
 *                timeout - interval was lost (the tracker was DOWN at
 *                last_seen); lower = that - s_{k+1}, at least 0.
 *   lost         0: not known (the count was in the monitor's memory).
 *   first_seq    the transition's seq; last_seq the same (not known).
 * The timing comes from the targets row (interval and timeout at its last
 * update), which is the crashed session's own unless a later session
 * changed it. Times are wall-clock: the monotonic clock of a dead process
 * is gone, so a clock step during the outage shows in these figures.
 *
 * No burst row is made: a burst needs its count of lost probes and its
 * exact last lost probe, neither of which was stored, and an open burst
 * below the DOWN threshold left no trace at all to close.
 */
static int
store_recover_outages(struct store *s, int64_t sid, int64_t last_seen, int *nclosed)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int rc;

	*nclosed = 0;
	rc = sqlite3_prepare_v2(s->db,
	                        "SELECT t.target_id, t.from_state, t.effective_ns, t.seq,"
	                        " g.interval_ns, g.timeout_ns"
	                        " FROM (SELECT target_id, max(id) AS id FROM transitions"
	                        "       WHERE session_id = ?1 GROUP BY target_id) AS last"
	                        " JOIN transitions AS t ON t.id = last.id"
	                        " JOIN targets AS g ON g.id = t.target_id"
	                        " WHERE t.to_state = 2 AND NOT EXISTS (SELECT 1 FROM losses AS l"
	                        "  WHERE l.session_id = ?1 AND l.target_id = t.target_id"
	                        "  AND l.kind = 1 AND l.first_seq = t.seq)"
	                        " ORDER BY t.target_id",
	                        -1, &sel, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, store_qk_sql[STORE_QK_LOSS], -1, &ins, NULL);
	if (rc == SQLITE_OK)
		sqlite3_bind_int64(sel, 1, sid);
	while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		struct store_loss l;
		int from = sqlite3_column_int(sel, 1);
		int64_t eff = sqlite3_column_int64(sel, 2);
		int64_t iv = sqlite3_column_int64(sel, 4), to = sqlite3_column_int64(sel, 5);
		int64_t sure;

		if (iv < 0)
			iv = 0;
		if (to < 0)
			to = 0;
		memset(&l, 0, sizeof l);
		l.session_id = sid;
		l.target_id = sqlite3_column_int64(sel, 0);
		l.kind = STORE_OUTAGE;
		l.start_hi_ns = eff;
		l.start_lo_ns = from == STORE_STATE_UP ? eff - iv : eff;
		l.start_ns = l.start_lo_ns + (l.start_hi_ns - l.start_lo_ns) / 2;
		/* A wall-clock step may put last_seen before the start. */
		l.end_ns = last_seen > eff ? last_seen : eff;
		l.end_lo_ns = l.end_hi_ns = l.end_ns;
		l.duration_ns = l.end_ns - l.start_ns;
		l.upper_ns = l.end_ns - l.start_lo_ns;
		sure = l.end_ns - to - iv - eff;
		l.lower_ns = sure > 0 ? sure : 0;
		l.lost = 0;
		l.first_seq = l.last_seq = (uint64_t)sqlite3_column_int64(sel, 3);
		l.end_state = STORE_END_UNKNOWN;
		store_bind_record(ins, STORE_QK_LOSS, &l);
		if ((rc = store_step_done(ins)) == SQLITE_OK)
			(*nclosed)++;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return rc;
}

/*
 * Close sessions a crashed monitor left open: end_state "crashed" at
 * last_seen_ns, the last time its writer took the queue (the crash came
 * within about a flush interval after it). The outages it left open are
 * closed as STORE_END_UNKNOWN (store_recover_outages), and an event of kind
 * "crash" at last_seen_ns marks the spot on its timeline. Caller holds dbmu
 * inside a transaction, so all of it happens or none.
 */
static int
store_recover_crashed(struct store *s, const char *ourhost)
{
	sqlite3_stmt *sel = NULL, *upd = NULL, *ev = NULL;
	char text[160];
	int rc, nclosed;

	rc = sqlite3_prepare_v2(s->db,
	                        "SELECT id, pid, hostname, last_seen_ns FROM sessions"
	                        " WHERE ended_ns IS NULL ORDER BY id",
	                        -1, &sel, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db,
		                        "UPDATE sessions SET ended_ns = last_seen_ns,"
		                        " end_state = 'crashed' WHERE id = ?1",
		                        -1, &upd, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db,
		                        "INSERT INTO events (session_id, target_id, ts_ns, kind, text)"
		                        " VALUES (?1, NULL, ?2, 'crash', ?3)",
		                        -1, &ev, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sel, 0);
		int pid = sqlite3_column_int(sel, 1);
		const char *host = (const char *)sqlite3_column_text(sel, 2);
		int64_t last_seen = sqlite3_column_int64(sel, 3);

		rc = SQLITE_OK;
		if (!store_session_dead(pid, host, ourhost))
			continue;
		rc = store_recover_outages(s, id, last_seen, &nclosed);
		if (rc != SQLITE_OK)
			break;
		snprintf(text, sizeof text,
		         "pid %d stopped without closing its session; %d open outage%s closed as"
		         " ended unknown",
		         pid, nclosed, nclosed == 1 ? "" : "s");
		sqlite3_bind_int64(ev, 1, id);
		sqlite3_bind_int64(ev, 2, last_seen);
		sqlite3_bind_text(ev, 3, text, -1, SQLITE_TRANSIENT);
		if ((rc = store_step_done(ev)) != SQLITE_OK)
			break;
		sqlite3_bind_int64(upd, 1, id);
		if ((rc = store_step_done(upd)) != SQLITE_OK)
			break;
		log_info("%s: session %lld (pid %d) ended without closing: marked crashed%s", s->path,
		         (long long)id, pid,
		         nclosed > 0 ? ", its open outages closed as ended unknown" : "");
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(ev);
	return rc;
}

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
		rc = sqlite3_prepare_v2(s->db,
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
		pthread_mutex_lock(&s->mu);
		s->session_id = id;
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&s->dbmu);
	return id;
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
	rc = sqlite3_prepare_v2(s->db,
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
		rc = sqlite3_prepare_v2(s->db, "SELECT id FROM targets WHERE name = ?1", -1, &st, NULL);
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
	if (store_flush(s) < 0)
		log_warnx("%s: session %lld ends with records still queued", s->path,
		          (long long)session_id);
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
