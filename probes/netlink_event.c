/* SPDX-License-Identifier: ISC */
/* netlink_event.c: netlink events as data: kind names and classes, which
 * watched targets an event concerns, and its text; address helpers shared
 * by the parser and the lookup. Pure functions (tests/unit/test_netlink.c). */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

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
#include "probes/netlink_int.h"

/* The event kind's name. */
const char *
nlw_kind_name(enum nlw_kind k)
{
	switch (k) {
	case NLW_LINK_UP:
		return "link_up";
	case NLW_LINK_DOWN:
		return "link_down";
	case NLW_ADDR_ADD:
		return "addr_add";
	case NLW_ADDR_DEL:
		return "addr_del";
	case NLW_NEIGH:
		return "neigh";
	case NLW_ROUTE_ADD:
		return "route_add";
	case NLW_ROUTE_DEL:
		return "route_del";
	case NLW_OVERRUN:
		return "overrun";
	case NLW_RESYNCED:
		return "resynced";
	}
	return "?";
}

/* The event class the store records for a kind. */
const char *
nlw_kind_class(enum nlw_kind k)
{
	switch (k) {
	case NLW_LINK_UP:
	case NLW_LINK_DOWN:
		return "link";
	case NLW_ADDR_ADD:
	case NLW_ADDR_DEL:
		return "addr";
	case NLW_NEIGH:
		return "neigh";
	case NLW_ROUTE_ADD:
	case NLW_ROUTE_DEL:
		return "route";
	case NLW_OVERRUN:
	case NLW_RESYNCED:
		break;
	}
	return "unknown";
}

/* Neighbour state bits as the names ip-neighbour(8) prints. */
const char *
nlw_neigh_state_name(int nud)
{
	/* One state a line. */
	/* clang-format off */
	static const struct {
		int bit;
		const char *name;
	} names[] = {
		{ NUD_REACHABLE, "REACHABLE" },
		{ NUD_STALE, "STALE" },
		{ NUD_FAILED, "FAILED" },
		{ NUD_INCOMPLETE, "INCOMPLETE" },
		{ NUD_DELAY, "DELAY" },
		{ NUD_PROBE, "PROBE" },
		{ NUD_PERMANENT, "PERMANENT" },
		{ NUD_NOARP, "NOARP" },
	};
	/* clang-format on */
	size_t i;

	if (nud == 0)
		return "DELETED";
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (nud & names[i].bit)
			return names[i].name;
	return "NONE";
}

/* Address length in bytes for family, 0 if not IPv4/IPv6. */
size_t
nlw_alen(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return 0;
}

