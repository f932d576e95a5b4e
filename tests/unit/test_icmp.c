/* SPDX-License-Identifier: ISC */
/* test_icmp.c: ICMP echo packets built, parsed and classified; one live round on loopback. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/siphash.h"
#include "lib/timeutil.h"
#include "probes/icmp_pkt.h"
#include "probes/probe.h"

#define TEST_BUF 1600

static const uint64_t test_key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };

/* Addresses from the documentation/benchmark ranges: us, the target, a router. */
static const uint8_t test_us4[4] = { 198, 18, 0, 1 };
static const uint8_t test_dst4[4] = { 198, 18, 0, 2 };
static const uint8_t test_other4[4] = { 198, 18, 0, 3 };
static const uint8_t test_router4[4] = { 198, 18, 0, 254 };
static const uint8_t test_us6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t test_dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t test_other6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 3 };
static const uint8_t test_router6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xff, [15] = 0xfe };

/* A context for family/raw with the test key. */
static struct icmp_pkt_ctx
test_ctx(int family, int raw)
{
	struct icmp_pkt_ctx c;

	memset(&c, 0, sizeof c);
	c.key[0] = test_key[0];
	c.key[1] = test_key[1];
	c.ident = icmp_pkt_ident(test_key);
	c.family = family;
	c.raw = raw;
	return c;
}

/* Set the IPv4 ICMP checksum of an ICMP message of len bytes. */
static void
test_fix_csum4(uint8_t *icmp, size_t len)
{
	uint16_t sum;

	icmp[2] = icmp[3] = 0;
	sum = icmp_pkt_checksum(icmp, len);
	icmp[2] = (uint8_t)(sum >> 8);
	icmp[3] = (uint8_t)sum;
}

/* Write a 20-byte IPv4 header for proto from src to dst around a payload of plen. */
static void
test_ip4_header(uint8_t *h, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t plen)
{
	uint16_t sum;
	size_t tot = 20 + plen;

	memset(h, 0, 20);
	h[0] = 0x45;
	h[2] = (uint8_t)(tot >> 8);
	h[3] = (uint8_t)tot;
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	sum = icmp_pkt_checksum(h, 20);
	h[10] = (uint8_t)(sum >> 8);
	h[11] = (uint8_t)sum;
}

