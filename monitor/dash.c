/* SPDX-License-Identifier: ISC */
/*
 * dash.c: the live page on the metrics listener (`--http`): `/` the page
 * (monitor/dash.html, embedded at build time), `/api/status` every target's
 * figures as JSON, `/api/events` the monitor's events as Server-Sent Events.
 *
 * The same rules as metrics.c hold, since the loop also keeps the probe
 * schedule: /api/status is streamed DASH_STEP_TARGETS targets a step, each
 * step rendered once the previous one has reached the socket. An event
 * stream never renders anything big: an event is one JSON object, and the
 * per-second figures of every target (MEV_SECOND, one per target a second)
 * are folded as they arrive into one "second" message, sent DASH_FOLD_MS
 * after the first of them, so 10 000 targets make one message a second,
 * not 10 000. What a stream client has not read stays in its socket's
 * output buffer; past DASH_SSE_MAX_PENDING it is dropped (counted and
 * logged), never buffered without limit. At most DASH_SSE_MAX clients;
 * more get 503. Their connections are exempt from metrics.c's request
 * bound (they stream) but count against its connection cap.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "monitor/dash.h"
#include "monitor/dashauth.h"
#include "monitor/events.h"
#include "monitor/monitor.h"
#include "monitor/dash_html.h"

#define DASH_STEP_TARGETS    500        /* about 0.3 ms of rendering per loop turn */
#define DASH_MAX_STATUS      4          /* /api/status replies at once; more get 503 */
#define DASH_SSE_MAX         16         /* event-stream clients at once */
#define DASH_SSE_MAX_PENDING (4u << 20) /* unread bytes before a client is dropped */
#define DASH_KEEPALIVE_S     15         /* a comment line, so proxies and clients see life */
#define DASH_FOLD_MS         300        /* after a second's first figures, send them all */
#define DASH_LAST_OUTAGES    3          /* kept per target for the page */
#define DASH_MARKS           32         /* markers and span boundaries kept */
#define DASH_UNKNOWNS        16         /* UNKNOWN windows kept */

/* An outage that ended, as its UP event gave it. */
struct dash_outage {
	int64_t since_real, duration_ns, lower_ns, upper_ns;
	uint64_t lost;
};

/* What the page needs of a target beyond monitor_target_stats. */
struct dash_target {
	int64_t state_since_real; /* the last transition's (back-dated) time, 0 if none */
	struct dash_outage last[DASH_LAST_OUTAGES]; /* newest first */
	unsigned nlast;
};

/* A marker or an UNKNOWN window, for the page's strip and list. */
struct dash_note {
	int64_t time_real, duration_ns;
	char kind[16], label[64], run[64];
};

struct sse {
	struct dash *d;
	struct evhttp_request *req;
	int gone; /* the connection died: req is detached and ours to free */
	int slot;
};

struct status {
	struct dash *d;
	struct evhttp_request *req;
	int gone;
	struct evbuffer *body;
	struct event *ev;
	size_t target;
	int64_t now_mono, now_real;
	int slot;
};

struct dash {
	struct monitor *m;
	char *token; /* NULL: no token asked (loopback) */
	struct dash_target *t;
	size_t nt;
	struct dash_note marks[DASH_MARKS], unknowns[DASH_UNKNOWNS];
	unsigned nmarks, nunknowns; /* total so far; the ring holds the last */
	char run[64];               /* label of the run in progress, from the events */
	struct sse *sse[DASH_SSE_MAX];
	size_t nsse;
	uint64_t sse_dropped, sse_refused, unauthorized;
	struct status *status[DASH_MAX_STATUS];
	struct evbuffer *fold; /* the "second" message being gathered */
	int64_t fold_second;
	size_t fold_n;
	struct event *fold_ev, *keepalive, *reap;
};

static void dash_sse_reap(evutil_socket_t fd, short what, void *arg);

/* ---- event stream ---- */

/* Forget a stream client; a detached request is ours to free. */
static void
sse_free(struct sse *c)
{
	struct dash *d = c->d;

	d->sse[c->slot] = NULL;
	d->nsse--;
	if (c->gone == 1)
		evhttp_request_free(c->req);
	else
		evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), NULL, NULL);
	free(c);
}