/* 1 if addr lies in prefix/plen of family. */
int
nlw_prefix_contains(int family, const uint8_t *prefix, unsigned int plen, const uint8_t *addr)
{
	size_t alen = nlw_alen(family), full;
	unsigned int rest;
	uint8_t mask;

	if (alen == 0 || plen > alen * 8)
		return 0;
	full = plen / 8;
	rest = plen % 8;
	if (memcmp(prefix, addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (prefix[full] & mask) == (addr[full] & mask);
}

/* 1 if a and b are the same address of family. */
static int
nlw_addr_equal(int family, const uint8_t *a, const uint8_t *b)
{
	size_t alen = nlw_alen(family);

	return alen != 0 && memcmp(a, b, alen) == 0;
}

/* Whether event ev concerns target t. */
int
nlw_concerns(const struct nlw_event *ev, const struct nlw_target *t)
{
	switch (ev->kind) {
	case NLW_LINK_UP:
	case NLW_LINK_DOWN:
		return t->ifindex != 0 && ev->ifindex == t->ifindex;
	case NLW_ADDR_ADD:
	case NLW_ADDR_DEL:
		return t->ifindex != 0 && ev->ifindex == t->ifindex && ev->family == t->family;
	case NLW_NEIGH:
		/* A neighbour entry belongs to one link: the same address
		 * behind another link is another host. */
		if (ev->family != t->family)
			return 0;
		if (t->ifindex != 0 && ev->ifindex != 0 && ev->ifindex != t->ifindex)
			return 0;
		return nlw_addr_equal(t->family, ev->addr, t->addr) ||
		       (t->has_gw && nlw_addr_equal(t->family, ev->addr, t->gw));
	case NLW_ROUTE_ADD:
	case NLW_ROUTE_DEL:
		return ev->family == t->family &&
		       nlw_prefix_contains(t->family, ev->addr, ev->prefixlen, t->addr);
	case NLW_OVERRUN:
	case NLW_RESYNCED:
		break;
	}
	return 0;
}

/* The targets an event concerns: up to max tids written, the count returned. */
int
nlw_classify(const struct nlw_event *ev, const struct nlw_targets *targets, int *tids, size_t max)
{
	size_t i;
	int n = 0;

	if (targets == NULL)
		return 0;
	for (i = 0; i < targets->n; i++) {
		if (!nlw_concerns(ev, &targets->v[i]))
			continue;
		if ((size_t)n < max)
			tids[n] = targets->v[i].tid;
		n++;
	}
	return n;
}

/* Fill ev->text: one escaped line describing the event. */
void
nlw_event_format(struct nlw_event *ev)
{
	/* Sized so that every line fits NLW_TEXTLEN whole: an escaped name
	 * is at most 4 bytes per byte. */
	char ifname[IFNAMSIZ * 4 + 1], dev[sizeof ifname], gw[INET6_ADDRSTRLEN + 8];
	char ll[NLW_LLADDRSTRLEN + 8], cause[NLW_CAUSELEN + (IFNAMSIZ - 1) * 3];

	log_escape(ifname, sizeof ifname, ev->ifname, strnlen(ev->ifname, sizeof ev->ifname));
	/* The cause may hold another link's name: its only bytes that can
	 * need escaping, at most 4 bytes for each of its IFNAMSIZ - 1. */
	log_escape(cause, sizeof cause, ev->cause, strnlen(ev->cause, sizeof ev->cause));
	if (ifname[0] != '\0')
		snprintf(dev, sizeof dev, "%s", ifname);
	else if (ev->ifindex != 0)
		snprintf(dev, sizeof dev, "ifindex %d", ev->ifindex);
	else
		snprintf(dev, sizeof dev, "no link");
	gw[0] = ll[0] = '\0';
	if (ev->gateway[0] != '\0')
		snprintf(gw, sizeof gw, " via %s", ev->gateway);
	if (ev->lladdr[0] != '\0')
		snprintf(ll, sizeof ll, " lladdr %s", ev->lladdr);

	switch (ev->kind) {
	case NLW_LINK_UP:
	case NLW_LINK_DOWN:
		snprintf(ev->text, sizeof ev->text, "link %s %s (operstate %s%s%s)", dev,
			 ev->kind == NLW_LINK_UP ? "up" : "down", ev->operstate,
			 cause[0] != '\0' ? "; " : "", cause);
		break;
	case NLW_ADDR_ADD:
	case NLW_ADDR_DEL:
		snprintf(ev->text, sizeof ev->text, "address %s %s %s", ev->address,
			 ev->kind == NLW_ADDR_ADD ? "added on" : "removed from", dev);
		break;
	case NLW_NEIGH:
		snprintf(ev->text, sizeof ev->text, "neighbour %s dev %s %s%s", ev->address, dev,
			 ev->state, ll);
		break;
	case NLW_ROUTE_ADD:
	case NLW_ROUTE_DEL:
		snprintf(ev->text, sizeof ev->text, "route %s%s dev %s table %d %s",
			 ev->prefixlen == 0 ? "default" : ev->address, gw, dev, ev->table,
			 ev->kind == NLW_ROUTE_ADD ? "added" : "removed");
		break;
	case NLW_OVERRUN:
		snprintf(ev->text, sizeof ev->text,
			 "netlink overrun: the kernel dropped notifications, view lost; re-dumping "
			 "links");
		break;
	case NLW_RESYNCED:
		snprintf(ev->text, sizeof ev->text,
			 "netlink view re-synchronised after an overrun");
		break;
	}
}

/* Hardware address bytes as "02:68:6d:2d:00:02". */
void
nlw_format_lladdr(const uint8_t *b, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < len && o + 4 <= outlen; i++) {
		snprintf(out + o, outlen - o, i == 0 ? "%02x" : ":%02x", b[i]);
		o += i == 0 ? 2 : 3;
	}
}

/* Copy the bytes of an IPv4/IPv6 nl_addr into out (zeroed first); 1 if it held
 * a full address of family, 0 if none (a default route's empty destination). */
int
nlw_nladdr_bytes(struct nl_addr *a, int family, uint8_t out[16])
{
	size_t alen = nlw_alen(family);

	memset(out, 0, 16);
	if (a == NULL || alen == 0 || nl_addr_get_len(a) != alen)
		return 0;
	memcpy(out, nl_addr_get_binary_addr(a), alen);
	return 1;
}

/* The address bytes and family of an IPv4/IPv6 socket address; -1 otherwise. */
int
nlw_sockaddr_bytes(const struct sockaddr *sa, int *family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*family = AF_INET;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

/* A port-less socket address from address bytes. */
void
nlw_make_sockaddr(struct sockaddr_storage *ss, int family, const uint8_t *addr)
{
	memset(ss, 0, sizeof *ss);
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET)
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, addr, 4);
	else if (family == AF_INET6)
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, addr, 16);
}