/* Write a 40-byte IPv6 header for next from src to dst around a payload of plen. */
static void
test_ip6_header(uint8_t *h, const uint8_t *src, const uint8_t *dst, uint8_t next, size_t plen)
{
	memset(h, 0, 40);
	h[0] = 0x60;
	h[4] = (uint8_t)(plen >> 8);
	h[5] = (uint8_t)plen;
	h[6] = next;
	h[7] = 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

/*
 * Turn an ICMP message at icmp (len bytes) into what the socket of c
 * delivers from src: an IPv4 raw socket prepends the IP header. Returns the
 * total length in out.
 */
static size_t
test_deliver(const struct icmp_pkt_ctx *c, const uint8_t *icmp, size_t len, const void *src,
	     uint8_t *out)
{
	if (c->family == AF_INET && c->raw) {
		test_ip4_header(out, src, test_us4, 1, len);
		memcpy(out + 20, icmp, len);
		return 20 + len;
	}
	memcpy(out, icmp, len);
	return len;
}

/* The echo reply the target dst sends for our probe (tid, seq), as c's socket sees it. */
static size_t
test_reply(const struct icmp_pkt_ctx *c, const void *dst, uint32_t tid, uint64_t seq, uint8_t *out)
{
	uint8_t pkt[ICMP_PKT_LEN];

	assert_int_equal(icmp_pkt_build(pkt, sizeof pkt, c, dst, tid, seq), ICMP_PKT_LEN);
	pkt[0] = c->family == AF_INET ? 0 : 129;
	if (c->family == AF_INET)
		test_fix_csum4(pkt, sizeof pkt);
	return test_deliver(c, pkt, sizeof pkt, dst, out);
}

/*
 * An ICMP error (type, code) from router quoting quoted (qlen bytes, starting
 * at its ICMP header) that we sent to dst, as c's socket sees it.
 */
static size_t
test_error(const struct icmp_pkt_ctx *c, uint8_t type, uint8_t code, const void *dst,
	   const uint8_t *quoted, size_t qlen, uint8_t proto, uint8_t *out)
{
	uint8_t msg[TEST_BUF];
	size_t hl = c->family == AF_INET ? 20 : 40;

	memset(msg, 0, 8);
	msg[0] = type;
	msg[1] = code;
	if (c->family == AF_INET)
		test_ip4_header(msg + 8, test_us4, dst, proto, ICMP_PKT_LEN);
	else
		test_ip6_header(msg + 8, test_us6, dst, proto, ICMP_PKT_LEN);
	memcpy(msg + 8 + hl, quoted, qlen);
	if (c->family == AF_INET)
		test_fix_csum4(msg, 8 + hl + qlen);
	return test_deliver(c, msg, 8 + hl + qlen,
			    c->family == AF_INET ? (const void *)test_router4 : test_router6, out);
}

/* Address bytes of the target, the other host and the router for c's family. */
#define TEST_DST(c) ((c)->family == AF_INET ? (const void *)test_dst4 : (const void *)test_dst6)
#define TEST_OTHER(c) \
	((c)->family == AF_INET ? (const void *)test_other4 : (const void *)test_other6)

/* Every socket kind the parser serves. */
static const struct {
	int family, raw;
} test_kinds[] = { { AF_INET, 1 }, { AF_INET, 0 }, { AF_INET6, 1 }, { AF_INET6, 0 } };
#define TEST_NKINDS (sizeof test_kinds / sizeof test_kinds[0])

/* The result names are the ones stored and printed. */
static void
test_result_names(void **state)
{
	(void)state;
	assert_string_equal(probe_result_name(PROBE_OK), "ok");
	assert_string_equal(probe_result_name(PROBE_TIMEOUT), "timeout");
	assert_string_equal(probe_result_name(PROBE_UNREACH), "unreach");
	assert_string_equal(probe_result_name(PROBE_REFUSED), "refused");
	assert_string_equal(probe_result_name(PROBE_LATE), "late");
}

/* The request carries the documented layout, a valid IPv4 checksum and a keyed identifier. */
static void
test_build_layout(void **state)
{
	struct icmp_pkt_ctx c4 = test_ctx(AF_INET, 1), c6 = test_ctx(AF_INET6, 1);
	uint64_t other[2] = { 1, 2 };
	uint8_t p[ICMP_PKT_LEN + 8], in[29];
	uint64_t check;
	size_t i;

	(void)state;
	assert_int_equal(icmp_pkt_build(p, ICMP_PKT_LEN - 1, &c4, test_dst4, 1, 2), 0);
	assert_int_equal(
		icmp_pkt_build(p, sizeof p, &c4, test_dst4, 0x01020304, 0x1122334455667788ULL), 64);
	assert_int_equal(p[0], 8);
	assert_int_equal(p[1], 0);
	assert_int_equal(icmp_pkt_checksum(p, 64), 0);
	assert_int_equal(p[4] << 8 | p[5], c4.ident);
	assert_int_equal(p[6] << 8 | p[7], 0x7788);
	assert_memory_equal(p + 8, "HAMN\x01\0\0\0\x01\x02\x03\x04\x11\x22\x33\x44\x55\x66\x77\x88",
			    20);
	for (i = 36; i < 64; i++)
		assert_int_equal(p[i], 0);

	/* The check is siphash24 over tid || seq || family byte || address. */
	memcpy(in, "\x01\x02\x03\x04\x11\x22\x33\x44\x55\x66\x77\x88\x04", 13);
	memcpy(in + 13, test_dst4, 4);
	check = siphash24(test_key, in, 17);
	for (i = 0; i < 8; i++)
		assert_int_equal(p[28 + i], (uint8_t)(check >> (56 - 8 * i)));

	assert_int_equal(
		icmp_pkt_build(p, sizeof p, &c6, test_dst6, 0x01020304, 0x1122334455667788ULL), 64);
	in[12] = 6;
	memcpy(in + 13, test_dst6, 16);
	check = siphash24(test_key, in, 29);
	for (i = 0; i < 8; i++)
		assert_int_equal(p[28 + i], (uint8_t)(check >> (56 - 8 * i)));
	assert_int_equal(p[0], 128);
	assert_int_equal(p[2] | p[3], 0); /* the kernel computes ICMPv6 checksums */

	assert_int_equal(icmp_pkt_ident(test_key), icmp_pkt_ident(test_key));
	assert_int_not_equal(icmp_pkt_ident(test_key), icmp_pkt_ident(other));
	/* The identifier must not simply be key bits. */
	assert_int_not_equal(icmp_pkt_ident(test_key), (uint16_t)test_key[0]);
}

/* The RFC 1071 checksum, including an odd trailing byte. */
static void
test_checksum(void **state)
{
	static const uint8_t rfc[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd[3] = { 0x12, 0x34, 0x56 };

	(void)state;
	/* RFC 1071 section 3: the sum is 0xddf2, the checksum its complement. */
	assert_int_equal(icmp_pkt_checksum(rfc, sizeof rfc), (uint16_t)~0xddf2);
	assert_int_equal(icmp_pkt_checksum(odd, sizeof odd), (uint16_t) ~(0x1234 + 0x5600));
	assert_int_equal(icmp_pkt_checksum(odd, 0), 0xffff);
}

/* A reply to our probe parses back to its tid and seq on every socket kind. */
static void
test_roundtrip(void **state)
{
	struct icmp_pkt_info info;
	uint8_t buf[TEST_BUF];
	size_t i, len;

	(void)state;
	for (i = 0; i < TEST_NKINDS; i++) {
		struct icmp_pkt_ctx c = test_ctx(test_kinds[i].family, test_kinds[i].raw);

		len = test_reply(&c, TEST_DST(&c), 0xdeadbeef, 12345, buf);
		assert_int_equal(len, c.family == AF_INET && c.raw ? 84 : 64);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info), ICMP_PKT_OK);
		assert_int_equal(info.tid, 0xdeadbeef);
		assert_int_equal(info.seq, 12345);
		assert_int_equal(info.type, c.family == AF_INET ? 0 : 129);
	}
}

