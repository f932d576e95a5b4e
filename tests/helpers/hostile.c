/*
 * hostile: hostile traffic on the wire towards the monitor, for
 * tests/integration/hostile.t (issue 7). It runs inside the target host's
 * network namespace (`ip netns exec NS_H1 hostile ...`) and sends only to
 * the monitor's addresses it is given, at a fixed rate, for a bounded time.
 *
 *   hostile flood --to4 ADDR [--to6 ADDR] --kinds LIST [--pps N]
 *                 (--duration D | --count N) [--start-delay D]
 *                 [--tcp-port P] [--linger D] [--seed N]
 *   hostile listen --port P --duration D
 *
 * flood sends the kinds of LIST round-robin (IPv4 kinds need --to4, IPv6
 * kinds --to6), every packet a whole IP datagram written through an
 * IPPROTO_RAW socket, so lengths, checksums and headers are exactly what
 * we choose. What hamon should make of each (icmp_pkt.h, tcp_pkt.h):
 *
 *   forge        echo reply with hamon's identifier, magic and version, a
 *                tid and seq it is probing now, a random check value and a
 *                correct checksum                          -> bad_check
 *   badsum       the same with a wrong ICMP checksum       -> malformed
 *   trunc        the same cut to ICMP length 0, 1, .. 63 in turn, checksum
 *                right for what is left                    -> malformed
 *                (lengths 8..11 end inside the magic: foreign)
 *   other        echo reply from another pinger: another identifier (every
 *                other one hamon's own) and an iputils payload -> foreign
 *   unreach-rand destination unreachable quoting a random UDP datagram
 *                                                          -> foreign
 *   unreach-hamon destination unreachable quoting a hamon-like echo request
 *                monitor -> host with a wrong check value  -> bad_check
 *   unreach-tcp  destination unreachable quoting a SYN monitor:49152+ ->
 *                host:--tcp-port with a random sequence number
 *                                      -> bad_check (TCP), foreign (ICMP)
 *   garbage      IP protocol 1, 1..128 random bytes; the type byte is one
 *                hamon's socket lets through (0, 3, 11) or a random one,
 *                never a request the kernel would answer   -> malformed
 *   tcp          SYN+ACK or RST+ACK from host:--tcp-port to a random port
 *                of the monitor's probe range, random seq/ack, correct
 *                checksum                                  -> bad_check (TCP)
 *   tcp-rand     the same from a random source port        -> foreign (TCP)
 *   replay       a real echo request of hamon's, seen earlier on this host,
 *                sent back as an echo reply (valid check): a duplicate of a
 *                reply already received, or stale once the seq is out of
 *                hamon's window                            -> no new reply
 *
 * and the same with a 6 appended (forge6, ..., replay6) over IPv6; "all4",
 * "all6" and "all" name every kind of a family. The kernel verifies ICMPv6
 * checksums itself, so badsum6 and garbage6 never reach hamon's socket.
 *
 * hamon's identifier and the tid/seq it is sending are learned by reading
 * its echo requests on this host (raw ICMP sockets that see every request
 * the host's kernel answers), so forgeries carry the right address,
 * identifier, tid and a seq around the one being probed, swept from 32
 * behind to 31 ahead of the seq predicted from the last request seen and
 * hamon's measured interval: while a fault drops the requests, forged
 * replies keep arriving for exactly the probes that are being lost. The
 * check value cannot be known without hamon's key, and that is the point.
 *
 * stdout: "ready" once the sockets are open, then at the end one line per
 * kind ("sent KIND N errors E"), what was learned ("seen4 ident 0xID
 * requests N other M", "seen4 tid T requests N seq A..B", the same for 6)
 * and "done sent=N errors=E elapsed_ms=T". Requests are read until the
 * flood is over and none has arrived for --linger (default 1 s), at most
 * 30 s more, so that the counts cover a whole run of the monitor.
 *
 * listen accepts connections on PORT (IPv4 and IPv6) and closes them at
 * once, for --duration; prints "listening PORT" and at the end "accepted N".
 *
 * Exit status: 0 done, 1 system failure, 2 usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/icmp.h>
#include <math.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HS_MAX_TIDS 16   /* target indexes tracked per family */
#define HS_HIST     4096 /* sniffed requests kept for replay, per family */
#define HS_PKT_MAX  256  /* largest packet we build */
#define HS_ECHO_LEN 64   /* hamon's echo message: 8 header + 56 payload */
#define HS_SPORT_BASE \
	49152 /* hamon's SYN source ports, when the monitor's local
                                 port range ends below 49152 (hostile.t sets it so) */
