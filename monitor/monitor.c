/* SPDX-License-Identifier: ISC */
/* monitor.c: the monitor's life cycle (probe channels, targets, the loop,
 * signals), its summary and markers, and the getters of monitor.h. The
 * scheduler is in sched.c, reply matching and results in results.c,
 * UNKNOWN windows and netlink in awareness.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/json.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/siphash.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "monitor/aware.h"
#include "monitor/events.h"
#include "monitor/losstrack.h"
#include "monitor/monitor.h"
#include "monitor/mclock.h"
#include "monitor/monitor_int.h"
#include "monitor/rtthist.h"
#include "probes/probe.h"
#include "store/store.h"

/*
 * Every signal whose default would end the process, except those a
 * debugger or profiler owns (SIGTRAP, SIGPROF) and the fatal ones: each
 * ends the monitor cleanly, with its summary, everything committed and the
 * session closed. A dropped ssh session (SIGHUP) is one of them.
 */
const int monitor_stop_signals[MONITOR_NSTOP_SIGNALS] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR2, SIGALRM, SIGVTALRM, SIGXCPU, SIGPWR,
};

/* A stop signal: the first stops sending, the second quits at once. */
static void
monitor_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct monitor *m = arg;

	(void)what;
	if (m->signals == 0 && sig != SIGINT && sig != SIGTERM)
		log_info("%s: stopping", strsignal((int)sig));
	if (++m->signals > 1) {
		log_warnx("second signal: stopping without waiting for replies");
		event_base_loopbreak(m->base);
		return;
	}
	monitor_stop(m);
}

/* SIGUSR1: interim figures of every target. */
static void
monitor_usr1_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	monitor_interim(arg);
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
	return monitor_new_with_probe(o, NULL, NULL, err, errlen);
}

const int64_t monitor_rtt_bounds_ns[MONITOR_RTT_BUCKETS - 1] = {
	25000,	   50000,     100000,	  250000,     500000,	  1000000,
	2500000,   5000000,   10000000,	  25000000,   50000000,	  100000000,
	250000000, 500000000, 1000000000, 2500000000,
};

/* An UNKNOWN window closed (awareness.c): tell the listeners. */
static void
monitor_window_closed(void *arg, int target, const char *ifname, const char *code,
		      const char *reason, int64_t start_real, int64_t duration_ns)
{
	struct monitor *m = arg;
	struct mev e;

	if (!monitor_has_listeners(m))
		return;
	memset(&e, 0, sizeof(e));
	e.kind = MEV_UNKNOWN;
	e.target = target >= 0 ? (size_t)target : MEV_NO_TARGET;
	e.time_real = start_real;
	e.since_real = start_real;
	e.duration_ns = e.lower_ns = e.upper_ns = duration_ns;
	e.label = code;
	e.reason = reason;
	e.ifname = ifname != NULL && ifname[0] != '\0' ? ifname : NULL;
	monitor_emit(m, &e);
}

/* Build the monitor; with ops and p, every channel is that probe. */
struct monitor *
monitor_new_with_probe(const struct monitor_opts *o, const struct probe_ops *ops, struct probe *p,
		       char *err, size_t errlen)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	struct aware_opts ao;
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
	for (i = 0; ops != NULL && p != NULL && i < 4; i++) {
		m->chan[i].ops = ops;
		m->chan[i].p = p;
	}
	for (i = 0; i < o->ntargets; i++)
		if (monitor_chan(m, &o->targets[i], err, errlen) == NULL)
			goto fail;

	m->timer = event_new(m->base, -1, 0, monitor_timer_cb, m);
	for (i = 0; !o->no_signals && i < MONITOR_NSTOP_SIGNALS; i++) {
		m->sig[i] = evsignal_new(m->base, monitor_stop_signals[i], monitor_signal_cb, m);
		event_add(m->sig[i], NULL);
	}
	m->sigusr1 = evsignal_new(m->base, SIGUSR1, monitor_usr1_cb, m);
	event_add(m->sigusr1, NULL);
	/* A file grown past RLIMIT_FSIZE: the write fails (EFBIG) and the store
	 * says so, rather than the process dying without its summary. */
	signal(SIGXFSZ, SIG_IGN);

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
		if (t->conf->timeout_ns > m->max_timeout)
			m->max_timeout = t->conf->timeout_ns;
	}
	monitor_size_rx(m);
	m->heaplen = m->nt;
	memset(&ao, 0, sizeof(ao));
	ao.base = m->base;
	ao.targets = o->targets;
	ao.ntargets = o->ntargets;
	ao.clock = o->clock;
	ao.quiet = o->quiet;
	ao.format = o->format;
	ao.no_netlink = o->no_netlink;
	ao.on_window = monitor_window_closed;
	ao.on_window_arg = m;
	m->aw = aware_new(&ao);
	return m;

