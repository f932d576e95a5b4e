/* SPDX-License-Identifier: ISC */
/* test_netlink_link.c: link messages read from their bytes (nlw_parse_link),
 * and whether a link carries traffic when it is a bridge, a bond, a vlan on
 * either, or a plain link (nlw_link_usable). Pure functions: messages are
 * built here byte by byte as the kernel lays them out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <net/if.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/netlink_int.h"

/* A message under construction; nests[] holds the open nests' offsets. */
struct tmsg {
	union {
		uint8_t b[2048];
		struct nlmsghdr align;
	} u;
	size_t len;
	size_t nests[4];
	int depth;
};

/* Start a link message: header and ifinfomsg. */
static void
tmsg_init(struct tmsg *m, int type, int family, int ifindex, unsigned int flags)
{
	struct nlmsghdr h;
	struct ifinfomsg ifi;

	memset(m, 0, sizeof *m);
	memset(&h, 0, sizeof h);
	memset(&ifi, 0, sizeof ifi);
	h.nlmsg_type = (uint16_t)type;
	ifi.ifi_family = (unsigned char)family;
	ifi.ifi_index = ifindex;
	ifi.ifi_flags = flags;
	memcpy(m->u.b + NLMSG_HDRLEN, &ifi, sizeof ifi);
	m->len = NLMSG_SPACE(sizeof ifi);
	h.nlmsg_len = (uint32_t)m->len;
	memcpy(m->u.b, &h, sizeof h);
}

/* Fix the header's length after an append. */
static void
tmsg_seal(struct tmsg *m)
{
	uint32_t len = (uint32_t)m->len;

	memcpy(m->u.b + offsetof(struct nlmsghdr, nlmsg_len), &len, sizeof len);
}

/* Append one attribute. */
static void
tmsg_put(struct tmsg *m, int type, const void *data, size_t len)
{
	struct rtattr rta;

	assert_true(m->len + RTA_SPACE(len) <= sizeof m->u.b);
	rta.rta_type = (unsigned short)type;
	rta.rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(m->u.b + m->len, &rta, sizeof rta);
	if (len > 0)
		memcpy(m->u.b + m->len + RTA_LENGTH(0), data, len);
	m->len += RTA_SPACE(len);
	tmsg_seal(m);
}

static void
tmsg_u32(struct tmsg *m, int type, uint32_t v)
{
	tmsg_put(m, type, &v, sizeof v);
}

static void
tmsg_u8(struct tmsg *m, int type, uint8_t v)
{
	tmsg_put(m, type, &v, 1);
}

static void
tmsg_str(struct tmsg *m, int type, const char *s)
{
	tmsg_put(m, type, s, strlen(s) + 1);
}

/* Open a nested attribute (flagged NLA_F_NESTED, as kernels since 5.2 do). */
static void
tmsg_nest(struct tmsg *m, int type)
{
	m->nests[m->depth++] = m->len;
	tmsg_put(m, type | NLA_F_NESTED, NULL, 0);
}

/* Close the innermost nest: its length now covers what was appended. */
static void
tmsg_end(struct tmsg *m)
{
	size_t at = m->nests[--m->depth];
	unsigned short len = (unsigned short)(m->len - at);

	memcpy(m->u.b + at + offsetof(struct rtattr, rta_len), &len, sizeof len);
}

#define UP_ALL (IFF_UP | IFF_RUNNING | IFF_LOWER_UP | IFF_BROADCAST | IFF_MULTICAST)

/* A bridge's own message, as the kernel sends it (family AF_UNSPEC) when
 * its ports are down: no carrier, operstate down, IFLA_INFO_KIND "bridge". */
