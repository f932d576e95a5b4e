/* SPDX-License-Identifier: ISC */
/*
 * prompt.c: DOWN said as soon as it is likely, not a whole timeout later.
 *
 * The loss tracker (losstrack.c) decides every probe in order, a probe
 * being lost only once its timeout has passed, so its DOWN comes about a
 * timeout after the loss began: a 300 ms migration outage at the default
 * 1 s timeout printed DOWN and UP together, after the fact. Here the
 * monitor announces DOWN when down-after probes in a row are overdue,
 * overdue meaning unanswered PROMPT_FACTOR times the target's recent RTT
 * p99 after their send, at least one interval and at most the timeout.
 *
 * The announcement changes no figure. The tracker still decides each
 * probe at its timeout, bursts and bounds are what DESIGN.md says they
 * are, and when the tracker reaches DOWN it is confirmed: stored once,
 * with the announcement's time as its declared time, not printed again.
 * An announced DOWN that answers in time disprove (or that the monitor
 * turns out not to have seen: an UNKNOWN window over its probes) is
 * withdrawn: a line, a "withdrawn" event stored, the listeners told, and
 * never an outage.
 *
 * The recent p99 comes from a small histogram over the metrics' RTT
 * buckets (monitor_rtt_bounds_ns), halved every PROMPT_WINDOW answers so
 * that it follows the path as it is now: 36 bytes a target. A bucket's
 * upper bound stands for its answers, so the threshold errs long.
 *
 * Which probes make the run: those after the last one answered in time,
 * plus, when the tracker's own last decisions were losses, those (its
 * open burst). With a count threshold the probe that meets it is found
 * at once; with a time threshold (down-after = 200ms), by bisection over
 * the ring, whose send times only grow. The scheduler wakes the target at
 * that probe's send + threshold (prompt_deadline, one more kind of key);
 * by then the round has read every reply queued before it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "monitor/aware.h"
#include "monitor/mclock.h"
#include "monitor/monitor_int.h"

#define PROMPT_FACTOR      3   /* overdue: this many times the recent RTT p99 */
#define PROMPT_WINDOW      256 /* answers before the histogram is halved */
#define PROMPT_MIN_SAMPLES 8   /* fewer answers: no threshold yet (the timeout) */

/* An answer in time fell in RTT bucket b: update the threshold. */
void
prompt_rtt(struct mtarget *t, size_t b)
{
	uint32_t need, sum = 0;
	size_t i;
	int64_t thr;

	if (t->pr_count >= PROMPT_WINDOW) {
		t->pr_count = 0;
		for (i = 0; i < MONITOR_RTT_BUCKETS; i++)
			t->pr_count += t->pr_hist[i] >>= 1;
	}
	t->pr_hist[b]++;
	t->pr_count++;
	if (t->pr_count < PROMPT_MIN_SAMPLES) {
		t->pr_thr = 0;
		return;
	}
	/* the bucket holding the 99th percentile, by rank ceil(0.99 n) */
	need = t->pr_count - t->pr_count / 100;
	for (i = 0; i < MONITOR_RTT_BUCKETS - 1; i++)
		if ((sum += t->pr_hist[i]) >= need)
			break;
	thr = i < MONITOR_RTT_BUCKETS - 1 ? PROMPT_FACTOR * monitor_rtt_bounds_ns[i]
					  : t->conf->timeout_ns;
	if (thr < t->conf->interval_ns)
		thr = t->conf->interval_ns;
	if (thr > t->conf->timeout_ns)
		thr = t->conf->timeout_ns;
	t->pr_thr = thr;
}

/* The slot of seq (in the ring: resolve_seq <= seq < next_seq). */
static const struct slot *
prompt_slot(const struct mtarget *t, uint64_t seq)
{
	return &t->ring[seq & t->mask];
}

/*
 * The current run of unanswered probes, when it can meet the DOWN
 * threshold: its first probe, the probe that meets it (*last) and when
 * that one is overdue (*deadline, mono). 0 when there is none: the target
 * is not UP, no threshold yet, or the probe that would meet it is not sent.
 */
static int
prompt_run(const struct mtarget *t, struct lt_point *first, uint64_t *last, int64_t *deadline)
{
	const struct losstrack *lt = &t->lt;
	const struct slot *s;
	uint64_t r, j, lost = 0;

	if (lt->state != LT_UP || t->pr_thr <= 0 || t->pr_thr >= t->conf->timeout_ns)
		return 0;
	r = t->resolve_seq > t->pr_answered ? t->resolve_seq : t->pr_answered;
	if (r == t->resolve_seq && lt->in_burst) {
		*first = lt->burst_first;
		lost = lt->burst_lost;
	} else {
		if (r >= t->next_seq)
			return 0;
		s = prompt_slot(t, r);
		first->seq = s->seq;
		first->mono = s->tx_mono;
		first->real = s->tx_real;
	}
	if (lt->down_after_ns > 0) {
		uint64_t lo = r, hi = t->next_seq;

		if (lo >= hi || prompt_slot(t, hi - 1)->tx_mono - first->mono < lt->down_after_ns)
			return 0;
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;

			if (prompt_slot(t, mid)->tx_mono - first->mono >= lt->down_after_ns)
				hi = mid;
			else
				lo = mid + 1;
		}
		j = lo;
	} else {
		if (lost >= lt->down_after)
			return 0;
		j = r + (lt->down_after - lost) - 1;
		if (j >= t->next_seq)
			return 0;
	}
	s = prompt_slot(t, j);
	/* a send that failed here says nothing of the target */
	if (s->seq != j || (s->state != SLOT_PENDING && s->state != SLOT_UNREACH))
		return 0;
	if (j < t->pr_skip)
		return 0;
	*last = j;
	*deadline = s->tx_mono + t->pr_thr;
	return 1;
}

