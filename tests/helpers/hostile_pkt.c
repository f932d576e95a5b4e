/* SPDX-License-Identifier: ISC */
/* hostile_pkt.c: the hostile helper's packets: checksums, hamon's echo
 * payload, the seq and tid guessed from what was sniffed, IP, ICMP and TCP
 * headers, and one whole datagram of each kind (hs_build). */
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

#include "tests/helpers/hostile.h"

/* xorshift64*: reproducible with --seed. */
static uint64_t
hs_rand(struct hs *h)
{
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 0x2545F4914F6CDD1DULL;
}

/* Store v big-endian at p. */
static void
hs_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Store v big-endian at p. */
static void
hs_put32(uint8_t *p, uint32_t v)
{
	hs_put16(p, (uint16_t)(v >> 16));
	hs_put16(p + 2, (uint16_t)v);
}

/* Store v big-endian at p. */
static void
hs_put64(uint8_t *p, uint64_t v)
{
	hs_put32(p, (uint32_t)(v >> 32));
	hs_put32(p + 4, (uint32_t)v);
}

/* The big-endian 16-bit value at p. */
uint16_t
hs_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The big-endian 64-bit value at p. */
uint64_t
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
size_t
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
size_t
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
