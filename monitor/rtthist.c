/* SPDX-License-Identifier: ISC */
/* rtthist.c: log-linear latency histogram. */
#include <math.h>

#include "monitor/rtthist.h"

#define RTTHIST_MIN_SHIFT 10 /* 1024 ns */

/* Bucket index of a latency: octave from the top bit, then 2 bits below it. */
static unsigned
rtthist_index(int64_t ns)
{
	uint64_t v = ns < (1 << RTTHIST_MIN_SHIFT) ? (1 << RTTHIST_MIN_SHIFT) : (uint64_t)ns;
	unsigned top = 63 - (unsigned)__builtin_clzll(v);
	unsigned octave = top - RTTHIST_MIN_SHIFT;
	unsigned sub = (unsigned)(v >> (top - 2)) & (RTTHIST_SUB - 1);

	if (octave >= RTTHIST_OCTAVES)
		return RTTHIST_BUCKETS - 1;
	return octave * RTTHIST_SUB + sub;
}

/* Lower edge of bucket i in ns. */
static int64_t
rtthist_edge(unsigned i)
{
	unsigned octave = i / RTTHIST_SUB, sub = i % RTTHIST_SUB;
	int64_t base = (int64_t)1 << (octave + RTTHIST_MIN_SHIFT);

	return base + base / RTTHIST_SUB * sub;
}

/* Count one latency. */
void
rtthist_add(struct rtthist *h, int64_t ns)
{
	h->n[rtthist_index(ns)]++;
	h->count++;
}

/* Approximate quantile: the bucket holding the q-th value, its midpoint. */
int64_t
rtthist_quantile(const struct rtthist *h, double q)
{
	uint64_t want, seen = 0;
	unsigned i;

	if (h->count == 0)
		return -1;
	want = (uint64_t)ceil(q * (double)h->count);
	if (want < 1)
		want = 1;
	for (i = 0; i < RTTHIST_BUCKETS; i++) {
		seen += h->n[i];
		if (seen >= want) {
			int64_t lo = rtthist_edge(i);
			int64_t hi = i + 1 < RTTHIST_BUCKETS ? rtthist_edge(i + 1) : lo * 2;
			return lo + (hi - lo) / 2;
		}
	}
	return rtthist_edge(RTTHIST_BUCKETS - 1);
}

/* Quantile of sorted values with linear interpolation between ranks. */
double
quantile_sorted(const double *v, unsigned long n, double q)
{
	double pos, frac;
	unsigned long i;

	if (n == 0)
		return NAN;
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	pos = q * (double)(n - 1);
	i = (unsigned long)pos;
	frac = pos - (double)i;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (v[i + 1] - v[i]) * frac;
}
