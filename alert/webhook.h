/* SPDX-License-Identifier: ISC */
/* webhook.h: webhooks: every event of the monitor's bus (monitor/events.h)
 * POSTed as its JSON (the form hooks get on stdin) to each `webhook = URL`.
 *
 * libcurl's multi interface runs on the monitor's own event loop: its
 * sockets and its timer are libevent events, so a slow or dead endpoint
 * never holds a probe. Each endpoint has its own queue and one request in
 * flight, so it sees events in the order they happened. What is delivered:
 * DOWN, UP, withdrawn, UNKNOWN, bursts and marks; not the per-second
 * figures. Muted events (maintenance) are counted, not sent.
 *
 * An answer 2xx is delivered; 429, 5xx and failures to connect or to get
 * an answer in webhook-timeout are retried after 1 s, doubling to at most
 * WEBHOOK_BACKOFF_MAX_NS, WEBHOOK_RETRIES times, then the event is given up
 * (failed); any other status is rejected (not retried), and so is a
 * certificate that does not verify: retrying would not change it. A full
 * queue drops its oldest event, so that an endpoint that comes back learns
 * the latest states; drops are counted and said once per burst.
 */
#ifndef HAMON_WEBHOOK_H
#define HAMON_WEBHOOK_H
#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"

struct monitor;
struct webhooks;

#define WEBHOOK_QUEUE_MAX      1024                /* events waiting per endpoint */
#define WEBHOOK_RETRIES        6                   /* retries of one event */
#define WEBHOOK_BACKOFF_NS     (1LL * 1000000000)  /* the first retry's wait */
#define WEBHOOK_BACKOFF_MAX_NS (60LL * 1000000000) /* the longest */
#define WEBHOOK_EXIT_GRACE_NS  (2LL * 1000000000)  /* at exit, for what is queued */
#define WEBHOOK_RESPONSE_MAX   4096                /* bytes of an answer read */

struct webhook_stats {
	uint64_t queued, delivered, retried, failed, rejected, dropped, muted, not_sent;
};

/* Listen on m's bus (on its event loop) with cfg's webhooks; cfg must
 * outlive it. After privileges are dropped. NULL when there are none (err
 * empty) or on error (err set). */
struct webhooks *webhooks_start(struct monitor *m, const struct hamon_config *cfg, char *err,
				size_t errlen);
/* Stop, before monitor_free(): up to WEBHOOK_EXIT_GRACE_NS for what is in
 * flight and queued, then a summary per endpoint. NULL is a no-op. */
void webhooks_stop(struct webhooks *w);
/* Free, after monitor_free(). */
void webhooks_free(struct webhooks *w);
/* Endpoint i's figures (tests). */
void webhooks_get_stats(const struct webhooks *w, size_t i, struct webhook_stats *out);

/* The wait before retry n (1-based): WEBHOOK_BACKOFF_NS doubled n-1 times,
 * at most WEBHOOK_BACKOFF_MAX_NS. */
int64_t webhook_backoff_ns(unsigned n);

#endif