/* The 64-bit seq survives the 16-bit wrap of the header's sequence field. */
static void
test_seq_wrap(void **state)
{
	static const uint64_t seqs[] = { 0, 65535, 65536, 65537, (1ULL << 40) + 5, UINT64_MAX };
	struct icmp_pkt_info info;
	uint8_t buf[TEST_BUF];
	size_t i, j, len;

	(void)state;
	for (i = 0; i < TEST_NKINDS; i++) {
		struct icmp_pkt_ctx c = test_ctx(test_kinds[i].family, test_kinds[i].raw);

		for (j = 0; j < sizeof seqs / sizeof seqs[0]; j++) {
			len = test_reply(&c, TEST_DST(&c), 7, seqs[j], buf);
			assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
					 ICMP_PKT_OK);
			assert_int_equal(info.tid, 7);
			assert_true(info.seq == seqs[j]);
		}
	}
}

/* A check made with another key, or a seq altered after the fact, is caught. */
static void
test_forged_check(void **state)
{
	struct icmp_pkt_info info;
	uint8_t buf[TEST_BUF], *icmp;
	size_t i, len;

	(void)state;
	for (i = 0; i < TEST_NKINDS; i++) {
		struct icmp_pkt_ctx c = test_ctx(test_kinds[i].family, test_kinds[i].raw);
		struct icmp_pkt_ctx forger = c;

		/* Same identifier, so a raw socket cannot reject it early. */
		forger.key[1] ^= 1;
		len = test_reply(&forger, TEST_DST(&c), 3, 4, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_BAD_CHECK);

		len = test_reply(&c, TEST_DST(&c), 3, 4, buf);
		icmp = buf + (len - ICMP_PKT_LEN);
		icmp[8 + 19] ^= 0x01; /* seq's last byte: 4 -> 5 */
		icmp[7] ^= 0x01;      /* and the header's low bits to match */
		if (c.family == AF_INET)
			test_fix_csum4(icmp, ICMP_PKT_LEN);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_BAD_CHECK);
		assert_int_equal(info.seq, 5);

		/* The header's sequence disagreeing with the payload. */
		len = test_reply(&c, TEST_DST(&c), 3, 4, buf);
		icmp = buf + (len - ICMP_PKT_LEN);
		icmp[6] ^= 0x80;
		if (c.family == AF_INET)
			test_fix_csum4(icmp, ICMP_PKT_LEN);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_BAD_CHECK);
	}
}

