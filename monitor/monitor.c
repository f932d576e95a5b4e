/* monitor.c: the scheduler, reply matching and per-target bookkeeping.
 *
 * Time: every target sends on absolute deadlines base + n * interval on
 * CLOCK_MONOTONIC, so a late wake-up never shifts later probes. One libevent
 * timer serves all targets: a binary heap orders targets by their next event
 * (next send deadline, or the expiry of their oldest unanswered probe), the
 * timer is armed for the heap's top, and each firing handles every target
 * that is due. Targets are phase-shifted across the interval so 100 targets
 * at 1 ms are 100 sends spread 10 us apart, not one burst.
 *
 * Matching: each probe carries (target index, 64-bit seq, keyed check); the
 * probe module verifies the check, here the sender address and the ring
 * slot's seq must agree. Outcomes are fed to the loss tracker strictly in
 * sequence order: probe n is decided when its reply arrives or its timeout
 * passes, and later outcomes wait for it, because a burst is a run of
 * consecutive losses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/json.h"
#include "lib/log.h"
#include "lib/siphash.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "monitor/losstrack.h"
#include "monitor/monitor.h"
#include "monitor/mclock.h"
#include "monitor/monitor_int.h"
#include "monitor/rtthist.h"
#include "probes/probe.h"
#include "store/store.h"

static void monitor_timer_cb(evutil_socket_t fd, short what, void *arg);
static void monitor_poll_probes(struct monitor *m, int mode);

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

/* ---- output ---- */


/* "10ms", "1.5ms", "250us": a short form for the ± figure. */
static void
short_duration(int64_t ns, char *buf, size_t len)
{
	if (ns >= NSEC_PER_MSEC) {
		if (ns % NSEC_PER_MSEC == 0)
			snprintf(buf, len, "%" PRId64 "ms", (int64_t)(ns / NSEC_PER_MSEC));
		else
			snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	} else
		snprintf(buf, len, "%" PRId64 "us", (int64_t)(ns / NSEC_PER_USEC));
}

/* Print a transition line (text or JSON) on stdout. */
static void
monitor_print_transition(struct mtarget *t, const struct lt_transition *tr, int64_t declared)
{
	struct monitor *m = t->m;
	char when[64], last[64], dur[64], pm[32], rfc[64], rfc2[64];

	if (m->o.quiet)
		return;
	time_format_local(tr->effective.real, when, sizeof(when));
	if (m->o.format == MONITOR_JSON) {
		time_format_rfc3339(tr->effective.real, rfc, sizeof(rfc));
		time_format_rfc3339(declared, rfc2, sizeof(rfc2));
		printf("{\"event\":\"%s\",\"target\":\"%s\",\"time\":\"%s\",\"declared\":\"%s\",\"seq\":%" PRIu64,
		       tr->to == LT_DOWN ? "down" : "up", t->conf->name, rfc, rfc2, tr->effective.seq);
		if (tr->to == LT_DOWN && tr->last_reply_real > 0) {
			time_format_rfc3339(tr->last_reply_real, rfc, sizeof(rfc));
			printf(",\"last_reply\":\"%s\"", rfc);
		}
		if (tr->outage != NULL)
			printf(",\"duration_ms\":%.3f,\"lower_ms\":%.3f,\"upper_ms\":%.3f,\"lost\":%" PRIu64,
			       tr->outage->duration / 1e6, tr->outage->lower / 1e6,
			       tr->outage->upper / 1e6, tr->outage->lost);
		printf("}\n");
	} else if (tr->to == LT_DOWN) {
		if (tr->last_reply_real > 0) {
			time_format_clock(tr->last_reply_real, last, sizeof(last));
			printf("%s %s DOWN  (last reply %s)\n", when, t->conf->name, last);
		} else
			printf("%s %s DOWN  (no reply yet)\n", when, t->conf->name);
	} else if (tr->outage != NULL) {
		duration_format(tr->outage->duration, dur, sizeof(dur));
		short_duration((tr->outage->upper - tr->outage->lower) / 2, pm, sizeof(pm));
		printf("%s %s UP    down %s (±%s, %" PRIu64 " probes lost)\n", when, t->conf->name,
		       dur, pm, tr->outage->lost);
	} else
		printf("%s %s UP    first reply\n", when, t->conf->name);
	fflush(stdout);
}

/* ---- loss tracker callbacks ---- */

