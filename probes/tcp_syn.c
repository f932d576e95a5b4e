/* SPDX-License-Identifier: ISC */
/*
 * tcp_syn.c: TCP SYN probes ("tcpping"): hand-built SYNs out of a raw
 * socket, replies read with libpcap, matched statelessly (tcp_pkt.h).
 *
 * Out: IPv4 uses an IPPROTO_RAW socket (we write the IP header, the kernel
 * fills in id and header checksum); IPv6 a raw IPPROTO_TCP socket (the
 * kernel writes the IPv6 header). The TCP checksum covers a pseudo-header
 * with our source address, which we learn once per target by connecting a
 * UDP socket to it and reading getsockname() (a route lookup, no packet),
 * and again every TCP_SYN_SRC_REFRESH sends in case the route changed.
 *
 * In: one pcap handle per probe on "any", inbound only, immediate mode,
 * nanosecond timestamps, non-blocking, its selectable fd on the event loop.
 * A reply names the target (its source address and port) but not the target
 * index; a small hash table maps (address, port) to the indexes probing it,
 * and each candidate's cookie is checked (usually exactly one).
 *
 * Half-open connections: no socket owns our source ports, so the prober's
 * kernel answers every SYN-ACK with a RST and the target drops the
 * embryonic connection at once. The integration test checks this with ss.
 *
 * Without the privileges for a raw socket or a capture, open() fails with
 * the reason; the monitor decides whether to use probe_tcp_connect_ops
 * instead (--tcp-mode auto) or to stop (--tcp-mode raw).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/filter.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <pcap/pcap.h>

#include "lib/log.h"
#include "lib/siphash.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "probes/probe.h"
#include "probes/rxdrop.h"
#include "probes/tcp_pkt.h"

#define TCP_SYN_SRC_REFRESH  4096       /* sends between source-address lookups */
#define TCP_SYN_MAX_TID      (1u << 24) /* target indexes we keep state for */
#define TCP_SYN_PCAP_BUFFER  (4 << 20)  /* kernel capture buffer, bytes */
#define TCP_SYN_DISPATCH_MAX 4096       /* packets read per callback, so timers still run */
/* After a read, the capture's drop counter is read at most this often: a
 * syscall, and the only thing that moves the "no drops before" time on
 * (pcap gives no per-packet counter), so drop intervals start at most
 * this long before the drops. */
#define TCP_SYN_STATS_NS (10LL * 1000 * 1000)

/* What we know about one target index. */
struct tcp_syn_tid {
	uint64_t last_seq;  /* highest seq sent */
	uint8_t remote[16]; /* where it probes */
	uint8_t local[16];  /* our source address towards it */
	uint32_t scope;     /* IPv6 scope id of remote */
	uint32_t next;      /* next index + 1 in the same hash bucket, 0 ends */
	uint32_t sends;     /* since the source address was looked up */
	uint16_t rport;
	uint16_t off; /* source-port offset */
	uint8_t used;
};

struct probe {
	struct event_base *base;
	int family;
	uint64_t key[2];
	probe_reply_cb cb;
	void *arg;

	int rawfd;    /* SYNs out */
	int udpfd;    /* source-address lookups */
	pcap_t *pcap; /* replies in */
	enum tcp_pkt_link link;
	struct event *ev; /* the capture's fd */

	struct tcp_syn_tid *tids;
	uint32_t ntids;
	uint32_t *buckets; /* index + 1 of the first target in the bucket */
	uint32_t nbuckets; /* power of two, or 0 */
	uint32_t nused;

	struct probe_counters c;
	struct rxdrop drops; /* the capture's drops (rxdrop.h) */
	int64_t stats_real;  /* when pcap_stats was last read */
};

static void tcp_syn_close(struct probe *p);

/* Address bytes of a family. */
static size_t
tcp_syn_alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Bucket of a destination (address, port): a keyed hash, so replies an
 * attacker makes up cannot aim at one chain. */
static uint32_t
tcp_syn_bucket(const struct probe *p, const uint8_t *addr, uint16_t port)
{
	uint8_t in[18];

	memcpy(in, addr, 16);
	in[16] = (uint8_t)(port >> 8);
	in[17] = (uint8_t)port;
	return (uint32_t)siphash24(p->key, in, sizeof in) & (p->nbuckets - 1);
}

