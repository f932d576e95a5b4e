/* SPDX-License-Identifier: ISC */
/* timeutil.c: clocks, and the one range-checked parser for numbers, durations and times. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/timeutil.h"

/* Quoted outside text in messages is escaped and cut to this many bytes. */
#define TIMEUTIL_QUOTE_MAX 128

/* No duration may exceed 100 years: far beyond any sane setting, far below INT64_MAX. */
#define TIMEUTIL_DURATION_MAX (100LL * 366 * 24 * 3600 * NSEC_PER_SEC)

struct timeutil_unit {
	const char *name;
	int64_t ns;
};

/* Largest first: duration_format_compact() picks the first that divides exactly. */
/* One unit a line. */
/* clang-format off */
static const struct timeutil_unit timeutil_units[] = {
	{ "h", 3600 * NSEC_PER_SEC },
	{ "m", 60 * NSEC_PER_SEC },
	{ "s", NSEC_PER_SEC },
	{ "ms", NSEC_PER_MSEC },
	{ "us", NSEC_PER_USEC },
	{ "ns", 1 },
};
/* clang-format on */
#define TIMEUTIL_NUNITS (sizeof timeutil_units / sizeof timeutil_units[0])

/* Escape s into buf for quoting in an error message. */
static const char *
timeutil_quote(char *buf, size_t n, const char *s)
{
	return log_escape(buf, n, s, strlen(s));
}

/* Read a clock as nanoseconds. */
static int64_t
timeutil_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* CLOCK_MONOTONIC in nanoseconds: for measuring. */
int64_t
time_mono_ns(void)
{
	return timeutil_clock_ns(CLOCK_MONOTONIC);
}

/* CLOCK_REALTIME in nanoseconds since the epoch: for timestamps. */
int64_t
time_real_ns(void)
{
	return timeutil_clock_ns(CLOCK_REALTIME);
}

/*
 * The fraction 0.d1d2...dn of unit, rounded down, in exact integer
 * arithmetic. Horner's scheme from the last digit keeps every intermediate
 * below 10 * unit, and floor((a + floor(x)) / 10) == floor((a + x) / 10) for
 * integer a, so the per-step truncation gives the exact floor of the sum.
 */
static uint64_t
timeutil_fraction(const char *digits, size_t n, uint64_t unit)
{
	uint64_t x = 0;

	while (n > 0) {
		n--;
		x = ((uint64_t)(digits[n] - '0') * unit + x) / 10;
	}
	return x;
}

/* Look up a unit name of length len; 0 if unknown. */
static int64_t
timeutil_unit_ns(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < TIMEUTIL_NUNITS; i++) {
		if (strlen(timeutil_units[i].name) == len &&
		    memcmp(timeutil_units[i].name, name, len) == 0)
			return timeutil_units[i].ns;
	}
	return 0;
}

