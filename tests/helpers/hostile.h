/* SPDX-License-Identifier: ISC */
/* hostile.h: what the files of the hostile helper share: its limits, the
 * kinds of packet, the run's state and the functions one file calls in
 * another. hostile.c has the command line, flood and listen;
 * hostile_pkt.c builds the packets; hostile_net.c opens the sockets,
 * sends and sniffs hamon's echo requests. */
#ifndef HAMON_TESTS_HELPERS_HOSTILE_H
#define HAMON_TESTS_HELPERS_HOSTILE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* hostile.c */
/* Monotonic clock in ns. */
int64_t hs_now(void);

/* hostile_pkt.c */
/* The big-endian 16-bit value at p. */
uint16_t hs_get16(const uint8_t *p);
/* The big-endian 64-bit value at p. */
uint64_t hs_get64(const uint8_t *p);
/* An IPv4 (20 bytes) or IPv6 (40 bytes) header from src to dst; its length. */
size_t hs_ip_header(uint8_t *b, int v6, uint8_t proto, size_t payload, const void *src,
		    const void *dst);
/*
 * Build the payload of the IP datagram for job j at b: its length, the IP
 * protocol in *proto; 0 when there is nothing to send (replay before any
 * request was seen).
 */
size_t hs_build(struct hs *h, struct hs_job *j, uint8_t *b, uint8_t *proto);

/* hostile_net.c */
/* Send one packet of job j. */
void hs_send(struct hs *h, struct hs_job *j);
/* Read every queued echo request on both sniffers. */
void hs_sniff(struct hs *h);
/* Our own address towards dst (a route lookup through a UDP socket, no packet). */
void hs_local_addr(int family, const void *dst, void *out);
/* Open the sender and the sniffer of one family; exit 1 on failure. */
void hs_open(struct hs *h, int v6);

#endif