/* Unlink target index tid from its bucket. */
static void
tcp_syn_unlink(struct probe *p, uint32_t tid)
{
	struct tcp_syn_tid *t = &p->tids[tid];
	uint32_t *link = &p->buckets[tcp_syn_bucket(p, t->remote, t->rport)];

	while (*link != 0) {
		if (*link == tid + 1) {
			*link = t->next;
			t->next = 0;
			return;
		}
		link = &p->tids[*link - 1].next;
	}
}

/* Link target index tid into its bucket. */
static void
tcp_syn_link(struct probe *p, uint32_t tid)
{
	struct tcp_syn_tid *t = &p->tids[tid];
	uint32_t b = tcp_syn_bucket(p, t->remote, t->rport);

	t->next = p->buckets[b];
	p->buckets[b] = tid + 1;
}

/* Keep the bucket array at least twice the number of targets in use. */
static void
tcp_syn_grow_buckets(struct probe *p)
{
	uint32_t n = p->nbuckets ? p->nbuckets : 64, i;

	if (p->nbuckets != 0 && p->nused * 2 <= p->nbuckets)
		return;
	while (n < p->nused * 2)
		n *= 2;
	free(p->buckets);
	p->buckets = xcalloc(n, sizeof *p->buckets);
	p->nbuckets = n;
	for (i = 0; i < p->ntids; i++) {
		p->tids[i].next = 0;
		if (p->tids[i].used)
			tcp_syn_link(p, i);
	}
}

/* The state of target index tid, grown on first use. */
static struct tcp_syn_tid *
tcp_syn_tid_get(struct probe *p, uint32_t tid)
{
	uint32_t n;

	if (tid >= p->ntids) {
		n = p->ntids ? p->ntids : 16;
		while (n <= tid)
			n *= 2;
		p->tids = xreallocarray(p->tids, n, sizeof *p->tids);
		memset(p->tids + p->ntids, 0, (n - p->ntids) * sizeof *p->tids);
		p->ntids = n;
	}
	return &p->tids[tid];
}

/* Our source address towards t's destination: the kernel's route choice,
 * read from a UDP socket connected there (connect sends nothing). */
static int
tcp_syn_lookup_source(struct probe *p, struct tcp_syn_tid *t)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof ss);
	if (p->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(t->rport);
		memcpy(&sin->sin_addr, t->remote, 4);
		sl = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(t->rport);
		sin6->sin6_scope_id = t->scope;
		memcpy(&sin6->sin6_addr, t->remote, 16);
		sl = sizeof *sin6;
	}
	if (connect(p->udpfd, (struct sockaddr *)&ss, sl) < 0)
		return errno;
	sl = sizeof ss;
	if (getsockname(p->udpfd, (struct sockaddr *)&ss, &sl) < 0)
		return errno;
	if (p->family == AF_INET)
		memcpy(t->local, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(t->local, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	t->sends = 0;
	return 0;
}

/* Fill a sockaddr for addr:port of the probe's family. */
static socklen_t
tcp_syn_sockaddr(int family, const uint8_t *addr, uint16_t port, uint32_t scope,
		 struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, 4);
		return sizeof *sin;
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_scope_id = scope;
	memcpy(&sin6->sin6_addr, addr, 16);
	return sizeof *sin6;
}

/* Hand a verified reply to the monitor. */
static void
tcp_syn_deliver(struct probe *p, const struct tcp_pkt_info *in, enum tcp_pkt_class k, uint32_t tid,
		uint64_t seq, const struct pcap_pkthdr *h)
{
	struct probe_reply r;

	memset(&r, 0, sizeof r);
	r.tid = tid;
	r.seq = seq;
	r.result = k == TCP_PKT_SYNACK ? PROBE_OK
		   : k == TCP_PKT_RST  ? PROBE_REFUSED
				       : PROBE_UNREACH;
	/* Nanosecond precision was asked for: tv_usec holds nanoseconds. */
	r.rx_real_ns = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec;
	r.peerlen = tcp_syn_sockaddr(p->family, in->remote, in->rport, p->tids[tid].scope, &r.peer);
	if (k == TCP_PKT_UNREACH)
		tcp_syn_sockaddr(p->family, in->reporter, 0, 0, &r.reporter);
	p->c.matched++;
	p->cb(&r, p->arg);
}

