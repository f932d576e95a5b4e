/* SPDX-License-Identifier: ISC */
/* tcp_pkt.c: build TCP SYN probes, classify captured replies, build the
 * capture filter. */
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "lib/siphash.h"
#include "probes/tcp_pkt.h"

/* Protocol numbers and types we use, spelt out so this file needs no netinet headers. */
#define TCP_PKT_PROTO_ICMP     1
#define TCP_PKT_PROTO_TCP      6
#define TCP_PKT_PROTO_ICMPV6   58
#define TCP_PKT_ETH_IP4        0x0800
#define TCP_PKT_ETH_IP6        0x86dd
#define TCP_PKT_ICMP4_UNREACH  3
#define TCP_PKT_ICMP4_TIMXCEED 11
#define TCP_PKT_ICMP6_UNREACH  1
#define TCP_PKT_ICMP6_TIMXCEED 3

#define TCP_PKT_FIN  0x01
#define TCP_PKT_SYN  0x02
#define TCP_PKT_RSTF 0x04
#define TCP_PKT_ACK  0x10

#define TCP_PKT_SLL_LEN    16
#define TCP_PKT_SLL2_LEN   20
#define TCP_PKT_IP6_LEN    40
#define TCP_PKT_TCP_MINLEN 20
/* What RFC 792 promises an ICMP error quotes past the IP header: enough
 * for the ports and our sequence number. */
#define TCP_PKT_QUOTE_MIN 8
/* Extension headers we step over before giving up on an IPv6 packet. */
#define TCP_PKT_IP6_MAXEXT 8

/* Read a big-endian 16-bit value. */
static uint16_t
tcp_pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Read a big-endian 32-bit value. */
static uint32_t
tcp_pkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Write a big-endian 16-bit value. */
static void
tcp_pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Write a big-endian 32-bit value. */
static void
tcp_pkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Address length for a family, 0 if we do not speak it. */
static size_t
tcp_pkt_addrlen(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return 0;
}

unsigned tcp_pkt_sport_base = TCP_PKT_SPORT_DEFAULT;

int
tcp_pkt_pick_sport_base(unsigned lo, unsigned hi, unsigned *base)
{
	/* Above the range only 49152.. fits (the window is a quarter of the
	 * port space and ends at 65535), so: there, else just below it. */
	if (lo > hi || hi < TCP_PKT_SPORT_DEFAULT) {
		*base = TCP_PKT_SPORT_DEFAULT;
		return 0;
	}
	if (lo >= 1024 + TCP_PKT_SPORT_SPAN) {
		*base = lo - TCP_PKT_SPORT_SPAN;
		return 0;
	}
	*base = TCP_PKT_SPORT_DEFAULT;
	return -1;
}

/* Per-target source-port offset: 14 bits of a keyed hash of the index. */
uint16_t
tcp_pkt_sport_offset(const uint64_t key[2], uint32_t tid)
{
	uint8_t in[2 + 4];

	in[0] = 'T';
	in[1] = 'p';
	tcp_pkt_put32(in + 2, tid);
	return (uint16_t)(siphash24(key, in, sizeof in) & TCP_PKT_SPORT_MASK);
}

/* Source port of probe seq: the low 14 bits of seq, scrambled by off. */
uint16_t
tcp_pkt_sport(uint16_t off, uint64_t seq)
{
	return (uint16_t)(tcp_pkt_sport_base + ((seq ^ off) & TCP_PKT_SPORT_MASK));
}

/* The w-th latest seq <= last whose low bits sport carries. */
int
tcp_pkt_seq_candidate(uint16_t off, uint16_t sport, uint64_t last, unsigned w, uint64_t *seq)
{
	uint64_t low, back;

	if ((unsigned)sport - tcp_pkt_sport_base >= TCP_PKT_SPORT_SPAN)
		return -1;
	low = ((uint64_t)((unsigned)sport - tcp_pkt_sport_base) ^ off) & TCP_PKT_SPORT_MASK;
	back = ((last - low) & TCP_PKT_SPORT_MASK) + (uint64_t)w * TCP_PKT_SPORT_SPAN;
	if (back > last)
		return -1;
	*seq = last - back;
	return 0;
}

