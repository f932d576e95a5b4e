/* SPDX-License-Identifier: ISC */
/* metrics.h: the Prometheus exposition endpoint of a monitor. */
#ifndef HAMON_METRICS_H
#define HAMON_METRICS_H
#include <stddef.h>

struct monitor;
struct metrics;

/* Listen on spec ("[ADDR:]PORT", loopback when no address is given) and
 * serve GET /metrics from m's event loop. Call before privileges are
 * dropped (a port below 1024). NULL with err on failure. */
struct metrics *metrics_open(struct monitor *m, const char *spec, char *err, size_t errlen);
/* "http://ADDR:PORT/metrics", for the start-up line. */
const char *metrics_url(const struct metrics *mx);
/* Stop serving; scrapes in progress are dropped. NULL is a no-op. */
void metrics_close(struct metrics *mx);

#endif
