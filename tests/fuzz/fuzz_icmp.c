/* SPDX-License-Identifier: ISC */
/*
 * fuzz_icmp.c: libFuzzer target for the ICMP packet classifier. The first
 * byte picks how the rest is read: 0 IPv4 raw (with IP header), 1 IPv4
 * datagram, 2 IPv6 raw, 3 IPv6 datagram, 4 and 5 an IPv4 or IPv6 quote from
 * the error queue. Seeds in tests/fuzz/corpus/icmp use the key and
 * addresses below, so the fuzzer starts from packets that pass the check.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probes/icmp_pkt.h"

static const uint64_t fuzz_key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
static const uint8_t fuzz_peer4[4] = { 198, 18, 0, 2 };
static const uint8_t fuzz_peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A packet accepted as ours must carry the fields we would have built (the
 * reserved bytes and the padding are not checked, so not compared). */
static void
fuzz_check_ours(const struct icmp_pkt_ctx *c, const uint8_t *icmp, size_t len,
		const struct icmp_pkt_info *info, const void *addr)
{
	uint8_t want[ICMP_PKT_LEN];
	size_t pl = ICMP_PKT_HDR_LEN;

	if (icmp_pkt_build(want, sizeof want, c, addr, info->tid, info->seq) != ICMP_PKT_LEN ||
	    len < pl + ICMP_PKT_CHECKED_LEN || memcmp(want + pl, icmp + pl, 5) != 0 ||
	    memcmp(want + pl + 8, icmp + pl + 8, ICMP_PKT_CHECKED_LEN - 8) != 0 ||
	    memcmp(want + 6, icmp + 6, 2) != 0)
		abort();
}

/* One input: classify it, and cross-check whatever is claimed as ours. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_pkt_ctx c;
	struct icmp_pkt_info info;
	enum icmp_pkt_class k;
	const uint8_t *pkt;
	const void *peer;
	size_t len, off;
	int mode;

	if (size < 1)
		return 0;
	mode = data[0] % 6;
	pkt = data + 1;
	len = size - 1;
	memset(&c, 0, sizeof c);
	c.key[0] = fuzz_key[0];
	c.key[1] = fuzz_key[1];
	c.ident = icmp_pkt_ident(fuzz_key);
	c.family = mode == 0 || mode == 1 || mode == 4 ? AF_INET : AF_INET6;
	c.raw = mode == 0 || mode == 2;
	peer = c.family == AF_INET ? (const void *)fuzz_peer4 : (const void *)fuzz_peer6;

	if (mode >= 4) {
		k = icmp_pkt_parse_quoted(&c, pkt, len, peer, &info);
		if (k == ICMP_PKT_OK)
			abort();
		if (k == ICMP_PKT_UNREACH)
			fuzz_check_ours(&c, pkt, len, &info, peer);
		return 0;
	}
	k = icmp_pkt_parse(&c, pkt, len, peer, &info);
	if (k == ICMP_PKT_OK) {
		off = c.family == AF_INET && c.raw ? (size_t)(pkt[0] & 0x0f) * 4 : 0;
		if (off > len || len - off < ICMP_PKT_LEN)
			abort();
		fuzz_check_ours(&c, pkt + off, len - off, &info, peer);
	}
	return 0;
}