static void
test_parse_bridge(void **state)
{
	struct nlw_linkmsg l;
	struct tmsg m;
	uint8_t mac[6] = { 0x02, 0x68, 0x6d, 0x3a, 0x00, 0x01 };

	(void)state;
	tmsg_init(&m, RTM_NEWLINK, AF_UNSPEC, 30, IFF_UP | IFF_BROADCAST | IFF_MULTICAST);
	tmsg_str(&m, IFLA_IFNAME, "vmbr0");
	tmsg_u32(&m, IFLA_MTU, 1500);
	tmsg_u8(&m, IFLA_OPERSTATE, IF_OPER_DOWN);
	tmsg_put(&m, IFLA_ADDRESS, mac, sizeof mac);
	tmsg_nest(&m, IFLA_LINKINFO);
	tmsg_str(&m, IFLA_INFO_KIND, "bridge");
	tmsg_nest(&m, IFLA_INFO_DATA);
	tmsg_u32(&m, 1, 1500); /* IFLA_BR_FORWARD_DELAY: not read */
	tmsg_end(&m);
	tmsg_end(&m);
	assert_int_equal(nlw_parse_link(m.u.b, m.len, &l), 0);
	assert_int_equal(l.type, RTM_NEWLINK);
	assert_int_equal(l.family, AF_UNSPEC);
	assert_int_equal(l.ifindex, 30);
	assert_string_equal(l.name, "vmbr0");
	assert_string_equal(l.kind, "bridge");
	assert_int_equal(l.operstate, IF_OPER_DOWN);
	assert_int_equal(l.master, 0);
	assert_int_equal(l.lower, 0);
	assert_int_equal(l.brport_state, -1);
	assert_int_equal(l.lladdr_len, 6);
	assert_memory_equal(l.lladdr, mac, 6);
	assert_false(nlw_link_self_up(l.flags, l.operstate));
}

/* A bridge port (veth whose peer is in another namespace): master, the
 * port state from the slave data, and no lower link (IFLA_LINK is the
 * peer's index in the other namespace). */
static void
test_parse_port(void **state)
{
	struct nlw_linkmsg l;
	struct tmsg m;

	(void)state;
	tmsg_init(&m, RTM_NEWLINK, AF_UNSPEC, 31, UP_ALL);
	tmsg_str(&m, IFLA_IFNAME, "tap0");
	tmsg_u8(&m, IFLA_OPERSTATE, IF_OPER_UP);
	tmsg_u32(&m, IFLA_MASTER, 30);
	tmsg_u32(&m, IFLA_LINK, 41);
	tmsg_u32(&m, IFLA_LINK_NETNSID, 0);
	tmsg_nest(&m, IFLA_LINKINFO);
	tmsg_str(&m, IFLA_INFO_KIND, "veth");
	tmsg_str(&m, IFLA_INFO_SLAVE_KIND, "bridge");
	tmsg_nest(&m, IFLA_INFO_SLAVE_DATA);
	tmsg_u8(&m, IFLA_BRPORT_STATE, BR_STATE_FORWARDING);
	tmsg_end(&m);
	tmsg_end(&m);
	assert_int_equal(nlw_parse_link(m.u.b, m.len, &l), 0);
	assert_string_equal(l.name, "tap0");
	assert_string_equal(l.kind, "veth");
	assert_int_equal(l.master, 30);
	assert_int_equal(l.lower, 0);
	assert_int_equal(l.brport_state, BR_STATE_FORWARDING);
	assert_true(nlw_link_self_up(l.flags, l.operstate));
}

/* A bridge port's AF_BRIDGE message: its state nested in IFLA_PROTINFO;
 * and RTM_DELLINK of that family (it left the bridge). */
