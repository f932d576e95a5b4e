/* SPDX-License-Identifier: ISC */
/* icmp_pkt.c: build echo requests and classify received ICMP/ICMPv6 packets. */
#include <sys/socket.h>

#include <string.h>

#include "lib/siphash.h"
#include "probes/icmp_pkt.h"

/* ICMP and ICMPv6 types we use, spelt out so this file needs no netinet headers. */
#define ICMP4_ECHOREPLY      0
#define ICMP4_DEST_UNREACH   3
#define ICMP4_ECHO           8
#define ICMP4_TIME_EXCEEDED  11
#define ICMP6_DEST_UNREACH   1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED  3
#define ICMP6_ECHO           128
#define ICMP6_ECHOREPLY      129

#define ICMP_PKT_IP4_MINHDR   20
#define ICMP_PKT_IP6_HDR      40
#define ICMP_PKT_PROTO_ICMP   1
#define ICMP_PKT_PROTO_ICMPV6 58

/* Payload field offsets, after the ICMP header. */
#define ICMP_PKT_OFF_VERSION 4
#define ICMP_PKT_OFF_TID     8
#define ICMP_PKT_OFF_SEQ     12
#define ICMP_PKT_OFF_CHECK   20

/* Read a big-endian 16-bit value. */
static uint16_t
icmp_pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Read a big-endian 32-bit value. */
static uint32_t
icmp_pkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Read a big-endian 64-bit value. */
static uint64_t
icmp_pkt_get64(const uint8_t *p)
{
	return (uint64_t)icmp_pkt_get32(p) << 32 | icmp_pkt_get32(p + 4);
}

/* Write a big-endian 16-bit value. */
static void
icmp_pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Write a big-endian 32-bit value. */
static void
icmp_pkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Write a big-endian 64-bit value. */
static void
icmp_pkt_put64(uint8_t *p, uint64_t v)
{
	icmp_pkt_put32(p, (uint32_t)(v >> 32));
	icmp_pkt_put32(p + 4, (uint32_t)v);
}

/* Address length for a family, 0 if we do not speak it. */
static size_t
icmp_pkt_addrlen(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return 0;
}

/* The keyed check over tid, seq, family and the destination address. */
static uint64_t
icmp_pkt_check(const struct icmp_pkt_ctx *c, uint32_t tid, uint64_t seq, const void *addr)
{
	uint8_t in[4 + 8 + 1 + 16];
	size_t alen = icmp_pkt_addrlen(c->family);

	icmp_pkt_put32(in, tid);
	icmp_pkt_put64(in + 4, seq);
	in[12] = c->family == AF_INET ? 4 : 6;
	memcpy(in + 13, addr, alen);
	return siphash24(c->key, in, 13 + alen);
}

/* Internet checksum: 16-bit ones' complement sum, an odd last byte padded with zero. */
uint16_t
icmp_pkt_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The identifier: 16 bits of a keyed hash, so the wire never shows key bits. */
uint16_t
icmp_pkt_ident(const uint64_t key[2])
{
	static const char label[] = "hamon icmp identifier";

	return (uint16_t)siphash24(key, label, sizeof label - 1);
}

/* Build one echo request; see icmp_pkt.h for the layout. */
size_t
icmp_pkt_build(uint8_t *buf, size_t buflen, const struct icmp_pkt_ctx *c, const void *dst,
	       uint32_t tid, uint64_t seq)
{
	uint8_t *pl = buf + ICMP_PKT_HDR_LEN;

	if (buflen < ICMP_PKT_LEN || icmp_pkt_addrlen(c->family) == 0)
		return 0;
	memset(buf, 0, ICMP_PKT_LEN);
	buf[0] = c->family == AF_INET ? ICMP4_ECHO : ICMP6_ECHO;
	icmp_pkt_put16(buf + 4, c->ident);
	icmp_pkt_put16(buf + 6, (uint16_t)seq);
	memcpy(pl, ICMP_PKT_MAGIC, 4);
	pl[ICMP_PKT_OFF_VERSION] = ICMP_PKT_VERSION;
	icmp_pkt_put32(pl + ICMP_PKT_OFF_TID, tid);
	icmp_pkt_put64(pl + ICMP_PKT_OFF_SEQ, seq);
	icmp_pkt_put64(pl + ICMP_PKT_OFF_CHECK, icmp_pkt_check(c, tid, seq, dst));
	if (c->family == AF_INET)
		icmp_pkt_put16(buf + 2, icmp_pkt_checksum(buf, ICMP_PKT_LEN));
	return ICMP_PKT_LEN;
}

