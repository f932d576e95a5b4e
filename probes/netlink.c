/* SPDX-License-Identifier: ISC */
/*
 * netlink.c: the monitor's own view of the network, from rtnetlink through
 * libnl-3. One non-blocking socket subscribed to link, address, neighbour
 * and route changes; every message becomes a struct nlw_event, classified
 * against the watched targets and handed to the callback.
 *
 * Why links are tracked here: the kernel sends RTM_NEWLINK for any change of
 * a link (MTU, statistics-bearing attributes, promiscuity, a bridge port's
 * state) and each carries the whole link. An "up"/"down" event is wanted
 * only when usability changes, so the last IFF_UP && IFF_RUNNING of every
 * link is kept, learned at open from a link dump that runs on the same
 * socket without blocking (its replies arrive interleaved with the
 * notifications and are parsed by the same callback).
 *
 * Overruns: when notifications come faster than we read them, the kernel
 * drops them and the next recvmsg fails with ENOBUFS. What was dropped is
 * unknown, so the view is declared lost (NLW_OVERRUN), the links are dumped
 * again, links whose state differs from what we knew are reported as they
 * come, links that vanished are reported down at the end of the dump, and
 * NLW_RESYNCED closes the window. Neighbour and route changes lost in the
 * window are not reconstructed: the monitor's probes, not this module, say
 * whether targets answer.
 *
 * Requests of our own (the link dump, the per-target route refreshes) carry
 * our port id in nlmsg_pid; notifications carry the port of whoever caused
 * the change, or 0. That is how replies are told from news.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/event.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "probes/netlink_int.h"

/* ---------------------------------------------------------------- links */

/* The link table entry for ifindex, or NULL. */
static struct nlw_link *
nlw_link_find(struct nlwatch *w, int ifindex)
{
	size_t i;

	for (i = 0; i < w->nlinks; i++)
		if (w->links[i].ifindex == ifindex)
			return &w->links[i];
	return NULL;
}

/* Drop the link table entry at index i. */
static void
nlw_link_remove(struct nlwatch *w, size_t i)
{
	w->links[i] = w->links[w->nlinks - 1];
	w->nlinks--;
}

/* The name of ifindex: from the link table, else from the kernel, else "". */
static void
nlw_ifname(struct nlwatch *w, int ifindex, char *out)
{
	struct nlw_link *l = nlw_link_find(w, ifindex);

	out[0] = '\0';
	if (l != NULL)
		memcpy(out, l->name, IFNAMSIZ);
	else if (ifindex > 0 && if_indextoname((unsigned int)ifindex, out) == NULL)
		out[0] = '\0';
}

/* ---------------------------------------------------------------- delivery */

/* Stamp, format, classify and hand an event to the callback, once per target. */
static void
nlw_emit(struct nlwatch *w, struct nlw_event *ev)
{
	int n, i;

	ev->seq = ++w->eseq;
	ev->rx_real_ns = w->rx_real;
	ev->rx_mono_ns = w->rx_mono;
	nlw_event_format(ev);
	w->n.events++;
	n = nlw_classify(ev, &w->targets, w->tids, w->captargets);
	if (n == 0) {
		w->cb(ev, -1, w->cbarg);
		return;
	}
	/* Read w->tids[i] afresh each time: the callback may watch another
	 * target, which can move the array (its contents stay). */
	for (i = 0; i < n && (size_t)i < w->captargets; i++)
		w->cb(ev, w->tids[i], w->cbarg);
}

/* A fresh, empty event of kind. */
static void
nlw_event_init(struct nlw_event *ev, enum nlw_kind kind)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	ev->family = AF_UNSPEC;
}

/* ---------------------------------------------------------------- requests */

/* Start a link dump on the event socket without waiting for it. */
static void
nlw_dump_links(struct nlwatch *w)
{
	int rc;

	if (w->dumping) {
		w->dump_again = 1;
		return;
	}
	rc = nl_rtgen_request(w->sk, RTM_GETLINK, AF_UNSPEC, NLM_F_DUMP);
	if (rc < 0) {
		/* The socket buffer towards the kernel is full, or memory:
		 * try again when the socket next wakes us. */
		log_debug("netlink: link dump request: %s", nl_geterror(rc));
		w->dump_unsent = 1;
		w->n.errors++;
		return;
	}
	w->dump_unsent = 0;
	w->dumping = 1;
	w->gen++;
}

