/* SPDX-License-Identifier: ISC */
/* siphash.h: SipHash-2-4, the keyed check value carried in probes and TCP cookies. */
#ifndef HAMON_SIPHASH_H
#define HAMON_SIPHASH_H
#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const uint64_t key[2], const void *data, size_t len);
/* Fill key with 128 random bits from getrandom(2). */
void siphash_random_key(uint64_t key[2]);

#endif
