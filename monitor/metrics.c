/* SPDX-License-Identifier: ISC */
/*
 * metrics.c: a Prometheus exposition endpoint on the monitor's own event
 * loop (`--metrics [ADDR:]PORT`, GET /metrics), so that a fleet's existing
 * monitoring engine scrapes each node's monitor instead of a home-made
 * aggregator.
 *
 * The loop also keeps the probe schedule, and a stall of more than 5 ms is
 * an UNKNOWN window for every target. So a scrape never renders the whole
 * page at once: the reply is streamed (chunked), METRICS_STEP_LINES lines at
 * a time, and the next step is rendered only once the previous one has
 * been written to the socket, in a later turn of the loop. The memory a
 * scrape holds is one step, however slowly its client reads; a client that
 * stops reading is dropped by evhttp's timeout. Counters of one page may
 * come from a few hundred microseconds apart; Prometheus takes each sample
 * as it is.
 *
 * Descriptors are never the client's to take. evhttp 2.1 neither counts
 * nor limits connections, and an idle one holds its descriptor for the
 * whole timeout; a local user opening a thousand of them starved probes
 * and the control socket (EMFILE). So every connection evhttp accepts
 * gets its bufferevent from metrics_bev(), which keeps a reference to it:
 * evhttp's bufferevent_free() then only clears its callbacks, and a check
 * every METRICS_HEADER_S, or a new connection at the cap, sees the
 * connection gone and forgets it. Beyond max_conns
 * (sized from RLIMIT_NOFILE, see lib/fdlimit.c) a new
 * connection gets a bare 503 and is shut at the next turn of the loop:
 * refused at once, never left to hang. A connection must complete a
 * request between two checks unless a reply is being streamed to it, else
 * it is shut as well: a client that never finishes its headers holds a
 * slot two seconds, not ten. Shutting the socket (not freeing anything of
 * evhttp's) makes evhttp read an EOF and free the connection itself.
 * (A pass-through filter bufferevent with a free callback was tried
 * first: a filter reports its output written once it has moved it to the
 * socket's bufferevent, so evhttp closed a 404's connection before the
 * 404 was sent.)
 * libevent's listener accepts until the queue is empty, and a flood keeps
 * it full: after METRICS_ACCEPT_BATCH accepts the listener waits one turn
 * of the loop, so probes due meanwhile are sent on time. At EMFILE
 * regardless, the listener pauses for a second instead of spinning on
 * accept(). A client that half-closes its side gets its reply
 * cut (libevent takes the EOF for a failure); curl and Prometheus do not
 * half-close.
 *
 * The same listener serves the live page (`--http`, monitor/dash.c): every
 * path but /metrics goes there. An event stream's connection is marked
 * stream and, like one being streamed a scrape, is never shut for want of
 * a request; it counts against max_conns like any other. Off loopback a
 * token is required (http-token, read from a file so that it is not in
 * `ps`), for /metrics too: a Prometheus sends it as a bearer token.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <signal.h>
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
#include <event2/listener.h>

#include "lib/fdlimit.h"
#include "lib/listenaddr.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "monitor/dash.h"
#include "monitor/dashauth.h"
#include "monitor/metrics.h"
#include "monitor/monitor.h"
#include "store/store.h"

#define METRICS_STEP_LINES   2000 /* about 0.2 ms of rendering per loop turn */
#define METRICS_MAX_SCRAPES  4    /* at once; more get 503 */
#define METRICS_TIMEOUT_S    10   /* an idle or stalled client is dropped */
#define METRICS_HEADER_S     2    /* to complete each request on a connection */
#define METRICS_BACKLOG      128  /* a flood is accepted and shut, not left in SYN retries */
#define METRICS_ACCEPT_BATCH 8    /* accepts, then the listener waits a loop turn */
#define METRICS_REAP_MS      10   /* after a shut, until evhttp has let go */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics;
struct scrape;

/* One connection evhttp accepted, known from its bufferevent. */
struct mconn {
	struct metrics *mx;
	struct bufferevent *bev; /* evhttp's, with a reference of ours */
	struct event *timer;     /* refusal, the request bound, reaping */
	struct scrape *sc;       /* the reply streamed to it, if any */
	uint64_t requests, seen; /* requests so far, at the last check */
	int excess;              /* beyond the cap: refused at once */
	int shut;                /* by us: gone at evhttp's next read */
	int stream;              /* an event stream: exempt from the request bound */
	struct mconn *next, **prevp;
};

