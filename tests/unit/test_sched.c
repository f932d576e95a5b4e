/* SPDX-License-Identifier: ISC */
/* test_sched.c: the scheduler and reply matching of a real monitor, built
 * with a fake probe (no socket, no privileges) and driven by a fake clock:
 * each round sets the clock and runs what the scheduler timer runs. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/target.h"
#include "monitor/aware.h"
#include "monitor/events.h"
#include "monitor/monitor.h"
#include "monitor/monitor_int.h"
#include "probes/probe.h"

#define US    1000LL
#define MS    1000000LL
#define SEC   1000000000LL
#define REAL0 1764108827000000000LL /* 2025-11-25T22:13:47Z */
#define MAXT  128

/* The fake clock and probe: what was sent, and when. */
struct probe {
	int64_t mono; /* the clock: real is REAL0 + mono */
	int err;      /* what send returns */
	uint64_t sends;
	uint64_t per_target[MAXT];
	int64_t first_tx[MAXT]; /* clock at the first send of each target */
	uint32_t last_tid;
	uint64_t last_seq;
	int64_t last_tx;
	/* drift check: sends of target 0 must be at base + seq * interval + lag */
	int check_grid;
	int64_t grid_base, grid_interval, grid_lag_max;
	uint64_t grid_bad;
};

/* The fake clock's monotonic time. */
static int64_t
fake_mono(void *arg)
{
	return ((struct probe *)arg)->mono;
}

/* The fake clock's wall time: a constant offset, so no clock step. */
static int64_t
fake_real(void *arg)
{
	return REAL0 + ((struct probe *)arg)->mono;
}

/* Record a send; check it against the grid when asked. */
static int
fake_send(struct probe *p, const struct sockaddr *to, socklen_t tolen, uint32_t tid, uint64_t seq)
{
	(void)to;
	(void)tolen;
	if (tid < MAXT) {
		if (p->per_target[tid]++ == 0)
			p->first_tx[tid] = p->mono;
	}
	if (p->check_grid && tid == 0) {
		int64_t due = p->grid_base + (int64_t)seq * p->grid_interval;

		if (p->mono < due || p->mono - due > p->grid_lag_max)
			p->grid_bad++;
	}
	p->sends++;
	p->last_tid = tid;
	p->last_seq = seq;
	p->last_tx = p->mono;
	return p->err;
}

/* The fake probe's mechanism name. */
static const char *
fake_mode(const struct probe *p)
{
	(void)p;
	return "fake";
}

/* No packets, no counters. */
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

static const struct probe_ops fake_ops = {
	"fake", NULL, fake_send, NULL, NULL, fake_mode, fake_counters, fake_close,
};

struct fixture {
	struct probe p;
	struct target_conf conf[MAXT];
	struct monitor *m;
};

/* down-after as a time for the targets of the next fx_setup (0: count),
 * and its --duration (0: none). */
static int64_t fx_down_after_ns, fx_duration_ns;

/* n ICMP targets 198.18.0.(1+i) at interval/timeout. */
static void
fx_setup(struct fixture *fx, size_t n, int64_t interval, int64_t timeout)
{
	struct monitor_opts o;
	char err[256];
	size_t i;

	memset(fx, 0, sizeof(*fx));
	fx->p.mono = 1000 * SEC;
	for (i = 0; i < n; i++) {
		struct target_conf *c = &fx->conf[i];
		struct sockaddr_in *sin = (struct sockaddr_in *)&c->addr;

		target_conf_defaults(c);
		snprintf(c->name, sizeof(c->name), "t%zu", i);
		snprintf(c->url, sizeof(c->url), "icmp://198.18.0.%zu", i + 1);
		c->proto = TARGET_ICMP;
		c->family = AF_INET;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0xc6120000u + (uint32_t)i + 1);
		c->addrlen = sizeof(*sin);
		c->interval_ns = interval;
		c->timeout_ns = timeout;
		c->down_after_ns = fx_down_after_ns;
	}
	memset(&o, 0, sizeof(o));
	o.targets = fx->conf;
	o.ntargets = n;
	o.quiet = 1;
	o.no_signals = 1;
	o.no_netlink = 1;
	o.duration_ns = fx_duration_ns;
	o.clock.mono_ns = fake_mono;
	o.clock.real_ns = fake_real;
	o.clock.arg = &fx->p;
	fx->m = monitor_new_with_probe(&o, &fake_ops, &fx->p, err, sizeof(err));
	assert_non_null(fx->m);
}