static void
test_parse_af_bridge(void **state)
{
	struct nlw_linkmsg l;
	struct tmsg m;

	(void)state;
	tmsg_init(&m, RTM_NEWLINK, AF_BRIDGE, 31, IFF_BROADCAST | IFF_MULTICAST);
	tmsg_str(&m, IFLA_IFNAME, "tap0");
	tmsg_u32(&m, IFLA_MASTER, 30);
	tmsg_nest(&m, IFLA_PROTINFO);
	tmsg_u8(&m, IFLA_BRPORT_STATE, BR_STATE_DISABLED);
	tmsg_u8(&m, IFLA_BRPORT_COST, 2); /* not read; another u8 after it */
	tmsg_end(&m);
	assert_int_equal(nlw_parse_link(m.u.b, m.len, &l), 0);
	assert_int_equal(l.family, AF_BRIDGE);
	assert_int_equal(l.master, 30);
	assert_int_equal(l.brport_state, BR_STATE_DISABLED);

	tmsg_init(&m, RTM_DELLINK, AF_BRIDGE, 31, 0);
	tmsg_u8(&m, IFLA_PROTINFO, BR_STATE_BLOCKING); /* the old flat form */
	assert_int_equal(nlw_parse_link(m.u.b, m.len, &l), 0);
	assert_int_equal(l.type, RTM_DELLINK);
	assert_int_equal(l.brport_state, BR_STATE_BLOCKING);
}

/* A vlan on the bridge: IFLA_LINK in our namespace is its lower link. */
static void
test_parse_vlan(void **state)
{
	struct nlw_linkmsg l;
	struct tmsg m;

	(void)state;
	tmsg_init(&m, RTM_NEWLINK, AF_UNSPEC, 33, UP_ALL);
	tmsg_str(&m, IFLA_IFNAME, "vmbr0.100");
	tmsg_u32(&m, IFLA_LINK, 30);
	tmsg_nest(&m, IFLA_LINKINFO);
	tmsg_str(&m, IFLA_INFO_KIND, "vlan");
	tmsg_end(&m);
	assert_int_equal(nlw_parse_link(m.u.b, m.len, &l), 0);
	assert_string_equal(l.kind, "vlan");
	assert_int_equal(l.lower, 30);
	assert_int_equal(l.operstate, -1); /* absent */
}

/* Whatever the bytes, an answer and no read beyond them: every truncation
 * of a valid message, lengths that lie, names without their NUL. */
static void
test_parse_malformed(void **state)
{
	struct nlw_linkmsg l;
	struct tmsg m, bad;
	struct rtattr rta;
	size_t n;
	uint32_t len;

	(void)state;
	tmsg_init(&m, RTM_NEWLINK, AF_UNSPEC, 31, UP_ALL);
	tmsg_str(&m, IFLA_IFNAME, "tap0");
	tmsg_u32(&m, IFLA_MASTER, 30);
	tmsg_nest(&m, IFLA_LINKINFO);
	tmsg_str(&m, IFLA_INFO_KIND, "veth");
	tmsg_end(&m);
	/* Cut short: the header says more than there is. */
	for (n = 0; n < m.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, m.u.b, n);
		assert_int_equal(nlw_parse_link(copy, n, &l), -1);
		free(copy);
	}
	assert_int_equal(nlw_parse_link(NULL, 64, &l), -1);
	/* The header's length cut into an attribute: the attribute lies. */
	bad = m;
	len = (uint32_t)(m.len - 2);
	memcpy(bad.u.b, &len, sizeof len);
	assert_int_equal(nlw_parse_link(bad.u.b, bad.len, &l), -1);
	/* An attribute shorter than its own header. */
	bad = m;
	memcpy(&rta, bad.u.b + NLMSG_SPACE(sizeof(struct ifinfomsg)), sizeof rta);
	rta.rta_len = 2;
	memcpy(bad.u.b + NLMSG_SPACE(sizeof(struct ifinfomsg)), &rta, sizeof rta);
	assert_int_equal(nlw_parse_link(bad.u.b, bad.len, &l), -1);
	/* A nest whose inner attribute lies. */
	bad = m;
	memcpy(&rta, bad.u.b + m.len - RTA_SPACE(5), sizeof rta);
	rta.rta_len = 200;
	memcpy(bad.u.b + m.len - RTA_SPACE(5), &rta, sizeof rta);
	assert_int_equal(nlw_parse_link(bad.u.b, bad.len, &l), -1);
	/* Not a link message. */
	bad = m;
	((struct nlmsghdr *)bad.u.b)->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(nlw_parse_link(bad.u.b, bad.len, &l), -1);
	/* A name of 20 bytes and no NUL, a master beyond int, a short u32. */
	tmsg_init(&bad, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	tmsg_put(&bad, IFLA_IFNAME, "abcdefghijklmnopqrst", 20);
	tmsg_u32(&bad, IFLA_MASTER, 0x80000000u);
	tmsg_put(&bad, IFLA_LINK, "\x01\x02", 2);
	tmsg_put(&bad, IFLA_OPERSTATE, NULL, 0);
	assert_int_equal(nlw_parse_link(bad.u.b, bad.len, &l), 0);
	assert_int_equal(strlen(l.name), IFNAMSIZ - 1);
	assert_int_equal(strncmp(l.name, "abcdefghijklmno", IFNAMSIZ - 1), 0);
	assert_int_equal(l.master, 0);
	assert_int_equal(l.lower, 0);
	assert_int_equal(l.operstate, -1);
	/* A header alone, no attributes. */
	tmsg_init(&bad, RTM_DELLINK, AF_UNSPEC, 9, 0);
	assert_int_equal(nlw_parse_link(bad.u.b, bad.len, &l), 0);
	assert_int_equal(l.ifindex, 9);
	assert_string_equal(l.name, "");
}

