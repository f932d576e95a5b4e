/* SPDX-License-Identifier: ISC */
/* rtthist.h: a small log-linear latency histogram (4 buckets per octave,
 * from 1 us to about 17 s) for percentiles in bounded memory: 384 bytes. */
#ifndef HAMON_RTTHIST_H
#define HAMON_RTTHIST_H
#include <stdint.h>

#define RTTHIST_SUB     4
#define RTTHIST_OCTAVES 24
#define RTTHIST_BUCKETS (RTTHIST_SUB * RTTHIST_OCTAVES)

struct rtthist {
	uint32_t n[RTTHIST_BUCKETS];
	uint64_t count;
};

void rtthist_add(struct rtthist *h, int64_t ns);
/* The q-quantile (0 < q <= 1) as the midpoint of its bucket; -1 if empty.
 * Relative error at most 12.5 %. */
int64_t rtthist_quantile(const struct rtthist *h, double q);

/* Exact quantile of a sorted array by linear interpolation (report side). */
double quantile_sorted(const double *v, unsigned long n, double q);

#endif
