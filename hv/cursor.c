/* SPDX-License-Identifier: ISC */
/*
 * cursor.c: the small cursor helpers every format's matcher is written with,
 * and the two time prefixes (task log ISO, journal short format). See
 * hvparse.c for the rules every pattern follows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv/hv_int.h"

static const char *const hvparse_months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
						"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* ---- small cursor helpers ------------------------------------------------ */

/* Consume literal s if the cursor is at it. */
int
hvparse_lit(struct hv_cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* Whether the cursor is at the end of the line. */
int
hvparse_at_end(const struct hv_cur *c)
{
	return c->p == c->end;
}

/* Whether the rest of the line is exactly s. */
int
hvparse_rest_is(struct hv_cur *c, const char *s)
{
	struct hv_cur t = *c;

	if (!hvparse_lit(&t, s) || !hvparse_at_end(&t))
		return 0;
	*c = t;
	return 1;
}

/* Whether the line ends with s; if so, cut it off the end. */
int
hvparse_cut_suffix(struct hv_cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->end - n, s, n) != 0)
		return 0;
	c->end -= n;
	return 1;
}

/* Read 1..maxd decimal digits as an unsigned number. */
int
hvparse_uint(struct hv_cur *c, int maxd, int64_t *out)
{
	int64_t v = 0;
	int n = 0;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (n == maxd)
			return 0;
		v = v * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	if (n == 0)
		return 0;
	*out = v;
	return 1;
}

/* Read exactly n digits. */
static int
hvparse_digits(struct hv_cur *c, int n, int *out)
{
	int v = 0, i;

	if (c->end - c->p < n)
		return 0;
	for (i = 0; i < n; i++) {
		if (c->p[i] < '0' || c->p[i] > '9')
			return 0;
		v = v * 10 + (c->p[i] - '0');
	}
	c->p += n;
	*out = v;
	return 1;
}

/* Read a whole line's rest as a number followed by nothing. */
int
hvparse_uint_to_end(struct hv_cur *c, int maxd, int64_t *out)
{
	struct hv_cur t = *c;
	int64_t v;

	if (!hvparse_uint(&t, maxd, &v) || !hvparse_at_end(&t))
		return 0;
	*c = t;
	*out = v;
	return 1;
}

/* Copy the rest of the line into a fixed buffer, cut to fit. */
void
hvparse_copy_rest(char *dst, size_t n, const struct hv_cur *c)
{
	size_t len = (size_t)(c->end - c->p);

	if (len >= n)
		len = n - 1;
	memcpy(dst, c->p, len);
	dst[len] = '\0';
}

/* Read up to the byte stop (not consumed) into dst; it must be non-empty. */
int
hvparse_word_until(struct hv_cur *c, char stop, char *dst, size_t n)
{
	const char *q = c->p;
	size_t len;

	while (q < c->end && *q != stop)
		q++;
	if (q == c->end || q == c->p)
		return 0;
	len = (size_t)(q - c->p);
	if (len >= n)
		len = n - 1;
	memcpy(dst, c->p, len);
	dst[len] = '\0';
	c->p = q;
	return 1;
}

/* Read a non-empty run of non-space bytes into dst. */
int
hvparse_word(struct hv_cur *c, char *dst, size_t n)
{
	const char *q = c->p;
	size_t len;

	while (q < c->end && *q != ' ')
		q++;
	if (q == c->p)
		return 0;
	len = (size_t)(q - c->p);
	if (len >= n)
		len = n - 1;
	memcpy(dst, c->p, len);
	dst[len] = '\0';
	c->p = q;
	return 1;
}

/* Read "'<text>'" into dst. */
int
hvparse_quoted(struct hv_cur *c, char *dst, size_t n)
{
	struct hv_cur t = *c;

	if (!hvparse_lit(&t, "'") || !hvparse_word_until(&t, '\'', dst, n) || !hvparse_lit(&t, "'"))
		return 0;
	*c = t;
	return 1;
}

/* Read "HH:MM:SS" (hours may run past 99) as milliseconds. */
int
hvparse_hms(struct hv_cur *c, int64_t *ms)
{
	struct hv_cur t = *c;
	int64_t h;
	int m, s;

	if (!hvparse_uint(&t, 6, &h) || !hvparse_lit(&t, ":") || !hvparse_digits(&t, 2, &m) ||
	    !hvparse_lit(&t, ":") || !hvparse_digits(&t, 2, &s) || m > 59 || s > 59)
		return 0;
	*c = t;
	*ms = ((h * 60 + m) * 60 + s) * 1000;
	return 1;
}