/* One scrape being streamed. */
struct scrape {
	struct metrics *mx;
	struct mconn *conn; /* NULL once the connection is gone */
	struct evhttp_request *req;
	int gone; /* the connection died: req is detached and ours to free */
	struct evbuffer *body;
	struct event *ev;
	size_t family, target; /* where rendering goes on */
	int64_t now_mono;      /* one clock for the whole page */
};

struct metrics {
	struct monitor *m;
	struct evhttp *http;
	struct evconnlistener *listener;
	struct event *resume; /* re-enables the listener after EMFILE */
	char url[96];         /* http://ADDR:PORT/metrics */
	int64_t start_real;
	struct scrape *scrapes[METRICS_MAX_SCRAPES];
	uint64_t served;
	struct mconn *conns; /* open connections */
	size_t nconns, max_conns;
	uint64_t refused; /* connections shut beyond max_conns */
	uint64_t expired; /* connections shut for want of a request */
	unsigned batch;   /* accepts since the listener last waited */
	int paused;       /* the listener is off until resume fires */
	struct dash *dash; /* the live page and its API */
};

/* A per-target metric family: name, type, help and how to print one target. */
struct family {
	const char *name, *type, *help;
	void (*put)(struct evbuffer *b, const struct family *f,
		    const struct monitor_target_stats *t, size_t i, const struct scrape *sc);
	size_t off; /* for counter(): offset of a uint64_t in monitor_target_stats */
};

/* name{target="NAME"} VALUE for a uint64_t field of the target's figures. */
static void
put_counter(struct evbuffer *b, const struct family *f, const struct monitor_target_stats *t,
	    size_t i, const struct scrape *sc)
{
	uint64_t v = *(const uint64_t *)(const void *)((const char *)t + f->off);

	(void)i;
	(void)sc;
	evbuffer_add_printf(b, "%s{target=\"%s\"} %" PRIu64 "\n", f->name, t->name, v);
}

/* Seconds as Prometheus wants them: a float, "NaN" for none. */
static void
put_seconds(struct evbuffer *b, const char *name, const char *target, const char *extra, int64_t ns)
{
	if (ns < 0)
		evbuffer_add_printf(b, "%s{target=\"%s\"%s} NaN\n", name, target, extra);
	else
		evbuffer_add_printf(b, "%s{target=\"%s\"%s} %.9f\n", name, target, extra, ns / 1e9);
}

/* The target's URL and probe mechanism. */
static void
put_info(struct evbuffer *b, const struct family *f, const struct monitor_target_stats *t, size_t i,
	 const struct scrape *sc)
{
	(void)i;
	(void)sc;
	/* Names are [A-Za-z0-9._:-]; URLs are normalised and hold no quote,
	 * backslash or newline (lib/target.c), so neither needs escaping. */
	evbuffer_add_printf(b, "%s{target=\"%s\",url=\"%s\",probe=\"%s\"} 1\n", f->name, t->name,
			    t->url, t->probe_mode);
}

/* One line per state, 1 for the target's. */
static void
put_state(struct evbuffer *b, const struct family *f, const struct monitor_target_stats *t,
	  size_t i, const struct scrape *sc)
{
	static const char *const names[] = { "unknown", "up", "down" };
	int k;

	(void)i;
	(void)sc;
	for (k = 0; k < 3; k++)
		evbuffer_add_printf(b, "%s{target=\"%s\",state=\"%s\"} %d\n", f->name, t->name,
				    names[k], (int)t->state == k);
}

/* Closed outages only, each its estimated duration as stored. The counter
 * is only ever added to, and an outage's estimate is never negative (its
 * end is a later probe's send than its start, on the monotonic clock), so
 * it never decreases: increase() sees no reset. The outage going on is
 * hamon_outage_current_seconds (a gauge), added here once it has closed. */
static void
put_downtime(struct evbuffer *b, const struct family *f, const struct monitor_target_stats *t,
	     size_t i, const struct scrape *sc)
{
	(void)i;
	(void)sc;
	put_seconds(b, f->name, t->name, "", t->downtime_ns);
}