/* Parse a duration: one or more NUMBER[.FRACTION]UNIT parts. */
int
duration_parse(const char *s, int64_t *ns, char *err, size_t errlen)
{
	char q[TIMEUTIL_QUOTE_MAX], uq[TIMEUTIL_QUOTE_MAX];
	const char *p, *ip, *fp, *sp, *u;
	size_t ilen, flen, ulen;
	uint64_t total = 0, ival, part;
	int64_t unit;
	int big;

	if (s == NULL)
		s = "";
	timeutil_quote(q, sizeof q, s);
	if (*s == '\0') {
		snprintf(err, errlen, "\"\": empty duration (for example 10ms)");
		return -1;
	}
	if (*s == '-') {
		snprintf(err, errlen, "\"%s\": must not be negative", q);
		return -1;
	}

	p = s;
	while (*p != '\0') {
		if (isspace((unsigned char)*p))
			goto space;
		/* The number: digits, optionally '.' and more digits. */
		ival = 0;
		big = 0;
		for (ip = p; isdigit((unsigned char)*p); p++) {
			if (ival > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				big = 1;
			else
				ival = ival * 10 + (uint64_t)(*p - '0');
		}
		ilen = (size_t)(p - ip);
		fp = NULL;
		flen = 0;
		if (*p == '.') {
			for (fp = ++p; isdigit((unsigned char)*p); p++)
				/* nothing */;
			flen = (size_t)(p - fp);
		}
		if (ilen == 0 || (fp != NULL && flen == 0)) {
			snprintf(err, errlen,
				 "\"%s\": not a duration (for example 10ms, 1.5s or 2m30s)", q);
			return -1;
		}

		/*
		 * The unit: everything up to the next number. Spaces are never
		 * allowed, but "10 parsecs" is better told about its unit.
		 */
		for (sp = p; isspace((unsigned char)*p); p++)
			/* nothing */;
		u = p;
		while (*p != '\0' && !isdigit((unsigned char)*p) && *p != '.' &&
		       !isspace((unsigned char)*p))
			p++;
		ulen = (size_t)(p - u);
		if (ulen == 0) {
			if (p != sp)
				goto space;
			if (*p == '\0')
				snprintf(err, errlen, "\"%s\": missing unit (for example 10ms)", q);
			else
				snprintf(err, errlen,
					 "\"%s\": not a duration (for example 10ms, 1.5s or 2m30s)",
					 q);
			return -1;
		}
		if ((unit = timeutil_unit_ns(u, ulen)) == 0) {
			log_escape(uq, sizeof uq, u, ulen);
			snprintf(err, errlen,
				 "\"%s\": unknown unit \"%s\" (use ns, us, ms, s, m or h)", q, uq);
			return -1;
		}
		if (u != sp)
			goto space;

		if (big || ival > (uint64_t)TIMEUTIL_DURATION_MAX / (uint64_t)unit)
			goto toolong;
		part = ival * (uint64_t)unit;
		if (fp != NULL)
			part += timeutil_fraction(fp, flen, (uint64_t)unit);
		total += part;
		if (total > (uint64_t)TIMEUTIL_DURATION_MAX)
			goto toolong;
	}
	*ns = (int64_t)total;
	return 0;

toolong:
	snprintf(err, errlen, "\"%s\": too long (at most 100 years)", q);
	return -1;
space:
	snprintf(err, errlen, "\"%s\": spaces are not allowed", q);
	return -1;
}

/* Parse a duration for setting what and check it against min and max. */
int
duration_parse_range(const char *what, const char *s, int64_t min_ns, int64_t max_ns, int64_t *ns,
		     char *err, size_t errlen)
{
	char q[TIMEUTIL_QUOTE_MAX], reason[256], bound[32];
	int64_t v;

	if (duration_parse(s, &v, reason, sizeof reason) != 0) {
		snprintf(err, errlen, "%s %s", what, reason);
		return -1;
	}
	timeutil_quote(q, sizeof q, s);
	if (v < min_ns) {
		duration_format_compact(min_ns, bound, sizeof bound);
		snprintf(err, errlen, "%s \"%s\" must be at least %s", what, q, bound);
		return -1;
	}
	if (max_ns != 0 && v > max_ns) {
		duration_format_compact(max_ns, bound, sizeof bound);
		snprintf(err, errlen, "%s \"%s\" must be at most %s", what, q, bound);
		return -1;
	}
	*ns = v;
	return 0;
}

/* Parse a plain decimal unsigned integer (no sign, no spaces) in [min, max]. */
int
uint_parse_range(const char *what, const char *s, unsigned long long min, unsigned long long max,
		 unsigned long long *out, char *err, size_t errlen)
{
	char q[TIMEUTIL_QUOTE_MAX];
	const char *p;
	unsigned long long v = 0;
	int big = 0;

	if (s == NULL)
		s = "";
	timeutil_quote(q, sizeof q, s);
	if (*s == '\0') {
		snprintf(err, errlen, "%s \"\" is not a number", what);
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p)) {
			snprintf(err, errlen, "%s \"%s\" is not a number", what, q);
			return -1;
		}
		if (v > (~0ULL - (unsigned long long)(*p - '0')) / 10)
			big = 1;
		else
			v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (big || v > max) {
		snprintf(err, errlen, "%s \"%s\" must be at most %llu", what, q, max);
		return -1;
	}
	if (v < min) {
		snprintf(err, errlen, "%s \"%s\" must be at least %llu", what, q, min);
		return -1;
	}
	*out = v;
	return 0;
}

/* Split ns into a sign and a magnitude that survives INT64_MIN. */
static uint64_t
timeutil_magnitude(int64_t ns, const char **sign)
{
	if (ns < 0) {
		*sign = "-";
		return (uint64_t)0 - (uint64_t)ns;
	}
	*sign = "";
	return (uint64_t)ns;
}

