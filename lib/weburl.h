/* SPDX-License-Identifier: ISC */
/* weburl.h: the URLs of webhooks: what is accepted, and what may be shown. */
#ifndef HAMON_WEBURL_H
#define HAMON_WEBURL_H
#include <stddef.h>

#define WEBURL_MAX 2048 /* longer is refused */

/*
 * Is url an http:// or https:// URL hamon will POST to? Scheme
 * (case-insensitive), a host (a name, an IPv4 address or [IPv6]), an
 * optional :port (1..65535), then an optional path, query or fragment:
 * printable ASCII without spaces. 0, or -1 with reason ("the scheme must be
 * http:// or https://").
 */
int weburl_check(const char *url, char *reason, size_t len);

/* What may be logged of url: scheme://host[:port] followed by "/…" when
 * anything follows (a path such as Slack's carries the secret), without any
 * user:password@. Always NUL-terminated; url need not be valid. */
void weburl_shown(const char *url, char *out, size_t len);

#endif