/* The client's connection failed (EOF, write error): freed at the next
 * reap, outside libevent's callback. */
static void
sse_closed(struct evhttp_connection *evcon, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct sse *c = arg;

	(void)evcon;
	c->gone = 1;
	event_add(c->d->reap, &now);
}

/* Unread bytes of the client, in its socket's output buffer. */
static size_t
sse_pending(const struct sse *c)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(c->req);

	if (evcon == NULL)
		return 0;
	return evbuffer_get_length(
		bufferevent_get_output(evhttp_connection_get_bufferevent(evcon)));
}

/* Drop a client that fell behind: shut its socket, and evhttp reads the
 * EOF, fails the connection and calls sse_closed. */
static void
sse_drop(struct sse *c, size_t pending)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(c->req);
	evutil_socket_t fd =
		evcon != NULL ? bufferevent_getfd(evhttp_connection_get_bufferevent(evcon)) : -1;

	c->d->sse_dropped++;
	log_warnx("http: event-stream client dropped: %zu bytes unread (limit %u)", pending,
		  DASH_SSE_MAX_PENDING);
	c->gone = 2; /* sent nothing more; sse_closed makes it 1 */
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

/* Send len bytes of msg to every stream client that keeps up. */
static void
dash_sse_send(struct dash *d, const char *msg, size_t len)
{
	size_t i, pending;

	for (i = 0; i < DASH_SSE_MAX; i++) {
		struct sse *c = d->sse[i];
		struct evbuffer *b;

		if (c == NULL || c->gone)
			continue;
		if ((pending = sse_pending(c)) + len > DASH_SSE_MAX_PENDING) {
			sse_drop(c, pending);
			continue;
		}
		if ((b = evbuffer_new()) == NULL)
			fatalx("http: out of memory");
		evbuffer_add(b, msg, len);
		evhttp_send_reply_chunk(c->req, b);
		evbuffer_free(b);
	}
}

/* Free the clients whose connections are gone. */
static void
dash_sse_reap(evutil_socket_t fd, short what, void *arg)
{
	struct dash *d = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < DASH_SSE_MAX; i++)
		if (d->sse[i] != NULL && d->sse[i]->gone == 1)
			sse_free(d->sse[i]);
}

/* Send the folded "second" message. */
static void
dash_fold_flush(struct dash *d)
{
	size_t len;

	if (d->fold_n == 0)
		return;
	evbuffer_add_printf(d->fold, "]}\n\n");
	len = evbuffer_get_length(d->fold);
	dash_sse_send(d, (const char *)evbuffer_pullup(d->fold, -1), len);
	evbuffer_drain(d->fold, len);
	d->fold_n = 0;
	event_del(d->fold_ev);
}

static void
dash_fold_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dash_fold_flush(arg);
}

/* A comment line every DASH_KEEPALIVE_S. */
static void
dash_keepalive(evutil_socket_t fd, short what, void *arg)
{
	static const char ka[] = ": keep-alive\n\n";
	struct dash *d = arg;

	(void)fd;
	(void)what;
	if (d->nsse > 0)
		dash_sse_send(d, ka, sizeof(ka) - 1);
}

/* A copy of s (may be NULL) into a fixed field. */
static void
dash_copy(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s != NULL ? s : "");
}