/* One captured frame: classify, find whose probe it answers, deliver. */
static void
tcp_syn_on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct probe *p = (struct probe *)user;
	struct tcp_pkt_info in;
	enum tcp_pkt_class k;
	uint32_t i;
	uint64_t seq;
	int known = 0;

	p->c.received++;
	k = tcp_pkt_parse(p->link, bytes, h->caplen, &in);
	if (k == TCP_PKT_MALFORMED) {
		p->c.malformed++;
		return;
	}
	if (k == TCP_PKT_FOREIGN || in.family != p->family || p->nbuckets == 0) {
		p->c.foreign++;
		return;
	}
	for (i = p->buckets[tcp_syn_bucket(p, in.remote, in.rport)]; i != 0;
	     i = p->tids[i - 1].next) {
		const struct tcp_syn_tid *t = &p->tids[i - 1];

		if (t->rport != in.rport ||
		    memcmp(t->remote, in.remote, tcp_syn_alen(p->family)) != 0)
			continue;
		known = 1;
		if (tcp_pkt_verify(p->key, &in, i - 1, t->off, t->last_seq, &seq) == 0) {
			tcp_syn_deliver(p, &in, k, i - 1, seq, h);
			return;
		}
	}
	/* From a destination we probe, to our port range, but no cookie fits:
	 * a forgery, or an answer to a probe of an earlier run. */
	if (known)
		p->c.bad_check++;
	else
		p->c.foreign++;
}

/* Read the capture's cumulative drops (the ring's, and the interfaces'
 * where libpcap knows them) as of now. */
static void
tcp_syn_read_stats(struct probe *p, int64_t now)
{
	struct pcap_stat st;

	p->stats_real = now;
	if (pcap_stats(p->pcap, &st) == 0)
		rxdrop_seen(&p->drops, st.ps_drop + st.ps_ifdrop, now);
}

/* The capture fd is readable: read everything queued, within a bound. */
static void
tcp_syn_on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	int n, total = 0;

	while (total < TCP_SYN_DISPATCH_MAX) {
		n = pcap_dispatch(p->pcap, 256, tcp_syn_on_packet, (u_char *)p);
		if (n < 0) {
			log_warnx("tcp: pcap_dispatch: %s", pcap_geterr(p->pcap));
			break;
		}
		if (n == 0)
			break;
		total += n;
	}
	if (total > 0) {
		int64_t now = time_real_ns();

		if (now - p->stats_real >= TCP_SYN_STATS_NS)
			tcp_syn_read_stats(p, now);
	}
}

/* probe_ops.rxdrops: the capture's drops; with ask, read its counter now. */
static int
tcp_syn_rxdrops(struct probe *p, int ask, struct probe_rxdrop *out)
{
	if (ask)
		tcp_syn_read_stats(p, time_real_ns());
	p->c.rx_drops = p->drops.total;
	return rxdrop_take(&p->drops, out);
}

/* Send SYN (tid, seq) to `to`; see probe.h. */
static int
tcp_syn_send(struct probe *p, const struct sockaddr *to, socklen_t tolen, uint32_t tid,
	     uint64_t seq)
{
	struct tcp_syn_tid *t;
	struct sockaddr_storage dst;
	const uint8_t *addr;
	uint8_t pkt[TCP_PKT_SYN_MAX];
	uint16_t port, sport;
	uint32_t scope = 0;
	socklen_t dlen;
	size_t len;
	int err;

	if (to->sa_family != p->family || tid >= TCP_SYN_MAX_TID ||
	    tolen < (p->family == AF_INET ? sizeof(struct sockaddr_in)
					  : sizeof(struct sockaddr_in6))) {
		p->c.send_errors++;
		return EINVAL;
	}
	if (p->family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)to)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)to)->sin_port);
	} else {
		addr = (const uint8_t *)&((const struct sockaddr_in6 *)to)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)to)->sin6_port);
		scope = ((const struct sockaddr_in6 *)to)->sin6_scope_id;
	}
	t = tcp_syn_tid_get(p, tid);
	if (!t->used || t->rport != port || memcmp(t->remote, addr, tcp_syn_alen(p->family)) != 0) {
		/* First probe of this target (or it moved): (re)file it. */
		if (t->used)
			tcp_syn_unlink(p, tid);
		else {
			p->nused++;
			t->used = 1;
			t->last_seq = seq;
			t->off = tcp_pkt_sport_offset(p->key, tid);
		}
		memset(t->remote, 0, sizeof t->remote);
		memcpy(t->remote, addr, tcp_syn_alen(p->family));
		t->rport = port;
		t->scope = scope;
		t->sends = TCP_SYN_SRC_REFRESH;
		if (p->nused * 2 > p->nbuckets)
			tcp_syn_grow_buckets(p);
		else
			tcp_syn_link(p, tid);
	}
	if (t->sends >= TCP_SYN_SRC_REFRESH && (err = tcp_syn_lookup_source(p, t)) != 0) {
		p->c.send_errors++;
		return err;
	}
	t->sends++;
	if (seq > t->last_seq)
		t->last_seq = seq;
	sport = tcp_pkt_sport(t->off, seq);
	len = tcp_pkt_build_syn(
		pkt, sizeof pkt, p->family, t->local, t->remote, sport, port,
		tcp_pkt_cookie(p->key, p->family, t->local, t->remote, sport, port, tid, seq));
	/* Raw IPv6 sockets take the protocol, not a port, in sin6_port: 0. */
	dlen = tcp_syn_sockaddr(p->family, t->remote, 0, t->scope, &dst);
	if (sendto(p->rawfd, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&dst, dlen) < 0) {
		p->c.send_errors++;
		return errno;
	}
	p->c.sent++;
	return 0;
}

