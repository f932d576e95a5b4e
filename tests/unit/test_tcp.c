/* SPDX-License-Identifier: ISC */
/* test_tcp.c: TCP SYN probes: cookies, sequence recovery, reply
 * classification, truncation, the capture filter, checksums, and (as root)
 * live probes over loopback in both modes. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <pcap/pcap.h>

#include "lib/siphash.h"
#include "probes/probe.h"
#include "probes/tcp_pkt.h"

static const uint64_t key_a[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
static const uint64_t key_b[2] = { 0x0123456789abcdefULL, 0xfedcba9876543211ULL };

static const uint8_t mon4[4] = { 198, 18, 0, 1 }, host4[4] = { 198, 18, 0, 2 };
static const uint8_t rtr4[4] = { 198, 18, 0, 254 }, other4[4] = { 198, 18, 0, 3 };
static const uint8_t mon6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t host6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t rtr6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xfe };

#define TID   7
#define RPORT 22

/* ---- frame building helpers ---- */

/* Write a big-endian 16-bit value. */
static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Write a big-endian 32-bit value. */
static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* A 20-byte TCP header with a correct checksum. */
static size_t
mk_tcp(uint8_t *b, int fam, const void *src, const void *dst, uint16_t sp, uint16_t dp,
       uint32_t seq, uint32_t ack, uint8_t flags)
{
	memset(b, 0, 20);
	put16(b, sp);
	put16(b + 2, dp);
	put32(b + 4, seq);
	put32(b + 8, ack);
	b[12] = 5 << 4;
	b[13] = flags;
	put16(b + 14, 1024);
	put16(b + 16, tcp_pkt_checksum(fam, src, dst, b, 20));
	return 20;
}

/* An IPv4 header before len payload bytes already at b + 20. */
static size_t
mk_ip4(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)(20 + len));
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	return 20 + len;
}

/* An IPv6 header before len payload bytes already at b + 40. */
static size_t
mk_ip6(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t nh, size_t len)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, (uint16_t)len);
	b[6] = nh;
	b[7] = 64;
	memcpy(b + 8, src, 16);
	memcpy(b + 24, dst, 16);
	return 40 + len;
}

/* Prefix link header for link type: move the len-byte IP packet at ip into out. */
static size_t
mk_link(uint8_t *out, enum tcp_pkt_link link, int fam, const uint8_t *ip, size_t len)
{
	size_t hl = link == TCP_PKT_LINK_SLL ? 16 : link == TCP_PKT_LINK_SLL2 ? 20 : 0;
	uint16_t et = fam == AF_INET ? 0x0800 : 0x86dd;

	memset(out, 0, hl);
	if (link == TCP_PKT_LINK_SLL) {
		put16(out, 0); /* to us */
		put16(out + 2, 1);
		put16(out + 14, et);
	} else if (link == TCP_PKT_LINK_SLL2) {
		put16(out, et);
		put16(out + 8, 1);
	}
	memcpy(out + hl, ip, len);
	return hl + len;
}

/* A reply from host:RPORT to mon:lport with ack and flags, as a frame. */
static size_t
mk_reply(uint8_t *out, enum tcp_pkt_link link, int fam, uint16_t lport, uint32_t ack, uint8_t flags)
{
	uint8_t ip[128];
	size_t hl = fam == AF_INET ? 20 : 40, n;

	if (fam == AF_INET) {
		mk_tcp(ip + hl, fam, host4, mon4, RPORT, lport, 0x55555555, ack, flags);
		n = mk_ip4(ip, host4, mon4, 6, 20);
	} else {
		mk_tcp(ip + hl, fam, host6, mon6, RPORT, lport, 0x55555555, ack, flags);
		n = mk_ip6(ip, host6, mon6, 6, 20);
	}
	return mk_link(out, link, fam, ip, n);
}

/* Our SYN for (TID, seq) as an IP packet (IPv6 gets its header added here). */
static size_t
mk_syn_ip(uint8_t *ip, int fam, uint64_t seq, const uint64_t *key)
{
	const void *l = fam == AF_INET ? (const void *)mon4 : mon6;
	const void *r = fam == AF_INET ? (const void *)host4 : host6;
	uint16_t sp = tcp_pkt_sport(tcp_pkt_sport_offset(key, TID), seq);
	uint32_t isn = tcp_pkt_cookie(key, fam, l, r, sp, RPORT, TID, seq);
	size_t n;

	if (fam == AF_INET)
		return tcp_pkt_build_syn(ip, 128, fam, l, r, sp, RPORT, isn);
	n = tcp_pkt_build_syn(ip + 40, 128, fam, l, r, sp, RPORT, isn);
	return mk_ip6(ip, mon6, host6, 6, n);
}