/* A reply from another address than the probe went to does not count. */
static void
test_other_source(void **state)
{
	struct icmp_pkt_info info;
	uint8_t buf[TEST_BUF];
	size_t i, len;

	(void)state;
	for (i = 0; i < TEST_NKINDS; i++) {
		struct icmp_pkt_ctx c = test_ctx(test_kinds[i].family, test_kinds[i].raw);

		len = test_reply(&c, TEST_DST(&c), 1, 1, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_OTHER(&c), &info),
				 ICMP_PKT_BAD_CHECK);
	}
}

/* An iputils-style echo message: 8-byte timeval then bytes 0x10, 0x11, ... */
static void
test_iputils_echo(int family, uint8_t type, uint16_t ident, uint16_t seq, uint8_t *pkt)
{
	size_t i;

	memset(pkt, 0, ICMP_PKT_LEN);
	pkt[0] = type;
	pkt[4] = (uint8_t)(ident >> 8);
	pkt[5] = (uint8_t)ident;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	for (i = 0; i < 8; i++)
		pkt[8 + i] = (uint8_t)(0x65 + i);
	for (i = 16; i < ICMP_PKT_LEN; i++)
		pkt[i] = (uint8_t)(0x10 + i - 16);
	if (family == AF_INET)
		test_fix_csum4(pkt, ICMP_PKT_LEN);
}

/* Another pinger's reply, and any echo request, are well formed but foreign. */
static void
test_foreign(void **state)
{
	struct icmp_pkt_info info;
	uint8_t pkt[ICMP_PKT_LEN], buf[TEST_BUF];
	size_t i, len;

	(void)state;
	for (i = 0; i < TEST_NKINDS; i++) {
		struct icmp_pkt_ctx c = test_ctx(test_kinds[i].family, test_kinds[i].raw);
		int v4 = c.family == AF_INET;

		/* Another identifier (raw), or our identifier after the kernel
		 * rewrote it (datagram): the payload is not ours either way. */
		test_iputils_echo(c.family, v4 ? 0 : 129, (uint16_t)(c.ident + 1), 9, pkt);
		len = test_deliver(&c, pkt, sizeof pkt, TEST_DST(&c), buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);
		test_iputils_echo(c.family, v4 ? 0 : 129, c.ident, 9, pkt);
		len = test_deliver(&c, pkt, sizeof pkt, TEST_DST(&c), buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);

		/* Our own echo request, as a raw socket sees it on loopback. */
		assert_int_equal(icmp_pkt_build(pkt, sizeof pkt, &c, TEST_DST(&c), 1, 1),
				 ICMP_PKT_LEN);
		len = test_deliver(&c, pkt, sizeof pkt, TEST_DST(&c), buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);

		/* Our payload under another identifier, on a raw socket: some
		 * other process; on a datagram socket the kernel did it. */
		len = test_reply(&c, TEST_DST(&c), 1, 1, buf);
		buf[len - ICMP_PKT_LEN + 5] ^= 0x55;
		if (v4)
			test_fix_csum4(buf + len - ICMP_PKT_LEN, ICMP_PKT_LEN);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 c.raw ? ICMP_PKT_FOREIGN : ICMP_PKT_OK);

		/* A later payload version is someone else's format. */
		len = test_reply(&c, TEST_DST(&c), 1, 1, buf);
		buf[len - ICMP_PKT_LEN + 8 + 4] = ICMP_PKT_VERSION + 1;
		if (v4)
			test_fix_csum4(buf + len - ICMP_PKT_LEN, ICMP_PKT_LEN);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);
	}
}