/* The outage going on, from its first lost probe's send to this scrape; 0
 * when the target is not DOWN. It runs until UP is declared and starts at
 * a probe's send, not at the estimate's midpoint, so the stored estimate
 * may come out a little smaller than its last value: fine for a gauge. */
static void
put_outage_current(struct evbuffer *b, const struct family *f,
		   const struct monitor_target_stats *t, size_t i, const struct scrape *sc)
{
	int64_t ns = 0;

	(void)i;
	if (t->state == MONITOR_STATE_DOWN && sc->now_mono > t->down_since_mono)
		ns = sc->now_mono - t->down_since_mono;
	put_seconds(b, f->name, t->name, "", ns);
}

/* The last outage that ended, NaN before one. */
static void
put_last_outage(struct evbuffer *b, const struct family *f, const struct monitor_target_stats *t,
		size_t i, const struct scrape *sc)
{
	(void)i;
	(void)sc;
	put_seconds(b, f->name, t->name, "", t->last_outage_ns);
}

/* Time inside UNKNOWN windows. */
static void
put_unknown_time(struct evbuffer *b, const struct family *f, const struct monitor_target_stats *t,
		 size_t i, const struct scrape *sc)
{
	(void)i;
	(void)sc;
	put_seconds(b, f->name, t->name, "", t->unknown_ns);
}

/* A histogram: exact counts per bucket (monitor_rtt_bounds_ns), cumulative
 * as Prometheus wants them, the exact sum and count. Unlike a summary's
 * quantiles, buckets add up across targets and nodes. */
static void
put_rtt(struct evbuffer *b, const struct family *f, const struct monitor_target_stats *t, size_t i,
	const struct scrape *sc)
{
	uint64_t cum = 0;
	size_t k;

	(void)i;
	(void)sc;
	for (k = 0; k < MONITOR_RTT_BUCKETS - 1; k++) {
		cum += t->rtt_bucket[k];
		evbuffer_add_printf(b, "%s_bucket{target=\"%s\",le=\"%g\"} %" PRIu64 "\n", f->name,
				    t->name, monitor_rtt_bounds_ns[k] / 1e9, cum);
	}
	evbuffer_add_printf(b, "%s_bucket{target=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", f->name,
			    t->name, t->received);
	evbuffer_add_printf(b, "%s_sum{target=\"%s\"} %.9f\n", f->name, t->name,
			    t->rtt_sum_ns / 1e9);
	evbuffer_add_printf(b, "%s_count{target=\"%s\"} %" PRIu64 "\n", f->name, t->name,
			    t->received);
}

#define COUNTER(n, field, h)                                                               \
	{                                                                                  \
		n, "counter", h, put_counter, offsetof(struct monitor_target_stats, field) \
	}
static const struct family families[] = {
	{ "hamon_target_info", "gauge", "A monitored target: its URL and probe mechanism.",
	  put_info, 0 },
	{ "hamon_target_state", "gauge",
	  "1 for the target's state: up, down (outage declared), unknown (no reply yet).",
	  put_state, 0 },
	COUNTER("hamon_probes_sent_total", sent, "Probes sent, or attempted (see send errors)."),
	COUNTER("hamon_probe_send_errors_total", send_errors,
		"Probes that failed locally at send: nothing left the machine."),
	COUNTER("hamon_probes_received_total", received, "Probes answered within their timeout."),
	COUNTER("hamon_probes_lost_total", lost,
		"Probes not answered within their timeout, or answered by an ICMP error."),
	COUNTER("hamon_probes_unreachable_total", unreach,
		"Lost probes that an ICMP error quoting them answered."),
	COUNTER("hamon_probes_late_total", late, "Replies that came after their probe's timeout."),
	COUNTER("hamon_probes_refused_total", refused,
		"TCP probes answered with a reset: the host is up, the service is not."),
	COUNTER("hamon_probes_unknown_total", unknown,
		"Unanswered probes inside an UNKNOWN window: the monitor could not see."),
	COUNTER("hamon_loss_bursts_total", bursts, "Loss bursts that ended (even one lost probe)."),
	COUNTER("hamon_outages_total", outages, "Outages (DOWN periods) that ended."),
	{ "hamon_downtime_seconds_total", "counter",
	  "Time in outages that ended, their estimated durations; the one going on is"
	  " hamon_outage_current_seconds.",
	  put_downtime, 0 },
	{ "hamon_outage_current_seconds", "gauge",
	  "Time since the first lost probe of the outage going on; 0 when the target is not down.",
	  put_outage_current, 0 },
	{ "hamon_last_outage_seconds", "gauge",
	  "Estimated duration of the last outage that ended; NaN before one.", put_last_outage, 0 },
	{ "hamon_unknown_seconds_total", "counter",
	  "Time inside UNKNOWN windows (own link down, send failures, stalls, clock steps).",
	  put_unknown_time, 0 },
	{ "hamon_rtt_seconds", "histogram", "Round-trip time of answered probes.", put_rtt, 0 },
};
#define NFAMILIES (sizeof(families) / sizeof(families[0]))