#define HS_SPORT_SPAN    16384
#define HS_MAX_NS        (3600LL * 1000000000LL)
#define HS_LINGER_MAX_NS (30LL * 1000000000LL)
#define HS_CATCHUP_NS    50000000LL /* further behind than this: drop the backlog */

enum hs_kind {
	HK_FORGE,
	HK_BADSUM,
	HK_TRUNC,
	HK_OTHER,
	HK_UNREACH_RAND,
	HK_UNREACH_HAMON,
	HK_UNREACH_TCP,
	HK_GARBAGE,
	HK_TCP,
	HK_TCP_RAND,
	HK_REPLAY,
	HK_NKINDS
};

static const char *const hs_kind_names[HK_NKINDS] = {
	"forge",       "badsum",  "trunc", "other",    "unreach-rand", "unreach-hamon",
	"unreach-tcp", "garbage", "tcp",   "tcp-rand", "replay",
};

/* One kind in one family, as listed on the command line. */
struct hs_job {
	enum hs_kind kind;
	int v6;
	uint64_t sent, errors, skipped;
};

/* What we learned about one target index from its echo requests. */
struct hs_tid {
	uint32_t tid;
	uint64_t n;
	uint64_t first_seq, last_seq;
	int64_t first_ns, last_ns;
};

/* What we learned about hamon's probes in one family. */
struct hs_learn {
	int have;
	uint16_t ident;
	uint64_t requests; /* hamon's echo requests seen */
	uint64_t other;    /* echo requests without hamon's magic */
	int64_t last_ns;   /* when the last one arrived */
	struct hs_tid tids[HS_MAX_TIDS];
	int ntids;
	uint8_t hist[HS_HIST][HS_ECHO_LEN];
	uint64_t nhist;
};

/* The whole run. */
struct hs {
	struct hs_job jobs[2 * HK_NKINDS];
	int njobs;
	int have4, have6;
	struct in_addr mon4, me4;
	struct in6_addr mon6, me6;
	int fd4, fd6; /* IPPROTO_RAW senders */
	int sn4, sn6; /* echo-request sniffers */
	struct hs_learn l4, l6;
	uint64_t rng;
	uint16_t tcp_port;
	uint64_t sweep, trunc_len, other_seq;
};

static volatile sig_atomic_t hs_stop;

/* SIGINT/SIGTERM: finish the current packet, then report and exit. */
static void
hs_on_signal(int sig)
{
	(void)sig;
	hs_stop = 1;
}

/* Monotonic clock in ns. */
static int64_t
hs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Print a usage error and exit 2. */
static void hs_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void
hs_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hostile: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: hostile flood --to4 ADDR [--to6 ADDR] --kinds LIST [--pps N]\n"
			"                     (--duration D | --count N) [--start-delay D]\n"
			"                     [--tcp-port P] [--linger D] [--seed N]\n"
			"       hostile listen --port P --duration D\n");
	exit(2);
}

/* A duration "10ms", "1.5s", "250us", "5000ns", within [0, 1 h]. */
static int64_t
hs_parse_duration(const char *what, const char *s)
{
	static const struct {
		const char *unit;
		double mul;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1e3 },
		{ "ms", 1e6 },
		{ "s", 1e9 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		hs_usage("%s: not a duration", what);
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit) == 0) {
			v *= units[i].mul;
			if (v > (double)HS_MAX_NS)
				hs_usage("%s: longer than 1 hour", what);
			return (int64_t)v;
		}
	}
	hs_usage("%s: a duration needs a unit ns, us, ms or s", what);
}

/* An integer in [lo, hi]. */
static uint64_t
hs_parse_uint(const char *what, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s == '-' || *s == '\0')
		hs_usage("%s: not a number", what);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		hs_usage("%s: out of range", what);
	return v;
}

/* xorshift64*: reproducible with --seed. */
static uint64_t
hs_rand(struct hs *h)
{
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 0x2545F4914F6CDD1DULL;
}

static void
hs_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
hs_put32(uint8_t *p, uint32_t v)
{
	hs_put16(p, (uint16_t)(v >> 16));
	hs_put16(p + 2, (uint16_t)v);
}

static void
hs_put64(uint8_t *p, uint64_t v)
{
	hs_put32(p, (uint32_t)(v >> 32));
	hs_put32(p + 4, (uint32_t)v);
}

static uint16_t
hs_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t
hs_get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* One's-complement sum of len bytes, added to sum (not folded). */
static uint32_t
hs_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