/* No prefix of a valid packet is ever taken for a reply, and none crashes. */
static void
test_truncated(void **state)
{
	struct icmp_pkt_info info;
	enum icmp_pkt_class k;
	uint8_t full[TEST_BUF], pkt[ICMP_PKT_LEN], *cut;
	size_t i, len, n, qstart;

	(void)state;
	for (i = 0; i < TEST_NKINDS; i++) {
		struct icmp_pkt_ctx c = test_ctx(test_kinds[i].family, test_kinds[i].raw);

		len = test_reply(&c, TEST_DST(&c), 5, 6, full);
		for (n = 0; n < len; n++) {
			/* A copy of exactly n bytes, so ASan sees any overread. */
			cut = test_malloc(n == 0 ? 1 : n);
			memcpy(cut, full, n);
			k = icmp_pkt_parse(&c, cut, n, TEST_DST(&c), &info);
			assert_true(k == ICMP_PKT_MALFORMED || k == ICMP_PKT_FOREIGN);
			/* Also with the IPv4 total length agreeing with the cut. */
			if (c.family == AF_INET && c.raw && n >= 20) {
				test_ip4_header(cut, TEST_DST(&c), test_us4, 1, n - 20);
				k = icmp_pkt_parse(&c, cut, n, TEST_DST(&c), &info);
				assert_true(k == ICMP_PKT_MALFORMED || k == ICMP_PKT_FOREIGN);
			}
			test_free(cut);
		}

		/* An error quoting our probe, cut anywhere: never OK; UNREACH only
		 * while the quote still holds tid, seq and check. */
		assert_int_equal(icmp_pkt_build(pkt, sizeof pkt, &c, TEST_DST(&c), 5, 6),
				 ICMP_PKT_LEN);
		len = test_error(&c, c.family == AF_INET ? 3 : 1, 1, TEST_DST(&c), pkt, sizeof pkt,
				 c.family == AF_INET ? 1 : 58, full);
		qstart = (c.family == AF_INET && c.raw ? 20 : 0) + 8 +
			 (c.family == AF_INET ? 20 : 40);
		for (n = 0; n < len; n++) {
			cut = test_malloc(n == 0 ? 1 : n);
			memcpy(cut, full, n);
			k = icmp_pkt_parse(&c, cut, n, TEST_DST(&c), &info);
			assert_true(k != ICMP_PKT_OK && k != ICMP_PKT_BAD_CHECK);
			if (k == ICMP_PKT_UNREACH)
				assert_true(n >= qstart + 8 + ICMP_PKT_CHECKED_LEN);
			test_free(cut);
		}
	}
}

/* A corrupted IPv4 checksum, or a broken IPv4 header, is malformed. */
static void
test_bad_header(void **state)
{
	struct icmp_pkt_info info;
	struct icmp_pkt_ctx raw = test_ctx(AF_INET, 1), dgram = test_ctx(AF_INET, 0);
	uint8_t buf[TEST_BUF];
	size_t len;

	(void)state;
	len = test_reply(&raw, test_dst4, 1, 1, buf);
	buf[20 + 2] ^= 0x01;
	assert_int_equal(icmp_pkt_parse(&raw, buf, len, test_dst4, &info), ICMP_PKT_MALFORMED);
	len = test_reply(&dgram, test_dst4, 1, 1, buf);
	buf[40] ^= 0x80; /* a payload bit */
	assert_int_equal(icmp_pkt_parse(&dgram, buf, len, test_dst4, &info), ICMP_PKT_MALFORMED);
	/* One odd byte appended to a valid packet breaks its checksum. */
	len = test_reply(&dgram, test_dst4, 1, 1, buf);
	buf[len] = 0x01;
	assert_int_equal(icmp_pkt_parse(&dgram, buf, len + 1, test_dst4, &info),
			 ICMP_PKT_MALFORMED);

	len = test_reply(&raw, test_dst4, 1, 1, buf);
	buf[0] = 0x44; /* IHL 16 bytes */
	assert_int_equal(icmp_pkt_parse(&raw, buf, len, test_dst4, &info), ICMP_PKT_MALFORMED);
	buf[0] = 0x4f; /* IHL 60 bytes: still inside the buffer, but the ICMP part is lost */
	assert_int_not_equal(icmp_pkt_parse(&raw, buf, len, test_dst4, &info), ICMP_PKT_OK);
	buf[0] = 0x65; /* version 6 */
	assert_int_equal(icmp_pkt_parse(&raw, buf, len, test_dst4, &info), ICMP_PKT_MALFORMED);
	len = test_reply(&raw, test_dst4, 1, 1, buf);
	buf[2] = 0xff; /* total length beyond the buffer */
	assert_int_equal(icmp_pkt_parse(&raw, buf, len, test_dst4, &info), ICMP_PKT_MALFORMED);
	len = test_reply(&raw, test_dst4, 1, 1, buf);
	buf[9] = 17; /* not ICMP */
	assert_int_equal(icmp_pkt_parse(&raw, buf, len, test_dst4, &info), ICMP_PKT_MALFORMED);
}