/* Ask, without waiting, for the current route to watched target i. */
static void
nlw_refresh_target(struct nlwatch *w, size_t i)
{
	struct nlw_target *t = &w->targets.v[i];
	struct nl_msg *msg;
	int rc;

	if (++w->rseq == 0)
		w->rseq = 1;
	msg = nlw_build_getroute(t->family, t->addr, w->rseq);
	if (msg == NULL) {
		w->n.errors++;
		return;
	}
	rc = nl_send_auto(w->sk, msg);
	nlmsg_free(msg);
	if (rc < 0) {
		log_debug("netlink: route refresh for target %d: %s", t->tid, nl_geterror(rc));
		w->n.errors++;
		return;
	}
	w->pending[i] = w->rseq;
}

/* ---------------------------------------------------------------- parsing */

/* Mark link ifindex and what depends on it as to be decided again. */
static void nlw_mark(struct nlwatch *w, int ifindex, int depth);

/* Mark what may depend on link ifindex, a port of master (0 none): that
 * master and the links stacked on ifindex, and theirs in turn. */
static void
nlw_mark_dependents(struct nlwatch *w, int ifindex, int master, int depth)
{
	size_t i;

	if (depth >= NLW_STACK_MAX)
		return;
	if (master > 0 && master != ifindex)
		nlw_mark(w, master, depth + 1);
	for (i = 0; i < w->nlinks; i++)
		if (w->links[i].lower == ifindex && w->links[i].ifindex != ifindex)
			nlw_mark(w, w->links[i].ifindex, depth + 1);
}

static void
nlw_mark(struct nlwatch *w, int ifindex, int depth)
{
	struct nlw_link *l = nlw_link_find(w, ifindex);

	if (l == NULL || l->dirty || depth >= NLW_STACK_MAX)
		return;
	l->dirty = 1;
	nlw_mark_dependents(w, l->ifindex, l->master, depth);
}

/*
 * Decide link l's usability again; report it when it changed (or l is new)
 * unless quiet. m: the message about l that caused it, NULL when one of
 * its ports or its lower link changed.
 */
static void
nlw_link_decide(struct nlwatch *w, struct nlw_link *l, int fresh, int quiet,
		const struct nlw_linkmsg *m)
{
	struct nlw_event ev;
	char cause[NLW_CAUSELEN];
	int up = nlw_link_usable(w->links, w->nlinks, l, cause, sizeof cause);

	l->dirty = 0;
	if (!fresh && l->up == up)
		return; /* some other attribute changed */
	l->up = up;
	if (quiet)
		return;
	nlw_event_init(&ev, up ? NLW_LINK_UP : NLW_LINK_DOWN);
	ev.ifindex = l->ifindex;
	memcpy(ev.ifname, l->name, IFNAMSIZ);
	ev.link_flags = l->flags;
	if (m != NULL)
		nlw_format_lladdr(m->lladdr, m->lladdr_len, ev.lladdr, sizeof ev.lladdr);
	snprintf(ev.state, sizeof ev.state, "%s", up ? "up" : "down");
	snprintf(ev.operstate, sizeof ev.operstate, "%s",
		 l->operstate < 0 ? "unknown" : nlw_operstate_name(l->operstate));
	snprintf(ev.cause, sizeof ev.cause, "%s", cause);
	nlw_emit(w, &ev);
}

/* Decide every marked link again. */
static void
nlw_decide_marked(struct nlwatch *w, int quiet)
{
	size_t i;

	for (i = 0; i < w->nlinks; i++)
		if (w->links[i].dirty)
			nlw_link_decide(w, &w->links[i], 0, quiet, NULL);
}