/*
 * Read "<num><sep><unit>" with num = digits[.digits] (at most 3 decimals),
 * unit one of units[] (the first worth mult bytes, each next one 1024 times
 * more), as rounded bytes.
 * render_bytes (pve-common Format.pm:66-80): "%.1f %s" / "%.2f %s" with
 * B KiB MiB GiB TiB PiB; vzdump format_size (VZ:225-244): "%dKB", "%.2fGB".
 */
int
hvparse_size(struct hv_cur *c, const char *sep, const char *const *units, int64_t mult,
	     int64_t *out)
{
	struct hv_cur t = *c;
	int64_t ip, frac = 0, scale = 1;
	int i;

	if (!hvparse_uint(&t, 6, &ip))
		return 0;
	if (hvparse_lit(&t, ".")) {
		for (i = 0; i < 3 && t.p < t.end && *t.p >= '0' && *t.p <= '9'; i++) {
			frac = frac * 10 + (*t.p++ - '0');
			scale *= 10;
		}
		if (i == 0 || (t.p < t.end && *t.p >= '0' && *t.p <= '9'))
			return 0;
	}
	if (!hvparse_lit(&t, sep))
		return 0;
	for (i = 0; units[i] != NULL; i++, mult *= 1024) {
		if (hvparse_lit(&t, units[i]))
			break;
	}
	if (units[i] == NULL || ip > INT64_MAX / mult - 1)
		return 0;
	*out = ip * mult + (frac * mult + scale / 2) / scale;
	*c = t;
	return 1;
}

/* render_bytes units, "1.2 GiB". */
int
hvparse_render_bytes(struct hv_cur *c, int64_t *out)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", NULL };

	return hvparse_size(c, " ", units, 1, out);
}

/* ---- line framing --------------------------------------------------------- */

/* Read the task-log time prefix "%F %H:%M:%S " (AM:21-25). */
int
hvparse_stamp_iso(struct hv_cur *c, struct hv_stamp *st)
{
	struct hv_cur t = *c;
	struct hv_stamp s = { 1, 0, 0, 0, 0, 0, 0 };

	if (!hvparse_digits(&t, 4, &s.year) || !hvparse_lit(&t, "-") ||
	    !hvparse_digits(&t, 2, &s.mon) || !hvparse_lit(&t, "-") ||
	    !hvparse_digits(&t, 2, &s.mday) || !hvparse_lit(&t, " ") ||
	    !hvparse_digits(&t, 2, &s.hour) || !hvparse_lit(&t, ":") ||
	    !hvparse_digits(&t, 2, &s.min) || !hvparse_lit(&t, ":") ||
	    !hvparse_digits(&t, 2, &s.sec) || !hvparse_lit(&t, " "))
		return 0;
	if (s.mon < 1 || s.mon > 12 || s.mday < 1 || s.mday > 31 || s.hour > 23 || s.min > 59 ||
	    s.sec > 60)
		return 0;
	*st = s;
	*c = t;
	return 1;
}

/* Read the journal short-format time "Mon DD HH:MM:SS " (day may be space padded). */
int
hvparse_stamp_syslog(struct hv_cur *c, struct hv_stamp *st)
{
	struct hv_cur t = *c;
	struct hv_stamp s = { 1, 0, 0, 0, 0, 0, 0 };
	int i;

	for (i = 0; i < 12; i++) {
		if (hvparse_lit(&t, hvparse_months[i]))
			break;
	}
	if (i == 12 || !hvparse_lit(&t, " "))
		return 0;
	s.mon = i + 1;
	if (hvparse_lit(&t, " ")) {
		if (!hvparse_digits(&t, 1, &s.mday))
			return 0;
	} else if (!hvparse_digits(&t, 2, &s.mday))
		return 0;
	if (!hvparse_lit(&t, " ") || !hvparse_digits(&t, 2, &s.hour) || !hvparse_lit(&t, ":") ||
	    !hvparse_digits(&t, 2, &s.min) || !hvparse_lit(&t, ":") ||
	    !hvparse_digits(&t, 2, &s.sec) || !hvparse_lit(&t, " "))
		return 0;
	if (s.mday < 1 || s.mday > 31 || s.hour > 23 || s.min > 59 || s.sec > 60)
		return 0;
	*st = s;
	*c = t;
	return 1;
}