/* A burst or outage ended: count it and queue it for the store. */
static void
monitor_on_period(void *arg, const struct lt_period *p)
{
	struct mtarget *t = arg;
	struct store_loss l;

	if (p->kind == LT_OUTAGE) {
		t->outages++;
		t->downtime += p->duration;
		t->last_outage = p->duration;
	} else
		t->bursts++;
	log_debug("%s: %s of %" PRIu64 " probes, %.3f ms [%.3f, %.3f]", t->conf->name,
	          p->kind == LT_OUTAGE ? "outage" : "burst", p->lost, p->duration / 1e6,
	          p->lower / 1e6, p->upper / 1e6);
	if (t->m->o.store == NULL)
		return;
	memset(&l, 0, sizeof(l));
	l.session_id = t->m->o.session_id;
	l.target_id = t->store_id;
	l.kind = p->kind == LT_OUTAGE ? STORE_OUTAGE : STORE_BURST;
	l.start_ns = p->start_real;
	l.end_ns = p->end_real;
	l.start_lo_ns = p->start_lo_real;
	l.start_hi_ns = p->start_hi_real;
	l.end_lo_ns = p->end_lo_real;
	l.end_hi_ns = p->end_hi_real;
	l.duration_ns = p->duration;
	l.lower_ns = p->lower;
	l.upper_ns = p->upper;
	l.lost = p->lost;
	l.first_seq = p->first_seq;
	l.last_seq = p->last_seq;
	l.end_state = p->end_state == LT_END_AT_EXIT ? STORE_END_AT_EXIT : STORE_END_CLOSED;
	store_push_loss(t->m->o.store, &l);
}

/* Map tracker states to store states. */
static enum store_state
monitor_store_state(enum lt_state s)
{
	return s == LT_UP ? STORE_STATE_UP : s == LT_DOWN ? STORE_STATE_DOWN : STORE_STATE_UNKNOWN;
}

/* A transition was declared: print it and queue it. */
static void
monitor_on_transition(void *arg, const struct lt_transition *tr)
{
	struct mtarget *t = arg;
	struct store_transition st;
	int64_t now = mclock_real(&t->m->o.clock);

	monitor_print_transition(t, tr, now);
	if (t->m->o.store == NULL)
		return;
	memset(&st, 0, sizeof(st));
	st.session_id = t->m->o.session_id;
	st.target_id = t->store_id;
	st.from = monitor_store_state(tr->from);
	st.to = monitor_store_state(tr->to);
	st.effective_ns = tr->effective.real;
	st.declared_ns = now;
	st.seq = tr->effective.seq;
	store_push_transition(t->m->o.store, &st);
}

/* ---- per-probe bookkeeping ---- */

/* Queue the finished per-second aggregate, if it holds anything. */
static void
monitor_flush_second(struct mtarget *t)
{
	if (t->sec.sent > 0 && t->m->o.store != NULL) {
		t->sec.session_id = t->m->o.session_id;
		t->sec.target_id = t->store_id;
		store_push_second(t->m->o.store, &t->sec);
	}
	memset(&t->sec, 0, sizeof(t->sec));
	t->sec.rtt_min_ns = -1;
	t->sec.rtt_max_ns = -1;
}

/* Add one decided probe to the per-second aggregate. */
static void
monitor_count_second(struct mtarget *t, const struct slot *s, int ok)
{
	int64_t second = s->tx_real / NSEC_PER_SEC;
	int64_t us;
	int b;

	if (t->sec.sent > 0 && t->sec.second != second)
		monitor_flush_second(t);
	t->sec.second = second;
	t->sec.sent++;
	if (!ok) {
		t->sec.lost++;
		return;
	}
	t->sec.received++;
	t->sec.rtt_sum_ns += s->rtt;
	if (t->sec.rtt_min_ns < 0 || s->rtt < t->sec.rtt_min_ns)
		t->sec.rtt_min_ns = s->rtt;
	if (s->rtt > t->sec.rtt_max_ns)
		t->sec.rtt_max_ns = s->rtt;
	us = s->rtt / NSEC_PER_USEC;
	for (b = 0; b < STORE_HIST_BUCKETS - 1; b++)
		if (us < store_hist_bounds_us[b])
			break;
	t->sec.hist[b]++;
}

