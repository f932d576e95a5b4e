/* SPDX-License-Identifier: ISC */
/*
 * webhook.c: the webhooks (webhook.h says what and when).
 *
 * libcurl's multi "socket" interface: libcurl says which sockets it waits
 * on (webhook_socket_cb) and when it wants to be called without one
 * (webhook_timer_cb); those become libevent events on the monitor's loop,
 * whose callbacks hand the readiness back (curl_multi_socket_action) and
 * then collect finished transfers (webhook_done). Name resolution is
 * libcurl's threaded resolver; nothing here blocks.
 *
 * At exit the loop has stopped: the last deliveries are driven by
 * curl_multi_poll and curl_multi_perform instead, for at most
 * WEBHOOK_EXIT_GRACE_NS, without retries.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "alert/webhook.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/weburl.h"
#include "lib/xalloc.h"
#include "monitor/events.h"
#include "monitor/monitor.h"

struct endpoint {
	struct webhooks *w;
	const char *url;
	char shown[300];            /* what the log may say of the URL */
	char *q[WEBHOOK_QUEUE_MAX]; /* bodies, oldest at head */
	size_t head, len;
	CURL *easy;     /* in flight when busy */
	int busy;       /* a request of q[head] is in flight */
	unsigned tries; /* of q[head] */
	struct event *retry;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	size_t got; /* bytes of the answer read (discarded) */
	uint64_t burst_dropped;
	struct webhook_stats st;
};

struct webhooks {
	struct monitor *m;
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct endpoint *ep;
	size_t nep;
	const char *ca;
	long timeout_ms;
	int stopped;  /* the bus still calls; nothing more is queued */
	int draining; /* at exit: no retries */
};

static void webhook_kick(struct endpoint *e);
static void webhook_release(struct webhooks *w);

int64_t
webhook_backoff_ns(unsigned n)
{
	int64_t d = WEBHOOK_BACKOFF_NS;

	while (n-- > 1 && d < WEBHOOK_BACKOFF_MAX_NS)
		d *= 2;
	return d < WEBHOOK_BACKOFF_MAX_NS ? d : WEBHOOK_BACKOFF_MAX_NS;
}

/* Drop q[head] (delivered, failed or rejected). */
static void
webhook_pop(struct endpoint *e)
{
	free(e->q[e->head]);
	e->q[e->head] = NULL;
	e->head = (e->head + 1) % WEBHOOK_QUEUE_MAX;
	e->len--;
	e->tries = 0;
}

/* The answer's body: read and thrown away, at most WEBHOOK_RESPONSE_MAX. */
static size_t
webhook_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct endpoint *e = arg;

	(void)p;
	e->got += size * n;
	return e->got > WEBHOOK_RESPONSE_MAX ? 0 : size * n;
}