/* The lines of the monitor as a whole, after the per-target families. */
static void
metrics_put_process(struct metrics *mx, struct evbuffer *b)
{
	struct monitor_lag lag;
	struct store *st = monitor_store(mx->m);

	monitor_get_lag(mx->m, &lag);
	evbuffer_add_printf(b,
			    "# HELP hamon_build_info The hamon version serving these metrics.\n"
			    "# TYPE hamon_build_info gauge\nhamon_build_info{version=\"%s\"} 1\n",
			    PACKAGE_VERSION);
	evbuffer_add_printf(b,
			    "# HELP hamon_start_time_seconds When the monitor started, Unix time.\n"
			    "# TYPE hamon_start_time_seconds gauge\n"
			    "hamon_start_time_seconds %.3f\n",
			    mx->start_real / 1e9);
	evbuffer_add_printf(b,
			    "# HELP hamon_send_lag_seconds Actual send time minus its deadline.\n"
			    "# TYPE hamon_send_lag_seconds summary\n");
	if (lag.sends > 0)
		evbuffer_add_printf(b,
				    "hamon_send_lag_seconds{quantile=\"0.5\"} %.9f\n"
				    "hamon_send_lag_seconds{quantile=\"0.99\"} %.9f\n",
				    lag.p50_ns / 1e9, lag.p99_ns / 1e9);
	evbuffer_add_printf(b, "hamon_send_lag_seconds_count %" PRIu64 "\n", lag.sends);
	evbuffer_add_printf(b,
			    "# HELP hamon_send_lag_max_seconds The largest send lag so far.\n"
			    "# TYPE hamon_send_lag_max_seconds gauge\n"
			    "hamon_send_lag_max_seconds %.9f\n",
			    lag.max_ns / 1e9);
	evbuffer_add_printf(b,
			    "# HELP hamon_skipped_deadlines_total Send deadlines skipped after"
			    " a stall (never sent late in a burst).\n"
			    "# TYPE hamon_skipped_deadlines_total counter\n"
			    "hamon_skipped_deadlines_total %" PRIu64 "\n",
			    lag.skipped);
	if (st != NULL)
		evbuffer_add_printf(
			b,
			"# HELP hamon_store_dropped_total Records the database could not"
			" take (queue full).\n"
			"# TYPE hamon_store_dropped_total counter\n"
			"hamon_store_dropped_total %" PRIu64 "\n",
			store_dropped(st));
	evbuffer_add_printf(b,
			    "# HELP hamon_metrics_connections Connections to this endpoint now.\n"
			    "# TYPE hamon_metrics_connections gauge\n"
			    "hamon_metrics_connections %zu\n"
			    "# HELP hamon_metrics_connections_max Connections served at once;"
			    " more are shut at once.\n"
			    "# TYPE hamon_metrics_connections_max gauge\n"
			    "hamon_metrics_connections_max %zu\n"
			    "# HELP hamon_metrics_refused_total Connections shut: beyond the"
			    " maximum (reason=\"limit\") or without a request in time"
			    " (reason=\"timeout\").\n"
			    "# TYPE hamon_metrics_refused_total counter\n"
			    "hamon_metrics_refused_total{reason=\"limit\"} %" PRIu64 "\n"
			    "hamon_metrics_refused_total{reason=\"timeout\"} %" PRIu64 "\n",
			    mx->nconns, mx->max_conns, mx->refused, mx->expired);
	evbuffer_add_printf(b,
			    "# HELP hamon_scrapes_total Scrapes served before this one.\n"
			    "# TYPE hamon_scrapes_total counter\nhamon_scrapes_total %" PRIu64 "\n",
			    mx->served);
}

