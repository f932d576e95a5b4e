/* awareness.c: the monitor's view of itself. Netlink events about its own
 * links, neighbours and routes are shown and stored; the times when it
 * could not see a target (egress link down, sends failing locally, its own
 * stalls, wall-clock steps) become UNKNOWN windows, and a probe lost inside
 * one is not counted as the target's loss. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/json.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "monitor/mclock.h"
#include "monitor/monitor_int.h"
#include "probes/netlink.h"


/* Queue an event row for the store. */
static void
aware_store_event(struct monitor *m, int tid, int64_t ts, const char *kind, const char *text)
{
	struct store_event ev;

	if (m->o.store == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.session_id = m->o.session_id;
	ev.target_id = tid >= 0 ? m->t[tid].store_id : 0;
	ev.ts_ns = ts;
	ev.kind = kind;
	ev.text = text;
	store_push_event(m->o.store, &ev);
}

/* Does window w apply to target t? */
static int
window_applies(const struct uwindow *w, const struct mtarget *t)
{
	if (w->tid >= 0)
		return (uint32_t)w->tid == t->idx;
	return w->ifindex == 0 || w->ifindex == t->ifindex;
}

/* Open a window; returns its slot. */
int
monitor_window_open(struct monitor *m, int64_t start_mono, int64_t start_real, int ifindex, int tid,
                    const char *reason)
{
	int i = (int)(m->nwin++ % MONITOR_MAX_WINDOWS);
	struct uwindow *w = &m->win[i];

	w->start_mono = start_mono;
	w->start_real = start_real;
	w->end_mono = INT64_MAX;
	w->ifindex = ifindex;
	w->tid = tid;
	snprintf(w->reason, sizeof(w->reason), "%s", reason);
	return i;
}

/* Close a window: count its time for the targets it covers, show, store. */
void
monitor_window_close(struct monitor *m, int i, int64_t end_mono, int64_t end_real)
{
	struct uwindow *w = &m->win[i];
	int64_t dur;
	char text[192], when[64], until[64];
	size_t k;

	if (w->end_mono != INT64_MAX)
		return;
	if (end_mono < w->start_mono)
		end_mono = w->start_mono;
	w->end_mono = end_mono;
	dur = end_mono - w->start_mono;
	for (k = 0; k < m->nt; k++)
		if (window_applies(w, &m->t[k]))
			m->t[k].unknown_ns += dur;
	if (w->tid < 0 && w->ifindex == 0)
		m->unknown_ns += dur;
	time_format_clock(end_real, until, sizeof(until));
	/* The text starts with the duration in ms so a report can add them up. */
	snprintf(text, sizeof(text), "%.3f ms: %s (until %s)", dur / 1e6, w->reason, until);
	aware_store_event(m, w->tid, w->start_real, "unknown", text);
	if (m->o.quiet)
		return;
	if (m->o.format == MONITOR_JSON) {
		time_format_rfc3339(w->start_real, when, sizeof(when));
		printf("{\"event\":\"unknown\",\"target\":");
		if (w->tid >= 0)
			json_write_string(stdout, m->t[w->tid].conf->name);
		else
			printf("null");
		printf(",\"time\":\"%s\",\"duration_ms\":%.3f,\"reason\":", when, dur / 1e6);
		json_write_string(stdout, w->reason);
		printf("}\n");
	} else {
		time_format_local(w->start_real, when, sizeof(when));
		printf("%s %s UNKNOWN %s for %.1f ms\n", when,
		       w->tid >= 0 ? m->t[w->tid].conf->name : "*", w->reason, dur / 1e6);
	}
	fflush(stdout);
}

/* Is a probe of t sent at tx_mono inside a window that applies to t? */
int
monitor_window_covers(const struct monitor *m, const struct mtarget *t, int64_t tx_mono)
{
	uint64_t n = m->nwin < MONITOR_MAX_WINDOWS ? m->nwin : MONITOR_MAX_WINDOWS;
	uint64_t i;

	for (i = 0; i < n; i++) {
		const struct uwindow *w = &m->win[i];

		if (tx_mono >= w->start_mono && tx_mono < w->end_mono && window_applies(w, t))
			return 1;
	}
	return 0;
}

/* The open window for an egress link, or -1. */
static int
window_for_link(const struct monitor *m, int ifindex)
{
	uint64_t n = m->nwin < MONITOR_MAX_WINDOWS ? m->nwin : MONITOR_MAX_WINDOWS;
	uint64_t i;

	for (i = 0; i < n; i++)
		if (m->win[i].ifindex == ifindex && m->win[i].tid < 0 &&
		    m->win[i].end_mono == INT64_MAX)
			return (int)i;
	return -1;
}

/* A netlink event, once per target it concerns (tid -1: none). */
static void
monitor_on_nl(const struct nlw_event *ev, int tid, void *arg)
{
	struct monitor *m = arg;
	const char *cls = nlw_kind_class(ev->kind);
	char when[64], reason[96];
	int w;

	/* Link changes of an egress link open and close its window. */
	if (tid >= 0 && ev->kind == NLW_LINK_DOWN && window_for_link(m, ev->ifindex) < 0) {
		snprintf(reason, sizeof(reason), "egress link %s down", ev->ifname);
		monitor_window_open(m, ev->rx_mono_ns - MONITOR_NL_MARGIN_NS,
		                    ev->rx_real_ns - MONITOR_NL_MARGIN_NS, ev->ifindex, -1, reason);
	} else if (ev->kind == NLW_LINK_UP && (w = window_for_link(m, ev->ifindex)) >= 0)
		monitor_window_close(m, w, ev->rx_mono_ns + MONITOR_NL_MARGIN_NS,
		                     ev->rx_real_ns + MONITOR_NL_MARGIN_NS);
	if (tid >= 0 && (ev->kind == NLW_ROUTE_ADD || ev->kind == NLW_ROUTE_DEL)) {
		int ifx = nlwatch_target_ifindex(m->nl, tid);

		if (ifx >= 0)
			m->t[tid].ifindex = ifx;
	}

	/* Only what concerns a target, and the view being lost or regained. */
	if (tid < 0 && ev->kind != NLW_OVERRUN && ev->kind != NLW_RESYNCED)
		return;
	aware_store_event(m, tid, ev->rx_real_ns, cls, ev->text);
	if (m->o.quiet)
		return;
	if (m->o.format == MONITOR_JSON) {
		time_format_rfc3339(ev->rx_real_ns, when, sizeof(when));
		printf("{\"event\":\"%s\",\"target\":", cls);
		if (tid >= 0)
			json_write_string(stdout, m->t[tid].conf->name);
		else
			printf("null");
		printf(",\"time\":\"%s\",\"kind\":\"%s\",\"ifname\":", when, nlw_kind_name(ev->kind));
		json_write_string(stdout, ev->ifname);
		printf(",\"state\":");
		json_write_string(stdout, ev->state);
		printf(",\"address\":");
		json_write_string(stdout, ev->address);
		printf(",\"lladdr\":");
		json_write_string(stdout, ev->lladdr);
		printf(",\"text\":");
		json_write_string(stdout, ev->text);
		printf("}\n");
	} else {
		time_format_local(ev->rx_real_ns, when, sizeof(when));
		printf("%s %s %-5s %s\n", when, tid >= 0 ? m->t[tid].conf->name : "*", cls, ev->text);
	}
	fflush(stdout);
}

/* Open the netlink watch (a failure is a warning: probing goes on) and
 * learn each target's egress link, source and gateway. */
int
monitor_aware_open(struct monitor *m, char *err, size_t errlen)
{
	size_t i;

	m->stall_win = -1;
	for (i = 0; i < m->nt; i++)
		m->t[i].sendfail_win = -1;
	if (m->o.no_netlink)
		return 0;
	if ((m->nl = nlwatch_open(m->base, monitor_on_nl, m, err, errlen)) == NULL) {
		log_warnx("netlink: %s; link and neighbour events will not be seen", err);
		return 0;
	}
	for (i = 0; i < m->nt; i++) {
		struct mtarget *t = &m->t[i];
		struct nlw_route r;
		char e[256];

		if (nlwatch_route_lookup(m->nl, (const struct sockaddr *)&t->conf->addr, &r, e,
		                         sizeof(e)) == 0) {
			t->ifindex = r.ifindex;
			snprintf(t->egress, sizeof(t->egress), "%s", r.ifname);
			snprintf(t->src, sizeof(t->src), "%s", r.src_text);
			snprintf(t->gateway, sizeof(t->gateway), "%s", r.gw_text);
		} else
			log_debug("%s: %s", t->conf->name, e);
		nlwatch_watch_target(m->nl, (int)i, (const struct sockaddr *)&t->conf->addr);
	}
	return 0;
}

/* Show and store each target's path as the kernel routes it now. */
void
monitor_describe_paths(struct monitor *m)
{
	char text[256];
	size_t i;

	for (i = 0; i < m->nt; i++) {
		struct mtarget *t = &m->t[i];

		if (t->egress[0] == '\0')
			snprintf(text, sizeof(text), "no route known");
		else
			snprintf(text, sizeof(text), "via %s%s%s%s%s", t->egress,
			         t->src[0] ? " src " : "", t->src, t->gateway[0] ? " gw " : "",
			         t->gateway);
		aware_store_event(m, (int)i, mclock_real(&m->o.clock), "path", text);
		if (!m->o.quiet)
			log_info("%s (%s): %s", t->conf->name, t->conf->url, text);
	}
}

/* After each send: a clock step, or a local failure opening/closing the
 * target's window. (Stalls are caught once per timer round.) */
void
monitor_aware_after_send(struct mtarget *t, int64_t deadline, int64_t tx_mono, int64_t tx_real,
                         int err)
{
	struct monitor *m = t->m;
	int64_t off = tx_real - tx_mono;
	char reason[96];

	if (m->clock_offset != 0 && llabs(off - m->clock_offset) > MONITOR_CLOCK_STEP_NS) {
		int w;

		snprintf(reason, sizeof(reason), "wall clock stepped by %+.1f ms",
		         (off - m->clock_offset) / 1e6);
		aware_store_event(m, -1, tx_real, "clock-step", reason);
		/* Probes of the last interval carry times on both sides of the step. */
		w = monitor_window_open(m, tx_mono - t->conf->interval_ns, tx_real - t->conf->interval_ns,
		                        0, -1, reason);
		monitor_window_close(m, w, tx_mono, tx_real);
	}
	m->clock_offset = off;
	if (err != 0 && t->sendfail_win < 0) {
		snprintf(reason, sizeof(reason), "sends fail here: %s", strerror(err));
		t->sendfail_win = monitor_window_open(m, tx_mono, tx_real, 0, (int)t->idx, reason);
	} else if (err == 0 && t->sendfail_win >= 0) {
		monitor_window_close(m, t->sendfail_win, tx_mono, tx_real);
		t->sendfail_win = -1;
	}
	(void)deadline;
}

/* The timer ran late: everything between key and now went unobserved. */
void
monitor_aware_stall(struct monitor *m, int64_t key, int64_t now)
{
	char reason[96];
	int64_t late = now - key;
	int w;

	snprintf(reason, sizeof(reason), "monitor stalled (timer %.1f ms late)", late / 1e6);
	w = monitor_window_open(m, key, mclock_real(&m->o.clock) - late, 0, -1, reason);
	monitor_window_close(m, w, now, mclock_real(&m->o.clock));
}

/* Close what is open and store the scheduler's timing figures. */
void
monitor_aware_finish(struct monitor *m)
{
	struct monitor_lag lag;
	int64_t now = mclock_mono(&m->o.clock), real = mclock_real(&m->o.clock);
	uint64_t n = m->nwin < MONITOR_MAX_WINDOWS ? m->nwin : MONITOR_MAX_WINDOWS;
	uint64_t i;
	char text[192];

	for (i = 0; i < n; i++)
		if (m->win[i].end_mono == INT64_MAX)
			monitor_window_close(m, (int)i, now, real);
	monitor_get_lag(m, &lag);
	snprintf(text, sizeof(text),
	         "sends %" PRIu64 ", lag p50 %.1f us, p99 %.1f us, max %.1f us, %" PRIu64
	         " deadlines skipped",
	         lag.sends, lag.p50_ns / 1e3, lag.p99_ns / 1e3, lag.max_ns / 1e3, lag.skipped);
	aware_store_event(m, -1, real, "scheduler", text);
}

/* Stop watching. */
void
monitor_aware_close(struct monitor *m)
{
	nlwatch_free(m->nl);
	m->nl = NULL;
}
