/* SPDX-License-Identifier: ISC */
/*
 * icmp.c: the ICMP echo probe kind, IPv4 and IPv6, on a raw socket when we
 * may open one and on an unprivileged datagram ("ping") socket otherwise.
 *
 * What the kernel hands back, by socket kind (measured on Linux 6.x):
 *
 *   raw       echo replies and every ICMP error, with the IPv4 header, on
 *             the normal queue. With IP_RECVERR/IPV6_RECVERR each error that
 *             quotes an ICMP packet of ours is *also* put on the error queue
 *             (the quoted ICMP header and payload, the reporter as offender).
 *             Those copies are drained and dropped: the normal queue already
 *             gave us the same packet.
 *   datagram  only echo replies carrying the socket's identifier, without
 *             IP header, on the normal queue; ICMP errors arrive only on the
 *             error queue, quoting our request from its ICMP header on.
 *
 * Both kinds also raise a pending socket error for each ICMP error, which
 * the next recvmsg (and, on datagram sockets, the next sendto) reports once.
 * A local neighbour resolution failure reaches us as an ordinary ICMP "host
 * unreachable" from our own address, so it is handled like a remote one.
 * SO_EE_ORIGIN_LOCAL errors carry no payload: they cannot be tied to a
 * probe and are counted as foreign.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/errqueue.h>
#include <linux/sock_diag.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "probes/icmp_pkt.h"
#include "probes/probe.h"
#include "probes/rxdrop.h"

#define ICMP_BATCH 64 /* messages per recvmmsg */
/* Messages per callback, so that one busy socket (a flood) cannot starve
 * the loop for long: 1024 is 10 ms of replies at 100 000 a second, and
 * what a longer stall leaves queued is read in the rounds after it (the
 * replies carry kernel timestamps, so reading them late changes no RTT). */
#define ICMP_READ_MAX 1024
/* A scheduler round's read (poll mode 0) goes on past that cap until it
 * reads a packet that arrived after the read began: every reply queued
 * before the round is read before the round calls any probe lost (a
 * flood arriving meanwhile does not hold it). This bounds it in case
 * timestamps are missing or wrong. */
#define ICMP_DRAIN_MAX  (1 << 20)
#define ICMP_ERRQ_MAX   64   /* error-queue messages per callback */
#define ICMP_RX_LEN     1536 /* anything longer cannot be about a 64-byte probe */
#define ICMP_RCVBUF     (4 << 20)
#define ICMP_CTL_LEN    64  /* SCM_TIMESTAMPNS and SO_RXQ_OVFL */
#define ICMP_ERRCTL_LEN 256 /* sock_extended_err, offender address, timestamp */

struct probe {
	struct event *ev;
	int fd;
	int raw;
	int errq_due; /* the error queue may hold something: read it next time */
	struct icmp_pkt_ctx ctx;
	probe_reply_cb cb;
	void *cbarg;
	struct probe_counters n;
	struct rxdrop drops; /* the socket's receive drops (rxdrop.h) */
	/* IPv6: the kernel's drop counter also counts ICMPv6 packets it threw
	 * away for a bad checksum, which anyone can send at will; those are
	 * taken off with the namespace's Icmp6InErrors (icmp6_overflow). */
	uint32_t drops0; /* the counter at open */
	uint64_t inerr0; /* Icmp6InErrors at open */
	uint32_t fed;    /* the largest corrected count handed to rxdrop */

	/* One recvmmsg batch, set up once at open. */
	struct mmsghdr msgs[ICMP_BATCH];
	struct iovec iov[ICMP_BATCH];
	struct sockaddr_storage from[ICMP_BATCH];
	union {
		char buf[ICMP_CTL_LEN];
		struct cmsghdr align;
	} ctl[ICMP_BATCH];
	uint8_t rx[ICMP_BATCH][ICMP_RX_LEN];
};