/* A TCP service started or stopped refusing: say so, record an event. */
static void
monitor_refusal_change(struct mtarget *t, const struct slot *s)
{
	struct monitor *m = t->m;
	struct store_event ev;
	char when[64], dur[64], text[128];

	t->refusing = s->state == SLOT_REFUSED;
	if (t->refusing) {
		t->refusing_since = s->tx_mono;
		snprintf(text, sizeof(text), "host reachable, service refuses (RST)");
	} else {
		duration_format(s->tx_mono - t->refusing_since, dur, sizeof(dur));
		snprintf(text, sizeof(text), "service accepts again after %s of refusals", dur);
	}
	if (!m->o.quiet) {
		time_format_local(s->tx_real, when, sizeof(when));
		if (m->o.format == MONITOR_JSON) {
			time_format_rfc3339(s->tx_real, when, sizeof(when));
			printf("{\"event\":\"%s\",\"target\":\"%s\",\"time\":\"%s\",\"seq\":%" PRIu64 "}\n",
			       t->refusing ? "refused" : "accepting", t->conf->name, when, s->seq);
		} else
			printf("%s %s %s (%s)\n", when, t->conf->name,
			       t->refusing ? "REFUSED" : "ACCEPTS", text);
		fflush(stdout);
	}
	if (m->o.store != NULL) {
		memset(&ev, 0, sizeof(ev));
		ev.session_id = m->o.session_id;
		ev.target_id = t->store_id;
		ev.ts_ns = s->tx_real;
		ev.kind = t->refusing ? "refused" : "accepting";
		ev.text = text;
		store_push_event(m->o.store, &ev);
	}
}

/* Feed one decided probe, in sequence order, to counters, store and tracker. */
static void
monitor_decide(struct mtarget *t, struct slot *s)
{
	struct lt_callbacks cb = { monitor_on_period, monitor_on_transition, t };
	struct lt_point p = { s->seq, s->tx_mono, s->tx_real };
	/* A refused TCP probe proves the host is reachable: not a loss. */
	int ok = s->state == SLOT_OK || s->state == SLOT_REFUSED;
	struct store_sample smp;

	/* Lost while the monitor could not see: unknown, never a loss. */
	if (!ok && (s->state == SLOT_LOCALFAIL || monitor_window_covers(t->m, t, s->tx_mono))) {
		t->unknown++;
		if (t->m->o.samples && t->m->o.store != NULL) {
			smp.session_id = t->m->o.session_id;
			smp.target_id = t->store_id;
			smp.seq = s->seq;
			smp.tx_ns = s->tx_real;
			smp.rtt_ns = -1;
			smp.result = PROBE_UNKNOWN;
			store_push_sample(t->m->o.store, &smp);
		}
		s->state = SLOT_DONE;
		return;
	}

	if (ok && (s->state == SLOT_REFUSED) != t->refusing)
		monitor_refusal_change(t, s);
	if (s->state == SLOT_REFUSED)
		t->refused++;
	else if (ok) {
		t->received++;
		t->rtt_sum += s->rtt;
		if (t->rtt_min < 0 || s->rtt < t->rtt_min)
			t->rtt_min = s->rtt;
		if (s->rtt > t->rtt_max)
			t->rtt_max = s->rtt;
		rtthist_add(&t->hist, s->rtt);
	} else {
		t->lost++;
		if (s->state == SLOT_UNREACH)
			t->unreach++;
	}
	monitor_count_second(t, s, ok);
	if (t->m->o.samples && t->m->o.store != NULL) {
		smp.session_id = t->m->o.session_id;
		smp.target_id = t->store_id;
		smp.seq = s->seq;
		smp.tx_ns = s->tx_real;
		smp.rtt_ns = ok ? s->rtt : -1;
		smp.result = s->state == SLOT_OK ? PROBE_OK : s->state == SLOT_REFUSED ? PROBE_REFUSED :
		             s->state == SLOT_UNREACH ? PROBE_UNREACH : PROBE_TIMEOUT;
		store_push_sample(t->m->o.store, &smp);
	}
	if (ok)
		lt_probe_ok(&t->lt, &p, s->tx_real + s->rtt, &cb);
	else
		lt_probe_lost(&t->lt, &p, &cb);
	if (s->state != SLOT_TIMEDOUT)
		s->state = SLOT_DONE;
}

/* Decide every probe that can be decided now, oldest first. */
static void
monitor_advance(struct mtarget *t, int64_t now)
{
	while (t->resolve_seq < t->next_seq) {
		struct slot *s = &t->ring[t->resolve_seq & t->mask];

		if (s->state == SLOT_PENDING) {
			if (s->tx_mono + t->conf->timeout_ns > now)
				break;
			s->state = SLOT_TIMEDOUT;
			if (t->ops->forget != NULL)
				t->ops->forget(t->probe, t->idx, s->seq);
		}
		monitor_decide(t, s);
		t->resolve_seq++;
	}
}

