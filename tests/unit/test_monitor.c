/* SPDX-License-Identifier: ISC */
/* test_monitor.c: loss bursts, bounds and the UP/DOWN state machine, driven
 * with made-up probe times (also against outages injected at random); the
 * latency histogram's quantiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/losstrack.h"
#include "monitor/rtthist.h"

#define MS    1000000LL
#define REAL0 1764108827000000000LL /* 2025-11-25T22:13:47Z */

struct rec {
	struct lt_period periods[16];
	int nperiods;
	struct lt_transition trans[16];
	struct lt_period trans_outage[16];
	int ntrans;
};

static void
rec_period(void *arg, const struct lt_period *p)
{
	struct rec *r = arg;

	r->periods[r->nperiods++] = *p;
}

static void
rec_transition(void *arg, const struct lt_transition *t)
{
	struct rec *r = arg;

	r->trans[r->ntrans] = *t;
	if (t->outage)
		r->trans_outage[r->ntrans] = *t->outage;
	r->ntrans++;
}

/* Probe k sent at k * interval (+ jitter[k] if given); the pattern string
 * says per probe: '.' ok, 'x' lost. */
static void
drive(struct losstrack *lt, struct rec *r, const char *pattern, int64_t interval,
      const int64_t *jitter)
{
	struct lt_callbacks cb = { rec_period, rec_transition, r };
	size_t k;

	for (k = 0; pattern[k]; k++) {
		int64_t t = (int64_t)k * interval + (jitter ? jitter[k] : 0);
		struct lt_point p = { k + 1, 5000 * MS + t, REAL0 + t };

		if (pattern[k] == '.')
			lt_probe_ok(lt, &p, p.real + 50000, &cb);
		else
			lt_probe_lost(lt, &p, &cb);
	}
}

/* Three lost probes at 10 ms: the classic 30 ms blip. */
static void
test_burst_bounds(void **state)
{
	struct losstrack lt;
	struct rec r;

	memset(&r, 0, sizeof(r));
	lt_init(&lt, 5, 0, 1);
	drive(&lt, &r, "....xxx....", 10 * MS, NULL);
	assert_int_equal(r.nperiods, 1);
	assert_int_equal(r.periods[0].kind, LT_BURST);
	assert_int_equal(r.periods[0].lost, 3);
	assert_int_equal(r.periods[0].first_seq, 5);
	assert_int_equal(r.periods[0].last_seq, 7);
	/* s_k = 30 ms, s_{k+1} = 40, s_{m-1} = 60, s_m = 70 */
	assert_int_equal(r.periods[0].duration, 30 * MS);
	assert_int_equal(r.periods[0].lower, 20 * MS);
	assert_int_equal(r.periods[0].upper, 40 * MS);
	assert_int_equal(r.periods[0].start_lo_real, REAL0 + 30 * MS);
	assert_int_equal(r.periods[0].start_hi_real, REAL0 + 40 * MS);
	assert_int_equal(r.periods[0].end_lo_real, REAL0 + 60 * MS);
	assert_int_equal(r.periods[0].end_hi_real, REAL0 + 70 * MS);
	assert_int_equal(r.periods[0].start_real, REAL0 + 35 * MS);
	assert_int_equal(r.periods[0].end_real, REAL0 + 65 * MS);
	assert_int_equal(r.periods[0].open_start, 0);
	/* below the DOWN threshold: only the initial UNKNOWN -> UP */
	assert_int_equal(r.ntrans, 1);
	assert_int_equal(r.trans[0].from, LT_UNKNOWN);
	assert_int_equal(r.trans[0].to, LT_UP);
}

