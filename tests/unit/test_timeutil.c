/* SPDX-License-Identifier: ISC */
/* test_timeutil.c: durations, numbers, times, SipHash and log_escape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/log.h"
#include "lib/siphash.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"

/* 2026-11-25T22:13:47Z */
#define TEST_T0 1795644827LL

/* Assert that s parses as a duration of want nanoseconds. */
static void
check_duration(const char *s, int64_t want)
{
	char err[256] = "";
	int64_t ns = -12345;

	if (duration_parse(s, &ns, err, sizeof err) != 0)
		fail_msg("duration_parse(\"%s\") failed: %s", s, err);
	if (ns != want)
		fail_msg("duration_parse(\"%s\") = %lld, want %lld", s, (long long)ns,
			 (long long)want);
}

/* Assert that s is refused with exactly msg and *ns is left alone. */
static void
check_duration_error(const char *s, const char *msg)
{
	char err[256] = "";
	int64_t ns = -12345;

	assert_int_equal(duration_parse(s, &ns, err, sizeof err), -1);
	assert_string_equal(err, msg);
	assert_true(ns == -12345);
}

/* Every unit, with and without fractions, exactly. */
static void
test_duration_units(void **state)
{
	check_duration("0ns", 0);
	check_duration("0s", 0);
	check_duration("1ns", 1);
	check_duration("250us", 250000);
	check_duration("10ms", 10000000);
	check_duration("1s", 1000000000);
	check_duration("1m", 60000000000LL);
	check_duration("1h", 3600000000000LL);
	check_duration("1.5s", 1500000000);
	check_duration("0.1ms", 100000);
	check_duration("0.001s", 1000000);
	check_duration("2.25h", 8100000000000LL);
	check_duration("0.000000001s", 1);
	check_duration("1.9ns", 1); /* sub-nanosecond fractions are dropped */
	check_duration("0.3333333333333s", 333333333);
	check_duration("007ms", 7000000);
	check_duration("100us", 100000);
	check_duration("1.000000000000000000001s", 1000000000);
}

/* Compound forms add up. */
static void
test_duration_compound(void **state)
{
	check_duration("2m30s", 150000000000LL);
	check_duration("1h5m", 3900000000000LL);
	check_duration("1h2m3.456s", 3723456000000LL);
	check_duration("1s500ms", 1500000000);
	check_duration("1.5m0.5s", 90500000000LL);
}

/* The limit is 100 years; beyond is refused, not wrapped. */
static void
test_duration_overflow(void **state)
{
	check_duration("876000h", 876000LL * 3600 * 1000000000);
	check_duration_error("1000000h", "\"1000000h\": too long (at most 100 years)");
	check_duration_error("99999999999999999999999s",
			     "\"99999999999999999999999s\": too long (at most 100 years)");
	check_duration_error("18446744073709551615ns1h",
			     "\"18446744073709551615ns1h\": too long (at most 100 years)");
	check_duration_error("500000h500000h", "\"500000h500000h\": too long (at most 100 years)");
}

/* Bad input, each with its exact message. */
static void
test_duration_errors(void **state)
{
	check_duration_error("", "\"\": empty duration (for example 10ms)");
	check_duration_error(NULL, "\"\": empty duration (for example 10ms)");
	check_duration_error("10", "\"10\": missing unit (for example 10ms)");
	check_duration_error("2m30", "\"2m30\": missing unit (for example 10ms)");
	check_duration_error(
		"10 parsecs",
		"\"10 parsecs\": unknown unit \"parsecs\" (use ns, us, ms, s, m or h)");
	check_duration_error("10 ms", "\"10 ms\": spaces are not allowed");
	check_duration_error("1h 5m", "\"1h 5m\": spaces are not allowed");
	check_duration_error("10 ", "\"10 \": spaces are not allowed");
	check_duration_error("-5s", "\"-5s\": must not be negative");
	check_duration_error("abc", "\"abc\": not a duration (for example 10ms, 1.5s or 2m30s)");
	check_duration_error(" 10ms", "\" 10ms\": spaces are not allowed");
	check_duration_error("10ms ", "\"10ms \": spaces are not allowed");
	check_duration_error(".5s", "\".5s\": not a duration (for example 10ms, 1.5s or 2m30s)");
	check_duration_error("5.s", "\"5.s\": not a duration (for example 10ms, 1.5s or 2m30s)");
	check_duration_error("1.2.3s",
			     "\"1.2.3s\": not a duration (for example 10ms, 1.5s or 2m30s)");
	check_duration_error("10MS", "\"10MS\": unknown unit \"MS\" (use ns, us, ms, s, m or h)");
	check_duration_error("10sec",
			     "\"10sec\": unknown unit \"sec\" (use ns, us, ms, s, m or h)");
	check_duration_error("+5s", "\"+5s\": not a duration (for example 10ms, 1.5s or 2m30s)");
	check_duration_error("5s\n", "\"5s\\x0a\": spaces are not allowed");
	check_duration_error("1\x01s",
			     "\"1\\x01s\": unknown unit \"\\x01s\" (use ns, us, ms, s, m or h)");
}