/* Every monitor event: kept for /api/status, and streamed. */
static void
dash_on_event(const struct mev *e, void *arg)
{
	struct dash *d = arg;
	struct dash_target *t = e->target < d->nt ? &d->t[e->target] : NULL;
	char *json;
	size_t len;

	if (e->run != NULL)
		dash_copy(d->run, sizeof(d->run), e->run);
	else
		d->run[0] = '\0';
	switch (e->kind) {
	case MEV_SECOND:
		if (d->nsse == 0)
			return;
		if (d->fold_n > 0 && e->second != d->fold_second)
			dash_fold_flush(d);
		if (d->fold_n == 0) {
			const struct timeval fold = { 0, DASH_FOLD_MS * 1000 };

			d->fold_second = e->second;
			evbuffer_add_printf(d->fold,
					    "event: second\ndata: {\"second\":%" PRId64
					    ",\"targets\":[",
					    e->second);
			event_add(d->fold_ev, &fold);
		}
		/* [index, sent, received, rtt avg us, rtt max us]: compact, as
		 * 10 000 of them go into one message. */
		evbuffer_add_printf(
			d->fold, "%s[%zu,%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRId64 "]",
			d->fold_n > 0 ? "," : "", e->target, e->sent, e->received,
			e->received > 0 ? e->rtt_sum_ns / (int64_t)e->received / 1000 : -1,
			e->received > 0 ? e->rtt_max_ns / 1000 : -1);
		d->fold_n++;
		return;
	case MEV_DOWN:
	case MEV_UP:
	case MEV_WITHDRAWN:
		if (t != NULL)
			t->state_since_real = e->time_real;
		if (t != NULL && e->kind == MEV_UP && e->duration_ns >= 0) {
			memmove(&t->last[1], &t->last[0],
				sizeof(t->last[0]) * (DASH_LAST_OUTAGES - 1));
			t->last[0].since_real = e->since_real;
			t->last[0].duration_ns = e->duration_ns;
			t->last[0].lower_ns = e->lower_ns;
			t->last[0].upper_ns = e->upper_ns;
			t->last[0].lost = e->lost;
			if (t->nlast < DASH_LAST_OUTAGES)
				t->nlast++;
		}
		break;
	case MEV_MARK: {
		struct dash_note *n = &d->marks[d->nmarks++ % DASH_MARKS];

		n->time_real = e->time_real;
		n->duration_ns = -1;
		dash_copy(n->kind, sizeof(n->kind), e->mark_kind);
		dash_copy(n->label, sizeof(n->label), e->label);
		dash_copy(n->run, sizeof(n->run), e->run);
		break;
	}
	case MEV_UNKNOWN: {
		struct dash_note *n = &d->unknowns[d->nunknowns++ % DASH_UNKNOWNS];

		n->time_real = e->since_real > 0 ? e->since_real : e->time_real;
		n->duration_ns = e->duration_ns;
		dash_copy(n->kind, sizeof(n->kind), e->name != NULL ? e->name : "");
		dash_copy(n->label, sizeof(n->label), e->label);
		dash_copy(n->run, sizeof(n->run), e->reason);
		break;
	}
	default:
		break;
	}
	if (d->nsse == 0)
		return;
	json = mev_json_string(e, &len);
	{
		struct evbuffer *b = evbuffer_new();

		if (b == NULL)
			fatalx("http: out of memory");
		evbuffer_add_printf(b, "event: %s\ndata: %s\n\n", mev_kind_name(e->kind), json);
		dash_sse_send(d, (const char *)evbuffer_pullup(b, -1), evbuffer_get_length(b));
		evbuffer_free(b);
	}
	free(json);
}

/* GET /api/events: the stream's headers now, its messages as they come. */
static int
dash_events(struct dash *d, struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b;
	struct sse *c;
	int i;

	for (i = 0; i < DASH_SSE_MAX && d->sse[i] != NULL; i++)
		;
	if (i == DASH_SSE_MAX) {
		d->sse_refused++;
		evhttp_send_error(req, HTTP_SERVUNAVAIL, "too many event-stream clients");
		return 0;
	}
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->req = req;
	c->slot = i;
	d->sse[i] = c;
	d->nsse++;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), sse_closed, c);
	evhttp_add_header(h, "Content-Type", "text/event-stream; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	/* A first line at once, so a client knows the stream is open; the
	 * retry hint is how soon a browser reconnects after an error. */
	if ((b = evbuffer_new()) == NULL)
		fatalx("http: out of memory");
	evbuffer_add_printf(b, "retry: 2000\n: hamon %s\n\n", PACKAGE_VERSION);
	evhttp_send_reply_chunk(req, b);
	evbuffer_free(b);
	return 1;
}

/* ---- /api/status ---- */

static void status_step(evutil_socket_t fd, short what, void *arg);