/* Fold and complement: the Internet checksum (RFC 1071). */
static uint16_t
hs_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The pseudo-header sum for proto over len bytes (IPv4 or IPv6). */
static uint32_t
hs_pseudo(const struct hs *h, int v6, uint8_t proto, size_t len)
{
	uint8_t b[40];
	size_t n;

	if (v6) {
		memcpy(b, &h->me6, 16);
		memcpy(b + 16, &h->mon6, 16);
		hs_put32(b + 32, (uint32_t)len);
		b[36] = b[37] = b[38] = 0;
		b[39] = proto;
		n = 40;
	} else {
		memcpy(b, &h->me4, 4);
		memcpy(b + 4, &h->mon4, 4);
		b[8] = 0;
		b[9] = proto;
		hs_put16(b + 10, (uint16_t)len);
		n = 12;
	}
	return hs_sum(0, b, n);
}

/* Fill in the ICMP(v6) checksum of msg (len bytes, field at 2), if it has one. */
static void
hs_icmp_csum(const struct hs *h, int v6, uint8_t *msg, size_t len)
{
	if (len < 4)
		return;
	msg[2] = msg[3] = 0;
	hs_put16(msg + 2, hs_fold(hs_sum(v6 ? hs_pseudo(h, 1, IPPROTO_ICMPV6, len) : 0, msg, len)));
}

/* hamon's 56-byte payload for (tid, seq) with the given check value. */
static void
hs_hamon_payload(uint8_t *pl, uint32_t tid, uint64_t seq, uint64_t check)
{
	memset(pl, 0, HS_ECHO_LEN - 8);
	memcpy(pl, "HAMN", 4);
	pl[4] = 1;
	hs_put32(pl + 8, tid);
	hs_put64(pl + 12, seq);
	hs_put64(pl + 20, check);
}

/*
 * A (tid, seq) hamon is probing about now: a target index seen (round
 * robin), and a seq swept over [-32, +31] around the one predicted from the
 * last request seen and the interval measured between the first and the last.
 * Nothing seen yet: tid 0 and seqs from 0 on.
 */
static void
hs_guess(struct hs *h, struct hs_learn *l, uint32_t *tid, uint64_t *seq)
{
	const struct hs_tid *t;
	int64_t iv, pred;
	int64_t off = (int64_t)(h->sweep++ % 64) - 32;

	if (l->ntids == 0) {
		*tid = 0;
		*seq = h->sweep % 64;
		return;
	}
	t = &l->tids[h->sweep % (uint64_t)l->ntids];
	*tid = t->tid;
	pred = (int64_t)t->last_seq;
	if (t->last_seq > t->first_seq && t->last_ns > t->first_ns) {
		iv = (t->last_ns - t->first_ns) / (int64_t)(t->last_seq - t->first_seq);
		if (iv > 0)
			pred += (hs_now() - t->last_ns) / iv;
	}
	pred += off;
	*seq = pred < 0 ? 0 : (uint64_t)pred;
}

/* hamon's identifier if we have seen it, else a random one. */
static uint16_t
hs_ident(struct hs *h, const struct hs_learn *l)
{
	return l->have ? l->ident : (uint16_t)hs_rand(h);
}

/* An echo reply in hamon's format with a wrong check value (64 bytes at msg). */
static void
hs_forged_echo(struct hs *h, int v6, uint8_t *msg, uint8_t type)
{
	struct hs_learn *l = v6 ? &h->l6 : &h->l4;
	uint32_t tid;
	uint64_t seq;

	hs_guess(h, l, &tid, &seq);
	msg[0] = type;
	msg[1] = 0;
	hs_put16(msg + 4, hs_ident(h, l));
	hs_put16(msg + 6, (uint16_t)seq);
	hs_hamon_payload(msg + 8, tid, seq, hs_rand(h));
	hs_icmp_csum(h, v6, msg, HS_ECHO_LEN);
}

/* An IPv4 (20 bytes) or IPv6 (40 bytes) header from src to dst; its length. */
static size_t
hs_ip_header(uint8_t *b, int v6, uint8_t proto, size_t payload, const void *src, const void *dst)
{
	if (v6) {
		hs_put32(b, 0x60000000);
		hs_put16(b + 4, (uint16_t)payload);
		b[6] = proto;
		b[7] = 64;
		memcpy(b + 8, src, 16);
		memcpy(b + 24, dst, 16);
		return 40;
	}
	b[0] = 0x45;
	b[1] = 0;
	hs_put16(b + 2, (uint16_t)(20 + payload));
	hs_put16(b + 4, 0);
	hs_put16(b + 6, 0);
	b[8] = 64;
	b[9] = proto;
	hs_put16(b + 10, 0);
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	/* Quoted headers need a checksum; the kernel fills in the outer one. */
	hs_put16(b + 10, hs_fold(hs_sum(0, b, 20)));
	return 20;
}

