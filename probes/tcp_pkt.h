/* SPDX-License-Identifier: ISC */
/* tcp_pkt.h: TCP SYN probes on the wire. Build a SYN, prove that a captured
 * reply answers one of ours, and build the capture filter. Pure functions:
 * no sockets, no clocks, no allocation, so they can be unit-tested and
 * fuzzed on their own. */
#ifndef HAMON_TCP_PKT_H
#define HAMON_TCP_PKT_H
#include <stddef.h>
#include <stdint.h>

/*
 * Stateless matching, in the manner of masscan and zmap: a SYN carries no
 * payload, so the probe identity travels in the two fields the target must
 * echo back.
 *
 * Source port: tcp_pkt_sport_base + ((seq ^ off(tid)) & TCP_PKT_SPORT_MASK),
 * a window of 16384 ports outside the kernel's local port range (see
 * tcp_pkt_pick_sport_base). off is a keyed 14-bit offset per target index,
 * so targets probed in step do not walk the same ports at the same time.
 * The port carries the low 14 bits of seq; the rest is recovered from the
 * highest seq sent for that target (the sender keeps it): the reply belongs
 * to the latest seq <= last sent with those low bits.
 *
 * Initial sequence number: the low 32 bits of siphash24(key, "T", family,
 * local address, remote address, local port, remote port, tid, seq), the
 * full 64-bit seq included. A SYN-ACK or RST+ACK is ours only if ack - 1
 * equals the cookie recomputed from the reply's own addresses and ports; an
 * ICMP error only if the SYN it quotes carries that cookie as its sequence
 * number. Because the whole seq is hashed, a reply older than one port
 * window (16384 probes) cannot be credited to the wrong probe: recovery
 * tries the latest TCP_PKT_WINDOWS windows and accepts only a matching
 * cookie.
 */
#define TCP_PKT_SPORT_BITS    14
#define TCP_PKT_SPORT_SPAN    (1u << TCP_PKT_SPORT_BITS)
#define TCP_PKT_SPORT_MASK    (TCP_PKT_SPORT_SPAN - 1)
#define TCP_PKT_SPORT_DEFAULT 49152 /* IANA's dynamic ports, 49152..65535 */

/* The first port of the window; set once, before the first probe and the
 * capture filter (tcp_pkt_filter), and the same for both families. */
extern unsigned tcp_pkt_sport_base;

/*
 * A window of TCP_PKT_SPORT_SPAN source ports within 1024..65535 that does
 * not overlap the kernel's local port range [lo, hi]
 * (net.ipv4.ip_local_port_range). A raw SYN from a port that a connection
 * of this host to the same target and port uses is no new connection to
 * the target: it answers with a bare ACK, not a SYN-ACK, and that probe
 * would count as lost (an ssh session to a VM probed on port 22 would cost
 * one false loss per 16384 probes). Prefers 49152..65535, else the ports
 * just below lo. 0 with *base, or -1 with *base =
 * TCP_PKT_SPORT_DEFAULT when the range leaves no such window.
 */
int tcp_pkt_pick_sport_base(unsigned lo, unsigned hi, unsigned *base);
#define TCP_PKT_WINDOWS 4

/* A SYN: 20-byte TCP header plus a 4-byte MSS option; IPv4 adds its header. */
#define TCP_PKT_TCP_LEN  24
#define TCP_PKT_IP4_LEN  20
#define TCP_PKT_SYN4_LEN (TCP_PKT_IP4_LEN + TCP_PKT_TCP_LEN)
#define TCP_PKT_SYN_MAX  TCP_PKT_SYN4_LEN
#define TCP_PKT_MSS      1460
#define TCP_PKT_WINDOW   64240
#define TCP_PKT_TTL      64

/* Captured bytes that hold every header we read (SLL2 + IPv6 + ICMPv6 +
 * quoted IPv6 + a full TCP header, with room for extension headers). */
#define TCP_PKT_SNAPLEN 256

/* Link layers of a capture; tcp_syn.c maps pcap's DLT values onto these. */
enum tcp_pkt_link {
	TCP_PKT_LINK_SLL = 0, /* DLT_LINUX_SLL: 16-byte cooked header ("any") */
	TCP_PKT_LINK_SLL2,    /* DLT_LINUX_SLL2: 20-byte cooked header */
	TCP_PKT_LINK_RAW,     /* DLT_RAW, DLT_IPV4, DLT_IPV6: starts at the IP header */
};

