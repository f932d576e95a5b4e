/* SPDX-License-Identifier: ISC */
/* test_netlink.c: netlink event classification and text as pure functions; one
 * live run in a private network namespace (root only) through nlwatch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/timeutil.h"
#include "probes/netlink.h"

#define TEST_SKIP 77

/* Address bytes of text s (IPv4 or IPv6) into out; the family returned. */
static int
test_addr(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
	return AF_INET6;
}

/* A watched target: tid, address, egress ifindex, gateway text or NULL. */
static struct nlw_target
test_target(int tid, const char *addr, int ifindex, const char *gw)
{
	struct nlw_target t;

	memset(&t, 0, sizeof t);
	t.tid = tid;
	t.family = test_addr(addr, t.addr);
	t.ifindex = ifindex;
	if (gw != NULL) {
		t.has_gw = 1;
		assert_int_equal(test_addr(gw, t.gw), t.family);
	}
	return t;
}

/* An event of kind on ifindex about addr/plen (addr may be NULL). */
static struct nlw_event
test_event(enum nlw_kind kind, int ifindex, const char *addr, unsigned int plen)
{
	struct nlw_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.ifindex = ifindex;
	ev.family = AF_UNSPEC;
	if (addr != NULL) {
		ev.family = test_addr(addr, ev.addr);
		ev.prefixlen = plen;
	}
	return ev;
}

/* The targets most tests classify against. */
static struct nlw_target test_tv[] = {
	{ 0 }, { 0 }, { 0 }, { 0 }, { 0 },
};
static struct nlw_targets test_ts = { test_tv, 5 };

/* Fill test_tv: two on-link v4 targets on ifindex 3, one behind a gateway on
 * ifindex 3, one v6 on ifindex 4, one with no route. */
static int
test_setup_targets(void **state)
{
	(void)state;
	test_tv[0] = test_target(10, "198.18.45.2", 3, NULL);
	test_tv[1] = test_target(11, "198.18.45.3", 3, NULL);
	test_tv[2] = test_target(12, "198.18.46.9", 3, "198.18.45.254");
	test_tv[3] = test_target(13, "2001:db8:45::2", 4, NULL);
	test_tv[4] = test_target(14, "198.18.47.1", 0, NULL);
	return 0;
}

/* Classify ev and compare with the expected tids (terminated by -1). */
static void
test_expect(const struct nlw_event *ev, ...)
{
	int tids[8], want[8], n, nw = 0, t, i;
	va_list ap;

	va_start(ap, ev);
	while ((t = va_arg(ap, int)) != -1 && nw < 8)
		want[nw++] = t;
	va_end(ap);
	n = nlw_classify(ev, &test_ts, tids, 8);
	assert_int_equal(n, nw);
	for (i = 0; i < n; i++)
		assert_int_equal(tids[i], want[i]);
}

/* Kind names and the classes the store records. */
static void
test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(nlw_kind_name(NLW_LINK_UP), "link_up");
	assert_string_equal(nlw_kind_name(NLW_LINK_DOWN), "link_down");
	assert_string_equal(nlw_kind_name(NLW_NEIGH), "neigh");
	assert_string_equal(nlw_kind_name(NLW_ROUTE_DEL), "route_del");
	assert_string_equal(nlw_kind_name(NLW_OVERRUN), "overrun");
	assert_string_equal(nlw_kind_class(NLW_LINK_DOWN), "link");
	assert_string_equal(nlw_kind_class(NLW_ADDR_ADD), "addr");
	assert_string_equal(nlw_kind_class(NLW_NEIGH), "neigh");
	assert_string_equal(nlw_kind_class(NLW_ROUTE_ADD), "route");
	assert_string_equal(nlw_kind_class(NLW_OVERRUN), "unknown");
	assert_string_equal(nlw_kind_class(NLW_RESYNCED), "unknown");
	assert_string_equal(nlw_kind_name((enum nlw_kind)99), "?");
}

/* NUD bits to names. */
static void
test_neigh_states(void **state)
{
	(void)state;
	assert_string_equal(nlw_neigh_state_name(0x02), "REACHABLE");
	assert_string_equal(nlw_neigh_state_name(0x04), "STALE");
	assert_string_equal(nlw_neigh_state_name(0x20), "FAILED");
	assert_string_equal(nlw_neigh_state_name(0x01), "INCOMPLETE");
	assert_string_equal(nlw_neigh_state_name(0x08), "DELAY");
	assert_string_equal(nlw_neigh_state_name(0x10), "PROBE");
	assert_string_equal(nlw_neigh_state_name(0x40), "NOARP");
	assert_string_equal(nlw_neigh_state_name(0x80), "PERMANENT");
	assert_string_equal(nlw_neigh_state_name(0), "DELETED");
	assert_string_equal(nlw_neigh_state_name(0x100), "NONE");
}

