/* SPDX-License-Identifier: ISC */
/* xalloc.c: allocators that never return NULL. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"

/* malloc that exits on failure; a zero size still gives a unique pointer. */
void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatal("malloc %zu bytes", n);
	return p;
}

/* calloc that exits on failure (calloc itself checks the product). */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		fatal("calloc %zu * %zu bytes", nmemb, size);
	return p;
}

/* realloc of nmemb * size bytes, refusing a product that overflows. */
void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	void *np;
	size_t total;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("xreallocarray: %zu * %zu bytes overflows", nmemb, size);
	total = nmemb * size;
	if ((np = realloc(p, total == 0 ? 1 : total)) == NULL)
		fatal("realloc %zu bytes", total);
	return np;
}

/* strdup that exits on failure. */
char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

/* asprintf into a new string, exiting on failure. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		fatal("asprintf");
	return s;
}