fail:
	for (i = 0; i < 4; i++)
		if (m->chan[i].p)
			m->chan[i].ops->close(m->chan[i].p);
	event_base_free(m->base);
	free(m);
	return NULL;
}

/* Run the loop until every target is finished. */
int
monitor_loop(struct monitor *m)
{
	monitor_sched_start(m);
	event_base_dispatch(m->base);
	return 0;
}

/* Record into a store from now on. */
void
monitor_attach_store(struct monitor *m, struct store *st, int64_t session_id)
{
	m->o.store = st;
	m->o.session_id = session_id;
	aware_attach_store(m->aw, st, session_id);
}

/* Remember the store's id for target i. */
void
monitor_set_store_id(struct monitor *m, size_t i, int64_t id)
{
	if (i < m->nt)
		m->t[i].store_id = id;
	aware_set_store_id(m->aw, i, id);
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
		if (m->o.format == MONITOR_JSON) {
			struct jsonw *j = jsonw_new(stdout);

			jsonw_obj_open(j);
			jsonw_string_field(j, "event", "packets");
			jsonw_string_field(j, "socket", names[i]);
			jsonw_string_field(j, "mode", m->chan[i].ops->mode(m->chan[i].p));
			jsonw_uint_field(j, "sent", c.sent);
			jsonw_uint_field(j, "send_errors", c.send_errors);
			jsonw_uint_field(j, "received", c.received);
			jsonw_uint_field(j, "matched", c.matched);
			jsonw_uint_field(j, "foreign", c.foreign);
			jsonw_uint_field(j, "bad_check", c.bad_check);
			jsonw_uint_field(j, "malformed", c.malformed);
			jsonw_uint_field(j, "rx_drops", c.rx_drops);
			jsonw_obj_close(j);
			jsonw_free(j);
		} else
			log_info("packets %s (%s): %" PRIu64 " sent, %" PRIu64
				 " send errors, %" PRIu64 " read, %" PRIu64 " matched, %" PRIu64
				 " foreign, %" PRIu64 " bad check, %" PRIu64 " malformed, %" PRIu64
				 " dropped by the kernel",
				 names[i], m->chan[i].ops->mode(m->chan[i].p), c.sent,
				 c.send_errors, c.received, c.matched, c.foreign, c.bad_check,
				 c.malformed, c.rx_drops);
	}
}

/* Close the open UNKNOWN windows and store the scheduler's timing figures
 * (the loop has ended: the synchronous store call waits for nothing that
 * probes). */
static void
monitor_finish_aware(struct monitor *m, int64_t now_mono, int64_t now_real)
{
	struct monitor_lag lag;
	struct store_sched sc;

	/* Drops up to now first, so the rx-drop windows end where they do. */
	monitor_rx_sync(m, 1);
	aware_finish(m->aw, now_mono, now_real);
	if (m->o.store == NULL)
		return;
	monitor_get_lag(m, &lag);
	sc.sends = lag.sends;
	sc.skipped = lag.skipped;
	sc.lag_p50_ns = lag.p50_ns;
	sc.lag_p99_ns = lag.p99_ns;
	sc.lag_max_ns = lag.max_ns;
	store_session_sched(m->o.store, m->o.session_id, &sc);
}

/* The foreign, bad-check and malformed packets of every probe socket. */
static void
monitor_packet_totals(struct monitor *m, uint64_t *foreign, uint64_t *bad, uint64_t *malformed,
		      uint64_t *rx_drops)
{
	struct probe_counters c4;
	size_t i;

	*foreign = m->foreign_addr;
	*bad = *malformed = *rx_drops = 0;
	for (i = 0; i < 4; i++) {
		if (m->chan[i].p == NULL)
			continue;
		memset(&c4, 0, sizeof(c4));
		m->chan[i].ops->counters(m->chan[i].p, &c4);
		*foreign += c4.foreign;
		*bad += c4.bad_check;
		*malformed += c4.malformed;
		*rx_drops += c4.rx_drops;
	}
}

/* Target i's figures so far on stdout: event "summary" at the end,
 * "interim" on SIGUSR1. */