/* The address bytes of sa if it is a complete address of family, else NULL. */
static const void *
icmp_addr_bytes(int family, const struct sockaddr *sa, socklen_t len)
{
	if (family == AF_INET && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return &((const struct sockaddr_in *)sa)->sin_addr;
	if (family == AF_INET6 && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return &((const struct sockaddr_in6 *)sa)->sin6_addr;
	return NULL;
}

/* Make a port-less socket address of family from raw address bytes. */
static void
icmp_make_sockaddr(struct sockaddr_storage *ss, socklen_t *len, int family, const uint8_t *addr)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		*len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		*len = sizeof *sin6;
	}
}

/* The kernel receive time of m, or now (read once per callback) if it has
 * none; *ovfl the socket's drop counter when m was queued (0 if absent). */
static int64_t
icmp_rx_meta(struct msghdr *m, int64_t *now, uint32_t *ovfl)
{
	struct cmsghdr *cm;
	struct timespec ts;
	int64_t rx = 0;

	*ovfl = 0;
	for (cm = CMSG_FIRSTHDR(m); cm != NULL; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_TIMESTAMPNS && cm->cmsg_len >= CMSG_LEN(sizeof ts)) {
			memcpy(&ts, CMSG_DATA(cm), sizeof ts);
			rx = (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		} else if (cm->cmsg_type == SO_RXQ_OVFL && cm->cmsg_len >= CMSG_LEN(sizeof *ovfl))
			memcpy(ovfl, CMSG_DATA(cm), sizeof *ovfl);
	}
	if (rx != 0)
		return rx;
	if (*now == 0)
		*now = time_real_ns();
	return *now;
}

/* The kernel receive time of m (error queue: no drop counter there). */
static int64_t
icmp_rx_time(struct msghdr *m, int64_t *now)
{
	uint32_t ovfl;

	return icmp_rx_meta(m, now, &ovfl);
}

/* Count a classified packet; hand OK and UNREACH to the callback. */
static void
icmp_deliver(struct probe *p, enum icmp_pkt_class k, const struct icmp_pkt_info *info,
	     struct probe_reply *r)
{
	switch (k) {
	case ICMP_PKT_OK:
	case ICMP_PKT_UNREACH:
		r->tid = info->tid;
		r->seq = info->seq;
		r->result = k == ICMP_PKT_OK ? PROBE_OK : PROBE_UNREACH;
		p->n.matched++;
		p->cb(r, p->cbarg);
		break;
	case ICMP_PKT_BAD_CHECK:
		p->n.bad_check++;
		break;
	case ICMP_PKT_FOREIGN:
		p->n.foreign++;
		break;
	case ICMP_PKT_MALFORMED:
		p->n.malformed++;
		break;
	}
}

/* Classify one packet from the normal receive queue; returns its receive time. */
static int64_t
icmp_handle_packet(struct probe *p, struct msghdr *m, const uint8_t *buf, size_t len, int64_t *now)
{
	struct icmp_pkt_info info;
	struct probe_reply r;
	enum icmp_pkt_class k;
	const void *src;
	uint32_t ovfl;

	p->n.received++;
	/* Every packet, ours or not, tells the drop counter as of its arrival. */
	r.rx_real_ns = icmp_rx_meta(m, now, &ovfl);
	if (p->ctx.family == AF_INET)
		rxdrop_seen(&p->drops, ovfl, r.rx_real_ns);
	if (m->msg_flags & MSG_TRUNC) {
		p->n.foreign++;
		return r.rx_real_ns;
	}
	src = icmp_addr_bytes(p->ctx.family, m->msg_name, m->msg_namelen);
	if (src == NULL) {
		p->n.malformed++;
		return r.rx_real_ns;
	}
	k = icmp_pkt_parse(&p->ctx, buf, len, src, &info);
	if (k == ICMP_PKT_OK) {
		/* The whole slot: the kernel wrote namelen bytes, the rest is zero. */
		r.peer = *(const struct sockaddr_storage *)m->msg_name;
		r.peerlen = m->msg_namelen;
		memset(&r.reporter, 0, sizeof r.reporter);
	} else if (k == ICMP_PKT_UNREACH) {
		icmp_make_sockaddr(&r.peer, &r.peerlen, p->ctx.family, info.dst);
		memset(&r.reporter, 0, sizeof r.reporter);
		memcpy(&r.reporter, m->msg_name, m->msg_namelen);
	} else {
		icmp_deliver(p, k, &info, &r);
		return r.rx_real_ns;
	}
	icmp_deliver(p, k, &info, &r);
	return r.rx_real_ns;
}

