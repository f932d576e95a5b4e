/* SPDX-License-Identifier: ISC */
/* test_windows.c: UNKNOWN windows (monitor/aware.h) without netlink or a
 * store: which targets a window applies to, the union of overlapping
 * windows, many open at once, pruning after the longest timeout, and a
 * link window that ends per target when sight returns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/target.h"
#include "monitor/aware.h"

#define MS    1000000LL
#define SEC   1000000000LL
#define REAL0 1764108827000000000LL
#define NT    300

static struct target_conf conf[NT];

/* An awareness with n targets (timeout 1 s, interval 10 ms), no netlink. */
static struct aware *
aw_new(size_t n)
{
	struct aware_opts o;
	size_t i;

	for (i = 0; i < n; i++) {
		target_conf_defaults(&conf[i]);
		snprintf(conf[i].name, sizeof(conf[i].name), "t%zu", i);
		conf[i].interval_ns = 10 * MS;
		conf[i].timeout_ns = 1 * SEC;
	}
	memset(&o, 0, sizeof(o));
	o.targets = conf;
	o.ntargets = n;
	o.quiet = 1;
	o.no_netlink = 1;
	return aware_new(&o);
}

/* Open a window of a scope over [s, e) (mono; real is REAL0 + mono) and close it. */
static uint64_t
aw_window(struct aware *a, enum aware_scope scope, int ifindex, int target, int64_t s, int64_t e)
{
	uint64_t id = aware_window_open(a, scope, ifindex, "veth0", target, "test", "test window",
					s, REAL0 + s);

	assert_true(id != 0);
	if (e >= 0)
		aware_window_close(a, id, e, REAL0 + e);
	return id;
}

/* A link window applies to the targets on that link only; ALL to all. */
static void
test_window_scope(void **state)
{
	struct aware *a = aw_new(3);

	(void)state;
	aware_set_egress(a, 0, 2, "veth0");
	aware_set_egress(a, 1, 2, "veth0");
	aware_set_egress(a, 2, 3, "veth1");
	aw_window(a, AWARE_SCOPE_LINK, 2, -1, 1 * SEC, 2 * SEC);
	assert_true(aware_covers(a, 0, 1500 * MS));
	assert_true(aware_covers(a, 1, 1 * SEC));
	assert_false(aware_covers(a, 1, 2 * SEC)); /* [start, end) */
	assert_false(aware_covers(a, 2, 1500 * MS));
	assert_int_equal(aware_unknown_ns(a, 0), 1 * SEC);
	assert_int_equal(aware_unknown_ns(a, 1), 1 * SEC);
	assert_int_equal(aware_unknown_ns(a, 2), 0);
	/* a target window: that target only */
	aw_window(a, AWARE_SCOPE_TARGET, 0, 2, 3 * SEC, 3100 * MS);
	assert_true(aware_covers(a, 2, 3050 * MS));
	assert_false(aware_covers(a, 0, 3050 * MS));
	assert_int_equal(aware_unknown_ns(a, 2), 100 * MS);
	/* ALL: every target */
	aw_window(a, AWARE_SCOPE_ALL, 0, -1, 4 * SEC, 4200 * MS);
	assert_int_equal(aware_unknown_ns(a, 0), 1200 * MS);
	assert_int_equal(aware_unknown_ns(a, 1), 1200 * MS);
	assert_int_equal(aware_unknown_ns(a, 2), 300 * MS);
	aware_free(a);
}

/* Overlapping windows count once: a link down for 1 s and the send
 * failures it causes over the same second are 1 s, not 2. */
