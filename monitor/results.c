/* SPDX-License-Identifier: ISC */
/* results.c: reply matching and what becomes of each probe. Each probe
 * carries (target index, 64-bit seq, keyed check); the probe module
 * verifies the check, here the sender address and the ring slot's seq must
 * agree. Outcomes are fed to the loss tracker strictly in sequence order:
 * probe n is decided when its reply arrives or its timeout passes, and
 * later outcomes wait for it, because a burst is a run of consecutive
 * losses. Transitions, bursts, samples and per-second aggregates go to the
 * live output and the store from here. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "monitor/aware.h"
#include "monitor/losstrack.h"
#include "monitor/mclock.h"
#include "monitor/monitor_int.h"
#include "monitor/rtthist.h"
#include "probes/probe.h"
#include "store/store.h"

/* ---- output ---- */

/* "10ms", "1.5ms", "250µs": a short form for the ± figure. */
static void
short_duration(int64_t ns, char *buf, size_t len)
{
	if (ns >= NSEC_PER_MSEC) {
		if (ns % NSEC_PER_MSEC == 0)
			snprintf(buf, len, "%" PRId64 "ms", (int64_t)(ns / NSEC_PER_MSEC));
		else
			snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	} else
		snprintf(buf, len, "%" PRId64 "µs", (int64_t)(ns / NSEC_PER_USEC));
}

