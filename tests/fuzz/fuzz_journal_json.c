/* SPDX-License-Identifier: ISC */
/*
 * fuzz_journal_json.c: libFuzzer target for one line of a `journalctl -o
 * json` export (jansson, then the HA message matcher). Whatever the line,
 * at most one HA event comes of it, and only from an HA daemon's entry.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hvparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input, read as one export line. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_figures f;
	enum hv_journal_json r;

	hvparse_figures_init(&f);
	r = hvparse_journal_json(&f, (const char *)data, size);
	if (f.nha > 1 || (r != HV_JJ_HA && f.nha != 0))
		abort();
	if (f.nha == 1 &&
	    (f.ha[0].ts_ns < 0 || memchr(f.ha[0].host, '\0', sizeof(f.ha[0].host)) == NULL))
		abort();
	return 0;
}