/* A single lost probe may be an instant: lower bound 0. */
static void
test_single_loss(void **state)
{
	struct losstrack lt;
	struct rec r;

	memset(&r, 0, sizeof(r));
	lt_init(&lt, 3, 0, 1);
	drive(&lt, &r, "..x..", 1 * MS, NULL);
	assert_int_equal(r.nperiods, 1);
	assert_int_equal(r.periods[0].lower, 0);
	assert_int_equal(r.periods[0].upper, 2 * MS);
	assert_int_equal(r.periods[0].duration, 1 * MS);
}

/* Uneven send times: bounds use the real spacing, not the nominal one. */
static void
test_jittered_bounds(void **state)
{
	static const int64_t jit[] = { 0, 0, 3 * MS, 0, 0, -2 * MS, 0 };
	struct losstrack lt;
	struct rec r;

	memset(&r, 0, sizeof(r));
	lt_init(&lt, 10, 0, 1);
	drive(&lt, &r, "..xxx..", 10 * MS, jit);
	/* s_k = 10, s_{k+1} = 23, s_{m-1} = 40, s_m = 48 */
	assert_int_equal(r.periods[0].lower, 17 * MS);
	assert_int_equal(r.periods[0].upper, 38 * MS);
	assert_int_equal(r.periods[0].duration, 27500000); /* 44 - 16.5 ms */
}

/* DOWN after 3 losses, back-dated to the first; UP closes the outage. */
static void
test_down_up_thresholds(void **state)
{
	struct losstrack lt;
	struct rec r;

	memset(&r, 0, sizeof(r));
	lt_init(&lt, 3, 0, 1);
	drive(&lt, &r, "..xx..xxxxx...", 10 * MS, NULL);
	/* bursts: 2 probes (no DOWN), then 5 probes (DOWN) */
	assert_int_equal(r.ntrans, 3);
	assert_int_equal(r.trans[1].from, LT_UP);
	assert_int_equal(r.trans[1].to, LT_DOWN);
	assert_int_equal(r.trans[1].effective.seq, 7); /* first lost probe */
	assert_int_equal(r.trans[1].last_reply_real, REAL0 + 50 * MS + 50000);
	assert_int_equal(r.trans[2].to, LT_UP);
	assert_int_equal(r.trans[2].effective.seq, 12);
	assert_non_null(r.trans[2].outage);
	assert_int_equal(r.trans_outage[2].lost, 5);
	assert_int_equal(r.trans_outage[2].duration, 50 * MS);
	/* periods: burst(2), burst(5), outage(5) */
	assert_int_equal(r.nperiods, 3);
	assert_int_equal(r.periods[0].kind, LT_BURST);
	assert_int_equal(r.periods[0].lost, 2);
	assert_int_equal(r.periods[1].kind, LT_BURST);
	assert_int_equal(r.periods[2].kind, LT_OUTAGE);
	assert_int_equal(r.periods[2].lower, 40 * MS);
	assert_int_equal(r.periods[2].upper, 60 * MS);
}

/* up-after 3: a flap inside recovery keeps one outage spanning two bursts. */
static void
test_up_after_flap(void **state)
{
	struct losstrack lt;
	struct rec r;

	memset(&r, 0, sizeof(r));
	lt_init(&lt, 2, 0, 3);
	drive(&lt, &r, ".xxx.x..xx....", 10 * MS, NULL);
	/* bursts: xxx(2-4), x(6), xx(9-10); outage from probe 2 to 10, UP at 11 */
	assert_int_equal(r.ntrans, 3);
	assert_int_equal(r.trans[2].to, LT_UP);
	assert_int_equal(r.trans[2].effective.seq, 11);
	assert_int_equal(r.trans_outage[2].lost, 6);
	assert_int_equal(r.trans_outage[2].first_seq, 2);
	assert_int_equal(r.trans_outage[2].last_seq, 10);
	/* s_k = 0, first lost 10, last lost 90, first ok of the UP run 100 */
	assert_int_equal(r.trans_outage[2].duration, 90 * MS);
	assert_int_equal(r.trans_outage[2].lower, 80 * MS);
	assert_int_equal(r.trans_outage[2].upper, 100 * MS);
	assert_int_equal(r.nperiods, 4);
}