/* A TCP header (20 bytes) from sport to the monitor's dport, checksum filled in. */
static void
hs_tcp_segment(struct hs *h, int v6, uint8_t *t, uint16_t sport, uint16_t dport)
{
	memset(t, 0, 20);
	hs_put16(t, sport);
	hs_put16(t + 2, dport);
	hs_put32(t + 4, (uint32_t)hs_rand(h));
	hs_put32(t + 8, (uint32_t)hs_rand(h));
	t[12] = 5 << 4;
	t[13] = (hs_rand(h) & 1) ? 0x12 : 0x14; /* SYN+ACK or RST+ACK */
	hs_put16(t + 14, 64240);
	hs_put16(t + 16, hs_fold(hs_sum(hs_pseudo(h, v6, IPPROTO_TCP, 20), t, 20)));
}

/*
 * Build the payload of the IP datagram for job j at b: its length, the IP
 * protocol in *proto; 0 when there is nothing to send (replay before any
 * request was seen).
 */
static size_t
hs_build(struct hs *h, struct hs_job *j, uint8_t *b, uint8_t *proto)
{
	int v6 = j->v6;
	struct hs_learn *l = v6 ? &h->l6 : &h->l4;
	const void *me = v6 ? (const void *)&h->me6 : (const void *)&h->me4;
	const void *mon = v6 ? (const void *)&h->mon6 : (const void *)&h->mon4;
	uint8_t echo_reply = v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY;
	uint8_t echo_request = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	uint8_t unreach = v6 ? ICMP6_DST_UNREACH : ICMP_DEST_UNREACH;
	uint8_t q[HS_PKT_MAX];
	size_t len, hl, i;
	uint32_t tid;
	uint64_t seq;
	uint16_t c;

	*proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	switch (j->kind) {
	case HK_FORGE:
		hs_forged_echo(h, v6, b, echo_reply);
		return HS_ECHO_LEN;
	case HK_BADSUM:
		hs_forged_echo(h, v6, b, echo_reply);
		c = hs_get16(b + 2);
		hs_put16(b + 2, (uint16_t)(c ^ (1 + hs_rand(h) % 0xfffe)));
		return HS_ECHO_LEN;
	case HK_TRUNC:
		hs_forged_echo(h, v6, b, echo_reply);
		len = h->trunc_len++ % HS_ECHO_LEN;
		hs_icmp_csum(h, v6, b, len);
		return len;
	case HK_OTHER:
		/* iputils ping: struct timeval, then bytes 0x10, 0x11, ... */
		b[0] = echo_reply;
		b[1] = 0;
		hs_put16(b + 4,
			 (h->other_seq & 1) ? hs_ident(h, l) : (uint16_t)(hs_ident(h, l) ^ 0x5a5a));
		hs_put16(b + 6, (uint16_t)h->other_seq++);
		for (i = 0; i < 8; i++) {
			b[8 + i] = (uint8_t)(time(NULL) >> (8 * i));
			b[16 + i] = (uint8_t)(hs_rand(h) >> (8 * i));
		}
		for (i = 24; i < HS_ECHO_LEN; i++)
			b[i] = (uint8_t)(0x10 + i - 24);
		hs_icmp_csum(h, v6, b, HS_ECHO_LEN);
		return HS_ECHO_LEN;
	case HK_UNREACH_RAND:
	case HK_UNREACH_HAMON:
	case HK_UNREACH_TCP:
		memset(b, 0, 8);
		b[0] = unreach;
		if (j->kind == HK_UNREACH_RAND) {
			uint8_t src[16], dst[16];

			for (i = 0; i < 16; i++) {
				src[i] = (uint8_t)hs_rand(h);
				dst[i] = (uint8_t)hs_rand(h);
			}
			b[1] = (uint8_t)(hs_rand(h) % (v6 ? 7 : 16));
			hl = hs_ip_header(q, v6, IPPROTO_UDP, 8 + hs_rand(h) % 512, src, dst);
			for (i = 0; i < 8; i++)
				q[hl + i] = (uint8_t)hs_rand(h);
			len = hl + 8;
		} else if (j->kind == HK_UNREACH_HAMON) {
			/* As a router would quote hamon's request: monitor -> host. */
			b[1] = v6 ? 3 : 1; /* address / host unreachable */
			hl = hs_ip_header(q, v6, *proto, HS_ECHO_LEN, mon, me);
			hs_guess(h, l, &tid, &seq);
			q[hl] = echo_request;
			q[hl + 1] = 0;
			hs_put16(q + hl + 4, hs_ident(h, l));
			hs_put16(q + hl + 6, (uint16_t)seq);
			hs_hamon_payload(q + hl + 8, tid, seq, hs_rand(h));
			/* The quoted request's checksum as it left the monitor. */
			if (!v6)
				hs_icmp_csum(h, 0, q + hl, HS_ECHO_LEN);
			len = hl + HS_ECHO_LEN;
		} else {
			uint16_t sport = (uint16_t)(HS_SPORT_BASE + hs_rand(h) % HS_SPORT_SPAN);

			b[1] = v6 ? 4 : 3; /* port unreachable */
			hl = hs_ip_header(q, v6, IPPROTO_TCP, 24, mon, me);
			memset(q + hl, 0, 20);
			hs_put16(q + hl, sport);
			hs_put16(q + hl + 2, h->tcp_port);
			hs_put32(q + hl + 4, (uint32_t)hs_rand(h));
			q[hl + 12] = 6 << 4;
			q[hl + 13] = 0x02; /* SYN */
			len = hl + 20;
		}
		memcpy(b + 8, q, len);
		hs_icmp_csum(h, v6, b, 8 + len);
		return 8 + len;
	case HK_GARBAGE:
		len = 1 + hs_rand(h) % 128;
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)hs_rand(h);
		switch (hs_rand(h) % 4) {
		case 0:
			b[0] = echo_reply;
			break;
		case 1:
			b[0] = unreach;
			break;
		case 2:
			b[0] = v6 ? ICMP6_TIME_EXCEEDED : ICMP_TIME_EXCEEDED;
			break;
		default:
			/* Anything but a request the kernel answers or, on IPv6,
			 * neighbour discovery and its kin (informational 128+). */
			if (v6)
				b[0] = (uint8_t)(b[0] & 0x7f);
			else if (b[0] == ICMP_ECHO || b[0] == ICMP_TIMESTAMP)
				b[0] = ICMP_ECHOREPLY;
			break;
		}
		return len;
	case HK_TCP:
	case HK_TCP_RAND:
		*proto = IPPROTO_TCP;
		c = h->tcp_port;
		if (j->kind == HK_TCP_RAND)
			do
				c = (uint16_t)(1024 + hs_rand(h) % (65536 - 1024));
			while (c == h->tcp_port);
		hs_tcp_segment(h, v6, b, c, (uint16_t)(HS_SPORT_BASE + hs_rand(h) % HS_SPORT_SPAN));
		return 20;
	case HK_REPLAY:
		if (l->nhist == 0)
			return 0;
		i = (size_t)(hs_rand(h) % (l->nhist < HS_HIST ? l->nhist : HS_HIST));
		memcpy(b, l->hist[i], HS_ECHO_LEN);
		b[0] = echo_reply;
		hs_icmp_csum(h, v6, b, HS_ECHO_LEN);
		return HS_ECHO_LEN;
	case HK_NKINDS:
		break;
	}
	return 0;
}