/* An ICMP error from the router quoting the first qlen bytes of quote. */
static size_t
mk_icmp(uint8_t *out, enum tcp_pkt_link link, int fam, uint8_t type, const uint8_t *quote,
	size_t qlen)
{
	uint8_t ip[256];
	size_t hl = fam == AF_INET ? 20 : 40, n;
	uint8_t *ic = ip + hl;

	memset(ic, 0, 8);
	ic[0] = type;
	ic[1] = fam == AF_INET ? 1 : 3; /* host unreachable / address unreachable */
	memcpy(ic + 8, quote, qlen);
	if (fam == AF_INET)
		n = mk_ip4(ip, rtr4, mon4, 1, 8 + qlen);
	else
		n = mk_ip6(ip, rtr6, mon6, 58, 8 + qlen);
	return mk_link(out, link, fam, ip, n);
}

/* The cookie our SYN for (TID, seq) carried. */
static uint32_t
our_isn(int fam, uint64_t seq, const uint64_t *key)
{
	const void *l = fam == AF_INET ? (const void *)mon4 : mon6;
	const void *r = fam == AF_INET ? (const void *)host4 : host6;
	uint16_t sp = tcp_pkt_sport(tcp_pkt_sport_offset(key, TID), seq);

	return tcp_pkt_cookie(key, fam, l, r, sp, RPORT, TID, seq);
}

/* Parse frame and verify it against TID with last sent seq last. */
static enum tcp_pkt_class
classify(enum tcp_pkt_link link, const uint8_t *f, size_t n, uint64_t last, int *ok, uint64_t *seq)
{
	struct tcp_pkt_info in;
	enum tcp_pkt_class k = tcp_pkt_parse(link, f, n, &in);

	*ok = 0;
	if (k == TCP_PKT_SYNACK || k == TCP_PKT_RST || k == TCP_PKT_UNREACH)
		*ok = tcp_pkt_verify(key_a, &in, TID, tcp_pkt_sport_offset(key_a, TID), last,
				     seq) == 0;
	return k;
}

/* ---- cookies ---- */

/* The right ack is accepted; off by one, another 4-tuple, tid or key is not. */
static void
test_cookie(void **state)
{
	struct tcp_pkt_info in;
	uint16_t off = tcp_pkt_sport_offset(key_a, TID);
	uint64_t seq = 123456, got;

	memset(&in, 0, sizeof in);
	in.family = AF_INET;
	memcpy(in.local, mon4, 4);
	memcpy(in.remote, host4, 4);
	in.lport = tcp_pkt_sport(off, seq);
	in.rport = RPORT;
	in.isn = tcp_pkt_cookie(key_a, AF_INET, mon4, host4, in.lport, RPORT, TID, seq);
	assert_int_equal(tcp_pkt_verify(key_a, &in, TID, off, seq + 10, &got), 0);
	assert_true(got == seq);

	in.isn++;
	assert_int_not_equal(tcp_pkt_verify(key_a, &in, TID, off, seq + 10, &got), 0);
	in.isn -= 2;
	assert_int_not_equal(tcp_pkt_verify(key_a, &in, TID, off, seq + 10, &got), 0);
	in.isn++;
	assert_int_not_equal(tcp_pkt_verify(key_b, &in, TID, off, seq + 10, &got), 0);
	assert_int_not_equal(tcp_pkt_verify(key_a, &in, TID + 1, off, seq + 10, &got), 0);
	in.rport = RPORT + 1;
	assert_int_not_equal(tcp_pkt_verify(key_a, &in, TID, off, seq + 10, &got), 0);
	in.rport = RPORT;
	memcpy(in.remote, other4, 4);
	assert_int_not_equal(tcp_pkt_verify(key_a, &in, TID, off, seq + 10, &got), 0);
	memcpy(in.remote, host4, 4);
	memcpy(in.local, other4, 4);
	assert_int_not_equal(tcp_pkt_verify(key_a, &in, TID, off, seq + 10, &got), 0);
	memcpy(in.local, mon4, 4);
	in.lport ^= 1;
	assert_int_not_equal(tcp_pkt_verify(key_a, &in, TID, off, seq + 10, &got), 0);
	in.lport ^= 1;
	in.family = AF_INET6;
	assert_int_not_equal(tcp_pkt_verify(key_a, &in, TID, off, seq + 10, &got), 0);
	in.family = AF_INET;
	/* A reply from the future (seq above the last sent) cannot be ours. */
	assert_int_not_equal(tcp_pkt_verify(key_a, &in, TID, off, seq - 1, &got), 0);
	assert_int_equal(tcp_pkt_verify(key_a, &in, TID, off, seq, &got), 0);

	/* Offsets differ between targets (not all 1024 can collide). */
	assert_true(tcp_pkt_sport_offset(key_a, 1) != tcp_pkt_sport_offset(key_a, 2) ||
		    tcp_pkt_sport_offset(key_a, 3) != tcp_pkt_sport_offset(key_a, 4));
}

