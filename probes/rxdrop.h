/* SPDX-License-Identifier: ISC */
/* rxdrop.h: turning a socket's cumulative receive-drop counter into the
 * interval in which the dropped packets arrived (probes/rxdrop.c). Pure
 * arithmetic on (counter, time) observations; the probe kinds feed it
 * from SO_RXQ_OVFL control messages, SO_MEMINFO and pcap_stats. */
#ifndef HAMON_RXDROP_H
#define HAMON_RXDROP_H
#include <stdint.h>

#include "probes/probe.h"

/* A dropped packet may carry a kernel time a little after that of the
 * packet that revealed the drop (packets from several CPUs interleave):
 * the interval's end is widened by this. */
#define RXDROP_MARGIN_NS (1000LL * 1000)

struct rxdrop {
	uint32_t raw;             /* the kernel's 32-bit counter as last seen */
	uint64_t total;           /* drops seen since open, wrap-corrected */
	int64_t clear_real;       /* no drop unseen happened before this */
	struct probe_rxdrop pend; /* fresh drops not taken yet (fresh 0: none) */
};

/* Start watching at now_real with the counter at raw (0 for a new socket). */
void rxdrop_init(struct rxdrop *d, uint32_t raw, int64_t now_real);
/* The counter read `count` as of at_real: from a received packet's
 * SO_RXQ_OVFL (at_real its kernel receive time; 0 when it carried none)
 * or from the kernel now. Returns how many drops this revealed. */
uint32_t rxdrop_seen(struct rxdrop *d, uint32_t count, int64_t at_real);
/* Move the fresh drops into out; 1 if there were any, else 0. */
int rxdrop_take(struct rxdrop *d, struct probe_rxdrop *out);

#endif
