/* SPDX-License-Identifier: ISC */
/* runreport.c: the run report's data model and arithmetic (no I/O). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"
#include "report/runreport.h"

/* Marker words that make a marker the failover marker when none was chosen. */
static const char *const runreport_failover_words[] = { "power", "fail",  "cut",
							"crash", "fence", NULL };

/* Grow an array of size elements so that one more fits. */
static void *
runreport_grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap == 0 ? 16 : *cap * 2;
	return xreallocarray(p, *cap, size);
}

/* A copy of s, or NULL for NULL. */
static char *
runreport_strdup(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

/* A new empty report. */
struct run_report *
runreport_new(void)
{
	struct run_report *r = xcalloc(1, sizeof(*r));

	r->exit_status = -1;
	r->failover_marker = RR_MARKER_AUTO;
	r->failover_index = -1;
	hvparse_figures_init(&r->hv);
	return r;
}

/* Free one target and what it owns. */
static void
runreport_free_target(struct rr_target *t)
{
	free(t->name);
	free(t->url);
	free(t->bursts);
	free(t->samples);
	free(t);
}

/* Free r; NULL is fine. */
void
runreport_free(struct run_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ntargets; i++)
		runreport_free_target(r->targets[i]);
	for (i = 0; i < r->nmarkers; i++)
		free(r->markers[i].label);
	for (i = 0; i < r->nspans; i++)
		free(r->spans[i].label);
	for (i = 0; i < r->nunknowns; i++) {
		free(r->unknowns[i].target);
		free(r->unknowns[i].reason);
	}
	for (i = 0; i < r->nevents; i++) {
		free(r->events[i].target);
		free(r->events[i].kind);
		free(r->events[i].text);
	}
	for (i = 0; i < r->nbench; i++) {
		free(r->bench[i].label);
		free(r->bench[i].test);
		free(r->bench[i].metric);
		free(r->bench[i].unit);
	}
	free(r->events);
	free(r->bench);
	free(r->targets);
	free(r->markers);
	free(r->spans);
	free(r->unknowns);
	free(r->label);
	free(r->command);
	free(r->host);
	free(r);
}

/* Set (a copy of) the run's label. */
void
runreport_set_label(struct run_report *r, const char *label)
{
	free(r->label);
	r->label = runreport_strdup(label);
}

/* Set (a copy of) the wrapped command line. */
void
runreport_set_command(struct run_report *r, const char *command)
{
	free(r->command);
	r->command = runreport_strdup(command);
}

/* Set (a copy of) the name of the host the monitor ran on. */
void
runreport_set_host(struct run_report *r, const char *host)
{
	free(r->host);
	r->host = runreport_strdup(host);
}

/* Add a target with no data yet; the pointer stays valid until runreport_free(). */
struct rr_target *
runreport_add_target(struct run_report *r, const char *name, const char *url)
{
	struct rr_target *t = xcalloc(1, sizeof(*t));

	t->name = xstrdup(name != NULL ? name : "");
	t->url = runreport_strdup(url);
	t->failover.last_reply_ns = t->failover.first_reply_ns = -1;
	r->targets = runreport_grow(r->targets, r->ntargets, &r->targets_cap, sizeof(*r->targets));
	r->targets[r->ntargets++] = t;
	return t;
}

/* Insert a marker keeping time order (equal times keep the order added). */
void
runreport_add_marker(struct run_report *r, int64_t ts_ns, const char *label)
{
	size_t i;

	r->markers = runreport_grow(r->markers, r->nmarkers, &r->markers_cap, sizeof(*r->markers));
	for (i = r->nmarkers; i > 0 && r->markers[i - 1].ts_ns > ts_ns; i--)
		r->markers[i] = r->markers[i - 1];
	r->markers[i].ts_ns = ts_ns;
	r->markers[i].label = xstrdup(label != NULL ? label : "");
	r->nmarkers++;
}

