/* SPDX-License-Identifier: ISC */
/* mclock.h: reading the monitor's clock. Every time the monitor decides
 * (deadlines, send times, expiries, window bounds, wall-clock stamps) comes
 * from here. With the default clock (NULL functions) it is a direct call to
 * lib/timeutil; with an injected one, one indirect call. Nothing outside
 * monitor/ includes this. */
#ifndef HAMON_MCLOCK_H
#define HAMON_MCLOCK_H
#include <stdint.h>

#include "lib/timeutil.h"
#include "monitor/monitor.h"

/* CLOCK_MONOTONIC as the monitor sees it. */
static inline int64_t
mclock_mono(const struct monitor_clock *c)
{
	return c->mono_ns == NULL ? time_mono_ns() : c->mono_ns(c->arg);
}

/* CLOCK_REALTIME as the monitor sees it. */
static inline int64_t
mclock_real(const struct monitor_clock *c)
{
	return c->real_ns == NULL ? time_real_ns() : c->real_ns(c->arg);
}

#endif
