/* fuzz_target.c: libFuzzer target for target specs; never does a DNS lookup. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse one NUL-terminated copy; check a success is normalised and stable. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct target_conf	 t, again;
	char			*s, err[512];

	/* Host names are refused instead of being looked up. */
	target_no_resolve = 1;
	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';

	target_conf_defaults(&t);
	if (target_parse(s, &t, err, sizeof err) == 0) {
		if (target_name_valid(t.name, err, sizeof err) != 0)
			abort();
		/* The normalised URL parses back to itself. */
		target_conf_defaults(&again);
		if (target_parse(t.url, &again, err, sizeof err) != 0 ||
		    strcmp(again.url, t.url) != 0 || again.port != t.port ||
		    again.family != t.family || again.addrlen != t.addrlen ||
		    memcmp(&again.addr, &t.addr, t.addrlen) != 0)
			abort();
	}
	target_name_valid(s, err, sizeof err);
	target_parse_down_after(s, &t, err, sizeof err);
	target_parse_interval(s, &t, err, sizeof err);
	free(s);
	return (0);
}
