/* SPDX-License-Identifier: ISC */
/* rxsync.c: replies the kernel dropped at hamon's own sockets. Each
 * channel's drop counter is taken (and, when asked, read from the kernel)
 * before any probe is called lost, and a drop opens an rx-drop UNKNOWN
 * window (report/FORMATS.md says why its span is what it is); the receive
 * buffers are sized for the rate asked. The scheduler (sched.c) and the
 * loss decisions (results.c) call in; nothing here calls back. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "monitor/aware.h"
#include "monitor/mclock.h"
#include "monitor/monitor_int.h"
#include "probes/probe.h"

static const char *const monitor_chan_names[] = { "icmp4", "icmp6", "tcp4", "tcp6" };

/* Is channel i the first to hold its probe (unit tests share one)? */
static int
monitor_chan_first(const struct monitor *m, size_t i)
{
	size_t j;

	if (m->chan[i].p == NULL)
		return 0;
	for (j = 0; j < i; j++)
		if (m->chan[j].p == m->chan[i].p)
			return 0;
	return 1;
}

/* Close channel c's rx-drop window where its drops end. */
static void
monitor_rx_close(struct monitor *m, struct pchan *c)
{
	int64_t off = mclock_real(&m->o.clock) - mclock_mono(&m->o.clock);

	if (c->rxwin == 0)
		return;
	aware_window_close(m->aw, c->rxwin, c->rxwin_end, c->rxwin_end + off);
	c->rxwin = 0;
}

/*
 * Fresh drops on channel c's socket: the dropped packets arrived after
 * d->after_real and before d->before_real. A reply among them answered a
 * probe sent before it arrived, and no longer ago than the probe's
 * timeout (a reply later than that is late, a loss whatever became of
 * it). So the probes whose replies may be lost to us were sent in
 *
 *     [after - longest timeout, before)
 *
 * and that is the window, scope ALL: one raw socket reads every target of
 * its kind and family, and a packet it never queued cannot be told apart.
 * Only probes left unanswered are affected by a window, so answered ones
 * stay answered. Drops in quick succession extend the open window; one
 * that cannot reach back to its end closes it and opens another, so a
 * quiet stretch between two drops is not unknown. The window is decided
 * before any probe it covers: results.c asks the kernel for its counters
 * before calling a probe lost whose deadline is later than the last ask.
 */
static void
monitor_rx_window(struct monitor *m, size_t i, const struct probe_rxdrop *d)
{
	struct pchan *c = &m->chan[i];
	int64_t off = mclock_real(&m->o.clock) - mclock_mono(&m->o.clock);
	int64_t start = d->after_real - off - m->max_timeout, end = d->before_real - off;
	char reason[AWARE_REASON_LEN];

	if (start < m->start_mono)
		start = m->start_mono;
	if (c->rxwin != 0 && start > c->rxwin_end)
		monitor_rx_close(m, c);
	if (c->rxwin == 0) {
		snprintf(reason, sizeof(reason),
			 "%s receive queue full: the kernel dropped replies to us",
			 monitor_chan_names[i]);
		c->rxwin = aware_window_open(m->aw, AWARE_SCOPE_ALL, 0, NULL, -1, "rx-drop", reason,
					     start, start + off);
		c->rxwin_end = end;
	} else if (end > c->rxwin_end)
		c->rxwin_end = end;
	log_debug("%s: the kernel dropped %" PRIu64 " packets between %.3f and %.3f s; "
		  "probes sent from %.3f s on are unknown unless answered",
		  monitor_chan_names[i], d->fresh, (d->after_real - m->start_real) / 1e9,
		  (d->before_real - m->start_real) / 1e9, (start - m->start_mono) / 1e9);
}

/* Take every channel's fresh drops; with ask, read the kernel's counters. */
void
monitor_rx_sync(struct monitor *m, int ask)
{
	struct probe_rxdrop d;
	size_t i;

	for (i = 0; i < 4; i++) {
		struct pchan *c = &m->chan[i];

		if (!monitor_chan_first(m, i) || c->ops->rxdrops == NULL)
			continue;
		if (c->ops->rxdrops(c->p, ask, &d))
			monitor_rx_window(m, i, &d);
		else if (ask)
			monitor_rx_close(m, c); /* the kernel says: none since */
	}
	if (ask)
		m->rx_asked = mclock_mono(&m->o.clock);
}

/* Receive buffer bytes for channel i: its replies over MONITOR_RX_HOLD_NS. */
static size_t
monitor_rx_need(const struct monitor *m, size_t i)
{
	double rate = 0, need;
	size_t k;

	for (k = 0; k < m->nt; k++)
		if (m->t[k].probe == m->chan[i].p)
			rate += 1e9 / (double)m->t[k].conf->interval_ns;
	need = rate * MONITOR_RX_CHARGE * ((double)MONITOR_RX_HOLD_NS / 1e9);
	if (need > (double)(1u << 30))
		need = (double)(1u << 30);
	return (size_t)need;
}

/* Size each socket's receive buffer; say so when it is smaller than needed. */
void
monitor_size_rx(struct monitor *m)
{
	size_t i, need, want, got, cap;

	for (i = 0; i < 4; i++) {
		struct pchan *c = &m->chan[i];

		if (!monitor_chan_first(m, i) || c->ops->rcvbuf == NULL)
			continue;
		need = monitor_rx_need(m, i);
		want = m->o.rcvbuf > 0 ? m->o.rcvbuf : need;
		if (m->o.rcvbuf == 0 && want < MONITOR_RX_MIN_BYTES)
			want = MONITOR_RX_MIN_BYTES;
		c->ops->rcvbuf(c->p, want, &got, &cap);
		if (got >= need)
			continue;
		if (cap > 0 && m->o.rcvbuf == 0)
			log_warnx("%s: receive buffer %zu bytes, %zu needed to hold 1 s of "
				  "replies (net.core.rmem_max %zu; raise it or run with "
				  "CAP_NET_ADMIN)",
				  monitor_chan_names[i], got, need, cap);
		else
			log_warnx("%s: receive buffer %zu bytes, %zu needed to hold 1 s of "
				  "replies%s",
				  monitor_chan_names[i], got, need,
				  m->o.rcvbuf > 0 ? " (--rcvbuf)" : "");
	}
}