static void
status_free(struct status *s)
{
	s->d->status[s->slot] = NULL;
	if (s->req == NULL)
		;
	else if (s->gone)
		evhttp_request_free(s->req);
	else
		evhttp_connection_set_closecb(evhttp_request_get_connection(s->req), NULL, NULL);
	event_free(s->ev);
	evbuffer_free(s->body);
	free(s);
}

static void
status_drained(struct evhttp_connection *evcon, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct status *s = arg;

	(void)evcon;
	event_add(s->ev, &now);
}

static void
status_closed(struct evhttp_connection *evcon, void *arg)
{
	struct status *s = arg;

	s->gone = 1;
	status_drained(evcon, arg);
}

/* A time as JSON: RFC 3339 UTC, or null for none. */
static void
put_time(struct evbuffer *b, const char *name, int64_t real_ns)
{
	char buf[64];

	if (real_ns <= 0) {
		evbuffer_add_printf(b, ",\"%s\":null", name);
		return;
	}
	time_format_rfc3339(real_ns, buf, sizeof(buf));
	evbuffer_add_printf(b, ",\"%s\":\"%s\"", name, buf);
}

/* A duration as JSON milliseconds (3 decimals, as everywhere), null if < 0. */
static void
put_ms(struct evbuffer *b, const char *name, int64_t ns)
{
	if (ns < 0)
		evbuffer_add_printf(b, ",\"%s\":null", name);
	else
		evbuffer_add_printf(b, ",\"%s\":%" PRId64 ".%03" PRId64, name, ns / 1000000,
				    ns / 1000 % 1000);
}

/* A string from the monitor's own vocabulary or an operator's label, with
 * what JSON needs escaped. */
static void
put_str(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			evbuffer_add_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			evbuffer_add_printf(b, "\\u%04x", ch);
		else
			evbuffer_add(b, s, 1);
	}
	evbuffer_add(b, "\"", 1);
}