/* Forget a scrape. A request that is still on its connection, or was sent
 * (req NULL), belongs to libevent; a detached one (gone) is freed here. */
static void
scrape_free(struct scrape *sc)
{
	size_t i;

	for (i = 0; i < METRICS_MAX_SCRAPES; i++)
		if (sc->mx->scrapes[i] == sc)
			sc->mx->scrapes[i] = NULL;
	if (sc->conn != NULL)
		sc->conn->sc = NULL;
	if (sc->req == NULL)
		;
	else if (sc->gone)
		evhttp_request_free(sc->req);
	else
		evhttp_connection_set_closecb(evhttp_request_get_connection(sc->req), NULL, NULL);
	event_free(sc->ev);
	evbuffer_free(sc->body);
	free(sc);
}

/* The last step reached the socket (or the connection is gone): go on in
 * a later turn of the loop. */
static void
scrape_drained(struct evhttp_connection *evcon, void *arg)
{
	struct scrape *sc = arg;
	static const struct timeval now = { 0, 0 };

	(void)evcon;
	event_add(sc->ev, &now);
}

/* The connection failed (write error, timeout) while we were streaming:
 * libevent detaches the request instead of freeing it; the next step frees
 * it. */
static void
scrape_closed(struct evhttp_connection *evcon, void *arg)
{
	struct scrape *sc = arg;

	sc->gone = 1;
	scrape_drained(evcon, arg);
}

/* Render and send the next METRICS_STEP_LINES lines; end the reply after
 * the last. */
static void
scrape_step(evutil_socket_t fd, short what, void *arg)
{
	struct scrape *sc = arg;
	struct monitor *m = sc->mx->m;
	struct monitor_target_stats ts;
	size_t lines = 0, nt = monitor_ntargets(m);

	(void)fd;
	(void)what;
	if (sc->gone) {
		scrape_free(sc);
		return;
	}
	while (sc->family < NFAMILIES && lines < METRICS_STEP_LINES) {
		const struct family *f = &families[sc->family];

		if (sc->target == 0)
			evbuffer_add_printf(sc->body, "# HELP %s %s\n# TYPE %s %s\n", f->name,
					    f->help, f->name, f->type);
		/* lines per target: the histogram's 19, about 3 for the others */
		for (; sc->target < nt && lines < METRICS_STEP_LINES;
		     sc->target++, lines += f->put == put_rtt ? MONITOR_RTT_BUCKETS + 2 : 3) {
			monitor_target_stats(m, sc->target, &ts);
			f->put(sc->body, f, &ts, sc->target, sc);
		}
		if (sc->target == nt) {
			sc->family++;
			sc->target = 0;
		}
	}
	if (sc->family < NFAMILIES) {
		/* Never empty here: each step renders at least one line. */
		evhttp_send_reply_chunk_with_cb(sc->req, sc->body, scrape_drained, sc);
		return;
	}
	metrics_put_process(sc->mx, sc->body);
	sc->mx->served++;
	evhttp_send_reply_chunk(sc->req, sc->body);
	evhttp_connection_set_closecb(evhttp_request_get_connection(sc->req), NULL, NULL);
	evhttp_send_reply_end(sc->req); /* libevent frees the request once sent */
	sc->req = NULL;
	scrape_free(sc);
}

/* Forget conn: evhttp has freed its connection (or never will use it). */
static void
mconn_free(struct mconn *conn)
{
	if (conn->sc != NULL)
		conn->sc->conn = NULL;
	if (conn->next != NULL)
		conn->next->prevp = conn->prevp;
	*conn->prevp = conn->next;
	conn->mx->nconns--;
	event_free(conn->timer);
	bufferevent_decref(conn->bev); /* ours: evhttp's free left it to us */
	free(conn);
}

/* Is evhttp done with conn? bufferevent_free() clears the callbacks,
 * and evhttp sets an event callback for as long as it holds one; our
 * reference keeps the memory valid to ask. */