/* The extended error of an error-queue message, with its offender address if complete. */
static const struct sock_extended_err *
icmp_errqueue_ee(struct msghdr *m, int family, const struct sockaddr **offender)
{
	struct cmsghdr *cm;
	const struct sock_extended_err *ee;
	size_t salen;

	salen = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	for (cm = CMSG_FIRSTHDR(m); cm != NULL; cm = CMSG_NXTHDR(m, cm)) {
		if (!(cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) &&
		    !(cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR))
			continue;
		if (cm->cmsg_len < CMSG_LEN(sizeof *ee))
			return NULL;
		ee = (const struct sock_extended_err *)CMSG_DATA(cm);
		*offender = NULL;
		if (cm->cmsg_len >= CMSG_LEN(sizeof *ee + salen))
			*offender = SO_EE_OFFENDER(ee);
		return ee;
	}
	return NULL;
}

/*
 * Drain the error queue: ICMP errors about our probes on datagram sockets,
 * duplicates of what the normal queue gave us on raw sockets.
 */
static void
icmp_read_errqueue(struct probe *p, int64_t *now)
{
	uint8_t buf[ICMP_RX_LEN];
	union {
		char buf[ICMP_ERRCTL_LEN];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage from;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr m;
	const struct sock_extended_err *ee;
	const struct sockaddr *offender;
	const void *dst;
	struct icmp_pkt_info info;
	struct probe_reply r;
	enum icmp_pkt_class k;
	ssize_t len;
	int i, from_icmp;

	for (i = 0; i < ICMP_ERRQ_MAX; i++) {
		memset(&m, 0, sizeof m);
		m.msg_name = &from;
		m.msg_namelen = sizeof from;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof ctl.buf;
		len = recvmsg(p->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("icmp: error queue: %s", strerror(errno));
			return;
		}
		ee = icmp_errqueue_ee(&m, p->ctx.family, &offender);
		from_icmp = ee != NULL && (ee->ee_origin == SO_EE_ORIGIN_ICMP ||
					   ee->ee_origin == SO_EE_ORIGIN_ICMP6);
		if (p->raw && from_icmp)
			continue; /* the raw socket read the ICMP error itself */
		p->n.received++;
		if (ee == NULL) {
			p->n.malformed++;
			continue;
		}
		dst = icmp_addr_bytes(p->ctx.family, (struct sockaddr *)&from, m.msg_namelen);
		if (!from_icmp || dst == NULL || (m.msg_flags & MSG_TRUNC)) {
			p->n.foreign++;
			continue;
		}
		k = icmp_pkt_parse_quoted(&p->ctx, buf, (size_t)len, dst, &info);
		if (k == ICMP_PKT_UNREACH) {
			memset(&r.peer, 0, sizeof r.peer);
			memcpy(&r.peer, &from, m.msg_namelen);
			r.peerlen = m.msg_namelen;
			memset(&r.reporter, 0, sizeof r.reporter);
			if (offender != NULL && offender->sa_family == p->ctx.family)
				memcpy(&r.reporter, offender,
				       p->ctx.family == AF_INET ? sizeof(struct sockaddr_in)
								: sizeof(struct sockaddr_in6));
			r.rx_real_ns = icmp_rx_time(&m, now);
		}
		icmp_deliver(p, k, &info, &r);
	}
	p->errq_due = 1; /* stopped at the cap: come back for the rest */
}

/*
 * The socket is readable, or has an error queued (EPOLLERR wakes an EV_READ
 * event too), or a scheduler round reads before it expires anything
 * (until: its start, CLOCK_REALTIME; 0 from the event). Drain the normal
 * queue in recvmmsg batches, up to a cap, or for a round up to the first
 * packet that arrived after until. The error queue costs a syscall, so it
 * is read only when something says it holds news: a pending socket error
 * reported by recvmmsg, a wakeup with nothing on the normal queue, or a
 * flag left by send().
 */
static void
icmp_read(struct probe *p, int fd, int64_t until)
{
	int64_t now = 0, last = 0;
	int got = 0, n, i, tries, errq = p->errq_due;
	int max = until ? ICMP_DRAIN_MAX : ICMP_READ_MAX;

	p->errq_due = 0;
	for (tries = 0; tries < max / ICMP_BATCH + 2 && got < max; tries++) {
		for (i = 0; i < ICMP_BATCH; i++) {
			p->msgs[i].msg_hdr.msg_namelen = sizeof p->from[i];
			p->msgs[i].msg_hdr.msg_controllen = sizeof p->ctl[i].buf;
		}
		n = recvmmsg(fd, p->msgs, ICMP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (got == 0)
					errq = 1;
				break;
			}
			/* A pending socket error, consumed by this call: the
			 * message behind it waits on the error queue. */
			if (errno != EINTR)
				errq = 1;
			continue;
		}
		for (i = 0; i < n; i++)
			last = icmp_handle_packet(p, &p->msgs[i].msg_hdr, p->rx[i],
						  p->msgs[i].msg_len, &now);
		got += n;
		if (n < ICMP_BATCH || (until && last >= until))
			break;
	}
	if (got >= max)
		errq = 1; /* we may not have seen a pending error: look anyway */
	if (errq)
		icmp_read_errqueue(p, &now);
}