/* A link went away: report it, and decide again what depended on it. */
static void
nlw_link_gone(struct nlwatch *w, int ifindex, const char *name, const struct nlw_linkmsg *m)
{
	struct nlw_event ev;
	struct nlw_link *l = nlw_link_find(w, ifindex);
	int master = m != NULL ? m->master : 0;

	nlw_event_init(&ev, NLW_LINK_DOWN);
	ev.ifindex = ifindex;
	snprintf(ev.ifname, sizeof ev.ifname, "%s", name);
	if (m != NULL) {
		ev.link_flags = m->flags;
		nlw_format_lladdr(m->lladdr, m->lladdr_len, ev.lladdr, sizeof ev.lladdr);
	}
	if (l != NULL) {
		if (master == 0)
			master = l->master;
		if (ev.ifname[0] == '\0')
			memcpy(ev.ifname, l->name, IFNAMSIZ);
		nlw_link_remove(w, (size_t)(l - w->links));
	}
	snprintf(ev.state, sizeof ev.state, "down");
	snprintf(ev.operstate, sizeof ev.operstate, "deleted");
	nlw_emit(w, &ev);
	/* A bridge whose last port was deleted has none left. */
	nlw_mark(w, master, 0);
	nlw_mark_dependents(w, ifindex, 0, 0);
}

/*
 * A bridge port's own message (AF_BRIDGE): its forwarding state. The link
 * itself is described by its AF_UNSPEC messages; RTM_DELLINK here means it
 * left its bridge, not that it is gone.
 */
static void
nlw_on_brport(struct nlwatch *w, const struct nlw_linkmsg *m, int quiet)
{
	struct nlw_link *l = nlw_link_find(w, m->ifindex);

	if (l == NULL)
		return; /* its AF_UNSPEC message, or the dump, brings it */
	if (m->type == RTM_DELLINK)
		l->brport_state = -1;
	else if (m->brport_state >= 0)
		l->brport_state = m->brport_state;
	if (m->type == RTM_NEWLINK && m->master > 0 && m->master != m->ifindex)
		l->master = m->master;
	nlw_mark_dependents(w, l->ifindex, l->master, 0);
	nlw_decide_marked(w, quiet);
}

/* A link message: keep the table current, report changes of usability, of
 * the link and of the bridges, bonds and vlans that depend on it. */
static void
nlw_on_link(struct nlwatch *w, const struct nlw_linkmsg *m)
{
	struct nlw_link *l;
	int fresh = 0, old_master;
	/* The first dump only teaches us the current state. */
	int quiet = w->msg_pid == w->port && !w->synced;

	if (m->ifindex <= 0)
		return;
	if (m->family == AF_BRIDGE) {
		nlw_on_brport(w, m, quiet);
		return;
	}
	if (m->family != AF_UNSPEC)
		return;
	if (m->type == RTM_DELLINK) {
		nlw_link_gone(w, m->ifindex, m->name, m);
		nlw_decide_marked(w, 0);
		return;
	}
	if ((l = nlw_link_find(w, m->ifindex)) == NULL) {
		if (w->nlinks == w->caplinks) {
			w->caplinks = w->caplinks ? w->caplinks * 2 : 16;
			w->links = xreallocarray(w->links, w->caplinks, sizeof *w->links);
		}
		l = &w->links[w->nlinks++];
		memset(l, 0, sizeof *l);
		l->ifindex = m->ifindex;
		l->brport_state = -1;
		fresh = 1;
	}
	old_master = l->master;
	l->gen = w->gen;
	l->flags = m->flags;
	l->operstate = m->operstate;
	l->master = m->master != m->ifindex ? m->master : 0;
	l->lower = m->lower;
	if (m->brport_state >= 0 || l->master == 0)
		l->brport_state = m->brport_state;
	if (m->name[0] != '\0')
		memcpy(l->name, m->name, IFNAMSIZ);
	snprintf(l->kind, sizeof l->kind, "%s", m->kind);
	nlw_link_decide(w, l, fresh, quiet, m);
	/* l stays valid: nothing below adds links. */
	nlw_mark_dependents(w, l->ifindex, l->master, 0);
	if (old_master != l->master)
		nlw_mark(w, old_master, 0);
	nlw_decide_marked(w, quiet);
}

/* An address message. */
static void
nlw_on_addr(struct nlwatch *w, struct rtnl_addr *ra, int msgtype)
{
	struct nlw_event ev;
	char buf[INET6_ADDRSTRLEN];
	int family = rtnl_addr_get_family(ra);

	if (nlw_alen(family) == 0)
		return;
	nlw_event_init(&ev, msgtype == RTM_DELADDR ? NLW_ADDR_DEL : NLW_ADDR_ADD);
	ev.family = family;
	ev.ifindex = rtnl_addr_get_ifindex(ra);
	nlw_ifname(w, ev.ifindex, ev.ifname);
	if (!nlw_nladdr_bytes(rtnl_addr_get_local(ra), family, ev.addr))
		return;
	ev.prefixlen = (unsigned int)rtnl_addr_get_prefixlen(ra);
	inet_ntop(family, ev.addr, buf, sizeof buf);
	snprintf(ev.address, sizeof ev.address, "%s/%u", buf, ev.prefixlen);
	snprintf(ev.state, sizeof ev.state, "%s", msgtype == RTM_DELADDR ? "del" : "add");
	nlw_emit(w, &ev);
}