/* The notes of a ring, oldest first. */
static void
put_notes(struct evbuffer *b, const char *name, const struct dash_note *ring, unsigned total,
	  unsigned size, int unknown)
{
	unsigned k = total > size ? total - size : 0;

	evbuffer_add_printf(b, ",\"%s\":[", name);
	for (; k < total; k++) {
		const struct dash_note *n = &ring[k % size];

		evbuffer_add_printf(
			b, "%s{\"time\":", k > (total > size ? total - size : 0) ? "," : "");
		{
			char buf[64];

			time_format_rfc3339(n->time_real, buf, sizeof(buf));
			evbuffer_add_printf(b, "\"%s\"", buf);
		}
		if (unknown) {
			evbuffer_add_printf(b, ",\"target\":");
			put_str(b, n->kind);
			evbuffer_add_printf(b, ",\"code\":");
			put_str(b, n->label);
			evbuffer_add_printf(b, ",\"reason\":");
			put_str(b, n->run);
			put_ms(b, "duration_ms", n->duration_ns);
		} else {
			evbuffer_add_printf(b, ",\"kind\":");
			put_str(b, n->kind);
			evbuffer_add_printf(b, ",\"label\":");
			put_str(b, n->label);
			evbuffer_add_printf(b, ",\"run\":");
			put_str(b, n->run);
		}
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add(b, "]", 1);
}

/* The monitor as a whole: the head of the document. */
static void
status_head(struct status *s)
{
	struct dash *d = s->d;
	struct monitor_lag lag;

	monitor_get_lag(d->m, &lag);
	evbuffer_add_printf(s->body, "{\"version\":\"%s\"", PACKAGE_VERSION);
	put_time(s->body, "now", s->now_real);
	evbuffer_add_printf(s->body, ",\"run\":");
	put_str(s->body, d->run);
	put_ms(s->body, "send_lag_p99_ms", lag.sends > 0 ? lag.p99_ns : -1);
	evbuffer_add_printf(s->body,
			    ",\"event_clients\":%zu,\"event_clients_max\":%d,\"event_clients_"
			    "dropped\":%" PRIu64,
			    d->nsse, DASH_SSE_MAX, d->sse_dropped);
	put_notes(s->body, "marks", d->marks, d->nmarks, DASH_MARKS, 0);
	put_notes(s->body, "unknown", d->unknowns, d->nunknowns, DASH_UNKNOWNS, 1);
	evbuffer_add_printf(s->body, ",\"targets\":[");
}

/* One target's object. */
static void
status_target(struct status *s, size_t i)
{
	static const char *const states[] = { "unknown", "up", "down" };
	struct dash *d = s->d;
	struct monitor_target_stats ts;
	const struct dash_target *t = &d->t[i];
	struct evbuffer *b = s->body;
	unsigned k;

	monitor_target_stats(d->m, i, &ts);
	evbuffer_add_printf(b, "%s{\"index\":%zu,\"name\":", i > 0 ? "," : "", i);
	put_str(b, ts.name);
	evbuffer_add_printf(b, ",\"url\":");
	put_str(b, ts.url);
	evbuffer_add_printf(b, ",\"state\":\"%s\"", states[ts.state]);
	put_time(b, "since", t->state_since_real);
	/* The outage going on, from its first lost probe's send, put on the
	 * wall clock through the monotonic one (as the metrics gauge). */
	put_time(b, "outage_start",
		 ts.state == MONITOR_STATE_DOWN ? s->now_real - (s->now_mono - ts.down_since_mono)
						: 0);
	evbuffer_add_printf(b,
			    ",\"sent\":%" PRIu64 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64
			    ",\"unknown_probes\":%" PRIu64 ",\"outages\":%" PRIu64,
			    ts.sent, ts.received, ts.lost, ts.unknown, ts.outages);
	put_ms(b, "downtime_ms", ts.downtime_ns);
	put_ms(b, "rtt_p50_ms", monitor_target_rtt_quantile(d->m, i, 0.5));
	put_ms(b, "rtt_p99_ms", monitor_target_rtt_quantile(d->m, i, 0.99));
	evbuffer_add_printf(b, ",\"last_outages\":[");
	for (k = 0; k < t->nlast; k++) {
		evbuffer_add_printf(b, "%s{\"lost\":%" PRIu64, k > 0 ? "," : "", t->last[k].lost);
		put_ms(b, "duration_ms", t->last[k].duration_ns);
		put_ms(b, "lower_ms", t->last[k].lower_ns);
		put_ms(b, "upper_ms", t->last[k].upper_ns);
		put_time(b, "start", t->last[k].since_real);
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add_printf(b, "]}");
}

/* Render and send the next DASH_STEP_TARGETS targets; end after the last. */
static void
status_step(evutil_socket_t fd, short what, void *arg)
{
	struct status *s = arg;
	size_t n = 0;

	(void)fd;
	(void)what;
	if (s->gone) {
		status_free(s);
		return;
	}
	for (; s->target < s->d->nt && n < DASH_STEP_TARGETS; s->target++, n++)
		status_target(s, s->target);
	if (s->target < s->d->nt) {
		evhttp_send_reply_chunk_with_cb(s->req, s->body, status_drained, s);
		return;
	}
	evbuffer_add_printf(s->body, "]}\n");
	evhttp_send_reply_chunk(s->req, s->body);
	evhttp_connection_set_closecb(evhttp_request_get_connection(s->req), NULL, NULL);
	evhttp_send_reply_end(s->req);
	s->req = NULL;
	status_free(s);
}

static void
dash_status(struct dash *d, struct evhttp_request *req)
{
	struct status *s;
	int i;

	for (i = 0; i < DASH_MAX_STATUS && d->status[i] != NULL; i++)
		;
	if (i == DASH_MAX_STATUS) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, "too many status requests at once");
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->d = d;
	s->req = req;
	s->slot = i;
	s->body = evbuffer_new();
	s->ev = evtimer_new(monitor_base(d->m), status_step, s);
	if (s->body == NULL || s->ev == NULL)
		fatalx("http: out of memory");
	s->now_mono = monitor_now_mono(d->m);
	s->now_real = monitor_now_real(d->m);
	d->status[i] = s;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), status_closed, s);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	status_head(s);
	status_step(-1, 0, s);
}

/* ---- routing ---- */

