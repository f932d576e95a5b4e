/* SPDX-License-Identifier: ISC */
/* test_control.c: the control socket's request lines (hamon mark). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/control.h"

/* Parse a copy of text; 0 or -1, rq filled on 0. */
static int
parse(const char *text, struct control_req *rq, char *buf, size_t len, const char **why)
{
	snprintf(buf, len, "%s", text);
	return control_parse(buf, rq, why);
}

/* The old form (no token) and the new one; labels keep their spaces. */
static void
test_parse_ok(void **state)
{
	struct control_req rq;
	const char *why;
	char buf[256];

	(void)state;
	assert_int_equal(
		parse("marker 1764108827000000000 power cut node1", &rq, buf, sizeof(buf), &why),
		0);
	assert_string_equal(rq.kind, "marker");
	assert_string_equal(rq.token, "");
	assert_string_equal(rq.label, "power cut node1");
	assert_true(rq.ts_ns == 1764108827000000000LL);

	assert_int_equal(
		parse("span-begin 5 id=00c0ffee00c0ffee migrate 101", &rq, buf, sizeof(buf), &why),
		0);
	assert_string_equal(rq.kind, "span-begin");
	assert_string_equal(rq.token, "00c0ffee00c0ffee");
	assert_string_equal(rq.label, "migrate 101");

	/* A label that itself starts with id= after a token stays whole. */
	assert_int_equal(parse("span-end 5 id=ab id=x y", &rq, buf, sizeof(buf), &why), 0);
	assert_string_equal(rq.token, "ab");
	assert_string_equal(rq.label, "id=x y");
}

/* Everything else is one clear error, never a crash. */
static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"marker",
		"marker 5",
		"marker 5 ",
		"marker x label",
		"marker 0 label",
		"marker -5 label",
		"marker 99999999999999999999999 label",
		"marker 5x label",
		"marker  label",
		"marker 5 id=",
		"marker 5 id= label",
		"marker 5 id=XYZ label",
		"marker 5 id=0123456789abcdef0123456789abcdef0 label", /* 33 digits */
		"marker 5 id=abc ",
		"marker 5 id=abc",
	};
	struct control_req rq;
	const char *why;
	char buf[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (parse(bad[i], &rq, buf, sizeof(buf), &why) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_string_equal(why, "malformed request");
	}
	assert_int_equal(parse("stop 5 now", &rq, buf, sizeof(buf), &why), -1);
	assert_string_equal(why, "unknown request");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