static int
mconn_gone(const struct mconn *conn)
{
	bufferevent_event_cb eventcb;

	bufferevent_getcb(conn->bev, NULL, NULL, &eventcb, NULL);
	return eventcb == NULL;
}

/* Shut conn's socket (after a 503 if it is beyond the cap): evhttp reads
 * the EOF and frees the connection; the next check sees it gone. */
static void
mconn_shut(struct mconn *conn)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n\r\n";
	evutil_socket_t fd = bufferevent_getfd(conn->bev);

	conn->shut = 1;
	if (fd < 0)
		return;
	/* Refused: a scraper is told so at once rather than left to guess;
	 * the socket is fresh, the answer fits its buffer or is dropped. */
	if (conn->excess && send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("metrics: 503 not sent");
	shutdown(fd, SHUT_RDWR);
}

/* A connection's check: forgotten once evhttp freed it; refused at once
 * beyond the cap; then shut unless it completed a request since the last
 * check or is being streamed to. */
static void
mconn_check(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval bound = { METRICS_HEADER_S, 0 },
				    soon = { 0, METRICS_REAP_MS * 1000 };
	struct mconn *conn = arg;

	(void)fd;
	(void)what;
	if (mconn_gone(conn)) {
		mconn_free(conn);
		return;
	}
	if (!conn->shut && conn->sc == NULL && !conn->stream && conn->requests == conn->seen) {
		if (conn->excess)
			conn->mx->refused++;
		else
			conn->mx->expired++;
		mconn_shut(conn);
	}
	conn->seen = conn->requests;
	/* A shut connection is gone after evhttp's next read. */
	event_add(conn->timer, conn->shut ? &soon : &bound);
}

/* At the cap: forget the connections evhttp has let go since their last
 * check, so that they do not count against a new one. */
static void
metrics_reap(struct metrics *mx)
{
	struct mconn *conn = mx->conns, *next;

	for (; conn != NULL; conn = next) {
		next = conn->next;
		if (mconn_gone(conn))
			mconn_free(conn);
	}
}

/* evhttp accepted a connection: its bufferevent, made here so that we
 * hold a reference to it and can tell when evhttp lets it go. Options 0,
 * as evhttp's own: evhttp then closes the socket itself. Over the cap the
 * connection is shut at the next turn of the loop (evhttp owns it by
 * then); a NULL return lets evhttp make a plain one, uncounted. */
static struct bufferevent *
metrics_bev(struct event_base *base, void *arg)
{
	static const struct timeval now = { 0, 0 }, bound = { METRICS_HEADER_S, 0 };
	struct metrics *mx = arg;
	struct mconn *conn = xcalloc(1, sizeof(*conn));

	conn->mx = mx;
	conn->bev = bufferevent_socket_new(base, -1, 0);
	conn->timer = evtimer_new(base, mconn_check, conn);
	if (conn->bev == NULL || conn->timer == NULL) {
		if (conn->bev != NULL)
			bufferevent_free(conn->bev);
		if (conn->timer != NULL)
			event_free(conn->timer);
		free(conn);
		return NULL;
	}
	bufferevent_incref(conn->bev);
	if (mx->nconns >= mx->max_conns)
		metrics_reap(mx);
	if ((conn->next = mx->conns) != NULL)
		mx->conns->prevp = &conn->next;
	conn->prevp = &mx->conns;
	mx->conns = conn;
	conn->excess = ++mx->nconns > mx->max_conns;
	event_add(conn->timer, conn->excess ? &now : &bound);
	if (++mx->batch >= METRICS_ACCEPT_BATCH && !mx->paused) {
		/* libevent's accept loop sees the listener off and returns. */
		evconnlistener_disable(mx->listener);
		mx->paused = 1;
		event_add(mx->resume, &now);
	}
	return conn->bev;
}

/* The connection a request came on (NULL for one evhttp made itself). */
static struct mconn *
metrics_conn_of(struct metrics *mx, struct evhttp_request *req)
{
	struct bufferevent *bev =
		evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
	struct mconn *conn;

	for (conn = mx->conns; conn != NULL; conn = conn->next)
		if (conn->bev == bev)
			return conn;
	return NULL;
}