/*
 * Check the payload of an echo message (icmp points at its ICMP header, len
 * bytes in all) against addr. need is how much payload must be present for
 * the message to count as complete: a reply echoes the whole request, while
 * an ICMP error may quote only part of it.
 */
static enum icmp_pkt_class
icmp_pkt_payload(const struct icmp_pkt_ctx *c, const uint8_t *icmp, size_t len, size_t need,
		 const void *addr, struct icmp_pkt_info *out)
{
	const uint8_t *pl = icmp + ICMP_PKT_HDR_LEN;
	size_t plen = len - ICMP_PKT_HDR_LEN;
	uint32_t tid;
	uint64_t seq;

	if (plen < 4 || memcmp(pl, ICMP_PKT_MAGIC, 4) != 0)
		return ICMP_PKT_FOREIGN;
	if (plen <= ICMP_PKT_OFF_VERSION)
		return ICMP_PKT_MALFORMED;
	/* Another version is another program's format (or a later hamon's). */
	if (pl[ICMP_PKT_OFF_VERSION] != ICMP_PKT_VERSION)
		return ICMP_PKT_FOREIGN;
	if (plen < need)
		return ICMP_PKT_MALFORMED;
	tid = icmp_pkt_get32(pl + ICMP_PKT_OFF_TID);
	seq = icmp_pkt_get64(pl + ICMP_PKT_OFF_SEQ);
	out->tid = tid;
	out->seq = seq;
	/* The header's 16-bit sequence is not covered by the check, but we
	 * always write the low bits of seq there: a mismatch is a forgery. */
	if (icmp_pkt_get64(pl + ICMP_PKT_OFF_CHECK) != icmp_pkt_check(c, tid, seq, addr) ||
	    icmp_pkt_get16(icmp + 6) != (uint16_t)seq)
		return ICMP_PKT_BAD_CHECK;
	return ICMP_PKT_OK;
}

/* Classify a quoted echo request starting at its ICMP header. */
enum icmp_pkt_class
icmp_pkt_parse_quoted(const struct icmp_pkt_ctx *c, const uint8_t *buf, size_t len, const void *dst,
		      struct icmp_pkt_info *out)
{
	enum icmp_pkt_class k;
	size_t alen = icmp_pkt_addrlen(c->family);

	memset(out, 0, sizeof *out);
	if (alen == 0 || len < ICMP_PKT_HDR_LEN)
		return ICMP_PKT_MALFORMED;
	if (buf[0] != (c->family == AF_INET ? ICMP4_ECHO : ICMP6_ECHO) || buf[1] != 0)
		return ICMP_PKT_FOREIGN;
	if (c->raw && icmp_pkt_get16(buf + 4) != c->ident)
		return ICMP_PKT_FOREIGN;
	/* Routers may quote as little as 8 bytes past the IP header (RFC 792);
	 * without tid, seq and check the error cannot be tied to a probe. */
	if (len < ICMP_PKT_HDR_LEN + ICMP_PKT_CHECKED_LEN)
		return ICMP_PKT_FOREIGN;
	k = icmp_pkt_payload(c, buf, len, ICMP_PKT_CHECKED_LEN, dst, out);
	if (k == ICMP_PKT_OK) {
		memcpy(out->dst, dst, alen);
		k = ICMP_PKT_UNREACH;
	}
	return k;
}

/* An ICMP error (icmp points at its header): find the quoted probe in it. */
static enum icmp_pkt_class
icmp_pkt_error(const struct icmp_pkt_ctx *c, const uint8_t *icmp, size_t len,
	       struct icmp_pkt_info *out)
{
	const uint8_t *q = icmp + ICMP_PKT_HDR_LEN;
	size_t qlen = len - ICMP_PKT_HDR_LEN, hl;
	const uint8_t *dst;
	enum icmp_pkt_class k;

