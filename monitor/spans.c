/* SPDX-License-Identifier: ISC */
/* spans.c: a union of time as disjoint spans (spans.h). */
#include <stdint.h>
#include <string.h>

#include "lib/xalloc.h"
#include "monitor/spans.h"

/* Length of [s, e) that l covers. */
int64_t
spans_overlap(const struct spans *l, int64_t s, int64_t e)
{
	int64_t total = 0;
	uint32_t i;

	for (i = 0; i < l->n && l->v[i].s < e; i++) {
		int64_t lo = l->v[i].s > s ? l->v[i].s : s, hi = l->v[i].e < e ? l->v[i].e : e;

		if (hi > lo)
			total += hi - lo;
	}
	return total;
}

/* Length of [s, e) that both x and y cover. */
int64_t
spans_overlap2(const struct spans *x, const struct spans *y, int64_t s, int64_t e)
{
	int64_t total = 0;
	uint32_t i = 0, j = 0;

	while (i < x->n && j < y->n) {
		int64_t lo = x->v[i].s > y->v[j].s ? x->v[i].s : y->v[j].s;
		int64_t hi = x->v[i].e < y->v[j].e ? x->v[i].e : y->v[j].e;

		if (lo < s)
			lo = s;
		if (hi > e)
			hi = e;
		if (hi > lo)
			total += hi - lo;
		if (x->v[i].e < y->v[j].e)
			i++;
		else
			j++;
	}
	return total;
}

/* Add [s, e) to l, merging what it overlaps or touches. */
void
spans_add(struct spans *l, int64_t s, int64_t e)
{
	uint32_t i = 0, j;

	while (i < l->n && l->v[i].e < s)
		i++;
	for (j = i; j < l->n && l->v[j].s <= e; j++) {
		if (l->v[j].s < s)
			s = l->v[j].s;
		if (l->v[j].e > e)
			e = l->v[j].e;
	}
	if (j == i) {
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 4;
			l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
		}
		memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(*l->v));
		l->n++;
	} else if (j > i + 1) {
		memmove(&l->v[i + 1], &l->v[j], (l->n - j) * sizeof(*l->v));
		l->n -= j - i - 1;
	}
	l->v[i].s = s;
	l->v[i].e = e;
}

/* Forget spans that end before h. */
void
spans_drop_before(struct spans *l, int64_t h)
{
	uint32_t i = 0;

	while (i < l->n && l->v[i].e < h)
		i++;
	if (i > 0) {
		memmove(&l->v[0], &l->v[i], (l->n - i) * sizeof(*l->v));
		l->n -= i;
	}
}