static void
test_window_overlap(void **state)
{
	struct aware *a = aw_new(2);
	uint64_t link;

	(void)state;
	aware_set_egress(a, 0, 2, "veth0");
	aware_set_egress(a, 1, 2, "veth0");
	link = aw_window(a, AWARE_SCOPE_LINK, 2, -1, 1 * SEC, -1);
	aw_window(a, AWARE_SCOPE_TARGET, 0, 0, 1 * SEC, 2 * SEC);
	aware_window_close(a, link, 2 * SEC, REAL0 + 2 * SEC);
	assert_int_equal(aware_unknown_ns(a, 0), 1 * SEC);
	assert_int_equal(aware_unknown_ns(a, 1), 1 * SEC);
	/* partial overlaps, closed out of order, across scopes:
	 * target 0 [5, 6) link, [5.5, 6.5) target, [6.2, 7) all -> [5, 7) = 2 s */
	link = aw_window(a, AWARE_SCOPE_LINK, 2, -1, 5 * SEC, -1);
	aw_window(a, AWARE_SCOPE_ALL, 0, -1, 6200 * MS, 7 * SEC);
	aw_window(a, AWARE_SCOPE_TARGET, 0, 0, 5500 * MS, 6500 * MS);
	aware_window_close(a, link, 6 * SEC, REAL0 + 6 * SEC);
	assert_int_equal(aware_unknown_ns(a, 0), 1 * SEC + 2 * SEC);
	/* target 1: [5, 6) link and [6.2, 7) all */
	assert_int_equal(aware_unknown_ns(a, 1), 1 * SEC + 1800 * MS);
	/* an ALL window entirely inside what is counted adds nothing */
	aw_window(a, AWARE_SCOPE_ALL, 0, -1, 5100 * MS, 5200 * MS);
	assert_int_equal(aware_unknown_ns(a, 0), 3 * SEC);
	/* two ALL windows overlapping each other */
	aw_window(a, AWARE_SCOPE_ALL, 0, -1, 8 * SEC, 9 * SEC);
	aw_window(a, AWARE_SCOPE_ALL, 0, -1, 8500 * MS, 9500 * MS);
	assert_int_equal(aware_unknown_ns(a, 0), 4500 * MS);
	assert_int_equal(aware_unknown_ns(a, 1), 4300 * MS);
	aware_free(a);
}

/* 300 windows open at once (more than the old ring of 128): all kept,
 * each covers its own target, each closes and is charged correctly. */
static void
test_window_many_open(void **state)
{
	struct aware *a = aw_new(NT);
	uint64_t id[NT];
	size_t i;

	(void)state;
	for (i = 0; i < NT; i++)
		id[i] = aw_window(a, AWARE_SCOPE_TARGET, 0, (int)i, 1 * SEC + (int64_t)i * MS, -1);
	assert_int_equal(aware_count_open(a), NT);
	for (i = 0; i < NT; i++) {
		assert_true(aware_covers(a, i, 1 * SEC + (int64_t)i * MS));
		assert_false(aware_covers(a, i, 1 * SEC + (int64_t)i * MS - 1));
	}
	for (i = 0; i < NT; i++)
		aware_window_close(a, id[NT - 1 - i], 3 * SEC, REAL0 + 3 * SEC);
	assert_int_equal(aware_count_open(a), 0);
	assert_int_equal(aware_count_kept(a), NT);
	for (i = 0; i < NT; i++) {
		assert_int_equal(aware_unknown_ns(a, i), 2 * SEC - (int64_t)i * MS);
		assert_true(aware_covers(a, i, 2 * SEC));
	}
	aware_free(a);
}

/* Closed windows stay until the longest timeout has passed after their
 * end (a probe sent inside may still be decided), then go; open ones stay. */
static void
test_window_prune(void **state)
{
	struct aware *a = aw_new(2);
	uint64_t open;

	(void)state;
	aw_window(a, AWARE_SCOPE_ALL, 0, -1, 1 * SEC, 2 * SEC);
	open = aw_window(a, AWARE_SCOPE_TARGET, 0, 1, 1500 * MS, -1);
	aware_tick(a, 2 * SEC + 999 * MS);
	assert_int_equal(aware_count_kept(a), 2);
	assert_true(aware_covers(a, 0, 1999 * MS));
	aware_tick(a, 3 * SEC + 1);
	assert_int_equal(aware_count_kept(a), 1);
	assert_false(aware_covers(a, 0, 1999 * MS));
	assert_true(aware_covers(a, 1, 1999 * MS));
	/* the open window still merges with the pruned one's time: target 1
	 * had [1, 2) ALL; its own [1.5, 5) adds [2, 5) */
	aware_window_close(a, open, 5 * SEC, REAL0 + 5 * SEC);
	assert_int_equal(aware_unknown_ns(a, 1), 4 * SEC);
	assert_int_equal(aware_unknown_ns(a, 0), 1 * SEC);
	/* aware_finish closes what is open */
	aw_window(a, AWARE_SCOPE_TARGET, 0, 0, 6 * SEC, -1);
	aware_finish(a, 7 * SEC, REAL0 + 7 * SEC);
	assert_int_equal(aware_count_open(a), 0);
	assert_int_equal(aware_unknown_ns(a, 0), 2 * SEC);
	aware_free(a);
}

/* Target i sends at mono t (no error; real = REAL0 + mono, no clock step). */
static void
aw_send(struct aware *a, size_t i, int64_t t)
{
	aware_after_send(a, i, t, REAL0 + t, 0);
}

/* A link that comes back is not yet a path: each target behind it stays
 * unknown until its first reply after link-up, or until its first probe
 * after link-up times out; other links' targets are never touched. */
