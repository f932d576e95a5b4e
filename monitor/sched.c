/* SPDX-License-Identifier: ISC */
/* sched.c: the scheduler. Every target sends on absolute deadlines
 * base + n * interval on the monitor's monotonic clock, so a late wake-up
 * never shifts later probes. One libevent timer serves all targets: a
 * binary heap orders targets by their next event (next send deadline, the
 * expiry of their oldest unanswered probe, or when a run of unanswered
 * probes becomes a DOWN to announce: prompt.c), the timer is armed for the
 * heap's top, and each firing handles every target that is due. Targets are
 * phase-shifted across the interval so 100 targets at 1 ms are 100 sends
 * spread 10 us apart, not one burst. After a stall the missed deadlines are
 * skipped (and counted), never sent late in a burst. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "monitor/aware.h"
#include "monitor/mclock.h"
#include "monitor/monitor_int.h"
#include "monitor/rtthist.h"
#include "probes/probe.h"

/* ---- heap of targets ordered by key ---- */

/* Swap two heap entries and fix their back-pointers. */
static void
heap_swap(struct monitor *m, size_t a, size_t b)
{
	struct mtarget *x = m->heap[a];

	m->heap[a] = m->heap[b];
	m->heap[b] = x;
	m->heap[a]->heap_pos = a;
	m->heap[b]->heap_pos = b;
}

/* Restore heap order after the key at i changed. */
static void
heap_fix(struct monitor *m, size_t i)
{
	while (i > 0 && m->heap[(i - 1) / 2]->key > m->heap[i]->key) {
		heap_swap(m, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;

		if (l < m->heaplen && m->heap[l]->key < m->heap[s]->key)
			s = l;
		if (r < m->heaplen && m->heap[r]->key < m->heap[s]->key)
			s = r;
		if (s == i)
			break;
		heap_swap(m, i, s);
		i = s;
	}
}

/* Deadline of the target's next send. */
static int64_t
monitor_deadline(const struct mtarget *t)
{
	return t->base_mono + (int64_t)t->n * t->conf->interval_ns;
}

/* Recompute when this target next needs attention. */
void
monitor_rekey(struct mtarget *t)
{
	int64_t key = INT64_MAX, exp;

	if (t->sending)
		key = monitor_deadline(t);
	if (t->resolve_seq < t->next_seq) {
		const struct slot *s = &t->ring[t->resolve_seq & t->mask];

		exp = s->tx_mono + t->conf->timeout_ns;

		if (exp < key)
			key = exp;
	}
	exp = prompt_deadline(t);
	if (exp < key)
		key = exp;
	t->key = key;
	heap_fix(t->m, t->heap_pos);
}

/* Send the next probe of t now. */
static void
monitor_send(struct mtarget *t, int64_t deadline)
{
	struct monitor *m = t->m;
	struct slot *s = &t->ring[t->next_seq & t->mask];
	int err;

	if (s->state == SLOT_PENDING && t->resolve_seq <= s->seq) {
		/* The ring is sized for timeout / interval; only a long stall gets
		 * here. The old probe has certainly timed out: decide it first. */
		monitor_advance(t, INT64_MAX / 2);
	}
	s->seq = t->next_seq;
	s->rtt = -1;
	s->tx_mono = mclock_mono(&m->o.clock);
	s->tx_real = mclock_real(&m->o.clock);
	s->state = SLOT_PENDING;
	err = t->ops->send(t->probe, (const struct sockaddr *)&t->conf->addr, t->conf->addrlen,
			   t->idx, s->seq);
	t->next_seq++;
	t->sent++;
	aware_after_send(m->aw, t->idx, s->tx_mono, s->tx_real, err);
	if (err != 0) {
		/* A local failure: no packet left, nothing can answer, and it says
		 * nothing about the target. */
		t->send_errors++;
		s->state = SLOT_LOCALFAIL;
		if (t->send_errors == 1 || log_verbosity() > 0) {
			errno = err;
			log_warn("%s: send failed", t->conf->name);
		}
	}
	rtthist_add(&m->lag, llabs(s->tx_mono - deadline));
	if (llabs(s->tx_mono - deadline) > m->lag_max)
		m->lag_max = llabs(s->tx_mono - deadline);
}

/* Handle one due target: expire, send, re-key. */
static void
monitor_service(struct mtarget *t, int64_t now, int64_t horizon)
{
	struct monitor *m = t->m;

	monitor_advance(t, now);
	if (t->sending && monitor_deadline(t) <= horizon) {
		if (m->stop_at && monitor_deadline(t) >= m->stop_at)
			t->sending = 0;
		else {
			monitor_send(t, monitor_deadline(t));
			t->n++;
			if (m->o.count && t->next_seq >= m->o.count)
				t->sending = 0;
			/* Behind by more than an interval (a stall): skip the missed
			 * deadlines rather than send a burst of catch-up probes. */
			if (monitor_deadline(t) + t->conf->interval_ns <= now) {
				uint64_t n =
					(uint64_t)((now - t->base_mono) / t->conf->interval_ns) + 1;

				/* Deadlines at or past the end were never due: a
				 * stall across it skips only those before it. */
				if (m->stop_at) {
					int64_t span = m->stop_at - t->base_mono;
					uint64_t last = span > 0 ? (uint64_t)((span - 1) /
									      t->conf->interval_ns) + 1
								 : 0;

					if (n > last)
						n = last > t->n ? last : t->n;
				}
				m->skipped += n - t->n;
				t->n = n;
			}
			monitor_advance(t, now);
		}
	}
	prompt_check(t, now);
	monitor_rekey(t);
}

/* A reply from a probe module: record it (results.c), then move the
 * target's schedule on; the last outstanding reply of a finished run ends
 * the loop. */
void
monitor_on_reply(const struct probe_reply *r, void *arg)
{
	struct monitor *m = arg;
	struct mtarget *t;
	int i = monitor_record_reply(m, r);

	if (i < 0)
		return;
	t = &m->t[i];
	monitor_advance(t, mclock_mono(&m->o.clock));
	monitor_rekey(t);
	if (!t->sending && t->resolve_seq == t->next_seq && monitor_all_done(m))
		event_base_loopexit(m->base, NULL);
}

/* Is every target finished: not sending and nothing outstanding? */
int
monitor_all_done(const struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nt; i++)
		if (m->t[i].sending || m->t[i].resolve_seq < m->t[i].next_seq)
			return 0;
	return 1;
}