/* Range checks name the setting and write the bound compactly. */
static void
test_duration_range(void **state)
{
	char err[256];
	int64_t ns = 0;

	assert_int_equal(duration_parse_range("interval", "5ms", 100000, 3600000000000LL, &ns, err,
					      sizeof err),
			 0);
	assert_true(ns == 5000000);
	assert_int_equal(duration_parse_range("interval", "100us", 100000, 3600000000000LL, &ns,
					      err, sizeof err),
			 0);
	assert_true(ns == 100000);
	assert_int_equal(duration_parse_range("interval", "1h", 100000, 3600000000000LL, &ns, err,
					      sizeof err),
			 0);
	assert_true(ns == 3600000000000LL);

	assert_int_equal(duration_parse_range("interval", "0ms", 100000, 3600000000000LL, &ns, err,
					      sizeof err),
			 -1);
	assert_string_equal(err, "interval \"0ms\" must be at least 100us");
	assert_int_equal(duration_parse_range("interval", "99us", 100000, 3600000000000LL, &ns, err,
					      sizeof err),
			 -1);
	assert_string_equal(err, "interval \"99us\" must be at least 100us");
	assert_int_equal(duration_parse_range("interval", "61m", 100000, 3600000000000LL, &ns, err,
					      sizeof err),
			 -1);
	assert_string_equal(err, "interval \"61m\" must be at most 1h");
	assert_int_equal(duration_parse_range("timeout", "0.5ms", 1000000, 0, &ns, err, sizeof err),
			 -1);
	assert_string_equal(err, "timeout \"0.5ms\" must be at least 1ms");
	assert_int_equal(duration_parse_range("timeout", "500h", 1000000, 0, &ns, err, sizeof err),
			 0);
	assert_int_equal(
		duration_parse_range("timeout", "2s", 0, NSEC_PER_SEC, &ns, err, sizeof err), -1);
	assert_string_equal(err, "timeout \"2s\" must be at most 1s");
	assert_int_equal(duration_parse_range("interval", "10", 100000, 0, &ns, err, sizeof err),
			 -1);
	assert_string_equal(err, "interval \"10\": missing unit (for example 10ms)");
	assert_true(ns == 500LL * 3600 * NSEC_PER_SEC);
}