/* Add a named span (e.g. from `hamon mark --begin/--end`). */
void
runreport_add_span(struct run_report *r, int64_t start_ns, int64_t end_ns, const char *label)
{
	r->spans = runreport_grow(r->spans, r->nspans, &r->spans_cap, sizeof(*r->spans));
	r->spans[r->nspans].start_ns = start_ns;
	r->spans[r->nspans].end_ns = end_ns;
	r->spans[r->nspans].label = xstrdup(label != NULL ? label : "");
	r->nspans++;
}

/* Insert an unknown window keeping start order (equal starts keep the order
 * added), so that runreport_compute() can merge them in one pass. */
void
runreport_add_unknown(struct run_report *r, int64_t start_ns, int64_t end_ns, const char *target,
		      const char *reason)
{
	struct rr_unknown *u;
	size_t i;

	r->unknowns =
		runreport_grow(r->unknowns, r->nunknowns, &r->unknowns_cap, sizeof(*r->unknowns));
	for (i = r->nunknowns; i > 0 && r->unknowns[i - 1].start_ns > start_ns; i--)
		r->unknowns[i] = r->unknowns[i - 1];
	u = &r->unknowns[i];
	u->start_ns = start_ns;
	u->end_ns = end_ns < start_ns ? start_ns : end_ns;
	u->target = runreport_strdup(target);
	u->reason = xstrdup(reason != NULL ? reason : "");
	u->matched = 0;
	r->nunknowns++;
}

/* Set the scheduler's timing figures (NULL: none). */
void
runreport_set_timing(struct run_report *r, const struct rr_timing *t)
{
	memset(&r->timing, 0, sizeof(r->timing));
	if (t != NULL) {
		r->timing = *t;
		r->timing.known = 1;
	}
}

/* Insert an event keeping time order (equal times keep the order added). */
void
runreport_add_event(struct run_report *r, int64_t ts_ns, const char *target, const char *kind,
		    const char *text)
{
	struct rr_event *e;
	size_t i;

	r->events = runreport_grow(r->events, r->nevents, &r->events_cap, sizeof(*r->events));
	for (i = r->nevents; i > 0 && r->events[i - 1].ts_ns > ts_ns; i--)
		r->events[i] = r->events[i - 1];
	e = &r->events[i];
	e->ts_ns = ts_ns;
	e->target = runreport_strdup(target);
	e->kind = xstrdup(kind != NULL ? kind : "");
	e->text = xstrdup(text != NULL ? text : "");
	r->nevents++;
}

/* Insert a bench figure keeping time order (equal times keep the order added). */
void
runreport_add_bench(struct run_report *r, int64_t ts_ns, const char *label, const char *test,
		    const char *metric, double value, const char *unit)
{
	struct rr_bench *b;
	size_t i;

	r->bench = runreport_grow(r->bench, r->nbench, &r->bench_cap, sizeof(*r->bench));
	for (i = r->nbench; i > 0 && r->bench[i - 1].ts_ns > ts_ns; i--)
		r->bench[i] = r->bench[i - 1];
	b = &r->bench[i];
	b->ts_ns = ts_ns;
	b->label = xstrdup(label != NULL ? label : "");
	b->test = xstrdup(test != NULL ? test : "");
	b->metric = xstrdup(metric != NULL ? metric : "");
	b->value = value;
	b->unit = xstrdup(unit != NULL ? unit : "");
	r->nbench++;
}

/* Whether e is about t: it names no target, or t's name. */
int
runreport_event_applies(const struct rr_event *e, const struct rr_target *t)
{
	return e->target == NULL || strcmp(e->target, t->name) == 0;
}

/* Whether u applies to t: it names no target, or t's name. */
int
runreport_unknown_applies(const struct rr_unknown *u, const struct rr_target *t)
{
	return u->target == NULL || strcmp(u->target, t->name) == 0;
}

/* Add one loss period. */
void
runreport_add_burst(struct rr_target *t, const struct rr_burst *b)
{
	t->bursts = runreport_grow(t->bursts, t->nbursts, &t->bursts_cap, sizeof(*t->bursts));
	t->bursts[t->nbursts++] = *b;
}

