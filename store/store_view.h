/* SPDX-License-Identifier: ISC */
/* store_view.h: small read-only lookups the reporter needs beside store.h's
 * (kept apart so that they can grow without touching the writer's files). */
#ifndef HAMON_STORE_VIEW_H
#define HAMON_STORE_VIEW_H
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The host name session id was recorded on, into buf (truncated to n - 1
 * bytes; "" when the session stored none). 0 found, 1 no such session, -1
 * with err when the database fails. */
int store_get_session_host(struct store *s, int64_t id, char *buf, size_t n, char *err,
			   size_t errlen);

#endif