int64_t
prompt_deadline(const struct mtarget *t)
{
	struct lt_point first;
	uint64_t last;
	int64_t d;

	if (t->pr_down || !prompt_run(t, &first, &last, &d))
		return INT64_MAX;
	return d;
}

void
prompt_check(struct mtarget *t, int64_t now)
{
	struct monitor *m = t->m;
	struct lt_transition tr;
	struct lt_point first;
	uint64_t last;
	int64_t d;

	if (t->pr_down || !prompt_run(t, &first, &last, &d) || d > now)
		return;
	/* Replies our own socket dropped may be among these: learn of drops
	 * first. A run the monitor could not see is no DOWN, and is not
	 * offered again (prompt_run skips it): the tracker decides it. */
	if (m->rx_asked < d)
		monitor_rx_sync(m, 1);
	if (aware_covers(m->aw, t->idx, first.mono) ||
	    aware_covers(m->aw, t->idx, prompt_slot(t, last)->tx_mono)) {
		t->pr_skip = last + 1;
		return;
	}
	t->pr_down = 1;
	t->pr_first = first;
	t->pr_last_seq = last;
	t->pr_declared = mclock_real(&m->o.clock);
	memset(&tr, 0, sizeof(tr));
	tr.from = LT_UP;
	tr.to = LT_DOWN;
	tr.effective = first;
	tr.last_reply_real = t->lt.have_ok ? t->lt.last_reply_real : 0;
	log_debug("%s: DOWN announced: probes %" PRIu64 "..%" PRIu64 " unanswered %.3f ms after"
		  " their send (threshold)",
		  t->conf->name, first.seq, last, t->pr_thr / 1e6);
	monitor_announce(t, &tr, t->pr_declared);
}

/* Take back an announced DOWN: print, store and tell why. */
static void
prompt_withdraw(struct mtarget *t, uint64_t seq, const char *why)
{
	struct monitor *m = t->m;
	int64_t now = mclock_real(&m->o.clock);
	char when[64], since[64], text[160];

	t->pr_down = 0;
	time_format_clock(t->pr_first.real, since, sizeof(since));
	snprintf(text, sizeof(text), "DOWN of %s withdrawn: probe %" PRIu64 " %s", since, seq, why);
	log_debug("%s: %s", t->conf->name, text);
	if (!m->o.quiet) {
		if (m->o.format == MONITOR_JSON) {
			struct jsonw *j = jsonw_new(stdout);

			jsonw_obj_open(j);
			jsonw_string_field(j, "event", "withdrawn");
			jsonw_string_field(j, "target", t->conf->name);
			jsonw_time_field(j, "time", t->pr_first.real);
			jsonw_time_field(j, "declared", now);
			jsonw_uint_field(j, "seq", t->pr_first.seq);
			jsonw_uint_field(j, "answered_seq", seq);
			jsonw_string_field(j, "reason", why);
			jsonw_obj_close(j);
			jsonw_free(j);
		} else {
			time_format_local(now, when, sizeof(when));
			printf("%s %s WITHDRAWN  (%s)\n", when, t->conf->name, text);
		}
		fflush(stdout);
	}
	if (monitor_has_listeners(m)) {
		struct mev e;

		memset(&e, 0, sizeof(e));
		e.kind = MEV_WITHDRAWN;
		e.target = t->idx;
		e.time_real = t->pr_first.real;
		e.declared_real = now;
		e.seq = t->pr_first.seq;
		e.duration_ns = -1;
		e.reason = why;
		monitor_emit(m, &e);
	}
	if (m->o.store != NULL) {
		struct store_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.session_id = m->o.session_id;
		ev.target_id = t->store_id;
		ev.ts_ns = now;
		ev.kind = "withdrawn";
		ev.text = text;
		store_push_event(m->o.store, &ev);
	}
}

void
prompt_answered(struct mtarget *t, uint64_t seq, int64_t now)
{
	struct lt_point first;
	uint64_t last;
	int64_t d;

	if (seq + 1 > t->pr_answered)
		t->pr_answered = seq + 1;
	if (!t->pr_down || seq < t->pr_first.seq || seq > t->pr_last_seq)
		return;
	/* An answer inside the announced run. The probes after it may still
	 * make a run that is overdue: then the DOWN stands, from there. */
	t->pr_down = 0;
	if (prompt_run(t, &first, &last, &d) && d <= now) {
		/* as announced (its time and first probe), up to the new run */
		t->pr_down = 1;
		t->pr_last_seq = last;
		return;
	}
	t->pr_down = 1;
	prompt_withdraw(t, seq, "answered in time");
}

void
prompt_unknown(struct mtarget *t, uint64_t seq)
{
	if (t->pr_down && seq >= t->pr_first.seq && seq <= t->pr_last_seq)
		prompt_withdraw(t, seq, "fell in an UNKNOWN window");
}

int
prompt_confirm(struct mtarget *t, int64_t *declared)
{
	if (!t->pr_down)
		return 0;
	t->pr_down = 0;
	*declared = t->pr_declared;
	return 1;
}
