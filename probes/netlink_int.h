/* SPDX-License-Identifier: ISC */
/* netlink_int.h: what the netlink watch's files share (netlink.c: the
 * socket, parsing and delivery; netlink_event.c: classification and text;
 * netlink_lookup.c: the synchronous route lookup). Nothing outside probes/
 * includes it. */
#ifndef HAMON_NETLINK_INT_H
#define HAMON_NETLINK_INT_H
#include <sys/socket.h>

#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/route/route.h>
#include <stdint.h>

#include "probes/netlink.h"

struct event;
struct event_base;
struct nl_sock;

#define NLW_READ_MAX 64        /* datagrams per read callback, so a storm cannot starve the loop */
#define NLW_RCVBUF   (1 << 20) /* default receive buffer: room for a burst of notifications */

#define NLW_KINDLEN 16 /* IFLA_INFO_KIND: "bridge", "bond", "vlan", "veth", ... */
/* How deep masters and lower links are followed: a bound, not a limit any
 * real layout reaches (a vlan on a bridge on a bond is 3). */
#define NLW_STACK_MAX 8

/*
 * One link message as the kernel sent it (RTM_NEWLINK, RTM_DELLINK), read
 * from its bytes. Why not libnl's link object: libnl 3.7 gives the object
 * of a link whose IFLA_INFO_KIND is "bridge" the family AF_BRIDGE, although
 * the kernel sent ifi_family AF_UNSPEC, so a bridge's own messages cannot be
 * told from its ports' AF_BRIDGE ones (and a kind whose IFLA_INFO_DATA libnl
 * fails to parse is lost whole). The header and a few attributes are all
 * the watch needs, whatever the kind.
 */
struct nlw_linkmsg {
	int type;   /* RTM_NEWLINK or RTM_DELLINK */
	int family; /* ifi_family: AF_UNSPEC the link, AF_BRIDGE its bridge port */
	int ifindex;
	unsigned int flags;     /* ifi_flags: IFF_* (IFF_RUNNING: operstate up or unknown) */
	int operstate;          /* IF_OPER_*, -1 when absent */
	int master;             /* IFLA_MASTER: the bridge or bond it is a port of, 0 none */
	int lower;              /* IFLA_LINK when in our namespace (no IFLA_LINK_NETNSID), 0 none */
	int brport_state;       /* BR_STATE_* of a bridge port, -1 unknown */
	char name[IFNAMSIZ];    /* "" when absent */
	char kind[NLW_KINDLEN]; /* "" when absent */
	uint8_t lladdr[32];
	size_t lladdr_len;
};

/* What we last knew of one link. */
struct nlw_link {
	int ifindex;
	int up;             /* the usability last reported (or learned from the dump) */
	unsigned int flags; /* as the kernel last said */
	int operstate;      /* IF_OPER_*, -1 unknown */
	int master;         /* bridge or bond it is a port of, 0 none */
	int lower;          /* link it is stacked on (vlan, macvlan), 0 none */
	int brport_state;   /* BR_STATE_* as a bridge port, -1 unknown */
	int dirty;          /* its usability must be decided again */
	uint32_t gen;       /* dump generation it was last seen in */
	char name[IFNAMSIZ];
	char kind[NLW_KINDLEN];
};

struct nlwatch {
	struct event_base *base;
	struct event *ev;
	struct nl_sock *sk;
	nlwatch_cb cb;
	void *cbarg;
	uint32_t port; /* our netlink port id */
	uint32_t rseq; /* sequence numbers of our own requests */
	uint64_t eseq; /* event sequence numbers */

	int synced;      /* the first link dump is complete */
	int dumping;     /* a link dump is in flight */
	int resyncing;   /* an overrun happened: report RESYNCED when a dump completes */
	int dump_again;  /* the dump in flight is stale or broken: dump again after it */
	int dump_unsent; /* sending the dump request failed: retry on the next wakeup */
	uint32_t gen;

	struct nlw_link *links;
	size_t nlinks, caplinks;

	struct nlw_targets targets;
	uint32_t *pending; /* per target: seq of a route refresh in flight, 0 none */
	int *tids;
	size_t captargets;

	/* The message being parsed. */
	uint32_t msg_pid, msg_seq;
	int64_t rx_real, rx_mono;

	struct nlw_counters n;
};

/* ---- netlink_event.c ---- */

/* Address length in bytes for family, 0 if not IPv4/IPv6. */
size_t nlw_alen(int family);
/* Whether event ev concerns target t. */
int nlw_concerns(const struct nlw_event *ev, const struct nlw_target *t);
/* Hardware address bytes as "02:68:6d:2d:00:02". */
void nlw_format_lladdr(const uint8_t *b, size_t len, char *out, size_t outlen);
/* Copy the bytes of an IPv4/IPv6 nl_addr into out (zeroed first); 1 if it held
 * a full address of family, 0 if none (a default route's empty destination). */
int nlw_nladdr_bytes(struct nl_addr *a, int family, uint8_t out[16]);
/* The address bytes and family of an IPv4/IPv6 socket address; -1 otherwise. */
int nlw_sockaddr_bytes(const struct sockaddr *sa, int *family, uint8_t out[16]);
/* A port-less socket address from address bytes. */
void nlw_make_sockaddr(struct sockaddr_storage *ss, int family, const uint8_t *addr);

/* An RTM_GETROUTE request for one address, with our sequence number seq (0: libnl's). */
struct nl_msg *nlw_build_getroute(int family, const uint8_t *addr, uint32_t seq);
/* Egress, gateway and type of a route object into out fields; 1 if it has a next hop. */
int nlw_route_nexthop(struct rtnl_route *rr, int family, int *ifindex, int *has_gw, uint8_t gw[16]);
/* 1 if a route of this type gets packets nowhere. */
int nlw_route_type_dead(int type);

/* Parse a link message (len bytes from its nlmsghdr) into out; 0, or -1 if
 * it is not a link message or is malformed (truncated, bad lengths). */
int nlw_parse_link(const void *buf, size_t len, struct nlw_linkmsg *out);
/* "up", "down", "lowerlayerdown", ... as ip-link(8) prints IF_OPER_*; "" for -1. */
const char *nlw_operstate_name(int operstate);
/* 1 if a link's own flags and operstate say it carries traffic: up, with a
 * carrier (IFF_LOWER_UP) and operstate up or unknown (IFF_RUNNING). */
int nlw_link_self_up(unsigned int flags, int operstate);
/*
 * 1 if link l of table v[n] carries traffic now. Its own state, and: a
 * bridge with ports is usable only while one of them forwards, a bond with
 * slaves only while one of them is usable (followed through the table: the
 * kernel sets the master's carrier from its ports, but may report it up to
 * a second later); a vlan or macvlan only while the link under it is. When
 * a port or the lower link decided it, cause gets a short reason ("no
 * bridge port forwarding", "bridge port tap0 forwarding", "lower vmbr0
 * down"), else "" (the link's own state did).
 */
int nlw_link_usable(const struct nlw_link *v, size_t n, const struct nlw_link *l, char *cause,
		    size_t causelen);

#endif
