/* SPDX-License-Identifier: ISC */
/* losstrack.c: bursts, outages and transitions from ordered probe outcomes. */
#include <string.h>

#include "monitor/losstrack.h"

/* Set up a tracker with its thresholds; the state starts UNKNOWN. */
void
lt_init(struct losstrack *lt, unsigned down_after, int64_t down_after_ns, unsigned up_after)
{
	memset(lt, 0, sizeof(*lt));
	lt->down_after = down_after ? down_after : 1;
	lt->down_after_ns = down_after_ns;
	lt->up_after = up_after ? up_after : 1;
	lt->state = LT_UNKNOWN;
}

/* Bounds and midpoint estimates of a loss period (see losstrack.h). */
void
lt_period_compute(struct lt_period *p, const struct lt_point *prev, const struct lt_point *first,
		  const struct lt_point *last, const struct lt_point *next)
{
	int64_t start_mono, end_mono;

	p->open_start = prev == NULL;
	p->first_seq = first->seq;
	p->last_seq = last->seq;
	if (prev != NULL) {
		p->start_lo_real = prev->real;
		start_mono = prev->mono + (first->mono - prev->mono) / 2;
		p->start_real = prev->real + (first->real - prev->real) / 2;
	} else {
		/* Lost from the first probe on: the start is no later than it. */
		p->start_lo_real = first->real;
		start_mono = first->mono;
		p->start_real = first->real;
	}
	p->start_hi_real = first->real;
	p->end_lo_real = last->real;
	p->end_hi_real = next->real;
	end_mono = last->mono + (next->mono - last->mono) / 2;
	p->duration = end_mono - start_mono;
	p->end_real = p->start_real + p->duration;
	p->lower = last->mono - first->mono;
	p->upper = next->mono - (prev != NULL ? prev->mono : first->mono);
}

/* Has the current loss run met the DOWN threshold? */
static int
lt_down_threshold_met(const struct losstrack *lt)
{
	if (lt->down_after_ns > 0)
		return lt->burst_last.mono - lt->burst_first.mono >= lt->down_after_ns;
	return lt->burst_lost >= lt->down_after;
}

/* Record a lost probe: extend or open the burst, maybe declare DOWN. */
void
lt_probe_lost(struct losstrack *lt, const struct lt_point *p, const struct lt_callbacks *cb)
{
	struct lt_transition t;

	if (!lt->in_burst) {
		lt->in_burst = 1;
		lt->burst_has_prev = lt->have_ok;
		lt->burst_prev = lt->last_ok;
		lt->burst_first = *p;
		lt->burst_lost = 0;
	}
	lt->burst_last = *p;
	lt->burst_lost++;

	if (lt->state == LT_DOWN) {
		/* A loss inside a recovering run: the outage goes on. */
		lt->ok_run = 0;
		lt->down_last = *p;
		lt->down_lost++;
		return;
	}
	if (!lt_down_threshold_met(lt))
		return;

	/* Declare DOWN, back-dated to the burst's first lost probe. */
	lt->down_has_prev = lt->burst_has_prev;
	lt->down_prev = lt->burst_prev;
	lt->down_first = lt->burst_first;
	lt->down_last = lt->burst_last;
	lt->down_lost = lt->burst_lost;
	lt->ok_run = 0;
	memset(&t, 0, sizeof(t));
	t.from = lt->state;
	t.to = LT_DOWN;
	t.effective = lt->burst_first;
	t.last_reply_real = lt->have_ok ? lt->last_reply_real : 0;
	lt->state = LT_DOWN;
	if (cb != NULL && cb->transition != NULL)
		cb->transition(cb->arg, &t);
}

/* Record an answered probe: close a burst, maybe declare UP. */
void
lt_probe_ok(struct losstrack *lt, const struct lt_point *p, int64_t rx_real,
	    const struct lt_callbacks *cb)
{
	struct lt_period per;
	struct lt_transition t;

	if (lt->in_burst) {
		memset(&per, 0, sizeof(per));
		per.kind = LT_BURST;
		per.lost = lt->burst_lost;
		lt_period_compute(&per, lt->burst_has_prev ? &lt->burst_prev : NULL,
				  &lt->burst_first, &lt->burst_last, p);
		lt->in_burst = 0;
		if (cb != NULL && cb->period != NULL)
			cb->period(cb->arg, &per);
	}

	if (lt->state == LT_DOWN) {
		if (lt->ok_run == 0) {
			lt->ok_run_first = *p;
			lt->ok_run_last_lost = lt->down_last;
		}
		if (++lt->ok_run >= lt->up_after) {
			memset(&per, 0, sizeof(per));
			per.kind = LT_OUTAGE;
			per.lost = lt->down_lost;
			lt_period_compute(&per, lt->down_has_prev ? &lt->down_prev : NULL,
					  &lt->down_first, &lt->ok_run_last_lost,
					  &lt->ok_run_first);
			memset(&t, 0, sizeof(t));
			t.from = LT_DOWN;
			t.to = LT_UP;
			t.effective = lt->ok_run_first;
			t.outage = &per;
			lt->state = LT_UP;
			if (cb != NULL && cb->period != NULL)
				cb->period(cb->arg, &per);
			if (cb != NULL && cb->transition != NULL)
				cb->transition(cb->arg, &t);
		}
	} else if (lt->state == LT_UNKNOWN) {
		memset(&t, 0, sizeof(t));
		t.from = LT_UNKNOWN;
		t.to = LT_UP;
		t.effective = *p;
		lt->state = LT_UP;
		if (cb != NULL && cb->transition != NULL)
			cb->transition(cb->arg, &t);
	}
	lt->have_ok = 1;
	lt->last_ok = *p;
	lt->last_reply_real = rx_real;
}

/* Close what is still open when the monitor stops. */
void
lt_finish(struct losstrack *lt, const struct lt_point *stop, const struct lt_callbacks *cb)
{
	struct lt_period per;

	if (cb == NULL || cb->period == NULL)
		return;
	if (lt->in_burst) {
		memset(&per, 0, sizeof(per));
		per.kind = LT_BURST;
		per.end_state = LT_END_AT_EXIT;
		per.lost = lt->burst_lost;
		lt_period_compute(&per, lt->burst_has_prev ? &lt->burst_prev : NULL,
				  &lt->burst_first, &lt->burst_last, stop);
		/* Still lost at the end: count only what was seen. */
		per.duration =
			per.lower +
			(per.open_start ? 0 : (lt->burst_first.mono - lt->burst_prev.mono) / 2);
		per.end_real = per.start_real + per.duration;
		cb->period(cb->arg, &per);
		lt->in_burst = 0;
	}
	if (lt->state == LT_DOWN) {
		memset(&per, 0, sizeof(per));
		per.kind = LT_OUTAGE;
		per.end_state = LT_END_AT_EXIT;
		per.lost = lt->down_lost;
		lt_period_compute(&per, lt->down_has_prev ? &lt->down_prev : NULL, &lt->down_first,
				  &lt->down_last, stop);
		per.duration =
			per.lower +
			(per.open_start ? 0 : (lt->down_first.mono - lt->down_prev.mono) / 2);
		per.end_real = per.start_real + per.duration;
		cb->period(cb->arg, &per);
	}
}