/* A raw socket that only sends: IPv6 raw TCP sockets also receive a copy
 * of every TCP segment, which a filter returning 0 discards in the kernel. */
static int
tcp_syn_raw_socket(int family, char *err, size_t errlen)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { 1, &drop };
	int fd, one = 1;

	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    family == AF_INET ? IPPROTO_RAW : IPPROTO_TCP);
	if (fd < 0) {
		snprintf(err, errlen, "raw socket: %s", strerror(errno));
		return -1;
	}
	if (family == AF_INET)
		(void)setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one);
	else if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
		snprintf(err, errlen, "raw socket filter: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Open the capture on "any" with the filter for family. */
static pcap_t *
tcp_syn_pcap_open(int family, enum tcp_pkt_link *link, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE], filter[512];
	struct bpf_program prog;
	pcap_t *pc;
	int rc, dlt;

	ebuf[0] = '\0';
	if ((pc = pcap_create("any", ebuf)) == NULL) {
		snprintf(err, errlen, "pcap_create: %s", ebuf);
		return NULL;
	}
	if (pcap_set_snaplen(pc, TCP_PKT_SNAPLEN) != 0 || pcap_set_immediate_mode(pc, 1) != 0 ||
	    pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO) != 0 ||
	    pcap_set_buffer_size(pc, TCP_SYN_PCAP_BUFFER) != 0 || pcap_set_promisc(pc, 0) != 0) {
		snprintf(err, errlen, "pcap settings refused");
		goto fail;
	}
	if ((rc = pcap_activate(pc)) < 0) {
		snprintf(err, errlen, "pcap_activate: %s", pcap_statustostr(rc));
		if (rc == PCAP_ERROR || rc == PCAP_ERROR_PERM_DENIED)
			snprintf(err, errlen, "pcap_activate: %s", pcap_geterr(pc));
		goto fail;
	}
	dlt = pcap_datalink(pc);
	if (dlt == DLT_LINUX_SLL)
		*link = TCP_PKT_LINK_SLL;
	else if (dlt == DLT_LINUX_SLL2)
		*link = TCP_PKT_LINK_SLL2;
	else if (dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6)
		*link = TCP_PKT_LINK_RAW;
	else {
		snprintf(err, errlen, "pcap: unexpected link type %d on \"any\"", dlt);
		goto fail;
	}
	if (pcap_setdirection(pc, PCAP_D_IN) != 0) {
		snprintf(err, errlen, "pcap_setdirection: %s", pcap_geterr(pc));
		goto fail;
	}
	if (tcp_pkt_filter(filter, sizeof filter, family) < 0 ||
	    pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "pcap_compile: %s", pcap_geterr(pc));
		goto fail;
	}
	rc = pcap_setfilter(pc, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "pcap_setfilter: %s", pcap_geterr(pc));
		goto fail;
	}
	if (pcap_setnonblock(pc, 1, ebuf) != 0) {
		snprintf(err, errlen, "pcap_setnonblock: %s", ebuf);
		goto fail;
	}
	return pc;
fail:
	pcap_close(pc);
	return NULL;
}

/*
 * Choose the source-port window once per process, away from the kernel's
 * local port range, which the host's own connections take their ports from
 * (see tcp_pkt_pick_sport_base). The range is per network namespace and
 * read where the monitor runs; a later change is not followed.
 */
