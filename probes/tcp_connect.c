/* SPDX-License-Identifier: ISC */
/*
 * tcp_connect.c: unprivileged TCP probes: one non-blocking connect() per
 * probe, its completion read from an EV_WRITE event.
 *
 * The result is the socket's SO_ERROR when it becomes writable: 0 is a
 * completed handshake (ok), ECONNREFUSED a RST (refused), EHOSTUNREACH and
 * ENETUNREACH an ICMP error or no route (unreachable). The RTT is the
 * callback's CLOCK_REALTIME minus the monitor's send time: the kernel gives
 * no timestamp for a handshake, so it includes the event loop's latency.
 *
 * One SYN per probe counts, as in raw mode. The kernel retransmits an
 * unanswered SYN after its 1 s initial RTO (TCP_SYNCNT can lower the
 * number of retries but not to zero, and TCP_USER_TIMEOUT is only checked
 * after a retransmission), so a probe sent during an outage could be
 * answered through a SYN retransmitted after it and split the loss burst
 * in two (seen with nft drop windows of 1 s). A completion whose TCP_INFO
 * shows a retransmission is therefore not reported: the probe's own SYN
 * went unanswered, and the monitor's timeout decides. Such completions are
 * counted in received only.
 *
 * Every socket is closed with SO_LINGER {1, 0}: an abortive close that
 * sends RST, so neither side keeps a TIME_WAIT entry however fast we probe.
 * A probe the monitor gives up on is closed by forget(); at most
 * TCP_CONNECT_MAX sockets are open at once, fewer when the descriptor
 * limit leaves fewer beside the reserve and the metrics cap
 * (lib/fdlimit.c), and sends beyond that fail with EMFILE, as they would
 * have a little later: counted as send errors, and an UNKNOWN window of
 * code no-fd for the target, never lost probes. So a target probed fast
 * during an outage (one socket per probe until its timeout) cannot take
 * the descriptors of the store, the control socket or the metrics.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/fdlimit.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "probes/probe.h"

#define TCP_CONNECT_MAX     4096
#define TCP_CONNECT_BUCKETS 8192 /* power of two, twice TCP_CONNECT_MAX */

/* One connecting socket: probe (tid, seq). */
struct tcp_conn {
	struct probe *p;
	struct event *ev;
	int fd;
	uint32_t tid;
	uint64_t seq;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	int done;              /* -1 while connecting, else the errno connect() gave at once */
	struct tcp_conn *next; /* bucket chain, or free list */
};

struct probe {
	struct event_base *base;
	int family;
	probe_reply_cb cb;
	void *arg;
	struct tcp_conn *buckets[TCP_CONNECT_BUCKETS];
	struct tcp_conn *free; /* released conns, reused */
	size_t active, max;    /* sockets open, and at most */
	struct probe_counters c;
};

/* Bucket of probe (tid, seq). */
static size_t
tcp_connect_bucket(uint32_t tid, uint64_t seq)
{
	uint64_t h = (seq + (uint64_t)tid * 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL;

	return (size_t)(h >> 32) & (TCP_CONNECT_BUCKETS - 1);
}

/* Take conn out of its bucket. */
static void
tcp_connect_unlink(struct probe *p, struct tcp_conn *conn)
{
	struct tcp_conn **link = &p->buckets[tcp_connect_bucket(conn->tid, conn->seq)];

	while (*link != NULL) {
		if (*link == conn) {
			*link = conn->next;
			return;
		}
		link = &(*link)->next;
	}
}

/* Unlink conn, free its event, close it abortively, keep it for reuse. */
static void
tcp_connect_release(struct probe *p, struct tcp_conn *conn)
{
	tcp_connect_unlink(p, conn);
	event_free(conn->ev);
	conn->ev = NULL;
	close(conn->fd);
	conn->fd = -1;
	conn->next = p->free;
	p->free = conn;
	p->active--;
}

/* The connect finished one way or the other: report it and close. */
static void
tcp_connect_on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *conn = arg;
	struct probe *p = conn->p;
	struct probe_reply r;
	struct tcp_info ti;
	int soerr = 0, resent = 0;
	socklen_t sl = sizeof soerr, tl = sizeof ti;

	memset(&r, 0, sizeof r);
	r.rx_real_ns = time_real_ns();
	if (conn->done >= 0)
		soerr = conn->done;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 && ti.tcpi_total_retrans > 0)
		resent = 1;
	r.tid = conn->tid;
	r.seq = conn->seq;
	r.peer = conn->peer;
	r.peerlen = conn->peerlen;
	/* Released before the callback: the monitor may call forget() from
	 * it, and must not find this socket. */
	tcp_connect_release(p, conn);
	switch (soerr) {
	case 0:
		r.result = PROBE_OK;
		break;
	case ECONNREFUSED:
		r.result = PROBE_REFUSED;
		break;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENONET:
		r.result = PROBE_UNREACH;
		break;
	case ETIMEDOUT:
		/* The kernel gave up: the monitor's own timeout decides. */
		return;
	default:
		p->c.received++;
		p->c.malformed++;
		return;
	}
	p->c.received++;
	if (resent)
		return;
	p->c.matched++;
	p->cb(&r, p->arg);
}