/* Human duration with millisecond precision (truncated), unit chosen by size. */
void
duration_format(int64_t ns, char *buf, size_t len)
{
	const char *sign;
	uint64_t v, ms, sec;

	v = timeutil_magnitude(ns, &sign);
	ms = (v / NSEC_PER_MSEC) % 1000;
	sec = v / NSEC_PER_SEC;
	if (v < (uint64_t)NSEC_PER_SEC) {
		snprintf(buf, len, "%s%llu.%03llums", sign, (unsigned long long)(v / NSEC_PER_MSEC),
			 (unsigned long long)((v / NSEC_PER_USEC) % 1000));
	} else if (sec < 60) {
		snprintf(buf, len, "%s%llu.%03llus", sign, (unsigned long long)sec,
			 (unsigned long long)ms);
	} else if (sec < 3600) {
		snprintf(buf, len, "%s%llum%02llu.%03llus", sign, (unsigned long long)(sec / 60),
			 (unsigned long long)(sec % 60), (unsigned long long)ms);
	} else {
		snprintf(buf, len, "%s%lluh%02llum%02llu.%03llus", sign,
			 (unsigned long long)(sec / 3600), (unsigned long long)((sec / 60) % 60),
			 (unsigned long long)(sec % 60), (unsigned long long)ms);
	}
}

/* Milliseconds with three decimals and no unit: "45.123". */
void
duration_format_ms(int64_t ns, char *buf, size_t len)
{
	const char *sign;
	uint64_t v;

	v = timeutil_magnitude(ns, &sign);
	snprintf(buf, len, "%s%llu.%03llu", sign, (unsigned long long)(v / NSEC_PER_MSEC),
		 (unsigned long long)((v / NSEC_PER_USEC) % 1000));
}