/* ---- sequence recovery ---- */

/* Every seq within one port window of the last sent is recovered exactly,
 * also across the wrap of the 14 port bits; older ones through the cookie. */
static void
test_seq_recovery(void **state)
{
	static const uint64_t lasts[] = { 0,
					  5,
					  16383,
					  16384,
					  16390,
					  32767,
					  32768,
					  1000000,
					  UINT64_C(0xffffffff) + 3,
					  UINT64_C(1) << 40 };
	uint16_t offs[] = { 0, 1, 0x1555, 0x3fff, tcp_pkt_sport_offset(key_a, TID) };
	uint64_t got, seq, back;
	size_t i, j;
	int checked = 0;

	for (i = 0; i < sizeof lasts / sizeof lasts[0]; i++) {
		for (j = 0; j < sizeof offs / sizeof offs[0]; j++) {
			for (back = 0; back < TCP_PKT_SPORT_SPAN;
			     back += (back < 40 || back > 16340) ? 1 : 97) {
				uint16_t sp;

				if (back > lasts[i])
					break;
				seq = lasts[i] - back;
				sp = tcp_pkt_sport(offs[j], seq);
				assert_true((unsigned)sp - tcp_pkt_sport_base < TCP_PKT_SPORT_SPAN);
				assert_int_equal(
					tcp_pkt_seq_candidate(offs[j], sp, lasts[i], 0, &got), 0);
				assert_true(got == seq);
				checked++;
			}
		}
	}
	assert_true(checked > 1000);
	/* Neighbouring seqs use different ports; a whole window uses each port once. */
	assert_int_not_equal(tcp_pkt_sport(0x1234, 100), tcp_pkt_sport(0x1234, 101));
	assert_int_equal(tcp_pkt_sport(0x1234, 100),
			 tcp_pkt_sport(0x1234, 100 + TCP_PKT_SPORT_SPAN));
	/* Ports outside the range are not ours. */
	assert_int_equal(tcp_pkt_seq_candidate(0, (uint16_t)(tcp_pkt_sport_base - 1), 100, 0, &got),
			 -1);
	assert_int_equal(tcp_pkt_seq_candidate(0, 80, 100, 0, &got), -1);
	/* Before seq 0 there is nothing. */
	assert_int_equal(tcp_pkt_seq_candidate(0, tcp_pkt_sport(0, 10), 5, 0, &got), -1);
	assert_int_equal(tcp_pkt_seq_candidate(0, tcp_pkt_sport(0, 10), 10, 1, &got), -1);

	/* Through the cookie: a probe one or three windows older than the
	 * latest is still found, at its true seq, not the younger alias. */
	for (i = 0; i < 4; i++) {
		uint8_t f[128];
		size_t n;
		int ok;
		uint64_t last = 50000 + i, s = last - 5 - (i == 3 ? 3 : i) * TCP_PKT_SPORT_SPAN;

		n = mk_reply(f, TCP_PKT_LINK_SLL, AF_INET,
			     tcp_pkt_sport(tcp_pkt_sport_offset(key_a, TID), s),
			     our_isn(AF_INET, s, key_a) + 1, 0x12);
		assert_int_equal(classify(TCP_PKT_LINK_SLL, f, n, last, &ok, &got), TCP_PKT_SYNACK);
		assert_true(ok);
		assert_true(got == s);
	}
	/* Beyond TCP_PKT_WINDOWS windows it is rejected, never misattributed. */
	{
		uint8_t f[128];
		size_t n;
		int ok;
		uint64_t last = 200000, s = last - 1 - TCP_PKT_WINDOWS * TCP_PKT_SPORT_SPAN;

		n = mk_reply(f, TCP_PKT_LINK_SLL, AF_INET,
			     tcp_pkt_sport(tcp_pkt_sport_offset(key_a, TID), s),
			     our_isn(AF_INET, s, key_a) + 1, 0x12);
		classify(TCP_PKT_LINK_SLL, f, n, last, &ok, &got);
		assert_false(ok);
	}
}

