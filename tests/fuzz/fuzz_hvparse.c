/* SPDX-License-Identifier: ISC */
/*
 * fuzz_hvparse.c: libFuzzer target for the hypervisor output parser.
 * The first byte picks the chunk size (1..256) the rest is fed in; the
 * figures must equal those of feeding everything at once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hvparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed data in chunks of step bytes, peeking at the result now and then. */
static void
fuzz_feed(struct hvparse *p, const char *data, size_t size, size_t step)
{
	size_t o, n, k = 0;

	for (o = 0; o < size; o += n) {
		n = size - o < step ? size - o : step;
		hvparse_feed(p, data + o, n);
		if (++k % 64 == 0)
			(void)hvparse_result(p);
	}
}

/* One input: chunked and whole parses must agree byte for byte. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_figures whole;
	struct hvparse *a, *b;
	size_t step;

	if (size == 0)
		return 0;
	step = (size_t)data[0] + 1;
	data++;
	size--;
	a = hvparse_new();
	b = hvparse_new();
	hvparse_feed(a, (const char *)data, size);
	memcpy(&whole, hvparse_result(a), sizeof(whole));
	fuzz_feed(b, (const char *)data, size, step);
	if (memcmp(&whole, hvparse_result(b), sizeof(whole)) != 0)
		abort();
	hvparse_free(a);
	hvparse_free(b);
	return 0;
}