/* An RTM_GETROUTE request for one address, with our sequence number seq (0: libnl's). */
struct nl_msg *
nlw_build_getroute(int family, const uint8_t *addr, uint32_t seq)
{
	struct rtmsg rtm;
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST);
	if (msg == NULL)
		return NULL;
	memset(&rtm, 0, sizeof rtm);
	rtm.rtm_family = (unsigned char)family;
	rtm.rtm_dst_len = (unsigned char)(nlw_alen(family) * 8);
	if (nlmsg_append(msg, &rtm, sizeof rtm, NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, RTA_DST, (int)nlw_alen(family), addr) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	nlmsg_hdr(msg)->nlmsg_seq = seq;
	return msg;
}

/* Egress, gateway and type of a route object into out fields; 1 if it has a next hop. */
int
nlw_route_nexthop(struct rtnl_route *rr, int family, int *ifindex, int *has_gw, uint8_t gw[16])
{
	struct rtnl_nexthop *nh;

	*ifindex = 0;
	*has_gw = 0;
	memset(gw, 0, 16);
	if (rtnl_route_get_nnexthops(rr) < 1 || (nh = rtnl_route_nexthop_n(rr, 0)) == NULL)
		return 0;
	*ifindex = rtnl_route_nh_get_ifindex(nh);
	*has_gw = nlw_nladdr_bytes(rtnl_route_nh_get_gateway(nh), family, gw);
	return 1;
}

/* 1 if a route of this type gets packets nowhere. */
int
nlw_route_type_dead(int type)
{
	return type == RTN_UNREACHABLE || type == RTN_BLACKHOLE || type == RTN_PROHIBIT ||
	       type == RTN_THROW;
}

/* ---------------------------------------------------------------- links */

/* One attribute: its type (flags stripped) and payload. */
struct nlw_attr {
	const uint8_t *p;
	size_t len;
};

/*
 * Index the attributes in [p, p + len) by type into tb[0..max] (later ones
 * win, types above max are skipped). 0, or -1 if one claims more bytes than
 * are left or fewer than its own header: the message is not to be trusted.
 * Headers are copied out, so buf need not be aligned.
 */