/* Send one packet of job j. */
static void
hs_send(struct hs *h, struct hs_job *j)
{
	uint8_t pkt[40 + HS_PKT_MAX];
	uint8_t proto;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	size_t hl = j->v6 ? 40 : 20, len;
	ssize_t n;

	memset(pkt, 0, sizeof pkt);
	len = hs_build(h, j, pkt + hl, &proto);
	if (len == 0 && j->kind == HK_REPLAY) {
		j->skipped++;
		return;
	}
	if (j->v6) {
		hs_ip_header(pkt, 1, proto, len, &h->me6, &h->mon6);
		memset(&sin6, 0, sizeof sin6);
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = h->mon6;
		n = sendto(h->fd6, pkt, hl + len, MSG_DONTWAIT, (struct sockaddr *)&sin6,
			   sizeof sin6);
	} else {
		hs_ip_header(pkt, 0, proto, len, &h->me4, &h->mon4);
		pkt[10] = pkt[11] = 0; /* the kernel fills in the outer checksum */
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr = h->mon4;
		n = sendto(h->fd4, pkt, hl + len, MSG_DONTWAIT, (struct sockaddr *)&sin,
			   sizeof sin);
	}
	if (n < 0)
		j->errors++;
	else
		j->sent++;
}

/* Record one echo request (msg at its ICMP header) read by a sniffer. */
static void
hs_learn_request(struct hs_learn *l, const uint8_t *msg, size_t len)
{
	struct hs_tid *t = NULL;
	uint32_t tid;
	uint64_t seq;
	int i;

	if (len != HS_ECHO_LEN || memcmp(msg + 8, "HAMN", 4) != 0 || msg[12] != 1) {
		l->other++;
		return;
	}
	l->have = 1;
	l->ident = hs_get16(msg + 4);
	l->requests++;
	l->last_ns = hs_now();
	memcpy(l->hist[l->nhist++ % HS_HIST], msg, HS_ECHO_LEN);
	tid = (uint32_t)(msg[16] << 24 | msg[17] << 16 | msg[18] << 8 | msg[19]);
	seq = hs_get64(msg + 20);
	for (i = 0; i < l->ntids; i++)
		if (l->tids[i].tid == tid)
			t = &l->tids[i];
	if (t == NULL) {
		if (l->ntids == HS_MAX_TIDS)
			return;
		t = &l->tids[l->ntids++];
		t->tid = tid;
		t->first_seq = seq;
		t->first_ns = l->last_ns;
	}
	t->n++;
	t->last_seq = seq;
	t->last_ns = l->last_ns;
}