/* Set the clock to the scheduler's next key (plus lag) and run a round. */
static void
fx_round(struct fixture *fx, int64_t lag)
{
	fx->p.mono = fx->m->heap[0]->key + lag;
	monitor_sched_round(fx->m);
}

/* Answer probe (tid, seq) now, rtt after its send, from addr (NULL: the target). */
static void
fx_reply(struct fixture *fx, uint32_t tid, uint64_t seq, int64_t tx, int64_t rtt,
	 enum probe_result res, const struct sockaddr_storage *addr)
{
	struct probe_reply r;

	memset(&r, 0, sizeof(r));
	r.tid = tid;
	r.seq = seq;
	r.result = res;
	r.rx_real_ns = REAL0 + tx + rtt;
	r.peer = addr != NULL ? *addr : fx->conf[tid < MAXT ? tid : 0].addr;
	r.peerlen = sizeof(struct sockaddr_in);
	monitor_on_reply(&r, fx->m);
}

/* Tear down. */
static void
fx_free(struct fixture *fx)
{
	monitor_free(fx->m);
}

/* 100 targets at 10 ms: first sends i * 100 us apart, exactly, and each
 * target's sends one interval apart. */
static void
test_spread_even(void **state)
{
	static struct fixture fx;
	int64_t start;
	size_t i;
	int r;

	(void)state;
	fx_setup(&fx, 100, 10 * MS, 1 * SEC);
	monitor_sched_start(fx.m);
	start = fx.m->start_mono;
	for (r = 0; r < 100 * 5; r++) {
		fx_round(&fx, 0);
		fx_reply(&fx, fx.p.last_tid, fx.p.last_seq, fx.p.last_tx, 100 * US, PROBE_OK, NULL);
	}
	for (i = 0; i < 100; i++) {
		assert_int_equal(fx.m->t[i].base_mono, start + MS + (int64_t)i * 100 * US);
		assert_int_equal(fx.p.first_tx[i], start + MS + (int64_t)i * 100 * US);
		assert_int_equal(fx.p.per_target[i], 5);
		assert_int_equal(fx.m->t[i].received, 5);
	}
	/* 7 targets at 10 ms: offsets floor(i * 10 ms / 7), never more than
	 * 1 ns from even. */
	fx_free(&fx);
	fx_setup(&fx, 7, 10 * MS, 1 * SEC);
	monitor_sched_start(fx.m);
	for (i = 1; i < 7; i++) {
		int64_t gap = fx.m->t[i].base_mono - fx.m->t[i - 1].base_mono;

		assert_true(gap == 10 * MS / 7 || gap == 10 * MS / 7 + 1);
	}
	assert_int_equal(fx.m->t[6].base_mono - fx.m->t[0].base_mono, 10 * MS * 6 / 7);
	fx_free(&fx);
}

/* A million intervals, woken up to 40 us late each time: the k-th send is
 * never before base + k * interval nor later than the wake-up lag, and the
 * last deadline is exactly base + 10^6 * interval (no accumulation). */