/* Deadline of the target's next send. */
static int64_t
monitor_deadline(const struct mtarget *t)
{
	return t->base_mono + (int64_t)t->n * t->conf->interval_ns;
}

/* Recompute when this target next needs attention. */
static void
monitor_rekey(struct mtarget *t)
{
	int64_t key = INT64_MAX;

	if (t->sending)
		key = monitor_deadline(t);
	if (t->resolve_seq < t->next_seq) {
		const struct slot *s = &t->ring[t->resolve_seq & t->mask];
		int64_t exp = s->tx_mono + t->conf->timeout_ns;

		if (exp < key)
			key = exp;
	}
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
	monitor_aware_after_send(t, deadline, s->tx_mono, s->tx_real, err);
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
				uint64_t n = (uint64_t)((now - t->base_mono) / t->conf->interval_ns) + 1;

				m->skipped += n - t->n;
				t->n = n;
			}
			monitor_advance(t, now);
		}
	}
	monitor_rekey(t);
}

/* Is every target finished: not sending and nothing outstanding? */
static int
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
static void
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
static void
monitor_poll_probes(struct monitor *m, int mode)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (m->chan[i].p != NULL && m->chan[i].ops->poll != NULL)
			m->chan[i].ops->poll(m->chan[i].p, mode);
	if (mode != 0)
		m->polled = mode > 0;
}

/* The scheduler timer: serve every due target, then re-arm. */
static void
monitor_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;
	int64_t now = mclock_mono(&m->o.clock), horizon = now + MONITOR_BATCH_NS;
	size_t n = 0, i;

	if (m->heaplen > 0 && m->heap[0]->key != INT64_MAX &&
	    now - m->heap[0]->key > MONITOR_STALL_NS)
		monitor_aware_stall(m, m->heap[0]->key, now);

	/* Replies queued since the last round first (in polled mode that is
	 * how they are read at all), so none of them is taken for a timeout. */
	monitor_poll_probes(m, 0);
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
	monitor_arm(m);
}

/* A reply (or ICMP error) that proves it answers one of our probes. */
static void
monitor_on_reply(const struct probe_reply *r, void *arg)
{
	struct monitor *m = arg;
	struct mtarget *t;
	struct slot *s;
	const struct sockaddr_storage *want;

	if (r->tid >= m->nt) {
		m->foreign_addr++;
		return;
	}
	t = &m->t[r->tid];
	want = &t->conf->addr;
	if (r->peer.ss_family != want->ss_family ||
	    (want->ss_family == AF_INET &&
	     ((const struct sockaddr_in *)&r->peer)->sin_addr.s_addr !=
	         ((const struct sockaddr_in *)want)->sin_addr.s_addr) ||
	    (want->ss_family == AF_INET6 &&
	     memcmp(&((const struct sockaddr_in6 *)&r->peer)->sin6_addr,
	            &((const struct sockaddr_in6 *)want)->sin6_addr, 16) != 0)) {
		m->foreign_addr++;
		return;
	}
	s = &t->ring[r->seq & t->mask];
	if (s->seq != r->seq || s->state == SLOT_EMPTY) {
		t->stale++;
		return;
	}
	switch (s->state) {
	case SLOT_PENDING:
		if (r->result == PROBE_OK) {
			s->rtt = r->rx_real_ns - s->tx_real;
			if (s->rtt < 0)
				s->rtt = 0;
			if (s->rtt > t->conf->timeout_ns) {
				/* Read late (we were busy) but answered late too. */
				s->state = SLOT_TIMEDOUT;
				t->late++;
			} else
				s->state = SLOT_OK;
		} else if (r->result == PROBE_REFUSED) {
			s->rtt = r->rx_real_ns - s->tx_real;
			if (s->rtt < 0)
				s->rtt = 0;
			s->state = SLOT_REFUSED;
		} else
			s->state = SLOT_UNREACH;
		monitor_advance(t, mclock_mono(&m->o.clock));
		monitor_rekey(t);
		/* The last outstanding reply of a finished run ends it now. */
		if (!t->sending && t->resolve_seq == t->next_seq && monitor_all_done(m))
			event_base_loopexit(m->base, NULL);
		break;
	case SLOT_TIMEDOUT:
		if (r->result == PROBE_OK)
			t->late++;
		break;
	default:
		t->dup++;
		break;
	}
}

