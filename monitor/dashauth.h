/* SPDX-License-Identifier: ISC */
/* dashauth.h: the live page's token check (http-token). */
#ifndef HAMON_DASHAUTH_H
#define HAMON_DASHAUTH_H
#include <stddef.h>

#define DASHAUTH_MIN_LEN 16
#define DASHAUTH_MAX_LEN 256

/* Is tok (len bytes) usable as a token: DASHAUTH_MIN_LEN..MAX_LEN printable
 * ASCII, no space and nothing a URL query would mangle (& % + #)? */
int dashauth_token_valid(const char *tok, size_t len);
/* 1 when authz ("Bearer TOKEN", may be NULL) or query ("token=TOKEN", may
 * be NULL) carries token, compared in constant time; else 0. */
int dashauth_check(const char *token, const char *authz, const char *query);

#endif