static void
test_no_drift(void **state)
{
	static struct fixture fx;
	const int64_t iv = 1 * MS;
	uint64_t k;

	(void)state;
	fx_setup(&fx, 1, iv, 100 * MS);
	monitor_sched_start(fx.m);
	fx.p.check_grid = 1;
	fx.p.grid_base = fx.m->t[0].base_mono;
	fx.p.grid_interval = iv;
	fx.p.grid_lag_max = 40 * US;
	for (k = 0; k < 1000000; k++) {
		fx_round(&fx, (int64_t)(k * 7919 % 40000));
		fx_reply(&fx, 0, fx.p.last_seq, fx.p.last_tx, 50 * US, PROBE_OK, NULL);
	}
	assert_int_equal(fx.p.sends, 1000000);
	assert_int_equal(fx.p.grid_bad, 0);
	assert_int_equal(fx.m->t[0].n, 1000000);
	assert_int_equal(fx.m->heap[0]->key, fx.p.grid_base + 1000000 * iv);
	assert_int_equal(fx.m->skipped, 0);
	assert_int_equal(fx.m->t[0].received, 1000000);
	assert_int_equal(fx.m->t[0].lost, 0);
	fx_free(&fx);
}

/* The clock jumps 5.5 intervals: one send at the wake-up, the 4 missed
 * deadlines skipped and counted, then back on the grid; the stall is an
 * UNKNOWN window for the target. */
static void
test_stall_skips(void **state)
{
	static struct fixture fx;
	const int64_t iv = 10 * MS;
	int64_t base, key, now;
	int i;

	(void)state;
	fx_setup(&fx, 1, iv, 1 * SEC);
	monitor_sched_start(fx.m);
	base = fx.m->t[0].base_mono;
	for (i = 0; i < 3; i++)
		fx_round(&fx, 0);
	assert_int_equal(fx.p.sends, 3);
	key = fx.m->heap[0]->key;
	assert_int_equal(key, base + 3 * iv);
	now = key + 5 * iv + iv / 2;
	fx.p.mono = now;
	monitor_sched_round(fx.m);
	assert_int_equal(fx.p.sends, 4); /* one, not a burst of six */
	assert_int_equal(fx.p.last_tx, now);
	assert_int_equal(fx.m->skipped, 5); /* deadlines 4..8 of 0..8 */
	assert_int_equal(fx.m->heap[0]->key, base + 9 * iv);
	fx_round(&fx, 0);
	assert_int_equal(fx.p.last_tx, base + 9 * iv);
	assert_int_equal(fx.p.last_seq, 4);
	/* the window runs from the missed deadline to the wake-up */
	assert_int_equal(aware_unknown_ns(fx.m->aw, 0), now - key);
	assert_true(aware_covers(fx.m->aw, 0, key));
	assert_false(aware_covers(fx.m->aw, 0, now));
	fx_free(&fx);
}

/* A stall across the end of a --duration skips only the deadlines before
 * it: sends + skipped is the number of deadlines, 10 in 100 ms at 10 ms. */
static void
test_stall_at_end(void **state)
{
	static struct fixture fx;
	const int64_t iv = 10 * MS;
	int i;

	(void)state;
	fx_duration_ns = 100 * MS;
	fx_setup(&fx, 1, iv, 1 * SEC);
	fx_duration_ns = 0;
	monitor_sched_start(fx.m);
	for (i = 0; i < 3; i++)
		fx_round(&fx, 0);
	fx.p.mono = fx.m->t[0].base_mono + 15 * iv;
	monitor_sched_round(fx.m);
	assert_int_equal(fx.p.sends, 4);
	assert_int_equal(fx.m->skipped, 6);
	fx_round(&fx, 0); /* the next deadline is the end: nothing sent */
	assert_int_equal(fx.p.sends, 4);
	assert_false(fx.m->t[0].sending);
	fx_free(&fx);
}

/* Replies: in time, duplicate, late (after the timeout), from the wrong
 * address, for an unknown target, an ICMP error. */