/* One transfer ended: what becomes of its event. */
static void
webhook_finished(struct endpoint *e, CURLcode res)
{
	struct webhooks *w = e->w;
	char why[CURL_ERROR_SIZE + 16];
	struct timeval tv;
	long code = 0;
	int64_t d;
	int retry;

	curl_multi_remove_handle(w->multi, e->easy);
	e->busy = 0;
	curl_easy_getinfo(e->easy, CURLINFO_RESPONSE_CODE, &code);
	/* A body too long for us is no failure of the endpoint's. */
	if (res == CURLE_WRITE_ERROR && e->got > WEBHOOK_RESPONSE_MAX)
		res = CURLE_OK;
	if (res == CURLE_OK && code >= 200 && code < 300) {
		e->st.delivered++;
		log_debug("webhook %s: delivered (HTTP %ld)", e->shown, code);
		webhook_pop(e);
		webhook_kick(e);
		return;
	}
	if (res == CURLE_PEER_FAILED_VERIFICATION || res == CURLE_SSL_CACERT_BADFILE ||
	    res == CURLE_SSL_CERTPROBLEM) {
		e->st.rejected++;
		log_warnx("webhook %s: the server's certificate does not verify (%s): event not "
			  "sent; see webhook-ca",
			  e->shown, e->errbuf[0] ? e->errbuf : curl_easy_strerror(res));
		webhook_pop(e);
		webhook_kick(e);
		return;
	}
	if (res == CURLE_OK && code != 429 && code < 500) {
		e->st.rejected++;
		log_warnx("webhook %s: HTTP %ld: event rejected, not retried", e->shown, code);
		webhook_pop(e);
		webhook_kick(e);
		return;
	}
	retry = !w->draining && e->tries < WEBHOOK_RETRIES;
	if (res == CURLE_OK)
		snprintf(why, sizeof(why), "HTTP %ld", code);
	else
		snprintf(why, sizeof(why), "%s",
			 e->errbuf[0] ? e->errbuf : curl_easy_strerror(res));
	if (!retry) {
		log_warnx("webhook %s: %s: event given up", e->shown, why);
		e->st.failed++;
		webhook_pop(e);
		webhook_kick(e);
		return;
	}
	e->tries++;
	e->st.retried++;
	d = webhook_backoff_ns(e->tries);
	tv.tv_sec = (time_t)(d / NSEC_PER_SEC);
	tv.tv_usec = (suseconds_t)(d % NSEC_PER_SEC / 1000);
	log_warnx("webhook %s: %s: retry %u of %d in %.0f s", e->shown, why, e->tries,
		  WEBHOOK_RETRIES, (double)d / 1e9);
	evtimer_add(e->retry, &tv);
}

/* Collect every finished transfer. */
static void
webhook_done(struct webhooks *w)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(w->multi, &left)) != NULL) {
		struct endpoint *e = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&e);
		if (e != NULL)
			webhook_finished(e, msg->data.result);
	}
}

/* Start q[head]'s POST if nothing is in flight or waiting to retry. */
static void
webhook_kick(struct endpoint *e)
{
	struct webhooks *w = e->w;

	if (e->busy || e->len == 0 || evtimer_pending(e->retry, NULL))
		return;
	e->errbuf[0] = '\0';
	e->got = 0;
	curl_easy_setopt(e->easy, CURLOPT_POSTFIELDS, e->q[e->head]);
	curl_easy_setopt(e->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(e->q[e->head]));
	if (curl_multi_add_handle(w->multi, e->easy) != CURLM_OK) {
		e->st.failed++;
		log_warnx("webhook %s: could not start a request: event given up", e->shown);
		webhook_pop(e);
		return;
	}
	e->busy = 1;
}

/* The retry wait is over. */
static void
webhook_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	webhook_kick(arg);
}

/* libevent: a socket libcurl waits on is ready. */
static void
webhook_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct webhooks *w = arg;
	int running, flags = (what & EV_READ ? CURL_CSELECT_IN : 0) |
			     (what & EV_WRITE ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(w->multi, fd, flags, &running);
	webhook_done(w);
}

/* libevent: libcurl's timeout. */
static void
webhook_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct webhooks *w = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	webhook_done(w);
}

/* libcurl: watch socket s for what (or stop watching it). */
static int
webhook_socket_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct webhooks *w = arg;
	struct event *ev = sockp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(w->multi, s, NULL);
		return 0;
	}
	kind = (short)((what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0) |
		       EV_PERSIST);
	if (ev == NULL) {
		ev = event_new(w->base, s, kind, webhook_event_cb, w);
		if (ev == NULL)
			return -1;
		curl_multi_assign(w->multi, s, ev);
	} else {
		event_del(ev);
		event_assign(ev, w->base, s, kind, webhook_event_cb, w);
	}
	event_add(ev, NULL);
	return 0;
}

/* libcurl: call back in timeout_ms (-1: never). */
static int
webhook_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct webhooks *w = arg;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(w->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(w->timer, &tv);
	return 0;
}