static int
nlw_attrs(const uint8_t *p, size_t len, struct nlw_attr *tb, int max)
{
	struct rtattr rta;
	size_t step;
	int type;

	memset(tb, 0, (size_t)(max + 1) * sizeof *tb);
	while (len >= sizeof rta) {
		memcpy(&rta, p, sizeof rta);
		if (rta.rta_len < sizeof rta || rta.rta_len > len)
			return -1;
		type = rta.rta_type & NLA_TYPE_MASK;
		if (type <= max) {
			tb[type].p = p + RTA_LENGTH(0);
			tb[type].len = rta.rta_len - RTA_LENGTH(0);
		}
		step = RTA_ALIGN(rta.rta_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

/* An attribute's u32 (host order), or dflt when absent or short. */
static int64_t
nlw_attr_u32(const struct nlw_attr *a, int64_t dflt)
{
	uint32_t v;

	if (a->p == NULL || a->len < sizeof v)
		return dflt;
	memcpy(&v, a->p, sizeof v);
	return v;
}

/* An attribute's u8, or dflt. */
static int
nlw_attr_u8(const struct nlw_attr *a, int dflt)
{
	if (a->p == NULL || a->len < 1)
		return dflt;
	return a->p[0];
}

/* A string attribute into out[outlen], cut at its NUL or its end. */
static void
nlw_attr_str(const struct nlw_attr *a, char *out, size_t outlen)
{
	size_t n = 0;

	if (a->p != NULL)
		for (; n < a->len && n + 1 < outlen && a->p[n] != '\0'; n++)
			out[n] = (char)a->p[n];
	out[n] = '\0';
}

/* A bridge port's state from nested port attributes (IFLA_BRPORT_*); -1 if none. */
static int
nlw_brport_state(const struct nlw_attr *nest)
{
	struct nlw_attr tb[IFLA_BRPORT_STATE + 1];

	if (nest->p == NULL || nlw_attrs(nest->p, nest->len, tb, IFLA_BRPORT_STATE) < 0)
		return -1;
	return nlw_attr_u8(&tb[IFLA_BRPORT_STATE], -1);
}

/* IFLA_LINKINFO: the kind, and a bridge port's state from its slave data. */
static int
nlw_parse_linkinfo(const struct nlw_attr *info, struct nlw_linkmsg *out)
{
	struct nlw_attr tb[IFLA_INFO_SLAVE_DATA + 1];
	char slave[NLW_KINDLEN];

	if (nlw_attrs(info->p, info->len, tb, IFLA_INFO_SLAVE_DATA) < 0)
		return -1;
	nlw_attr_str(&tb[IFLA_INFO_KIND], out->kind, sizeof out->kind);
	nlw_attr_str(&tb[IFLA_INFO_SLAVE_KIND], slave, sizeof slave);
	if (strcmp(slave, "bridge") == 0)
		out->brport_state = nlw_brport_state(&tb[IFLA_INFO_SLAVE_DATA]);
	return 0;
}

/* Parse a link message from its bytes. */
int
nlw_parse_link(const void *buf, size_t len, struct nlw_linkmsg *out)
{
	struct nlw_attr tb[IFLA_LINK_NETNSID + 1];
	const uint8_t *p = buf;
	struct nlmsghdr h;
	struct ifinfomsg ifi;
	int64_t v;

	memset(out, 0, sizeof *out);
	out->operstate = -1;
	out->brport_state = -1;
	if (buf == NULL || len < NLMSG_LENGTH(sizeof ifi))
		return -1;
	memcpy(&h, p, sizeof h);
	if (h.nlmsg_len < NLMSG_LENGTH(sizeof ifi) || h.nlmsg_len > len)
		return -1;
	if (h.nlmsg_type != RTM_NEWLINK && h.nlmsg_type != RTM_DELLINK)
		return -1;
	memcpy(&ifi, p + NLMSG_HDRLEN, sizeof ifi);
	out->type = h.nlmsg_type;
	out->family = ifi.ifi_family;
	out->ifindex = ifi.ifi_index;
	out->flags = ifi.ifi_flags;
	/* The attributes follow the header, aligned (16 bytes already are). */
	len = h.nlmsg_len > NLMSG_SPACE(sizeof ifi) ? h.nlmsg_len - NLMSG_SPACE(sizeof ifi) : 0;
	if (nlw_attrs(p + NLMSG_SPACE(sizeof ifi), len, tb, IFLA_LINK_NETNSID) < 0)
		return -1;
	nlw_attr_str(&tb[IFLA_IFNAME], out->name, sizeof out->name);
	out->operstate = nlw_attr_u8(&tb[IFLA_OPERSTATE], -1);
	if ((v = nlw_attr_u32(&tb[IFLA_MASTER], 0)) <= INT32_MAX)
		out->master = (int)v;
	/* A veth's IFLA_LINK is its peer, often in another namespace, where
	 * the index means another link. */
	if (tb[IFLA_LINK_NETNSID].p == NULL && (v = nlw_attr_u32(&tb[IFLA_LINK], 0)) <= INT32_MAX)
		out->lower = (int)v;
	if (tb[IFLA_ADDRESS].p != NULL && tb[IFLA_ADDRESS].len <= sizeof out->lladdr) {
		memcpy(out->lladdr, tb[IFLA_ADDRESS].p, tb[IFLA_ADDRESS].len);
		out->lladdr_len = tb[IFLA_ADDRESS].len;
	}
	if (tb[IFLA_LINKINFO].p != NULL && nlw_parse_linkinfo(&tb[IFLA_LINKINFO], out) < 0)
		return -1;
	/* AF_BRIDGE messages carry the port's state nested in IFLA_PROTINFO. */
	if (out->family == AF_BRIDGE && tb[IFLA_PROTINFO].p != NULL)
		out->brport_state = tb[IFLA_PROTINFO].len >= sizeof(struct rtattr)
					    ? nlw_brport_state(&tb[IFLA_PROTINFO])
					    : nlw_attr_u8(&tb[IFLA_PROTINFO], -1);
	return 0;
}

/* IF_OPER_* as ip-link(8) prints it. */
const char *
nlw_operstate_name(int operstate)
{
	static const char *const names[] = { "unknown", "notpresent", "down", "lowerlayerdown",
					     "testing", "dormant",    "up" };

	if (operstate < 0)
		return "";
	if ((size_t)operstate >= sizeof names / sizeof names[0])
		return "unknown";
	return names[operstate];
}

/* A link's own state: up, a carrier, operstate up or unknown. */
int
nlw_link_self_up(unsigned int flags, int operstate)
{
	unsigned int need = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;

	if ((flags & need) != need)
		return 0;
	return operstate != IF_OPER_DOWN && operstate != IF_OPER_LOWERLAYERDOWN &&
	       operstate != IF_OPER_NOTPRESENT && operstate != IF_OPER_DORMANT &&
	       operstate != IF_OPER_TESTING;
}

/* Kinds whose carrier the kernel copies from the one link under them. */
static int
nlw_kind_stacked(const char *kind)
{
	static const char *const stacked[] = { "vlan", "macvlan", "macvtap", "ipvlan", "ipvtap" };
	size_t i;

	for (i = 0; i < sizeof stacked / sizeof stacked[0]; i++)
		if (strcmp(kind, stacked[i]) == 0)
			return 1;
	return 0;
}

/* The table entry of ifindex, or NULL. */
static const struct nlw_link *
nlw_link_in(const struct nlw_link *v, size_t n, int ifindex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].ifindex == ifindex)
			return &v[i];
	return NULL;
}

static int nlw_usable_at(const struct nlw_link *v, size_t n, const struct nlw_link *l, int depth,
			 char *cause, size_t causelen);

/*
 * A bridge or bond with ports: usable while one port is. A bridge port
 * counts while it forwards (the kernel's own rule for the bridge's carrier,
 * which it reports only at its next link-watch run, up to a second later:
 * measured 996 ms after the last port went down; the bridge itself sends on
 * without a carrier, so its own flag is not waited for when a port comes
 * back). A bond sends nothing until its own carrier is back (its link
 * monitor picks an active slave), so that is needed too. -1: no ports known.
 */
static int
nlw_master_usable(const struct nlw_link *v, size_t n, const struct nlw_link *l, int depth,
		  char *cause, size_t causelen)
{
	int bridge = strcmp(l->kind, "bridge") == 0, ports = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct nlw_link *p = &v[i];

		if (p->master != l->ifindex || p == l)
			continue;
		ports++;
		if (bridge && p->brport_state >= 0 && p->brport_state != BR_STATE_FORWARDING)
			continue;
		if (!nlw_usable_at(v, n, p, depth + 1, NULL, 0))
			continue;
		if (!bridge && !nlw_link_self_up(l->flags, l->operstate))
			return 0;
		if (cause != NULL)
			snprintf(cause, causelen, "%s %s %s", bridge ? "bridge port" : "bond slave",
				 p->name, bridge ? "forwarding" : "up");
		return 1;
	}
	if (ports == 0)
		return -1;
	if (cause != NULL)
		snprintf(cause, causelen, "%s",
			 bridge ? "no bridge port forwarding" : "no bond slave up");
	return 0;
}

