/* SPDX-License-Identifier: ISC */
/* aware.h: the monitor's view of itself (monitor/awareness.c). Netlink
 * events about its own links, neighbours and routes; UNKNOWN windows, the
 * times when it could not see some targets. monitor.c calls this; this
 * knows the targets only through the read-only view it is handed (their
 * configuration and store ids), never the monitor's state. Nothing
 * outside monitor/ includes this. */
#ifndef HAMON_AWARE_H
#define HAMON_AWARE_H
#include <stddef.h>
#include <stdint.h>

#include "lib/target.h"
#include "monitor/monitor.h"

struct event_base;
struct store;
struct aware;

#define AWARE_NL_MARGIN_NS  (10LL * 1000000) /* netlink reports a link change within this */
#define AWARE_CLOCK_STEP_NS (5LL * 1000000)  /* a real/mono offset change beyond this */
#define AWARE_CODE_LEN      16
#define AWARE_REASON_LEN    96

/* Which targets a window applies to. */
enum aware_scope {
	AWARE_SCOPE_ALL = 0, /* every target (stall, clock step) */
	AWARE_SCOPE_LINK,    /* targets whose egress is one link (link down) */
	AWARE_SCOPE_TARGET,  /* one target (its sends fail) */
};

struct aware_opts {
	struct event_base *base;
	const struct target_conf *targets; /* the view: read only, ntargets long */
	size_t ntargets;
	struct monitor_clock clock;
	int quiet;
	enum monitor_format format;
	int no_netlink;
	/* Each closed window, as it is shown (target -1: not one target's;
	 * ifname NULL unless a link's); NULL when nobody asks. */
	void (*on_window)(void *arg, int target, const char *ifname, const char *code,
			  const char *reason, int64_t start_real, int64_t duration_ns);
	void *on_window_arg;
};

/* Set up; opens the netlink watch unless no_netlink (a failure there is a
 * warning: probing goes on without it). Never NULL. */
struct aware *aware_new(const struct aware_opts *o);
/* Record into st under session_id from now on. */
void aware_attach_store(struct aware *a, struct store *st, int64_t session_id);
/* The store's id of target i. */
void aware_set_store_id(struct aware *a, size_t i, int64_t id);
/* Target i's egress link as a route lookup found it (0, "" when none). */
void aware_set_egress(struct aware *a, size_t i, int ifindex, const char *ifname);

/* Open a window from start (mono, real). ifindex/ifname for LINK scope,
 * target for TARGET scope; code is short [a-z-]+ ("link-down"), reason the
 * human text. Returns the window's id (never 0). */
uint64_t aware_window_open(struct aware *a, enum aware_scope scope, int ifindex, const char *ifname,
			   int target, const char *code, const char *reason, int64_t start_mono,
			   int64_t start_real);
/* Close window id at end (mono, real): charge it, show it, store it. */
void aware_window_close(struct aware *a, uint64_t id, int64_t end_mono, int64_t end_real);
/* Is a probe of target sent at tx_mono inside a window that applies to it? */
int aware_covers(const struct aware *a, size_t target, int64_t tx_mono);
/* Is an answer to such a probe in doubt (a link window or a clock step)? */
int aware_doubts_answer(const struct aware *a, size_t target, int64_t tx_mono);
/* Time inside the windows that applied to target (their union). */
int64_t aware_unknown_ns(const struct aware *a, size_t target);
/* Windows open now. */
size_t aware_count_open(const struct aware *a);
/* Windows kept now: the open ones and the closed ones that may still
 * decide a probe. */
size_t aware_count_kept(const struct aware *a);

/* The egress link ifindex went down / came back, as netlink saw it at
 * rx (mono, real). Down opens the link's window; up makes each target
 * behind it wait for sight: its part ends at its first reply after up, or
 * when its first probe after up times out. */
void aware_link_down(struct aware *a, int ifindex, const char *ifname, int64_t rx_mono,
		     int64_t rx_real);
void aware_link_up(struct aware *a, int ifindex, int64_t rx_mono);
/* Target's next hop changed to state nud (NUD_* bits, 0: deleted) at
 * rx_mono: while it is resolved the wait for sight has no timeout. */
void aware_neigh(struct aware *a, size_t target, int nud, int64_t rx_mono);
/* A reply (or a late one) of target to its probe sent at tx_mono, received
 * at rx_mono: sight, if it waited for it behind a link that came back. */
void aware_after_reply(struct aware *a, size_t target, int64_t tx_mono, int64_t rx_mono);
/* After each send of target: clock steps, local send failures (err). */
void aware_after_send(struct aware *a, size_t target, int64_t tx_mono, int64_t tx_real, int err);
/* The scheduler timer fired late: a window from key to now. */
void aware_stall(struct aware *a, int64_t key, int64_t now);
/* End of a scheduler round at now: forget what can no longer matter. */
void aware_tick(struct aware *a, int64_t now);
/* Show and store each target's path as the kernel routes it now. */
void aware_describe_paths(struct aware *a);
/* At the end: close the open windows at now. */
void aware_finish(struct aware *a, int64_t now_mono, int64_t now_real);
/* Stop watching and free; NULL is a no-op. */
void aware_free(struct aware *a);

#endif