/* Has every target stopped sending? */
static int
monitor_none_sending(const struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nt; i++)
		if (m->t[i].sending)
			return 0;
	return 1;
}

/* Arm the one scheduler timer for the earliest key. */
void
monitor_arm(struct monitor *m)
{
	struct timeval tv;
	int64_t d;

	if (m->heaplen == 0 || m->heap[0]->key == INT64_MAX) {
		if (monitor_all_done(m))
			event_base_loopexit(m->base, NULL);
		return;
	}
	/* Nothing sends any more: the last replies should end the run as soon
	 * as they arrive, not at the next expiry. */
	if (m->polled && monitor_none_sending(m))
		monitor_poll_probes(m, -1);
	event_base_update_cache_time(m->base);
	d = m->heap[0]->key - mclock_mono(&m->o.clock);
	if (d < 0)
		d = 0;
	tv.tv_sec = d / NSEC_PER_SEC;
	tv.tv_usec = (d % NSEC_PER_SEC) / NSEC_PER_USEC;
	evtimer_add(m->timer, &tv);
}

/* Polled mode on (1), off (-1), or read what is queued (0). */
void
monitor_poll_probes(struct monitor *m, int mode)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (m->chan[i].p != NULL && m->chan[i].ops->poll != NULL)
			m->chan[i].ops->poll(m->chan[i].p, mode);
	if (mode != 0)
		m->polled = mode > 0;
}

/* One scheduler round at the clock's now: note a stall, read what is
 * queued, serve every due target, prune windows, re-arm. */
void
monitor_sched_round(struct monitor *m)
{
	int64_t now = mclock_mono(&m->o.clock), horizon = now + MONITOR_BATCH_NS;
	size_t n = 0, i;

	if (m->heaplen > 0 && m->heap[0]->key != INT64_MAX &&
	    now - m->heap[0]->key > MONITOR_STALL_NS)
		aware_stall(m->aw, m->heap[0]->key, now);

	/* Replies queued since the last round first (in polled mode that is
	 * how they are read at all), so none of them is taken for a timeout. */
	monitor_poll_probes(m, 0);
	/* What those packets said about drops: windows before any expiry. */
	monitor_rx_sync(m, 0);
	/* Targets due within MONITOR_BATCH_NS share this wake-up: a send up to
	 * that much early costs less than another timer round trip, and its
	 * actual send time is what every figure uses. */
	/* Each due target is served once per wake-up: taken off the top first,
	 * so a dense schedule can never keep this loop from returning. */
	while (m->heaplen > 0 && m->heap[0]->key <= horizon && n < m->nt) {
		struct mtarget *t = m->heap[0];

		t->key = INT64_MAX;
		heap_fix(m, 0);
		m->due[n++] = t;
	}
	for (i = 0; i < n; i++)
		monitor_service(m->due[i], now, horizon);
	aware_tick(m->aw, now);
	monitor_arm(m);
}

/* The scheduler timer fired. */
void
monitor_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	monitor_sched_round(arg);
}

/* Start the schedule at the clock's now: first probes one millisecond
 * later, target i of n phase-shifted by i/n of its interval (integer
 * arithmetic, exact), sockets polled at high rates; arm the timer. */
void
monitor_sched_start(struct monitor *m)
{
	double rate;
	size_t i;

	m->start_mono = mclock_mono(&m->o.clock);
	m->start_real = mclock_real(&m->o.clock);
	for (i = 0; i < m->nt; i++) {
		struct mtarget *t = &m->t[i];
		int64_t iv = t->conf->interval_ns, n = (int64_t)m->nt;

		t->base_mono = m->start_mono + NSEC_PER_MSEC + iv / n * (int64_t)i +
			       iv % n * (int64_t)i / n;
		t->sending = 1;
		t->key = t->base_mono;
	}
	if (m->o.duration_ns > 0)
		m->stop_at = m->start_mono + NSEC_PER_MSEC + m->o.duration_ns;
	/* Many probes a second: read replies at each tick rather than wake for
	 * each one. */
	for (i = 0, rate = 0; i < m->nt; i++)
		rate += 1e9 / (double)m->t[i].conf->interval_ns;
	if (rate >= MONITOR_POLL_RATE)
		monitor_poll_probes(m, 1);
	for (i = m->nt / 2 + 1; i-- > 0;)
		if (i < m->heaplen)
			heap_fix(m, i);
	monitor_arm(m);
}

/* Stop sending now; outstanding probes still get their timeout. */
void
monitor_stop(struct monitor *m)
{
	size_t i;

	m->stopping = 1;
	for (i = 0; i < m->nt; i++) {
		m->t[i].sending = 0;
		monitor_rekey(&m->t[i]);
	}
	event_del(m->timer);
	monitor_arm(m);
}