/* Plain counts: decimal only, range-checked. */
static void
test_uint_parse(void **state)
{
	char err[256];
	unsigned long long v = 0;

	assert_int_equal(uint_parse_range("down-after", "3", 1, 1000000, &v, err, sizeof err), 0);
	assert_true(v == 3);
	assert_int_equal(uint_parse_range("down-after", "1000000", 1, 1000000, &v, err, sizeof err),
			 0);
	assert_true(v == 1000000);
	assert_int_equal(uint_parse_range("down-after", "abc", 1, 10, &v, err, sizeof err), -1);
	assert_string_equal(err, "down-after \"abc\" is not a number");
	assert_int_equal(uint_parse_range("up-after", "0", 1, 10, &v, err, sizeof err), -1);
	assert_string_equal(err, "up-after \"0\" must be at least 1");
	assert_int_equal(uint_parse_range("up-after", "11", 1, 10, &v, err, sizeof err), -1);
	assert_string_equal(err, "up-after \"11\" must be at most 10");
	assert_int_equal(uint_parse_range("up-after", "", 1, 10, &v, err, sizeof err), -1);
	assert_string_equal(err, "up-after \"\" is not a number");
	assert_int_equal(uint_parse_range("up-after", "-1", 1, 10, &v, err, sizeof err), -1);
	assert_string_equal(err, "up-after \"-1\" is not a number");
	assert_int_equal(uint_parse_range("up-after", "+1", 1, 10, &v, err, sizeof err), -1);
	assert_string_equal(err, "up-after \"+1\" is not a number");
	assert_int_equal(uint_parse_range("up-after", " 1", 1, 10, &v, err, sizeof err), -1);
	assert_string_equal(err, "up-after \" 1\" is not a number");
	assert_int_equal(uint_parse_range("up-after", "1 ", 1, 10, &v, err, sizeof err), -1);
	assert_string_equal(err, "up-after \"1 \" is not a number");
	assert_int_equal(uint_parse_range("up-after", "0x10", 1, 100, &v, err, sizeof err), -1);
	assert_string_equal(err, "up-after \"0x10\" is not a number");
	assert_int_equal(
		uint_parse_range("n", "99999999999999999999999", 0, ~0ULL, &v, err, sizeof err),
		-1);
	assert_string_equal(err, "n \"99999999999999999999999\" must be at most "
				 "18446744073709551615");
	assert_int_equal(
		uint_parse_range("n", "18446744073709551615", 0, ~0ULL, &v, err, sizeof err), 0);
	assert_true(v == ~0ULL);
}

/* Assert duration_format(ns) == want. */
static void
check_format(int64_t ns, const char *want)
{
	char buf[64];

	duration_format(ns, buf, sizeof buf);
	assert_string_equal(buf, want);
}

/* Each size class of duration_format, and the ms and compact forms. */
static void
test_duration_format(void **state)
{
	char buf[64];

	check_format(0, "0.000ms");
	check_format(250000, "0.250ms");
	check_format(45123000, "45.123ms");
	check_format(45123999, "45.123ms");
	check_format(999999999, "999.999ms");
	check_format(1000000000, "1.000s");
	check_format(12345000000LL, "12.345s");
	check_format(59999000000LL, "59.999s");
	check_format(60000000000LL, "1m00.000s");
	check_format(182456000000LL, "3m02.456s");
	check_format(3723456000000LL, "1h02m03.456s");
	check_format(90000LL * 3600 * NSEC_PER_SEC, "90000h00m00.000s");
	check_format(-45123000, "-45.123ms");
	check_format(-182456000000LL, "-3m02.456s");
	check_format(INT64_MIN, "-2562047h47m16.854s");

	duration_format_ms(45123000, buf, sizeof buf);
	assert_string_equal(buf, "45.123");
	duration_format_ms(1500000000, buf, sizeof buf);
	assert_string_equal(buf, "1500.000");
	duration_format_ms(-999, buf, sizeof buf);
	assert_string_equal(buf, "-0.000");
	duration_format_ms(1, buf, sizeof buf);
	assert_string_equal(buf, "0.000");

	duration_format_compact(100000, buf, sizeof buf);
	assert_string_equal(buf, "100us");
	duration_format_compact(1000000, buf, sizeof buf);
	assert_string_equal(buf, "1ms");
	duration_format_compact(NSEC_PER_SEC, buf, sizeof buf);
	assert_string_equal(buf, "1s");
	duration_format_compact(90 * NSEC_PER_SEC, buf, sizeof buf);
	assert_string_equal(buf, "90s");
	duration_format_compact(3600 * NSEC_PER_SEC, buf, sizeof buf);
	assert_string_equal(buf, "1h");
	duration_format_compact(1500, buf, sizeof buf);
	assert_string_equal(buf, "1500ns");
	duration_format_compact(0, buf, sizeof buf);
	assert_string_equal(buf, "0s");

	/* Truncation never overruns. */
	memset(buf, 'x', sizeof buf);
	duration_format(3723456000000LL, buf, 5);
	assert_string_equal(buf, "1h02");
}