/* Add one probe; rtt_ns < 0 when unanswered. */
void
runreport_add_sample(struct rr_target *t, int64_t tx_ns, int64_t rtt_ns)
{
	t->samples = runreport_grow(t->samples, t->nsamples, &t->samples_cap, sizeof(*t->samples));
	t->samples[t->nsamples].tx_ns = tx_ns;
	t->samples[t->nsamples].rtt_ns = rtt_ns < 0 ? -1 : rtt_ns;
	t->nsamples++;
}

/* qsort order of int64_t. */
static int
runreport_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sort values ascending. */
void
runreport_sort(int64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), runreport_cmp_i64);
}

/* Linear interpolation between closest ranks (type 7); see runreport.h. */
int64_t
runreport_percentile(const int64_t *sorted, size_t n, double p)
{
	double rank, frac;
	size_t lo;

	if (n == 0)
		return -1;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	rank = p * (double)(n - 1) / 100.0;
	lo = (size_t)rank;
	if (lo >= n - 1)
		return sorted[n - 1];
	frac = rank - (double)lo;
	return sorted[lo] + (int64_t)((double)(sorted[lo + 1] - sorted[lo]) * frac + 0.5);
}

/* Swap two values. */
static void
runreport_swap(int64_t *a, int64_t *b)
{
	int64_t t = *a;

	*a = *b;
	*b = t;
}

/*
 * Move the k-th smallest of v[0..n) to v[k], smaller ones before it and
 * larger ones after (quickselect). The three-way partition keeps runs of
 * equal RTTs, common at coarse clock resolution, linear; the pivot is the
 * median of three. Expected O(n): sorting ten million samples per window
 * would take most of the 2 s a report may cost.
 */
