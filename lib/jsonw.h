/* SPDX-License-Identifier: ISC */
/* jsonw.h: the one streaming JSON writer. Every command's JSON goes through
 * it, so nesting, commas, escaping, number precision and time format are
 * decided here once. The idea follows iproute2's json_writer (a stack of
 * open containers, jsonw_name before each member); the code is our own. */
#ifndef HAMON_JSONW_H
#define HAMON_JSONW_H
#include <stdint.h>
#include <stdio.h>

/* Containers nest at most this deep; deeper is a broken invariant. */
#define JSONW_MAX_DEPTH 16

struct jsonw;

/* A writer to out: compact JSON, and a newline after each complete
 * top-level value (so one value per line streams as JSON Lines). The one
 * allocation; nothing is allocated per value. */
struct jsonw *jsonw_new(FILE *out);
/* Free the writer (NULL: no-op). Containers left open are a broken invariant. */
void jsonw_free(struct jsonw *j);

/* Open and close an object or array. */
void jsonw_obj_open(struct jsonw *j);
void jsonw_obj_close(struct jsonw *j);
void jsonw_arr_open(struct jsonw *j);
void jsonw_arr_close(struct jsonw *j);
/* The name of the next member of the object being written. */
void jsonw_name(struct jsonw *j, const char *name);

/*
 * Values. Integers are for counts and identifiers: nothing hamon writes
 * should exceed 2^53 (what a double, hence jq and JavaScript, holds
 * exactly); times go through jsonw_time instead of as nanoseconds.
 */
void jsonw_string(struct jsonw *j, const char *s); /* escaped by json_write_string */
void jsonw_null(struct jsonw *j);
void jsonw_bool(struct jsonw *j, int b);
void jsonw_int(struct jsonw *j, int64_t v);
void jsonw_uint(struct jsonw *j, uint64_t v);
/* A duration given in ns, as milliseconds with exactly 3 decimals (the
 * house precision; the microsecond is truncated toward zero, as in
 * duration_format_ms): 1234567 ns is 1.234. */
void jsonw_ms(struct jsonw *j, int64_t ns);
/* A number with exactly decimals (0..9) digits after the point; NaN and
 * infinities are null. */
void jsonw_float(struct jsonw *j, double v, int decimals);
/* A CLOCK_REALTIME time in ns as an RFC 3339 UTC string with microseconds:
 * "2026-11-25T22:13:47.123456Z". */
void jsonw_time(struct jsonw *j, int64_t real_ns);

/* jsonw_name(j, name) followed by the value. */
void jsonw_string_field(struct jsonw *j, const char *name, const char *s);
void jsonw_null_field(struct jsonw *j, const char *name);
void jsonw_bool_field(struct jsonw *j, const char *name, int b);
void jsonw_int_field(struct jsonw *j, const char *name, int64_t v);
void jsonw_uint_field(struct jsonw *j, const char *name, uint64_t v);
void jsonw_ms_field(struct jsonw *j, const char *name, int64_t ns);
void jsonw_float_field(struct jsonw *j, const char *name, double v, int decimals);
void jsonw_time_field(struct jsonw *j, const char *name, int64_t real_ns);

#endif
