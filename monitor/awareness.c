/* SPDX-License-Identifier: ISC */
/* awareness.c: the monitor's view of itself. Netlink events about its own
 * links, neighbours and routes are shown and stored; the times when it
 * could not see a target (egress link down, sends failing locally, its own
 * stalls, wall-clock steps) become UNKNOWN windows, and a probe lost inside
 * one is not counted as the target's loss.
 *
 * This module owns its state (struct aware) and sees the targets only
 * through the view it was handed: their configuration, store ids, and the
 * egress it learns itself. monitor.c calls in; nothing here calls back. */
#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/json.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "monitor/aware.h"
#include "monitor/mclock.h"
#include "monitor/spans.h"
#include "probes/netlink.h"
#include "store/store.h"

/*
 * UNKNOWN windows: times when the monitor could not see a target, because
 * its own egress link was down, its sends failed locally, it stalled, or
 * the wall clock stepped. A probe lost inside a window that applies to its
 * target is "unknown", not lost: it is never part of a burst or an outage.
 * Windows are decided before the probes they cover (a probe is decided only
 * after its timeout), so a window learned a little late still applies.
 *
 * Storage: one growable array holds the open windows and the closed ones
 * that may still decide a probe, i.e. until the longest timeout has passed
 * after their end (aware_tick prunes them after a scheduler round, when
 * every probe whose timeout has passed has been decided). No bound on how
 * many are open: 300 targets whose sends fail at once are 300 windows.
 *
 * Unknown time is the union of the windows that applied to a target, so
 * a link window and the send-failure window it causes count once. Per
 * target, the union so far is kept as disjoint spans (windows of every
 * target in one shared list); a closing window adds only what neither list
 * covers yet. Spans are dropped once no window can still reach back to
 * them: older than the last round minus the largest back-dating (timeout,
 * interval, netlink margin) and older than every open window's start.
 *
 * A link window does not end when the link comes back: the path may not
 * work yet (the neighbour is resolved again, requests queued meanwhile are
 * answered a second later). It ends for each target behind the link on its
 * own, when sight returns: at the first reply received after link-up, or,
 * when none comes, when the first probe sent after link-up times out (from
 * then on a loss is the target's). While the kernel resolves the target's
 * next hop (neighbour INCOMPLETE or PROBE), no timeout ends the wait: the
 * requests are queued, not lost; the resolution ends it (FAILED: at once,
 * the loss is real; resolved: the next probe's timeout starts anew). Probes sent before that are unknown,
 * answered or not: never lost, never an RTT sample. The window is shown
 * once, when its last target sees again.
 */
struct window {
	uint64_t id;
	int64_t start_mono, end_mono; /* end INT64_MAX while open */
	int64_t start_real, end_real;
	enum aware_scope scope;
	int ifindex; /* LINK: the egress link */
	char ifname[IF_NAMESIZE];
	int target;       /* TARGET: its index; else -1 */
	int first_target; /* closed: first target it applied to, -1 if none */
	char code[AWARE_CODE_LEN];
	char reason[AWARE_REASON_LEN];
	/* LINK, once the link is back: sight returns per target, so each has
	 * its own end (INT64_MAX while it waits); end_mono stays INT64_MAX
	 * until the last one sees again. */
	int64_t up_mono;  /* when the link came back, 0 while it is down */
	int64_t *tend;    /* nt long, NULL before the link is back */
	size_t waiting;   /* targets still waiting for sight */
	int64_t next_due; /* earliest time a waiting target's timeout can end it */
	int shown;        /* its rows are stored and its line printed */
};

/* What awareness keeps per target. */
struct atarget {
	const struct target_conf *conf;
	int64_t store_id;
	int ifindex; /* egress link, 0 when unknown */
	char egress[IF_NAMESIZE];
	char src[64];
	char gateway[64];
	uint64_t sendfail_win; /* open "sends fail" window, 0 when none */
	uint64_t recover_win;  /* the link window it waits in for sight, 0 when none */
	int64_t first_tx;      /* its first send after the link came back, 0 before */
	int neigh_wait;        /* its next hop is being resolved: no timeout ends the wait */
	int sight_timed;       /* its wait ended by a timeout, not by an answer */
	struct spans u;        /* its windows other than ALL ones, merged */
	int64_t unknown_ns;    /* union of every window that applied to it */
};