static void
runreport_select(int64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n, lt, gt, i, mid;
	int64_t pivot;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] < v[lo])
			runreport_swap(&v[mid], &v[lo]);
		if (v[hi - 1] < v[lo])
			runreport_swap(&v[hi - 1], &v[lo]);
		if (v[hi - 1] < v[mid])
			runreport_swap(&v[hi - 1], &v[mid]);
		pivot = v[mid];
		/* v[lo..lt) < pivot, v[lt..i) == pivot, v[gt..hi) > pivot */
		lt = lo;
		gt = hi;
		i = lo;
		while (i < gt) {
			if (v[i] < pivot)
				runreport_swap(&v[i++], &v[lt++]);
			else if (v[i] > pivot)
				runreport_swap(&v[i], &v[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return;
	}
}

/* runreport_percentile() of unsorted values, reordering them; same result. */
static int64_t
runreport_percentile_unsorted(int64_t *v, size_t n, double p)
{
	double rank, frac;
	size_t lo, i;
	int64_t next;

	if (n == 0)
		return -1;
	rank = p <= 0 ? 0 : p >= 100 ? (double)(n - 1) : p * (double)(n - 1) / 100.0;
	lo = (size_t)rank;
	if (lo >= n - 1)
		lo = n - 1;
	runreport_select(v, n, lo);
	frac = rank - (double)lo;
	if (lo == n - 1 || frac <= 0)
		return v[lo];
	/* After the selection the next value up is the least of v[lo+1..n). */
	for (next = v[lo + 1], i = lo + 2; i < n; i++) {
		if (v[i] < next)
			next = v[i];
	}
	return v[lo] + (int64_t)((double)(next - v[lo]) * frac + 0.5);
}

/* qsort order of samples: by send time, then RTT. */
static int
runreport_cmp_sample(const void *a, const void *b)
{
	const struct rr_sample *x = a, *y = b;

	if (x->tx_ns != y->tx_ns)
		return x->tx_ns > y->tx_ns ? 1 : -1;
	return (x->rtt_ns > y->rtt_ns) - (x->rtt_ns < y->rtt_ns);
}

/* qsort order of bursts: by start, then end, then kind. */
static int
runreport_cmp_burst(const void *a, const void *b)
{
	const struct rr_burst *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns > y->start_ns ? 1 : -1;
	if (x->end_ns != y->end_ns)
		return x->end_ns > y->end_ns ? 1 : -1;
	return (int)x->kind - (int)y->kind;
}

/* Sort samples and bursts unless they already are (the store gives them in order). */
static void
runreport_sort_target(struct rr_target *t)
{
	size_t i;

	for (i = 1; i < t->nsamples; i++) {
		if (runreport_cmp_sample(&t->samples[i - 1], &t->samples[i]) > 0) {
			qsort(t->samples, t->nsamples, sizeof(*t->samples), runreport_cmp_sample);
			break;
		}
	}
	for (i = 1; i < t->nbursts; i++) {
		if (runreport_cmp_burst(&t->bursts[i - 1], &t->bursts[i]) > 0) {
			qsort(t->bursts, t->nbursts, sizeof(*t->bursts), runreport_cmp_burst);
			break;
		}
	}
}

/* Downtime sums, counts, longest outage. */
static void
runreport_compute_losses(struct rr_target *t)
{
	enum rr_loss_kind use;
	size_t i;

	t->ncount[RR_BURST] = t->ncount[RR_OUTAGE] = 0;
	t->longest_outage_ns = -1;
	for (i = 0; i < t->nbursts; i++) {
		t->ncount[t->bursts[i].kind == RR_OUTAGE]++;
		if (t->bursts[i].kind == RR_OUTAGE &&
		    t->bursts[i].end_ns - t->bursts[i].start_ns > t->longest_outage_ns)
			t->longest_outage_ns = t->bursts[i].end_ns - t->bursts[i].start_ns;
	}
	/* Every lost probe lies in exactly one burst, while outages may hold
	 * several bursts: summing both would count the same loss twice. */
	use = t->ncount[RR_BURST] > 0 ? RR_BURST : RR_OUTAGE;
	t->downtime_ns = t->downtime_lower_ns = t->downtime_upper_ns = 0;
	for (i = 0; i < t->nbursts; i++) {
		if (t->bursts[i].kind != use)
			continue;
		t->downtime_ns += t->bursts[i].end_ns - t->bursts[i].start_ns;
		t->downtime_lower_ns += t->bursts[i].lower_ns;
		t->downtime_upper_ns += t->bursts[i].upper_ns;
	}
}

/* Window bounds [lo[w], hi[w]) of the run. */
static void
runreport_windows(const struct run_report *r, int64_t lo[RR_NWINDOWS], int64_t hi[RR_NWINDOWS])
{
	int64_t mlo = r->mon_start_ns != 0 ? r->mon_start_ns : INT64_MIN;
	int64_t mhi = r->mon_end_ns != 0 ? r->mon_end_ns : INT64_MAX;

	if (r->start_ns == 0 && r->end_ns == 0) {
		/* No command span (a plain monitored window): all is "during". */
		lo[RR_BEFORE] = hi[RR_BEFORE] = mlo;
		lo[RR_DURING] = mlo;
		hi[RR_DURING] = mhi;
		lo[RR_AFTER] = hi[RR_AFTER] = mhi;
		return;
	}
	lo[RR_BEFORE] = mlo;
	hi[RR_BEFORE] = r->start_ns;
	lo[RR_DURING] = r->start_ns;
	hi[RR_DURING] = r->end_ns;
	lo[RR_AFTER] = r->end_ns;
	hi[RR_AFTER] = mhi;
}

/* RTT percentiles per window and the longest gap between answers. */
static void
runreport_compute_rtt(const struct run_report *r, struct rr_target *t)
{
	int64_t lo[RR_NWINDOWS], hi[RR_NWINDOWS], prev_ok = 0;
	int64_t *v[RR_NWINDOWS];
	size_t n[RR_NWINDOWS] = { 0, 0, 0 }, i, nok = 0;
	int w;

	runreport_windows(r, lo, hi);
	for (w = 0; w < RR_NWINDOWS; w++) {
		memset(&t->rtt[w], 0, sizeof(t->rtt[w]));
		v[w] = xreallocarray(NULL, t->nsamples, sizeof(int64_t));
	}
	t->longest_gap_ns = -1;
	for (i = 0; i < t->nsamples; i++) {
		const struct rr_sample *s = &t->samples[i];

		if (s->tx_ns < lo[RR_BEFORE] || s->tx_ns >= hi[RR_AFTER])
			continue;
		for (w = 0; w < RR_NWINDOWS; w++) {
			if (s->tx_ns >= lo[w] && s->tx_ns < hi[w])
				break;
		}
		if (s->rtt_ns < 0) {
			if (w < RR_NWINDOWS)
				t->rtt[w].lost++;
			continue;
		}
		if (w < RR_NWINDOWS)
			v[w][n[w]++] = s->rtt_ns;
		if (nok++ > 0 && s->tx_ns - prev_ok > t->longest_gap_ns)
			t->longest_gap_ns = s->tx_ns - prev_ok;
		prev_ok = s->tx_ns;
	}
	for (w = 0; w < RR_NWINDOWS; w++) {
		t->rtt[w].n = n[w];
		t->rtt[w].max_ns = runreport_percentile_unsorted(v[w], n[w], 100);
		t->rtt[w].p99_ns = runreport_percentile_unsorted(v[w], n[w], 99);
		t->rtt[w].p50_ns = runreport_percentile_unsorted(v[w], n[w], 50);
		free(v[w]);
	}
	/*
	 * Without two answers the bursts' upper bounds (s_m - s_k) are the gaps.
	 * Not an outage's: replies may have come inside it.
	 */
	if (nok < 2) {
		for (i = 0; i < t->nbursts; i++) {
			if ((t->bursts[i].kind == RR_BURST || t->ncount[RR_BURST] == 0) &&
			    t->bursts[i].upper_ns > t->longest_gap_ns)
				t->longest_gap_ns = t->bursts[i].upper_ns;
		}
	}
}

/*
 * Length of the union of the unknown windows that apply to t (t NULL: those
 * that apply to every target), each clipped to the monitoring window. The
 * windows are in start order and clipping keeps that order, so one pass
 * merges them: overlapping windows must not count twice.
 */
static int64_t
runreport_unknown_union(const struct run_report *r, const struct rr_target *t)
{
	int64_t mlo = r->mon_start_ns != 0 ? r->mon_start_ns : INT64_MIN;
	int64_t mhi = r->mon_end_ns != 0 ? r->mon_end_ns : INT64_MAX;
	int64_t lo, hi, cur_lo = 0, cur_hi = 0, total = 0;
	size_t i;
	int open = 0;

	for (i = 0; i < r->nunknowns; i++) {
		const struct rr_unknown *u = &r->unknowns[i];

		if (t != NULL ? !runreport_unknown_applies(u, t) : u->target != NULL)
			continue;
		lo = u->start_ns > mlo ? u->start_ns : mlo;
		hi = u->end_ns < mhi ? u->end_ns : mhi;
		if (hi <= lo)
			continue;
		if (open && lo <= cur_hi) {
			if (hi > cur_hi)
				cur_hi = hi;
			continue;
		}
		if (open)
			total += cur_hi - cur_lo;
		cur_lo = lo;
		cur_hi = hi;
		open = 1;
	}
	if (open)
		total += cur_hi - cur_lo;
	return total;
}

/* Which unknown windows apply to some target, and the unknown time of each. */
static void
runreport_compute_unknown(struct run_report *r)
{
	size_t i, j;

	for (i = 0; i < r->nunknowns; i++) {
		struct rr_unknown *u = &r->unknowns[i];

		u->matched = u->target == NULL;
		for (j = 0; j < r->ntargets && !u->matched; j++)
			u->matched = runreport_unknown_applies(u, r->targets[j]);
	}
	r->unknown_ns = runreport_unknown_union(r, NULL);
	for (j = 0; j < r->ntargets; j++)
		r->targets[j]->unknown_ns = runreport_unknown_union(r, r->targets[j]);
}

/* Index of the first sample sent at or after ts (samples are sorted). */
static size_t
runreport_sample_at(const struct rr_target *t, int64_t ts)
{
	size_t lo = 0, hi = t->nsamples, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->samples[mid].tx_ns < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The outage (or burst) the failover marker at m is about, or NULL. */
static const struct rr_burst *
runreport_failover_outage(const struct rr_target *t, int64_t m)
{
	int pass;
	size_t i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < t->nbursts; i++) {
			const struct rr_burst *b = &t->bursts[i];

			if (b->kind == (pass == 0 ? RR_OUTAGE : RR_BURST) &&
			    (b->open || b->end_ns > m))
				return b;
		}
	}
	return NULL;
}

