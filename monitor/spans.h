/* SPDX-License-Identifier: ISC */
/* spans.h: a union of time as sorted, disjoint, non-touching [s, e)
 * spans (monitor/spans.c), for the UNKNOWN time of each target: a window
 * adds only what the union lacks, so overlapping windows count once. */
#ifndef HAMON_SPANS_H
#define HAMON_SPANS_H
#include <stdint.h>

struct span {
	int64_t s, e;
};
struct spans {
	struct span *v;
	uint32_t n, cap;
};

/* Length of [s, e) that l covers. */
int64_t spans_overlap(const struct spans *l, int64_t s, int64_t e);
/* Length of [s, e) that both x and y cover. */
int64_t spans_overlap2(const struct spans *x, const struct spans *y, int64_t s, int64_t e);
/* Add [s, e) to l, merging what it overlaps or touches. */
void spans_add(struct spans *l, int64_t s, int64_t e);
/* Forget spans that end before h. */
void spans_drop_before(struct spans *l, int64_t h);

#endif
