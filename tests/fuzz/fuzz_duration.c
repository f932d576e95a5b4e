/* SPDX-License-Identifier: ISC */
/* fuzz_duration.c: libFuzzer target for the duration, number and time parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check what a successful parse promises: in range, and formatting round-trips. */
static void
fuzz_check_duration(int64_t ns)
{
	char buf[64], err[256];
	int64_t back, want;

	if (ns < 0 || ns > 100LL * 366 * 24 * 3600 * NSEC_PER_SEC)
		abort();
	/* duration_format writes a form duration_parse reads back, truncated. */
	duration_format(ns, buf, sizeof buf);
	if (duration_parse(buf, &back, err, sizeof err) != 0)
		abort();
	want = ns < NSEC_PER_SEC ? ns - ns % NSEC_PER_USEC : ns - ns % NSEC_PER_MSEC;
	if (back != want)
		abort();
	duration_format_compact(ns, buf, sizeof buf);
	if (duration_parse(buf, &back, err, sizeof err) != 0 || back != ns)
		abort();
	duration_format_ms(ns, buf, sizeof buf);
}

/* Feed one NUL-terminated copy of the input to every parser. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, err[256], buf[64];
	int64_t ns, t;
	unsigned long long v;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (duration_parse(s, &ns, err, sizeof err) == 0)
		fuzz_check_duration(ns);
	else if (strlen(err) >= sizeof err)
		abort();
	duration_parse_range("interval", s, 100000, 3600 * NSEC_PER_SEC, &ns, err, sizeof err);
	uint_parse_range("count", s, 1, 1000000, &v, err, sizeof err);
	if (time_parse(s, 1795644827LL * NSEC_PER_SEC, &t, err, sizeof err) == 0) {
		time_format_rfc3339(t, buf, sizeof buf);
		time_format_local(t, buf, sizeof buf);
	}
	/* A tiny buffer must still be terminated and never overrun. */
	duration_parse(s, &ns, err, 8);
	log_escape(buf, sizeof buf, s, size);
	free(s);
	return 0;
}