/* Read every queued echo request on both sniffers. */
static void
hs_sniff(struct hs *h)
{
	uint8_t buf[2048];
	struct sockaddr_storage from;
	socklen_t flen;
	ssize_t n;
	size_t hl;
	int k;

	for (k = 0; k < 4096 && h->sn4 >= 0; k++) {
		flen = sizeof from;
		n = recvfrom(h->sn4, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from,
			     &flen);
		if (n < 0)
			break;
		if (n < 20 || (buf[0] >> 4) != 4)
			continue;
		hl = (size_t)(buf[0] & 0x0f) * 4;
		if ((size_t)n < hl + 8 || memcmp(buf + 12, &h->mon4, 4) != 0 ||
		    buf[hl] != ICMP_ECHO)
			continue;
		hs_learn_request(&h->l4, buf + hl, (size_t)n - hl);
	}
	for (k = 0; k < 4096 && h->sn6 >= 0; k++) {
		flen = sizeof from;
		n = recvfrom(h->sn6, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from,
			     &flen);
		if (n < 0)
			break;
		if (from.ss_family != AF_INET6 || n < 8 ||
		    memcmp(&((struct sockaddr_in6 *)&from)->sin6_addr, &h->mon6, 16) != 0 ||
		    buf[0] != ICMP6_ECHO_REQUEST)
			continue;
		hs_learn_request(&h->l6, buf, (size_t)n);
	}
}

/* Our own address towards dst (a route lookup through a UDP socket, no packet). */
static void
hs_local_addr(int family, const void *dst, void *out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(9);
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, dst, 4);
		len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(9);
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, dst, 16);
		len = sizeof(struct sockaddr_in6);
	}
	if ((fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		perror("hostile: route lookup towards the monitor");
		exit(1);
	}
	close(fd);
	if (family == AF_INET)
		memcpy(out, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(out, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
}

/* Open the sender and the sniffer of one family; exit 1 on failure. */
static void
hs_open(struct hs *h, int v6)
{
	int rcvbuf = 1 << 20;
	int fd, sn;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	sn = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0 || sn < 0) {
		perror("hostile: raw socket (needs CAP_NET_RAW)");
		exit(1);
	}
	if (v6) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REQUEST, &f);
		if (setsockopt(sn, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f) < 0) {
			perror("hostile: ICMP6_FILTER");
			exit(1);
		}
		h->fd6 = fd;
		h->sn6 = sn;
	} else {
		struct icmp_filter f;

		f.data = ~(1U << ICMP_ECHO);
		if (setsockopt(sn, SOL_RAW, ICMP_FILTER, &f, sizeof f) < 0) {
			perror("hostile: ICMP_FILTER");
			exit(1);
		}
		h->fd4 = fd;
		h->sn4 = sn;
	}
	(void)setsockopt(sn, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
}