/* SIGINT/SIGTERM: the first stops sending, the second quits at once. */
static void
monitor_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct monitor *m = arg;

	if (++m->signals > 1) {
		log_warnx("second signal: stopping without waiting for replies");
		event_base_loopbreak(m->base);
		return;
	}
	monitor_stop(m);
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

/* Ring size for a target's probes in flight. */
static uint64_t
monitor_ring_size(const struct target_conf *c)
{
	/* Every probe within its timeout, plus four: a reply up to four
	 * intervals after its timeout is still recognised as late, an older
	 * one counts as stale. A power of two for the index mask. */
	uint64_t need = (uint64_t)(c->timeout_ns / c->interval_ns) + 5, size = 4;

	while (size < need && size < (1u << 20))
		size <<= 1;
	return size;
}

/* The probe instance for a target's kind and family, opened on first use.
 * TCP in auto mode takes raw SYN + pcap and falls back to connect() when
 * raw sockets are not permitted. */
static struct pchan *
monitor_chan(struct monitor *m, const struct target_conf *t, char *err, size_t errlen)
{
	int tcp = t->proto == TARGET_TCP;
	struct pchan *c = &m->chan[(t->family == AF_INET6) + 2 * tcp];

	if (c->p != NULL)
		return c;
	if (!tcp)
		c->ops = &probe_icmp_ops;
	else if (m->o.tcp_mode == MONITOR_TCP_CONNECT)
		c->ops = &probe_tcp_connect_ops;
	else
		c->ops = &probe_tcp_syn_ops;
	c->p = c->ops->open(m->base, t->family, m->key, monitor_on_reply, m, err, errlen);
	if (c->p == NULL && tcp && m->o.tcp_mode == MONITOR_TCP_AUTO) {
		log_info("tcp: %s; using connect() probes instead", err);
		c->ops = &probe_tcp_connect_ops;
		c->p = c->ops->open(m->base, t->family, m->key, monitor_on_reply, m, err, errlen);
	}
	return c->p != NULL ? c : NULL;
}

/* Open probes, build targets and the heap. */
struct monitor *
monitor_new(const struct monitor_opts *o, char *err, size_t errlen)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	struct event_config *cfg;
	struct pchan *chan;
	size_t i;

	m->o = *o;
	siphash_random_key(m->key);

	cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	m->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (m->base == NULL) {
		snprintf(err, errlen, "cannot create the event loop");
		free(m);
		return NULL;
	}
	/* One priority for everything: with reads above the timer, a flood of
	 * foreign ICMP could keep the timer from ever running. A reply already
	 * queued is still never taken for a timeout: each timer round reads
	 * the sockets before it expires anything. */
	for (i = 0; i < o->ntargets; i++)
		if (monitor_chan(m, &o->targets[i], err, errlen) == NULL)
			goto fail;

	m->timer = event_new(m->base, -1, 0, monitor_timer_cb, m);
	if (!o->no_signals) {
		m->sigint = evsignal_new(m->base, SIGINT, monitor_signal_cb, m);
		m->sigterm = evsignal_new(m->base, SIGTERM, monitor_signal_cb, m);
		event_add(m->sigint, NULL);
		event_add(m->sigterm, NULL);
	}

	m->nt = o->ntargets;
	m->t = xcalloc(m->nt, sizeof(*m->t));
	m->heap = xcalloc(m->nt, sizeof(*m->heap));
	m->due = xcalloc(m->nt, sizeof(*m->due));
	for (i = 0; i < m->nt; i++) {
		struct mtarget *t = &m->t[i];

		t->m = m;
		t->conf = &o->targets[i];
		t->idx = (uint32_t)i;
		chan = monitor_chan(m, t->conf, err, errlen);
		t->ops = chan->ops;
		t->probe = chan->p;
		t->mask = monitor_ring_size(t->conf) - 1;
		t->ring = xcalloc(t->mask + 1, sizeof(*t->ring));
		t->rtt_min = t->rtt_max = t->last_outage = -1;
		t->sec.rtt_min_ns = t->sec.rtt_max_ns = -1;
		lt_init(&t->lt, t->conf->down_after, t->conf->down_after_ns, t->conf->up_after);
		t->heap_pos = i;
		m->heap[i] = t;
	}
	m->heaplen = m->nt;
	monitor_aware_open(m, err, errlen);
	return m;

fail:
	for (i = 0; i < 4; i++)
		if (m->chan[i].p)
			m->chan[i].ops->close(m->chan[i].p);
	event_base_free(m->base);
	free(m);
	return NULL;
}