/* A neighbour message (IPv4 ARP or IPv6 ND; bridge FDB entries are skipped). */
static void
nlw_on_neigh(struct nlwatch *w, struct rtnl_neigh *rn, int msgtype)
{
	struct nlw_event ev;
	struct nl_addr *ll;
	int family = rtnl_neigh_get_family(rn), state;

	if (nlw_alen(family) == 0)
		return;
	nlw_event_init(&ev, NLW_NEIGH);
	ev.family = family;
	ev.ifindex = rtnl_neigh_get_ifindex(rn);
	nlw_ifname(w, ev.ifindex, ev.ifname);
	if (!nlw_nladdr_bytes(rtnl_neigh_get_dst(rn), family, ev.addr))
		return;
	ev.prefixlen = (unsigned int)nlw_alen(family) * 8;
	inet_ntop(family, ev.addr, ev.address, sizeof ev.address);
	if ((ll = rtnl_neigh_get_lladdr(rn)) != NULL)
		nlw_format_lladdr(nl_addr_get_binary_addr(ll), nl_addr_get_len(ll), ev.lladdr,
				  sizeof ev.lladdr);
	state = msgtype == RTM_DELNEIGH ? 0 : rtnl_neigh_get_state(rn);
	if (state < 0)
		state = NUD_NONE;
	ev.neigh_state = state;
	snprintf(ev.state, sizeof ev.state, "%s",
		 msgtype == RTM_DELNEIGH ? "DELETED" : nlw_neigh_state_name(state));
	nlw_emit(w, &ev);
}

/* The answer to a route refresh for a watched target. */
static void
nlw_on_refresh(struct nlwatch *w, size_t i, struct rtnl_route *rr)
{
	struct nlw_target *t = &w->targets.v[i];

	w->pending[i] = 0;
	nlw_route_nexthop(rr, t->family, &t->ifindex, &t->has_gw, t->gw);
	if (nlw_route_type_dead(rtnl_route_get_type(rr))) {
		t->ifindex = 0;
		t->has_gw = 0;
	}
}

/* A route message: a reply to one of our refreshes, or news. */
static void
nlw_on_route(struct nlwatch *w, struct rtnl_route *rr, int msgtype)
{
	struct nlw_event ev;
	char buf[INET6_ADDRSTRLEN];
	size_t i;
	int family = rtnl_route_get_family(rr);

	if (nlw_alen(family) == 0)
		return;
	if (w->msg_pid == w->port && msgtype == RTM_NEWROUTE) {
		for (i = 0; i < w->targets.n; i++)
			if (w->pending[i] != 0 && w->pending[i] == w->msg_seq) {
				nlw_on_refresh(w, i, rr);
				return;
			}
		return; /* an answer we stopped waiting for */
	}
	if (rtnl_route_get_flags(rr) & RTM_F_CLONED)
		return; /* route cache entries, not configuration */
	/* The local table holds our own addresses and broadcasts, already
	 * reported as address events, and ff00::/8 on every IPv6 link. */
	if (rtnl_route_get_table(rr) == RT_TABLE_LOCAL)
		return;
	nlw_event_init(&ev, msgtype == RTM_DELROUTE ? NLW_ROUTE_DEL : NLW_ROUTE_ADD);
	ev.family = family;
	nlw_nladdr_bytes(rtnl_route_get_dst(rr), family, ev.addr);
	ev.prefixlen =
		rtnl_route_get_dst(rr) != NULL ? nl_addr_get_prefixlen(rtnl_route_get_dst(rr)) : 0;
	if (ev.prefixlen > nlw_alen(family) * 8)
		return;
	inet_ntop(family, ev.addr, buf, sizeof buf);
	snprintf(ev.address, sizeof ev.address, "%s/%u", buf, ev.prefixlen);
	nlw_route_nexthop(rr, family, &ev.ifindex, &ev.has_gw, ev.gw);
	if (ev.has_gw)
		inet_ntop(family, ev.gw, ev.gateway, sizeof ev.gateway);
	nlw_ifname(w, ev.ifindex, ev.ifname);
	ev.table = (int)rtnl_route_get_table(rr);
	ev.route_type = rtnl_route_get_type(rr);
	snprintf(ev.state, sizeof ev.state, "%s", msgtype == RTM_DELROUTE ? "del" : "add");
	/* The egress of a target this route covers may have changed: ask
	 * again, without waiting. */
	for (i = 0; i < w->targets.n; i++)
		if (nlw_concerns(&ev, &w->targets.v[i]))
			nlw_refresh_target(w, i);
	nlw_emit(w, &ev);
}

