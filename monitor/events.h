/* SPDX-License-Identifier: ISC */
/* events.h: what the monitor tells its listeners as it happens: the exec
 * hooks, the webhooks, the live page's event stream and the terminal view.
 *
 * Listeners are called from the event loop, synchronously, in the order
 * things were decided. A listener copies what it needs and returns: any I/O
 * (a child to spawn, a POST, a socket write) is queued and driven by the
 * loop, so no listener ever moves a probe. The strings in a struct mev live
 * only for the call. */
#ifndef HAMON_EVENTS_H
#define HAMON_EVENTS_H
#include <stddef.h>
#include <stdint.h>

struct monitor;
struct jsonw;

#define MEV_NO_TARGET ((size_t)-1)
#define MEV_MAX_LISTENERS 8

enum mev_kind {
	MEV_DOWN = 0,  /* target declared DOWN */
	MEV_UP,        /* target UP: first reply, or an outage closed */
	MEV_WITHDRAWN, /* a prompt DOWN that answers in time disproved */
	MEV_UNKNOWN,   /* an UNKNOWN window closed (the monitor could not see) */
	MEV_BURST,     /* a loss burst (shorter than an outage) closed */
	MEV_MARK,      /* a marker or span boundary */
	MEV_SECOND,    /* one target's figures for one finished second */
	MEV_NKINDS
};

struct mev {
	enum mev_kind kind;
	size_t target;          /* index, MEV_NO_TARGET when not one target's */
	const char *name, *url; /* the target's, NULL when none */
	int64_t time_real;      /* when it happened (back-dated for DOWN/UP) */
	int64_t declared_real;  /* when the monitor said it */
	uint64_t seq;           /* DOWN/UP/WITHDRAWN: the probe that decided */
	int64_t last_reply_real; /* DOWN: last reply's receive time, 0 if none */

	/* UP after an outage, BURST, WITHDRAWN (the run of overdue probes),
	 * UNKNOWN (the window): the period with its bounds; duration -1 when
	 * there is none (a first UP, a DOWN, a mark). */
	int64_t since_real; /* its estimated start */
	int64_t duration_ns, lower_ns, upper_ns;
	uint64_t lost;

	const char *mark_kind; /* MARK: "marker", "span-begin", "span-end" */
	const char *label;     /* MARK: its label; UNKNOWN: the window's code */
	const char *reason;    /* UNKNOWN: the human reason; WITHDRAWN: why */
	const char *ifname;    /* UNKNOWN of a link: its name, else NULL */

	/* SECOND: the second (CLOCK_REALTIME seconds) and its figures */
	int64_t second;
	uint64_t sent, received;
	int64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns; /* -1 / 0 without replies */

	int muted;       /* in maintenance: record and show, alert nobody */
	const char *run; /* label of the run in progress, else of the maintenance span */
};

typedef void (*mev_fn)(const struct mev *e, void *arg);

/* Call fn for every event from now on. At most MEV_MAX_LISTENERS; 0 or -1. */
int monitor_listen(struct monitor *m, mev_fn fn, void *arg);
/* Is anyone listening (so the callers can skip filling an event)? */
int monitor_has_listeners(const struct monitor *m);

/* Maintenance: while the depth is above zero, events carry muted = 1.
 * `hamon run --kind backup` and a "maintenance" span raise it; label names
 * it in the events (the last one raised wins). */
void monitor_mute(struct monitor *m, int delta, const char *label);
int monitor_muted(const struct monitor *m);
/* The run in progress (`hamon run`): its label goes into every event as
 * "run" until it is cleared with NULL. */
void monitor_set_run(struct monitor *m, const char *label);

/* "down", "up", "withdrawn", "unknown", "burst", "mark", "second". */
const char *mev_kind_name(enum mev_kind k);
/* The event as one JSON object, the form hooks get on stdin, webhooks as
 * their body and the event stream as its data (report/FORMATS.md). */
void mev_write_json(const struct mev *e, struct jsonw *j);
/* The same into a malloc'd NUL-terminated string (*len its length). */
char *mev_json_string(const struct mev *e, size_t *len);

/* monitor internals: fill the common fields and deliver. */
void monitor_emit(struct monitor *m, struct mev *e);

#endif