/* A destination unreachable or time exceeded quoting our probe is UNREACH. */
static void
test_unreach_ours(void **state)
{
	struct icmp_pkt_info info;
	uint8_t pkt[ICMP_PKT_LEN], buf[TEST_BUF];
	size_t i, len;

	(void)state;
	for (i = 0; i < TEST_NKINDS; i++) {
		struct icmp_pkt_ctx c = test_ctx(test_kinds[i].family, test_kinds[i].raw);
		int v4 = c.family == AF_INET;
		size_t alen = v4 ? 4 : 16;

		assert_int_equal(icmp_pkt_build(pkt, sizeof pkt, &c, TEST_DST(&c), 77, 65537),
				 ICMP_PKT_LEN);
		len = test_error(&c, v4 ? 3 : 1, v4 ? 1 : 3, TEST_DST(&c), pkt, sizeof pkt,
				 v4 ? 1 : 58, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len,
						v4 ? (const void *)test_router4 : test_router6,
						&info),
				 ICMP_PKT_UNREACH);
		assert_int_equal(info.tid, 77);
		assert_int_equal(info.seq, 65537);
		assert_int_equal(info.type, v4 ? 3 : 1);
		assert_memory_equal(info.dst, TEST_DST(&c), alen);

		/* Time exceeded, and a router that quotes only what the check needs. */
		len = test_error(&c, v4 ? 11 : 3, 0, TEST_DST(&c), pkt, 8 + ICMP_PKT_CHECKED_LEN,
				 v4 ? 1 : 58, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_UNREACH);
		assert_int_equal(info.seq, 65537);

		/* The same quote as the error queue returns it. */
		assert_int_equal(icmp_pkt_parse_quoted(&c, pkt, sizeof pkt, TEST_DST(&c), &info),
				 ICMP_PKT_UNREACH);
		assert_int_equal(info.tid, 77);
		assert_int_equal(info.seq, 65537);
		assert_memory_equal(info.dst, TEST_DST(&c), alen);
		/* ... but claimed for another destination than the probe's. */
		assert_int_equal(icmp_pkt_parse_quoted(&c, pkt, sizeof pkt, TEST_OTHER(&c), &info),
				 ICMP_PKT_BAD_CHECK);
		/* ... and, in the quoted IP header, another destination too. */
		len = test_error(&c, v4 ? 3 : 1, 1, TEST_OTHER(&c), pkt, sizeof pkt, v4 ? 1 : 58,
				 buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_BAD_CHECK);
	}
}

