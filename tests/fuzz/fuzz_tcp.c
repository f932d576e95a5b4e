/* SPDX-License-Identifier: ISC */
/* fuzz_tcp.c: libFuzzer target for the TCP reply parser. The first byte
 * picks the link type (SLL, SLL2, raw IP); the rest is the captured frame.
 * Whatever parses as an answer is also run through cookie verification. */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "probes/tcp_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: parse, check the invariants of what came out, verify. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t key[2] = { 0x1122334455667788ULL, 0x99aabbccddeeff00ULL };
	struct tcp_pkt_info in;
	enum tcp_pkt_class k;
	uint64_t seq;
	uint8_t *copy;
	size_t i;

	if (size < 1)
		return 0;
	/* An exact-size heap copy, so any read past the end is caught. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (copy == NULL)
		return 0;
	for (i = 1; i < size; i++)
		copy[i - 1] = data[i];
	k = tcp_pkt_parse((enum tcp_pkt_link)(data[0] % 3), copy, size - 1, &in);
	if (k == TCP_PKT_SYNACK || k == TCP_PKT_RST || k == TCP_PKT_UNREACH) {
		if (in.family != AF_INET && in.family != AF_INET6)
			abort();
		if ((unsigned)in.lport - tcp_pkt_sport_base >= TCP_PKT_SPORT_SPAN)
			abort();
		if (tcp_pkt_verify(key, &in, data[0], tcp_pkt_sport_offset(key, data[0]),
				   (uint64_t)size * 1000, &seq) == 0 &&
		    seq > (uint64_t)size * 1000)
			abort();
	} else if (k != TCP_PKT_FOREIGN && k != TCP_PKT_MALFORMED)
		abort();
	free(copy);
	return 0;
}
