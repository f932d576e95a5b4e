/* SPDX-License-Identifier: ISC */
/* test_jsonw.c: the streaming JSON writer: nesting, commas, escaping,
 * number precision, times, non-finite numbers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/json.h"
#include "lib/jsonw.h"

struct buf {
	char *s;
	size_t n;
	FILE *fp;
	struct jsonw *j;
};

/* A writer into memory. */
static void
buf_open(struct buf *b)
{
	b->s = NULL;
	b->n = 0;
	b->fp = open_memstream(&b->s, &b->n);
	assert_non_null(b->fp);
	b->j = jsonw_new(b->fp);
	assert_non_null(b->j);
}

/* Close the writer and compare what it wrote with want. */
static void
buf_check(struct buf *b, const char *want)
{
	jsonw_free(b->j);
	fclose(b->fp);
	assert_string_equal(b->s, want);
	free(b->s);
}

/* Nested containers, commas between members and elements, none after the
 * last, empty containers. */
static void
test_jsonw_nesting(void **state)
{
	struct buf b;

	buf_open(&b);
	jsonw_obj_open(b.j);
	jsonw_name(b.j, "a");
	jsonw_arr_open(b.j);
	jsonw_int(b.j, 1);
	jsonw_int(b.j, -2);
	jsonw_obj_open(b.j);
	jsonw_obj_close(b.j);
	jsonw_arr_open(b.j);
	jsonw_arr_close(b.j);
	jsonw_obj_open(b.j);
	jsonw_uint_field(b.j, "x", UINT64_C(18446744073709551615));
	jsonw_bool_field(b.j, "t", 1);
	jsonw_bool_field(b.j, "f", 0);
	jsonw_null_field(b.j, "n");
	jsonw_obj_close(b.j);
	jsonw_arr_close(b.j);
	jsonw_int_field(b.j, "b", INT64_MIN);
	jsonw_name(b.j, "c");
	jsonw_obj_open(b.j);
	jsonw_obj_close(b.j);
	jsonw_obj_close(b.j);
	buf_check(&b, "{\"a\":[1,-2,{},[],{\"x\":18446744073709551615,\"t\":true,\"f\":false,"
		      "\"n\":null}],\"b\":-9223372036854775808,\"c\":{}}\n");
}

/* Each top-level value ends its line (JSON Lines), the deepest nesting
 * allowed works. */
static void
test_jsonw_top_level(void **state)
{
	struct buf b;
	char want[2 * JSONW_MAX_DEPTH + 8];
	int i;

	buf_open(&b);
	jsonw_obj_open(b.j);
	jsonw_string_field(b.j, "event", "up");
	jsonw_obj_close(b.j);
	jsonw_obj_open(b.j);
	jsonw_string_field(b.j, "event", "down");
	jsonw_obj_close(b.j);
	jsonw_int(b.j, 7);
	buf_check(&b, "{\"event\":\"up\"}\n{\"event\":\"down\"}\n7\n");

	buf_open(&b);
	for (i = 0; i < JSONW_MAX_DEPTH; i++)
		jsonw_arr_open(b.j);
	for (i = 0; i < JSONW_MAX_DEPTH; i++)
		jsonw_arr_close(b.j);
	memset(want, '[', JSONW_MAX_DEPTH);
	memset(want + JSONW_MAX_DEPTH, ']', JSONW_MAX_DEPTH);
	strcpy(want + 2 * JSONW_MAX_DEPTH, "\n");
	buf_check(&b, want);
}

/* Names and strings are escaped: quotes, backslashes, controls, invalid
 * UTF-8; valid UTF-8 passes. */
static void
test_jsonw_escaping(void **state)
{
	struct buf b;

	buf_open(&b);
	jsonw_obj_open(b.j);
	jsonw_string_field(b.j, "a\"b", "q\"\\\n\t\x01\x7f");
	jsonw_string_field(b.j, "bad",
			   "x\xff"
			   "y");
	jsonw_string_field(b.j, "utf8", "\xc3\xa9\xe2\x82\xac");
	jsonw_string_field(b.j, "", "");
	jsonw_obj_close(b.j);
	buf_check(&b, "{\"a\\\"b\":\"q\\\"\\\\\\n\\t\\u0001\\u007f\",\"bad\":\"x\\ufffdy\","
		      "\"utf8\":\"\xc3\xa9\xe2\x82\xac\",\"\":\"\"}\n");
}