/* Set store ids (the caller registers targets) and run the loop. */
int
monitor_loop(struct monitor *m)
{
	double rate;
	size_t i;

	m->start_mono = mclock_mono(&m->o.clock);
	m->start_real = mclock_real(&m->o.clock);
	/* First probes one millisecond from now, spread across the interval. */
	for (i = 0; i < m->nt; i++) {
		struct mtarget *t = &m->t[i];

		t->base_mono = m->start_mono + NSEC_PER_MSEC +
		               (int64_t)((double)t->conf->interval_ns * (double)i / (double)m->nt);
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
	event_base_dispatch(m->base);
	return 0;
}

/* Record into a store from now on. */
void
monitor_attach_store(struct monitor *m, struct store *st, int64_t session_id)
{
	m->o.store = st;
	m->o.session_id = session_id;
}

/* Remember the store's id for target i. */
void
monitor_set_store_id(struct monitor *m, size_t i, int64_t id)
{
	if (i < m->nt)
		m->t[i].store_id = id;
}

/* Per socket: what was sent and read, and what became of it (-v). */
static void
monitor_socket_counters(struct monitor *m)
{
	static const char *const names[] = { "icmp4", "icmp6", "tcp4", "tcp6" };
	struct probe_counters c;
	size_t i;

	for (i = 0; i < 4; i++) {
		if (m->chan[i].p == NULL)
			continue;
		memset(&c, 0, sizeof(c));
		m->chan[i].ops->counters(m->chan[i].p, &c);
		if (m->o.format == MONITOR_JSON)
			printf("{\"event\":\"packets\",\"socket\":\"%s\",\"mode\":\"%s\",\"sent\":%" PRIu64
			       ",\"send_errors\":%" PRIu64 ",\"received\":%" PRIu64 ",\"matched\":%" PRIu64
			       ",\"foreign\":%" PRIu64 ",\"bad_check\":%" PRIu64 ",\"malformed\":%" PRIu64 "}\n",
			       names[i], m->chan[i].ops->mode(m->chan[i].p), c.sent, c.send_errors,
			       c.received, c.matched, c.foreign, c.bad_check, c.malformed);
		else
			log_info("packets %s (%s): %" PRIu64 " sent, %" PRIu64 " send errors, %" PRIu64
			         " read, %" PRIu64 " matched, %" PRIu64 " foreign, %" PRIu64
			         " bad check, %" PRIu64 " malformed",
			         names[i], m->chan[i].ops->mode(m->chan[i].p), c.sent, c.send_errors,
			         c.received, c.matched, c.foreign, c.bad_check, c.malformed);
	}
}

/* Per-target summary lines, and their rows in the store. */
void
monitor_summary(struct monitor *m, int print)
{
	struct probe_counters c4;
	uint64_t foreign, bad, malformed;
	int64_t stop_mono = mclock_mono(&m->o.clock), stop_real = mclock_real(&m->o.clock);
	size_t i;

	monitor_aware_finish(m);
	foreign = m->foreign_addr;
	bad = malformed = 0;
	for (i = 0; i < 4; i++) {
		if (m->chan[i].p == NULL)
			continue;
		memset(&c4, 0, sizeof(c4));
		m->chan[i].ops->counters(m->chan[i].p, &c4);
		foreign += c4.foreign;
		bad += c4.bad_check;
		malformed += c4.malformed;
	}

	for (i = 0; i < m->nt; i++) {
		struct mtarget *t = &m->t[i];
		struct lt_callbacks cb = { monitor_on_period, NULL, t };
		struct lt_point stop = { t->next_seq, stop_mono, stop_real };
		struct store_target_summary ts;
		uint64_t decided = t->received + t->refused + t->lost + t->unknown;
		double loss = decided ? 100.0 * (double)t->lost / (double)decided : 0;
		int64_t avg = t->received ? t->rtt_sum / (int64_t)t->received : -1;
		int64_t p99 = rtthist_quantile(&t->hist, 0.99);
		char down[64];

		/* A bucket's midpoint can lie past the largest value seen. */
		if (p99 > t->rtt_max)
			p99 = t->rtt_max;
		/* Probes still unanswered after a forced stop are not counted. */
		lt_finish(&t->lt, &stop, &cb);
		monitor_flush_second(t);
		duration_format(t->downtime, down, sizeof(down));
		if (!print)
			;
		else if (m->o.format == MONITOR_JSON) {
			printf("{\"event\":\"summary\",\"target\":\"%s\",\"sent\":%" PRIu64
			       ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"late\":%" PRIu64
			       ",\"unreach\":%" PRIu64 ",\"refused\":%" PRIu64 ",\"loss_pct\":%.3f",
			       t->conf->name, decided, t->received, t->lost, t->late, t->unreach,
			       t->refused, loss);
			if (t->received)
				printf(",\"rtt_min_ms\":%.3f,\"rtt_avg_ms\":%.3f,\"rtt_p99_ms\":%.3f,\"rtt_max_ms\":%.3f",
				       t->rtt_min / 1e6, avg / 1e6, p99 / 1e6, t->rtt_max / 1e6);
			printf(",\"unknown\":%" PRIu64 ",\"unknown_ms\":%.3f", t->unknown, t->unknown_ns / 1e6);
			printf(",\"bursts\":%" PRIu64 ",\"outages\":%" PRIu64 ",\"downtime_ms\":%.3f"
			       ",\"send_errors\":%" PRIu64 ",\"foreign\":%" PRIu64 ",\"bad_check\":%" PRIu64
			       ",\"malformed\":%" PRIu64 ",\"stale\":%" PRIu64 ",\"dup\":%" PRIu64
			       ",\"transmitted\":%" PRIu64 "}\n",
			       t->bursts, t->outages, t->downtime / 1e6, t->send_errors, foreign, bad,
			       malformed, t->stale, t->dup, t->sent - t->send_errors);
		} else {
			printf("%s: %" PRIu64 " sent, %" PRIu64 " received, %.2f%% loss", t->conf->name,
			       decided, t->received, loss);
			if (t->refused)
				printf(", %" PRIu64 " refused", t->refused);
			if (t->received)
				printf(", rtt min/avg/p99/max %.3f/%.3f/%.3f/%.3f ms", t->rtt_min / 1e6,
				       avg / 1e6, p99 / 1e6, t->rtt_max / 1e6);
			printf(", %" PRIu64 " outage%s, %s down", t->outages,
			       t->outages == 1 ? "" : "s", down);
			if (t->unknown_ns > 0 || t->unknown > 0) {
				char unk[64];

				duration_format(t->unknown_ns, unk, sizeof(unk));
				printf(", %s unknown (%" PRIu64 " probes)", unk, t->unknown);
			}
			printf("\n");
		}
		if (m->o.store != NULL) {
			memset(&ts, 0, sizeof(ts));
			ts.session_id = m->o.session_id;
			ts.target_id = t->store_id;
			ts.sent = decided;
			ts.received = t->received;
			ts.lost = t->lost;
			ts.late = t->late;
			ts.unreach = t->unreach;
			ts.rtt_min_ns = t->rtt_min;
			ts.rtt_avg_ns = avg;
			ts.rtt_p99_ns = p99;
			ts.rtt_max_ns = t->rtt_max;
			ts.outages = t->outages;
			ts.downtime_ns = t->downtime;
			store_push_target_summary(m->o.store, &ts);
		}
	}
	if (log_verbosity() > 0) {
		struct monitor_lag lag;

		monitor_get_lag(m, &lag);
		log_info("packets: %" PRIu64 " foreign, %" PRIu64 " bad check, %" PRIu64
		         " malformed; scheduler lag p50 %.1f us, p99 %.1f us, max %.1f us, %" PRIu64
		         " deadlines skipped",
		         foreign, bad, malformed, lag.p50_ns / 1e3, lag.p99_ns / 1e3, lag.max_ns / 1e3,
		         lag.skipped);
		monitor_socket_counters(m);
	}
	fflush(stdout);
}

/* Number of targets whose state is UP. */
size_t
monitor_count_up(const struct monitor *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->nt; i++)
		n += m->t[i].lt.state == LT_UP;
	return n;
}

