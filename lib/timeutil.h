/* SPDX-License-Identifier: ISC */
/* timeutil.h: clocks, and the one range-checked parser for durations and times. */
#ifndef HAMON_TIMEUTIL_H
#define HAMON_TIMEUTIL_H
#include <stddef.h>
#include <stdint.h>

#define NSEC_PER_USEC 1000LL
#define NSEC_PER_MSEC 1000000LL
#define NSEC_PER_SEC  1000000000LL

int64_t time_mono_ns(void); /* CLOCK_MONOTONIC */
int64_t time_real_ns(void); /* CLOCK_REALTIME */

/*
 * Parse a duration: a decimal number (fraction allowed) immediately followed
 * by a unit ns|us|ms|s|m|h, or several such parts ("2m30s", "1h5m").
 * Returns 0 and sets *ns, or -1 with a message in err such as
 * `"10 parsecs": unknown unit "parsecs"` or `"-5s": must not be negative`.
 * Zero is accepted here; callers enforce their own minimum with
 * duration_parse_range().
 */
int duration_parse(const char *s, int64_t *ns, char *err, size_t errlen);

/* duration_parse() plus min/max: `interval "0ms" must be at least 100us`.
 * what names the setting ("interval"); max 0 means no upper bound. */
int duration_parse_range(const char *what, const char *s, int64_t min_ns, int64_t max_ns,
			 int64_t *ns, char *err, size_t errlen);

/* Parse a decimal unsigned integer in [min, max]:
 * `down-after "abc" is not a number`. */
int uint_parse_range(const char *what, const char *s, unsigned long long min,
		     unsigned long long max, unsigned long long *out, char *err, size_t errlen);

/* "123.456ms" (<1s), "12.345s" (<1min), "3m02.456s" (<1h), "1h02m03.456s". */
void duration_format(int64_t ns, char *buf, size_t len);
/* The same with a fixed unit in milliseconds and 3 decimals: "45.123". */
void duration_format_ms(int64_t ns, char *buf, size_t len);

/* The shortest exact form in the largest unit that divides ns, as written in
 * a config file: "100us", "1ms", "90s", "1h"; 0 is "0s". */
void duration_format_compact(int64_t ns, char *buf, size_t len);

/* Local wall time with milliseconds: "2026-11-25 22:13:47.123". */
void time_format_local(int64_t real_ns, char *buf, size_t len);
/* Local time of day with milliseconds: "22:13:47.123". */
void time_format_clock(int64_t real_ns, char *buf, size_t len);
/* RFC 3339 UTC with microseconds: "2026-11-25T22:13:47.123456Z". */
void time_format_rfc3339(int64_t real_ns, char *buf, size_t len);

/*
 * Parse a point in time for --since/--until: RFC 3339 ("2026-11-25T22:13:47Z",
 * fraction and numeric offset allowed), "YYYY-MM-DD" and "YYYY-MM-DD HH:MM[:SS[.frac]]"
 * (local time), "now", or a duration ago ("2h" or "-2h" both mean two hours
 * before now_real_ns). Returns 0 or -1 with a message in err.
 */
int time_parse(const char *s, int64_t now_real_ns, int64_t *out_ns, char *err, size_t errlen);

#endif