/* Every request: GET or HEAD of /metrics, else 404. */
static void
metrics_request(struct evhttp_request *req, void *arg)
{
	struct metrics *mx = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct mconn *conn = metrics_conn_of(mx, req);
	struct scrape *sc;
	size_t i;

	if (conn != NULL)
		conn->requests++;
	if (path == NULL && dash_owns(mx->dash, req))
		return; /* evhttp calls back when a stream's connection fails */
	if (path == NULL) {
		evhttp_send_error(req, HTTP_NOTFOUND, "hamon serves /metrics and the live page");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, "GET or HEAD only");
		return;
	}
	if (!dash_authorized(mx->dash, req))
		return;
	if (strcmp(path, "/metrics") != 0) {
		if (dash_request(mx->dash, req, path) && conn != NULL)
			conn->stream = 1;
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  METRICS_CONTENT_TYPE);
		evhttp_send_reply(req, HTTP_OK, "OK", NULL);
		return;
	}
	for (i = 0; i < METRICS_MAX_SCRAPES && mx->scrapes[i] != NULL; i++)
		;
	if (i == METRICS_MAX_SCRAPES) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, "too many scrapes at once");
		return;
	}
	sc = xcalloc(1, sizeof(*sc));
	sc->mx = mx;
	sc->req = req;
	sc->body = evbuffer_new();
	sc->ev = evtimer_new(monitor_base(mx->m), scrape_step, sc);
	sc->now_mono = monitor_now_mono(mx->m);
	if (sc->body == NULL || sc->ev == NULL)
		fatalx("metrics: out of memory");
	mx->scrapes[i] = sc;
	if ((sc->conn = conn) != NULL)
		conn->sc = sc;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), scrape_closed, sc);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  METRICS_CONTENT_TYPE);
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	scrape_step(-1, 0, sc);
}

/* The one endpoint of this process: the listener's error callback gets
 * evhttp's own argument, not ours. */
static struct metrics *metrics_one;

/* accept() failed for want of descriptors or memory: pause the listener
 * for a second (else the readable socket makes the loop spin). */
static void
metrics_accept_error(struct evconnlistener *l, void *arg)
{
	static const struct timeval pause = { 1, 0 };
	struct metrics *mx = metrics_one;

	(void)arg;
	if (mx == NULL || mx->listener != l)
		return;
	log_warnx("metrics: cannot accept a connection: %s; pausing for a second", strerror(errno));
	evconnlistener_disable(l);
	mx->paused = 1;
	event_add(mx->resume, &pause);
}

/* The pause (a batch of accepts, or EMFILE) is over: accept again. */
static void
metrics_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct metrics *mx = arg;

	(void)fd;
	(void)what;
	mx->paused = 0;
	mx->batch = 0;
	evconnlistener_enable(mx->listener);
}

/* Is the listening address a loopback one (127.0.0.0/8, ::1)? */
static int
metrics_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* The token in file (its first line), checked; 0, or -1 with err. */
static int
metrics_read_token(const char *file, char *tok, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "http-token %s: %s", file, strerror(errno));
		return -1;
	}
	if (fgets(tok, (int)len, f) == NULL)
		tok[0] = '\0';
	fclose(f);
	n = strcspn(tok, "\r\n");
	tok[n] = '\0';
	if (!dashauth_token_valid(tok, n)) {
		explicit_bzero(tok, len);
		snprintf(err, errlen,
			 "http-token %s: the first line must be %d to %d printable characters"
			 " without space, &, %%, + or #",
			 file, DASHAUTH_MIN_LEN, DASHAUTH_MAX_LEN);
		return -1;
	}
	return 0;
}

int
metrics_check(const char *spec, const char *token_file, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char token[DASHAUTH_MAX_LEN + 2], why[256];
	int rc = 0;

	if (listenaddr_parse(spec, &ss, &len, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "--http %s: %s", spec, why);
		return -1;
	}
	if (token_file == NULL && !metrics_loopback(&ss)) {
		snprintf(err, errlen,
			 "--http %s: not a loopback address: an http-token file is required", spec);
		return -1;
	}
	if (token_file != NULL)
		rc = metrics_read_token(token_file, token, sizeof(token), err, errlen);
	explicit_bzero(token, sizeof(token));
	return rc;
}

