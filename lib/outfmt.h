/* SPDX-License-Identifier: ISC */
/* outfmt.h: the one parser of --format names, shared by every command. */
#ifndef HAMON_OUTFMT_H
#define HAMON_OUTFMT_H
#include <stddef.h>

enum out_format { OUT_TEXT = 0, OUT_JSON, OUT_CSV, OUT_MD, OUT_HTML };

/* The bit of one format in an allowed_mask. */
#define OUTFMT_BIT(f) (1u << (f))
#define OUTFMT_ALL                                                                                \
	(OUTFMT_BIT(OUT_TEXT) | OUTFMT_BIT(OUT_JSON) | OUTFMT_BIT(OUT_CSV) | OUTFMT_BIT(OUT_MD) | \
	 OUTFMT_BIT(OUT_HTML))

/* Parse a format name: text, json, csv, md, html (and the old names table
 * for text, markdown for md). 0 when it names a format in allowed_mask, else
 * -1 and *out is left alone. */
int outfmt_parse(const char *s, unsigned allowed_mask, enum out_format *out);
/* The name of f ("text", ...). */
const char *outfmt_name(enum out_format f);
/* The formats of mask for a usage error, in enum order: "text, json or csv". */
void outfmt_expected(unsigned mask, char *buf, size_t len);

#endif