/* ---- classification ---- */

struct frame_case {
	enum tcp_pkt_link link;
	int fam;
};

static const struct frame_case frame_cases[] = {
	{ TCP_PKT_LINK_SLL, AF_INET },   { TCP_PKT_LINK_SLL2, AF_INET },
	{ TCP_PKT_LINK_RAW, AF_INET },   { TCP_PKT_LINK_SLL, AF_INET6 },
	{ TCP_PKT_LINK_SLL2, AF_INET6 }, { TCP_PKT_LINK_RAW, AF_INET6 },
};

/* SYN-ACK, RST+ACK, bare RST, ICMP errors (ours and not), random TCP. */
static void
test_classify(void **state)
{
	uint8_t f[256], q[128];
	size_t i, n, qn;
	uint64_t seq = 777, last = 780, got;
	int ok;

	for (i = 0; i < sizeof frame_cases / sizeof frame_cases[0]; i++) {
		enum tcp_pkt_link l = frame_cases[i].link;
		int fam = frame_cases[i].fam;
		uint16_t sp = tcp_pkt_sport(tcp_pkt_sport_offset(key_a, TID), seq);
		uint32_t isn = our_isn(fam, seq, key_a);

		/* SYN-ACK: ok, right seq. */
		n = mk_reply(f, l, fam, sp, isn + 1, 0x12);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_SYNACK);
		assert_true(ok && got == seq);
		/* SYN-ACK with ECE/CWR bits still a SYN-ACK. */
		n = mk_reply(f, l, fam, sp, isn + 1, 0x12 | 0xc0);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_SYNACK);
		assert_true(ok);
		/* Ack off by one: parsed, but the cookie fails. */
		n = mk_reply(f, l, fam, sp, isn, 0x12);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_SYNACK);
		assert_false(ok);
		/* RST+ACK: refused. */
		n = mk_reply(f, l, fam, sp, isn + 1, 0x14);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_RST);
		assert_true(ok && got == seq);
		/* A bare RST proves nothing. */
		n = mk_reply(f, l, fam, sp, isn + 1, 0x04);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_FOREIGN);
		/* Random TCP to our range: an ACK with data flags, a FIN. */
		n = mk_reply(f, l, fam, sp, isn + 1, 0x18);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_FOREIGN);
		n = mk_reply(f, l, fam, sp, isn + 1, 0x13);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_FOREIGN);
		/* A SYN-ACK to a port outside our range. */
		n = mk_reply(f, l, fam, 40000, isn + 1, 0x12);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_FOREIGN);

		/* ICMP unreachable quoting our SYN: whole, and only 8 bytes of it. */
		qn = mk_syn_ip(q, fam, seq, key_a);
		n = mk_icmp(f, l, fam, fam == AF_INET ? 3 : 1, q, qn);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_UNREACH);
		assert_true(ok && got == seq);
		n = mk_icmp(f, l, fam, fam == AF_INET ? 3 : 1, q, (fam == AF_INET ? 20 : 40) + 8);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_UNREACH);
		assert_true(ok && got == seq);
		/* Time exceeded counts too. */
		n = mk_icmp(f, l, fam, fam == AF_INET ? 11 : 3, q, qn);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_UNREACH);
		assert_true(ok);
		/* ICMP of another type (echo reply / echo request). */
		n = mk_icmp(f, l, fam, fam == AF_INET ? 0 : 128, q, qn);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_FOREIGN);
		/* Quoting someone else's SYN (another key made its cookie). */
		qn = mk_syn_ip(q, fam, seq, key_b);
		n = mk_icmp(f, l, fam, fam == AF_INET ? 3 : 1, q, qn);
		classify(l, f, n, last, &ok, &got);
		assert_false(ok);
		/* Quoting UDP. */
		q[fam == AF_INET ? 9 : 6] = 17;
		n = mk_icmp(f, l, fam, fam == AF_INET ? 3 : 1, q, qn);
		assert_int_equal(classify(l, f, n, last, &ok, &got), TCP_PKT_FOREIGN);
	}
	/* A cooked header for something other than IP. */
	n = mk_reply(f, TCP_PKT_LINK_SLL, AF_INET, 50000, 1, 0x12);
	put16(f + 14, 0x0806);
	assert_int_equal(classify(TCP_PKT_LINK_SLL, f, n, last, &ok, &got), TCP_PKT_FOREIGN);
	/* An IPv4 fragment other than the first. */
	n = mk_reply(f, TCP_PKT_LINK_RAW, AF_INET, 50000, 1, 0x12);
	put16(f + 6, 0x0001);
	assert_int_equal(classify(TCP_PKT_LINK_RAW, f, n, last, &ok, &got), TCP_PKT_FOREIGN);
	/* SLL says IPv4, the packet is IPv6. */
	n = mk_reply(f, TCP_PKT_LINK_SLL, AF_INET6, 50000, 1, 0x12);
	put16(f + 14, 0x0800);
	assert_int_equal(classify(TCP_PKT_LINK_SLL, f, n, last, &ok, &got), TCP_PKT_MALFORMED);
	assert_string_equal(tcp_pkt_class_name(TCP_PKT_RST), "rst");
}

