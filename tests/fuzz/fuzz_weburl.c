/* SPDX-License-Identifier: ISC */
/* fuzz_weburl.c: libFuzzer target for the webhook URL checker and what is
 * shown of a URL (lib/weburl.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/weburl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check what the functions promise: a terminated, bounded answer, and an
 * accepted URL begins with its scheme; what is shown never holds a
 * user:password@. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, why[128], out[300];
	size_t i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	why[0] = '\0';
	if (weburl_check(s, why, sizeof(why)) == 0) {
		if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0)
			abort();
		for (i = 0; s[i] != '\0'; i++)
			if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
				abort();
	} else if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
		abort();
	weburl_shown(s, out, sizeof(out));
	if (memchr(out, '\0', sizeof(out)) == NULL || strchr(out, '@') != NULL)
		abort();
	free(s);
	return 0;
}