struct aware {
	struct aware_opts o;
	struct store *store;
	int64_t session_id;
	struct atarget *t;
	size_t nt;
	struct nlwatch *nl;
	struct window *win; /* open windows and closed ones still needed */
	size_t nwin, capwin;
	uint64_t last_id;
	struct spans all;     /* ALL windows, merged */
	int64_t max_timeout;  /* longest probe timeout of any target */
	int64_t keep_ns;      /* how far back a new window may reach */
	int64_t last_tick;    /* end of the last scheduler round, 0 before one */
	int64_t next_prune;   /* earliest closed end + max_timeout */
	int64_t clock_offset; /* real - mono at the last send, 0 before the first */
};

/* Queue an event row for the store (tid -1: no target). */
static void
aware_store_event(struct aware *a, int tid, int64_t ts, const char *kind, const char *text)
{
	struct store_event ev;

	if (a->store == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.session_id = a->session_id;
	ev.target_id = tid >= 0 ? a->t[tid].store_id : 0;
	ev.ts_ns = ts;
	ev.kind = kind;
	ev.text = text;
	store_push_event(a->store, &ev);
}

/* Before what time no window yet to close can reach. */
static int64_t
aware_horizon(const struct aware *a, int64_t start)
{
	int64_t h = a->last_tick > 0 ? a->last_tick - a->keep_ns : INT64_MIN;
	size_t i;

	if (start < h)
		h = start;
	for (i = 0; i < a->nwin; i++)
		if (a->win[i].end_mono == INT64_MAX && a->win[i].start_mono < h)
			h = a->win[i].start_mono;
	return h;
}

/* Does window w apply to target k? */
static int
window_applies(const struct aware *a, const struct window *w, size_t k)
{
	switch (w->scope) {
	case AWARE_SCOPE_TARGET:
		return w->target >= 0 && (size_t)w->target == k;
	case AWARE_SCOPE_LINK:
		return w->ifindex == a->t[k].ifindex;
	default:
		return 1;
	}
}

/* Where window w ends for target k: a link window back up ends per
 * target; one still waiting ends when its first probe after link-up times
 * out, if no reply comes first (INT64_MAX: not yet known). */
static int64_t
window_end(const struct aware *a, const struct window *w, size_t k)
{
	const struct atarget *t = &a->t[k];

	if (w->tend == NULL || w->tend[k] == INT64_MIN)
		return w->end_mono;
	if (w->tend[k] != INT64_MAX)
		return w->tend[k];
	if (t->recover_win == w->id && t->first_tx != 0 && !t->neigh_wait)
		return t->first_tx + t->conf->timeout_ns;
	return INT64_MAX;
}

/* The window with this id, or NULL. */
static struct window *
window_find(struct aware *a, uint64_t id)
{
	size_t i;

	for (i = 0; i < a->nwin; i++)
		if (a->win[i].id == id)
			return &a->win[i];
	return NULL;
}

/* Open a window; returns its id. */
uint64_t
aware_window_open(struct aware *a, enum aware_scope scope, int ifindex, const char *ifname,
		  int target, const char *code, const char *reason, int64_t start_mono,
		  int64_t start_real)
{
	struct window *w;

	if (a->nwin == a->capwin) {
		a->capwin = a->capwin ? 2 * a->capwin : 16;
		a->win = xreallocarray(a->win, a->capwin, sizeof(*a->win));
	}
	w = &a->win[a->nwin++];
	memset(w, 0, sizeof(*w));
	w->id = ++a->last_id;
	w->start_mono = start_mono;
	w->start_real = start_real;
	w->end_mono = INT64_MAX;
	w->scope = scope;
	w->ifindex = scope == AWARE_SCOPE_LINK ? ifindex : 0;
	snprintf(w->ifname, sizeof(w->ifname), "%s",
		 scope == AWARE_SCOPE_LINK && ifname ? ifname : "");
	w->target = scope == AWARE_SCOPE_TARGET ? target : -1;
	w->first_target = -1;
	snprintf(w->code, sizeof(w->code), "%s", code);
	snprintf(w->reason, sizeof(w->reason), "%s", reason);
	return w->id;
}

/* Show a closed window (text or JSON) on stdout. */
static void
aware_print_window(const struct aware *a, const struct window *w)
{
	int64_t dur = w->end_mono - w->start_mono;
	char when[64];

	if (a->o.on_window != NULL)
		a->o.on_window(a->o.on_window_arg, w->target,
			       w->scope == AWARE_SCOPE_LINK ? w->ifname : NULL, w->code, w->reason,
			       w->start_real, dur);
	if (a->o.quiet)
		return;
	if (a->o.format == MONITOR_JSON) {
		struct jsonw *j = jsonw_new(stdout);

		jsonw_obj_open(j);
		jsonw_string_field(j, "event", "unknown");
		if (w->target >= 0)
			jsonw_string_field(j, "target", a->t[w->target].conf->name);
		else
			jsonw_null_field(j, "target");
		jsonw_time_field(j, "time", w->start_real);
		jsonw_ms_field(j, "duration_ms", dur);
		jsonw_string_field(j, "scope",
				   w->scope == AWARE_SCOPE_LINK     ? "link"
				   : w->scope == AWARE_SCOPE_TARGET ? "target"
								    : "all");
		if (w->scope == AWARE_SCOPE_LINK)
			jsonw_string_field(j, "ifname", w->ifname);
		jsonw_string_field(j, "code", w->code);
		jsonw_string_field(j, "reason", w->reason);
		jsonw_obj_close(j);
		jsonw_free(j);
	} else {
		time_format_local(w->start_real, when, sizeof(when));
		printf("%s %s UNKNOWN %s for %.1f ms\n", when,
		       w->target >= 0 ? a->t[w->target].conf->name : "*", w->reason, dur / 1e6);
	}
	fflush(stdout);
}

/*
 * The only place a closed window is persisted: one unknown_windows row per
 * target it applied to (target_index -1: one row for every target, the ALL
 * scope, or a LINK window that no target is on any more), so that a report
 * charges a link's window to exactly the targets behind that link. The end
 * is the start plus the monotonic duration: a clock step inside the window
 * does not change its length.
 */
static void
aware_persist(struct aware *a, const struct window *w, int target_index, int64_t end_mono)
{
	struct store_window sw;

	if (a->store == NULL)
		return;
	memset(&sw, 0, sizeof(sw));
	sw.session_id = a->session_id;
	sw.target_id = target_index >= 0 ? a->t[target_index].store_id : 0;
	sw.start_ns = w->start_real;
	sw.end_ns = w->start_real + (end_mono - w->start_mono);
	sw.scope = w->scope == AWARE_SCOPE_LINK     ? STORE_SCOPE_LINK
		   : w->scope == AWARE_SCOPE_TARGET ? STORE_SCOPE_TARGET
						    : STORE_SCOPE_ALL;
	sw.ifindex = w->scope == AWARE_SCOPE_LINK ? w->ifindex : 0;
	sw.ifname = w->scope == AWARE_SCOPE_LINK && w->ifname[0] != '\0' ? w->ifname : NULL;
	sw.code = w->code;
	sw.reason = w->reason;
	store_push_window(a->store, &sw);
}

/* Charge [s, e) of a non-ALL window to target k: what its union lacks. */
static void
aware_charge_target(struct aware *a, size_t k, int64_t s, int64_t e, int64_t horizon)
{
	struct atarget *t = &a->t[k];
	int64_t covered = spans_overlap(&a->all, s, e) + spans_overlap(&t->u, s, e) -
			  spans_overlap2(&a->all, &t->u, s, e);

	t->unknown_ns += (e - s) - covered;
	spans_add(&t->u, s, e);
	spans_drop_before(&t->u, horizon);
}

/* Charge window w's [start, e) to target k and store its row. */
static void
window_charge(struct aware *a, struct window *w, size_t k, int64_t e, int64_t horizon)
{
	int64_t s = w->start_mono;

	if (w->first_target < 0)
		w->first_target = (int)k;
	if (w->scope == AWARE_SCOPE_ALL) {
		a->t[k].unknown_ns += (e - s) - spans_overlap(&a->all, s, e) -
				      spans_overlap(&a->t[k].u, s, e) +
				      spans_overlap2(&a->all, &a->t[k].u, s, e);
		return;
	}
	aware_charge_target(a, k, s, e, horizon);
	if (w->tend == NULL)
		aware_persist(a, w, (int)k, e);
}

/* Store the rows of a link window that came back (one per target, each
 * with its own end) and show it: once nothing can move its ends. */
static void
window_show(struct aware *a, struct window *w)
{
	size_t k;

	if (w->shown)
		return;
	w->shown = 1;
	for (k = 0; k < a->nt; k++)
		if (w->tend[k] != INT64_MIN && w->tend[k] != INT64_MAX)
			aware_persist(a, w, (int)k, w->tend[k]);
	if (w->first_target < 0)
		aware_persist(a, w, -1, w->end_mono);
	aware_print_window(a, w);
}

/* The window has ended for every target at end_mono: keep it for the
 * probes it may still decide, and show it. */
static void
window_finish(struct aware *a, struct window *w, int64_t end_mono, int64_t end_real)
{
	int64_t prune;

	w->end_mono = end_mono;
	w->end_real = end_real;
	prune = end_mono > INT64_MAX - a->max_timeout ? INT64_MAX : end_mono + a->max_timeout;
	if (prune < a->next_prune)
		a->next_prune = prune;
	if (w->tend != NULL)
		return; /* shown when it is pruned: a late answer may still move an end */
	if (w->scope == AWARE_SCOPE_ALL || w->first_target < 0)
		aware_persist(a, w, -1, end_mono);
	aware_print_window(a, w);
}

/* Close a window: charge its time to the targets it covers, show, store. */
void
aware_window_close(struct aware *a, uint64_t id, int64_t end_mono, int64_t end_real)
{
	struct window *w = window_find(a, id);
	int64_t horizon;
	size_t k;

	if (w == NULL || w->end_mono != INT64_MAX || w->tend != NULL)
		return;
	if (end_mono < w->start_mono)
		end_mono = w->start_mono;
	horizon = aware_horizon(a, w->start_mono);
	for (k = 0; k < a->nt; k++)
		if (window_applies(a, w, k))
			window_charge(a, w, k, end_mono, horizon);
	if (w->scope == AWARE_SCOPE_ALL) {
		spans_add(&a->all, w->start_mono, end_mono);
		spans_drop_before(&a->all, horizon);
	}
	window_finish(a, w, end_mono, end_real);
}

/* Target k sees again through link window w at e (by_timeout: its first
 * probe after link-up went unanswered): its part ends there. */
static void
window_target_sees(struct aware *a, struct window *w, size_t k, int64_t e, int by_timeout)
{
	struct atarget *t = &a->t[k];
	int64_t end = INT64_MIN;
	size_t i;

	if (e < w->start_mono)
		e = w->start_mono;
	w->tend[k] = e;
	t->first_tx = 0;
	t->neigh_wait = 0;
	t->sight_timed = by_timeout;
	window_charge(a, w, k, e, aware_horizon(a, w->start_mono));
	if (--w->waiting > 0)
		return;
	for (i = 0; i < a->nt; i++)
		if (w->tend[i] != INT64_MIN && w->tend[i] > end)
			end = w->tend[i];
	if (end == INT64_MIN)
		end = w->up_mono;
	window_finish(a, w, end, w->start_real + (end - w->start_mono));
}

/* The link of window w is back at up (mono): each target behind it now
 * waits for sight (window_target_sees). */
static void
window_link_up(struct aware *a, struct window *w, int64_t up)
{
	size_t k;

	if (up < w->start_mono)
		up = w->start_mono;
	w->up_mono = up;
	w->tend = xreallocarray(NULL, a->nt ? a->nt : 1, sizeof(*w->tend));
	w->waiting = 0;
	w->next_due = INT64_MAX;
	for (k = 0; k < a->nt; k++) {
		if (!window_applies(a, w, k)) {
			w->tend[k] = INT64_MIN;
			continue;
		}
		w->tend[k] = INT64_MAX;
		w->waiting++;
		a->t[k].recover_win = w->id;
		a->t[k].first_tx = 0;
		a->t[k].neigh_wait = 0;
	}
	snprintf(w->reason + strlen(w->reason), sizeof(w->reason) - strlen(w->reason),
		 "; up after %.1f ms", (up - w->start_mono) / 1e6);
	if (w->waiting == 0)
		window_finish(a, w, up, w->start_real + (up - w->start_mono));
}

/* Window w goes: its targets no longer point at it; its ends go too. */
static void
window_unlink(struct aware *a, struct window *w)
{
	size_t k;

	for (k = 0; k < a->nt; k++)
		if (a->t[k].recover_win == w->id)
			a->t[k].recover_win = 0;
	free(w->tend);
	w->tend = NULL;
}

/* End window w at e for every target still waiting in it (or earlier,
 * where its first probe after link-up timed out before e). */
static void
window_end_waiting(struct aware *a, struct window *w, int64_t e)
{
	size_t k;

	for (k = 0; k < a->nt && w->waiting > 0; k++) {
		int64_t ek;

		if (w->tend[k] != INT64_MAX)
			continue;
		ek = window_end(a, w, k);
		window_target_sees(a, w, k, ek < e ? ek : e, ek < e);
	}
}

/* Target's next hop changed state (NUD_* bits) at rx_mono while it waits
 * for sight behind a link that came back. */
void
aware_neigh(struct aware *a, size_t target, int nud, int64_t rx_mono)
{
	struct atarget *t = &a->t[target];
	struct window *w;

	if (t->recover_win == 0 || (w = window_find(a, t->recover_win)) == NULL ||
	    rx_mono < w->up_mono || w->tend[target] != INT64_MAX)
		return;
	if (nud & (NUD_INCOMPLETE | NUD_PROBE))
		t->neigh_wait = 1;
	else if (nud & NUD_FAILED)
		window_target_sees(a, w, target, rx_mono, 1);
	else if (nud != 0 && t->neigh_wait) {
		/* Resolved: the queued requests go out now; the next probe's
		 * timeout ends the wait if no answer comes first. */
		t->neigh_wait = 0;
		t->first_tx = 0;
	}
}

/*
 * A reply from target to a probe sent at tx_mono, received at rx_mono: if
 * it waits for sight, it sees again. If its wait ended by a timeout and
 * this answers a probe sent before that end, the kernel was still
 * resolving the path (its ARP retry and our timeout are both a second):
 * the wait really lasted until now. Safe to move within a timeout of the
 * old end: no probe sent after that end has been decided by its timeout
 * yet, and the queued requests are answered oldest first.
 */
void
aware_after_reply(struct aware *a, size_t target, int64_t tx_mono, int64_t rx_mono)
{
	struct atarget *t = &a->t[target];
	struct window *w;
	int64_t old;

	if (t->recover_win == 0 || (w = window_find(a, t->recover_win)) == NULL)
		return;
	old = w->tend[target];
	if (old == INT64_MAX) {
		if (rx_mono >= w->up_mono)
			window_target_sees(a, w, target, rx_mono, 0);
		return;
	}
	if (!t->sight_timed || w->shown || tx_mono >= old || rx_mono <= old ||
	    rx_mono >= old + t->conf->timeout_ns)
		return;
	w->tend[target] = rx_mono;
	aware_charge_target(a, target, w->start_mono, rx_mono, aware_horizon(a, w->start_mono));
	if (w->end_mono != INT64_MAX && rx_mono > w->end_mono) {
		w->end_real += rx_mono - w->end_mono;
		w->end_mono = rx_mono;
	}
}

/* End, for targets whose first probe after link-up has timed out by now,
 * their part of the link windows coming back. Scans at most once a
 * millisecond per window (the ends are exact whenever they are found:
 * window_end already applies them to the probes they decide). */
static void
windows_sweep_due(struct aware *a, int64_t now)
{
	size_t i, k;

	for (i = 0; i < a->nwin; i++) {
		struct window *w = &a->win[i];
		int64_t next = INT64_MAX;

		if (w->tend == NULL || w->waiting == 0 || now < w->next_due)
			continue;
		for (k = 0; k < a->nt && w->waiting > 0; k++) {
			const struct atarget *t = &a->t[k];
			int64_t due;

			if (w->tend[k] != INT64_MAX || t->recover_win != w->id ||
			    t->first_tx == 0 || t->neigh_wait)
				continue;
			due = t->first_tx + t->conf->timeout_ns;
			if (due <= now)
				window_target_sees(a, w, k, due, 1);
			else if (due < next)
				next = due;
		}
		w = &a->win[i]; /* window_target_sees never moves the array */
		w->next_due = next == INT64_MAX            ? INT64_MAX
			      : next > now + NSEC_PER_MSEC ? next
							   : now + NSEC_PER_MSEC;
	}
}

/* Is a probe of target sent at tx_mono inside a window that applies to it? */
int
aware_covers(const struct aware *a, size_t target, int64_t tx_mono)
{
	size_t i;

	for (i = 0; i < a->nwin; i++) {
		const struct window *w = &a->win[i];

		if (tx_mono >= w->start_mono && tx_mono < window_end(a, w, target) &&
		    window_applies(a, w, target))
			return 1;
	}
	return 0;
}

/*
 * Is an answer to a probe of target sent at tx_mono in doubt? Inside a link
 * window the path was not there, or was being set up again (requests
 * queued for a neighbour are answered a second late), and across a clock
 * step the RTT mixes two clocks: such an answer is no RTT sample. Inside a
 * stall or an rx-drop window an answer that did arrive is as good as any.
 */
int
aware_doubts_answer(const struct aware *a, size_t target, int64_t tx_mono)
{
	size_t i;

	for (i = 0; i < a->nwin; i++) {
		const struct window *w = &a->win[i];

		if ((w->scope == AWARE_SCOPE_LINK || strcmp(w->code, "clock-step") == 0) &&
		    tx_mono >= w->start_mono && tx_mono < window_end(a, w, target) &&
		    window_applies(a, w, target))
			return 1;
	}
	return 0;
}

/* The open window of an egress link (maybe back up and waiting for
 * sight), NULL when none. */
static struct window *
window_for_link(struct aware *a, int ifindex)
{
	size_t i;

	for (i = 0; i < a->nwin; i++)
		if (a->win[i].scope == AWARE_SCOPE_LINK && a->win[i].ifindex == ifindex &&
		    a->win[i].end_mono == INT64_MAX)
			return &a->win[i];
	return NULL;
}

/* Time inside the windows that applied to target. */
int64_t
aware_unknown_ns(const struct aware *a, size_t target)
{
	return a->t[target].unknown_ns;
}

/* Windows open now. */
size_t
aware_count_open(const struct aware *a)
{
	size_t i, open = 0;

	for (i = 0; i < a->nwin; i++)
		open += a->win[i].end_mono == INT64_MAX;
	return open;
}

/* Windows kept now (open, and closed ones that may still decide a probe). */
size_t
aware_count_kept(const struct aware *a)
{
	return a->nwin;
}

/* Egress link ifindex went down (netlink saw it at rx): its window opens,
 * back-dated by netlink's margin. */
void
aware_link_down(struct aware *a, int ifindex, const char *ifname, int64_t rx_mono, int64_t rx_real)
{
	struct window *w = window_for_link(a, ifindex);
	char reason[AWARE_REASON_LEN];

	if (w != NULL && w->tend != NULL) {
		/* Down again before every target saw: they stay blind. */
		window_end_waiting(a, w, rx_mono - AWARE_NL_MARGIN_NS);
		w = NULL;
	}
	if (w != NULL)
		return;
	snprintf(reason, sizeof(reason), "egress link %s down", ifname);
	aware_window_open(a, AWARE_SCOPE_LINK, ifindex, ifname, -1, "link-down", reason,
			  rx_mono - AWARE_NL_MARGIN_NS, rx_real - AWARE_NL_MARGIN_NS);
}

/* Link ifindex is back (netlink saw it at rx): its window waits for each
 * target behind it to see again. */
void
aware_link_up(struct aware *a, int ifindex, int64_t rx_mono)
{
	struct window *w = window_for_link(a, ifindex);

	if (w != NULL && w->tend == NULL)
		window_link_up(a, w, rx_mono + AWARE_NL_MARGIN_NS);
}

/* A netlink event, once per target it concerns (tid -1: none). */
static void
aware_on_nl(const struct nlw_event *ev, int tid, void *arg)
{
	struct aware *a = arg;
	const char *cls = nlw_kind_class(ev->kind);
	char when[64];

	/* Link changes of an egress link open its window and start its end. */
	if (ev->kind == NLW_LINK_DOWN && tid >= 0)
		aware_link_down(a, ev->ifindex, ev->ifname, ev->rx_mono_ns, ev->rx_real_ns);
	else if (ev->kind == NLW_LINK_UP)
		aware_link_up(a, ev->ifindex, ev->rx_mono_ns);
	else if (ev->kind == NLW_NEIGH && tid >= 0 && (size_t)tid < a->nt)
		aware_neigh(a, (size_t)tid, ev->neigh_state, ev->rx_mono_ns);
	if (tid >= 0 && (size_t)tid < a->nt &&
	    (ev->kind == NLW_ROUTE_ADD || ev->kind == NLW_ROUTE_DEL)) {
		int ifx = nlwatch_target_ifindex(a->nl, tid);

		if (ifx >= 0)
			a->t[tid].ifindex = ifx;
	}

	/* Only what concerns a target, and the view being lost or regained. */
	if (tid < 0 && ev->kind != NLW_OVERRUN && ev->kind != NLW_RESYNCED)
		return;
	aware_store_event(a, tid, ev->rx_real_ns, cls, ev->text);
	if (a->o.quiet)
		return;
	if (a->o.format == MONITOR_JSON) {
		struct jsonw *j = jsonw_new(stdout);

		jsonw_obj_open(j);
		jsonw_string_field(j, "event", cls);
		if (tid >= 0)
			jsonw_string_field(j, "target", a->t[tid].conf->name);
		else
			jsonw_null_field(j, "target");
		jsonw_time_field(j, "time", ev->rx_real_ns);
		jsonw_string_field(j, "kind", nlw_kind_name(ev->kind));
		jsonw_string_field(j, "ifname", ev->ifname);
		jsonw_string_field(j, "state", ev->state);
		jsonw_string_field(j, "address", ev->address);
		jsonw_string_field(j, "lladdr", ev->lladdr);
		jsonw_string_field(j, "text", ev->text);
		jsonw_obj_close(j);
		jsonw_free(j);
	} else {
		time_format_local(ev->rx_real_ns, when, sizeof(when));
		printf("%s %s %-5s %s\n", when, tid >= 0 ? a->t[tid].conf->name : "*", cls,
		       ev->text);
	}
	fflush(stdout);
}

/* Set up; open the netlink watch and learn each target's egress link,
 * source and gateway. */
struct aware *
aware_new(const struct aware_opts *o)
{
	struct aware *a = xcalloc(1, sizeof(*a));
	char err[256];
	size_t i;

	a->o = *o;
	a->nt = o->ntargets;
	a->t = xcalloc(a->nt ? a->nt : 1, sizeof(*a->t));
	a->next_prune = INT64_MAX;
	for (i = 0; i < a->nt; i++) {
		const struct target_conf *c = &o->targets[i];

		a->t[i].conf = c;
		if (c->timeout_ns > a->max_timeout)
			a->max_timeout = c->timeout_ns;
		if (c->timeout_ns > a->keep_ns)
			a->keep_ns = c->timeout_ns;
		if (c->interval_ns > a->keep_ns)
			a->keep_ns = c->interval_ns;
	}
	a->keep_ns += AWARE_NL_MARGIN_NS;
	/* Room for a window per target and a few more: a route removed under
	 * every target opens that many at once, and this avoids growing the
	 * array then. */
	a->capwin = a->nt + 16;
	a->win = xcalloc(a->capwin, sizeof(*a->win));
	if (o->no_netlink || o->base == NULL)
		return a;
	if ((a->nl = nlwatch_open(o->base, aware_on_nl, a, err, sizeof(err))) == NULL) {
		log_warnx("%s; egress links are not watched: a link down counts as the targets' "
			  "loss, and no link or neighbour event is seen",
			  err);
		return a;
	}
	for (i = 0; i < a->nt; i++) {
		struct atarget *t = &a->t[i];
		struct nlw_route r;
		char e[256];

		if (nlwatch_route_lookup(a->nl, (const struct sockaddr *)&t->conf->addr, &r, e,
					 sizeof(e)) == 0) {
			aware_set_egress(a, i, r.ifindex, r.ifname);
			snprintf(t->src, sizeof(t->src), "%s", r.src_text);
			snprintf(t->gateway, sizeof(t->gateway), "%s", r.gw_text);
		} else
			log_debug("%s: %s", t->conf->name, e);
		nlwatch_watch_target(a->nl, (int)i, (const struct sockaddr *)&t->conf->addr);
	}
	return a;
}

/* Record into a store from now on. */
void
aware_attach_store(struct aware *a, struct store *st, int64_t session_id)
{
	a->store = st;
	a->session_id = session_id;
}

/* Remember the store's id of target i. */
void
aware_set_store_id(struct aware *a, size_t i, int64_t id)
{
	if (i < a->nt)
		a->t[i].store_id = id;
}

/* Set target i's egress link. */
void
aware_set_egress(struct aware *a, size_t i, int ifindex, const char *ifname)
{
	if (i >= a->nt)
		return;
	a->t[i].ifindex = ifindex;
	snprintf(a->t[i].egress, sizeof(a->t[i].egress), "%s", ifname != NULL ? ifname : "");
}

/* Show and store each target's path as the kernel routes it now. */
void
aware_describe_paths(struct aware *a)
{
	char text[256];
	size_t i;

	for (i = 0; i < a->nt; i++) {
		struct atarget *t = &a->t[i];

		if (t->egress[0] == '\0')
			snprintf(text, sizeof(text), "no route known");
		else
			snprintf(text, sizeof(text), "via %s%s%s%s%s", t->egress,
				 t->src[0] ? " src " : "", t->src, t->gateway[0] ? " gw " : "",
				 t->gateway);
		aware_store_event(a, (int)i, mclock_real(&a->o.clock), "path", text);
		if (!a->o.quiet)
			log_info("%s (%s): %s", t->conf->name, t->conf->url, text);
	}
}

/* After each send: a clock step, or a local failure opening/closing the
 * target's window. (Stalls are caught once per timer round.) */
void
aware_after_send(struct aware *a, size_t target, int64_t tx_mono, int64_t tx_real, int err)
{
	struct atarget *t = &a->t[target];
	int64_t off = tx_real - tx_mono;
	char reason[AWARE_REASON_LEN];

	if (a->clock_offset != 0 && llabs(off - a->clock_offset) > AWARE_CLOCK_STEP_NS) {
		uint64_t w;

		snprintf(reason, sizeof(reason), "wall clock stepped by %+.1f ms",
			 (off - a->clock_offset) / 1e6);
		aware_store_event(a, -1, tx_real, "clock-step", reason);
		/* Probes of the last interval carry times on both sides of the step. */
		w = aware_window_open(a, AWARE_SCOPE_ALL, 0, NULL, -1, "clock-step", reason,
				      tx_mono - t->conf->interval_ns,
				      tx_real - t->conf->interval_ns);
		aware_window_close(a, w, tx_mono, tx_real);
	}
	a->clock_offset = off;
	if (t->recover_win != 0 && t->first_tx == 0) {
		struct window *w = window_find(a, t->recover_win);

		if (w != NULL && w->tend[target] == INT64_MAX && tx_mono >= w->up_mono) {
			t->first_tx = tx_mono;
			if (tx_mono + t->conf->timeout_ns < w->next_due)
				w->next_due = tx_mono + t->conf->timeout_ns;
		}
	}
	if (err != 0 && t->sendfail_win == 0) {
		snprintf(reason, sizeof(reason), "sends fail here: %s", strerror(err));
		t->sendfail_win =
			aware_window_open(a, AWARE_SCOPE_TARGET, 0, NULL, (int)target,
					  err == ENETUNREACH || err == EHOSTUNREACH ? "no-route"
					  : err == EMFILE || err == ENFILE          ? "no-fd"
										    : "send-error",
					  reason, tx_mono, tx_real);
	} else if (err == 0 && t->sendfail_win != 0) {
		aware_window_close(a, t->sendfail_win, tx_mono, tx_real);
		t->sendfail_win = 0;
	}
}

/* The timer ran late: everything between key and now went unobserved. */
void
aware_stall(struct aware *a, int64_t key, int64_t now)
{
	char reason[AWARE_REASON_LEN];
	int64_t late = now - key;
	uint64_t w;

	snprintf(reason, sizeof(reason), "monitor stalled (timer %.1f ms late)", late / 1e6);
	w = aware_window_open(a, AWARE_SCOPE_ALL, 0, NULL, -1, "stall", reason, key,
			      mclock_real(&a->o.clock) - late);
	aware_window_close(a, w, now, mclock_real(&a->o.clock));
}

/* End of a scheduler round at now: every probe whose timeout has passed is
 * decided, so closed windows that ended more than the longest timeout ago
 * can decide nothing more; forget them, and ALL spans out of reach. */
void
aware_tick(struct aware *a, int64_t now)
{
	size_t i, j;

	a->last_tick = now;
	windows_sweep_due(a, now);
	if (now < a->next_prune)
		return;
	a->next_prune = INT64_MAX;
	for (i = j = 0; i < a->nwin; i++) {
		struct window *w = &a->win[i];

		if (w->end_mono != INT64_MAX && w->end_mono + a->max_timeout < now) {
			if (w->tend != NULL) {
				window_show(a, w);
				window_unlink(a, w);
			}
			continue;
		}
		if (w->end_mono != INT64_MAX && w->end_mono + a->max_timeout < a->next_prune)
			a->next_prune = w->end_mono + a->max_timeout;
		if (i != j)
			a->win[j] = *w;
		j++;
	}
	a->nwin = j;
	spans_drop_before(&a->all, aware_horizon(a, INT64_MAX));
}

/* Close what is open. */
void
aware_finish(struct aware *a, int64_t now_mono, int64_t now_real)
{
	size_t i;

	for (i = 0; i < a->nwin; i++)
		if (a->win[i].tend != NULL && a->win[i].end_mono == INT64_MAX)
			window_end_waiting(a, &a->win[i], now_mono);
		else if (a->win[i].end_mono == INT64_MAX)
			aware_window_close(a, a->win[i].id, now_mono, now_real);
	for (i = 0; i < a->nwin; i++)
		if (a->win[i].tend != NULL)
			window_show(a, &a->win[i]);
}

/* Stop watching and free. */
void
aware_free(struct aware *a)
{
	size_t i;

	if (a == NULL)
		return;
	nlwatch_free(a->nl);
	for (i = 0; i < a->nt; i++)
		free(a->t[i].u.v);
	free(a->all.v);
	for (i = 0; i < a->nwin; i++)
		free(a->win[i].tend);
	free(a->win);
	free(a->t);
	free(a);
}
