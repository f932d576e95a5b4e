/* SPDX-License-Identifier: ISC */
/* fuzz_dashauth.c: libFuzzer target for the live page's token check: an
 * Authorization header and a query string as a client sends them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/dashauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input split at its first NUL into header and query. The check must
 * accept exactly the inputs that carry the token, and never read past. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char token[] = "fuzz-token-0123456789";
	char *s, *query;
	size_t n;
	int ok;

	if ((s = malloc(size + 2)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = s[size + 1] = '\0';
	n = strlen(s);
	query = s + n + 1;
	ok = dashauth_check(token, s, query);
	/* A header that is exactly the bearer token must pass. */
	if (strcmp(s, "Bearer fuzz-token-0123456789") == 0 && !ok)
		abort();
	/* Without the token anywhere in the input, nothing passes. */
	if (ok && memmem(data, size, token, sizeof(token) - 1) == NULL)
		abort();
	dashauth_token_valid(s, n);
	dashauth_check(token, NULL, s);
	free(s);
	return 0;
}