/* Milliseconds: exactly 3 decimals, exact for large values, truncated
 * below the microsecond, negative values signed. */
static void
test_jsonw_ms(void **state)
{
	struct buf b;

	buf_open(&b);
	jsonw_arr_open(b.j);
	jsonw_ms(b.j, 0);
	jsonw_ms(b.j, 1);
	jsonw_ms(b.j, 1234567);
	jsonw_ms(b.j, 1000000);
	jsonw_ms(b.j, 999999);
	jsonw_ms(b.j, -1500000);
	/* 2^62 ns: past what a double holds exactly, still exact here */
	jsonw_ms(b.j, INT64_C(4611686018427387904));
	jsonw_arr_close(b.j);
	buf_check(&b, "[0.000,0.000,1.234,1.000,0.999,-1.500,4611686018427.387]\n");
}

/* Floats: the decimals asked for, rounded; NaN and infinities are null;
 * a negative that rounds to zero is 0. */
static void
test_jsonw_float(void **state)
{
	struct buf b;

	buf_open(&b);
	jsonw_obj_open(b.j);
	jsonw_float_field(b.j, "a", 0.95, 4);
	jsonw_float_field(b.j, "b", 5000, 3);
	jsonw_float_field(b.j, "c", 2.0 / 3.0, 3);
	jsonw_float_field(b.j, "d", 1.5, 0);
	jsonw_float_field(b.j, "e", -0.0001, 2);
	jsonw_float_field(b.j, "nan", NAN, 3);
	jsonw_float_field(b.j, "inf", INFINITY, 3);
	jsonw_float_field(b.j, "ninf", -INFINITY, 3);
	jsonw_float_field(b.j, "clamped", 1.0 / 3.0, 40);
	jsonw_obj_close(b.j);
	jsonw_arr_open(b.j);
	jsonw_float(b.j, NAN, 2);
	jsonw_float(b.j, 1e6, 1);
	jsonw_arr_close(b.j);
	buf_check(&b, "{\"a\":0.9500,\"b\":5000.000,\"c\":0.667,\"d\":2,\"e\":0.00,\"nan\":null,"
		      "\"inf\":null,\"ninf\":null,\"clamped\":0.333333333}\n[null,1000000.0]\n");
}

/* Times: RFC 3339 UTC strings with microseconds, never nanosecond
 * integers (which pass 2^53). */
static void
test_jsonw_time(void **state)
{
	struct buf b;

	buf_open(&b);
	jsonw_obj_open(b.j);
	/* 2026-11-25T10:00:00Z */
	jsonw_time_field(b.j, "start", INT64_C(1795600800000000000));
	jsonw_time_field(b.j, "end", INT64_C(1795600801123456789));
	jsonw_time_field(b.j, "epoch", 0);
	jsonw_obj_close(b.j);
	buf_check(&b, "{\"start\":\"2026-11-25T10:00:00.000000Z\","
		      "\"end\":\"2026-11-25T10:00:01.123456Z\","
		      "\"epoch\":\"1970-01-01T00:00:00.000000Z\"}\n");
}

/* CSV fields: quoting, and formula injection neutralised by a leading
 * single quote, while signed numbers stay numbers. */
static void
test_csv_field(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "vm101", "vm101" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "=1+2", "'=1+2" },
		{ "+cmd", "'+cmd" },
		{ "-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
		{ "\tx", "'\tx" },
		{ "-12.5", "-12.5" },
		{ "+3", "+3" },
		{ "-1.5e-3", "-1.5e-3" },
		{ "-", "'-" },
		{ "-1e", "'-1e" },
		{ "-.5", "-.5" },
		{ "", "" },
		{ "a=b", "a=b" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&p, &n);

		assert_non_null(f);
		csv_write_field(f, cases[i].in);
		fclose(f);
		assert_string_equal(p, cases[i].want);
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_field),       cmocka_unit_test(test_jsonw_nesting),
		cmocka_unit_test(test_jsonw_top_level), cmocka_unit_test(test_jsonw_escaping),
		cmocka_unit_test(test_jsonw_ms),        cmocka_unit_test(test_jsonw_float),
		cmocka_unit_test(test_jsonw_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
