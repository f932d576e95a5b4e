/* SPDX-License-Identifier: ISC */
/* xalloc.h: allocators that never return NULL (they call fatal instead). */
#ifndef HAMON_XALLOC_H
#define HAMON_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
