/* SPDX-License-Identifier: ISC */
/*
 * dashauth.c: the one check of the live page's token, kept free of libevent
 * so that a fuzzer can drive it with whatever a client sends.
 *
 * The token comes as "Authorization: Bearer TOKEN" (curl, scripts) or as
 * ?token=TOKEN in the query (a browser's EventSource cannot set headers).
 * The comparison takes the same time whatever the first differing byte, so
 * a client on the network cannot find the token a byte at a time.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "monitor/dashauth.h"

/* Equal, in time that depends only on the lengths. */
static int
dashauth_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char diff = alen != blen;
	size_t i;

	for (i = 0; i < alen; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)(i < blen ? b[i] : 0);
	return diff == 0;
}

/* The value of ?token= in query (not URL-decoded: a token is printable
 * ASCII without '&', '%' or '+', see dashauth_token_valid), its length in
 * *len; NULL when absent. */
static const char *
dashauth_query_token(const char *query, size_t *len)
{
	const char *p = query;

	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, "&");

		if (n >= 6 && strncmp(p, "token=", 6) == 0) {
			*len = n - 6;
			return p + 6;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return NULL;
}

int
dashauth_token_valid(const char *tok, size_t len)
{
	size_t i;

	if (len < DASHAUTH_MIN_LEN || len > DASHAUTH_MAX_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (tok[i] <= ' ' || tok[i] > '~' || tok[i] == '&' || tok[i] == '%' ||
		    tok[i] == '+' || tok[i] == '#')
			return 0;
	return 1;
}

int
dashauth_check(const char *token, const char *authz, const char *query)
{
	size_t tlen = strlen(token), n;
	const char *v;

	if (authz != NULL && strncasecmp(authz, "Bearer ", 7) == 0) {
		v = authz + 7;
		while (*v == ' ')
			v++;
		n = strlen(v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (dashauth_equal(token, tlen, v, n))
			return 1;
	}
	if ((v = dashauth_query_token(query, &n)) != NULL && dashauth_equal(token, tlen, v, n))
		return 1;
	return 0;
}
