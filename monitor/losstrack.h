/* SPDX-License-Identifier: ISC */
/* losstrack.h: loss bursts, outages and UP/DOWN transitions of one target,
 * computed from probe outcomes fed in sequence order. Pure arithmetic: no
 * clock, no I/O, so the unit tests drive it with made-up times.
 *
 * With probes sent at s_k (last ok), s_{k+1} .. s_{m-1} (lost) and s_m
 * (first ok again), the true outage [a, b] has a in (s_k, s_{k+1}] and
 * b in [s_{m-1}, s_m). Estimates are the midpoints of those intervals, so
 * the duration estimate is s_m - s_{k+1} shifted by half the spacing on
 * each side, and the bounds are [s_{m-1} - s_{k+1}, s_m - s_k].
 */
#ifndef HAMON_LOSSTRACK_H
#define HAMON_LOSSTRACK_H
#include <stdint.h>

/* A probe as the tracker sees it: its number and both send clocks. */
struct lt_point {
	uint64_t seq;
	int64_t mono; /* CLOCK_MONOTONIC send time: all durations */
	int64_t real; /* CLOCK_REALTIME send time: what is printed and stored */
};

enum lt_state { LT_UNKNOWN = 0, LT_UP = 1, LT_DOWN = 2 };
enum lt_kind { LT_BURST = 0, LT_OUTAGE = 1 };
enum lt_end { LT_END_CLOSED = 0, LT_END_AT_EXIT = 1 };

/* A finished loss period with its bounds. */
struct lt_period {
	enum lt_kind kind;
	enum lt_end end_state;
	int open_start; /* no reply had been seen before it */
	int64_t start_lo_real, start_hi_real, end_lo_real, end_hi_real;
	int64_t start_real, end_real;   /* estimates */
	int64_t duration, lower, upper; /* monotonic ns */
	uint64_t lost, first_seq, last_seq;
};

struct lt_transition {
	enum lt_state from, to;
	struct lt_point effective;      /* back-dated: first lost / first ok probe */
	int64_t last_reply_real;        /* DOWN: rx time of the last reply, 0 if none */
	const struct lt_period *outage; /* UP after DOWN: the outage it closes */
};

struct lt_callbacks {
	void (*period)(void *arg, const struct lt_period *p);
	void (*transition)(void *arg, const struct lt_transition *t);
	void *arg;
};

struct losstrack {
	/* thresholds */
	unsigned down_after;
	int64_t down_after_ns;
	unsigned up_after;

	enum lt_state state;
	int have_ok;
	struct lt_point last_ok;
	int64_t last_reply_real;

	/* current loss burst */
	int in_burst;
	int burst_has_prev;
	struct lt_point burst_prev, burst_first, burst_last;
	uint64_t burst_lost;

	/* current DOWN period */
	int down_has_prev;
	struct lt_point down_prev, down_first, down_last;
	uint64_t down_lost;
	unsigned ok_run;
	struct lt_point ok_run_first;
	struct lt_point ok_run_last_lost;
};

void lt_init(struct losstrack *lt, unsigned down_after, int64_t down_after_ns, unsigned up_after);
/* A probe answered in time; rx_real is its reply's receive time. */
void lt_probe_ok(struct losstrack *lt, const struct lt_point *p, int64_t rx_real,
		 const struct lt_callbacks *cb);
/* A probe lost (timed out or unreachable). */
void lt_probe_lost(struct losstrack *lt, const struct lt_point *p, const struct lt_callbacks *cb);
/* The monitor stops: report what is still open with end_state LT_END_AT_EXIT;
 * stop is the moment of stopping (end upper bound). */
void lt_finish(struct losstrack *lt, const struct lt_point *stop, const struct lt_callbacks *cb);

/* Fill p's bounds and estimates from the points that delimit it. prev may
 * be NULL (no reply before it); next is the first ok probe (or the stop). */
void lt_period_compute(struct lt_period *p, const struct lt_point *prev,
		       const struct lt_point *first, const struct lt_point *last,
		       const struct lt_point *next);

#endif