enum tcp_pkt_class {
	TCP_PKT_SYNACK = 0, /* SYN+ACK to one of our ports: the service is up */
	TCP_PKT_RST,        /* RST+ACK to one of our ports: host up, port closed */
	TCP_PKT_UNREACH,    /* ICMP error quoting a SYN from one of our ports */
	TCP_PKT_FOREIGN,    /* well formed, but nothing our SYNs could cause */
	TCP_PKT_MALFORMED,  /* truncated or inconsistent headers */
};

/* A parsed reply, seen from our side. Addresses are 4 or 16 bytes by family. */
struct tcp_pkt_info {
	int family;           /* AF_INET or AF_INET6 */
	uint8_t local[16];    /* our address: the reply's destination / the quoted source */
	uint8_t remote[16];   /* the target: the reply's source / the quoted destination */
	uint8_t reporter[16]; /* UNREACH: who sent the ICMP error */
	uint16_t lport;       /* our (source) port */
	uint16_t rport;       /* the target's port */
	uint32_t isn;         /* the ISN the packet says we sent: ack - 1, or the quoted seq */
	uint8_t flags;        /* TCP flags of the reply (0 for UNREACH) */
	uint8_t icmp_type;    /* UNREACH: outer ICMP type and code */
	uint8_t icmp_code;
};

/* 14-bit source-port offset of a target index, derived from the key. */
uint16_t tcp_pkt_sport_offset(const uint64_t key[2], uint32_t tid);

/* Source port of probe seq for a target with offset off. */
uint16_t tcp_pkt_sport(uint16_t off, uint64_t seq);

/* Candidate seq number w (0 = latest) that could have used sport, given
 * that last is the highest seq sent: the w-th latest seq <= last whose low
 * bits the port carries. -1 if sport is outside our range or the candidate
 * would precede seq 0. */
int tcp_pkt_seq_candidate(uint16_t off, uint16_t sport, uint64_t last, unsigned w, uint64_t *seq);

/* The cookie (ISN) of probe (tid, seq) on a 4-tuple. local/remote are 4 or
 * 16 bytes by family. */
uint32_t tcp_pkt_cookie(const uint64_t key[2], int family, const void *local, const void *remote,
			uint16_t lport, uint16_t rport, uint32_t tid, uint64_t seq);

/*
 * Does the parsed reply in (SYNACK, RST or UNREACH) prove that it answers
 * probe (tid, seq) for some seq <= last, given the target's port offset off?
 * 0 with *seq set, or -1.
 */
int tcp_pkt_verify(const uint64_t key[2], const struct tcp_pkt_info *in, uint32_t tid, uint16_t off,
		   uint64_t last, uint64_t *seq);

/*
 * Build a SYN from local:lport to remote:rport with sequence number isn into
 * buf. AF_INET: an IPv4 header (for an IP_HDRINCL / IPPROTO_RAW socket; the
 * kernel fills in the IP id and header checksum) and the TCP segment;
 * AF_INET6: the TCP segment only (the kernel builds the IPv6 header). The
 * TCP checksum, pseudo-header included, is always filled in. Returns the
 * length, or 0 if buf is too small or the family unknown.
 */
size_t tcp_pkt_build_syn(uint8_t *buf, size_t buflen, int family, const void *local,
			 const void *remote, uint16_t lport, uint16_t rport, uint32_t isn);

/* The TCP checksum of segment seg (len bytes, checksum field as it is) with
 * the pseudo-header for local -> remote. Over a segment whose checksum field
 * is correct the result is 0. */
uint16_t tcp_pkt_checksum(int family, const void *src, const void *dst, const void *seg,
			  size_t len);

/* Classify one captured frame of link type link. */
enum tcp_pkt_class tcp_pkt_parse(enum tcp_pkt_link link, const uint8_t *buf, size_t len,
				 struct tcp_pkt_info *out);

/*
 * The capture filter for family: inbound TCP segments with ACK and SYN or
 * RST addressed to our port range, and ICMP destination-unreachable or
 * time-exceeded errors quoting TCP from that range. Returns the length
 * written (as snprintf), or -1 if the family is unknown or buf too small.
 */
int tcp_pkt_filter(char *buf, size_t len, int family);

/* "synack", "rst", "unreach", "foreign", "malformed". */
const char *tcp_pkt_class_name(enum tcp_pkt_class k);

#endif