/* The bus: queue the event for every endpoint. */
static void
webhook_listen(const struct mev *ev, void *arg)
{
	struct webhooks *w = arg;
	char *body = NULL;
	size_t i;

	if (w->stopped || ev->kind == MEV_SECOND)
		return;
	for (i = 0; i < w->nep; i++) {
		struct endpoint *e = &w->ep[i];

		if (ev->muted) {
			e->st.muted++;
			log_debug("webhook %s: %s muted (maintenance)", e->shown,
				  mev_kind_name(ev->kind));
			continue;
		}
		if (body == NULL)
			body = mev_json_string(ev, NULL);
		if (e->len == WEBHOOK_QUEUE_MAX) {
			/* the oldest waiting one: not the head while it is in
			 * flight or waits for its retry */
			if (e->busy || e->tries > 0) {
				size_t next = (e->head + 1) % WEBHOOK_QUEUE_MAX;

				free(e->q[next]);
				e->q[next] = e->q[e->head];
				e->q[e->head] = NULL;
				e->head = next;
				e->len--;
			} else
				webhook_pop(e);
			e->st.dropped++;
			if (e->burst_dropped++ == 0)
				log_warnx("webhook %s: %d events waiting: dropping the oldest",
					  e->shown, WEBHOOK_QUEUE_MAX);
		} else if (e->burst_dropped > 0 && e->len < WEBHOOK_QUEUE_MAX / 2) {
			log_info("webhook %s: %" PRIu64 " events were dropped", e->shown,
				 e->burst_dropped);
			e->burst_dropped = 0;
		}
		e->q[(e->head + e->len++) % WEBHOOK_QUEUE_MAX] = xstrdup(body);
		e->st.queued++;
		webhook_kick(e);
	}
	free(body);
}

/* One easy handle per endpoint, reused (its connection kept alive). */
static int
webhook_easy(struct webhooks *w, struct endpoint *e, char *err, size_t errlen)
{
	CURL *c = curl_easy_init();

	if (c == NULL) {
		snprintf(err, errlen, "webhook %s: curl_easy_init failed", e->shown);
		return -1;
	}
	e->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	e->hdrs = curl_slist_append(e->hdrs, "Expect:"); /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_URL, e->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hamon/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, w->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, w->timeout_ms);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (w->ca != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, w->ca);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, e->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, webhook_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, e);
	curl_easy_setopt(c, CURLOPT_PRIVATE, (char *)e);
	e->easy = c;
	return 0;
}

struct webhooks *
webhooks_start(struct monitor *m, const struct hamon_config *cfg, char *err, size_t errlen)
{
	static int curl_ready;
	struct webhooks *w;
	size_t i;

	err[0] = '\0';
	if (cfg->nwebhooks == 0)
		return NULL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "webhooks: curl_global_init failed");
			return NULL;
		}
		curl_ready = 1;
	}
	w = xcalloc(1, sizeof(*w));
	w->m = m;
	w->base = monitor_base(m);
	w->ca = cfg->webhook_ca;
	w->timeout_ms = (long)((cfg->webhook_timeout_ns > 0 ? cfg->webhook_timeout_ns
							    : CONFIG_WEBHOOK_TIMEOUT_DEFAULT_NS) /
			       1000000);
	w->multi = curl_multi_init();
	w->timer = evtimer_new(w->base, webhook_timeout_cb, w);
	w->ep = xcalloc(cfg->nwebhooks, sizeof(*w->ep));
	w->nep = cfg->nwebhooks;
	if (w->multi == NULL || w->timer == NULL) {
		snprintf(err, errlen, "webhooks: out of memory");
		webhook_release(w);
		webhooks_free(w);
		return NULL;
	}
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, webhook_socket_cb);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, webhook_timer_cb);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	for (i = 0; i < w->nep; i++) {
		struct endpoint *e = &w->ep[i];

		e->w = w;
		e->url = cfg->webhooks[i];
		weburl_shown(e->url, e->shown, sizeof(e->shown));
		e->retry = evtimer_new(w->base, webhook_retry_cb, e);
		if (e->retry == NULL || webhook_easy(w, e, err, errlen) != 0) {
			if (err[0] == '\0')
				snprintf(err, errlen, "webhooks: out of memory");
			webhook_release(w);
			webhooks_free(w);
			return NULL;
		}
	}
	if (monitor_listen(m, webhook_listen, w) != 0) {
		snprintf(err, errlen, "webhooks: too many listeners on the monitor");
		webhook_release(w);
		webhooks_free(w);
		return NULL;
	}
	for (i = 0; i < w->nep; i++)
		log_info("webhook %s: every transition, burst, UNKNOWN window and mark is POSTed "
			 "there",
			 w->ep[i].shown);
	return w;
}

