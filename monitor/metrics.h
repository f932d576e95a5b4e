/* SPDX-License-Identifier: ISC */
/* metrics.h: the Prometheus exposition endpoint of a monitor. */
#ifndef HAMON_METRICS_H
#define HAMON_METRICS_H
#include <stddef.h>

struct monitor;
struct metrics;

/* Listen on spec ("[ADDR:]PORT", loopback when no address is given) and
 * serve GET /metrics and the live page (monitor/dash.h) from m's event
 * loop; a token from token_file (NULL: none) is then required. Call before privileges are
 * dropped (a port below 1024). NULL with err on failure. */
struct metrics *metrics_open(struct monitor *m, const char *spec, const char *token_file,
			     char *err, size_t errlen);
/* Would metrics_open accept spec and token_file (NULL: none)? Off
 * loopback (127.0.0.0/8, ::1) a token file is required; its first line is
 * the token (see monitor/dashauth.h). 0, or -1 with err. */
int metrics_check(const char *spec, const char *token_file, char *err, size_t errlen);
/* "http://ADDR:PORT/metrics", for the start-up line. */
const char *metrics_url(const struct metrics *mx);
/* Stop serving; scrapes in progress are dropped. NULL is a no-op. */
void metrics_close(struct metrics *mx);

#endif