/* nl_msg_parse's callback: one rtnetlink object, dispatched by its type. */
static void
nlw_parse_cb(struct nl_object *obj, void *arg)
{
	struct nlwatch *w = arg;
	const char *type = nl_object_get_type(obj);
	int msgtype = nl_object_get_msgtype(obj);

	if (type == NULL)
		return;
	if (strcmp(type, "route/addr") == 0 && (msgtype == RTM_NEWADDR || msgtype == RTM_DELADDR))
		nlw_on_addr(w, (struct rtnl_addr *)obj, msgtype);
	else if (strcmp(type, "route/neigh") == 0 &&
		 (msgtype == RTM_NEWNEIGH || msgtype == RTM_DELNEIGH))
		nlw_on_neigh(w, (struct rtnl_neigh *)obj, msgtype);
	else if (strcmp(type, "route/route") == 0 &&
		 (msgtype == RTM_NEWROUTE || msgtype == RTM_DELROUTE))
		nlw_on_route(w, (struct rtnl_route *)obj, msgtype);
}

/* NL_CB_VALID: every well-formed message, timestamped as it is handed over. */
static int
nlw_valid_cb(struct nl_msg *msg, void *arg)
{
	struct nlwatch *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int rc;

	w->n.messages++;
	w->msg_pid = h->nlmsg_pid;
	w->msg_seq = h->nlmsg_seq;
	w->rx_real = time_real_ns();
	w->rx_mono = time_mono_ns();
	/* Links from their bytes, whatever their kind (see nlw_parse_link). */
	if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK) {
		struct nlw_linkmsg m;

		if (nlw_parse_link(h, h->nlmsg_len, &m) == 0) {
			nlw_on_link(w, &m);
			return NL_OK;
		}
		log_debug("netlink: malformed link message (%u bytes)", h->nlmsg_len);
		w->n.errors++;
		return NL_OK;
	}
	rc = nl_msg_parse(msg, nlw_parse_cb, w);
	if (rc < 0 && rc != -NLE_MSGTYPE_NOSUPPORT) {
		log_debug("netlink: message type %d: %s", h->nlmsg_type, nl_geterror(rc));
		w->n.errors++;
	}
	return NL_OK;
}

/* Report the overrun that just happened (once per lost window) and start the re-dump. */
static void
nlw_overrun(struct nlwatch *w)
{
	struct nlw_event ev;

	int already = w->resyncing;

	w->n.overruns++;
	w->resyncing = 1;
	/* A dump in flight may already have passed links that changed in
	 * the window: it must be followed by a complete one. */
	nlw_dump_links(w);
	if (already)
		return; /* the view is already known to be lost */
	w->rx_real = time_real_ns();
	w->rx_mono = time_mono_ns();
	nlw_event_init(&ev, NLW_OVERRUN);
	snprintf(ev.state, sizeof ev.state, "lost");
	nlw_emit(w, &ev);
}

/* NL_CB_FINISH: the end of our link dump. */
static int
nlw_finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlwatch *w = arg;
	struct nlw_event ev;
	size_t i;

	(void)msg;
	w->dumping = 0;
	if (w->dump_again) {
		w->dump_again = 0;
		nlw_dump_links(w);
		return NL_OK;
	}
	w->synced = 1;
	if (!w->resyncing)
		return NL_OK;
	w->rx_real = time_real_ns();
	w->rx_mono = time_mono_ns();
	/* Links the complete dump did not mention were deleted in the window. */
	for (i = 0; i < w->nlinks;) {
		char name[IFNAMSIZ];

		if (w->links[i].gen == w->gen) {
			i++;
			continue;
		}
		memcpy(name, w->links[i].name, IFNAMSIZ);
		nlw_link_gone(w, w->links[i].ifindex, name, NULL);
	}
	nlw_decide_marked(w, 0);
	w->resyncing = 0;
	w->n.resyncs++;
	nlw_event_init(&ev, NLW_RESYNCED);
	snprintf(ev.state, sizeof ev.state, "valid");
	nlw_emit(w, &ev);
	return NL_OK;
}

