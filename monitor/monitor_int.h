/* SPDX-License-Identifier: ISC */
/* monitor_int.h: the monitor's private state, shared by the files of the
 * scheduler and reply matching. awareness.c does not see it (aware.h is
 * its interface). Nothing outside monitor/ includes this. */
#ifndef HAMON_MONITOR_INT_H
#define HAMON_MONITOR_INT_H
#include <stdint.h>

#include <event2/util.h>

#include "lib/target.h"
#include "monitor/events.h"
#include "monitor/losstrack.h"
#include "monitor/monitor.h"
#include "monitor/rtthist.h"
#include "probes/probe.h"
#include "store/store.h"

struct event;
struct aware;

#define MONITOR_STALL_NS  (5LL * 1000000) /* a send later than this is a stall */
#define MONITOR_BATCH_NS  (50LL * 1000)   /* sends due this soon share a wake-up */
#define MONITOR_POLL_RATE 200.0           /* probes/s from which sockets are polled */
/* Receive buffer per socket: its targets' replies for this long, at this
 * many bytes each as the kernel charges them (an echo reply on loopback
 * is charged 832 bytes; rounded up for NICs' larger buffers). */
#define MONITOR_RX_HOLD_NS   (1000LL * 1000 * 1000)
#define MONITOR_RX_CHARGE    1024
#define MONITOR_RX_MIN_BYTES (4 << 20)

enum slot_state {
	SLOT_EMPTY = 0,
	SLOT_PENDING,
	SLOT_OK,
	SLOT_REFUSED,
	SLOT_UNREACH,
	SLOT_TIMEDOUT,
	SLOT_LOCALFAIL, /* the send failed here: nothing left the machine */
	SLOT_DONE
};

/* One probe in flight or recently decided. */
struct slot {
	uint64_t seq;
	int64_t tx_mono, tx_real;
	int64_t rtt;
	uint8_t state;
};

struct mtarget {
	struct monitor *m;
	struct target_conf *conf;
	uint32_t idx;
	int64_t store_id;
	struct probe *probe;
	const struct probe_ops *ops;

	/* schedule */
	int64_t base_mono;
	uint64_t n; /* next deadline is base + n * interval */
	int sending;
	int64_t key; /* heap key: next time this target needs us */
	size_t heap_pos;

	/* ring of probes: seq & mask */
	struct slot *ring;
	uint64_t mask;
	uint64_t next_seq;    /* next to send */
	uint64_t resolve_seq; /* oldest not yet fed to the tracker */

	struct losstrack lt;

	/* counters */
	uint64_t sent, received, refused, lost, late, unreach, dup, stale, send_errors;
	int refusing; /* TCP: the service answers with RST */
	int64_t refusing_since;
	uint64_t outages, bursts;
	int64_t downtime;
	int64_t last_outage; /* duration of the last outage that ended, -1 before one */
	int64_t rtt_min, rtt_max, rtt_sum;
	struct rtthist hist;
	uint64_t rtt_bucket[MONITOR_RTT_BUCKETS]; /* exact counts, monitor_rtt_bounds_ns */
	struct store_second sec;
	uint64_t unknown; /* probes lost inside UNKNOWN windows (aware.h) */

	/* prompt DOWN (prompt.c): recent in-time RTTs, halved as they age,
	 * the overdue threshold they give, and a DOWN announced early that
	 * the tracker has not confirmed yet */
	uint16_t pr_hist[MONITOR_RTT_BUCKETS];
	uint16_t pr_count;
	int64_t pr_thr;        /* overdue this long after its send; >= timeout: off */
	uint64_t pr_answered;  /* 1 + the highest seq answered in time, 0 before any */
	int pr_down;           /* announced, not yet confirmed or withdrawn */
	uint64_t pr_last_seq;  /* the overdue probe that met the threshold */
	uint64_t pr_skip;      /* runs meeting it before this seq: not offered again */
	struct lt_point pr_first; /* the first probe of the announced DOWN */
	int64_t pr_declared;   /* CLOCK_REALTIME of the announcement */
};

struct monitor {
	struct event_base *base;
	struct event *timer;
	struct event *sig[MONITOR_NSTOP_SIGNALS]; /* monitor_stop_signals */
	struct event *sigusr1;
	struct monitor_opts o;
	uint64_t key[2];