/* Listen on spec ([ADDR:]PORT) and serve /metrics and the live page on
 * the monitor's loop; off loopback only with a token from token_file. */
struct metrics *
metrics_open(struct monitor *m, const char *spec, const char *token_file, char *err,
	     size_t errlen)
{
	char token[DASHAUTH_MAX_LEN + 2] = "";
	struct evhttp_bound_socket *bound;
	struct sockaddr_storage ss;
	struct metrics *mx;
	socklen_t len;
	int one = 1, fd;
	char why[256];

	if (listenaddr_parse(spec, &ss, &len, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "--http: %s", why);
		return NULL;
	}
	if (token_file == NULL && !metrics_loopback(&ss)) {
		snprintf(err, errlen,
			 "--http %s: not a loopback address: an http-token file is required", spec);
		return NULL;
	}
	if (token_file != NULL && metrics_read_token(token_file, token, sizeof(token), err, errlen) != 0)
		return NULL;
	/* A scraper that hangs up before its page is sent must not kill the
	 * monitor: libevent writes with writev(), which raises SIGPIPE. The
	 * command of `hamon run` gets SIGPIPE back at its default (cmd_run.c). */
	signal(SIGPIPE, SIG_IGN);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--http %s: %s", spec, strerror(errno));
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, METRICS_BACKLOG) < 0) {
		snprintf(err, errlen, "--http %s: cannot listen: %s", spec, strerror(errno));
		close(fd);
		return NULL;
	}
	mx = xcalloc(1, sizeof(*mx));
	mx->m = m;
	{
		char a[INET6_ADDRSTRLEN] = "?";
		const void *ap = ss.ss_family == AF_INET6
					 ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
					 : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
		unsigned port =
			ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						       : ((struct sockaddr_in *)&ss)->sin_port);

		inet_ntop(ss.ss_family, ap, a, sizeof(a));
		snprintf(mx->url, sizeof(mx->url),
			 ss.ss_family == AF_INET6 ? "http://[%s]:%u/"
						  : "http://%s:%u/",
			 a, port);
	}
	mx->start_real = monitor_now_real(m);
	if ((mx->http = evhttp_new(monitor_base(m))) == NULL ||
	    (bound = evhttp_accept_socket_with_handle(mx->http, fd)) == NULL) {
		snprintf(err, errlen, "--http %s: cannot serve HTTP", spec);
		if (mx->http != NULL)
			evhttp_free(mx->http);
		close(fd);
		free(mx);
		return NULL;
	}
	mx->listener = evhttp_bound_socket_get_listener(bound);
	mx->resume = evtimer_new(monitor_base(m), metrics_accept_resume, mx);
	metrics_one = mx;
	evconnlistener_set_error_cb(mx->listener, metrics_accept_error);
	/* Every common method reaches metrics_request, which answers 405
	 * to all but GET and HEAD (evhttp itself would say 501). */
	evhttp_set_allowed_methods(mx->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
						     EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						     EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_timeout(mx->http, METRICS_TIMEOUT_S);
	evhttp_set_max_headers_size(mx->http, 8192);
	evhttp_set_max_body_size(mx->http, 1024);
	evhttp_set_gencb(mx->http, metrics_request, mx);
	mx->max_conns = fdlimit_metrics_cap(fdlimit_current());
	evhttp_set_bevcb(mx->http, metrics_bev, mx);
	mx->dash = dash_new(m, token[0] != '\0' ? token : NULL);
	explicit_bzero(token, sizeof(token));
	return mx;
}

/* The URL being served, for the startup line. */
const char *
metrics_url(const struct metrics *mx)
{
	return mx->url;
}

/* Drop the scrapes in progress, stop listening, free. */
void
metrics_close(struct metrics *mx)
{
	size_t i;

	if (mx == NULL)
		return;
	for (i = 0; i < METRICS_MAX_SCRAPES; i++)
		if (mx->scrapes[i] != NULL)
			scrape_free(mx->scrapes[i]);
	dash_free(mx->dash);
	event_free(mx->resume);
	evhttp_free(mx->http); /* closes the listening socket too */
	while (mx->conns != NULL)
		mconn_free(mx->conns); /* evhttp let every one go */
	if (metrics_one == mx)
		metrics_one = NULL;
	free(mx);
}