/* An error quoting somebody else's packet is foreign. */
static void
test_unreach_foreign(void **state)
{
	struct icmp_pkt_info info;
	uint8_t pkt[ICMP_PKT_LEN], buf[TEST_BUF];
	size_t i, len, n;

	(void)state;
	for (i = 0; i < TEST_NKINDS; i++) {
		struct icmp_pkt_ctx c = test_ctx(test_kinds[i].family, test_kinds[i].raw);
		int v4 = c.family == AF_INET;
		uint8_t unreach = v4 ? 3 : 1, icmp = v4 ? 1 : 58;

		/* Another pinger's request. */
		test_iputils_echo(c.family, v4 ? 8 : 128, (uint16_t)(c.ident + 1), 1, pkt);
		len = test_error(&c, unreach, 1, TEST_DST(&c), pkt, sizeof pkt, icmp, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);
		assert_int_equal(icmp_pkt_parse_quoted(&c, pkt, sizeof pkt, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);

		/* A UDP datagram (traceroute, say), even one whose bytes look
		 * like our probe. */
		memset(pkt, 0x42, sizeof pkt);
		len = test_error(&c, unreach, 3, TEST_DST(&c), pkt, sizeof pkt, 17, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);
		assert_int_equal(icmp_pkt_build(pkt, sizeof pkt, &c, TEST_DST(&c), 1, 2),
				 ICMP_PKT_LEN);
		len = test_error(&c, unreach, 3, TEST_DST(&c), pkt, sizeof pkt, 17, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);

		/* Our request quoted under another identifier: another process
		 * on a raw socket; on a datagram socket the kernel's doing. */
		pkt[5] ^= 0x5a;
		len = test_error(&c, unreach, 1, TEST_DST(&c), pkt, sizeof pkt, icmp, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 c.raw ? ICMP_PKT_FOREIGN : ICMP_PKT_UNREACH);
		assert_int_equal(icmp_pkt_parse_quoted(&c, pkt, sizeof pkt, TEST_DST(&c), &info),
				 c.raw ? ICMP_PKT_FOREIGN : ICMP_PKT_UNREACH);
		pkt[5] ^= 0x5a;

		/* Our request, but quoted only to the 8 bytes RFC 792 demands, or
		 * a little more: too little to verify, so it cannot be tied to a
		 * probe. */
		for (n = 8; n < 8 + ICMP_PKT_CHECKED_LEN; n += 4) {
			len = test_error(&c, unreach, 1, TEST_DST(&c), pkt, n, icmp, buf);
			assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
					 ICMP_PKT_FOREIGN);
		}

		/* A quoted echo reply is not a probe of ours. */
		pkt[0] = v4 ? 0 : 129;
		len = test_error(&c, unreach, 1, TEST_DST(&c), pkt, sizeof pkt, icmp, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);

		/* A type we do not treat as an error about probes (redirect, or
		 * an IPv6 neighbour solicitation). */
		assert_int_equal(icmp_pkt_build(pkt, sizeof pkt, &c, TEST_DST(&c), 1, 2),
				 ICMP_PKT_LEN);
		len = test_error(&c, v4 ? 5 : 135, 0, TEST_DST(&c), pkt, sizeof pkt, icmp, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_FOREIGN);
	}
}

/* An error whose quote lacks the ICMP header or has a broken IP header is malformed. */
static void
test_unreach_malformed(void **state)
{
	struct icmp_pkt_info info;
	uint8_t pkt[ICMP_PKT_LEN], buf[TEST_BUF];
	size_t i, len, off, ipoff;

	(void)state;
	for (i = 0; i < TEST_NKINDS; i++) {
		struct icmp_pkt_ctx c = test_ctx(test_kinds[i].family, test_kinds[i].raw);
		int v4 = c.family == AF_INET;
		uint8_t unreach = v4 ? 3 : 1, icmp = v4 ? 1 : 58;

		assert_int_equal(icmp_pkt_build(pkt, sizeof pkt, &c, TEST_DST(&c), 1, 2),
				 ICMP_PKT_LEN);
		len = test_error(&c, unreach, 1, TEST_DST(&c), pkt, 0, icmp, buf);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_MALFORMED);
		assert_int_equal(icmp_pkt_parse(&c, buf, len - 1, TEST_DST(&c), &info),
				 ICMP_PKT_MALFORMED);
		assert_int_equal(icmp_pkt_parse_quoted(&c, pkt, 7, TEST_DST(&c), &info),
				 ICMP_PKT_MALFORMED);

		ipoff = v4 && c.raw ? 20 : 0;
		len = test_error(&c, unreach, 1, TEST_DST(&c), pkt, sizeof pkt, icmp, buf);
		off = ipoff + 8;
		buf[off] = v4 ? 0x65 : 0x40; /* wrong IP version in the quote */
		if (v4)
			test_fix_csum4(buf + ipoff, len - ipoff);
		assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
				 ICMP_PKT_MALFORMED);
		if (v4) {
			buf[off] =
				0x4f; /* a 60-byte quoted header: runs past the quote's ICMP part */
			test_fix_csum4(buf + ipoff, len - ipoff);
			assert_int_not_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
					     ICMP_PKT_UNREACH);
			buf[off] = 0x43; /* shorter than the minimum */
			test_fix_csum4(buf + ipoff, len - ipoff);
			assert_int_equal(icmp_pkt_parse(&c, buf, len, TEST_DST(&c), &info),
					 ICMP_PKT_MALFORMED);
		}
	}
}

/* What the live test collects. */
struct test_live {
	struct event_base *base;
	int n;
	struct probe_reply r[16];
};