/* The socket's read event. */
static void
icmp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	icmp_read(arg, fd, 0);
}

/* Set an int socket option; 0 or -1 with a reason in err. */
static int
icmp_setsockopt_int(int fd, int level, int name, int val, const char *what, char *err,
		    size_t errlen)
{
	if (setsockopt(fd, level, name, &val, sizeof val) == 0)
		return 0;
	snprintf(err, errlen, "icmp: setsockopt %s: %s", what, strerror(errno));
	return -1;
}

/* Filters, timestamps, error queue and buffer size on a fresh socket. */
static int
icmp_setup_socket(int fd, int family, int raw, char *err, size_t errlen)
{
	int rcvbuf = ICMP_RCVBUF;

	if (raw && family == AF_INET) {
		/* Bits set are dropped: a raw socket otherwise sees every ICMP
		 * packet the host receives, its own echo requests on loopback
		 * included. */
		struct icmp_filter f;

		f.data = ~((1U << ICMP_ECHOREPLY) | (1U << ICMP_DEST_UNREACH) |
			   (1U << ICMP_TIME_EXCEEDED));
		if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof f) < 0) {
			snprintf(err, errlen, "icmp: setsockopt ICMP_FILTER: %s", strerror(errno));
			return -1;
		}
	} else if (raw) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f) < 0) {
			snprintf(err, errlen, "icmp6: setsockopt ICMP6_FILTER: %s",
				 strerror(errno));
			return -1;
		}
	}
	/* FORCE passes net.core.rmem_max, with CAP_NET_ADMIN; a short buffer is
	 * only a risk under bursts, so failing both is not fatal. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0)
		log_warn("icmp: setsockopt SO_RCVBUF");
	if (icmp_setsockopt_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS", err, errlen) <
		    0 ||
	    icmp_setsockopt_int(fd, SOL_SOCKET, SO_RXQ_OVFL, 1, "SO_RXQ_OVFL", err, errlen) < 0)
		return -1;
	if (family == AF_INET)
		return icmp_setsockopt_int(fd, IPPROTO_IP, IP_RECVERR, 1, "IP_RECVERR", err,
					   errlen);
	return icmp_setsockopt_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1, "IPV6_RECVERR", err, errlen);
}

/* Open a raw ICMP socket, or a datagram one without CAP_NET_RAW; -1 with err set. */
static int
icmp_open_socket(int family, int *raw, char *err, size_t errlen)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd, rawerr;

	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd >= 0) {
		*raw = 1;
		return fd;
	}
	rawerr = errno;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd >= 0) {
		*raw = 0;
		return fd;
	}
	snprintf(err, errlen, "%s: raw socket: %s; datagram socket: %s%s",
		 family == AF_INET ? "icmp" : "icmp6", strerror(rawerr), strerror(errno),
		 errno == EACCES ? " (our group is outside sysctl net.ipv4.ping_group_range)" : "");
	return -1;
}