/* Failover figures of one target against the marker at m. */
static void
runreport_compute_failover(struct rr_target *t, int64_t m)
{
	struct rr_failover *f = &t->failover;
	const struct rr_burst *b;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->last_reply_ns = f->first_reply_ns = f->recovery_ns = f->gap_ns = -1;
	if ((b = runreport_failover_outage(t, m)) == NULL)
		return;
	f->valid = 1;
	f->outage_start_ns = b->start_ns;
	f->outage_end_ns = b->open ? -1 : b->end_ns;
	if (t->nsamples > 0) {
		/* s_k < start <= s_{k+1} and s_{m-1} <= end < s_m (DESIGN.md). */
		f->from_samples = 1;
		for (i = runreport_sample_at(t, b->start_ns); i > 0; i--) {
			if (t->samples[i - 1].rtt_ns >= 0) {
				f->last_reply_ns =
					t->samples[i - 1].tx_ns + t->samples[i - 1].rtt_ns;
				break;
			}
		}
		if (!b->open) {
			for (i = runreport_sample_at(t, b->end_ns); i < t->nsamples; i++) {
				if (t->samples[i].rtt_ns >= 0) {
					f->first_reply_ns =
						t->samples[i].tx_ns + t->samples[i].rtt_ns;
					break;
				}
			}
		}
	} else {
		f->last_reply_ns = b->start_ns;
		f->first_reply_ns = b->open ? -1 : b->end_ns;
	}
	if (f->last_reply_ns >= 0)
		f->to_last_ns = f->last_reply_ns - m;
	if (f->first_reply_ns >= 0)
		f->recovery_ns = f->first_reply_ns - m;
	if (f->first_reply_ns >= 0 && f->last_reply_ns >= 0)
		f->gap_ns = f->first_reply_ns - f->last_reply_ns;
}