/* A link's own state: up, carrier, operstate up or unknown. */
static void
test_self_up(void **state)
{
	(void)state;
	assert_true(nlw_link_self_up(UP_ALL, IF_OPER_UP));
	assert_true(nlw_link_self_up(UP_ALL, IF_OPER_UNKNOWN)); /* lo, tun */
	assert_true(nlw_link_self_up(UP_ALL, -1));
	assert_false(nlw_link_self_up(UP_ALL & ~IFF_UP, IF_OPER_UP));
	assert_false(nlw_link_self_up(UP_ALL & ~IFF_RUNNING, IF_OPER_UP));
	assert_false(nlw_link_self_up(UP_ALL & ~IFF_LOWER_UP, IF_OPER_UP));
	assert_false(nlw_link_self_up(UP_ALL, IF_OPER_DOWN));
	assert_false(nlw_link_self_up(UP_ALL, IF_OPER_LOWERLAYERDOWN));
	assert_false(nlw_link_self_up(UP_ALL, IF_OPER_DORMANT));
	assert_false(nlw_link_self_up(UP_ALL, IF_OPER_NOTPRESENT));
	assert_string_equal(nlw_operstate_name(IF_OPER_LOWERLAYERDOWN), "lowerlayerdown");
	assert_string_equal(nlw_operstate_name(IF_OPER_UP), "up");
	assert_string_equal(nlw_operstate_name(99), "unknown");
	assert_string_equal(nlw_operstate_name(-1), "");
}

/* A table entry. */
static struct nlw_link
tlink(int ifindex, const char *name, const char *kind, unsigned int flags, int oper, int master,
      int lower, int brport)
{
	struct nlw_link l;

	memset(&l, 0, sizeof l);
	l.ifindex = ifindex;
	snprintf(l.name, sizeof l.name, "%s", name);
	snprintf(l.kind, sizeof l.kind, "%s", kind);
	l.flags = flags;
	l.operstate = oper;
	l.master = master;
	l.lower = lower;
	l.brport_state = brport;
	return l;
}

#define DOWN_FLAGS (IFF_BROADCAST | IFF_MULTICAST)
#define NOCARRIER  (IFF_UP | IFF_BROADCAST | IFF_MULTICAST)

/*
 * The Proxmox layout: vmbr0 with two ports. The kernel still says the
 * bridge is up when its last port goes down (its carrier follows a second
 * later): the ports decide. And back: one forwarding port is enough, even
 * before the bridge's own carrier is reported.
 */