static void
test_reply_matching(void **state)
{
	static struct fixture fx;
	struct sockaddr_storage other;
	int64_t tx0, tx1;
	uint64_t seq;

	(void)state;
	fx_setup(&fx, 1, 10 * MS, 30 * MS);
	monitor_sched_start(fx.m);
	fx_round(&fx, 0); /* seq 0 */
	tx0 = fx.p.last_tx;
	fx_reply(&fx, 0, 0, tx0, 2 * MS, PROBE_OK, NULL);
	fx_reply(&fx, 0, 0, tx0, 3 * MS, PROBE_OK, NULL);
	assert_int_equal(fx.m->t[0].received, 1);
	assert_int_equal(fx.m->t[0].dup, 1);
	assert_int_equal(fx.m->t[0].rtt_min, 2 * MS);

	fx_round(&fx, 0); /* seq 1: never answered in time */
	tx1 = fx.p.last_tx;
	while (fx.p.mono < tx1 + 30 * MS)
		fx_round(&fx, 0);
	assert_int_equal(fx.m->t[0].lost, 1);
	fx_reply(&fx, 0, 1, tx1, 35 * MS, PROBE_OK, NULL);
	assert_int_equal(fx.m->t[0].late, 1);
	assert_int_equal(fx.m->t[0].lost, 1); /* late stays lost */
	/* answer the ones still out (seq 2 .. 4), so later ones decide at once */
	for (seq = 2; seq <= fx.p.last_seq; seq++)
		fx_reply(&fx, 0, seq, fx.m->t[0].base_mono + (int64_t)seq * 10 * MS, 1 * MS,
			 PROBE_OK, NULL);
	assert_int_equal(fx.m->t[0].received, 1 + fx.p.last_seq - 1);

	memset(&other, 0, sizeof(other));
	other.ss_family = AF_INET;
	((struct sockaddr_in *)&other)->sin_addr.s_addr = htonl(0xc6120063u);
	fx_reply(&fx, 0, fx.p.last_seq, fx.p.last_tx, 1 * MS, PROBE_OK, &other);
	assert_int_equal(fx.m->foreign_addr, 1);
	fx_reply(&fx, 5, fx.p.last_seq, fx.p.last_tx, 1 * MS, PROBE_OK, NULL);
	assert_int_equal(fx.m->foreign_addr, 2);

	fx_round(&fx, 0);
	fx_reply(&fx, 0, fx.p.last_seq, fx.p.last_tx, 1 * MS, PROBE_UNREACH, NULL);
	assert_int_equal(fx.m->t[0].unreach, 1);
	assert_int_equal(fx.m->t[0].lost, 2);
	fx_free(&fx);
}

/* A reply whose ring slot has been reused by a later probe is stale, not
 * taken for the later one; one for a seq not sent yet is stale too. */
static void
test_reply_slot_reused(void **state)
{
	static struct fixture fx;
	uint64_t ring;
	int64_t tx0;
	uint64_t i;

	(void)state;
	fx_setup(&fx, 1, 10 * MS, 30 * MS);
	monitor_sched_start(fx.m);
	ring = fx.m->t[0].mask + 1;
	fx_round(&fx, 0);
	tx0 = fx.p.last_tx;
	for (i = 1; i <= ring; i++) /* seq ring reuses seq 0's slot */
		fx_round(&fx, 0);
	assert_int_equal(fx.p.last_seq, ring);
	fx_reply(&fx, 0, 0, tx0, 1 * MS, PROBE_OK, NULL);
	assert_int_equal(fx.m->t[0].stale, 1);
	assert_int_equal(fx.m->t[0].received, 0);
	fx_reply(&fx, 0, ring + 1, tx0, 1 * MS, PROBE_OK, NULL);
	assert_int_equal(fx.m->t[0].stale, 2);
	/* the reply of the probe now in the slot is matched (decided later,
	 * in order, after the older ones still out) */
	fx_reply(&fx, 0, ring, fx.p.last_tx, 1 * MS, PROBE_OK, NULL);
	assert_int_equal(fx.m->t[0].ring[ring & fx.m->t[0].mask].state, SLOT_OK);
	assert_int_equal(fx.m->t[0].stale, 2);
	fx_free(&fx);
}

/* Sequence numbers across 2^16 and 2^32 match by their 64 bits: a reply
 * carrying only the low 16 bits is stale. */