/* The keyed ISN of (tid, seq) on one 4-tuple; see tcp_pkt.h. */
uint32_t
tcp_pkt_cookie(const uint64_t key[2], int family, const void *local, const void *remote,
	       uint16_t lport, uint16_t rport, uint32_t tid, uint64_t seq)
{
	uint8_t in[2 + 16 + 16 + 2 + 2 + 4 + 8], *p = in;
	size_t alen = tcp_pkt_addrlen(family);

	*p++ = 'T';
	*p++ = family == AF_INET ? 4 : 6;
	memcpy(p, local, alen);
	p += alen;
	memcpy(p, remote, alen);
	p += alen;
	tcp_pkt_put16(p, lport);
	tcp_pkt_put16(p + 2, rport);
	tcp_pkt_put32(p + 4, tid);
	tcp_pkt_put32(p + 8, (uint32_t)(seq >> 32));
	tcp_pkt_put32(p + 12, (uint32_t)seq);
	p += 16;
	return (uint32_t)siphash24(key, in, (size_t)(p - in));
}

/* Find the probe of target tid that in answers; see tcp_pkt.h. */
int
tcp_pkt_verify(const uint64_t key[2], const struct tcp_pkt_info *in, uint32_t tid, uint16_t off,
	       uint64_t last, uint64_t *seq)
{
	uint64_t cand;
	unsigned w;

	if (tcp_pkt_addrlen(in->family) == 0)
		return -1;
	/* Newest first: a reply is most likely to answer a recent probe. */
	for (w = 0; w < TCP_PKT_WINDOWS; w++) {
		if (tcp_pkt_seq_candidate(off, in->lport, last, w, &cand) < 0)
			return -1;
		if (tcp_pkt_cookie(key, in->family, in->local, in->remote, in->lport, in->rport,
				   tid, cand) == in->isn) {
			*seq = cand;
			return 0;
		}
	}
	return -1;
}

