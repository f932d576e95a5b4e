/* SPDX-License-Identifier: ISC */
/* listenaddr.c: "[ADDR:]PORT" for a listening socket. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/listenaddr.h"
#include "lib/log.h"

#define LISTENADDR_MAX 64 /* "[" 45-byte IPv6 text "]:" 5 digits, and room */

/* A port of 1 to 5 digits in 1..65535. */
static int
listenaddr_port(const char *s, unsigned *port)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int
listenaddr_parse(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *err,
		 size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[LISTENADDR_MAX], esc[4 * LISTENADDR_MAX + 1];
	const char *colon, *portstr;
	unsigned port;

	memset(ss, 0, sizeof(*ss));
	if (strlen(spec) >= sizeof(host)) {
		snprintf(err, errlen, "too long (at most %zu characters)", sizeof(host) - 1);
		return -1;
	}
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "an IPv6 address is written [ADDR]:PORT");
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(close - spec - 1), spec + 1);
		portstr = close + 2;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			snprintf(err, errlen, "\"%s\" is not a numeric IPv6 address",
				 log_escape(esc, sizeof(esc), host, strlen(host)));
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		*len = sizeof(*sin6);
	} else {
		colon = strrchr(spec, ':');
		if (colon != NULL && strchr(spec, ':') != colon) {
			snprintf(err, errlen, "an IPv6 address is written [ADDR]:PORT");
			return -1;
		}
		if (colon == NULL || colon == spec)
			strcpy(host, "127.0.0.1");
		else
			snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		portstr = colon != NULL ? colon + 1 : spec;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			snprintf(err, errlen,
				 "\"%s\" is not a numeric IPv4 address (no name lookups)",
				 log_escape(esc, sizeof(esc), host, strlen(host)));
			return -1;
		}
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
	}
	if (listenaddr_port(portstr, &port) != 0) {
		snprintf(err, errlen, "port \"%s\" must be a number from 1 to 65535",
			 log_escape(esc, sizeof(esc), portstr, strlen(portstr)));
		return -1;
	}
	if (ss->ss_family == AF_INET6)
		sin6->sin6_port = htons((uint16_t)port);
	else
		sin->sin_port = htons((uint16_t)port);
	return 0;
}
