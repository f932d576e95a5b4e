/* SPDX-License-Identifier: ISC */
/* weburl.c: checking and redacting webhook URLs (weburl.h). Our own small
 * parser rather than libcurl's, so that the configuration (lib/) can refuse
 * a bad URL with its file and line without linking libcurl; libcurl is
 * then held to http and https as well (alert/webhook.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/weburl.h"

/* Length of the scheme with its "://" (7 or 8), 0 if neither. */
static size_t
weburl_scheme(const char *url)
{
	if (strncasecmp(url, "http://", 7) == 0)
		return 7;
	if (strncasecmp(url, "https://", 8) == 0)
		return 8;
	return 0;
}

int
weburl_check(const char *url, char *reason, size_t len)
{
	const char *p, *host, *end;
	size_t n = strlen(url), i;

	if (n == 0) {
		snprintf(reason, len, "empty");
		return -1;
	}
	if (n > WEBURL_MAX) {
		snprintf(reason, len, "longer than %d bytes", WEBURL_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) {
			snprintf(reason, len, "byte %zu is a space, a control or not ASCII", i + 1);
			return -1;
		}
	if ((i = weburl_scheme(url)) == 0) {
		snprintf(reason, len, "the scheme must be http:// or https://");
		return -1;
	}
	host = url + i;
	end = host + strcspn(host, "/?#");
	/* user:password@ is allowed (libcurl sends it as Basic), never shown */
	for (p = end; p > host; p--)
		if (p[-1] == '@') {
			host = p;
			break;
		}
	if (host == end) {
		snprintf(reason, len, "no host");
		return -1;
	}
	if (*host == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));

		if (rb == NULL || rb == host + 1) {
			snprintf(reason, len, "an IPv6 host must be [ADDRESS]");
			return -1;
		}
		for (p = host + 1; p < rb; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.') {
				snprintf(reason, len, "an IPv6 host must be [ADDRESS]");
				return -1;
			}
		p = rb + 1;
	} else {
		for (p = host; p < end && *p != ':'; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_') {
				snprintf(reason, len, "the host has a '%c'", *p);
				return -1;
			}
		if (p == host) {
			snprintf(reason, len, "no host");
			return -1;
		}
	}
	if (p < end) {
		unsigned long port = 0;
		const char *d;

		if (*p != ':' || p + 1 == end) {
			snprintf(reason, len, "a port must follow ':'");
			return -1;
		}
		for (d = p + 1; d < end; d++) {
			if (!isdigit((unsigned char)*d) || d - p > 5) {
				snprintf(reason, len, "the port must be 1..65535");
				return -1;
			}
			port = port * 10 + (unsigned long)(*d - '0');
		}
		if (port == 0 || port > 65535) {
			snprintf(reason, len, "the port must be 1..65535");
			return -1;
		}
	}
	return 0;
}

void
weburl_shown(const char *url, char *out, size_t len)
{
	size_t s = weburl_scheme(url), hl;
	const char *host, *end, *p;

	if (len == 0)
		return;
	if (s == 0) {
		snprintf(out, len, "(not an http URL)");
		return;
	}
	host = url + s;
	end = host + strcspn(host, "/?#");
	for (p = end; p > host; p--)
		if (p[-1] == '@') {
			host = p;
			break;
		}
	hl = (size_t)(end - host);
	snprintf(out, len, "%.*s%.*s%s", (int)s, url, (int)(hl > 256 ? 256 : hl), host,
		 *end != '\0' && strcmp(end, "/") != 0 ? "/\xe2\x80\xa6" : "");
}
