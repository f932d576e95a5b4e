/* monitor_int.h: the monitor's private state, shared by monitor.c (the
 * scheduler and reply matching) and awareness.c (netlink events and UNKNOWN
 * windows). Nothing outside monitor/ includes this. */
#ifndef HAMON_MONITOR_INT_H
#define HAMON_MONITOR_INT_H
#include <net/if.h>
#include <stdint.h>

#include "lib/target.h"
#include "monitor/losstrack.h"
#include "monitor/monitor.h"
#include "monitor/rtthist.h"
#include "probes/probe.h"
#include "store/store.h"

struct event;
struct nlwatch;

/*
 * UNKNOWN windows: times when the monitor could not see a target, because
 * its own egress link was down, its sends failed locally, it stalled, or
 * the wall clock stepped. A probe lost inside a window that applies to its
 * target is "unknown", not lost: it is never part of a burst or an outage.
 * Windows are decided before the probes they cover (a probe is decided only
 * after its timeout), so a window learned a little late still applies.
 */
#define MONITOR_MAX_WINDOWS 128
#define MONITOR_NL_MARGIN_NS (10LL * 1000000)   /* netlink reports a link change within this */
#define MONITOR_STALL_NS (5LL * 1000000)        /* a send later than this is a stall */
#define MONITOR_CLOCK_STEP_NS (5LL * 1000000)   /* a real/mono offset change beyond this */
#define MONITOR_BATCH_NS (50LL * 1000)          /* sends due this soon share a wake-up */
#define MONITOR_POLL_RATE 200.0                 /* probes/s from which sockets are polled */

struct uwindow {
	int64_t start_mono, end_mono; /* end INT64_MAX while open */
	int64_t start_real;
	int ifindex;                  /* > 0: targets whose egress is this link */
	int tid;                      /* >= 0: this target only; -1: as ifindex says */
	char reason[96];
};

enum slot_state {
	SLOT_EMPTY = 0, SLOT_PENDING, SLOT_OK, SLOT_REFUSED, SLOT_UNREACH, SLOT_TIMEDOUT,
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
	uint64_t n;              /* next deadline is base + n * interval */
	int sending;
	int64_t key;             /* heap key: next time this target needs us */
	size_t heap_pos;

	/* ring of probes: seq & mask */
	struct slot *ring;
	uint64_t mask;
	uint64_t next_seq;       /* next to send */
	uint64_t resolve_seq;    /* oldest not yet fed to the tracker */

	struct losstrack lt;

	/* counters */
	uint64_t sent, received, refused, lost, late, unreach, dup, stale, send_errors;
	int refusing;            /* TCP: the service answers with RST */
	int64_t refusing_since;
	uint64_t outages, bursts;
	int64_t downtime;
	int64_t last_outage;     /* duration of the last outage that ended, -1 before one */
	int64_t rtt_min, rtt_max, rtt_sum;
	struct rtthist hist;
	struct store_second sec;

	/* what the monitor knows of its own path to the target */
	int ifindex;             /* egress link, 0 when unknown */
	char egress[IF_NAMESIZE];
	char src[64];
	char gateway[64];
	uint64_t unknown;        /* probes lost inside UNKNOWN windows */
	int64_t unknown_ns;      /* time covered by windows that apply to it */
	int sendfail_win;        /* open "sends fail" window, -1 when none */
};

struct monitor {
	struct event_base *base;
	struct event *timer;
	struct event *sigint, *sigterm;
	struct monitor_opts o;
	uint64_t key[2];

	/* One probe instance per kind and family: icmp4, icmp6, tcp4, tcp6. */
	struct pchan {
		const struct probe_ops *ops;
		struct probe *p;
	} chan[4];

	struct mtarget *t;
	size_t nt;
	struct mtarget **heap;
	size_t heaplen;
	struct mtarget **due;    /* scratch: targets served by one timer round */

	int64_t start_mono, start_real;
	int64_t stop_at;         /* mono time sending stops, 0 = never */
	int stopping;
	int signals;
	uint64_t foreign_addr;   /* replies for a target index from the wrong address */

	/* scheduler lag */
	struct rtthist lag;
	int64_t lag_max;
	uint64_t skipped;

	/* awareness: netlink, UNKNOWN windows, clock */
	struct nlwatch *nl;
	struct uwindow win[MONITOR_MAX_WINDOWS];
	uint64_t nwin;           /* windows ever opened; win[i % MAX] */
	int64_t clock_offset;    /* real - mono at the last send, 0 before the first */
	int stall_win;           /* open stall window, -1 when none */
	int polled;              /* probe sockets read at each tick, not by events */
	int64_t unknown_ns;      /* total time in windows that applied to every target */
};


/* awareness.c */
int monitor_aware_open(struct monitor *m, char *err, size_t errlen);
void monitor_aware_close(struct monitor *m);
void monitor_aware_announce(struct monitor *m);
/* Open a window (returns its index) / close it at end_mono. */
int monitor_window_open(struct monitor *m, int64_t start_mono, int64_t start_real, int ifindex,
                        int tid, const char *reason);
void monitor_window_close(struct monitor *m, int w, int64_t end_mono, int64_t end_real);
/* Is a probe of t sent at tx_mono inside a window that applies to t? */
int monitor_window_covers(const struct monitor *m, const struct mtarget *t, int64_t tx_mono);
/* After each send: stalls, clock steps, local send failures. */
void monitor_aware_after_send(struct mtarget *t, int64_t deadline, int64_t tx_mono,
                              int64_t tx_real, int err);
/* The scheduler timer fired late: a window from key to now. */
void monitor_aware_stall(struct monitor *m, int64_t key, int64_t now);
/* At the end: close open windows, store the scheduler's timing figures. */
void monitor_aware_finish(struct monitor *m);

#endif