	/* One probe instance per kind and family: icmp4, icmp6, tcp4, tcp6. */
	struct pchan {
		const struct probe_ops *ops;
		struct probe *p;
		uint64_t rxwin;    /* open rx-drop window, 0 when none */
		int64_t rxwin_end; /* where it ends so far (mono) */
	} chan[4];

	struct mtarget *t;
	size_t nt;
	struct mtarget **heap;
	size_t heaplen;
	struct mtarget **due; /* scratch: targets served by one timer round */

	int64_t start_mono, start_real;
	int64_t stop_at; /* mono time sending stops, 0 = never */
	int stopping;
	int signals;
	uint64_t foreign_addr; /* replies for a target index from the wrong address */

	/* scheduler lag */
	struct rtthist lag;
	int64_t lag_max;
	uint64_t skipped;

	struct aware *aw;    /* netlink, UNKNOWN windows, clock steps */
	int64_t max_timeout; /* longest probe timeout of any target */
	int64_t rx_asked;    /* mono time the kernel's drop counters were last read */
	int polled;          /* probe sockets read at each tick, not by events */

	/* listeners (events.h) and maintenance */
	struct {
		void (*fn)(const struct mev *e, void *arg);
		void *arg;
	} listen[MEV_MAX_LISTENERS];
	size_t nlisten;
	int mute_depth;
	char mute_label[64];
	char run_label[64];
};

/* sched.c */
/* Recompute when t next needs attention and fix its heap place. */
void monitor_rekey(struct mtarget *t);
/* Is every target finished: not sending and nothing outstanding? */
int monitor_all_done(const struct monitor *m);
/* Arm the scheduler timer for the earliest key (or end the loop). */
void monitor_arm(struct monitor *m);
/* Polled mode on (1), off (-1), or read what is queued (0). */
void monitor_poll_probes(struct monitor *m, int mode);
/* Take the probes' receive drops as UNKNOWN windows; with ask, read the
 * kernel's counters now (before any probe is called lost). */
void monitor_rx_sync(struct monitor *m, int ask);
/* Size each socket's receive buffer for its targets' reply rate. */
void monitor_size_rx(struct monitor *m);
/* Start the schedule at the clock's now and arm the timer. */
void monitor_sched_start(struct monitor *m);
/* One scheduler round at the clock's now (what the timer runs). */
void monitor_sched_round(struct monitor *m);
/* The scheduler timer's callback. */
void monitor_timer_cb(evutil_socket_t fd, short what, void *arg);

/* results.c */
/* A burst or outage ended: count it and queue it (loss tracker callback). */
void monitor_on_period(void *arg, const struct lt_period *p);
/* Queue the finished per-second aggregate of t, if it holds anything. */
void monitor_flush_second(struct mtarget *t);
/* Decide every probe of t that can be decided at now, oldest first. */
void monitor_advance(struct mtarget *t, int64_t now);
/* A reply from a probe module (probe_reply_cb; arg is the monitor). */
void monitor_on_reply(const struct probe_reply *r, void *arg);
int monitor_record_reply(struct monitor *m, const struct probe_reply *r);

/* prompt.c */
/* An in-time answer of t fell in RTT bucket b: its overdue threshold. */
void prompt_rtt(struct mtarget *t, size_t b);
/* Probe seq of t was answered in time (ok or refused): maybe withdraw. */
void prompt_answered(struct mtarget *t, uint64_t seq, int64_t now);
/* Probe seq of t was decided unknown (the monitor could not see). */
void prompt_unknown(struct mtarget *t, uint64_t seq);
/* When t's current run of unanswered probes becomes a DOWN (mono), or
 * INT64_MAX: the scheduler's third kind of key. */
int64_t prompt_deadline(const struct mtarget *t);
/* Announce DOWN if the deadline has passed (after replies were read). */
void prompt_check(struct mtarget *t, int64_t now);
/* The tracker declared DOWN: 1 if it was announced already (its
 * announcement time in *declared), 0 if not. */
int prompt_confirm(struct mtarget *t, int64_t *declared);

/* results.c: print a transition and tell the listeners. */
void monitor_announce(struct mtarget *t, const struct lt_transition *tr, int64_t declared);

/* monitor.c */
/* As monitor_new, but every target uses probe p of ops instead of opening
 * sockets (unit tests: a fake probe, no privileges needed). ops->close is
 * called for each of the four channels at monitor_free. */
struct monitor *monitor_new_with_probe(const struct monitor_opts *o, const struct probe_ops *ops,
				       struct probe *p, char *err, size_t errlen);

#endif