/* Prefix containment at byte and bit boundaries, both families. */
static void
test_prefix(void **state)
{
	uint8_t p[16], a[16];

	(void)state;
	test_addr("198.18.46.0", p);
	test_addr("198.18.46.9", a);
	assert_true(nlw_prefix_contains(AF_INET, p, 24, a));
	assert_true(nlw_prefix_contains(AF_INET, p, 0, a));
	assert_false(nlw_prefix_contains(AF_INET, p, 32, a));
	assert_false(nlw_prefix_contains(AF_INET, p, 33, a));
	test_addr("198.18.47.9", a);
	assert_false(nlw_prefix_contains(AF_INET, p, 24, a));
	assert_true(nlw_prefix_contains(AF_INET, p, 23, a));
	test_addr("198.18.45.9", a);
	assert_false(nlw_prefix_contains(AF_INET, p, 23, a)); /* 198.18.46.0/23 is .46-.47 */
	test_addr("198.18.46.8", p);
	test_addr("198.18.46.9", a);
	assert_true(nlw_prefix_contains(AF_INET, p, 31, a));
	test_addr("198.18.46.10", a);
	assert_false(nlw_prefix_contains(AF_INET, p, 31, a));

	test_addr("2001:db8:45::", p);
	test_addr("2001:db8:45::2", a);
	assert_true(nlw_prefix_contains(AF_INET6, p, 64, a));
	assert_true(nlw_prefix_contains(AF_INET6, p, 48, a));
	assert_false(nlw_prefix_contains(AF_INET6, p, 128, a));
	assert_false(nlw_prefix_contains(AF_INET6, p, 129, a));
	test_addr("2001:db8:44::", p);
	assert_true(nlw_prefix_contains(AF_INET6, p, 45, a));
	assert_false(nlw_prefix_contains(AF_INET6, p, 48, a));
	assert_false(nlw_prefix_contains(AF_UNSPEC, p, 0, a));
}

/* A neighbour event on a target's own address, on its egress link. */
static void
test_classify_neigh_target(void **state)
{
	struct nlw_event ev = test_event(NLW_NEIGH, 3, "198.18.45.2", 32);

	(void)state;
	test_expect(&ev, 10, -1);
	ev.ifindex = 4; /* the same address behind another link is another host */
	test_expect(&ev, -1);
	ev.ifindex = 0; /* link unknown: the address decides */
	test_expect(&ev, 10, -1);
	ev = test_event(NLW_NEIGH, 4, "2001:db8:45::2", 128);
	test_expect(&ev, 13, -1);
	/* The target with no route has no egress to compare. */
	ev = test_event(NLW_NEIGH, 9, "198.18.47.1", 32);
	test_expect(&ev, 14, -1);
}

/* A neighbour event on a target's gateway. */
static void
test_classify_neigh_gateway(void **state)
{
	struct nlw_event ev = test_event(NLW_NEIGH, 3, "198.18.45.254", 32);

	(void)state;
	test_expect(&ev, 12, -1);
	ev = test_event(NLW_NEIGH, 3, "198.18.46.9", 32); /* its own address, off-link */
	test_expect(&ev, 12, -1);
	ev = test_event(NLW_NEIGH, 3, "198.18.45.253", 32);
	test_expect(&ev, -1);
}

/* Link and address events on an egress link concern every target using it. */
static void
test_classify_link(void **state)
{
	struct nlw_event ev = test_event(NLW_LINK_DOWN, 3, NULL, 0);
	int tids[2];

	(void)state;
	test_expect(&ev, 10, 11, 12, -1);
	ev.kind = NLW_LINK_UP;
	test_expect(&ev, 10, 11, 12, -1);
	ev.ifindex = 4;
	test_expect(&ev, 13, -1);
	ev.ifindex = 0; /* the no-route target's 0 is no link */
	test_expect(&ev, -1);
	ev.ifindex = 3;
	/* More targets than room: the count says so, the room is respected. */
	tids[1] = -7;
	assert_int_equal(nlw_classify(&ev, &test_ts, tids, 1), 3);
	assert_int_equal(tids[0], 10);
	assert_int_equal(tids[1], -7);

	ev = test_event(NLW_ADDR_DEL, 3, "198.18.45.1", 24);
	test_expect(&ev, 10, 11, 12, -1);
	ev = test_event(NLW_ADDR_DEL, 3, "2001:db8:45::1", 64); /* v6 address, v4 targets */
	test_expect(&ev, -1);
}