/* Start connecting to `to` for probe (tid, seq); see probe.h. */
static int
tcp_connect_send(struct probe *p, const struct sockaddr *to, socklen_t tolen, uint32_t tid,
		 uint64_t seq)
{
	struct linger lg = { 1, 0 };
	struct tcp_conn *conn;
	size_t b;
	int fd, err, done = -1, one = 1;

	if (to->sa_family != p->family || tolen > sizeof conn->peer) {
		p->c.send_errors++;
		return EINVAL;
	}
	if (p->active >= p->max) {
		p->c.send_errors++;
		return EMFILE;
	}
	fd = socket(p->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		err = errno;
		p->c.send_errors++;
		return err;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0)
		goto fail;
	/* Fewer useless retransmissions; best effort. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof one);
	if (connect(fd, to, tolen) == 0)
		done = 0;
	else if (errno == ECONNREFUSED)
		done = ECONNREFUSED; /* answered already (loopback): still an answer */
	else if (errno != EINPROGRESS)
		goto fail;
	if ((conn = p->free) != NULL)
		p->free = conn->next;
	else
		conn = xcalloc(1, sizeof *conn);
	conn->p = p;
	conn->fd = fd;
	conn->tid = tid;
	conn->seq = seq;
	memcpy(&conn->peer, to, tolen);
	conn->peerlen = tolen;
	conn->done = done;
	/* A connect that completed at once is still reported from the loop,
	 * never from inside send(): the event is made active by hand. */
	conn->ev = event_new(p->base, fd, EV_WRITE, tcp_connect_on_writable, conn);
	if (conn->ev == NULL || event_priority_set(conn->ev, 0) != 0 ||
	    (done < 0 && event_add(conn->ev, NULL) != 0)) {
		if (conn->ev != NULL)
			event_free(conn->ev);
		conn->ev = NULL;
		close(fd);
		conn->fd = -1;
		conn->next = p->free;
		p->free = conn;
		p->c.send_errors++;
		return ENOMEM;
	}
	if (done >= 0)
		event_active(conn->ev, EV_WRITE, 1);
	b = tcp_connect_bucket(tid, seq);
	conn->next = p->buckets[b];
	p->buckets[b] = conn;
	p->active++;
	p->c.sent++;
	return 0;
fail:
	err = errno;
	close(fd);
	p->c.send_errors++;
	return err;
}

/* Open connect mode for family: no socket until the first probe. */
static struct probe *
tcp_connect_open(struct event_base *base, int family, const uint64_t key[2], probe_reply_cb cb,
		 void *arg, char *err, size_t errlen)
{
	struct probe *p;

	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, errlen, "tcp: address family %d not supported", family);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->base = base;
	p->family = family;
	p->cb = cb;
	p->arg = arg;
	p->max = fdlimit_probe_cap(fdlimit_current());
	if (p->max > TCP_CONNECT_MAX)
		p->max = TCP_CONNECT_MAX;
	return p;
}

/* The monitor timed probe (tid, seq) out: close its socket if still open. */
static void
tcp_connect_forget(struct probe *p, uint32_t tid, uint64_t seq)
{
	struct tcp_conn *conn;

	for (conn = p->buckets[tcp_connect_bucket(tid, seq)]; conn != NULL; conn = conn->next) {
		if (conn->tid == tid && conn->seq == seq) {
			tcp_connect_release(p, conn);
			return;
		}
	}
}

/* The mechanism in use. */
static const char *
tcp_connect_mode(const struct probe *p)
{
	return "connect()";
}

/* Copy the counters out. */
static void
tcp_connect_counters(const struct probe *p, struct probe_counters *out)
{
	*out = p->c;
}

/* Release every open socket (events first), then the pool. */
static void
tcp_connect_close(struct probe *p)
{
	struct tcp_conn *conn;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < TCP_CONNECT_BUCKETS; i++)
		while ((conn = p->buckets[i]) != NULL)
			tcp_connect_release(p, conn);
	while ((conn = p->free) != NULL) {
		p->free = conn->next;
		free(conn);
	}
	free(p);
}

const struct probe_ops probe_tcp_connect_ops = {
	.name = "tcp",
	.open = tcp_connect_open,
	.send = tcp_connect_send,
	.forget = tcp_connect_forget,
	.mode = tcp_connect_mode,
	.counters = tcp_connect_counters,
	.close = tcp_connect_close,
};