int
dash_owns(struct dash *d, struct evhttp_request *req)
{
	size_t i;

	for (i = 0; i < DASH_SSE_MAX; i++)
		if (d->sse[i] != NULL && d->sse[i]->req == req) {
			/* Its connection failed on a write: send it nothing more;
			 * the slot is free once evhttp lets the connection go. */
			if (d->sse[i]->gone == 0)
				d->sse[i]->gone = 2;
			return 1;
		}
	for (i = 0; i < DASH_MAX_STATUS; i++)
		if (d->status[i] != NULL && d->status[i]->req == req)
			return 1;
	return 0;
}

int
dash_authorized(struct dash *d, struct evhttp_request *req)
{
	const char *authz;

	if (d->token == NULL)
		return 1;
	authz = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (dashauth_check(d->token, authz,
			   evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req))))
		return 1;
	d->unauthorized++;
	evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
			  "Bearer realm=\"hamon\"");
	evhttp_send_error(req, 401, "token missing or wrong");
	return 0;
}

int
dash_request(struct dash *d, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	int head = cmd == EVHTTP_REQ_HEAD;

	if (strcmp(path, "/") == 0) {
		struct evbuffer *b;

		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  "text/html; charset=utf-8");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control",
				  "no-store");
		if (head || (b = evbuffer_new()) == NULL) {
			evhttp_send_reply(req, HTTP_OK, "OK", NULL);
			return 0;
		}
		evbuffer_add_reference(b, dash_html, sizeof(dash_html) - 1, NULL, NULL);
		evhttp_send_reply(req, HTTP_OK, "OK", b);
		evbuffer_free(b);
		return 0;
	}
	if (strcmp(path, "/api/status") == 0) {
		if (head) {
			evhttp_send_reply(req, HTTP_OK, "OK", NULL);
			return 0;
		}
		dash_status(d, req);
		return 0;
	}
	if (strcmp(path, "/api/events") == 0) {
		if (head) {
			evhttp_send_reply(req, HTTP_OK, "OK", NULL);
			return 0;
		}
		return dash_events(d, req);
	}
	evhttp_send_error(req, HTTP_NOTFOUND, "hamon serves /, /metrics, /api/status, /api/events");
	return 0;
}

struct dash *
dash_new(struct monitor *m, const char *token)
{
	static const struct timeval ka = { DASH_KEEPALIVE_S, 0 };
	struct dash *d = xcalloc(1, sizeof(*d));

	d->m = m;
	d->token = token != NULL ? xstrdup(token) : NULL;
	d->nt = monitor_ntargets(m);
	d->t = xcalloc(d->nt > 0 ? d->nt : 1, sizeof(*d->t));
	d->fold = evbuffer_new();
	d->fold_ev = evtimer_new(monitor_base(m), dash_fold_timer, d);
	d->keepalive = event_new(monitor_base(m), -1, EV_PERSIST, dash_keepalive, d);
	d->reap = evtimer_new(monitor_base(m), dash_sse_reap, d);
	if (d->fold == NULL || d->fold_ev == NULL || d->keepalive == NULL || d->reap == NULL)
		fatalx("http: out of memory");
	event_add(d->keepalive, &ka);
	if (monitor_listen(m, dash_on_event, d) != 0)
		log_warnx("http: too many event listeners: /api/events will stay silent");
	return d;
}

void
dash_free(struct dash *d)
{
	size_t i;

	if (d == NULL)
		return;
	/* A detached request (its connection gone) is ours to free; one
	 * still on its connection goes with evhttp_free(). */
	for (i = 0; i < DASH_SSE_MAX; i++)
		if (d->sse[i] != NULL)
			sse_free(d->sse[i]);
	for (i = 0; i < DASH_MAX_STATUS; i++)
		if (d->status[i] != NULL)
			status_free(d->status[i]);
	event_free(d->fold_ev);
	event_free(d->keepalive);
	event_free(d->reap);
	evbuffer_free(d->fold);
	free(d->t);
	if (d->token != NULL)
		explicit_bzero(d->token, strlen(d->token));
	free(d->token);
	free(d);
}