/* NL_CB_DUMP_INTR: the links changed under the dump; it must be redone. */
static int
nlw_dump_intr_cb(struct nl_msg *msg, void *arg)
{
	struct nlwatch *w = arg;

	(void)msg;
	w->dump_again = 1;
	return NL_OK;
}

/* Error answers to our requests: a refresh with no route, a refused dump. */
static int
nlw_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlwatch *w = arg;
	size_t i;

	(void)nla;
	if (e->error == 0)
		return NL_SKIP;
	for (i = 0; i < w->targets.n; i++)
		if (w->pending[i] != 0 && w->pending[i] == e->msg.nlmsg_seq) {
			w->pending[i] = 0;
			w->targets.v[i].ifindex = 0;
			w->targets.v[i].has_gw = 0;
			return NL_SKIP;
		}
	if (e->msg.nlmsg_type == RTM_GETLINK && w->dumping) {
		log_debug("netlink: link dump refused: %s", strerror(-e->error));
		w->dumping = 0;
		w->dump_unsent = 1;
	}
	w->n.errors++;
	return NL_SKIP;
}

/*
 * The socket is readable: hand each datagram to libnl, which calls the
 * callbacks above, until it would block or NLW_READ_MAX datagrams were read
 * (the persistent, level-triggered event brings us back for the rest).
 */
static void
nlw_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct nlwatch *w = arg;
	int i, rc;

	(void)fd;
	(void)what;
	for (i = 0; i < NLW_READ_MAX; i++) {
		rc = nl_recvmsgs_default(w->sk);
		if (rc == -NLE_AGAIN)
			break;
		if (rc == -NLE_NOMEM) {
			/* libnl maps recvmsg's ENOBUFS to NLE_NOMEM; a real
			 * allocation failure also lost a message. Either way
			 * the view is incomplete from here. */
			nlw_overrun(w);
			continue;
		}
		if (rc == -NLE_DUMP_INTR) {
			w->dump_again = 1;
			continue;
		}
		if (rc < 0) {
			log_debug("netlink: receive: %s", nl_geterror(rc));
			w->n.errors++;
			break;
		}
	}
	if (w->dump_unsent)
		nlw_dump_links(w);
}

/* ---------------------------------------------------------------- public */

/* Open the watch socket, register its event on base and start the link dump. */
struct nlwatch *
nlwatch_open(struct event_base *base, nlwatch_cb cb, void *arg, char *err, size_t errlen)
{
	struct nlwatch *w;
	int rc;

	w = xcalloc(1, sizeof *w);
	w->base = base;
	w->cb = cb;
	w->cbarg = arg;
	if ((w->sk = nl_socket_alloc()) == NULL) {
		snprintf(err, errlen, "netlink: cannot allocate a socket");
		goto fail;
	}
	/* libnl maps most errnos of socket() and bind() to "Unspecific
	 * failure": say which it was. */
	errno = 0;
	if ((rc = nl_connect(w->sk, NETLINK_ROUTE)) < 0) {
		snprintf(err, errlen, "netlink: connect: %s%s%s%s", nl_geterror(rc),
			 errno != 0 ? " (" : "", errno != 0 ? strerror(errno) : "",
			 errno != 0 ? ")" : "");
		goto fail;
	}
	/* Notifications carry sequence numbers of other sockets' requests,
	 * and our own requests are matched by hand. */
	nl_socket_disable_seq_check(w->sk);
	nl_socket_disable_auto_ack(w->sk);
	if (nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, nlw_valid_cb, w) < 0 ||
	    nl_socket_modify_cb(w->sk, NL_CB_FINISH, NL_CB_CUSTOM, nlw_finish_cb, w) < 0 ||
	    nl_socket_modify_cb(w->sk, NL_CB_DUMP_INTR, NL_CB_CUSTOM, nlw_dump_intr_cb, w) < 0 ||
	    nl_socket_modify_err_cb(w->sk, NL_CB_CUSTOM, nlw_error_cb, w) < 0) {
		snprintf(err, errlen, "netlink: cannot set callbacks");
		goto fail;
	}
	if ((rc = nl_socket_set_nonblocking(w->sk)) < 0) {
		snprintf(err, errlen, "netlink: non-blocking: %s", nl_geterror(rc));
		goto fail;
	}
	rc = nl_socket_add_memberships(w->sk, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
				       RTNLGRP_IPV6_IFADDR, RTNLGRP_NEIGH, RTNLGRP_IPV4_ROUTE,
				       RTNLGRP_IPV6_ROUTE, 0);
	if (rc < 0) {
		snprintf(err, errlen, "netlink: join groups: %s", nl_geterror(rc));
		goto fail;
	}
	if (nlwatch_set_rcvbuf(w, NLW_RCVBUF) < 0)
		log_warn("netlink: receive buffer of %d bytes", NLW_RCVBUF);
	w->port = nl_socket_get_local_port(w->sk);
	w->ev = event_new(base, nl_socket_get_fd(w->sk), EV_READ | EV_PERSIST, nlw_read_cb, w);
	if (w->ev == NULL || event_add(w->ev, NULL) < 0) {
		snprintf(err, errlen, "netlink: cannot register the read event");
		goto fail;
	}
	nlw_dump_links(w);
	if (w->dump_unsent) {
		snprintf(err, errlen, "netlink: cannot request the link dump");
		goto fail;
	}
	return w;
