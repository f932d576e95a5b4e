/* SPDX-License-Identifier: ISC */
/*
 * render_esc.c: the escaping of outside text for each report format, and
 * the display width of text once escaped (for column alignment).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "report/render.h"

/* Text and Markdown: printable ASCII and printable UTF-8 as is, the rest \xNN. */
void
render_esc_plain(FILE *out, const char *str, int md)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, len;
	uint32_t cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			fprintf(out, md ? "\\\\x%02x" : "\\x%02x", s[i]);
			i++;
			continue;
		}
		if (cp == '\\')
			fputs("\\\\", out);
		else if (md && cp == '&')
			fputs("&amp;", out);
		else if (md && strchr("`*_[]<>|~#", (int)cp) != NULL)
			fprintf(out, "\\%c", (int)cp);
		else
			fwrite(s + i, 1, len, out);
		i += len;
	}
}

/* HTML text or attribute value: the five specials as entities, controls as
 * \xNN, invalid UTF-8 as U+FFFD. */
void
render_esc_html(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, len;
	uint32_t cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			fputs("&#xfffd;", out);
			i++;
			continue;
		}
		switch (cp) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
				fprintf(out, "\\x%02x", s[i]);
			else
				fwrite(s + i, 1, len, out);
		}
		i += len;
	}
}

/* Write outside text escaped for fmt. */
void
runreport_write_escaped(FILE *out, enum rr_format fmt, const char *s)
{
	if (s == NULL)
		s = "";
	switch (fmt) {
	case RR_FMT_JSON:
		json_write_string(out, s);
		break;
	case RR_FMT_CSV:
		csv_write_field(out, s);
		break;
	case RR_FMT_HTML:
		render_esc_html(out, s);
		break;
	case RR_FMT_MD:
		render_esc_plain(out, s, 1);
		break;
	default:
		render_esc_plain(out, s, 0);
		break;
	}
}

/* Display width of s once escaped for text (for column alignment). */
int
render_text_width(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, len;
	uint32_t cp;
	int w = 0;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			w += 4;
			i++;
			continue;
		}
		w += cp == '\\' ? 2 : 1;
		i += len;
	}
	return w;
}

/* Escaped text padded with spaces to width w. */
void
render_text_pad(FILE *out, const char *s, int w)
{
	render_esc_plain(out, s, 0);
	for (w -= render_text_width(s); w > 0; w--)
		fputc(' ', out);
}