/* IPv4 route events by containment. */
static void
test_classify_route_v4(void **state)
{
	struct nlw_event ev = test_event(NLW_ROUTE_ADD, 3, "198.18.46.0", 24);

	(void)state;
	test_expect(&ev, 12, -1);
	ev = test_event(NLW_ROUTE_DEL, 7, "198.18.45.0", 24); /* on any link */
	test_expect(&ev, 10, 11, -1);
	ev = test_event(NLW_ROUTE_ADD, 3, "198.18.45.3", 32);
	test_expect(&ev, 11, -1);
	ev = test_event(NLW_ROUTE_ADD, 0, "0.0.0.0", 0); /* default: every v4 target */
	test_expect(&ev, 10, 11, 12, 14, -1);
	ev = test_event(NLW_ROUTE_ADD, 3, "198.18.48.0", 24);
	test_expect(&ev, -1);
}

/* IPv6 route events by containment. */
static void
test_classify_route_v6(void **state)
{
	struct nlw_event ev = test_event(NLW_ROUTE_ADD, 4, "2001:db8:45::", 64);

	(void)state;
	test_expect(&ev, 13, -1);
	ev = test_event(NLW_ROUTE_DEL, 4, "2001:db8::", 32);
	test_expect(&ev, 13, -1);
	ev = test_event(NLW_ROUTE_DEL, 4, "2001:db8:46::", 64);
	test_expect(&ev, -1);
	ev = test_event(NLW_ROUTE_ADD, 4, "::", 0);
	test_expect(&ev, 13, -1);
	ev = test_event(NLW_ROUTE_ADD, 4, "fe80::", 64);
	test_expect(&ev, -1);
}

/* Events that concern no target. */
static void
test_classify_unrelated(void **state)
{
	struct nlw_event ev = test_event(NLW_OVERRUN, 0, NULL, 0);
	struct nlw_targets none = { NULL, 0 };
	int tids[1];

	(void)state;
	test_expect(&ev, -1);
	ev.kind = NLW_RESYNCED;
	test_expect(&ev, -1);
	ev = test_event(NLW_LINK_DOWN, 9, NULL, 0);
	test_expect(&ev, -1);
	ev = test_event(NLW_NEIGH, 3, "198.18.45.9", 32);
	test_expect(&ev, -1);
	ev = test_event(NLW_ADDR_ADD, 9, "198.18.45.1", 24);
	test_expect(&ev, -1);
	assert_int_equal(nlw_classify(&ev, &none, tids, 1), 0);
	assert_int_equal(nlw_classify(&ev, NULL, tids, 1), 0);
}

/* The one-line text of each kind; the kernel's interface name is escaped. */
static void
test_format(void **state)
{
	struct nlw_event ev;

	(void)state;
	ev = test_event(NLW_LINK_DOWN, 3, NULL, 0);
	snprintf(ev.ifname, sizeof ev.ifname, "hm0");
	snprintf(ev.operstate, sizeof ev.operstate, "lowerlayerdown");
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "link hm0 down (operstate lowerlayerdown)");
	ev.kind = NLW_LINK_UP;
	snprintf(ev.ifname, sizeof ev.ifname, "e\x1b[1m");
	snprintf(ev.operstate, sizeof ev.operstate, "up");
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "link e\\x1b[1m up (operstate up)");
	ev.ifname[0] = '\0';
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "link ifindex 3 up (operstate up)");

	ev = test_event(NLW_NEIGH, 3, "198.18.45.2", 32);
	snprintf(ev.ifname, sizeof ev.ifname, "hm0");
	snprintf(ev.address, sizeof ev.address, "198.18.45.2");
	snprintf(ev.state, sizeof ev.state, "STALE");
	snprintf(ev.lladdr, sizeof ev.lladdr, "02:68:6d:2d:00:02");
	nlw_event_format(&ev);
	assert_string_equal(ev.text,
			    "neighbour 198.18.45.2 dev hm0 STALE lladdr 02:68:6d:2d:00:02");
	ev.lladdr[0] = '\0';
	snprintf(ev.state, sizeof ev.state, "FAILED");
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "neighbour 198.18.45.2 dev hm0 FAILED");

	ev = test_event(NLW_ROUTE_ADD, 3, "198.18.46.0", 24);
	snprintf(ev.ifname, sizeof ev.ifname, "hm0");
	snprintf(ev.address, sizeof ev.address, "198.18.46.0/24");
	snprintf(ev.gateway, sizeof ev.gateway, "198.18.45.2");
	ev.table = 254;
	nlw_event_format(&ev);
	assert_string_equal(ev.text,
			    "route 198.18.46.0/24 via 198.18.45.2 dev hm0 table 254 added");
	ev.kind = NLW_ROUTE_DEL;
	ev.prefixlen = 0;
	ev.gateway[0] = '\0';
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "route default dev hm0 table 254 removed");

	ev = test_event(NLW_ADDR_ADD, 3, "2001:db8:45::1", 64);
	snprintf(ev.ifname, sizeof ev.ifname, "hm0");
	snprintf(ev.address, sizeof ev.address, "2001:db8:45::1/64");
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "address 2001:db8:45::1/64 added on hm0");
	ev.kind = NLW_ADDR_DEL;
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "address 2001:db8:45::1/64 removed from hm0");

	ev = test_event(NLW_OVERRUN, 0, NULL, 0);
	nlw_event_format(&ev);
	assert_non_null(strstr(ev.text, "view lost"));
	ev.kind = NLW_RESYNCED;
	nlw_event_format(&ev);
	assert_non_null(strstr(ev.text, "re-synchronised"));
}