/* Whether haystack contains needle, ignoring ASCII case. */
static int
runreport_contains(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack != '\0'; haystack++) {
		if (strncasecmp(haystack, needle, n) == 0)
			return 1;
	}
	return 0;
}

/* The marker the failover figures are measured from, or -1. */
static long
runreport_pick_marker(const struct run_report *r)
{
	size_t i, w;

	if (r->failover_marker >= 0)
		return (size_t)r->failover_marker < r->nmarkers ? r->failover_marker : -1;
	if (r->failover_marker != RR_MARKER_AUTO || r->nmarkers == 0)
		return -1;
	for (i = 0; i < r->nmarkers; i++) {
		for (w = 0; runreport_failover_words[w] != NULL; w++) {
			if (runreport_contains(r->markers[i].label, runreport_failover_words[w]))
				return (long)i;
		}
	}
	return r->kind == RUN_KIND_FAILOVER ? 0 : -1;
}

/* Fill every derived field. */
void
runreport_compute(struct run_report *r)
{
	struct rr_target *t;
	size_t i, j;

	r->failover_index = runreport_pick_marker(r);
	for (i = 0; i < r->ntargets; i++) {
		t = r->targets[i];
		runreport_sort_target(t);
		runreport_compute_losses(t);
		runreport_compute_rtt(r, t);
		memset(&t->failover, 0, sizeof(t->failover));
		t->failover.last_reply_ns = t->failover.first_reply_ns = -1;
		t->failover.recovery_ns = t->failover.gap_ns = -1;
		if (r->failover_index >= 0)
			runreport_compute_failover(t, r->markers[r->failover_index].ts_ns);
		/* The latest path the monitor stored for it (events are in time order). */
		t->path = NULL;
		for (j = 0; j < r->nevents; j++) {
			const struct rr_event *e = &r->events[j];

			if (e->target != NULL && strcmp(e->kind, RR_EVENT_PATH) == 0 &&
			    strcmp(e->target, t->name) == 0)
				t->path = e->text;
		}
	}
	runreport_compute_unknown(r);
}

