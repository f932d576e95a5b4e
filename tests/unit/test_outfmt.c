/* SPDX-License-Identifier: ISC */
/* test_outfmt.c: the --format parser and its usage message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/outfmt.h"

#define HISTORY (OUTFMT_BIT(OUT_TEXT) | OUTFMT_BIT(OUT_JSON) | OUTFMT_BIT(OUT_CSV))

/* Assert that s parses as want under mask. */
static void
check_parse(const char *s, unsigned mask, enum out_format want)
{
	enum out_format f = (enum out_format) - 1;

	if (outfmt_parse(s, mask, &f) != 0)
		fail_msg("outfmt_parse(\"%s\", %#x) refused it", s, mask);
	assert_int_equal(f, want);
}

/* Assert that s is refused under mask and *out is left alone. */
static void
check_refused(const char *s, unsigned mask)
{
	enum out_format f = OUT_HTML;

	assert_int_equal(outfmt_parse(s, mask, &f), -1);
	assert_int_equal(f, OUT_HTML);
}

/* Every name, the old aliases, and the mask. */
static void
test_outfmt_parse(void **state)
{
	check_parse("text", OUTFMT_ALL, OUT_TEXT);
	check_parse("json", OUTFMT_ALL, OUT_JSON);
	check_parse("csv", OUTFMT_ALL, OUT_CSV);
	check_parse("md", OUTFMT_ALL, OUT_MD);
	check_parse("html", OUTFMT_ALL, OUT_HTML);
	check_parse("table", OUTFMT_ALL, OUT_TEXT);
	check_parse("table", HISTORY, OUT_TEXT);
	check_parse("markdown", OUTFMT_ALL, OUT_MD);
	check_parse("csv", HISTORY, OUT_CSV);

	check_refused("md", HISTORY);
	check_refused("markdown", HISTORY);
	check_refused("html", HISTORY);
	check_refused("table", OUTFMT_BIT(OUT_JSON));
	check_refused("", OUTFMT_ALL);
	check_refused("JSON", OUTFMT_ALL);
	check_refused("json ", OUTFMT_ALL);
	check_refused("xml", OUTFMT_ALL);
	check_refused("json", 0);
}

/* Names round-trip. */
static void
test_outfmt_name(void **state)
{
	enum out_format f;

	for (f = OUT_TEXT; f <= OUT_HTML; f++)
		check_parse(outfmt_name(f), OUTFMT_ALL, f);
	assert_string_equal(outfmt_name((enum out_format)99), "?");
}

/* The list for a usage error, and truncation into a short buffer. */
static void
test_outfmt_expected(void **state)
{
	char buf[64];

	outfmt_expected(HISTORY, buf, sizeof buf);
	assert_string_equal(buf, "text, json or csv");
	outfmt_expected(OUTFMT_ALL, buf, sizeof buf);
	assert_string_equal(buf, "text, json, csv, md or html");
	outfmt_expected(OUTFMT_BIT(OUT_TEXT) | OUTFMT_BIT(OUT_JSON), buf, sizeof buf);
	assert_string_equal(buf, "text or json");
	outfmt_expected(OUTFMT_BIT(OUT_CSV), buf, sizeof buf);
	assert_string_equal(buf, "csv");
	outfmt_expected(0, buf, sizeof buf);
	assert_string_equal(buf, "");
	outfmt_expected(OUTFMT_ALL, buf, 8);
	assert_string_equal(buf, "text, j");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outfmt_parse),
		cmocka_unit_test(test_outfmt_name),
		cmocka_unit_test(test_outfmt_expected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