/* ---------------------------------------------------------------- live */

#define LIVE_MAX 1024

/* One delivery: the event and the target it was handed over for. */
struct live_rec {
	struct nlw_event ev;
	int tid;
};

/* What the live run collects. */
struct live {
	struct event_base *base;
	struct nlwatch *w;
	int fd; /* failure messages to the parent */
	size_t n;
	struct live_rec r[LIVE_MAX];
};

/* Keep every delivery; give the buffer back once an overrun is seen. */
static void
live_cb(const struct nlw_event *ev, int tid, void *arg)
{
	struct live *l = arg;

	if (l->n < LIVE_MAX) {
		l->r[l->n].ev = *ev;
		l->r[l->n].tid = tid;
		l->n++;
	}
	if (ev->kind == NLW_OVERRUN)
		nlwatch_set_rcvbuf(l->w, 1 << 20);
}

/* Report a failed check to the parent and end the child. */
static void __attribute__((noreturn, format(printf, 3, 4)))
live_fail(struct live *l, int line, const char *fmt, ...)
{
	char msg[512];
	int off;
	va_list ap;

	off = snprintf(msg, sizeof msg, "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof msg - (size_t)off, fmt, ap);
	va_end(ap);
	if (write(l->fd, msg, strlen(msg)) < 0)
		_exit(2);
	_exit(1);
}

#define LIVE_CHECK(l, cond, ...)                               \
	do {                                                   \
		if (!(cond))                                   \
			live_fail((l), __LINE__, __VA_ARGS__); \
	} while (0)

/* Run a shell command in the child's namespace; 0 when it succeeded. */
static int __attribute__((format(printf, 1, 2))) live_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Run the loop for up to ms milliseconds. */
static void
live_run(struct live *l, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(l->base, &tv);
	event_base_dispatch(l->base);
}

/* The first delivery from index *from on of kind (and ifname, address if not
 * NULL) for tid (any when tid is -2); runs the loop up to 2 s for it. */
static struct live_rec *
live_wait(struct live *l, size_t *from, enum nlw_kind kind, const char *ifname, const char *address,
	  int tid)
{
	int64_t deadline = time_mono_ns() + 2 * NSEC_PER_SEC;
	size_t i;

	for (;;) {
		for (i = *from; i < l->n; i++) {
			struct live_rec *r = &l->r[i];

			if (r->ev.kind != kind || (tid != -2 && r->tid != tid))
				continue;
			if (ifname != NULL && strcmp(r->ev.ifname, ifname) != 0)
				continue;
			if (address != NULL && strcmp(r->ev.address, address) != 0)
				continue;
			*from = i + 1;
			return r;
		}
		if (time_mono_ns() > deadline)
			return NULL;
		live_run(l, 50);
	}
}

/* A socket address from text. */
static struct sockaddr_storage
live_sa(const char *s)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, s, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, s, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	return ss;
}