/* The shortest exact form in the largest unit that divides ns: "100us", "1h", "90s". */
void
duration_format_compact(int64_t ns, char *buf, size_t len)
{
	const char *sign;
	uint64_t v;
	size_t i;

	v = timeutil_magnitude(ns, &sign);
	if (v == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	for (i = 0; i < TIMEUTIL_NUNITS; i++) {
		if (v % (uint64_t)timeutil_units[i].ns == 0)
			break;
	}
	snprintf(buf, len, "%s%llu%s", sign,
		 (unsigned long long)(v / (uint64_t)timeutil_units[i].ns), timeutil_units[i].name);
}

/* Split real_ns into whole seconds and nanoseconds, rounding towards -inf. */
static time_t
timeutil_split(int64_t real_ns, long *nsec)
{
	int64_t sec = real_ns / NSEC_PER_SEC, rem = real_ns % NSEC_PER_SEC;

	if (rem < 0) {
		rem += NSEC_PER_SEC;
		sec--;
	}
	*nsec = (long)rem;
	return (time_t)sec;
}

enum timeutil_form { TIMEUTIL_LOCAL, TIMEUTIL_CLOCK, TIMEUTIL_RFC3339 };

/*
 * Format real_ns in one of the fixed forms. Each form has its own literal
 * strftime format so that -Wformat=2 can check it.
 */
static void
timeutil_format(int64_t real_ns, enum timeutil_form form, char *buf, size_t len)
{
	struct tm tm, *ok;
	time_t t;
	long nsec;
	size_t n = 0;

	if (len == 0)
		return;
	t = timeutil_split(real_ns, &nsec);
	if (form == TIMEUTIL_RFC3339)
		ok = gmtime_r(&t, &tm);
	else
		ok = localtime_r(&t, &tm);
	if (ok != NULL) {
		switch (form) {
		case TIMEUTIL_LOCAL:
			n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
			break;
		case TIMEUTIL_CLOCK:
			n = strftime(buf, len, "%H:%M:%S", &tm);
			break;
		case TIMEUTIL_RFC3339:
			n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
			break;
		}
	}
	if (n == 0) {
		snprintf(buf, len, "?");
		return;
	}
	if (form == TIMEUTIL_RFC3339)
		snprintf(buf + n, len - n, ".%06ldZ", nsec / 1000);
	else
		snprintf(buf + n, len - n, ".%03ld", nsec / 1000000);
}

/* "2026-11-25 22:13:47.123" in local time. */
void
time_format_local(int64_t real_ns, char *buf, size_t len)
{
	timeutil_format(real_ns, TIMEUTIL_LOCAL, buf, len);
}

/* "22:13:47.123" in local time. */
void
time_format_clock(int64_t real_ns, char *buf, size_t len)
{
	timeutil_format(real_ns, TIMEUTIL_CLOCK, buf, len);
}

/* "2026-11-25T22:13:47.123456Z". */
void
time_format_rfc3339(int64_t real_ns, char *buf, size_t len)
{
	timeutil_format(real_ns, TIMEUTIL_RFC3339, buf, len);
}

/* Read exactly n digits at *pp into *out and advance; -1 if they are not there. */
static int
timeutil_digits(const char **pp, int n, int *out)
{
	const char *p = *pp;
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	*out = v;
	return 0;
}

/* Days in month mon (1..12) of year. */
static int
timeutil_month_days(int year, int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[mon - 1];
}

/*
 * Parse "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.frac]]" (local time) and the
 * RFC 3339 form with 'T' and a "Z" or "+HH:MM" zone (UTC with offset). A
 * zone turns any of the forms with a time of day into an absolute time.
 */
static int
timeutil_parse_date(const char *s, const char *q, int64_t *out, char *err, size_t errlen)
{
	const char *p = s, *fp = NULL;
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, zone = 0, oh, om, off = 0;
	size_t flen = 0;
	time_t t;
	int64_t frac = 0;

	if (timeutil_digits(&p, 4, &y) != 0 || *p++ != '-' || timeutil_digits(&p, 2, &mo) != 0 ||
	    *p++ != '-' || timeutil_digits(&p, 2, &d) != 0)
		goto bad;
	if (*p != '\0') {
		if (*p != 'T' && *p != 't' && *p != ' ')
			goto bad;
		p++;
		if (timeutil_digits(&p, 2, &h) != 0 || *p++ != ':' ||
		    timeutil_digits(&p, 2, &mi) != 0)
			goto bad;
		if (*p == ':') {
			p++;
			if (timeutil_digits(&p, 2, &sec) != 0)
				goto bad;
			if (*p == '.') {
				for (fp = ++p; isdigit((unsigned char)*p); p++)
					/* nothing */;
				if ((flen = (size_t)(p - fp)) == 0)
					goto bad;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			zone = 1;
			p++;
		} else if (*p == '+' || *p == '-') {
			zone = 1;
			off = *p++ == '-' ? -1 : 1;
			if (timeutil_digits(&p, 2, &oh) != 0 || *p++ != ':' ||
			    timeutil_digits(&p, 2, &om) != 0)
				goto bad;
			if (oh > 23 || om > 59)
				goto bad;
			off *= oh * 3600 + om * 60;
		}
		if (*p != '\0')
			goto bad;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > timeutil_month_days(y, mo) || h > 23 || mi > 59 ||
	    sec > 59) {
		snprintf(err, errlen, "\"%s\": no such date or time", q);
		return -1;
	}

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	errno = 0;
	if (zone)
		t = timegm(&tm) - off;
	else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	if ((t == (time_t)-1 && errno != 0) || (int64_t)t > INT64_MAX / NSEC_PER_SEC - 1 ||
	    (int64_t)t < INT64_MIN / NSEC_PER_SEC + 1) {
		snprintf(err, errlen, "\"%s\": out of range", q);
		return -1;
	}
	if (fp != NULL)
		frac = (int64_t)timeutil_fraction(fp, flen, NSEC_PER_SEC);
	*out = (int64_t)t * NSEC_PER_SEC + frac;
	return 0;

bad:
	snprintf(err, errlen,
		 "\"%s\": not a time (for example 2026-11-25T22:13:47Z, \"2026-11-25 22:13\", now "
		 "or 2h)",
		 q);
	return -1;
}

/* Parse --since/--until: a date and time, "now", or a duration ago. */
int
time_parse(const char *s, int64_t now_real_ns, int64_t *out_ns, char *err, size_t errlen)
{
	char q[TIMEUTIL_QUOTE_MAX], reason[256];
	const char *d;
	int64_t ago;

	if (s == NULL)
		s = "";
	timeutil_quote(q, sizeof q, s);
	if (*s == '\0') {
		snprintf(err, errlen,
			 "\"\": empty time (for example 2026-11-25T22:13:47Z, now or 2h)");
		return -1;
	}
	if (strcmp(s, "now") == 0) {
		*out_ns = now_real_ns;
		return 0;
	}
	if (strlen(s) > 4 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) && s[4] == '-')
		return timeutil_parse_date(s, q, out_ns, err, errlen);

	d = *s == '-' ? s + 1 : s;
	if (duration_parse(d, &ago, reason, sizeof reason) != 0) {
		/* Digits then '-', '/' or ':' is a date or a clock time gone
		 * wrong, not a duration: don't talk about units. */
		size_t digits = strspn(d, "0123456789");

		if (digits > 0 && (d[digits] == '-' || d[digits] == '/' || d[digits] == ':'))
			snprintf(err, errlen,
				 "\"%s\": not a time (for example "
				 "2026-11-25T22:13:47Z, \"2026-11-25 22:13\", now or 2h)",
				 q);
		else if (isdigit((unsigned char)*d))
			snprintf(err, errlen, "%s", reason);
		else
			snprintf(err, errlen,
				 "\"%s\": not a time (for example "
				 "2026-11-25T22:13:47Z, \"2026-11-25 22:13\", now or 2h)",
				 q);
		return -1;
	}
	if (now_real_ns < INT64_MIN + ago) {
		snprintf(err, errlen, "\"%s\": out of range", q);
		return -1;
	}
	*out_ns = now_real_ns - ago;
	return 0;
}
