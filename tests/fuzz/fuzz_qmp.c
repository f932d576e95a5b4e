/* SPDX-License-Identifier: ISC */
/*
 * fuzz_qmp.c: libFuzzer target for the QMP message reader (jansson).
 * Input that is not one JSON object must leave the figures as they were,
 * and the same message read twice must give the same figures apart from
 * the counter of stated downtimes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hvparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input, read as one QMP message. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_figures a, b, none;

	hvparse_figures_init(&none);
	hvparse_figures_init(&a);
	if (!hvparse_qmp_json(&a, (const char *)data, size)) {
		if (memcmp(&a, &none, sizeof(a)) != 0)
			abort();
		return 0;
	}
	memcpy(&b, &a, sizeof(b));
	if (!hvparse_qmp_json(&b, (const char *)data, size))
		abort();
	if (b.downtime_count != a.downtime_count * 2)
		abort();
	b.downtime_count = a.downtime_count;
	if (memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	return 0;
}