static void
test_usable_bridge(void **state)
{
	struct nlw_link v[4];
	char cause[NLW_CAUSELEN];

	(void)state;
	v[0] = tlink(30, "vmbr0", "bridge", UP_ALL, IF_OPER_UP, 0, 0, -1);
	v[1] = tlink(31, "tap0", "veth", DOWN_FLAGS, IF_OPER_DOWN, 30, 0, BR_STATE_DISABLED);
	v[2] = tlink(32, "tap1", "veth", DOWN_FLAGS, IF_OPER_DOWN, 30, 0, BR_STATE_DISABLED);
	v[3] = tlink(1, "lo", "", UP_ALL | IFF_LOOPBACK, IF_OPER_UNKNOWN, 0, 0, -1);
	assert_false(nlw_link_usable(v, 4, &v[0], cause, sizeof cause));
	assert_string_equal(cause, "no bridge port forwarding");
	assert_true(nlw_link_usable(v, 4, &v[3], cause, sizeof cause));
	assert_string_equal(cause, "");

	/* tap1 back, the bridge's carrier not yet. */
	v[0].flags = NOCARRIER;
	v[0].operstate = IF_OPER_DOWN;
	v[2] = tlink(32, "tap1", "veth", UP_ALL, IF_OPER_UP, 30, 0, BR_STATE_FORWARDING);
	assert_true(nlw_link_usable(v, 4, &v[0], cause, sizeof cause));
	assert_string_equal(cause, "bridge port tap1 forwarding");
	/* Up, but blocked by STP: not forwarding. Unknown state: its flags. */
	v[2].brport_state = BR_STATE_BLOCKING;
	assert_false(nlw_link_usable(v, 4, &v[0], NULL, 0));
	v[2].brport_state = BR_STATE_LISTENING;
	assert_false(nlw_link_usable(v, 4, &v[0], NULL, 0));
	v[2].brport_state = -1;
	assert_true(nlw_link_usable(v, 4, &v[0], NULL, 0));
	/* The bridge itself down: nothing its ports do helps. */
	v[0].flags = DOWN_FLAGS;
	assert_false(nlw_link_usable(v, 4, &v[0], cause, sizeof cause));
	assert_string_equal(cause, "");
	/* No port at all: its own carrier decides. */
	v[0].flags = UP_ALL;
	v[0].operstate = IF_OPER_UP;
	assert_true(nlw_link_usable(v, 1, &v[0], NULL, 0));
	v[0].flags = NOCARRIER;
	assert_false(nlw_link_usable(v, 1, &v[0], NULL, 0));
}

/* A bond: its slaves, and its own carrier (it sends nothing without one). */
static void
test_usable_bond(void **state)
{
	struct nlw_link v[2];
	char cause[NLW_CAUSELEN];

	(void)state;
	v[0] = tlink(40, "bond0", "bond", UP_ALL | IFF_MASTER, IF_OPER_UP, 0, 0, -1);
	v[1] = tlink(41, "hb0", "veth", DOWN_FLAGS | IFF_SLAVE, IF_OPER_DOWN, 40, 0, -1);
	assert_false(nlw_link_usable(v, 2, &v[0], cause, sizeof cause));
	assert_string_equal(cause, "no bond slave up");
	v[1].flags = UP_ALL | IFF_SLAVE;
	v[1].operstate = IF_OPER_UP;
	assert_true(nlw_link_usable(v, 2, &v[0], cause, sizeof cause));
	assert_string_equal(cause, "bond slave hb0 up");
	v[0].flags = NOCARRIER | IFF_MASTER; /* its link monitor has not run yet */
	v[0].operstate = IF_OPER_DOWN;
	assert_false(nlw_link_usable(v, 2, &v[0], cause, sizeof cause));
	assert_string_equal(cause, "");
}

/* Stacks: a vlan on vmbr0, vmbr0 on bond0, bond0 on eno1. A slave down
 * takes the bond, the bridge and the vlan with it. */