static void
test_reply_seq_wrap(void **state)
{
	static const uint64_t starts[] = { 65530, (1ULL << 32) - 6 };
	static const uint64_t stale[] = { 6, 12 };
	static struct fixture fx;
	size_t s;
	int i;

	(void)state;
	for (s = 0; s < 2; s++) {
		fx_setup(&fx, 1, 10 * MS, 30 * MS);
		fx.m->t[0].next_seq = fx.m->t[0].resolve_seq = starts[s];
		monitor_sched_start(fx.m);
		for (i = 0; i < 12; i++) {
			fx_round(&fx, 0);
			fx_reply(&fx, 0, fx.p.last_seq & 0xffff, fx.p.last_tx, 1 * MS, PROBE_OK,
				 NULL);
			fx_reply(&fx, 0, fx.p.last_seq, fx.p.last_tx, 1 * MS, PROBE_OK, NULL);
		}
		assert_int_equal(fx.p.last_seq, starts[s] + 11);
		assert_int_equal(fx.m->t[0].received, 12);
		assert_int_equal(fx.m->t[0].lost, 0);
		/* a 16-bit seq matches only while it equals the 64-bit one (then
		 * the full reply is a duplicate); past the wrap it is stale */
		assert_int_equal(fx.m->t[0].stale, stale[s]);
		assert_int_equal(fx.m->t[0].dup, 12 - stale[s]);
		fx_free(&fx);
	}
}

/* Run a round and answer what it sent unless the send failed. */
static void
fx_round_answer(struct fixture *fx)
{
	uint64_t before = fx->p.sends;

	fx_round(fx, 0);
	if (fx->p.sends > before && fx->p.err == 0)
		fx_reply(fx, fx->p.last_tid, fx->p.last_seq, fx->p.last_tx, 1 * MS, PROBE_OK, NULL);
}

/* Sends failing locally open one window per target; those probes are
 * unknown, never lost, and the window closes when sends work again. */
static void
test_send_failure_window(void **state)
{
	static struct fixture fx;
	int64_t t_fail, t_ok;
	int i;

	(void)state;
	fx_setup(&fx, 3, 10 * MS, 30 * MS);
	monitor_sched_start(fx.m);
	for (i = 0; i < 3; i++)
		fx_round_answer(&fx);
	fx.p.err = ENETUNREACH;
	t_fail = fx.m->heap[0]->key;
	for (i = 0; i < 30; i++)
		fx_round_answer(&fx);
	assert_int_equal(aware_count_open(fx.m->aw), 3);
	fx.p.err = 0;
	t_ok = fx.m->heap[0]->key;
	for (i = 0; i < 30; i++)
		fx_round_answer(&fx);
	assert_int_equal(aware_count_open(fx.m->aw), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(fx.m->t[i].lost, 0);
		assert_int_equal(fx.m->t[i].unknown, 10);
		assert_int_equal(fx.m->t[i].send_errors, 10);
		assert_int_equal(fx.m->t[i].received, 11);
	}
	/* each target's window: from its first failed send to its first good one */
	assert_int_equal(aware_unknown_ns(fx.m->aw, 0), t_ok - t_fail);
	assert_int_equal(aware_unknown_ns(fx.m->aw, 2), t_ok - t_fail);
	fx_free(&fx);
}

/* What a listener heard. */
struct heard {
	int n;
	struct mev ev[16];
	char json[16][512];
};

static void
hear(const struct mev *e, void *arg)
{
	struct heard *h = arg;
	char *js;

	if (e->kind == MEV_SECOND || h->n == 16)
		return;
	h->ev[h->n] = *e;
	js = mev_json_string(e, NULL);
	snprintf(h->json[h->n], sizeof(h->json[0]), "%s", js);
	free(js);
	h->n++;
}

/* Listeners hear UP, DOWN and the UP that closes the outage, with the
 * outage's figures; inside maintenance the events are muted. */