/* Keep each reply; stop the loop once all five are in. */
static void
test_live_cb(const struct probe_reply *r, void *arg)
{
	struct test_live *l = arg;

	if (l->n < 16)
		l->r[l->n] = *r;
	l->n++;
	if (l->n >= 5)
		event_base_loopbreak(l->base);
}

/* Five probes to a loopback address through probe_icmp_ops, five OK replies back. */
static void
test_live(int family, const char *addr)
{
	static const uint64_t key[2] = { 0x1111222233334444ULL, 0x5555666677778888ULL };
	struct sockaddr_storage to;
	socklen_t tolen;
	struct probe_counters n;
	struct test_live l;
	struct probe *p;
	struct timeval tv = { 1, 0 };
	char err[256];
	int64_t t0, t1;
	uint64_t seen = 0;
	int i, rc;

	memset(&to, 0, sizeof to);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&to;

		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
		tolen = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&to;

		sin6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
		tolen = sizeof *sin6;
	}
	memset(&l, 0, sizeof l);
	l.base = event_base_new();
	assert_non_null(l.base);
	p = probe_icmp_ops.open(l.base, family, key, test_live_cb, &l, err, sizeof err);
	if (p == NULL) {
		event_base_free(l.base);
		print_message("# skip: %s\n", err);
		skip();
	}
	print_message("# %s %s\n", addr, probe_icmp_ops.mode(p));
	t0 = time_real_ns();
	/* Across the 16-bit wrap of the header's sequence. */
	for (i = 0; i < 5; i++) {
		rc = probe_icmp_ops.send(p, (struct sockaddr *)&to, tolen, 42, 65534 + (uint64_t)i);
		if (rc != 0 && i == 0) {
			probe_icmp_ops.close(p);
			event_base_free(l.base);
			print_message("# skip: cannot send to %s: %s\n", addr, strerror(rc));
			skip();
		}
		assert_int_equal(rc, 0);
	}
	event_base_loopexit(l.base, &tv);
	event_base_dispatch(l.base);
	t1 = time_real_ns();

	assert_int_equal(l.n, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(l.r[i].result, PROBE_OK);
		assert_int_equal(l.r[i].tid, 42);
		assert_true(l.r[i].seq >= 65534 && l.r[i].seq < 65539);
		seen |= 1ULL << (l.r[i].seq - 65534);
		assert_true(l.r[i].rx_real_ns >= t0);
		assert_true(l.r[i].rx_real_ns <= t1);
		assert_true(t1 - l.r[i].rx_real_ns < NSEC_PER_SEC);
		assert_int_equal(l.r[i].peer.ss_family, family);
		if (family == AF_INET)
			assert_memory_equal(&((struct sockaddr_in *)&l.r[i].peer)->sin_addr,
					    &((struct sockaddr_in *)&to)->sin_addr, 4);
		else
			assert_memory_equal(&((struct sockaddr_in6 *)&l.r[i].peer)->sin6_addr,
					    &((struct sockaddr_in6 *)&to)->sin6_addr, 16);
	}
	assert_int_equal(seen, 0x1f);
	probe_icmp_ops.counters(p, &n);
	assert_int_equal(n.sent, 5);
	assert_int_equal(n.send_errors, 0);
	assert_int_equal(n.matched, 5);
	assert_true(n.received >= 5);
	assert_int_equal(n.bad_check, 0);
	probe_icmp_ops.close(p);
	probe_icmp_ops.close(NULL);
	event_base_free(l.base);
}

/* Live round trip to 127.0.0.1. */
static void
test_live_v4(void **state)
{
	(void)state;
	test_live(AF_INET, "127.0.0.1");
}

/* Live round trip to ::1. */
static void
test_live_v6(void **state)
{
	(void)state;
	test_live(AF_INET6, "::1");
}

/* Run every test; CMOCKA_MESSAGE_OUTPUT=TAP gives TAP for make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_names),      cmocka_unit_test(test_build_layout),
		cmocka_unit_test(test_checksum),          cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_seq_wrap),          cmocka_unit_test(test_forged_check),
		cmocka_unit_test(test_other_source),      cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_truncated),         cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_unreach_ours),      cmocka_unit_test(test_unreach_foreign),
		cmocka_unit_test(test_unreach_malformed), cmocka_unit_test(test_live_v4),
		cmocka_unit_test(test_live_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