/* "migration", "failover", "backup" or "custom". */
const char *
runreport_kind_name(enum run_kind k)
{
	switch (k) {
	case RUN_KIND_MIGRATION:
		return "migration";
	case RUN_KIND_FAILOVER:
		return "failover";
	case RUN_KIND_BACKUP:
		return "backup";
	default:
		return "custom";
	}
}

/* Parse a run kind name. */
int
runreport_kind_parse(const char *s, enum run_kind *out)
{
	static const enum run_kind kinds[] = { RUN_KIND_CUSTOM, RUN_KIND_MIGRATION,
					       RUN_KIND_FAILOVER, RUN_KIND_BACKUP };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(s, runreport_kind_name(kinds[i])) == 0) {
			*out = kinds[i];
			return 0;
		}
	}
	return -1;
}

/* ---- aggregate ------------------------------------------------------------- */

/* An empty aggregate for label (may be NULL). */
struct run_aggregate *
runagg_new(const char *label)
{
	struct run_aggregate *a = xcalloc(1, sizeof(*a));

	a->label = runreport_strdup(label);
	return a;
}

/* Free a; NULL is fine. */
void
runagg_free(struct run_aggregate *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->ntargets; i++) {
		free(a->targets[i]->name);
		free(a->targets[i]->downtimes);
		free(a->targets[i]);
	}
	free(a->targets);
	free(a->label);
	free(a);
}

/* The aggregate row of a target, created on first use. */
static struct runagg_target *
runagg_target(struct run_aggregate *a, const char *name)
{
	struct runagg_target *t;
	size_t i;

	for (i = 0; i < a->ntargets; i++) {
		if (strcmp(a->targets[i]->name, name) == 0)
			return a->targets[i];
	}
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->min_ns = t->p50_ns = t->p95_ns = t->max_ns = -1;
	a->targets = runreport_grow(a->targets, a->ntargets, &a->targets_cap, sizeof(*a->targets));
	a->targets[a->ntargets++] = t;
	return t;
}

/* Add one run's downtime of one target. */
void
runagg_add_downtime(struct run_aggregate *a, const char *target, int64_t downtime_ns)
{
	struct runagg_target *t = runagg_target(a, target != NULL ? target : "");

	t->downtimes = runreport_grow(t->downtimes, t->n, &t->cap, sizeof(*t->downtimes));
	t->downtimes[t->n++] = downtime_ns;
}

/* Add a computed report. */
void
runagg_add_run(struct run_aggregate *a, const struct run_report *r)
{
	size_t i;

	a->nruns++;
	if (r->start_ns != 0) {
		if (a->first_ns == 0 || r->start_ns < a->first_ns)
			a->first_ns = r->start_ns;
		if (a->last_ns == 0 || r->start_ns > a->last_ns)
			a->last_ns = r->start_ns;
	}
	for (i = 0; i < r->ntargets; i++)
		runagg_add_downtime(a, r->targets[i]->name, r->targets[i]->downtime_ns);
}

/* min/p50/p95/max of every target's downtimes. */
void
runagg_compute(struct run_aggregate *a)
{
	struct runagg_target *t;
	size_t i;

	for (i = 0; i < a->ntargets; i++) {
		t = a->targets[i];
		runreport_sort(t->downtimes, t->n);
		t->min_ns = runreport_percentile(t->downtimes, t->n, 0);
		t->p50_ns = runreport_percentile(t->downtimes, t->n, 50);
		t->p95_ns = runreport_percentile(t->downtimes, t->n, 95);
		t->max_ns = runreport_percentile(t->downtimes, t->n, 100);
	}
}
