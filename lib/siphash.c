/* SPDX-License-Identifier: ISC */
/*
 * siphash.c: SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012), written from the paper's description: the key
 * and the message are read as little-endian 64-bit words, two rounds per
 * message word and four finalisation rounds.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdint.h>

#include "lib/log.h"
#include "lib/siphash.h"

#define SIPHASH_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound on the four state words. */
static void
siphash_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = SIPHASH_ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = SIPHASH_ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = SIPHASH_ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = SIPHASH_ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = SIPHASH_ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = SIPHASH_ROTL(v[2], 32);
}

/* Read 8 bytes as a little-endian word, whatever the host order and alignment. */
static uint64_t
siphash_load64(const unsigned char *p)
{
	uint64_t w = 0;
	int i;

	for (i = 7; i >= 0; i--)
		w = (w << 8) | p[i];
	return w;
}

/* Absorb one message word: c = 2 compression rounds. */
static void
siphash_compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	siphash_round(v);
	siphash_round(v);
	v[0] ^= m;
}

/* SipHash-2-4 of len bytes at data under the 128-bit key (k0, k1). */
uint64_t
siphash24(const uint64_t key[2], const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t v[4], b;
	size_t i, left;

	v[0] = key[0] ^ 0x736f6d6570736575ULL;
	v[1] = key[1] ^ 0x646f72616e646f6dULL;
	v[2] = key[0] ^ 0x6c7967656e657261ULL;
	v[3] = key[1] ^ 0x7465646279746573ULL;

	for (i = 0; i + 8 <= len; i += 8)
		siphash_compress(v, siphash_load64(p + i));

	/* The last word: remaining bytes, with len mod 256 in the top byte. */
	b = (uint64_t)(len & 0xff) << 56;
	left = len - i;
	while (left > 0) {
		left--;
		b |= (uint64_t)p[i + left] << (8 * left);
	}
	siphash_compress(v, b);

	v[2] ^= 0xff;
	siphash_round(v);
	siphash_round(v);
	siphash_round(v);
	siphash_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* Fill key with 128 bits from getrandom(2); without randomness we cannot run. */
void
siphash_random_key(uint64_t key[2])
{
	unsigned char *p = (unsigned char *)key;
	size_t got = 0;
	ssize_t n;

	while (got < 2 * sizeof key[0]) {
		n = getrandom(p + got, 2 * sizeof key[0] - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("getrandom");
		}
		got += (size_t)n;
	}
}