static void
test_listeners(void **state)
{
	static struct fixture fx;
	static struct heard h;
	int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	fx_setup(&fx, 1, 10 * MS, 30 * MS);
	assert_int_equal(monitor_listen(fx.m, hear, &h), 0);
	monitor_sched_start(fx.m);
	for (i = 0; i < 5; i++)
		fx_round_answer(&fx);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ev[0].kind, MEV_UP);
	assert_int_equal(h.ev[0].duration_ns, -1);
	monitor_mute(fx.m, 1, "nightly");
	fx.p.err = 0;
	/* 20 probes unanswered: 200 ms of outage */
	for (i = 0; i < 20; i++)
		fx_round(&fx, 0);
	for (i = 0; i < 10; i++)
		fx_round_answer(&fx);
	assert_int_equal(h.n, 4); /* UP, DOWN, BURST, UP */
	assert_int_equal(h.ev[1].kind, MEV_DOWN);
	assert_true(h.ev[1].muted);
	assert_string_equal(h.ev[1].name, "t0");
	assert_non_null(strstr(h.json[1], "\"event\":\"down\""));
	assert_non_null(strstr(h.json[1], "\"muted\":true"));
	assert_non_null(strstr(h.json[1], "\"run\":\"nightly\""));
	assert_int_equal(h.ev[2].kind, MEV_BURST);
	assert_int_equal(h.ev[3].kind, MEV_UP);
	assert_int_equal(h.ev[3].lost, 20);
	assert_true(h.ev[3].lower_ns <= 200 * MS && 200 * MS <= h.ev[3].upper_ns);
	assert_non_null(strstr(h.json[3], "\"duration_ms\":200.000"));
	monitor_mute(fx.m, -1, NULL);
	monitor_mark(fx.m, REAL0 + fx.p.mono, "marker", "x");
	assert_int_equal(h.ev[4].kind, MEV_MARK);
	assert_false(h.ev[4].muted);
	assert_non_null(strstr(h.json[4], "\"label\":\"x\""));
	fx_free(&fx);
}

/* Answer 20 probes of target 0 with 1 ms RTTs: a threshold of one
 * interval (3 x 1 ms is less). Then send n probes unanswered: their seqs
 * and send times into seq[] and tx[]. */
static void
fx_up_then_silent(struct fixture *fx, int n, uint64_t *seq, int64_t *tx)
{
	int i;

	for (i = 0; i < 20; i++)
		fx_round_answer(fx);
	for (i = 0; i < n;) {
		uint64_t before = fx->p.sends;

		fx_round(fx, 0);
		if (fx->p.sends > before) {
			seq[i] = fx->p.last_seq;
			tx[i++] = fx->p.last_tx;
		}
	}
}

/* A target that stops answering is announced DOWN when its third probe in
 * a row (down-after 3) is one threshold (one interval here) overdue, not a
 * timeout later; the tracker's DOWN at the timeout confirms it silently,
 * and the outage is what it always was. */
static void
test_prompt_down(void **state)
{
	static struct fixture fx;
	static struct heard h;
	uint64_t seq[8];
	int64_t tx[8];
	int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	fx_setup(&fx, 1, 10 * MS, 1 * SEC);
	assert_int_equal(monitor_listen(fx.m, hear, &h), 0);
	monitor_sched_start(fx.m);
	fx_up_then_silent(&fx, 3, seq, tx);
	assert_int_equal(h.n, 1);
	/* the next round is the announcement: third probe + 10 ms */
	fx_round(&fx, 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.ev[1].kind, MEV_DOWN);
	assert_int_equal(h.ev[1].declared_real - REAL0, tx[2] + 10 * MS);
	assert_int_equal(h.ev[1].time_real - REAL0, tx[0]);
	assert_int_equal(h.ev[1].seq, seq[0]);
	assert_true(fx.m->t[0].pr_down);
	assert_int_equal(fx.m->t[0].lt.state, LT_UP); /* the tracker has not decided */
	/* past the timeout: the tracker's DOWN, heard once, and its probes lost */
	while (fx.p.mono < tx[0] + 1 * SEC + 50 * MS)
		fx_round(&fx, 0);
	assert_int_equal(fx.m->t[0].lt.state, LT_DOWN);
	assert_false(fx.m->t[0].pr_down);
	assert_int_equal(h.n, 2);
	/* answered again: UP once the probes sent meanwhile are decided */
	for (i = 0; i < 300 && h.ev[h.n - 1].kind != MEV_UP; i++)
		fx_round_answer(&fx);
	assert_int_equal(h.ev[h.n - 2].kind, MEV_BURST);
	assert_int_equal(h.ev[h.n - 1].kind, MEV_UP);
	assert_true(h.ev[h.n - 1].duration_ns > 1 * SEC);
	assert_int_equal(fx.m->t[0].outages, 1);
	fx_free(&fx);
}

