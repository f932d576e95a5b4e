/* SPDX-License-Identifier: ISC */
/* store_view.c: read-only lookups for reports (store_view.h). */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "store/store_view.h"

/* The hostname column of one session. */
int
store_get_session_host(struct store *s, int64_t id, char *buf, size_t n, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc, found = -1;

	if (n > 0)
		buf[0] = '\0';
	pthread_mutex_lock(&s->dbmu);
	rc = sqlite3_prepare_v2(s->db, "SELECT hostname FROM sessions WHERE id = ?1", -1, &st,
				NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const unsigned char *h = sqlite3_column_text(st, 0);

			if (h != NULL && n > 0)
				snprintf(buf, n, "%s", (const char *)h);
			found = 0;
		} else if (rc == SQLITE_DONE)
			found = 1;
	}
	if (found < 0)
		store_query_fail(s, "sessions", err, errlen);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return found;
}