/* Ones' complement sum of len bytes added to sum (not folded). */
static uint64_t
tcp_pkt_sum(uint64_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

/* Fold a running sum to 16 bits and complement it. */
static uint16_t
tcp_pkt_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* TCP checksum with the IPv4 or IPv6 pseudo-header (RFC 793, RFC 8200 8.1). */
uint16_t
tcp_pkt_checksum(int family, const void *src, const void *dst, const void *seg, size_t len)
{
	size_t alen = tcp_pkt_addrlen(family);
	uint64_t sum = 0;

	sum = tcp_pkt_sum(sum, src, alen);
	sum = tcp_pkt_sum(sum, dst, alen);
	/* Upper-layer length (32 bits for IPv6, 16 for IPv4: the same sum
	 * for a segment under 64 KiB) and the protocol number. */
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	sum += TCP_PKT_PROTO_TCP;
	sum = tcp_pkt_sum(sum, seg, len);
	return tcp_pkt_fold(sum);
}

/* Build one SYN; see tcp_pkt.h for what the kernel adds. */
size_t
tcp_pkt_build_syn(uint8_t *buf, size_t buflen, int family, const void *local, const void *remote,
		  uint16_t lport, uint16_t rport, uint32_t isn)
{
	size_t iplen = family == AF_INET ? TCP_PKT_IP4_LEN : 0;
	size_t total = iplen + TCP_PKT_TCP_LEN;
	uint8_t *ip = buf, *tcp = buf + iplen;

	if (tcp_pkt_addrlen(family) == 0 || buflen < total)
		return 0;
	memset(buf, 0, total);
	if (family == AF_INET) {
		ip[0] = 0x45; /* version 4, 5 words */
		tcp_pkt_put16(ip + 2, (uint16_t)total);
		tcp_pkt_put16(ip + 6, 0x4000); /* don't fragment; id 0: the kernel picks one */
		ip[8] = TCP_PKT_TTL;
		ip[9] = TCP_PKT_PROTO_TCP;
		memcpy(ip + 12, local, 4);
		memcpy(ip + 16, remote, 4);
	}
	tcp_pkt_put16(tcp, lport);
	tcp_pkt_put16(tcp + 2, rport);
	tcp_pkt_put32(tcp + 4, isn);
	tcp[12] = (TCP_PKT_TCP_LEN / 4) << 4;
	tcp[13] = TCP_PKT_SYN;
	tcp_pkt_put16(tcp + 14, TCP_PKT_WINDOW);
	tcp[20] = 2; /* MSS option, 4 bytes: a SYN without one looks odd to middleboxes */
	tcp[21] = 4;
	tcp_pkt_put16(tcp + 22, TCP_PKT_MSS);
	tcp_pkt_put16(tcp + 16, tcp_pkt_checksum(family, local, remote, tcp, TCP_PKT_TCP_LEN));
	return total;
}

/*
 * An IP header (IPv4 or IPv6, from its version nibble) at buf: find the
 * upper-layer header. Sets *family, *proto, *src and *dst (pointers into
 * buf), *l4 and *l4len (what the packet says it holds, cut to what was
 * captured). Fragments other than a first one are not ours to read.
 * Returns 0, or the class to give the packet.
 */
static int
tcp_pkt_ip(const uint8_t *buf, size_t len, int *family, uint8_t *proto, const uint8_t **src,
	   const uint8_t **dst, const uint8_t **l4, size_t *l4len, int quoted)
{
	size_t hl, tot, off;
	uint8_t nh;
	int i;

	if (len < 1)
		return TCP_PKT_MALFORMED;
	if (buf[0] >> 4 == 4) {
		if (len < TCP_PKT_IP4_LEN)
			return TCP_PKT_MALFORMED;
		hl = (size_t)(buf[0] & 0x0f) * 4;
		tot = tcp_pkt_get16(buf + 2);
		if (hl < TCP_PKT_IP4_LEN || hl > len || tot < hl)
			return TCP_PKT_MALFORMED;
		/* A quoted header describes the original packet, which the
		 * error quotes only in part; an outer one must be complete. */
		if (!quoted) {
			if (tot > len)
				return TCP_PKT_MALFORMED;
			len = tot;
		}
		if ((tcp_pkt_get16(buf + 6) & 0x1fff) != 0)
			return TCP_PKT_FOREIGN;
		*family = AF_INET;
		*proto = buf[9];
		*src = buf + 12;
		*dst = buf + 16;
		*l4 = buf + hl;
		*l4len = len - hl;
		return 0;
	}
	if (buf[0] >> 4 != 6)
		return TCP_PKT_MALFORMED;
	if (len < TCP_PKT_IP6_LEN)
		return TCP_PKT_MALFORMED;
	tot = TCP_PKT_IP6_LEN + (size_t)tcp_pkt_get16(buf + 4);
	if (!quoted) {
		if (tot > len)
			return TCP_PKT_MALFORMED;
		len = tot;
	}
	nh = buf[6];
	off = TCP_PKT_IP6_LEN;
	/* Step over hop-by-hop, routing and destination options headers. */
	for (i = 0; i < TCP_PKT_IP6_MAXEXT && (nh == 0 || nh == 43 || nh == 60); i++) {
		if (off + 2 > len)
			return TCP_PKT_MALFORMED;
		hl = ((size_t)buf[off + 1] + 1) * 8;
		nh = buf[off];
		if (hl > len - off)
			return TCP_PKT_MALFORMED;
		off += hl;
	}
	if (nh == 0 || nh == 43 || nh == 60 || nh == 44)
		return TCP_PKT_FOREIGN; /* too many headers, or a fragment */
	*family = AF_INET6;
	*proto = nh;
	*src = buf + 8;
	*dst = buf + 24;
	*l4 = buf + off;
	*l4len = len - off;
	return 0;
}

/* Is (family, type) an ICMP error that says a probe did not arrive? */
static int
tcp_pkt_icmp_error(int family, uint8_t type)
{
	if (family == AF_INET)
		return type == TCP_PKT_ICMP4_UNREACH || type == TCP_PKT_ICMP4_TIMXCEED;
	return type == TCP_PKT_ICMP6_UNREACH || type == TCP_PKT_ICMP6_TIMXCEED;
}

/* Is port in our source-port range? */
static int
tcp_pkt_our_port(uint16_t port)
{
	return (unsigned)port - tcp_pkt_sport_base < TCP_PKT_SPORT_SPAN;
}

/* An ICMP error (icmp points at its header, len bytes) from reporter. */
static enum tcp_pkt_class
tcp_pkt_quote(int family, const uint8_t *icmp, size_t len, const uint8_t *reporter,
	      struct tcp_pkt_info *out)
{
	const uint8_t *src, *dst, *tcp;
	size_t tcplen, alen = tcp_pkt_addrlen(family);
	uint8_t proto;
	int qfamily, k;

	if (len < 8)
		return TCP_PKT_MALFORMED;
	if (!tcp_pkt_icmp_error(family, icmp[0]))
		return TCP_PKT_FOREIGN;
	k = tcp_pkt_ip(icmp + 8, len - 8, &qfamily, &proto, &src, &dst, &tcp, &tcplen, 1);
	if (k != 0)
		return (enum tcp_pkt_class)k;
	if (qfamily != family)
		return TCP_PKT_MALFORMED;
	if (proto != TCP_PKT_PROTO_TCP)
		return TCP_PKT_FOREIGN;
	if (tcplen < TCP_PKT_QUOTE_MIN)
		return TCP_PKT_MALFORMED;
	/* Only a SYN can be ours; the flags are there if more was quoted. */
	if (tcplen >= 14 && (tcp[13] & (TCP_PKT_SYN | TCP_PKT_ACK | TCP_PKT_RSTF)) != TCP_PKT_SYN)
		return TCP_PKT_FOREIGN;
	out->lport = tcp_pkt_get16(tcp);
	out->rport = tcp_pkt_get16(tcp + 2);
	if (!tcp_pkt_our_port(out->lport))
		return TCP_PKT_FOREIGN;
	memcpy(out->local, src, alen);
	memcpy(out->remote, dst, alen);
	memcpy(out->reporter, reporter, alen);
	out->isn = tcp_pkt_get32(tcp + 4);
	out->icmp_type = icmp[0];
	out->icmp_code = icmp[1];
	return TCP_PKT_UNREACH;
}

/* A TCP segment that may answer a SYN: from (src, its port) to (dst, ours). */
static enum tcp_pkt_class
tcp_pkt_segment(int family, const uint8_t *tcp, size_t len, const uint8_t *src, const uint8_t *dst,
		struct tcp_pkt_info *out)
{
	size_t hl, alen = tcp_pkt_addrlen(family);
	uint8_t fl;

	if (len < TCP_PKT_TCP_MINLEN)
		return TCP_PKT_MALFORMED;
	hl = (size_t)(tcp[12] >> 4) * 4;
	if (hl < TCP_PKT_TCP_MINLEN || hl > len)
		return TCP_PKT_MALFORMED;
	fl = tcp[13];
	out->rport = tcp_pkt_get16(tcp);
	out->lport = tcp_pkt_get16(tcp + 2);
	out->flags = fl;
	if (!tcp_pkt_our_port(out->lport))
		return TCP_PKT_FOREIGN;
	/* A reply to a SYN always acknowledges it (RFC 793 3.4, "Reset
	 * Generation"); without ACK nothing in the segment can prove it is
	 * an answer to us, so a bare RST is not taken. */
	if (!(fl & TCP_PKT_ACK))
		return TCP_PKT_FOREIGN;
	memcpy(out->local, dst, alen);
	memcpy(out->remote, src, alen);
	out->isn = tcp_pkt_get32(tcp + 8) - 1;
	if (fl & TCP_PKT_RSTF)
		return TCP_PKT_RST;
	if ((fl & (TCP_PKT_SYN | TCP_PKT_FIN)) == TCP_PKT_SYN)
		return TCP_PKT_SYNACK;
	return TCP_PKT_FOREIGN;
}

/*
 * Classify one captured frame. We do not check the TCP checksum: a capture
 * on "any" sees segments from a local veth with checksum offload, whose
 * checksum field is still partial. The keyed cookie in the ack number is
 * what makes a reply count.
 */
enum tcp_pkt_class
tcp_pkt_parse(enum tcp_pkt_link link, const uint8_t *buf, size_t len, struct tcp_pkt_info *out)
{
	const uint8_t *src, *dst, *l4;
	size_t l4len;
	uint16_t ethertype = 0;
	uint8_t proto;
	int family, k;

	memset(out, 0, sizeof *out);
	switch (link) {
	case TCP_PKT_LINK_SLL:
		if (len < TCP_PKT_SLL_LEN)
			return TCP_PKT_MALFORMED;
		ethertype = tcp_pkt_get16(buf + 14);
		buf += TCP_PKT_SLL_LEN;
		len -= TCP_PKT_SLL_LEN;
		break;
	case TCP_PKT_LINK_SLL2:
		if (len < TCP_PKT_SLL2_LEN)
			return TCP_PKT_MALFORMED;
		ethertype = tcp_pkt_get16(buf);
		buf += TCP_PKT_SLL2_LEN;
		len -= TCP_PKT_SLL2_LEN;
		break;
	case TCP_PKT_LINK_RAW:
		break;
	default:
		return TCP_PKT_MALFORMED;
	}
	if (link != TCP_PKT_LINK_RAW && ethertype != TCP_PKT_ETH_IP4 &&
	    ethertype != TCP_PKT_ETH_IP6)
		return TCP_PKT_FOREIGN;
	k = tcp_pkt_ip(buf, len, &family, &proto, &src, &dst, &l4, &l4len, 0);
	if (k != 0)
		return (enum tcp_pkt_class)k;
	if (link != TCP_PKT_LINK_RAW && (ethertype == TCP_PKT_ETH_IP4) != (family == AF_INET))
		return TCP_PKT_MALFORMED;
	out->family = family;
	if (proto == TCP_PKT_PROTO_TCP)
		return tcp_pkt_segment(family, l4, l4len, src, dst, out);
	if (proto == (family == AF_INET ? TCP_PKT_PROTO_ICMP : TCP_PKT_PROTO_ICMPV6))
		return tcp_pkt_quote(family, l4, l4len, src, out);
	return TCP_PKT_FOREIGN;
}

/*
 * The capture filter. One generic filter for all targets rather than one
 * naming every destination: targets are known only at send time, and
 * recompiling a filter in the event loop costs time and, on Linux, drains
 * the capture socket (packets in flight are lost). The port range plus
 * the ACK/SYN/RST flags already keep out everything but answers to SYNs
 * from our range; the cookie rejects the rest. IPv6 offsets assume no
 * extension headers (libpcap cannot index past them); a reply that has
 * them is not captured and its probe times out.
 */
int
tcp_pkt_filter(char *buf, size_t len, int family)
{
	unsigned last = tcp_pkt_sport_base + TCP_PKT_SPORT_SPAN - 1;
	int n;

	if (family == AF_INET)
		n = snprintf(buf, len,
			     "ip and ((tcp dst portrange %u-%u"
			     " and tcp[13] & 0x10 != 0 and tcp[13] & 0x06 != 0)"
			     " or (icmp and (icmp[0] == 3 or icmp[0] == 11) and icmp[17] == 6"
			     " and icmp[8 + ((icmp[8] & 0x0f) << 2):2] >= %u"
			     " and icmp[8 + ((icmp[8] & 0x0f) << 2):2] <= %u))",
			     tcp_pkt_sport_base, last, tcp_pkt_sport_base, last);
	else if (family == AF_INET6)
		n = snprintf(buf, len,
			     "ip6 and ((ip6[6] == 6 and ip6[42:2] >= %u and ip6[42:2] <= %u"
			     " and ip6[53] & 0x10 != 0 and ip6[53] & 0x06 != 0)"
			     " or (ip6[6] == 58 and (ip6[40] == 1 or ip6[40] == 3) and ip6[54] == 6"
			     " and ip6[88:2] >= %u and ip6[88:2] <= %u))",
			     tcp_pkt_sport_base, last, tcp_pkt_sport_base, last);
	else
		return -1;
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/* Name of a class for logs and tests. */
const char *
tcp_pkt_class_name(enum tcp_pkt_class k)
{
	switch (k) {
	case TCP_PKT_SYNACK:
		return "synack";
	case TCP_PKT_RST:
		return "rst";
	case TCP_PKT_UNREACH:
		return "unreach";
	case TCP_PKT_FOREIGN:
		return "foreign";
	case TCP_PKT_MALFORMED:
		return "malformed";
	}
	return "?";
}