	if (c->family == AF_INET) {
		if (qlen < ICMP_PKT_IP4_MINHDR || q[0] >> 4 != 4)
			return ICMP_PKT_MALFORMED;
		hl = (size_t)(q[0] & 0x0f) * 4;
		if (hl < ICMP_PKT_IP4_MINHDR || hl > qlen)
			return ICMP_PKT_MALFORMED;
		if (q[9] != ICMP_PKT_PROTO_ICMP)
			return ICMP_PKT_FOREIGN;
		dst = q + 16;
	} else {
		if (qlen < ICMP_PKT_IP6_HDR || q[0] >> 4 != 6)
			return ICMP_PKT_MALFORMED;
		/* Our probes carry no extension headers. */
		if (q[6] != ICMP_PKT_PROTO_ICMPV6)
			return ICMP_PKT_FOREIGN;
		hl = ICMP_PKT_IP6_HDR;
		dst = q + 24;
	}
	k = icmp_pkt_parse_quoted(c, q + hl, qlen - hl, dst, out);
	out->type = icmp[0];
	out->code = icmp[1];
	return k;
}

/* Is type an error that says a probe did not arrive? */
static int
icmp_pkt_is_error(int family, uint8_t type)
{
	if (family == AF_INET)
		return type == ICMP4_DEST_UNREACH || type == ICMP4_TIME_EXCEEDED;
	return type == ICMP6_DEST_UNREACH || type == ICMP6_PACKET_TOO_BIG ||
	       type == ICMP6_TIME_EXCEEDED;
}

/*
 * Strip the IPv4 header a raw socket delivers. The total length is believed
 * only as far as the buffer goes: it may shorten the packet (trailing
 * padding), never lengthen it. -1 when the header is not a sane ICMP one.
 */
static int
icmp_pkt_strip_ip4(const uint8_t **buf, size_t *len)
{
	const uint8_t *ip = *buf;
	size_t hl, tot;

	if (*len < ICMP_PKT_IP4_MINHDR || ip[0] >> 4 != 4)
		return -1;
	hl = (size_t)(ip[0] & 0x0f) * 4;
	tot = icmp_pkt_get16(ip + 2);
	if (hl < ICMP_PKT_IP4_MINHDR || hl > *len || tot < hl || tot > *len ||
	    ip[9] != ICMP_PKT_PROTO_ICMP)
		return -1;
	*buf = ip + hl;
	*len = tot - hl;
	return 0;
}

/* Classify one received packet; see icmp_pkt.h. */
enum icmp_pkt_class
icmp_pkt_parse(const struct icmp_pkt_ctx *c, const uint8_t *buf, size_t len, const void *src,
	       struct icmp_pkt_info *out)
{
	uint8_t type;

	memset(out, 0, sizeof *out);
	if (icmp_pkt_addrlen(c->family) == 0)
		return ICMP_PKT_MALFORMED;
	if (c->family == AF_INET && c->raw && icmp_pkt_strip_ip4(&buf, &len) < 0)
		return ICMP_PKT_MALFORMED;
	if (len < ICMP_PKT_HDR_LEN)
		return ICMP_PKT_MALFORMED;
	/* The kernel verifies ICMPv6 checksums (they need the pseudo-header,
	 * which we do not see); ICMPv4 ones we can and do check. */
	if (c->family == AF_INET && icmp_pkt_checksum(buf, len) != 0)
		return ICMP_PKT_MALFORMED;
	type = buf[0];
	out->type = type;
	out->code = buf[1];
	if (type == (c->family == AF_INET ? ICMP4_ECHOREPLY : ICMP6_ECHOREPLY)) {
		if (buf[1] != 0 || (c->raw && icmp_pkt_get16(buf + 4) != c->ident))
			return ICMP_PKT_FOREIGN;
		return icmp_pkt_payload(c, buf, len, ICMP_PKT_PAYLOAD_LEN, src, out);
	}
	if (icmp_pkt_is_error(c->family, type))
		return icmp_pkt_error(c, buf, len, out);
	return ICMP_PKT_FOREIGN;
}

/* Name of a class for logs and tests. */
const char *
icmp_pkt_class_name(enum icmp_pkt_class k)
{
	switch (k) {
	case ICMP_PKT_OK:
		return "ok";
	case ICMP_PKT_UNREACH:
		return "unreach";
	case ICMP_PKT_BAD_CHECK:
		return "bad-check";
	case ICMP_PKT_FOREIGN:
		return "foreign";
	case ICMP_PKT_MALFORMED:
		return "malformed";
	}
	return "?";
}
