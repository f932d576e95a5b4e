/* SPDX-License-Identifier: ISC */
/* store_recover.c: crash recovery when a session begins: sessions left open
 * by a dead monitor are closed as crashed, and the outages they left open
 * as ended unknown. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/store_int.h"

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
int
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
		rc = sqlite3_prepare_v2(
			s->db,
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
		log_info("%s: session %lld (pid %d) ended without closing: marked crashed%s",
			 s->path, (long long)id, pid,
			 nclosed > 0 ? ", its open outages closed as ended unknown" : "");
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(ev);
	return rc;
}