/* Add the jobs named in a comma-separated LIST. */
static void
hs_parse_kinds(struct hs *h, const char *list)
{
	char *copy, *tok, *save = NULL;
	size_t n;
	int k, v6, found, all4, all6;

	if ((copy = strdup(list)) == NULL) {
		perror("hostile: strdup");
		exit(1);
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		all4 = strcmp(tok, "all4") == 0 || strcmp(tok, "all") == 0;
		all6 = strcmp(tok, "all6") == 0 || strcmp(tok, "all") == 0;
		found = all4 || all6;
		for (k = 0; k < HK_NKINDS; k++) {
			for (v6 = 0; v6 < 2; v6++) {
				n = strlen(hs_kind_names[k]);
				if (!(v6 ? all6 : all4) &&
				    !(strncmp(tok, hs_kind_names[k], n) == 0 &&
				      strcmp(tok + n, v6 ? "6" : "") == 0))
					continue;
				found = 1;
				if (h->njobs == (int)(sizeof h->jobs / sizeof h->jobs[0]))
					hs_usage("--kinds: too many kinds in \"%s\"", list);
				h->jobs[h->njobs].kind = (enum hs_kind)k;
				h->jobs[h->njobs].v6 = v6;
				h->njobs++;
			}
		}
		if (!found)
			hs_usage("--kinds: unknown kind \"%s\"", tok);
	}
	free(copy);
}

/* Print what was learned from one family's requests. */
static void
hs_report_learn(const struct hs_learn *l, int v6)
{
	int i;

	printf("seen%d ident 0x%04x requests %" PRIu64 " other %" PRIu64 "\n", v6 ? 6 : 4,
	       l->have ? l->ident : 0, l->requests, l->other);
	for (i = 0; i < l->ntids; i++)
		printf("seen%d tid %" PRIu32 " requests %" PRIu64 " seq %" PRIu64 "..%" PRIu64 "\n",
		       v6 ? 6 : 4, l->tids[i].tid, l->tids[i].n, l->tids[i].first_seq,
		       l->tids[i].last_seq);
}

/* The flood subcommand. */
static int
hs_flood(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to4", required_argument, NULL, '4' },
		{ "to6", required_argument, NULL, '6' },
		{ "kinds", required_argument, NULL, 'k' },
		{ "pps", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "start-delay", required_argument, NULL, 'D' },
		{ "tcp-port", required_argument, NULL, 't' },
		{ "linger", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static struct hs h; /* the replay history is large: not on the stack */
	int64_t dur = 0, delay = 0, linger = 1000000000LL, period, t0, start, now, due;
	int64_t sent_end = 0, wait;
	uint64_t count = 0, pps = 1000, i = 0, total = 0, errors = 0;
	struct pollfd pfd[2];
	struct timespec ts;
	const char *kinds = NULL;
	int c, k, npfd = 0, sending = 1;

	h.fd4 = h.fd6 = h.sn4 = h.sn6 = -1;
	h.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case '4':
			if (inet_pton(AF_INET, optarg, &h.mon4) != 1)
				hs_usage("--to4: \"%s\" is not an IPv4 address", optarg);
			h.have4 = 1;
			break;
		case '6':
			if (inet_pton(AF_INET6, optarg, &h.mon6) != 1)
				hs_usage("--to6: \"%s\" is not an IPv6 address", optarg);
			h.have6 = 1;
			break;
		case 'k':
			kinds = optarg;
			break;
		case 'p':
			pps = hs_parse_uint("--pps", optarg, 1, 1000000);
			break;
		case 'd':
			dur = hs_parse_duration("--duration", optarg);
			break;
		case 'c':
			count = hs_parse_uint("--count", optarg, 1, UINT64_C(1) << 40);
			break;
		case 'D':
			delay = hs_parse_duration("--start-delay", optarg);
			break;
		case 't':
			h.tcp_port = (uint16_t)hs_parse_uint("--tcp-port", optarg, 1, 65535);
			break;
		case 'l':
			linger = hs_parse_duration("--linger", optarg);
			break;
		case 's':
			h.rng = hs_parse_uint("--seed", optarg, 1, UINT64_MAX);
			break;
		default:
			hs_usage("%s", "bad option");
		}
	}
	if (optind != argc)
		hs_usage("unexpected argument \"%s\"", argv[optind]);
	if (kinds == NULL)
		hs_usage("%s", "--kinds is required");
	if (dur == 0 && count == 0)
		hs_usage("%s", "--duration or --count is required (every run is bounded)");
	hs_parse_kinds(&h, kinds);
	for (k = 0; k < h.njobs; k++) {
		if (h.jobs[k].v6 && !h.have6)
			hs_usage("kind %s6 needs --to6", hs_kind_names[h.jobs[k].kind]);
		if (!h.jobs[k].v6 && !h.have4)
			hs_usage("kind %s needs --to4", hs_kind_names[h.jobs[k].kind]);
		if ((h.jobs[k].kind == HK_TCP || h.jobs[k].kind == HK_UNREACH_TCP) &&
		    h.tcp_port == 0)
			hs_usage("kind %s needs --tcp-port", hs_kind_names[h.jobs[k].kind]);
	}
	if (h.have4) {
		hs_local_addr(AF_INET, &h.mon4, &h.me4);
		hs_open(&h, 0);
		pfd[npfd].fd = h.sn4;
		pfd[npfd++].events = POLLIN;
	}
	if (h.have6) {
		hs_local_addr(AF_INET6, &h.mon6, &h.me6);
		hs_open(&h, 1);
		pfd[npfd].fd = h.sn6;
		pfd[npfd++].events = POLLIN;
	}
	signal(SIGINT, hs_on_signal);
	signal(SIGTERM, hs_on_signal);
	signal(SIGHUP, hs_on_signal);
	printf("ready\n");
	fflush(stdout);

	period = 1000000000LL / (int64_t)pps;
	t0 = hs_now();
	start = t0 + delay;
	while (!hs_stop) {
		hs_sniff(&h);
		now = hs_now();
		if (sending && ((count && i >= count) || (dur && now >= start + dur) ||
				(count == 0 && dur == 0))) {
			sending = 0;
			sent_end = now;
		}
		if (sending) {
			due = start + (int64_t)i * period;
			if (now >= due) {
				/* Behind (a slow wake-up): drop the backlog, keep the rate. */
				if (now - due > HS_CATCHUP_NS)
					start = now - (int64_t)i * period;
				hs_send(&h, &h.jobs[i % (uint64_t)h.njobs]);
				i++;
				continue;
			}
			wait = due - now;
		} else {
			/* Read requests until the monitor has gone quiet, bounded. */
			int64_t last = h.l4.last_ns > h.l6.last_ns ? h.l4.last_ns : h.l6.last_ns;

			if (last < sent_end)
				last = sent_end;
			if (now >= last + linger || now >= sent_end + HS_LINGER_MAX_NS)
				break;
			wait = last + linger - now;
			if (wait > 100000000LL)
				wait = 100000000LL;
		}
		ts.tv_sec = wait / 1000000000LL;
		ts.tv_nsec = wait % 1000000000LL;
		if (ppoll(pfd, (nfds_t)npfd, &ts, NULL) < 0 && errno != EINTR) {
			perror("hostile: ppoll");
			return 1;
		}
	}
	hs_sniff(&h);
	for (k = 0; k < h.njobs; k++) {
		struct hs_job *j = &h.jobs[k];

		printf("sent %s%s %" PRIu64 " errors %" PRIu64 " skipped %" PRIu64 "\n",
		       hs_kind_names[j->kind], j->v6 ? "6" : "", j->sent, j->errors, j->skipped);
		total += j->sent;
		errors += j->errors;
	}
	if (h.have4)
		hs_report_learn(&h.l4, 0);
	if (h.have6)
		hs_report_learn(&h.l6, 1);
	printf("done sent=%" PRIu64 " errors=%" PRIu64 " elapsed_ms=%" PRId64 "%s\n", total, errors,
	       (hs_now() - t0) / 1000000, hs_stop ? " interrupted" : "");
	fflush(stdout);
	return 0;
}