/* Comma-separated names of targets not UP. */
void
monitor_list_not_up(const struct monitor *m, char *buf, size_t len)
{
	size_t i, used = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < m->nt && used < len; i++)
		if (m->t[i].lt.state != LT_UP)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			                         m->t[i].conf->name);
}

/* A marker or span boundary: print it live and queue it for the store. */
void
monitor_mark(struct monitor *m, int64_t ts_ns, const char *kind, const char *label)
{
	struct store_event ev;
	char when[64], safe[256];

	log_escape(safe, sizeof(safe), label, strlen(label));
	if (!m->o.quiet) {
		if (m->o.format == MONITOR_JSON) {
			time_format_rfc3339(ts_ns, when, sizeof(when));
			printf("{\"event\":\"%s\",\"time\":\"%s\",\"label\":", kind, when);
			json_write_string(stdout, label);
			printf("}\n");
		} else {
			time_format_local(ts_ns, when, sizeof(when));
			printf("%s %s %s\n", when,
			       strcmp(kind, "marker") == 0 ? "MARK " :
			       strcmp(kind, "span-begin") == 0 ? "BEGIN" : "END  ", safe);
		}
		fflush(stdout);
	}
	if (m->o.store != NULL) {
		memset(&ev, 0, sizeof(ev));
		ev.session_id = m->o.session_id;
		ev.ts_ns = ts_ns;
		ev.kind = kind;
		ev.text = label;
		store_push_event(m->o.store, &ev);
	}
}