/* A time threshold: DOWN only once the loss has lasted 50 ms. */
static void
test_down_after_duration(void **state)
{
	struct losstrack lt;
	struct rec r;

	memset(&r, 0, sizeof(r));
	lt_init(&lt, 1, 50 * MS, 1);
	drive(&lt, &r, ".xxxxx.xxxxxx.", 10 * MS, NULL);
	/* first burst spans 40 ms of sends: no DOWN; second 50 ms: DOWN */
	assert_int_equal(r.ntrans, 3);
	assert_int_equal(r.trans[1].to, LT_DOWN);
	assert_int_equal(r.trans[1].effective.seq, 8);
}

/* Target never answered: open start, DOWN with no last reply. */
static void
test_open_start_and_exit(void **state)
{
	struct lt_callbacks cb = { rec_period, rec_transition, NULL };
	struct lt_point stop = { 99, 5000 * MS + 100 * MS, REAL0 + 100 * MS };
	struct losstrack lt;
	struct rec r;

	memset(&r, 0, sizeof(r));
	cb.arg = &r;
	lt_init(&lt, 3, 0, 1);
	drive(&lt, &r, "xxxxx", 10 * MS, NULL);
	assert_int_equal(r.ntrans, 1);
	assert_int_equal(r.trans[0].from, LT_UNKNOWN);
	assert_int_equal(r.trans[0].to, LT_DOWN);
	assert_int_equal(r.trans[0].last_reply_real, 0);
	lt_finish(&lt, &stop, &cb);
	assert_int_equal(r.nperiods, 2);
	assert_int_equal(r.periods[0].end_state, LT_END_AT_EXIT);
	assert_int_equal(r.periods[0].open_start, 1);
	assert_int_equal(r.periods[0].lower, 40 * MS);
	assert_int_equal(r.periods[0].duration, 40 * MS);
	assert_int_equal(r.periods[0].upper, 100 * MS);
	assert_int_equal(r.periods[1].kind, LT_OUTAGE);
}

/* Sequence numbers far past 16 bits change nothing in the arithmetic. */
static void
test_seq_beyond_wrap(void **state)
{
	struct lt_callbacks cb = { rec_period, rec_transition, NULL };
	struct losstrack lt;
	struct rec r;
	uint64_t seq;

	memset(&r, 0, sizeof(r));
	cb.arg = &r;
	lt_init(&lt, 3, 0, 1);
	for (seq = 65530; seq < 65545; seq++) {
		struct lt_point p = { seq, (int64_t)seq * MS, REAL0 + (int64_t)seq * MS };

		if (seq >= 65535 && seq <= 65537)
			lt_probe_lost(&lt, &p, &cb);
		else
			lt_probe_ok(&lt, &p, p.real, &cb);
	}
	assert_int_equal(r.nperiods, 2);
	assert_int_equal(r.periods[0].first_seq, 65535);
	assert_int_equal(r.periods[0].last_seq, 65537);
	assert_int_equal(r.periods[0].duration, 3 * MS);
}

/* Histogram quantiles within the documented 12.5 %. */
static void
test_rtthist(void **state)
{
	struct rtthist h;
	int64_t q;
	int i;

	memset(&h, 0, sizeof(h));
	assert_int_equal(rtthist_quantile(&h, 0.5), -1);
	for (i = 1; i <= 1000; i++)
		rtthist_add(&h, (int64_t)i * 1000); /* 1 us .. 1 ms */
	q = rtthist_quantile(&h, 0.5);
	assert_true(q > 500000 * 0.875 && q < 500000 * 1.125);
	q = rtthist_quantile(&h, 0.99);
	assert_true(q > 990000 * 0.875 && q < 990000 * 1.125);
	/* very large values land in the last bucket without overflow */
	rtthist_add(&h, 3600LL * 1000000000);
	assert_true(rtthist_quantile(&h, 1.0) > 0);
}

