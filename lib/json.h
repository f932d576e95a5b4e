/* SPDX-License-Identifier: ISC */
/* json.h: the one JSON string writer (and the UTF-8 decoder it uses), and
 * the one CSV field writer. */
#ifndef HAMON_JSON_H
#define HAMON_JSON_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if it is
 * not one; *cp gets the code point. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Write str as a JSON string literal (RFC 8259): quotes included, controls
 * escaped, invalid UTF-8 as U+FFFD. */
void json_write_string(FILE *out, const char *str);
/* Write s as a CSV field (RFC 4180): quoted, with quotes doubled, when it
 * holds a comma, quote, CR or LF; a leading =, +, -, @, tab or CR gets a
 * single quote before it (formula injection) unless s is a signed number. */
void csv_write_field(FILE *out, const char *s);

#endif
