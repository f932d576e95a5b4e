/* SPDX-License-Identifier: ISC */
/* jsonw.c: the streaming JSON writer (see jsonw.h). */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/json.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"

/*
 * One entry per open container: whether it is an object, and how many
 * members or elements it holds so far (a comma goes before every one but
 * the first). In an object a value is allowed only right after its name,
 * and a name only where a member may start; a mistake there is a bug in
 * the caller that would write JSON no parser reads, so it is fatal.
 */
struct jsonw_level {
	unsigned char is_obj;
	unsigned char named; /* object: the name of the pending member is written */
	uint32_t n;
};

struct jsonw {
	FILE *out;
	int depth;
	struct jsonw_level lv[JSONW_MAX_DEPTH];
};

/* A writer to out. */
struct jsonw *
jsonw_new(FILE *out)
{
	struct jsonw *j = xcalloc(1, sizeof(*j));

	j->out = out;
	return j;
}

/* Free the writer; every container must be closed. */
void
jsonw_free(struct jsonw *j)
{
	if (j == NULL)
		return;
	if (j->depth != 0)
		fatalx("jsonw: freed with %d containers open", j->depth);
	free(j);
}

/* Before any value: the comma, and the check that a value may go here. */
static void
jsonw_before_value(struct jsonw *j)
{
	struct jsonw_level *l;

	if (j->depth == 0)
		return;
	l = &j->lv[j->depth - 1];
	if (l->is_obj) {
		if (!l->named)
			fatalx("jsonw: value in an object without jsonw_name");
		l->named = 0;
	} else if (l->n++ > 0)
		fputc(',', j->out);
}

/* After a value: a complete top-level value ends its line. */
static void
jsonw_after_value(struct jsonw *j)
{
	if (j->depth == 0)
		fputc('\n', j->out);
}

/* The name of the next member. */
void
jsonw_name(struct jsonw *j, const char *name)
{
	struct jsonw_level *l = j->depth ? &j->lv[j->depth - 1] : NULL;

	if (l == NULL || !l->is_obj || l->named)
		fatalx("jsonw: name \"%s\" where no member can start", name);
	if (l->n++ > 0)
		fputc(',', j->out);
	json_write_string(j->out, name);
	fputc(':', j->out);
	l->named = 1;
}

/* Open a container (c is '{' or '['). */
static void
jsonw_open(struct jsonw *j, int c)
{
	struct jsonw_level *l;

	jsonw_before_value(j);
	if (j->depth == JSONW_MAX_DEPTH)
		fatalx("jsonw: nested deeper than %d", JSONW_MAX_DEPTH);
	l = &j->lv[j->depth++];
	l->is_obj = c == '{';
	l->named = 0;
	l->n = 0;
	fputc(c, j->out);
}

/* Close the innermost container, which must be the kind c closes. */
static void
jsonw_close(struct jsonw *j, int c)
{
	struct jsonw_level *l = j->depth ? &j->lv[j->depth - 1] : NULL;

	if (l == NULL || l->is_obj != (c == '}') || l->named)
		fatalx("jsonw: '%c' with no matching open container", c);
	j->depth--;
	fputc(c, j->out);
	jsonw_after_value(j);
}

void
jsonw_obj_open(struct jsonw *j)
{
	jsonw_open(j, '{');
}

void
jsonw_obj_close(struct jsonw *j)
{
	jsonw_close(j, '}');
}

void
jsonw_arr_open(struct jsonw *j)
{
	jsonw_open(j, '[');
}

void
jsonw_arr_close(struct jsonw *j)
{
	jsonw_close(j, ']');
}

/* A string, escaped. */
void
jsonw_string(struct jsonw *j, const char *s)
{
	jsonw_before_value(j);
	json_write_string(j->out, s);
	jsonw_after_value(j);
}

/* A literal token (null, true, false) or a formatted number. */
static void
jsonw_raw(struct jsonw *j, const char *s)
{
	jsonw_before_value(j);
	fputs(s, j->out);
	jsonw_after_value(j);
}

void
jsonw_null(struct jsonw *j)
{
	jsonw_raw(j, "null");
}

void
jsonw_bool(struct jsonw *j, int b)
{
	jsonw_raw(j, b ? "true" : "false");
}

void
jsonw_int(struct jsonw *j, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	jsonw_raw(j, buf);
}

void
jsonw_uint(struct jsonw *j, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	jsonw_raw(j, buf);
}

/* Milliseconds with 3 decimals, by integer arithmetic (no double rounding). */
void
jsonw_ms(struct jsonw *j, int64_t ns)
{
	char buf[40];

	duration_format_ms(ns, buf, sizeof(buf));
	jsonw_raw(j, buf);
}

/* A fixed number of decimals; non-finite values are null, "-0.000" is 0. */
void
jsonw_float(struct jsonw *j, double v, int decimals)
{
	char buf[384]; /* %.9f of DBL_MAX is 319 characters */

	if (!isfinite(v)) {
		jsonw_null(j);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	/* A negative value that rounds to zero prints as "-0.00"; JSON allows
	 * it but it reads as a different value. */
	if (buf[0] == '-' && strtod(buf, NULL) == 0.0)
		snprintf(buf, sizeof(buf), "%.*f", decimals, 0.0);
	jsonw_raw(j, buf);
}

/* RFC 3339 UTC. */
void
jsonw_time(struct jsonw *j, int64_t real_ns)
{
	char buf[64];

	time_format_rfc3339(real_ns, buf, sizeof(buf));
	jsonw_string(j, buf);
}

void
jsonw_string_field(struct jsonw *j, const char *name, const char *s)
{
	jsonw_name(j, name);
	jsonw_string(j, s);
}

void
jsonw_null_field(struct jsonw *j, const char *name)
{
	jsonw_name(j, name);
	jsonw_null(j);
}

void
jsonw_bool_field(struct jsonw *j, const char *name, int b)
{
	jsonw_name(j, name);
	jsonw_bool(j, b);
}

void
jsonw_int_field(struct jsonw *j, const char *name, int64_t v)
{
	jsonw_name(j, name);
	jsonw_int(j, v);
}

void
jsonw_uint_field(struct jsonw *j, const char *name, uint64_t v)
{
	jsonw_name(j, name);
	jsonw_uint(j, v);
}

void
jsonw_ms_field(struct jsonw *j, const char *name, int64_t ns)
{
	jsonw_name(j, name);
	jsonw_ms(j, ns);
}

void
jsonw_float_field(struct jsonw *j, const char *name, double v, int decimals)
{
	jsonw_name(j, name);
	jsonw_float(j, v, decimals);
}

void
jsonw_time_field(struct jsonw *j, const char *name, int64_t real_ns)
{
	jsonw_name(j, name);
	jsonw_time(j, real_ns);
}
