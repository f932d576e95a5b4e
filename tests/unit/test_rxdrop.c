/* SPDX-License-Identifier: ISC */
/* test_rxdrop.c: receive drops at our own socket. The arithmetic of
 * probes/rxdrop.c (counter readings to the interval of the drops), and a
 * real monitor with a fake probe and clock: a probe whose reply may have
 * been dropped is unknown, never lost; one outside every drop interval is
 * lost; and the kernel is asked before a probe is called lost. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/target.h"
#include "monitor/aware.h"
#include "monitor/monitor.h"
#include "monitor/monitor_int.h"
#include "probes/probe.h"
#include "probes/rxdrop.h"

#define US    1000LL
#define MS    1000000LL
#define SEC   1000000000LL
#define REAL0 1764108827000000000LL /* 2025-11-25T22:13:47Z */

/* Growth between two readings bounds the drops to the time between them. */
static void
test_interval(void **state)
{
	struct rxdrop d;
	struct probe_rxdrop o;

	(void)state;
	rxdrop_init(&d, 0, 100);
	assert_int_equal(rxdrop_seen(&d, 0, 200), 0); /* a packet, no drops yet */
	assert_false(rxdrop_take(&d, &o));
	assert_int_equal(rxdrop_seen(&d, 3, 500), 3);
	assert_true(rxdrop_take(&d, &o));
	assert_int_equal(o.fresh, 3);
	assert_int_equal(o.after_real, 200);
	assert_int_equal(o.before_real, 500 + RXDROP_MARGIN_NS);
	assert_false(rxdrop_take(&d, &o)); /* taken once */
	assert_int_equal(d.total, 3);
}

/* Two growths before a take: one interval from the first clear reading
 * to the last growth. */
static void
test_union(void **state)
{
	struct rxdrop d;
	struct probe_rxdrop o;

	(void)state;
	rxdrop_init(&d, 0, 0);
	rxdrop_seen(&d, 0, 1000);
	rxdrop_seen(&d, 2, 2000);
	rxdrop_seen(&d, 2, 3000);
	rxdrop_seen(&d, 5, 4000);
	assert_true(rxdrop_take(&d, &o));
	assert_int_equal(o.fresh, 5);
	assert_int_equal(o.after_real, 1000);
	assert_int_equal(o.before_real, 4000 + RXDROP_MARGIN_NS);
	/* after the take, the next interval starts at the last reading */
	rxdrop_seen(&d, 6, 9000);
	assert_true(rxdrop_take(&d, &o));
	assert_int_equal(o.after_real, 4000);
}

/* A packet queued before a larger reading (it waited in the queue while
 * the kernel was asked) carries a smaller count: nothing new, and no
 * "four billion drops"; without a control message the count reads 0. */
static void
test_stale(void **state)
{
	struct rxdrop d;
	struct probe_rxdrop o;

	(void)state;
	rxdrop_init(&d, 0, 0);
	rxdrop_seen(&d, 10, 5000);
	assert_true(rxdrop_take(&d, &o));
	assert_int_equal(rxdrop_seen(&d, 7, 4000), 0);
	assert_int_equal(rxdrop_seen(&d, 0, 6000), 0);
	assert_false(rxdrop_take(&d, &o));
	assert_int_equal(d.clear_real, 5000); /* a stale packet proves nothing */
	assert_int_equal(d.total, 10);
}

/* The kernel's counter is 32 bits: its wrap is growth, not a drop of 2^32. */
static void
test_wrap(void **state)
{
	struct rxdrop d;
	struct probe_rxdrop o;

	(void)state;
	rxdrop_init(&d, 0xfffffffeu, 0);
	assert_int_equal(rxdrop_seen(&d, 3, 100), 5);
	assert_true(rxdrop_take(&d, &o));
	assert_int_equal(o.fresh, 5);
	assert_int_equal(d.total, 5);
}

/* ---- a monitor with a fake probe ---- */

struct probe {
	int64_t mono; /* the clock: real is REAL0 + mono */
	uint64_t sends;
	uint64_t last_seq;
	int64_t last_tx;
	/* drops the fake kernel reports when asked at or after drop_at */
	int drop_armed;
	int64_t drop_at;
	struct probe_rxdrop drop;
	uint64_t asks;
	int64_t first_ask; /* clock at the first ask that reported the drop */
};

/* The fake clock's monotonic time. */
static int64_t
fake_mono(void *arg)
{
	return ((struct probe *)arg)->mono;
}

/* The fake clock's wall time: a constant offset. */
static int64_t
fake_real(void *arg)
{
	return REAL0 + ((struct probe *)arg)->mono;
}

/* Record a send. */
static int
fake_send(struct probe *p, const struct sockaddr *to, socklen_t tolen, uint32_t tid, uint64_t seq)
{
	(void)to;
	(void)tolen;
	(void)tid;
	p->sends++;
	p->last_seq = seq;
	p->last_tx = p->mono;
	return 0;
}

/* The fake probe's mechanism name. */
static const char *
fake_mode(const struct probe *p)
{
	(void)p;
	return "fake";
}