/* Answers that come late but in time disprove the announced DOWN: it is
 * withdrawn, nothing is lost, no outage, no burst. */
static void
test_prompt_withdrawn(void **state)
{
	static struct fixture fx;
	static struct heard h;
	uint64_t seq[8];
	int64_t tx[8];
	int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	fx_setup(&fx, 1, 10 * MS, 1 * SEC);
	assert_int_equal(monitor_listen(fx.m, hear, &h), 0);
	monitor_sched_start(fx.m);
	fx_up_then_silent(&fx, 3, seq, tx);
	fx_round(&fx, 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.ev[1].kind, MEV_DOWN);
	/* 45 ms answers, all well inside the 1 s timeout */
	for (i = 3; i < 6; i++) {
		fx_round(&fx, 0);
		seq[i] = fx.p.last_seq;
		tx[i] = fx.p.last_tx;
	}
	fx.p.mono = tx[5] + 45 * MS;
	for (i = 0; i < 6; i++)
		fx_reply(&fx, 0, seq[i], tx[i], 45 * MS, PROBE_OK, NULL);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.ev[2].kind, MEV_WITHDRAWN);
	assert_int_equal(h.ev[2].seq, seq[0]);
	assert_non_null(strstr(h.json[2], "\"event\":\"withdrawn\""));
	assert_non_null(strstr(h.json[2], "\"state\":\"up\""));
	assert_false(fx.m->t[0].pr_down);
	for (i = 0; i < 10; i++)
		fx_round_answer(&fx);
	assert_int_equal(h.n, 3);
	assert_int_equal(fx.m->t[0].lost, 0);
	assert_int_equal(fx.m->t[0].bursts, 0);
	assert_int_equal(fx.m->t[0].outages, 0);
	fx_free(&fx);
}

/* A time threshold (down-after 35ms) is met by the first probe sent 35 ms
 * or more after the first unanswered one. */
static void
test_prompt_down_time(void **state)
{
	static struct fixture fx;
	static struct heard h;
	uint64_t seq[8];
	int64_t tx[8];

	(void)state;
	memset(&h, 0, sizeof(h));
	fx_down_after_ns = 35 * MS;
	fx_setup(&fx, 1, 10 * MS, 1 * SEC);
	fx_down_after_ns = 0;
	assert_int_equal(monitor_listen(fx.m, hear, &h), 0);
	monitor_sched_start(fx.m);
	fx_up_then_silent(&fx, 5, seq, tx);
	assert_int_equal(h.n, 1);
	fx_round(&fx, 0); /* the fifth probe, 40 ms after the first, + 10 ms */
	assert_int_equal(h.n, 2);
	assert_int_equal(h.ev[1].kind, MEV_DOWN);
	assert_int_equal(h.ev[1].declared_real - REAL0, tx[4] + 10 * MS);
	fx_free(&fx);
}

/* Run the tests (TAP with CMOCKA_MESSAGE_OUTPUT=TAP). */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spread_even),         cmocka_unit_test(test_no_drift),
		cmocka_unit_test(test_stall_skips),         cmocka_unit_test(test_reply_matching),
		cmocka_unit_test(test_reply_slot_reused),   cmocka_unit_test(test_reply_seq_wrap),
		cmocka_unit_test(test_send_failure_window), cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_prompt_down),         cmocka_unit_test(test_prompt_withdrawn),
		cmocka_unit_test(test_prompt_down_time),     cmocka_unit_test(test_stall_at_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
