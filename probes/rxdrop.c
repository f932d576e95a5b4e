/* SPDX-License-Identifier: ISC */
/*
 * rxdrop.c: where a socket's receive drops happened in time.
 *
 * The kernel counts the packets it could not queue on a socket (sk_drops,
 * 32 bits). It tells us the counter in two ways: each packet read with
 * SO_RXQ_OVFL carries the value the counter had when that packet was
 * queued (no control message while it is 0), and SO_MEMINFO (or
 * pcap_stats) gives its value now. Counter and time together bound the
 * drops: if an observation at t0 read c0 and a later one at t1 reads
 * c1 > c0, then c1 - c0 packets were dropped after t0 and before t1.
 *
 * clear_real is the t0 of the next growth: the latest time at which the
 * counter was known to equal what we have already seen. A packet queued
 * before a larger value was read (it sat in the queue while we asked the
 * kernel) carries a smaller count and tells nothing new; it is ignored.
 * Growth is taken modulo 2^32 with the sign of the difference, so the
 * counter's wrap costs nothing and a stale smaller value is never read as
 * four billion drops.
 */
#include "probes/rxdrop.h"

/* Start watching. */
void
rxdrop_init(struct rxdrop *d, uint32_t raw, int64_t now_real)
{
	d->raw = raw;
	d->total = 0;
	d->clear_real = now_real;
	d->pend.fresh = 0;
	d->pend.after_real = d->pend.before_real = 0;
}

/* One observation of the counter; returns the drops it revealed. */
uint32_t
rxdrop_seen(struct rxdrop *d, uint32_t count, int64_t at_real)
{
	int32_t grew = (int32_t)(count - d->raw);

	if (grew < 0)
		return 0; /* queued before an observation we already made */
	if (grew == 0) {
		if (at_real > d->clear_real)
			d->clear_real = at_real;
		return 0;
	}
	if (d->pend.fresh == 0 || d->clear_real < d->pend.after_real)
		d->pend.after_real = d->clear_real;
	if (d->pend.fresh == 0 || at_real + RXDROP_MARGIN_NS > d->pend.before_real)
		d->pend.before_real = at_real + RXDROP_MARGIN_NS;
	d->pend.fresh += (uint32_t)grew;
	d->total += (uint32_t)grew;
	d->raw = count;
	if (at_real > d->clear_real)
		d->clear_real = at_real;
	return (uint32_t)grew;
}

/* Hand over the fresh drops. */
int
rxdrop_take(struct rxdrop *d, struct probe_rxdrop *out)
{
	if (d->pend.fresh == 0)
		return 0;
	*out = d->pend;
	d->pend.fresh = 0;
	return 1;
}
