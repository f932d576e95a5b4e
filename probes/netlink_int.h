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

/* What we last knew of one link. */
struct nlw_link {
	int ifindex;
	int up;
	unsigned int flags;
	uint32_t gen; /* dump generation it was last seen in */
	char name[IFNAMSIZ];
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

#endif