static void
monitor_print_target(struct monitor *m, size_t i, const char *event, uint64_t foreign, uint64_t bad,
		     uint64_t malformed, uint64_t rx_drops)
{
	struct mtarget *t = &m->t[i];
	uint64_t decided = t->received + t->refused + t->lost + t->unknown;
	double loss = decided ? 100.0 * (double)t->lost / (double)decided : 0;
	int64_t avg = t->received ? t->rtt_sum / (int64_t)t->received : -1;
	int64_t p99 = monitor_target_rtt_quantile(m, i, 0.99);
	char down[64];

	duration_format(t->downtime, down, sizeof(down));
	if (m->o.format == MONITOR_JSON) {
		struct jsonw *j = jsonw_new(stdout);

		jsonw_obj_open(j);
		jsonw_string_field(j, "event", event);
		jsonw_string_field(j, "target", t->conf->name);
		jsonw_uint_field(j, "sent", decided);
		jsonw_uint_field(j, "received", t->received);
		jsonw_uint_field(j, "lost", t->lost);
		jsonw_uint_field(j, "late", t->late);
		jsonw_uint_field(j, "unreach", t->unreach);
		jsonw_uint_field(j, "refused", t->refused);
		jsonw_float_field(j, "loss_pct", loss, 3);
		if (t->received) {
			jsonw_ms_field(j, "rtt_min_ms", t->rtt_min);
			jsonw_ms_field(j, "rtt_avg_ms", avg);
			jsonw_ms_field(j, "rtt_p99_ms", p99);
			jsonw_ms_field(j, "rtt_max_ms", t->rtt_max);
		}
		jsonw_uint_field(j, "unknown", t->unknown);
		jsonw_ms_field(j, "unknown_ms", aware_unknown_ns(m->aw, i));
		jsonw_uint_field(j, "bursts", t->bursts);
		jsonw_uint_field(j, "outages", t->outages);
		jsonw_ms_field(j, "downtime_ms", t->downtime);
		jsonw_uint_field(j, "send_errors", t->send_errors);
		jsonw_uint_field(j, "foreign", foreign);
		jsonw_uint_field(j, "bad_check", bad);
		jsonw_uint_field(j, "malformed", malformed);
		jsonw_uint_field(j, "rx_drops", rx_drops);
		jsonw_uint_field(j, "stale", t->stale);
		jsonw_uint_field(j, "dup", t->dup);
		jsonw_obj_close(j);
		jsonw_free(j);
		return;
	}
	printf("%s%s: %" PRIu64 " sent, %" PRIu64 " received, %.2f%% loss", t->conf->name,
	       strcmp(event, "summary") == 0 ? "" : " (so far)", decided, t->received, loss);
	if (t->refused)
		printf(", %" PRIu64 " refused", t->refused);
	if (t->received)
		printf(", rtt min/avg/p99/max %.3f/%.3f/%.3f/%.3f ms", t->rtt_min / 1e6, avg / 1e6,
		       p99 / 1e6, t->rtt_max / 1e6);
	printf(", %" PRIu64 " outage%s, %s down", t->outages, t->outages == 1 ? "" : "s", down);
	if (aware_unknown_ns(m->aw, i) > 0 || t->unknown > 0) {
		char unk[64];

		duration_format(aware_unknown_ns(m->aw, i), unk, sizeof(unk));
		printf(", %s unknown (%" PRIu64 " probes)", unk, t->unknown);
	}
	printf("\n");
}

/* SIGUSR1: every target's figures so far, as fping does on SIGQUIT. */
void
monitor_interim(struct monitor *m)
{
	uint64_t foreign, bad, malformed, rx_drops;
	size_t i;

	monitor_packet_totals(m, &foreign, &bad, &malformed, &rx_drops);
	for (i = 0; i < m->nt; i++)
		monitor_print_target(m, i, "interim", foreign, bad, malformed, rx_drops);
	fflush(stdout);
}