/* Free the event, then close the socket; NULL is a no-op. */
static void
icmp_close(struct probe *p)
{
	if (p == NULL)
		return;
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

/* probe_ops.open for ICMP: socket, options, one persistent read event. */
/* The namespace's Icmp6InErrors (/proc/net/snmp6): ICMPv6 packets the
 * kernel found bad (a checksum, a truncation); 0 when unreadable. */
static uint64_t
icmp6_in_errors(void)
{
	char name[64];
	unsigned long long v;
	uint64_t r = 0;
	FILE *f = fopen("/proc/net/snmp6", "re");

	if (f == NULL)
		return 0;
	while (fscanf(f, "%63s %llu", name, &v) == 2)
		if (strcmp(name, "Icmp6InErrors") == 0) {
			r = v;
			break;
		}
	fclose(f);
	return r;
}

static struct probe *
icmp_open(struct event_base *base, int family, const uint64_t key[2], probe_reply_cb cb, void *arg,
	  char *err, size_t errlen)
{
	struct probe *p;
	int fd, raw, i;

	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, errlen, "icmp: address family %d is not IPv4 or IPv6", family);
		return NULL;
	}
	if ((fd = icmp_open_socket(family, &raw, err, errlen)) < 0)
		return NULL;
	if (icmp_setup_socket(fd, family, raw, err, errlen) < 0) {
		close(fd);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->fd = fd;
	p->raw = raw;
	p->cb = cb;
	p->cbarg = arg;
	p->ctx.key[0] = key[0];
	p->ctx.key[1] = key[1];
	p->ctx.ident = icmp_pkt_ident(key);
	p->ctx.family = family;
	p->ctx.raw = raw;
	rxdrop_init(&p->drops, 0, time_real_ns());
	if (family == AF_INET6) {
		uint32_t mem[SK_MEMINFO_VARS];
		socklen_t len = sizeof mem;

		p->inerr0 = icmp6_in_errors();
		if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
		    len > SK_MEMINFO_DROPS * sizeof mem[0])
			p->drops0 = mem[SK_MEMINFO_DROPS];
		p->fed = p->drops0;
		rxdrop_seen(&p->drops, p->drops0, time_real_ns());
	}
	for (i = 0; i < ICMP_BATCH; i++) {
		p->iov[i].iov_base = p->rx[i];
		p->iov[i].iov_len = sizeof p->rx[i];
		p->msgs[i].msg_hdr.msg_name = &p->from[i];
		p->msgs[i].msg_hdr.msg_iov = &p->iov[i];
		p->msgs[i].msg_hdr.msg_iovlen = 1;
		p->msgs[i].msg_hdr.msg_control = p->ctl[i].buf;
	}
	p->ev = event_new(base, fd, EV_READ | EV_PERSIST, icmp_read_cb, p);
	if (p->ev == NULL || event_add(p->ev, NULL) < 0) {
		snprintf(err, errlen, "icmp: cannot register the socket's read event");
		icmp_close(p);
		return NULL;
	}
	log_debug("%s: %s, identifier %u", family == AF_INET ? "icmp" : "icmp6",
		  raw ? "raw socket" : "datagram socket", p->ctx.ident);
	return p;
}

/*
 * probe_ops.send: one echo request, built on the stack, one sendto. A
 * datagram socket reports a pending socket error left by an ICMP error about
 * any earlier probe on the next sendto, and drops that packet: the error may
 * belong to another target. The ICMP error itself still waits on the error
 * queue, so flag it and send once more to learn whether this destination
 * fails too. Raw sockets do not report pending errors on send.
 */
static int
icmp_send(struct probe *p, const struct sockaddr *to, socklen_t tolen, uint32_t tid, uint64_t seq)
{
	uint8_t pkt[ICMP_PKT_LEN];
	const void *dst;
	size_t len;
	int err;

	if ((dst = icmp_addr_bytes(p->ctx.family, to, tolen)) == NULL) {
		p->n.send_errors++;
		return EAFNOSUPPORT;
	}
	len = icmp_pkt_build(pkt, sizeof pkt, &p->ctx, dst, tid, seq);
	if (sendto(p->fd, pkt, len, MSG_DONTWAIT, to, tolen) >= 0) {
		p->n.sent++;
		return 0;
	}
	err = errno;
	if (!p->raw && err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS) {
		p->errq_due = 1;
		if (sendto(p->fd, pkt, len, MSG_DONTWAIT, to, tolen) >= 0) {
			p->n.sent++;
			return 0;
		}
		err = errno;
	}
	p->n.send_errors++;
	return err;
}

