/* SPDX-License-Identifier: ISC */
/* outfmt.c: --format names. */
#include <stdio.h>
#include <string.h>

#include "lib/outfmt.h"

static const char *const outfmt_names[] = { "text", "json", "csv", "md", "html" };
#define OUTFMT_N (sizeof(outfmt_names) / sizeof(outfmt_names[0]))

/* Names older versions accepted; kept so that scripts keep working, and
 * documented as deprecated in the man page. */
static const struct {
	const char *alias;
	enum out_format f;
} outfmt_aliases[] = {
	{ "table", OUT_TEXT },
	{ "markdown", OUT_MD },
};

/* Parse a format name that mask allows. */
int
outfmt_parse(const char *s, unsigned allowed_mask, enum out_format *out)
{
	size_t i;

	for (i = 0; i < OUTFMT_N; i++)
		if (strcmp(s, outfmt_names[i]) == 0 && (allowed_mask & OUTFMT_BIT(i))) {
			*out = (enum out_format)i;
			return 0;
		}
	for (i = 0; i < sizeof(outfmt_aliases) / sizeof(outfmt_aliases[0]); i++)
		if (strcmp(s, outfmt_aliases[i].alias) == 0 &&
		    (allowed_mask & OUTFMT_BIT(outfmt_aliases[i].f))) {
			*out = outfmt_aliases[i].f;
			return 0;
		}
	return -1;
}

/* The name of a format. */
const char *
outfmt_name(enum out_format f)
{
	return (unsigned)f < OUTFMT_N ? outfmt_names[f] : "?";
}

/* "text, json or csv": the allowed names joined for a usage error. */
void
outfmt_expected(unsigned mask, char *buf, size_t len)
{
	size_t i, n = 0, k = 0, used = 0;
	int w;

	for (i = 0; i < OUTFMT_N; i++)
		if (mask & OUTFMT_BIT(i))
			n++;
	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < OUTFMT_N && used < len; i++) {
		if (!(mask & OUTFMT_BIT(i)))
			continue;
		k++;
		w = snprintf(buf + used, len - used, "%s%s",
			     k == 1   ? ""
			     : k == n ? " or "
				      : ", ",
			     outfmt_names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
