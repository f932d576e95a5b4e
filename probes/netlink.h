/* SPDX-License-Identifier: ISC */
/* netlink.h: the monitor's own view of the network. Link, address, neighbour
 * and route changes from the kernel (rtnetlink through libnl-3), each handed
 * to a callback with the target it concerns; and a route lookup per target. */
#ifndef HAMON_NETLINK_H
#define HAMON_NETLINK_H
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct event_base;

enum nlw_kind {
	NLW_LINK_UP = 0, /* a link became usable: IFF_UP, IFF_LOWER_UP and IFF_RUNNING (oper
	                  * up/unknown); a bridge or bond also needs a port that is, a vlan
	                  * the link under it */
	NLW_LINK_DOWN,   /* a link stopped being usable, or was deleted */
	NLW_ADDR_ADD,    /* an interface address appeared */
	NLW_ADDR_DEL,    /* an interface address went away */
	NLW_NEIGH,       /* a neighbour entry changed (state "DELETED" when removed) */
	NLW_ROUTE_ADD,   /* a route appeared or changed */
	NLW_ROUTE_DEL,   /* a route went away */
	NLW_OVERRUN,     /* the kernel dropped notifications (ENOBUFS): the view is lost
	                  * from now on; a re-dump of the links has been started */
	NLW_RESYNCED,    /* the re-dump after an overrun is complete: the view is valid again */
};

/* "link_up", "link_down", "addr_add", "addr_del", "neigh", "route_add",
 * "route_del", "overrun", "resynced". */
const char *nlw_kind_name(enum nlw_kind k);
/* The event class the store records: "link", "addr", "neigh", "route", or
 * "unknown" for overrun and resynced (the monitor's view was lost/regained). */
const char *nlw_kind_class(enum nlw_kind k);

#define NLW_ADDRSTRLEN   (INET6_ADDRSTRLEN + 4) /* an address with "/128" */
#define NLW_LLADDRSTRLEN 64                     /* 20 bytes as "xx:" pairs, and more */
#define NLW_STATELEN     24
#define NLW_TEXTLEN      256
#define NLW_CAUSELEN     48

/* One change, as the kernel reported it. Strings are always terminated;
 * ifname is the kernel's name as is, text is escaped and printable. */
struct nlw_event {
	enum nlw_kind kind;
	uint64_t seq;           /* 1, 2, ... per nlwatch: the same event handed
	                                 * to several targets keeps its seq */
	int ifindex;            /* 0 when none (overrun, resynced) */
	char ifname[IFNAMSIZ];  /* "" when unknown */
	int family;             /* AF_INET, AF_INET6; AF_UNSPEC for links */
	uint8_t addr[16];       /* neighbour / interface address / route destination */
	unsigned int prefixlen; /* of addr: 32 or 128 for neighbours */
	int has_gw;             /* routes: gateway of the first next hop */
	uint8_t gw[16];
	char address[NLW_ADDRSTRLEN];   /* "198.18.45.2", "198.18.45.1/24", "198.18.46.0/24" */
	char gateway[INET6_ADDRSTRLEN]; /* "" when none */
	char lladdr[NLW_LLADDRSTRLEN];  /* neighbour's (or link's) hardware address, "" if none */
	char state[NLW_STATELEN];       /* link "up"/"down"; neighbour "REACHABLE", "STALE",
	                                 * "FAILED", ..., "DELETED"; "add"/"del" otherwise */
	char operstate[NLW_STATELEN];   /* links: "up", "down", "lowerlayerdown", "unknown",
	                                 * "deleted", ... */
	char cause[NLW_CAUSELEN];       /* links: what a bridge's ports, a bond's slaves or a
	                                 * vlan's lower link decided ("no bridge port
	                                 * forwarding", "lower vmbr0 down"), "" when the
	                                 * link's own state did */
	unsigned int link_flags;        /* links: IFF_* */
	int neigh_state;                /* neighbours: NUD_* bits, 0 when deleted */
	int table;                      /* routes: routing table id */
	int route_type;                 /* routes: RTN_* */
	int64_t rx_real_ns;             /* when we read it: CLOCK_REALTIME */
	int64_t rx_mono_ns;             /* the same instant on CLOCK_MONOTONIC */
	char text[NLW_TEXTLEN];         /* one line for people: "link hm0 down (operstate ...)" */
};

/* What classification knows about one watched target. */
struct nlw_target {
	int tid;
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* the target's address */
	int ifindex;      /* egress link, 0 when there is no route to it now */
	int has_gw;       /* the route to it goes through a gateway */
	uint8_t gw[16];
};

struct nlw_targets {
	struct nlw_target *v;
	size_t n;
};