/* nlw_link_usable, depth links down from where it was asked. */
static int
nlw_usable_at(const struct nlw_link *v, size_t n, const struct nlw_link *l, int depth, char *cause,
	      size_t causelen)
{
	const struct nlw_link *low;
	int rc;

	if (cause != NULL && causelen > 0)
		cause[0] = '\0';
	if (depth >= NLW_STACK_MAX)
		return nlw_link_self_up(l->flags, l->operstate);
	if (strcmp(l->kind, "bridge") == 0 || strcmp(l->kind, "bond") == 0) {
		if (!(l->flags & IFF_UP))
			return 0;
		if ((rc = nlw_master_usable(v, n, l, depth, cause, causelen)) >= 0)
			return rc;
	}
	if (!nlw_link_self_up(l->flags, l->operstate))
		return 0;
	if (!nlw_kind_stacked(l->kind) || l->lower <= 0 || l->lower == l->ifindex ||
	    (low = nlw_link_in(v, n, l->lower)) == NULL)
		return 1;
	if (nlw_usable_at(v, n, low, depth + 1, NULL, 0))
		return 1;
	if (cause != NULL)
		snprintf(cause, causelen, "lower %s down", low->name);
	return 0;
}

/* Whether link l carries traffic, following its ports and lower link. */
int
nlw_link_usable(const struct nlw_link *v, size_t n, const struct nlw_link *l, char *cause,
		size_t causelen)
{
	return nlw_usable_at(v, n, l, 0, cause, causelen);
}