static void
test_window_sight(void **state)
{
	struct aware *a = aw_new(3);

	(void)state;
	aware_set_egress(a, 0, 2, "veth0");
	aware_set_egress(a, 1, 2, "veth0");
	aware_set_egress(a, 2, 3, "veth1");
	aware_link_down(a, 2, "veth0", 1 * SEC, REAL0 + 1 * SEC); /* opens at 0.99 s */
	assert_true(aware_covers(a, 0, 995 * MS));
	assert_false(aware_covers(a, 0, 985 * MS));
	aware_link_up(a, 2, 2500 * MS); /* up at 2.51 s: both wait for sight */
	assert_true(aware_covers(a, 0, 2600 * MS));
	assert_int_equal(aware_count_open(a), 1);
	/* a reply received before link-up proves nothing */
	aware_after_reply(a, 0, 2500 * MS, 2505 * MS);
	assert_true(aware_covers(a, 0, 2600 * MS));
	aw_send(a, 0, 2520 * MS);
	aw_send(a, 1, 2530 * MS);
	aw_send(a, 0, 2530 * MS); /* only the first send after up counts */
	/* target 0's neighbour resolves late: its first answer at 3.4 s */
	aware_after_reply(a, 0, 2520 * MS, 3400 * MS);
	assert_true(aware_covers(a, 0, 3399 * MS));
	assert_false(aware_covers(a, 0, 3400 * MS));
	assert_int_equal(aware_unknown_ns(a, 0), 3400 * MS - 990 * MS);
	assert_int_equal(aware_count_open(a), 1); /* target 1 still waits */
	/* target 1 never answers: it sees (its losses count) once its first
	 * probe after up, sent at 2.53 s, has timed out at 3.53 s */
	assert_true(aware_covers(a, 1, 3529 * MS));
	assert_false(aware_covers(a, 1, 3530 * MS));
	aware_tick(a, 3600 * MS);
	assert_int_equal(aware_count_open(a), 0);
	assert_int_equal(aware_unknown_ns(a, 1), 3530 * MS - 990 * MS);
	/* ... unless a request queued before that end is answered after it,
	 * within a timeout: the path was still being resolved until then */
	aware_after_reply(a, 1, 3540 * MS, 3545 * MS); /* sent after the end: no */
	assert_int_equal(aware_unknown_ns(a, 1), 3530 * MS - 990 * MS);
	aware_after_reply(a, 1, 2530 * MS, 3550 * MS);
	assert_true(aware_covers(a, 1, 3549 * MS));
	assert_false(aware_covers(a, 1, 3550 * MS));
	assert_int_equal(aware_unknown_ns(a, 1), 3550 * MS - 990 * MS);
	aware_after_reply(a, 1, 2540 * MS, 4600 * MS); /* a timeout after the end: no */
	assert_int_equal(aware_unknown_ns(a, 1), 3550 * MS - 990 * MS);
	assert_false(aware_covers(a, 2, 1500 * MS));
	assert_int_equal(aware_unknown_ns(a, 2), 0);

	/* down again before anyone saw: one blind stretch, counted once */
	aware_link_down(a, 2, "veth0", 10 * SEC, REAL0 + 10 * SEC);
	aware_link_up(a, 2, 11 * SEC);
	aw_send(a, 0, 11020 * MS);
	aware_link_down(a, 2, "veth0", 11200 * MS, REAL0 + 11200 * MS);
	assert_true(aware_covers(a, 0, 11195 * MS));
	aware_link_up(a, 2, 12 * SEC);
	aw_send(a, 0, 12015 * MS);
	aware_after_reply(a, 0, 12015 * MS, 12020 * MS);
	assert_false(aware_covers(a, 0, 12020 * MS));
	assert_true(aware_covers(a, 0, 12019 * MS));
	assert_int_equal(aware_unknown_ns(a, 0), 2410 * MS + 12020 * MS - 9990 * MS);
	/* aware_finish ends who still waits */
	aware_finish(a, 13 * SEC, REAL0 + 13 * SEC);
	assert_int_equal(aware_count_open(a), 0);
	assert_int_equal(aware_unknown_ns(a, 1), 2560 * MS + 13 * SEC - 9990 * MS);
	aware_free(a);
}

/* Run the tests (TAP with CMOCKA_MESSAGE_OUTPUT=TAP). */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_scope),     cmocka_unit_test(test_window_overlap),
		cmocka_unit_test(test_window_many_open), cmocka_unit_test(test_window_prune),
		cmocka_unit_test(test_window_sight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