/* Let go of libcurl and of every event: before monitor_free(), which
 * frees the event base they are on. The struct stays for the bus. */
static void
webhook_release(struct webhooks *w)
{
	size_t i;

	w->stopped = 1;
	for (i = 0; i < w->nep; i++) {
		struct endpoint *e = &w->ep[i];

		if (e->easy != NULL) {
			if (e->busy)
				curl_multi_remove_handle(w->multi, e->easy);
			curl_easy_cleanup(e->easy);
			e->easy = NULL;
		}
		e->busy = 0;
		while (e->len > 0)
			webhook_pop(e);
		curl_slist_free_all(e->hdrs);
		e->hdrs = NULL;
		if (e->retry != NULL)
			event_free(e->retry);
		e->retry = NULL;
	}
	/* libcurl tells the socket callback to drop its events here */
	if (w->multi != NULL)
		curl_multi_cleanup(w->multi);
	w->multi = NULL;
	if (w->timer != NULL)
		event_free(w->timer);
	w->timer = NULL;
}

/* Anything still to send (in flight, waiting to retry or queued)? */
static int
webhook_pending(const struct webhooks *w)
{
	size_t i;

	for (i = 0; i < w->nep; i++)
		if (w->ep[i].len > 0)
			return 1;
	return 0;
}

void
webhooks_stop(struct webhooks *w)
{
	int64_t until;
	size_t i;

	if (w == NULL || w->stopped)
		return;
	w->stopped = 1;
	w->draining = 1;
	/* A retry that waits is tried once more now: its wait is not ours. */
	for (i = 0; i < w->nep; i++)
		if (evtimer_pending(w->ep[i].retry, NULL)) {
			evtimer_del(w->ep[i].retry);
			webhook_kick(&w->ep[i]);
		}
	until = time_mono_ns() + WEBHOOK_EXIT_GRACE_NS;
	while (webhook_pending(w) && time_mono_ns() < until) {
		int running, n;
		int64_t left = (until - time_mono_ns()) / 1000000;

		curl_multi_perform(w->multi, &running);
		webhook_done(w);
		if (!webhook_pending(w))
			break;
		curl_multi_poll(w->multi, NULL, 0, (int)(left < 100 ? (left > 0 ? left : 1) : 100),
				&n);
	}
	for (i = 0; i < w->nep; i++) {
		struct endpoint *e = &w->ep[i];

		if (e->busy) {
			curl_multi_remove_handle(w->multi, e->easy);
			e->busy = 0;
		}
		while (e->len > 0) {
			e->st.not_sent++;
			webhook_pop(e);
		}
		log_info("webhook %s: %" PRIu64 " delivered, %" PRIu64 " retries, %" PRIu64
			 " failed, %" PRIu64 " rejected, %" PRIu64 " dropped (queue full), %" PRIu64
			 " muted, %" PRIu64 " not sent at exit",
			 e->shown, e->st.delivered, e->st.retried, e->st.failed, e->st.rejected,
			 e->st.dropped, e->st.muted, e->st.not_sent);
	}
	webhook_release(w);
}

void
webhooks_free(struct webhooks *w)
{
	if (w == NULL)
		return;
	webhooks_stop(w);
	free(w->ep);
	free(w);
}

void
webhooks_get_stats(const struct webhooks *w, size_t i, struct webhook_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (w != NULL && i < w->nep)
		*out = w->ep[i].st;
}