/* Exact quantiles of sorted data. */
static void
test_quantile_sorted(void **state)
{
	double v[] = { 1, 2, 3, 4, 5 };

	assert_true(quantile_sorted(v, 5, 0.5) == 3);
	assert_true(quantile_sorted(v, 5, 0.25) == 2);
	assert_true(quantile_sorted(v, 5, 1) == 5);
	assert_true(quantile_sorted(v, 5, 0.9) > 4.59 && quantile_sorted(v, 5, 0.9) < 4.61);
}

/* Outages injected at random times against jittered sends (a probe is
 * lost iff sent inside the outage): every burst's bounds are the probes
 * around it, and the true start a and end b lie in a in (s_k, s_{k+1}],
 * b in [s_{m-1}, s_m), the estimate within half the spacing on each side. */
static void
test_bounds_contain_truth(void **state)
{
	struct lt_callbacks cb = { rec_period, NULL, NULL };
	uint64_t rnd = 88172645463325252ULL;
	int run;

	for (run = 0; run < 2000; run++) {
		struct losstrack lt;
		struct rec r;
		int64_t s[64], a, b, iv = 10 * MS;
		int k, first = -1, last = -1;

		memset(&r, 0, sizeof(r));
		cb.arg = &r;
		lt_init(&lt, 3, 0, 1);
		for (k = 0; k < 64; k++) {
			rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
			s[k] = (int64_t)k * iv + (int64_t)(rnd % (2 * MS));
		}
		rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
		a = 5 * iv + (int64_t)(rnd % (20 * iv));
		b = a + 1 + (int64_t)((rnd >> 20) % (30 * iv));
		for (k = 0; k < 64; k++) {
			struct lt_point p = { (uint64_t)k, s[k], REAL0 + s[k] };

			if (s[k] >= a && s[k] <= b) {
				if (first < 0)
					first = k;
				last = k;
				lt_probe_lost(&lt, &p, &cb);
			} else
				lt_probe_ok(&lt, &p, p.real + 1000, &cb);
		}
		if (first < 0) {
			assert_int_equal(r.nperiods, 0);
			continue;
		}
		assert_true(r.nperiods >= 1);
		assert_int_equal(r.periods[0].kind, LT_BURST);
		assert_int_equal(r.periods[0].lost, last - first + 1);
		assert_int_equal(r.periods[0].start_lo_real, REAL0 + s[first - 1]);
		assert_int_equal(r.periods[0].start_hi_real, REAL0 + s[first]);
		assert_int_equal(r.periods[0].end_lo_real, REAL0 + s[last]);
		assert_int_equal(r.periods[0].end_hi_real, REAL0 + s[last + 1]);
		assert_true(a > s[first - 1] && a <= s[first]);
		assert_true(b >= s[last] && b < s[last + 1]);
		assert_int_equal(r.periods[0].lower, s[last] - s[first]);
		assert_int_equal(r.periods[0].upper, s[last + 1] - s[first - 1]);
		assert_true(b - a >= r.periods[0].lower && b - a <= r.periods[0].upper);
		assert_true(llabs(r.periods[0].duration - (b - a)) <=
			    (s[first] - s[first - 1]) / 2 + (s[last + 1] - s[last]) / 2 + 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_bounds),
		cmocka_unit_test(test_single_loss),
		cmocka_unit_test(test_jittered_bounds),
		cmocka_unit_test(test_down_up_thresholds),
		cmocka_unit_test(test_up_after_flap),
		cmocka_unit_test(test_down_after_duration),
		cmocka_unit_test(test_open_start_and_exit),
		cmocka_unit_test(test_seq_beyond_wrap),
		cmocka_unit_test(test_rtthist),
		cmocka_unit_test(test_quantile_sorted),
		cmocka_unit_test(test_bounds_contain_truth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
