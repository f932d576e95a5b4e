/* SPDX-License-Identifier: ISC */
/* fuzz_target.c: libFuzzer target for target specs and listening addresses
 * (--metrics); never does a DNS lookup. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/listenaddr.h"
#include "lib/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse one NUL-terminated copy; check a success is normalised and stable. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct target_conf t, again;
	struct sockaddr_storage ss;
	socklen_t len;
	char *s, err[512];

	/* Host names are refused instead of being looked up. */
	target_no_resolve = 1;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
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
	/* A listening address: a numeric family, a non-zero port, the length
	 * of that family's sockaddr; an error is one line. */
	if (listenaddr_parse(s, &ss, &len, err, sizeof err) == 0) {
		if (!(ss.ss_family == AF_INET && len == sizeof(struct sockaddr_in) &&
		      ((struct sockaddr_in *)&ss)->sin_port != 0) &&
		    !(ss.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6) &&
		      ((struct sockaddr_in6 *)&ss)->sin6_port != 0))
			abort();
	} else if (strchr(err, '\n') != NULL || strlen(err) >= sizeof err - 1)
		abort();
	free(s);
	return 0;
}