/* The live scenario, in a fresh network namespace of the forked child. */
static void __attribute__((noreturn)) live_child(int fd)
{
	static struct live l;
	struct sockaddr_storage ss;
	struct nlw_route rt;
	struct live_rec *r;
	char err[256];
	size_t at = 0, mark;
	int64_t t0, t1;
	int ifindex, i;

	l.fd = fd;
	if (unshare(CLONE_NEWNET) < 0)
		_exit(TEST_SKIP);
	if (live_sh("ip link set lo up 2>/dev/null") != 0)
		_exit(TEST_SKIP); /* no iproute2 */
	l.base = event_base_new();
	LIVE_CHECK(&l, l.base != NULL, "event_base_new");
	l.w = nlwatch_open(l.base, live_cb, &l, err, sizeof err);
	LIVE_CHECK(&l, l.w != NULL, "nlwatch_open: %s", err);
	live_run(&l, 50); /* the initial link dump: silent */
	LIVE_CHECK(&l, l.n == 0, "%zu events from the initial dump", l.n);

	if (live_sh("ip link add nlt0 type veth peer name nlt1") != 0)
		_exit(TEST_SKIP); /* no veth in this kernel */
	LIVE_CHECK(&l, live_sh("ip link set nlt1 up && ip link set nlt0 up") == 0, "links up");
	r = live_wait(&l, &at, NLW_LINK_UP, "nlt0", NULL, -1);
	LIVE_CHECK(&l, r != NULL, "no LINK_UP for nlt0");
	ifindex = r->ev.ifindex;
	LIVE_CHECK(&l, ifindex == (int)if_nametoindex("nlt0"), "ifindex %d", ifindex);
	LIVE_CHECK(&l, strcmp(r->ev.state, "up") == 0, "state %s", r->ev.state);
	LIVE_CHECK(&l, r->ev.rx_real_ns > 0 && r->ev.rx_mono_ns > 0, "no receive time");

	/* Addresses. */
	LIVE_CHECK(&l, live_sh("ip addr add 198.18.60.1/24 dev nlt0") == 0, "addr add");
	r = live_wait(&l, &at, NLW_ADDR_ADD, "nlt0", "198.18.60.1/24", -1);
	LIVE_CHECK(&l, r != NULL, "no ADDR_ADD 198.18.60.1/24 on nlt0");
	LIVE_CHECK(&l, r->ev.family == AF_INET && r->ev.prefixlen == 24, "family/prefix");
	LIVE_CHECK(&l, live_sh("ip addr add 2001:db8:60::1/64 dev nlt0 nodad") == 0, "addr6 add");
	r = live_wait(&l, &at, NLW_ADDR_ADD, "nlt0", "2001:db8:60::1/64", -1);
	LIVE_CHECK(&l, r != NULL, "no ADDR_ADD 2001:db8:60::1/64 on nlt0");
	LIVE_CHECK(&l, r->ev.family == AF_INET6, "family %d", r->ev.family);

	/* Route lookups, and targets. */
	ss = live_sa("198.18.60.2");
	LIVE_CHECK(&l, nlwatch_route_lookup(l.w, (struct sockaddr *)&ss, &rt, err, sizeof err) == 0,
		   "lookup 198.18.60.2: %s", err);
	LIVE_CHECK(&l, rt.ifindex == ifindex && strcmp(rt.ifname, "nlt0") == 0, "egress %d %s",
		   rt.ifindex, rt.ifname);
	LIVE_CHECK(&l, strcmp(rt.src_text, "198.18.60.1") == 0, "src %s", rt.src_text);
	LIVE_CHECK(&l, rt.src.ss_family == AF_INET && rt.gw.ss_family == AF_UNSPEC,
		   "src/gw family");
	LIVE_CHECK(&l, rt.gw_text[0] == '\0' && rt.link_up && strcmp(rt.operstate, "up") == 0,
		   "gw \"%s\" up %d operstate %s", rt.gw_text, rt.link_up, rt.operstate);
	ss = live_sa("2001:db8:60::2");
	LIVE_CHECK(&l, nlwatch_route_lookup(l.w, (struct sockaddr *)&ss, &rt, err, sizeof err) == 0,
		   "lookup 2001:db8:60::2: %s", err);
	LIVE_CHECK(&l, rt.ifindex == ifindex && strcmp(rt.src_text, "2001:db8:60::1") == 0,
		   "v6 egress %d src %s", rt.ifindex, rt.src_text);
	ss = live_sa("198.18.61.5");
	LIVE_CHECK(&l, nlwatch_route_lookup(l.w, (struct sockaddr *)&ss, &rt, err, sizeof err) < 0,
		   "a route to 198.18.61.5 before it was added");
	LIVE_CHECK(&l, strstr(err, "198.18.61.5") != NULL, "error text: %s", err);

	ss = live_sa("198.18.60.2");
	LIVE_CHECK(&l, nlwatch_watch_target(l.w, 7, (struct sockaddr *)&ss) == 0, "watch 7");
	ss = live_sa("198.18.61.5");
	LIVE_CHECK(&l, nlwatch_watch_target(l.w, 8, (struct sockaddr *)&ss) == 1, "watch 8");
	ss = live_sa("2001:db8:60::2");
	LIVE_CHECK(&l, nlwatch_watch_target(l.w, 9, (struct sockaddr *)&ss) == 0, "watch 9");
	LIVE_CHECK(&l, nlwatch_target_ifindex(l.w, 7) == ifindex, "target 7 egress");
	LIVE_CHECK(&l, nlwatch_target_ifindex(l.w, 8) == 0, "target 8 egress");
	LIVE_CHECK(&l, nlwatch_target_ifindex(l.w, 99) == -1, "unknown target");
	ss.ss_family = AF_UNIX;
	LIVE_CHECK(&l, nlwatch_watch_target(l.w, 10, (struct sockaddr *)&ss) == -1, "AF_UNIX");

	/* Neighbours. */
	LIVE_CHECK(&l,
		   live_sh("ip neigh add 198.18.60.2 lladdr 02:00:5e:00:3c:02 dev nlt0 "
			   "nud reachable") == 0,
		   "neigh add");
	r = live_wait(&l, &at, NLW_NEIGH, "nlt0", "198.18.60.2", 7);
	LIVE_CHECK(&l, r != NULL, "no NEIGH 198.18.60.2 for target 7");
	LIVE_CHECK(&l, strcmp(r->ev.state, "REACHABLE") == 0, "state %s", r->ev.state);
	LIVE_CHECK(&l, strcmp(r->ev.lladdr, "02:00:5e:00:3c:02") == 0, "lladdr %s", r->ev.lladdr);
	LIVE_CHECK(&l,
		   live_sh("ip neigh replace 198.18.60.2 lladdr 02:00:5e:00:3c:03 dev nlt0 "
			   "nud stale") == 0,
		   "neigh replace");
	r = live_wait(&l, &at, NLW_NEIGH, "nlt0", "198.18.60.2", 7);
	LIVE_CHECK(&l,
		   r != NULL && strcmp(r->ev.state, "STALE") == 0 &&
			   strcmp(r->ev.lladdr, "02:00:5e:00:3c:03") == 0,
		   "no STALE with the new lladdr");
	LIVE_CHECK(&l,
		   live_sh("ip -6 neigh add 2001:db8:60::2 lladdr 02:00:5e:00:3c:06 dev nlt0 "
			   "nud permanent") == 0,
		   "neigh6 add");
	r = live_wait(&l, &at, NLW_NEIGH, "nlt0", "2001:db8:60::2", 9);
	LIVE_CHECK(&l, r != NULL && strcmp(r->ev.state, "PERMANENT") == 0,
		   "no NEIGH6 for target 9");

	/* A route that gives target 8 a way out, through target 7 as gateway. */
	LIVE_CHECK(&l, live_sh("ip route add 198.18.61.0/24 via 198.18.60.2") == 0, "route add");
	r = live_wait(&l, &at, NLW_ROUTE_ADD, "nlt0", "198.18.61.0/24", 8);
	LIVE_CHECK(&l, r != NULL, "no ROUTE_ADD 198.18.61.0/24 for target 8");
	LIVE_CHECK(&l, strcmp(r->ev.gateway, "198.18.60.2") == 0 && r->ev.table == 254,
		   "gateway %s table %d", r->ev.gateway, r->ev.table);
	for (i = 0; i < 20 && nlwatch_target_ifindex(l.w, 8) != ifindex; i++)
		live_run(&l, 10);
	LIVE_CHECK(&l, nlwatch_target_ifindex(l.w, 8) == ifindex, "target 8 egress not refreshed");
	ss = live_sa("198.18.61.5");
	LIVE_CHECK(&l, nlwatch_route_lookup(l.w, (struct sockaddr *)&ss, &rt, err, sizeof err) == 0,
		   "lookup 198.18.61.5: %s", err);
	LIVE_CHECK(&l,
		   strcmp(rt.gw_text, "198.18.60.2") == 0 &&
			   strcmp(rt.src_text, "198.18.60.1") == 0 && rt.gw.ss_family == AF_INET,
		   "gw %s src %s", rt.gw_text, rt.src_text);
	/* Now the gateway's neighbour entry concerns target 8 too. */
	LIVE_CHECK(&l,
		   live_sh("ip neigh replace 198.18.60.2 lladdr 02:00:5e:00:3c:04 dev nlt0 "
			   "nud reachable") == 0,
		   "neigh replace");
	mark = at;
	r = live_wait(&l, &at, NLW_NEIGH, "nlt0", "198.18.60.2", 8);
	LIVE_CHECK(&l, r != NULL, "gateway neighbour event not attributed to target 8");
	at = mark;
	LIVE_CHECK(&l, live_wait(&l, &at, NLW_NEIGH, "nlt0", "198.18.60.2", 7) != NULL,
		   "neighbour event not attributed to target 7");
	LIVE_CHECK(&l, live_sh("ip route del 198.18.61.0/24") == 0, "route del");
	r = live_wait(&l, &at, NLW_ROUTE_DEL, NULL, "198.18.61.0/24", 8);
	LIVE_CHECK(&l, r != NULL, "no ROUTE_DEL for target 8");

	/* The link goes down: every target on it hears of it. */
	t0 = time_mono_ns();
	LIVE_CHECK(&l, live_sh("ip link set nlt0 down") == 0, "link down");
	t1 = time_mono_ns();
	mark = at;
	r = live_wait(&l, &at, NLW_LINK_DOWN, "nlt0", NULL, 7);
	LIVE_CHECK(&l, r != NULL, "no LINK_DOWN of nlt0 for target 7");
	LIVE_CHECK(&l, strcmp(r->ev.state, "down") == 0 && strcmp(r->ev.operstate, "down") == 0,
		   "state %s operstate %s", r->ev.state, r->ev.operstate);
	LIVE_CHECK(&l, r->ev.rx_mono_ns >= t0, "event before the command");
	fprintf(stderr,
		"# LINK_DOWN read %.3f ms after `ip link set down` started "
		"(the command took %.3f ms)\n",
		(double)(r->ev.rx_mono_ns - t0) / 1e6, (double)(t1 - t0) / 1e6);
	at = mark;
	LIVE_CHECK(&l, live_wait(&l, &at, NLW_LINK_DOWN, "nlt0", NULL, 9) != NULL,
		   "no LINK_DOWN of nlt0 for target 9");
	/* The peer loses its carrier: down for nobody. */
	at = mark;
	r = live_wait(&l, &at, NLW_LINK_DOWN, "nlt1", NULL, -1);
	LIVE_CHECK(&l, r != NULL && strcmp(r->ev.operstate, "lowerlayerdown") == 0,
		   "nlt1 not down with lowerlayerdown");
	LIVE_CHECK(&l, live_sh("ip link set nlt0 up") == 0, "link up");
	LIVE_CHECK(&l, live_wait(&l, &at, NLW_LINK_UP, "nlt0", NULL, 7) != NULL,
		   "no LINK_UP again");

	/* A bridge as the egress: its port decides, before the kernel's own
	 * report of the bridge's carrier (which waits for link-watch). */
	LIVE_CHECK(
		&l,
		live_sh("ip link add nlbr type bridge && ip link add nlp0 type veth peer name nlp1 "
			"&& ip link set nlp0 master nlbr && ip addr add 198.18.63.1/24 dev nlbr "
			"&& ip link set nlp1 up && ip link set nlp0 up && ip link set nlbr up") ==
			0,
		"bridge nlbr");
	r = live_wait(&l, &at, NLW_LINK_UP, "nlbr", NULL, -1);
	LIVE_CHECK(&l, r != NULL, "no LINK_UP of the bridge nlbr");
	ss = live_sa("198.18.63.2");
	LIVE_CHECK(&l, nlwatch_watch_target(l.w, 11, (struct sockaddr *)&ss) == 0, "watch 11");
	LIVE_CHECK(&l, nlwatch_target_ifindex(l.w, 11) == (int)if_nametoindex("nlbr"),
		   "target 11 egress %d", nlwatch_target_ifindex(l.w, 11));
	LIVE_CHECK(&l, live_sh("ip link set nlp0 down") == 0, "port down");
	r = live_wait(&l, &at, NLW_LINK_DOWN, "nlbr", NULL, 11);
	LIVE_CHECK(&l, r != NULL, "no LINK_DOWN of nlbr for target 11");
	LIVE_CHECK(&l, strcmp(r->ev.cause, "no bridge port forwarding") == 0, "cause \"%s\"",
		   r->ev.cause);
	LIVE_CHECK(&l, strstr(r->ev.text, "link nlbr down") == r->ev.text, "text %s", r->ev.text);
	LIVE_CHECK(&l, live_sh("ip link set nlp0 up") == 0, "port up");
	r = live_wait(&l, &at, NLW_LINK_UP, "nlbr", NULL, 11);
	LIVE_CHECK(&l, r != NULL, "no LINK_UP of nlbr for target 11 after its port came back");

	/* Overrun: a tiny buffer, a flood the loop does not read, a link
	 * deleted while the view is lost. */
	LIVE_CHECK(&l,
		   live_sh("ip link add nlt2 type veth peer name nlt3 && ip link set nlt2 up") == 0,
		   "nlt2");
	LIVE_CHECK(&l,
		   live_wait(&l, &at, NLW_LINK_DOWN, "nlt2", NULL, -1) != NULL ||
			   live_wait(&l, &at, NLW_LINK_UP, "nlt2", NULL, -1) != NULL,
		   "nlt2 not seen");
	live_run(&l, 20);
	at = l.n;
	LIVE_CHECK(&l, nlwatch_set_rcvbuf(l.w, 1) == 0, "rcvbuf");
	LIVE_CHECK(&l,
		   live_sh("for i in $(seq 1 60); do echo addr add 198.18.62.$i/32 dev nlt0; done "
			   "| ip -batch -") == 0,
		   "flood");
	LIVE_CHECK(&l, live_sh("ip link del nlt2") == 0, "del nlt2");
	r = live_wait(&l, &at, NLW_OVERRUN, NULL, NULL, -1);
	LIVE_CHECK(&l, r != NULL, "no OVERRUN");
	mark = at;
	LIVE_CHECK(&l, live_wait(&l, &at, NLW_RESYNCED, NULL, NULL, -1) != NULL, "no RESYNCED");
	at = mark;
	r = live_wait(&l, &at, NLW_LINK_DOWN, "nlt2", NULL, -1);
	LIVE_CHECK(&l, r != NULL && strcmp(r->ev.operstate, "deleted") == 0,
		   "nlt2 not reported deleted after the overrun");
	{
		struct nlw_counters n;

		nlwatch_counters(l.w, &n);
		LIVE_CHECK(&l, n.overruns >= 1 && n.resyncs >= 1 && n.messages > n.events / 2,
			   "counters: overruns %llu resyncs %llu", (unsigned long long)n.overruns,
			   (unsigned long long)n.resyncs);
	}
	/* Still working after the resync. */
	live_run(&l, 50);
	at = l.n;
	LIVE_CHECK(&l, live_sh("ip link set nlt0 down") == 0, "link down again");
	LIVE_CHECK(&l, live_wait(&l, &at, NLW_LINK_DOWN, "nlt0", NULL, 7) != NULL,
		   "no LINK_DOWN after the resync");

	nlwatch_free(l.w);
	nlwatch_free(NULL);
	event_base_free(l.base);
	exit(0); /* exit, not _exit: leak checkers look at the child too */
}

/* Fork the live scenario and judge its outcome. */
static void
test_live(void **state)
{
	char msg[600];
	ssize_t len;
	pid_t pid;
	int fds[2], status;

	(void)state;
	if (geteuid() != 0) {
		print_message("# skip: needs root (network namespace)\n");
		skip();
	}
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		live_child(fds[1]);
	}
	close(fds[1]);
	len = read(fds[0], msg, sizeof msg - 1);
	msg[len > 0 ? len : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == TEST_SKIP) {
		print_message("# skip: no network namespace, iproute2 or veth here\n");
		skip();
	}
	if (msg[0] != '\0')
		fail_msg("%s", msg);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Run every test; CMOCKA_MESSAGE_OUTPUT=TAP gives TAP for make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_neigh_states),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test_setup(test_classify_neigh_target, test_setup_targets),
		cmocka_unit_test_setup(test_classify_neigh_gateway, test_setup_targets),
		cmocka_unit_test_setup(test_classify_link, test_setup_targets),
		cmocka_unit_test_setup(test_classify_route_v4, test_setup_targets),
		cmocka_unit_test_setup(test_classify_route_v6, test_setup_targets),
		cmocka_unit_test_setup(test_classify_unrelated, test_setup_targets),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
