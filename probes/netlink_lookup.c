/* SPDX-License-Identifier: ISC */
/* netlink_lookup.c: the synchronous route lookup (which link and source a
 * packet to a target would take), on a socket of its own, bounded in time.
 * Used at start-up and when a target's path must be learned again. */
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
#include "lib/xalloc.h"
#include "probes/netlink_int.h"

#define NLW_LOOKUP_TIMEOUT_MS 1000
#define NLW_LOOKUP_TRIES      8 /* datagrams read waiting for one answer */

/* What a synchronous lookup collects. */
struct nlw_lookup {
	int done;
	int error; /* errno from the kernel, 0 */
	int want;  /* RTM_NEWROUTE or RTM_NEWLINK (read by nlw_lookup_link) */
	struct nlw_route *out;
};

/* Parse callback of a lookup: the route (links: nlw_lookup_link). */
static void
nlw_lookup_parse_cb(struct nl_object *obj, void *arg)
{
	struct nlw_lookup *l = arg;
	struct nlw_route *r = l->out;
	const char *type = nl_object_get_type(obj);
	uint8_t b[16];
	int has_gw;

	if (type == NULL || nl_object_get_msgtype(obj) != l->want)
		return;
	if (l->want == RTM_NEWROUTE && strcmp(type, "route/route") == 0) {
		struct rtnl_route *rr = (struct rtnl_route *)obj;

		nlw_route_nexthop(rr, r->family, &r->ifindex, &has_gw, b);
		if (has_gw) {
			nlw_make_sockaddr(&r->gw, r->family, b);
			inet_ntop(r->family, b, r->gw_text, sizeof r->gw_text);
		}
		if (nlw_nladdr_bytes(rtnl_route_get_pref_src(rr), r->family, b)) {
			nlw_make_sockaddr(&r->src, r->family, b);
			inet_ntop(r->family, b, r->src_text, sizeof r->src_text);
		}
		r->table = (int)rtnl_route_get_table(rr);
		r->route_type = rtnl_route_get_type(rr);
		l->done = 1;
	}
}

/* The egress link's answer, from its bytes as the watch reads links. */
static void
nlw_lookup_link(struct nlw_lookup *l, const struct nlmsghdr *h)
{
	struct nlw_route *r = l->out;
	struct nlw_linkmsg m;

	if (nlw_parse_link(h, h->nlmsg_len, &m) < 0 || m.family != AF_UNSPEC ||
	    m.ifindex != r->ifindex)
		return;
	snprintf(r->ifname, sizeof r->ifname, "%s", m.name);
	r->link_flags = m.flags;
	r->link_up = nlw_link_self_up(m.flags, m.operstate);
	snprintf(r->operstate, sizeof r->operstate, "%s",
		 m.operstate < 0 ? "unknown" : nlw_operstate_name(m.operstate));
	l->done = 1;
}

/* NL_CB_VALID of a lookup. */
static int
nlw_lookup_valid_cb(struct nl_msg *msg, void *arg)
{
	struct nlw_lookup *l = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type == RTM_NEWLINK) {
		if (l->want == RTM_NEWLINK)
			nlw_lookup_link(l, h);
		return NL_OK;
	}
	nl_msg_parse(msg, nlw_lookup_parse_cb, arg);
	return NL_OK;
}

/* Error answer of a lookup. */
static int
nlw_lookup_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlw_lookup *l = arg;

	(void)nla;
	l->error = e->error < 0 ? -e->error : EIO;
	l->done = 1;
	return NL_STOP;
}

/* Send msg on sk and read until the lookup is answered; 0 or -1 (err set). */
static int
nlw_lookup_ask(struct nl_sock *sk, struct nl_cb *cb, struct nl_msg *msg, struct nlw_lookup *l,
	       const char *what, char *err, size_t errlen)
{
	int rc, i;

	l->done = 0;
	l->error = 0;
	if ((rc = nl_send_auto(sk, msg)) < 0) {
		snprintf(err, errlen, "%s: send: %s", what, nl_geterror(rc));
		return -1;
	}
	for (i = 0; i < NLW_LOOKUP_TRIES && !l->done; i++) {
		rc = nl_recvmsgs(sk, cb);
		if (rc < 0 && !l->done) {
			snprintf(err, errlen, "%s: %s", what,
				 rc == -NLE_AGAIN ? "no answer from the kernel within 1 s"
						  : nl_geterror(rc));
			return -1;
		}
	}
	if (!l->done) {
		snprintf(err, errlen, "%s: no answer", what);
		return -1;
	}
	if (l->error != 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(l->error));
		return -1;
	}
	return 0;
}

/* The route towards dst now, and its egress link's state (synchronous). */
int
nlwatch_route_lookup(struct nlwatch *w, const struct sockaddr *dst, struct nlw_route *out,
		     char *err, size_t errlen)
{
	struct timeval tv = { NLW_LOOKUP_TIMEOUT_MS / 1000, (NLW_LOOKUP_TIMEOUT_MS % 1000) * 1000 };
	struct nlw_lookup l;
	struct ifinfomsg ifi;
	struct nl_sock *sk = NULL;
	struct nl_cb *cb = NULL;
	struct nl_msg *msg = NULL;
	char what[INET6_ADDRSTRLEN + 32], dtext[INET6_ADDRSTRLEN];
	uint8_t addr[16];
	int family, rc, ret = -1;

	(void)w;
	memset(out, 0, sizeof *out);
	if (nlw_sockaddr_bytes(dst, &family, addr) < 0) {
		snprintf(err, errlen, "route lookup: not an IPv4 or IPv6 address");
		return -1;
	}
	out->family = family;
	inet_ntop(family, addr, dtext, sizeof dtext);
	snprintf(what, sizeof what, "route to %s", dtext);
	memset(&l, 0, sizeof l);
	l.out = out;
	if ((sk = nl_socket_alloc()) == NULL || (cb = nl_cb_alloc(NL_CB_DEFAULT)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", what);
		goto out;
	}
	if ((rc = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		snprintf(err, errlen, "%s: netlink connect: %s", what, nl_geterror(rc));
		goto out;
	}
	nl_socket_disable_auto_ack(sk);
	/* Bounded: the kernel answers at once, but never wait forever. */
	if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
		snprintf(err, errlen, "%s: SO_RCVTIMEO: %s", what, strerror(errno));
		goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nlw_lookup_valid_cb, &l);
	nl_cb_err(cb, NL_CB_CUSTOM, nlw_lookup_error_cb, &l);

	if ((msg = nlw_build_getroute(family, addr, NL_AUTO_SEQ)) == NULL) {
		snprintf(err, errlen, "%s: cannot build the request", what);
		goto out;
	}
	l.want = RTM_NEWROUTE;
	if (nlw_lookup_ask(sk, cb, msg, &l, what, err, errlen) < 0)
		goto out;
	if (nlw_route_type_dead(out->route_type) || out->ifindex <= 0) {
		snprintf(err, errlen, "%s: no usable route (type %d)", what, out->route_type);
		goto out;
	}
	nlmsg_free(msg);

	/* The egress link's name and state, as the kernel has them now. */
	msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
	memset(&ifi, 0, sizeof ifi);
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = out->ifindex;
	if (msg == NULL || nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) {
		snprintf(err, errlen, "%s: cannot build the link request", what);
		goto out;
	}
	l.want = RTM_NEWLINK;
	snprintf(what, sizeof what, "link %d", out->ifindex);
	if (nlw_lookup_ask(sk, cb, msg, &l, what, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	nlmsg_free(msg);
	nl_cb_put(cb);
	nl_socket_free(sk);
	return ret;
}