static void
tcp_syn_pick_ports(void)
{
	static int done;
	unsigned lo = 32768, hi = 60999, base;
	FILE *f;

	if (done++)
		return;
	if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re")) != NULL) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 32768, hi = 60999;
		fclose(f);
	}
	if (tcp_pkt_pick_sport_base(lo, hi, &base) != 0)
		log_warnx("tcp: the local port range %u-%u leaves no %u source ports free: a SYN"
			  " probe that shares its port with a connection of this host to the same"
			  " target and port counts as lost",
			  lo, hi, TCP_PKT_SPORT_SPAN);
	tcp_pkt_sport_base = base;
	log_debug("tcp: SYN probes use source ports %u-%u (local port range %u-%u)", base,
		  base + TCP_PKT_SPORT_SPAN - 1, lo, hi);
}

/* Raw SYN out, pcap in: NULL with a reason when either is not available
 * (no privilege: "raw socket: Operation not permitted"). */
static struct probe *
tcp_syn_open(struct event_base *base, int family, const uint64_t key[2], probe_reply_cb cb,
	     void *arg, char *err, size_t errlen)
{
	struct probe *p;
	int fd;

	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, errlen, "tcp: address family %d not supported", family);
		return NULL;
	}
	tcp_syn_pick_ports();
	p = xcalloc(1, sizeof *p);
	p->base = base;
	p->family = family;
	p->key[0] = key[0];
	p->key[1] = key[1];
	p->cb = cb;
	p->arg = arg;
	p->rawfd = p->udpfd = -1;
	if ((p->rawfd = tcp_syn_raw_socket(family, err, errlen)) < 0)
		goto fail;
	if ((p->udpfd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "udp socket: %s", strerror(errno));
		goto fail;
	}
	if ((p->pcap = tcp_syn_pcap_open(family, &p->link, err, errlen)) == NULL)
		goto fail;
	{
		struct pcap_stat st;

		/* What the capture dropped before we looked is not ours to judge. */
		memset(&st, 0, sizeof st);
		pcap_stats(p->pcap, &st);
		rxdrop_init(&p->drops, st.ps_drop + st.ps_ifdrop, time_real_ns());
	}
	if ((fd = pcap_get_selectable_fd(p->pcap)) < 0) {
		snprintf(err, errlen, "pcap: no selectable fd");
		goto fail;
	}
	p->ev = event_new(base, fd, EV_READ | EV_PERSIST, tcp_syn_on_readable, p);
	/* Replies run before timers when both are ready (priority 0 is the
	 * highest whatever the number of priorities the base has). */
	if (p->ev == NULL || event_priority_set(p->ev, 0) != 0 || event_add(p->ev, NULL) != 0) {
		snprintf(err, errlen, "cannot register the capture on the event loop");
		goto fail;
	}
	return p;
fail:
	tcp_syn_close(p);
	return NULL;
}

/* The mechanism in use. */
static const char *
tcp_syn_mode(const struct probe *p)
{
	return "raw SYN + pcap";
}

/* Copy the counters out. */
static void
tcp_syn_counters(const struct probe *p, struct probe_counters *out)
{
	*out = p->c;
}

/* Free the event, then close the capture and the sockets. */
static void
tcp_syn_close(struct probe *p)
{
	if (p == NULL)
		return;
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->pcap != NULL)
		pcap_close(p->pcap);
	if (p->rawfd >= 0)
		close(p->rawfd);
	if (p->udpfd >= 0)
		close(p->udpfd);
	free(p->tids);
	free(p->buckets);
	free(p);
}

/* Polled mode (probe.h): drop or restore the capture event, or read now. */
static void
tcp_syn_poll(struct probe *p, int mode)
{
	if (mode > 0)
		event_del(p->ev);
	else if (mode < 0)
		event_add(p->ev, NULL);
	else
		tcp_syn_on_readable(event_get_fd(p->ev), EV_READ, p);
}

const struct probe_ops probe_tcp_syn_ops = {
	.name = "tcp",
	.open = tcp_syn_open,
	.send = tcp_syn_send,
	.poll = tcp_syn_poll,
	.forget = NULL, /* stateless: nothing to release */
	.mode = tcp_syn_mode,
	.counters = tcp_syn_counters,
	.close = tcp_syn_close,
	.rxdrops = tcp_syn_rxdrops,
	/* no .rcvbuf: the capture's buffer is fixed when it is activated */
};