/*
 * Which targets an event concerns: neighbour events whose address is a
 * target's address or its gateway (on its egress link when that is known),
 * link and address events on a target's egress link, route events whose
 * destination prefix contains a target's address. Overrun and resynced
 * concern no single target. Writes up to max tids in order and returns how
 * many targets matched (which may be more than max). Pure: no sockets.
 */
int nlw_classify(const struct nlw_event *ev, const struct nlw_targets *targets, int *tids,
		 size_t max);

/* 1 if addr lies in prefix/plen of family (AF_INET: 4 bytes, AF_INET6: 16). */
int nlw_prefix_contains(int family, const uint8_t *prefix, unsigned int plen, const uint8_t *addr);
/* "REACHABLE", "STALE", "FAILED", "INCOMPLETE", "DELAY", "PROBE", "NOARP",
 * "PERMANENT", "NONE", "DELETED" (0); several bits: the first set one. */
const char *nlw_neigh_state_name(int nud);
/* Fill ev->text from the other fields: one escaped line, no time in it. */
void nlw_event_format(struct nlw_event *ev);

/* The route the kernel would use now towards a destination. */
struct nlw_route {
	int family;
	int ifindex; /* egress link */
	char ifname[IFNAMSIZ];
	struct sockaddr_storage src;     /* preferred source; ss_family AF_UNSPEC if none */
	struct sockaddr_storage gw;      /* gateway; ss_family AF_UNSPEC when on-link */
	char src_text[INET6_ADDRSTRLEN]; /* "" when none */
	char gw_text[INET6_ADDRSTRLEN];  /* "" when none */
	int table;
	int route_type;               /* RTN_UNICAST, RTN_LOCAL, ... */
	int link_up;                  /* its own IFF_UP, IFF_LOWER_UP and IFF_RUNNING */
	unsigned int link_flags;      /* IFF_* of the egress link */
	char operstate[NLW_STATELEN]; /* "up", "down", "unknown", ... */
};

/* Counters for -v and the summary. */
struct nlw_counters {
	uint64_t messages; /* netlink messages read */
	uint64_t events;   /* events made from them (before fan-out to targets) */
	uint64_t overruns; /* ENOBUFS seen */
	uint64_t resyncs;  /* re-dumps completed */
	uint64_t errors;   /* unparsable messages, failed requests */
};

struct nlwatch; /* opaque */

/* tid: the target concerned, -1 when none. An event that concerns several
 * targets is handed over once per target (same ev->seq). The callback may
 * call nlwatch_watch_target but must not free the nlwatch. */
typedef void (*nlwatch_cb)(const struct nlw_event *ev, int tid, void *arg);

/*
 * Open an rtnetlink socket subscribed to link, IPv4/IPv6 address, neighbour
 * and IPv4/IPv6 route changes, register its read event on base and start a
 * (non-blocking) dump of the links so that later changes can be told from
 * the current state. Needs no privilege. NULL on failure, with a reason in err.
 */
struct nlwatch *nlwatch_open(struct event_base *base, nlwatch_cb cb, void *arg, char *err,
			     size_t errlen);

/* Set the socket's receive buffer (bytes); a larger one makes overruns rarer.
 * Returns 0 or -1 with errno set. */
int nlwatch_set_rcvbuf(struct nlwatch *w, int bytes);

/*
 * The kernel's route towards dst now (RTM_GETROUTE) and the current state of
 * its egress link. Synchronous, on a separate short-lived socket, bounded to
 * one second: for start-up, not for the loop. w may be NULL. Returns 0, or -1
 * with a reason in err ("no route to 198.18.9.9: Network is unreachable").
 */
int nlwatch_route_lookup(struct nlwatch *w, const struct sockaddr *dst, struct nlw_route *out,
			 char *err, size_t errlen);

/*
 * Attribute events to target tid with address dst (sin_/sin6_ port ignored).
 * Looks the route up once (synchronously, as nlwatch_route_lookup), and
 * again without blocking after every route event that covers dst, so the
 * egress link and gateway follow route changes. Watching a tid again
 * replaces it. Returns 0 when the egress is known, 1 when there is no route
 * now (the target is watched anyway), -1 if dst is not IPv4/IPv6.
 */
int nlwatch_watch_target(struct nlwatch *w, int tid, const struct sockaddr *dst);

/* The egress link of a watched target as last learned (0 when none, -1 when
 * tid is not watched). */
int nlwatch_target_ifindex(const struct nlwatch *w, int tid);

void nlwatch_counters(const struct nlwatch *w, struct nlw_counters *out);

/* Free the event, then the socket. NULL is a no-op. */
void nlwatch_free(struct nlwatch *w);

#endif
