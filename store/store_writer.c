/* SPDX-License-Identifier: ISC */
/* store_writer.c: the write cycle (binding queued records to their inserts,
 * one transaction per cycle, what a failed cycle keeps), the writer thread
 * and store_flush. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/store_int.h"

#define STORE_URGENT_NS      (50 * NSEC_PER_MSEC)  /* vital records wait at most this */
#define STORE_BEAT_NS        NSEC_PER_SEC          /* last_seen_ns refresh when idle */
#define STORE_RETRY_MAX_NS   (4 * NSEC_PER_SEC)    /* longest wait between failed cycles */
#define STORE_MOVED_EVERY_NS (500 * NSEC_PER_MSEC) /* how often the file's name is checked */

/* The insert of each record kind (also crash recovery's, for losses). */

const char *const store_qk_sql[STORE_QK_N] = {
	[STORE_QK_LOSS] =
		"INSERT INTO losses (session_id, target_id, kind, start_ns, end_ns,"
		" start_lo_ns, start_hi_ns, end_lo_ns, end_hi_ns, duration_ns, lower_ns,"
		" upper_ns, lost, first_seq, last_seq, end_state)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[STORE_QK_TRANSITION] =
		"INSERT INTO transitions (session_id, target_id, from_state, to_state,"
		" effective_ns, declared_ns, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[STORE_QK_EVENT] = "INSERT INTO events (session_id, target_id, ts_ns, kind, text)"
			   " VALUES (?1, ?2, ?3, ?4, ?5)",
	[STORE_QK_WINDOW] = "INSERT INTO unknown_windows (session_id, target_id, start_ns, end_ns,"
			    " scope, ifindex, ifname, code, reason)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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

/* Bind one queued record of kind k to its insert statement. */
void
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
	case STORE_QK_WINDOW: {
		const struct store_window *w = rec;

		sqlite3_bind_int64(st, 1, w->session_id);
		if (w->target_id > 0)
			sqlite3_bind_int64(st, 2, w->target_id);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_int64(st, 3, w->start_ns);
		sqlite3_bind_int64(st, 4, w->end_ns);
		/* An unknown scope is bound as its number, which the CHECK refuses. */
		if (store_scope_name(w->scope) != NULL)
			sqlite3_bind_text(st, 5, store_scope_name(w->scope), -1, SQLITE_STATIC);
		else
			sqlite3_bind_int(st, 5, (int)w->scope);
		if (w->scope == STORE_SCOPE_LINK) {
			sqlite3_bind_int(st, 6, w->ifindex);
			if (w->ifname != NULL)
				sqlite3_bind_text(st, 7, w->ifname, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(st, 7);
		} else {
			sqlite3_bind_null(st, 6);
			sqlite3_bind_null(st, 7);
		}
		sqlite3_bind_text(st, 8, w->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, w->reason, -1, SQLITE_STATIC);
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

/* Errors that mean the file itself is damaged or not a database at all. */
static int
store_rc_is_corrupt(int rc)
{
	return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/*
 * The file went bad: say so once, write nothing more to it, and bound what
 * is kept for the rescue file (store_close) to the vital records, at most
 * STORE_RESCUE_VITAL_MAX of them. Caller holds dbmu (not mu).
 */
static void
store_mark_corrupt(struct store *s, int rc)
{
	if (__atomic_load_n(&s->corrupt, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&s->corrupt, 1, __ATOMIC_RELAXED);
	log_warnx("%s: the database is damaged (%s): writing to it stops; samples and seconds"
		  " are dropped, losses, transitions, windows and markers kept for the rescue"
		  " file %s.rescue-%d.db at exit",
		  s->path, sqlite3_errstr(rc), s->real, (int)getpid());
	pthread_mutex_lock(&s->mu);
	if (s->vital_max > STORE_RESCUE_VITAL_MAX)
		s->vital_max = STORE_RESCUE_VITAL_MAX;
	pthread_mutex_unlock(&s->mu);
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
				if (s->rejlog_ns == 0 ||
				    time_mono_ns() - s->rejlog_ns >= STORE_ERRLOG_NS) {
					s->rejlog_ns = time_mono_ns();
					log_warnx("%s: record refused and skipped: %s (%llu "
						  "refused so far)",
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
 * the vital records (losses, transitions, events, windows, summaries) go
 * first in a transaction of their own, so that they reach the file as soon
 * as it takes a few pages again even while the bulk does not fit. When a write fails
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
	struct store_chunk *release;
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
	if (s->corrupt || s->db == NULL) {
		/* Nothing goes to a damaged file (or none): the bulk is shed
		 * at once, the vital records wait for the rescue file. */
		wrote = 0;
		rc_vital = rc_bulk = SQLITE_CORRUPT;
	}
	if (wrote) {
		if (s->failures == 0) {
			rc_vital = store_write_pending(s, session_id, seen_ns, 0, STORE_QK_N);
			rc_bulk = rc_vital;
		} else {
			rc_vital = store_write_pending(s, session_id, seen_ns, 0, STORE_QK_NVITAL);
			if (rc_vital != SQLITE_OK)
				rc_bulk = rc_vital; /* no use trying more */
			else if (n > nvital)
				rc_bulk = store_write_pending(s, session_id, seen_ns,
							      STORE_QK_NVITAL, STORE_QK_N);
		}
	}
	if (rc_vital == SQLITE_OK)
		store_take_pending(s, done, 0, STORE_QK_NVITAL);
	if (rc_bulk == SQLITE_OK)
		store_take_pending(s, done, STORE_QK_NVITAL, STORE_QK_N);
	rc = rc_vital != SQLITE_OK ? rc_vital : rc_bulk;
	if (wrote && rc == SQLITE_OK)
		s->last_beat_ns = now;
	if (store_rc_is_corrupt(rc)) {
		store_mark_corrupt(s, rc);
		shed = store_pending_count(s, STORE_QK_NVITAL, STORE_QK_N);
		store_take_pending(s, done, STORE_QK_NVITAL, STORE_QK_N);
		__atomic_add_fetch(&s->dropped, shed, __ATOMIC_RELAXED);
		shed = 0;
	}
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
	for (k = 0; k < STORE_QK_N; k++)
		store_list_free_strings(&done[k], k);

	if (rc == SQLITE_OK) {
		if (s->failures > 0 && s->failure_logged)
			log_info(
				"%s: writing again after %llu failed attempts (%llu samples dropped"
				" in all)",
				s->path, (unsigned long long)s->failures,
				(unsigned long long)s->samples_shed);
		s->failures = 0;
		s->failure_logged = 0;
		retry_ns = 0;
	} else if (s->corrupt) {
		retry_ns = 0; /* nothing is tried: no back-off, no report per cycle */
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
	release = store_queue_recycle(s, done);
	s->flush_done = req;
	s->flush_ok = rc == SQLITE_OK;
	pthread_cond_broadcast(&s->done);
	pthread_mutex_unlock(&s->mu);

	store_chunks_free(release);
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * Notice, within STORE_MOVED_EVERY_NS, that the database file was deleted
 * or replaced under us (the name no longer leads to the inode we hold):
 * writes would go to an unlinked inode and be lost at exit. Say so once,
 * and go on in a new file at the same name with the session and targets
 * re-created under the same ids, so the records queued meanwhile (the
 * cycle after this one writes them) land there; a "lost" event records
 * the moment. A name that now leads to something that is not a regular
 * file is left alone (we keep writing the old inode and say so). Caller
 * holds dbmu.
 */
static void
store_check_moved(struct store *s)
{
	struct stat now_st, ours;
	struct store_event ev;
	char err[512];
	int64_t now = time_mono_ns();

	if (s->fd < 0 || now - s->moved_check_ns < STORE_MOVED_EVERY_NS)
		return;
	s->moved_check_ns = now;
	/*
	 * Forget the pages this connection has cached: as the only writer it
	 * would otherwise go on trusting them for ever and never read the file
	 * again, so damage to the file (pages overwritten under it) would only
	 * show in the next process, after everything had been written into a
	 * corrupt file. Re-reading the few pages of each insert's path twice
	 * a second costs next to nothing (they are in the OS page cache).
	 */
	if (s->db != NULL)
		sqlite3_db_release_memory(s->db);
	if (fstat(s->fd, &ours) != 0)
		return;
	/* Only a name that leads nowhere or elsewhere counts: a directory
	 * the dropped user may not search (EACCES) says nothing. */
	if (stat(s->real, &now_st) == 0
		    ? now_st.st_dev == ours.st_dev && now_st.st_ino == ours.st_ino
		    : errno != ENOENT)
		return;
	if (stat(s->real, &now_st) == 0 && !S_ISREG(now_st.st_mode)) {
		if (!s->moved_logged)
			log_warnx(
				"%s: the database file was replaced by something that is not a"
				" regular file; still writing the old file, which is lost at exit",
				s->path);
		s->moved_logged = 1;
		return;
	}
	if (store_reopen(s, s->real, 0, err, sizeof err) != 0) {
		if (s->db == NULL) {
			log_warnx("%s", err);
			store_mark_corrupt(s, SQLITE_CANTOPEN);
		} else if (!s->moved_lost)
			log_warnx("%s: the database file was %s while in use and no new one can be"
				  " made there (%s); writing on into the old one, which is lost at"
				  " exit",
				  s->path, ours.st_nlink == 0 ? "deleted" : "replaced", err);
		s->moved_lost = 1;
		return;
	}
	log_warnx("%s: the database file was %s while in use; going on in a new file there"
		  " (session %lld re-created; what was written before is not in it)",
		  s->path, ours.st_nlink == 0 ? "deleted" : "replaced", (long long)s->session_id);
	__atomic_store_n(&s->corrupt, 0, __ATOMIC_RELAXED);
	s->moved_logged = 0;
	s->moved_lost = 0;
	s->failures = 0;
	if (s->session_id > 0) {
		memset(&ev, 0, sizeof ev);
		ev.session_id = s->session_id;
		ev.ts_ns = time_real_ns();
		ev.kind = "lost";
		ev.text = "database replaced";
		store_push_event(s, &ev);
	}
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
		store_check_moved(s);
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
int
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
		if (sqlite3_prepare_v3(s->db, store_qk_sql[k], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->ins[k], NULL) != SQLITE_OK)
			goto fail;
	}
	for (k = 0; k < sizeof other / sizeof other[0]; k++) {
		sqlite3_stmt **st = (sqlite3_stmt **)((char *)s + other[k].off);

		if (sqlite3_prepare_v3(s->db, other[k].sql, -1, SQLITE_PREPARE_PERSISTENT, st,
				       NULL) != SQLITE_OK)
			goto fail;
	}
	return 0;
fail:
	store_set_err(err, errlen, "%s: cannot prepare statements: %s", s->path,
		      sqlite3_errmsg(s->db));
	return -1;
}

/* Finalize every prepared statement (NULL ones are fine). */
void
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
