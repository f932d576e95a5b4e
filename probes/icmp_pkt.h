/* SPDX-License-Identifier: ISC */
/* icmp_pkt.h: ICMP echo probes on the wire. Build a request, classify what
 * comes back. Pure functions: no sockets, no clocks, no allocation, so they
 * can be unit-tested and fuzzed on their own. */
#ifndef HAMON_ICMP_PKT_H
#define HAMON_ICMP_PKT_H
#include <stddef.h>
#include <stdint.h>

/*
 * An echo request is the 8-byte ICMP header (type, code, checksum,
 * identifier, 16-bit sequence = low bits of seq) and this payload, all
 * integers big-endian:
 *
 *    0  "HAMN"       magic
 *    4  version      ICMP_PKT_VERSION
 *    5  reserved     3 zero bytes (keeps the integers aligned in a hex dump)
 *    8  tid          u32, target index
 *   12  seq          u64, probe counter
 *   20  check        u64, siphash24(key, tid || seq || family || destination)
 *   28  zero padding up to ICMP_PKT_PAYLOAD_LEN
 *
 * family in the check is the byte 4 or 6 and destination the 4 or 16 address
 * bytes, so a reply proves that it comes from the address the probe was sent
 * to and that whoever built the payload knew the key.
 */
#define ICMP_PKT_HDR_LEN     8
#define ICMP_PKT_PAYLOAD_LEN 56
#define ICMP_PKT_LEN         (ICMP_PKT_HDR_LEN + ICMP_PKT_PAYLOAD_LEN)
#define ICMP_PKT_MAGIC       "HAMN"
#define ICMP_PKT_VERSION     1
/* Payload bytes a quoted probe must keep for its check to be verified. */
#define ICMP_PKT_CHECKED_LEN 28

enum icmp_pkt_class {
	ICMP_PKT_OK = 0,    /* echo reply to one of our probes, check valid */
	ICMP_PKT_UNREACH,   /* ICMP error quoting one of our probes, check valid */
	ICMP_PKT_BAD_CHECK, /* our magic and version, wrong check value */
	ICMP_PKT_FOREIGN,   /* well formed but not ours */
	ICMP_PKT_MALFORMED, /* truncated, bad header, bad IPv4 ICMP checksum */
};

/* How one socket sends and receives. */
struct icmp_pkt_ctx {
	uint64_t key[2]; /* secret for the check value */
	uint16_t ident;  /* our echo identifier, host order */
	int family;      /* AF_INET or AF_INET6 */
	int raw;         /* 1: raw socket: the identifier is ours to check, and
	                  * IPv4 packets arrive with their IP header. 0: datagram
	                  * socket: the kernel rewrites the identifier. */
};

/* What a classified packet says; tid/seq for OK, UNREACH and BAD_CHECK. */
struct icmp_pkt_info {
	uint32_t tid;
	uint64_t seq;
	uint8_t type; /* outer ICMP type and code */
	uint8_t code;
	uint8_t dst[16]; /* UNREACH: quoted destination (first 4 bytes for IPv4) */
};

/* The process's echo identifier, derived from the key without revealing it. */
uint16_t icmp_pkt_ident(const uint64_t key[2]);

/* Build the echo request for (tid, seq) to dst (4 or 16 address bytes, by
 * c->family) into buf. Returns ICMP_PKT_LEN, or 0 if buflen is too small or
 * the family unknown. The IPv6 checksum is left 0: the kernel fills it in. */
size_t icmp_pkt_build(uint8_t *buf, size_t buflen, const struct icmp_pkt_ctx *c, const void *dst,
		      uint32_t tid, uint64_t seq);

/* Classify a packet read from the socket described by c. src holds the 4 or
 * 16 bytes of the sender's address (from recvmsg's msg_name). */
enum icmp_pkt_class icmp_pkt_parse(const struct icmp_pkt_ctx *c, const uint8_t *buf, size_t len,
				   const void *src, struct icmp_pkt_info *out);

/* Classify a quoted echo request that starts at its ICMP header, as the
 * kernel returns it on the error queue: UNREACH when it is one of ours sent
 * to dst (4 or 16 address bytes). out->type/code are left 0. */
enum icmp_pkt_class icmp_pkt_parse_quoted(const struct icmp_pkt_ctx *c, const uint8_t *buf,
					  size_t len, const void *dst, struct icmp_pkt_info *out);

/* The Internet checksum (RFC 1071) of len bytes; 0 over a valid packet. */
uint16_t icmp_pkt_checksum(const void *buf, size_t len);

/* "ok", "unreach", "bad-check", "foreign", "malformed". */
const char *icmp_pkt_class_name(enum icmp_pkt_class k);

#endif