/* Every truncation of a valid frame is rejected, never taken as an answer. */
static void
test_truncation(void **state)
{
	uint8_t f[256], q[128];
	size_t i, n, len, qn;
	uint64_t seq = 31, got;
	int ok, kind;

	for (i = 0; i < sizeof frame_cases / sizeof frame_cases[0]; i++) {
		enum tcp_pkt_link l = frame_cases[i].link;
		int fam = frame_cases[i].fam;
		uint16_t sp = tcp_pkt_sport(tcp_pkt_sport_offset(key_a, TID), seq);

		for (kind = 0; kind < 3; kind++) {
			if (kind == 2) {
				qn = mk_syn_ip(q, fam, seq, key_a);
				n = mk_icmp(f, l, fam, fam == AF_INET ? 3 : 1, q, qn);
			} else
				n = mk_reply(f, l, fam, sp, our_isn(fam, seq, key_a) + 1,
					     kind == 0 ? 0x12 : 0x14);
			classify(l, f, n, seq, &ok, &got);
			assert_true(ok);
			for (len = 0; len < n; len++) {
				uint8_t *c = malloc(len ? len : 1);
				enum tcp_pkt_class k;

				memcpy(c, f, len);
				k = classify(l, c, len, seq, &ok, &got);
				assert_false(ok);
				assert_int_equal(k, TCP_PKT_MALFORMED);
				free(c);
			}
		}
	}
}

/* ---- capture filter ---- */

/* The filter compiles for every link type, and takes what we want only. */
static void
test_filter(void **state)
{
	static const struct {
		int dlt;
		enum tcp_pkt_link link;
	} links[] = {
		{ DLT_LINUX_SLL, TCP_PKT_LINK_SLL },
		{ DLT_LINUX_SLL2, TCP_PKT_LINK_SLL2 },
		{ DLT_RAW, TCP_PKT_LINK_RAW },
	};
	char buf[600], tiny[16];
	uint8_t f[256], q[128];
	struct bpf_program prog;
	struct pcap_pkthdr h;
	size_t i, n, qn;
	int fam, fi;

	assert_int_equal(tcp_pkt_filter(tiny, sizeof tiny, AF_INET), -1);
	assert_int_equal(tcp_pkt_filter(buf, sizeof buf, AF_UNIX), -1);
	for (i = 0; i < sizeof links / sizeof links[0]; i++) {
		pcap_t *pc = pcap_open_dead_with_tstamp_precision(links[i].dlt, TCP_PKT_SNAPLEN,
								  PCAP_TSTAMP_PRECISION_NANO);

		assert_non_null(pc);
		for (fi = 0; fi < 2; fi++) {
			uint16_t sp;
			uint32_t isn;

			fam = fi == 0 ? AF_INET : AF_INET6;
			sp = tcp_pkt_sport(tcp_pkt_sport_offset(key_a, TID), 5);
			isn = our_isn(fam, 5, key_a);
			assert_true(tcp_pkt_filter(buf, sizeof buf, fam) > 0);
			if (pcap_compile(pc, &prog, buf, 1, PCAP_NETMASK_UNKNOWN) != 0)
				fail_msg("pcap_compile(%s): %s", buf, pcap_geterr(pc));
			memset(&h, 0, sizeof h);
#define MATCH(frame_len) \
	(h.caplen = h.len = (bpf_u_int32)(frame_len), pcap_offline_filter(&prog, &h, f) != 0)
			n = mk_reply(f, links[i].link, fam, sp, isn + 1, 0x12);
			assert_true(MATCH(n));
			n = mk_reply(f, links[i].link, fam, sp, isn + 1, 0x14);
			assert_true(MATCH(n));
			n = mk_reply(f, links[i].link, fam, sp, isn + 1, 0x04); /* bare RST */
			assert_false(MATCH(n));
			n = mk_reply(f, links[i].link, fam, sp, isn + 1, 0x10); /* pure ACK */
			assert_false(MATCH(n));
			n = mk_reply(f, links[i].link, fam, 443, isn + 1, 0x12); /* not our range */
			assert_false(MATCH(n));
			qn = mk_syn_ip(q, fam, 5, key_a);
			n = mk_link(f, links[i].link, fam, q, qn); /* our own SYN */
			assert_false(MATCH(n));
			n = mk_icmp(f, links[i].link, fam, fam == AF_INET ? 3 : 1, q, qn);
			assert_true(MATCH(n));
			n = mk_icmp(f, links[i].link, fam, fam == AF_INET ? 11 : 3, q, qn);
			assert_true(MATCH(n));
			n = mk_icmp(f, links[i].link, fam, fam == AF_INET ? 0 : 129, q, qn);
			assert_false(MATCH(n));
			/* The other family's frames do not pass this family's filter. */
			n = mk_reply(f, links[i].link, fam == AF_INET ? AF_INET6 : AF_INET, sp,
				     isn + 1, 0x12);
			assert_false(MATCH(n));
#undef MATCH
			pcap_freecode(&prog);
		}
		pcap_close(pc);
	}
}