/* Per-target summary lines, and their rows in the store. */
void
monitor_summary(struct monitor *m, int print)
{
	uint64_t foreign, bad, malformed, rx_drops;
	int64_t stop_mono = mclock_mono(&m->o.clock), stop_real = mclock_real(&m->o.clock);
	size_t i;

	monitor_finish_aware(m, stop_mono, stop_real);
	monitor_packet_totals(m, &foreign, &bad, &malformed, &rx_drops);
	for (i = 0; i < m->nt; i++) {
		struct mtarget *t = &m->t[i];
		struct lt_callbacks cb = { monitor_on_period, NULL, t };
		struct lt_point stop = { t->next_seq, stop_mono, stop_real };
		struct store_target_summary ts;

		/* Probes still unanswered after a forced stop are not counted. */
		lt_finish(&t->lt, &stop, &cb);
		monitor_flush_second(t);
		if (print)
			monitor_print_target(m, i, "summary", foreign, bad, malformed, rx_drops);
		if (m->o.store != NULL) {
			memset(&ts, 0, sizeof(ts));
			ts.session_id = m->o.session_id;
			ts.target_id = t->store_id;
			ts.sent = t->received + t->refused + t->lost + t->unknown;
			ts.received = t->received;
			ts.lost = t->lost;
			ts.late = t->late;
			ts.unreach = t->unreach;
			ts.rtt_min_ns = t->rtt_min;
			ts.rtt_avg_ns = t->received ? t->rtt_sum / (int64_t)t->received : -1;
			ts.rtt_p99_ns = monitor_target_rtt_quantile(m, i, 0.99);
			ts.rtt_max_ns = t->rtt_max;
			ts.outages = t->outages;
			ts.downtime_ns = t->downtime;
			store_push_target_summary(m->o.store, &ts);
		}
	}
	if (rx_drops > 0 && print && m->o.format == MONITOR_TEXT)
		printf("the kernel dropped %" PRIu64 " packets at our sockets (receive queue "
		       "full); probes they could have answered are unknown, not lost\n",
		       rx_drops);
	if (log_verbosity() > 0) {
		struct monitor_lag lag;

		monitor_get_lag(m, &lag);
		log_info("packets: %" PRIu64 " foreign, %" PRIu64 " bad check, %" PRIu64
			 " malformed; scheduler lag p50 %.1f µs, p99 %.1f µs, max %.1f µs, %" PRIu64
			 " deadlines skipped",
			 foreign, bad, malformed, lag.p50_ns / 1e3, lag.p99_ns / 1e3,
			 lag.max_ns / 1e3, lag.skipped);
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
			struct jsonw *j = jsonw_new(stdout);

			jsonw_obj_open(j);
			jsonw_string_field(j, "event", kind);
			jsonw_time_field(j, "time", ts_ns);
			jsonw_string_field(j, "label", label);
			jsonw_obj_close(j);
			jsonw_free(j);
		} else {
			time_format_local(ts_ns, when, sizeof(when));
			printf("%s %s %s\n", when,
			       strcmp(kind, "marker") == 0       ? "MARK "
			       : strcmp(kind, "span-begin") == 0 ? "BEGIN"
								 : "END  ",
			       safe);
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
	/* A span named "maintenance" mutes alerts while it lasts; the begin
	 * is still sent muted, the end unmuted (both are recorded). */
	if (strcmp(label, "maintenance") == 0 && strcmp(kind, "span-begin") == 0)
		monitor_mute(m, 1, label);
	{
		struct mev e;

		memset(&e, 0, sizeof(e));
		e.kind = MEV_MARK;
		e.target = MEV_NO_TARGET;
		e.time_real = ts_ns;
		e.duration_ns = -1;
		e.mark_kind = kind;
		e.label = label;
		monitor_emit(m, &e);
	}
	if (strcmp(label, "maintenance") == 0 && strcmp(kind, "span-end") == 0)
		monitor_mute(m, -1, NULL);
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
	out->probe_mode =
		monitor_probe_mode(m, t->conf->proto == TARGET_TCP ? 1 : 0, t->conf->family);
	out->state = t->lt.state == LT_UP     ? MONITOR_STATE_UP
		     : t->lt.state == LT_DOWN ? MONITOR_STATE_DOWN
					      : MONITOR_STATE_UNKNOWN;
	out->down_since_mono = t->lt.down_first.mono;
	if (t->pr_down) {
		/* announced (prompt.c): DOWN from its first unanswered probe */
		out->state = MONITOR_STATE_DOWN;
		out->down_since_mono = t->pr_first.mono;
	}
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
	out->unknown_ns = aware_unknown_ns(m->aw, i);
	out->rtt_max_ns = t->rtt_max;
	out->rtt_sum_ns = t->rtt_sum;
	memcpy(out->rtt_bucket, t->rtt_bucket, sizeof(out->rtt_bucket));
}

/* An RTT quantile of target i, capped at its largest RTT. */
int64_t
monitor_target_rtt_quantile(const struct monitor *m, size_t i, double q)
{
	const struct mtarget *t = &m->t[i];
	int64_t v = t->received ? rtthist_quantile(&t->hist, q) : -1;

	return v > t->rtt_max ? t->rtt_max : v;
}

/* Each target's egress link, source and gateway, shown and stored. */
void
monitor_describe_paths(struct monitor *m)
{
	aware_describe_paths(m->aw);
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
	aware_free(m->aw);
	if (m->timer)
		event_free(m->timer);
	for (i = 0; i < MONITOR_NSTOP_SIGNALS; i++)
		if (m->sig[i])
			event_free(m->sig[i]);
	if (m->sigusr1)
		event_free(m->sigusr1);
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