/* The listen subcommand: accept and close, IPv4 and IPv6, for a while. */
static int
hs_listen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_in6 sin6;
	struct pollfd pfd;
	int64_t dur = 0, end;
	uint64_t accepted = 0;
	uint16_t port = 0;
	int c, fd, cfd, k, one = 1, zero = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = (uint16_t)hs_parse_uint("--port", optarg, 1, 65535);
			break;
		case 'd':
			dur = hs_parse_duration("--duration", optarg);
			break;
		default:
			hs_usage("%s", "bad option");
		}
	}
	if (optind != argc || port == 0 || dur == 0)
		hs_usage("%s", "listen needs --port and --duration");
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_addr = in6addr_any;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0 ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof sin6) < 0 || listen(fd, 4096) < 0) {
		perror("hostile: listen");
		return 1;
	}
	signal(SIGINT, hs_on_signal);
	signal(SIGTERM, hs_on_signal);
	signal(SIGHUP, hs_on_signal);
	printf("listening %u\n", port);
	fflush(stdout);
	end = hs_now() + dur;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!hs_stop && hs_now() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		for (k = 0; k < 1000; k++) {
			if ((cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
				break;
			close(cfd);
			accepted++;
		}
	}
	close(fd);
	printf("accepted %" PRIu64 "\n", accepted);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		hs_usage("%s", "a subcommand is required");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "flood") == 0)
		return hs_flood(argc - 1, argv + 1);
	if (strcmp(argv[1], "listen") == 0)
		return hs_listen(argc - 1, argv + 1);
	hs_usage("unknown subcommand \"%s\"", argv[1]);
}