static void
test_usable_stack(void **state)
{
	struct nlw_link v[5];
	char cause[NLW_CAUSELEN];

	(void)state;
	v[0] = tlink(50, "vmbr0.100", "vlan", UP_ALL, IF_OPER_UP, 0, 51, -1);
	v[1] = tlink(51, "vmbr0", "bridge", UP_ALL, IF_OPER_UP, 0, 0, -1);
	v[2] = tlink(52, "bond0", "bond", UP_ALL, IF_OPER_UP, 51, 0, BR_STATE_FORWARDING);
	v[3] = tlink(53, "eno1", "", UP_ALL, IF_OPER_UP, 52, 0, -1);
	v[4] = tlink(54, "veth1", "veth", UP_ALL, IF_OPER_UP, 0, 53, -1); /* not stacked */
	assert_true(nlw_link_usable(v, 5, &v[0], cause, sizeof cause));
	v[3].flags = DOWN_FLAGS;
	v[3].operstate = IF_OPER_DOWN;
	assert_false(nlw_link_usable(v, 5, &v[2], NULL, 0));
	assert_false(nlw_link_usable(v, 5, &v[1], cause, sizeof cause));
	assert_string_equal(cause, "no bridge port forwarding");
	assert_false(nlw_link_usable(v, 5, &v[0], cause, sizeof cause));
	assert_string_equal(cause, "lower vmbr0 down");
	/* A veth's IFLA_LINK is its peer: never followed. */
	assert_true(nlw_link_usable(v, 5, &v[4], NULL, 0));
	/* A vlan whose lower link is unknown to us: its own state. */
	v[0].lower = 99;
	assert_true(nlw_link_usable(v, 5, &v[0], NULL, 0));
}

/* Tables no kernel makes (loops through lower and master) still end, with
 * an answer. */
static void
test_usable_loops(void **state)
{
	struct nlw_link v[3];

	(void)state;
	v[0] = tlink(60, "a", "vlan", UP_ALL, IF_OPER_UP, 0, 61, -1);
	v[1] = tlink(61, "b", "vlan", UP_ALL, IF_OPER_UP, 0, 60, -1);
	assert_true(nlw_link_usable(v, 2, &v[0], NULL, 0));
	v[0] = tlink(60, "br", "bridge", UP_ALL, IF_OPER_UP, 61, 0, -1);
	v[1] = tlink(61, "bo", "bond", UP_ALL, IF_OPER_UP, 60, 0, -1);
	v[2] = tlink(62, "self", "bridge", UP_ALL, IF_OPER_UP, 62, 0, -1);
	/* Each other's port: at the depth bound the link's own state decides. */
	assert_true(nlw_link_usable(v, 3, &v[0], NULL, 0));
	v[1].flags = NOCARRIER;
	assert_false(nlw_link_usable(v, 3, &v[0], NULL, 0));
	assert_true(nlw_link_usable(v, 3, &v[2], NULL, 0)); /* its own port: none */
}

/* The text of a link event decided by the ports; a cause naming a link
 * with bytes that need escaping comes out escaped. */
static void
test_format_cause(void **state)
{
	struct nlw_event ev;

	(void)state;
	memset(&ev, 0, sizeof ev);
	ev.kind = NLW_LINK_DOWN;
	ev.ifindex = 30;
	snprintf(ev.ifname, sizeof ev.ifname, "vmbr0");
	snprintf(ev.operstate, sizeof ev.operstate, "up");
	snprintf(ev.cause, sizeof ev.cause, "no bridge port forwarding");
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "link vmbr0 down (operstate up; no bridge port forwarding)");
	snprintf(ev.cause, sizeof ev.cause, "lower br\x1b[0m down");
	ev.kind = NLW_LINK_DOWN;
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "link vmbr0 down (operstate up; lower br\\x1b[0m down)");
	ev.cause[0] = '\0';
	ev.kind = NLW_LINK_UP;
	nlw_event_format(&ev);
	assert_string_equal(ev.text, "link vmbr0 up (operstate up)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bridge),    cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_parse_af_bridge), cmocka_unit_test(test_parse_vlan),
		cmocka_unit_test(test_parse_malformed), cmocka_unit_test(test_self_up),
		cmocka_unit_test(test_usable_bridge),   cmocka_unit_test(test_usable_bond),
		cmocka_unit_test(test_usable_stack),    cmocka_unit_test(test_usable_loops),
		cmocka_unit_test(test_format_cause),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