/*
 * An IPv6 socket's drops that can be overflow: the counter's growth since
 * open less the ICMPv6 packets the kernel found bad meanwhile (it drops
 * those at a raw ICMPv6 socket and counts them there: a forger sending bad
 * checksums would otherwise blind the monitor). Never decreasing.
 */
static uint32_t
icmp6_overflow(struct probe *p, uint32_t raw)
{
	uint64_t bad = icmp6_in_errors() - p->inerr0;
	uint32_t grown = raw - p->drops0, v;

	v = p->drops0 + (bad >= grown ? 0 : grown - (uint32_t)bad);
	if ((int32_t)(v - p->fed) > 0)
		p->fed = v;
	return p->fed;
}

/* probe_ops.rxdrops: drops the packets revealed, and with ask the
 * kernel's counter now (SO_MEMINFO), which catches drops no later packet
 * has told of yet. */
static int
icmp_rxdrops(struct probe *p, int ask, struct probe_rxdrop *out)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof mem;

	if (ask) {
		int64_t now = time_real_ns();

		if (getsockopt(p->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
		    len > SK_MEMINFO_DROPS * sizeof mem[0])
			rxdrop_seen(&p->drops,
				    p->ctx.family == AF_INET
					    ? mem[SK_MEMINFO_DROPS]
					    : icmp6_overflow(p, mem[SK_MEMINFO_DROPS]),
				    now);
	}
	p->n.rx_drops = p->drops.total;
	return rxdrop_take(&p->drops, out);
}

/* probe_ops.rcvbuf: ask for want bytes of receive buffer. The kernel
 * doubles what it is given (half is its own bookkeeping) and reports the
 * doubled figure, so half of want is asked for. SO_RCVBUFFORCE passes
 * net.core.rmem_max with CAP_NET_ADMIN; without it SO_RCVBUF is capped
 * there, and the cap is read back to name it. */
static void
icmp_rcvbuf(struct probe *p, size_t want, size_t *got, size_t *cap)
{
	int ask = want / 2 > INT32_MAX ? INT32_MAX : (int)(want / 2), have = 0;
	socklen_t len = sizeof have;
	FILE *f;
	unsigned long max;

	if (ask < 1024)
		ask = 1024;
	*cap = 0;
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &ask, sizeof ask) < 0 &&
	    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &ask, sizeof ask) < 0)
		log_warn("icmp: setsockopt SO_RCVBUF");
	if (getsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &have, &len) < 0)
		have = 0;
	*got = (size_t)have;
	if (*got < want && (f = fopen("/proc/sys/net/core/rmem_max", "re")) != NULL) {
		if (fscanf(f, "%lu", &max) == 1)
			*cap = max;
		fclose(f);
	}
}

/* probe_ops.mode: which mechanism open() got. */
static const char *
icmp_mode(const struct probe *p)
{
	return p->raw ? "raw socket" : "datagram socket (unprivileged)";
}

/* probe_ops.counters: a copy of the packet counters. */
static void
icmp_counters(const struct probe *p, struct probe_counters *out)
{
	*out = p->n;
}

/* Polled mode (probe.h): drop or restore the read event, or read now. */
static void
icmp_poll(struct probe *p, int mode)
{
	if (mode > 0)
		event_del(p->ev);
	else if (mode < 0)
		event_add(p->ev, NULL);
	else
		icmp_read(p, event_get_fd(p->ev), time_real_ns());
}

const struct probe_ops probe_icmp_ops = {
	.name = "icmp",
	.open = icmp_open,
	.send = icmp_send,
	.poll = icmp_poll,
	.rxdrops = icmp_rxdrops,
	.rcvbuf = icmp_rcvbuf,
	.mode = icmp_mode,
	.counters = icmp_counters,
	.close = icmp_close,
};