/* Print a transition line (text or JSON) on stdout. */
static void
monitor_print_transition(struct mtarget *t, const struct lt_transition *tr, int64_t declared)
{
	struct monitor *m = t->m;
	char when[64], last[64], dur[64], pm[32];

	if (m->o.quiet)
		return;
	time_format_local(tr->effective.real, when, sizeof(when));
	if (m->o.format == MONITOR_JSON) {
		struct jsonw *j = jsonw_new(stdout);

		jsonw_obj_open(j);
		jsonw_string_field(j, "event", tr->to == LT_DOWN ? "down" : "up");
		jsonw_string_field(j, "target", t->conf->name);
		jsonw_time_field(j, "time", tr->effective.real);
		jsonw_time_field(j, "declared", declared);
		jsonw_uint_field(j, "seq", tr->effective.seq);
		if (tr->to == LT_DOWN && tr->last_reply_real > 0)
			jsonw_time_field(j, "last_reply", tr->last_reply_real);
		if (tr->outage != NULL) {
			jsonw_ms_field(j, "duration_ms", tr->outage->duration);
			jsonw_ms_field(j, "lower_ms", tr->outage->lower);
			jsonw_ms_field(j, "upper_ms", tr->outage->upper);
			jsonw_uint_field(j, "lost", tr->outage->lost);
		}
		jsonw_obj_close(j);
		jsonw_free(j);
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
void
monitor_on_period(void *arg, const struct lt_period *p)
{
	struct mtarget *t = arg;
	struct store_loss l;

	if (p->kind == LT_OUTAGE) {
		t->outages++;
		t->downtime += p->duration;
		t->last_outage = p->duration;
	} else {
		t->bursts++;
		if (monitor_has_listeners(t->m) && p->end_state == LT_END_CLOSED) {
			struct mev e;

			memset(&e, 0, sizeof(e));
			e.kind = MEV_BURST;
			e.target = t->idx;
			e.time_real = p->end_real;
			e.since_real = p->start_real;
			e.duration_ns = p->duration;
			e.lower_ns = p->lower;
			e.upper_ns = p->upper;
			e.lost = p->lost;
			e.seq = p->first_seq;
			monitor_emit(t->m, &e);
		}
	}
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

/* Print a transition and tell the listeners (also an announced DOWN,
 * prompt.c). */
void
monitor_announce(struct mtarget *t, const struct lt_transition *tr, int64_t now)
{
	monitor_print_transition(t, tr, now);
	if (monitor_has_listeners(t->m)) {
		struct mev e;

		memset(&e, 0, sizeof(e));
		e.kind = tr->to == LT_DOWN ? MEV_DOWN : MEV_UP;
		e.target = t->idx;
		e.time_real = tr->effective.real;
		e.declared_real = now;
		e.seq = tr->effective.seq;
		e.last_reply_real = tr->last_reply_real;
		e.duration_ns = -1;
		if (tr->outage != NULL) {
			e.since_real = tr->outage->start_real;
			e.duration_ns = tr->outage->duration;
			e.lower_ns = tr->outage->lower;
			e.upper_ns = tr->outage->upper;
			e.lost = tr->outage->lost;
		}
		if (tr->to == LT_DOWN || tr->to == LT_UP)
			monitor_emit(t->m, &e);
	}
}

/* A transition was declared: print it (unless it was announced early,
 * prompt.c: then it is stored with the announcement's time) and queue it. */
static void
monitor_on_transition(void *arg, const struct lt_transition *tr)
{
	struct mtarget *t = arg;
	struct store_transition st;
	int64_t now = mclock_real(&t->m->o.clock);

	if (tr->to != LT_DOWN || !prompt_confirm(t, &now))
		monitor_announce(t, tr, now);
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
void
monitor_flush_second(struct mtarget *t)
{
	if (t->sec.sent > 0 && t->m->o.store != NULL) {
		t->sec.session_id = t->m->o.session_id;
		t->sec.target_id = t->store_id;
		store_push_second(t->m->o.store, &t->sec);
	}
	if (t->sec.sent > 0 && monitor_has_listeners(t->m)) {
		struct mev e;

		memset(&e, 0, sizeof(e));
		e.kind = MEV_SECOND;
		e.target = t->idx;
		e.time_real = t->sec.second * NSEC_PER_SEC;
		e.duration_ns = -1;
		e.second = t->sec.second;
		e.sent = t->sec.sent;
		e.received = t->sec.received;
		e.rtt_min_ns = t->sec.rtt_min_ns;
		e.rtt_max_ns = t->sec.rtt_max_ns;
		e.rtt_sum_ns = t->sec.rtt_sum_ns;
		monitor_emit(t->m, &e);
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
			struct jsonw *j = jsonw_new(stdout);

			jsonw_obj_open(j);
			jsonw_string_field(j, "event", t->refusing ? "refused" : "accepting");
			jsonw_string_field(j, "target", t->conf->name);
			jsonw_time_field(j, "time", s->tx_real);
			jsonw_uint_field(j, "seq", s->seq);
			jsonw_obj_close(j);
			jsonw_free(j);
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

/* The bucket of monitor_rtt_bounds_ns an RTT falls in (le: upper bound included). */
static size_t
monitor_rtt_bucket(int64_t rtt)
{
	size_t b;

	for (b = 0; b < MONITOR_RTT_BUCKETS - 1; b++)
		if (rtt <= monitor_rtt_bounds_ns[b])
			break;
	return b;
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

	/* Lost while the monitor could not see: unknown, never a loss. An
	 * answer whose RTT is in doubt (a link window: it may have waited for
	 * the path to come back; a clock step) is unknown too, never an RTT
	 * sample, though it still proves the target was there. */
	if (s->state == SLOT_LOCALFAIL || (ok ? aware_doubts_answer(t->m->aw, t->idx, s->tx_mono)
					      : aware_covers(t->m->aw, t->idx, s->tx_mono))) {
		t->unknown++;
		if (!ok)
			prompt_unknown(t, s->seq);
		if (t->m->o.samples && t->m->o.store != NULL) {
			smp.session_id = t->m->o.session_id;
			smp.target_id = t->store_id;
			smp.seq = s->seq;
			smp.tx_ns = s->tx_real;
			smp.rtt_ns = -1;
			smp.result = PROBE_UNKNOWN;
			store_push_sample(t->m->o.store, &smp);
		}
		if (ok)
			lt_probe_ok(&t->lt, &p, s->tx_real + s->rtt, &cb);
		if (s->state != SLOT_TIMEDOUT)
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
		size_t b = monitor_rtt_bucket(s->rtt);

		rtthist_add(&t->hist, s->rtt);
		t->rtt_bucket[b]++;
		prompt_rtt(t, b);
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
		smp.result = s->state == SLOT_OK        ? PROBE_OK
			     : s->state == SLOT_REFUSED ? PROBE_REFUSED
			     : s->state == SLOT_UNREACH ? PROBE_UNREACH
							: PROBE_TIMEOUT;
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
void
monitor_advance(struct mtarget *t, int64_t now)
{
	while (t->resolve_seq < t->next_seq) {
		struct slot *s = &t->ring[t->resolve_seq & t->mask];

		if (s->state == SLOT_PENDING) {
			if (s->tx_mono + t->conf->timeout_ns > now)
				break;
			/* Its reply may have come in time and been dropped by
			 * our own socket: learn of drops up to its deadline
			 * before calling it lost (rxsync.c, monitor_rx_sync). */
			if (t->m->rx_asked < s->tx_mono + t->conf->timeout_ns)
				monitor_rx_sync(t->m, 1);
			s->state = SLOT_TIMEDOUT;
			if (t->ops->forget != NULL)
				t->ops->forget(t->probe, t->idx, s->seq);
		}
		monitor_decide(t, s);
		t->resolve_seq++;
	}
}

/* Record a reply (or ICMP error) that proves it answers one of our probes.
 * Returns the target's index when it answered a pending probe (the
 * scheduler then moves the target on: sched.c, monitor_on_reply), else -1. */
int
monitor_record_reply(struct monitor *m, const struct probe_reply *r)
{
	struct mtarget *t;
	struct slot *s;
	const struct sockaddr_storage *want;

	if (r->tid >= m->nt) {
		m->foreign_addr++;
		return -1;
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
		return -1;
	}
	s = &t->ring[r->seq & t->mask];
	if (s->seq != r->seq || s->state == SLOT_EMPTY) {
		t->stale++;
		return -1;
	}
	switch (s->state) {
	case SLOT_PENDING:
		if (r->result == PROBE_OK) {
			s->rtt = r->rx_real_ns - s->tx_real;
			if (s->rtt < 0)
				s->rtt = 0;
			aware_after_reply(m->aw, t->idx, s->tx_mono, s->tx_mono + s->rtt);
			if (s->rtt > t->conf->timeout_ns) {
				/* Read late (we were busy) but answered late too. */
				s->state = SLOT_TIMEDOUT;
				t->late++;
			} else {
				s->state = SLOT_OK;
				prompt_answered(t, s->seq, mclock_mono(&m->o.clock));
			}
		} else if (r->result == PROBE_REFUSED) {
			s->rtt = r->rx_real_ns - s->tx_real;
			if (s->rtt < 0)
				s->rtt = 0;
			aware_after_reply(m->aw, t->idx, s->tx_mono, s->tx_mono + s->rtt);
			s->state = SLOT_REFUSED;
			prompt_answered(t, s->seq, mclock_mono(&m->o.clock));
		} else
			s->state = SLOT_UNREACH;
		return (int)r->tid;
	case SLOT_TIMEDOUT:
		if (r->result == PROBE_OK) {
			t->late++;
			aware_after_reply(m->aw, t->idx, s->tx_mono,
					  s->tx_mono + (r->rx_real_ns - s->tx_real));
		}
		break;
	default:
		t->dup++;
		break;
	}
	return -1;
}