/* ---- checksums ---- */

/* An independent checksum: 32-bit big-endian words, folded at the end. */
static uint16_t
csum_words(const uint8_t *pseudo, size_t plen, const uint8_t *seg, size_t slen)
{
	uint8_t all[128];
	uint64_t s = 0;
	size_t i, n = plen + slen;

	memcpy(all, pseudo, plen);
	memcpy(all + plen, seg, slen);
	while (n % 4)
		all[n++] = 0;
	for (i = 0; i < n; i += 4)
		s += (uint32_t)all[i] << 24 | (uint32_t)all[i + 1] << 16 |
		     (uint32_t)all[i + 2] << 8 | all[i + 3];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * A SYN checked against bytes that tcpdump 4.99 verified ("cksum 0xb009
 * (correct)" for IPv4, "cksum 0xe0bc (correct)" for IPv6) when this test was
 * written, and against an independent checksum with the pseudo-header laid
 * out in memory.
 */
static void
test_checksum(void **state)
{
	static const uint8_t good4[TCP_PKT_SYN4_LEN] = {
		0x45, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00,
		0x00, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0xc3, 0x50,
		0x00, 0x16, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x60,
		0x02, 0xfa, 0xf0, 0xb0, 0x09, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	};
	static const uint8_t good6[TCP_PKT_TCP_LEN] = {
		0xc3, 0x50, 0x00, 0x16, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00,
		0x60, 0x02, 0xfa, 0xf0, 0xe0, 0xbc, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	};
	uint8_t b[64], pseudo[40];

	assert_int_equal(
		tcp_pkt_build_syn(b, sizeof b, AF_INET, mon4, host4, 50000, 22, 0xdeadbeef),
		TCP_PKT_SYN4_LEN);
	assert_memory_equal(b, good4, sizeof good4);
	assert_int_equal(tcp_pkt_checksum(AF_INET, mon4, host4, b + 20, TCP_PKT_TCP_LEN), 0);
	memset(pseudo, 0, sizeof pseudo);
	memcpy(pseudo, mon4, 4);
	memcpy(pseudo + 4, host4, 4);
	pseudo[9] = 6;
	pseudo[11] = TCP_PKT_TCP_LEN;
	assert_int_equal(csum_words(pseudo, 12, b + 20, TCP_PKT_TCP_LEN), 0);

	assert_int_equal(
		tcp_pkt_build_syn(b, sizeof b, AF_INET6, mon6, host6, 50000, 22, 0xdeadbeef),
		TCP_PKT_TCP_LEN);
	assert_memory_equal(b, good6, sizeof good6);
	memset(pseudo, 0, sizeof pseudo);
	memcpy(pseudo, mon6, 16);
	memcpy(pseudo + 16, host6, 16);
	pseudo[35] = TCP_PKT_TCP_LEN;
	pseudo[39] = 6;
	assert_int_equal(csum_words(pseudo, 40, b, TCP_PKT_TCP_LEN), 0);

	/* Too small a buffer, or an unknown family: nothing built. */
	assert_int_equal(tcp_pkt_build_syn(b, TCP_PKT_SYN4_LEN - 1, AF_INET, mon4, host4, 1, 2, 3),
			 0);
	assert_int_equal(tcp_pkt_build_syn(b, sizeof b, AF_UNIX, mon4, host4, 1, 2, 3), 0);
}

/* ---- live probes over loopback ---- */

struct live {
	struct event_base *base;
	int got;
	struct probe_reply r;
};

/* Keep the first reply and stop the loop. */
static void
live_on_reply(const struct probe_reply *r, void *arg)
{
	struct live *lv = arg;

	if (lv->got++ == 0)
		lv->r = *r;
	event_base_loopbreak(lv->base);
}

/* A listening socket on 127.0.0.1 (port in *port), or, with listen_too 0,
 * a port that was free a moment ago. */
static int
live_port(int listen_too, uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	if (!listen_too) {
		close(fd);
		return -1;
	}
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

/* Probe 127.0.0.1:port with ops once; the result, or -1 after 2 s. */
static int
live_probe(const struct probe_ops *ops, uint16_t port, const char *want_mode)
{
	struct live lv;
	struct sockaddr_in to;
	struct timeval tv = { 2, 0 };
	struct probe *p;
	struct probe_counters c;
	char err[256];
	uint64_t key[2];
	int64_t t0;

	memset(&lv, 0, sizeof lv);
	lv.base = event_base_new();
	siphash_random_key(key);
	p = ops->open(lv.base, AF_INET, key, live_on_reply, &lv, err, sizeof err);
	if (p == NULL)
		fail_msg("open: %s", err);
	assert_string_equal(ops->mode(p), want_mode);
	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		t0 = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	assert_int_equal(ops->send(p, (struct sockaddr *)&to, sizeof to, 3, 41), 0);
	event_base_loopexit(lv.base, &tv);
	event_base_dispatch(lv.base);
	ops->counters(p, &c);
	assert_int_equal(c.sent, 1);
	ops->close(p);
	event_base_free(lv.base);
	if (lv.got == 0)
		return -1;
	assert_int_equal(lv.r.tid, 3);
	assert_true(lv.r.seq == 41);
	assert_int_equal(lv.r.peer.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&lv.r.peer)->sin_port), port);
	/* The reply time is on the send clock, after the send, within 2 s. */
	assert_true(lv.r.rx_real_ns >= t0 && lv.r.rx_real_ns < t0 + 2000000000LL);
	return (int)lv.r.result;
}

/* Raw mode (root only) against a listener (ok) and a closed port (refused).
 * The kernel drops SYNs with a bad checksum on loopback too (checked with
 * hping3 --badcksum), so an answer also proves our checksum right. */
static void
test_live_raw(void **state)
{
	uint16_t open_port, closed_port;
	int lfd;

	if (geteuid() != 0)
		skip();
	lfd = live_port(1, &open_port);
	live_port(0, &closed_port);
	assert_int_equal(live_probe(&probe_tcp_syn_ops, open_port, "raw SYN + pcap"), PROBE_OK);
	assert_int_equal(live_probe(&probe_tcp_syn_ops, closed_port, "raw SYN + pcap"),
			 PROBE_REFUSED);
	close(lfd);
}

/* Connect mode, for anyone; without root the SYN ops refuse to open, with
 * the reason (the monitor then picks connect mode itself). */
static void
test_live_connect(void **state)
{
	uint16_t open_port, closed_port;
	int lfd;

	lfd = live_port(1, &open_port);
	live_port(0, &closed_port);
	assert_int_equal(live_probe(&probe_tcp_connect_ops, open_port, "connect()"), PROBE_OK);
	assert_int_equal(live_probe(&probe_tcp_connect_ops, closed_port, "connect()"),
			 PROBE_REFUSED);
	if (geteuid() != 0) {
		struct event_base *base = event_base_new();
		char err[256] = "";
		uint64_t key[2] = { 1, 2 };

		assert_null(probe_tcp_syn_ops.open(base, AF_INET, key, live_on_reply, NULL, err,
						   sizeof err));
		assert_non_null(strstr(err, "not permitted"));
		event_base_free(base);
	}
	close(lfd);
}

/* Connect mode works unprivileged too, and forget() closes a pending probe. */
static void
test_connect_forget(void **state)
{
	struct event_base *base = event_base_new();
	struct sockaddr_in to;
	struct probe *p;
	struct probe_counters c;
	struct live lv;
	char err[128];
	uint64_t key[2] = { 1, 2 };
	struct timeval tv = { 0, 200000 };

	memset(&lv, 0, sizeof lv);
	lv.base = base;
	p = probe_tcp_connect_ops.open(base, AF_INET, key, live_on_reply, &lv, err, sizeof err);
	assert_non_null(p);
	/* Port 9 on loopback: whatever the answer, forget() comes first. */
	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	to.sin_port = htons(9);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(probe_tcp_connect_ops.send(p, (struct sockaddr *)&to, sizeof to, 1, 1), 0);
	/* Forgotten before the loop ran: never reported. */
	probe_tcp_connect_ops.forget(p, 1, 1);
	probe_tcp_connect_ops.forget(p, 1, 99); /* unknown: no-op */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(lv.got, 0);
	probe_tcp_connect_ops.counters(p, &c);
	assert_int_equal(c.sent, 1);
	assert_int_equal(c.matched, 0);
	/* A family mismatch is a local error. */
	{
		struct sockaddr_in6 s6;

		memset(&s6, 0, sizeof s6);
		s6.sin6_family = AF_INET6;
		assert_int_equal(
			probe_tcp_connect_ops.send(p, (struct sockaddr *)&s6, sizeof s6, 1, 2),
			EINVAL);
	}
	probe_tcp_connect_ops.close(p);
	probe_tcp_connect_ops.close(NULL);
	probe_tcp_syn_ops.close(NULL);
	event_base_free(base);
}

/* The source-port window keeps out of the local port range, and matching
 * works the same in any window. */
static void
test_sport_window(void **state)
{
	static const struct {
		unsigned lo, hi, base;
		int rc;
	} cases[] = {
		{ 32768, 60999, 16384, 0 },  /* Linux's default: just below it */
		{ 32768, 49151, 49152, 0 },  /* room above: IANA's dynamic ports */
		{ 1024, 40000, 49152, 0 },   /* only above */
		{ 49152, 65535, 32768, 0 },  /* only below */
		{ 17408, 65535, 1024, 0 },   /* just room below */
		{ 1024, 49151, 49152, 0 },   /* just room above */
		{ 17407, 49152, 49152, -1 }, /* no room: the default, and -1 */
		{ 1024, 65535, 49152, -1 },
		{ 60000, 50000, 49152, 0 }, /* nonsense range: the default */
	};
	unsigned saved = tcp_pkt_sport_base, base;
	uint64_t got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		base = 0;
		assert_int_equal(tcp_pkt_pick_sport_base(cases[i].lo, cases[i].hi, &base),
				 cases[i].rc);
		assert_int_equal(base, cases[i].base);
		assert_true(base >= 1024 && base + TCP_PKT_SPORT_SPAN - 1 <= 65535);
		if (cases[i].rc == 0 && cases[i].lo <= cases[i].hi)
			assert_true(base + TCP_PKT_SPORT_SPAN - 1 < cases[i].lo ||
				    base > cases[i].hi);
	}
	tcp_pkt_sport_base = 16384;
	assert_int_equal(tcp_pkt_sport(0, 0), 16384);
	assert_int_equal(tcp_pkt_sport(0, TCP_PKT_SPORT_SPAN - 1), 32767);
	assert_int_equal(
		tcp_pkt_seq_candidate(0x1555, tcp_pkt_sport(0x1555, 70000), 70003, 0, &got), 0);
	assert_true(got == 70000);
	assert_int_equal(tcp_pkt_seq_candidate(0, 49152, 100, 0, &got), -1);
	assert_int_equal(tcp_pkt_seq_candidate(0, 32768, 100, 0, &got), -1);
	tcp_pkt_sport_base = saved;
}

/* Run every test; TAP with CMOCKA_MESSAGE_OUTPUT=TAP. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie),       cmocka_unit_test(test_seq_recovery),
		cmocka_unit_test(test_sport_window), cmocka_unit_test(test_classify),
		cmocka_unit_test(test_truncation),   cmocka_unit_test(test_filter),
		cmocka_unit_test(test_checksum),     cmocka_unit_test(test_live_raw),
		cmocka_unit_test(test_live_connect), cmocka_unit_test(test_connect_forget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