/* The wall-clock formats, in UTC so the answer is fixed. */
static void
test_time_format(void **state)
{
	char buf[64];
	int64_t t = TEST_T0 * NSEC_PER_SEC + 123456789;

	time_format_local(t, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-25 22:13:47.123");
	time_format_clock(t, buf, sizeof buf);
	assert_string_equal(buf, "22:13:47.123");
	time_format_rfc3339(t, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-25T22:13:47.123456Z");
	time_format_rfc3339(0, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
	/* Before the epoch the fraction still counts forwards. */
	time_format_rfc3339(-1, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
	time_format_local(-500000000, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31 23:59:59.500");
}

/* Assert time_parse(s) == want with now = TEST_T0. */
static void
check_time(const char *s, int64_t want)
{
	char err[256] = "";
	int64_t t = 0;

	if (time_parse(s, TEST_T0 * NSEC_PER_SEC, &t, err, sizeof err) != 0)
		fail_msg("time_parse(\"%s\") failed: %s", s, err);
	if (t != want)
		fail_msg("time_parse(\"%s\") = %lld, want %lld", s, (long long)t, (long long)want);
}

/* Assert time_parse(s) fails with msg. */
static void
check_time_error(const char *s, const char *msg)
{
	char err[256] = "";
	int64_t t = 0;

	assert_int_equal(time_parse(s, TEST_T0 * NSEC_PER_SEC, &t, err, sizeof err), -1);
	assert_string_equal(err, msg);
}

/* Every form time_parse accepts, and garbage it refuses. */
static void
test_time_parse(void **state)
{
	int64_t now = TEST_T0 * NSEC_PER_SEC;

	check_time("now", now);
	check_time("2h", now - 2 * 3600 * NSEC_PER_SEC);
	check_time("-2h", now - 2 * 3600 * NSEC_PER_SEC);
	check_time("1.5s", now - 1500000000);
	check_time("2026-11-25T22:13:47Z", now);
	check_time("2026-11-25t22:13:47z", now);
	check_time("2026-11-25T22:13:47.5Z", now + 500000000);
	check_time("2026-11-25T22:13:47.123456789Z", now + 123456789);
	check_time("2026-11-25T22:13:47.1234567891Z", now + 123456789);
	check_time("2026-11-26T00:13:47+02:00", now);
	check_time("2026-11-25T21:43:47-00:30", now);
	check_time("2026-11-25", 1795564800LL * NSEC_PER_SEC);
	check_time("2026-11-25 22:13", 1795644780LL * NSEC_PER_SEC);
	check_time("2026-11-25 22:13:47", now);
	check_time("2026-11-25 22:13:47.250", now + 250000000);
	check_time("2024-02-29T12:00:00Z", 1709208000LL * NSEC_PER_SEC);
	check_time("1970-01-01T00:00:00Z", 0);
	check_time("1969-12-31T23:59:59.5Z", -500000000);

	check_time_error("", "\"\": empty time (for example 2026-11-25T22:13:47Z, now or 2h)");
	check_time_error("yesterday", "\"yesterday\": not a time (for example "
				      "2026-11-25T22:13:47Z, \"2026-11-25 22:13\", now or 2h)");
	check_time_error("2026-11-25T22:13:47Zjunk",
			 "\"2026-11-25T22:13:47Zjunk\": not a time "
			 "(for example 2026-11-25T22:13:47Z, \"2026-11-25 22:13\", now or 2h)");
	check_time_error("2026-11-25 ",
			 "\"2026-11-25 \": not a time "
			 "(for example 2026-11-25T22:13:47Z, \"2026-11-25 22:13\", now or 2h)");
	check_time_error("2026-11-25T22:13:47.Z",
			 "\"2026-11-25T22:13:47.Z\": not a time "
			 "(for example 2026-11-25T22:13:47Z, \"2026-11-25 22:13\", now or 2h)");
	check_time_error("2026-11-25T22:13:47+0200",
			 "\"2026-11-25T22:13:47+0200\": not a time "
			 "(for example 2026-11-25T22:13:47Z, \"2026-11-25 22:13\", now or 2h)");
	check_time_error("2026-1-25",
			 "\"2026-1-25\": not a time "
			 "(for example 2026-11-25T22:13:47Z, \"2026-11-25 22:13\", now or 2h)");
	check_time_error("2026-02-29", "\"2026-02-29\": no such date or time");
	check_time_error("2026-13-01", "\"2026-13-01\": no such date or time");
	check_time_error("2026-11-25 24:00", "\"2026-11-25 24:00\": no such date or time");
	check_time_error("9999-12-31T23:59:59Z", "\"9999-12-31T23:59:59Z\": out of range");
	check_time_error("2 hours", "\"2 hours\": unknown unit \"hours\" "
				    "(use ns, us, ms, s, m or h)");
	check_time_error("2", "\"2\": missing unit (for example 10ms)");
}

/* SipHash-2-4 against the reference vectors (key 00..0f). */
static void
test_siphash(void **state)
{
	uint64_t key[2], key2[2];
	unsigned char msg[64];
	size_t i;

	/* The key bytes 00..0f read as two little-endian words. */
	key[0] = 0x0706050403020100ULL;
	key[1] = 0x0f0e0d0c0b0a0908ULL;
	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)i;
	assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
	assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	/* Every length differs, and the input is read unaligned without trouble. */
	assert_true(siphash24(key, msg, 8) != siphash24(key, msg, 9));
	assert_true(siphash24(key, msg + 1, 15) != siphash24(key, msg, 15));

	key2[0] = key[0] ^ 1;
	key2[1] = key[1];
	assert_true(siphash24(key2, msg, 15) != 0xa129ca6149be45e5ULL);

	siphash_random_key(key);
	siphash_random_key(key2);
	assert_true(key[0] != key2[0] || key[1] != key2[1]);
}

/* log_escape: printable passes, the rest becomes \xNN, and truncation is safe. */
static void
test_log_escape(void **state)
{
	char buf[32];

	assert_string_equal(log_escape(buf, sizeof buf, "vm101 ok", 8), "vm101 ok");
	assert_string_equal(log_escape(buf, sizeof buf, "a\nb\\c\x7f\xff", 7),
			    "a\\x0ab\\\\c\\x7f\\xff");
	assert_string_equal(log_escape(buf, sizeof buf, "a\0b", 3), "a\\x00b");
	/* An escape that does not fit is dropped whole. */
	assert_string_equal(log_escape(buf, 5, "ab\ncd", 5), "ab");
	assert_string_equal(log_escape(buf, 6, "ab\ncd", 5), "ab");
	assert_string_equal(log_escape(buf, 7, "ab\ncd", 5), "ab\\x0a");
	assert_string_equal(log_escape(buf, 3, "a\\b", 3), "a");
	assert_string_equal(log_escape(buf, 1, "abc", 3), "");
	buf[0] = 'x';
	log_escape(buf, 0, "abc", 3);
	assert_int_equal(buf[0], 'x');
}

/* The allocators return usable memory, and xasprintf formats. */
static void
test_xalloc(void **state)
{
	char *s;
	int *a;

	s = xasprintf("%s:%d", "hamon.conf", 12);
	assert_string_equal(s, "hamon.conf:12");
	free(s);
	a = xcalloc(4, sizeof *a);
	assert_int_equal(a[3], 0);
	a = xreallocarray(a, 1000, sizeof *a);
	a[999] = 7;
	assert_int_equal(a[999], 7);
	free(a);
	s = xstrdup("x");
	assert_string_equal(s, "x");
	free(s);
	free(xmalloc(0));
}

/* Clocks move forwards and the real clock is after 2020. */
static void
test_clocks(void **state)
{
	int64_t a, b;

	a = time_mono_ns();
	b = time_mono_ns();
	assert_true(b >= a);
	assert_true(time_real_ns() > 1577836800LL * NSEC_PER_SEC);
}

/* Run every test in this file; TAP output when CMOCKA_MESSAGE_OUTPUT=TAP. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_compound),
		cmocka_unit_test(test_duration_overflow),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_duration_range),
		cmocka_unit_test(test_uint_parse),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_siphash),
		cmocka_unit_test(test_log_escape),
		cmocka_unit_test(test_xalloc),
		cmocka_unit_test(test_clocks),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
