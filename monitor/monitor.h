/* SPDX-License-Identifier: ISC */
/* monitor.h: the event-loop monitor: one event_base, one scheduler timer for
 * every target, probe sockets, target state machines, the store feed. */
#ifndef HAMON_MONITOR_H
#define HAMON_MONITOR_H
#include <stddef.h>
#include <stdint.h>

#include "lib/target.h"

struct event_base;
struct store;

enum monitor_format { MONITOR_TEXT = 0, MONITOR_JSON = 1 };
enum monitor_tcp_mode { MONITOR_TCP_AUTO = 0, MONITOR_TCP_RAW, MONITOR_TCP_CONNECT };

/* Where the monitor reads time. A NULL function means the real clock
 * (CLOCK_MONOTONIC / CLOCK_REALTIME, read directly); tests hand in a fake
 * one. Kernel reply timestamps are taken as the kernel gives them. */
struct monitor_clock {
	int64_t (*mono_ns)(void *arg);
	int64_t (*real_ns)(void *arg);
	void *arg;
};

struct monitor_opts {
	struct target_conf *targets;
	size_t ntargets;
	struct store *store; /* may be NULL: nothing is recorded */
	int64_t session_id;
	int samples; /* store every probe */
	int quiet;   /* no live transition lines */
	enum monitor_format format;
	int64_t duration_ns; /* stop sending after this long (0: until a signal) */
	uint64_t count;      /* stop each target after this many probes (0: no limit) */
	enum monitor_tcp_mode tcp_mode;
	int no_signals;             /* the caller handles the stop signals itself */
	int no_netlink;             /* do not watch links, neighbours and routes */
	size_t rcvbuf;              /* receive buffer bytes per socket (0: sized for the rate) */
	struct monitor_clock clock; /* all zero: the real clocks */
};

struct monitor;

/* Open the probe sockets and set up every target. NULL with err on failure. */
struct monitor *monitor_new(const struct monitor_opts *o, char *err, size_t errlen);
/* Record into st under session_id from now on (set before monitor_loop). */
void monitor_attach_store(struct monitor *m, struct store *st, int64_t session_id);
/* Tell the monitor the store's id of target i (store_target_upsert). */
void monitor_set_store_id(struct monitor *m, size_t i, int64_t id);
/* Run until stopped (duration, count, signal, monitor_stop) and every sent
 * probe is resolved. Returns 0. */
int monitor_loop(struct monitor *m);
/* Stop sending; the loop ends once outstanding probes are resolved. */
void monitor_stop(struct monitor *m);
/* Close open periods, store the per-target summary and, if print, print it. */
void monitor_summary(struct monitor *m, int print);
/* Every target's figures so far (SIGUSR1 calls this). */
void monitor_interim(struct monitor *m);

/* The signals that stop a monitor cleanly (SIGINT, SIGTERM, SIGHUP, ...):
 * the monitor handles them unless no_signals, and `hamon run` uses the same
 * list for its own handler. */
#define MONITOR_NSTOP_SIGNALS 9
extern const int monitor_stop_signals[MONITOR_NSTOP_SIGNALS];
/* How many targets are UP right now. */
size_t monitor_count_up(const struct monitor *m);
/* Names of the targets not UP, comma-separated, into buf. */
void monitor_list_not_up(const struct monitor *m, char *buf, size_t len);
/* Record a marker or span boundary (kind "marker", "span-begin", "span-end")
 * at ts_ns: shown live and stored. */
void monitor_mark(struct monitor *m, int64_t ts_ns, const char *kind, const char *label);
void monitor_free(struct monitor *m);

struct event_base *monitor_base(struct monitor *m);
/* Print (unless quiet) and store each target's egress link, source and
 * gateway as netlink reports them. */
void monitor_describe_paths(struct monitor *m);
/* Mechanism in use per kind (TARGET_ICMP/TCP) and family, e.g. "raw socket". */
const char *monitor_probe_mode(const struct monitor *m, int proto, int family);

/* Scheduler timing quality: actual send time minus deadline. */
struct monitor_lag {
	uint64_t sends, skipped;
	int64_t p50_ns, p99_ns, max_ns;
};
void monitor_get_lag(const struct monitor *m, struct monitor_lag *out);

/* The monitor's clocks (its monitor_clock, or the real ones). */
int64_t monitor_now_mono(const struct monitor *m);
int64_t monitor_now_real(const struct monitor *m);

/* The store attached, or NULL. */
struct store *monitor_store(const struct monitor *m);

/* RTT histogram buckets as Prometheus shows them (hamon_rtt_seconds):
 * upper bounds in ns, 25 us to 2.5 s in 1-2.5-5 steps (loopback answers in
 * about 40 us, a WAN in tens of ms, a timeout is a second or more); counts
 * are exact, one counter per bucket, the last one (+Inf) beyond them. */
#define MONITOR_RTT_BUCKETS 17
extern const int64_t monitor_rtt_bounds_ns[MONITOR_RTT_BUCKETS - 1];

/* One target's figures as the metrics endpoint shows them. */
enum monitor_target_state {
	MONITOR_STATE_UNKNOWN = 0,
	MONITOR_STATE_UP = 1,
	MONITOR_STATE_DOWN = 2
};
struct monitor_target_stats {
	const char *name, *url;
	const char *probe_mode; /* as monitor_probe_mode() says, NULL if none */
	enum monitor_target_state state;
	int64_t down_since_mono; /* DOWN: monotonic send time of the first lost probe */
	uint64_t sent, send_errors, received, lost, unreach, late, refused, unknown;
	uint64_t bursts, outages;
	int64_t downtime_ns;    /* closed outages only */
	int64_t last_outage_ns; /* -1 before one */
	int64_t unknown_ns;     /* union of the UNKNOWN windows that applied */
	int64_t rtt_max_ns;     /* -1 before a reply */
	int64_t rtt_sum_ns;
	uint64_t rtt_bucket[MONITOR_RTT_BUCKETS]; /* answers per bucket (not cumulative) */
};
/* Number of targets. */
size_t monitor_ntargets(const struct monitor *m);
/* Figures of target i (< monitor_ntargets). */
void monitor_target_stats(const struct monitor *m, size_t i, struct monitor_target_stats *out);
/* RTT quantile q of target i from its histogram, capped at its largest RTT;
 * -1 before a reply. */
int64_t monitor_target_rtt_quantile(const struct monitor *m, size_t i, double q);

#endif