/* No counters. */
static void
fake_counters(const struct probe *p, struct probe_counters *out)
{
	(void)p;
	memset(out, 0, sizeof(*out));
}

/* Nothing to close. */
static void
fake_close(struct probe *p)
{
	(void)p;
}

/* The fake kernel's drop counter: the armed drops, only when asked. */
static int
fake_rxdrops(struct probe *p, int ask, struct probe_rxdrop *out)
{
	if (!ask)
		return 0;
	p->asks++;
	if (!p->drop_armed || p->mono < p->drop_at)
		return 0;
	p->drop_armed = 0;
	p->first_ask = p->mono;
	*out = p->drop;
	return 1;
}

static const struct probe_ops fake_ops = {
	"fake", NULL, NULL, NULL, NULL, fake_mode, fake_counters, fake_close, fake_rxdrops, NULL,
};

/* One target at 10 ms, timeout 100 ms; probes in `lose` go unanswered. */
static void
run_target(struct probe *p, struct monitor **mp, const uint64_t *lose, size_t nlose,
	   uint64_t nprobes)
{
	static struct target_conf c;
	struct sockaddr_in *sin = (struct sockaddr_in *)&c.addr;
	struct probe_ops ops = fake_ops;
	static struct probe_ops keep;
	struct monitor_opts o;
	struct monitor *m;
	char err[256];
	uint64_t seen = 0;
	size_t k;
	int r;

	ops.send = fake_send;
	keep = ops;
	target_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "t0");
	snprintf(c.url, sizeof(c.url), "icmp://198.18.0.1");
	c.proto = TARGET_ICMP;
	c.family = AF_INET;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0xc6120001u);
	c.addrlen = sizeof(*sin);
	c.interval_ns = 10 * MS;
	c.timeout_ns = 100 * MS;
	memset(&o, 0, sizeof(o));
	o.targets = &c;
	o.ntargets = 1;
	o.quiet = 1;
	o.no_signals = 1;
	o.no_netlink = 1;
	o.count = nprobes;
	o.clock.mono_ns = fake_mono;
	o.clock.real_ns = fake_real;
	o.clock.arg = p;
	m = monitor_new_with_probe(&o, &keep, p, err, sizeof(err));
	assert_non_null(m);
	monitor_sched_start(m);
	for (r = 0; r < 10000 && m->heap[0]->key != INT64_MAX; r++) {
		int answer = 1;
		struct probe_reply rep;

		p->mono = m->heap[0]->key;
		monitor_sched_round(m);
		if (p->sends == seen)
			continue;
		seen = p->sends;
		for (k = 0; k < nlose; k++)
			answer &= lose[k] != p->last_seq;
		if (!answer)
			continue;
		memset(&rep, 0, sizeof(rep));
		rep.seq = p->last_seq;
		rep.result = PROBE_OK;
		rep.rx_real_ns = REAL0 + p->last_tx + 100 * US;
		rep.peer = c.addr;
		rep.peerlen = sizeof(*sin);
		monitor_on_reply(&rep, m);
	}
	*mp = m;
}

/*
 * The fake kernel drops one reply at D = tx20 + 1 ms; the last clear
 * reading was 3 ms before. The reply may have been that of any probe
 * whose deadline was after that reading: probes 11 and 20 are unknown
 * (the ask at probe 11's deadline reveals the drop), probe 9, whose
 * deadline passed before the reading, and probe 35, long after, are lost.
 */
static void
test_monitor_dropped_reply(void **state)
{
	static struct probe p;
	static const uint64_t lose[] = { 9, 11, 20, 35 };
	struct monitor *m;
	int64_t t0 = 1000 * SEC + MS; /* the first send: start + 1 ms */
	int64_t tx20 = t0 + 20 * 10 * MS, d = tx20 + MS;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.mono = 1000 * SEC;
	p.drop_armed = 1;
	p.drop_at = d;
	p.drop.fresh = 1;
	p.drop.after_real = REAL0 + d - 3 * MS;
	p.drop.before_real = REAL0 + d;
	run_target(&p, &m, lose, 4, 40);
	assert_int_equal(p.first_ask, t0 + 11 * 10 * MS + 100 * MS);
	assert_int_equal(m->t[0].unknown, 2);
	assert_int_equal(m->t[0].lost, 2);
	assert_int_equal(m->t[0].received, 36);
	/* the window: [D - 3 ms - timeout, D), charged once */
	assert_int_equal(aware_unknown_ns(m->aw, 0), 103 * MS);
	monitor_free(m);
}

/* Asks are lazy: with every probe answered the kernel is never asked. */
static void
test_monitor_no_loss_no_ask(void **state)
{
	static struct probe p;
	struct monitor *m;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.mono = 1000 * SEC;
	run_target(&p, &m, NULL, 0, 40);
	assert_int_equal(m->t[0].received, 40);
	assert_int_equal(p.asks, 0);
	monitor_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_union),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_monitor_dropped_reply),
		cmocka_unit_test(test_monitor_no_loss_no_ask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