/* Scheduler lag figures. */
void
monitor_get_lag(const struct monitor *m, struct monitor_lag *out)
{
	out->sends = m->lag.count;
	out->skipped = m->skipped;
	out->max_ns = m->lag_max;
	out->p50_ns = rtthist_quantile(&m->lag, 0.5);
	out->p99_ns = rtthist_quantile(&m->lag, 0.99);
	/* Bucket midpoints can lie past the largest value seen. */
	if (out->p50_ns > out->max_ns)
		out->p50_ns = out->max_ns;
	if (out->p99_ns > out->max_ns)
		out->p99_ns = out->max_ns;
}

/* The monitor's monotonic clock. */
int64_t
monitor_now_mono(const struct monitor *m)
{
	return mclock_mono(&m->o.clock);
}

/* The monitor's wall clock. */
int64_t
monitor_now_real(const struct monitor *m)
{
	return mclock_real(&m->o.clock);
}

/* The store attached, or NULL. */
struct store *
monitor_store(const struct monitor *m)
{
	return m->o.store;
}

/* Number of targets. */
size_t
monitor_ntargets(const struct monitor *m)
{
	return m->nt;
}

/* Target i's figures, copied out as plain fields. */
void
monitor_target_stats(const struct monitor *m, size_t i, struct monitor_target_stats *out)
{
	const struct mtarget *t = &m->t[i];

	out->name = t->conf->name;
	out->url = t->conf->url;
	out->probe_mode = monitor_probe_mode(m, t->conf->proto == TARGET_TCP ? 1 : 0,
	                                     t->conf->family);
	out->state = t->lt.state == LT_UP ? MONITOR_STATE_UP :
	             t->lt.state == LT_DOWN ? MONITOR_STATE_DOWN : MONITOR_STATE_UNKNOWN;
	out->down_since_mono = t->lt.down_first.mono;
	out->sent = t->sent;
	out->send_errors = t->send_errors;
	out->received = t->received;
	out->lost = t->lost;
	out->unreach = t->unreach;
	out->late = t->late;
	out->refused = t->refused;
	out->unknown = t->unknown;
	out->bursts = t->bursts;
	out->outages = t->outages;
	out->downtime_ns = t->downtime;
	out->last_outage_ns = t->last_outage;
	out->unknown_ns = t->unknown_ns;
	out->rtt_max_ns = t->rtt_max;
	out->rtt_sum_ns = t->rtt_sum;
}

/* An RTT quantile of target i, capped at its largest RTT. */
int64_t
monitor_target_rtt_quantile(const struct monitor *m, size_t i, double q)
{
	const struct mtarget *t = &m->t[i];
	int64_t v = t->received ? rtthist_quantile(&t->hist, q) : -1;

	return v > t->rtt_max ? t->rtt_max : v;
}

/* The event base, for callers that add their own events. */
struct event_base *
monitor_base(struct monitor *m)
{
	return m->base;
}

/* Mechanism in use for a family. */
const char *
monitor_probe_mode(const struct monitor *m, int proto, int family)
{
	const struct pchan *c = &m->chan[(family == AF_INET6) + 2 * proto];

	return c->p != NULL ? c->ops->mode(c->p) : NULL;
}

/* Free events first, then probes (which close their fds), then memory. */
void
monitor_free(struct monitor *m)
{
	size_t i;

	if (m == NULL)
		return;
	monitor_aware_close(m);
	if (m->timer)
		event_free(m->timer);
	if (m->sigint)
		event_free(m->sigint);
	if (m->sigterm)
		event_free(m->sigterm);
	for (i = 0; i < 4; i++)
		if (m->chan[i].p)
			m->chan[i].ops->close(m->chan[i].p);
	for (i = 0; i < m->nt; i++)
		free(m->t[i].ring);
	free(m->t);
	free(m->heap);
	free(m->due);
	event_base_free(m->base);
	free(m);
}