fail:
	nlwatch_free(w);
	return NULL;
}

/* Set the receive buffer, past net.core.rmem_max when we may. */
int
nlwatch_set_rcvbuf(struct nlwatch *w, int bytes)
{
	int fd = nl_socket_get_fd(w->sk);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) == 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

/* Remember target tid at dst, with its egress learned now. */
int
nlwatch_watch_target(struct nlwatch *w, int tid, const struct sockaddr *dst)
{
	struct nlw_target *t = NULL;
	struct nlw_route r;
	char err[256];
	uint8_t addr[16];
	size_t i;
	int family;

	if (nlw_sockaddr_bytes(dst, &family, addr) < 0)
		return -1;
	for (i = 0; i < w->targets.n; i++)
		if (w->targets.v[i].tid == tid)
			t = &w->targets.v[i];
	if (t == NULL) {
		if (w->targets.n == w->captargets) {
			w->captargets = w->captargets ? w->captargets * 2 : 8;
			w->targets.v =
				xreallocarray(w->targets.v, w->captargets, sizeof *w->targets.v);
			w->pending = xreallocarray(w->pending, w->captargets, sizeof *w->pending);
			w->tids = xreallocarray(w->tids, w->captargets, sizeof *w->tids);
		}
		i = w->targets.n++;
		t = &w->targets.v[i];
	}
	i = (size_t)(t - w->targets.v);
	memset(t, 0, sizeof *t);
	w->pending[i] = 0;
	t->tid = tid;
	t->family = family;
	memcpy(t->addr, addr, sizeof addr);
	if (nlwatch_route_lookup(w, dst, &r, err, sizeof err) < 0) {
		log_debug("netlink: target %d: %s", tid, err);
		return 1;
	}
	t->ifindex = r.ifindex;
	if (r.gw.ss_family != AF_UNSPEC) {
		t->has_gw = 1;
		nlw_sockaddr_bytes((struct sockaddr *)&r.gw, &family, t->gw);
	}
	return 0;
}

/* The egress ifindex last learned for tid. */
int
nlwatch_target_ifindex(const struct nlwatch *w, int tid)
{
	size_t i;

	for (i = 0; i < w->targets.n; i++)
		if (w->targets.v[i].tid == tid)
			return w->targets.v[i].ifindex;
	return -1;
}

/* Copy the counters out. */
void
nlwatch_counters(const struct nlwatch *w, struct nlw_counters *out)
{
	*out = w->n;
}

/* Free the event, then the socket (which closes the fd), then the tables. */
void
nlwatch_free(struct nlwatch *w)
{
	if (w == NULL)
		return;
	if (w->ev != NULL)
		event_free(w->ev);
	if (w->sk != NULL)
		nl_socket_free(w->sk);
	free(w->links);
	free(w->targets.v);
	free(w->pending);
	free(w->tids);
	free(w);
}
