/*
 * qmp.c: QEMU QMP JSON lines (section 4 of tests/fixtures/pve/FORMATS.md),
 * read with a small bounded JSON reader that keeps only the key paths QMP
 * figures live at.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv/hv_int.h"

/* QMP objects nest shallowly; anything deeper than this is not QMP. */
#define HVPARSE_JSON_DEPTH 64
/* Keys we track along the path to a value; deeper keys are not tracked. */
#define HVPARSE_JSON_PATH 4
#define HVPARSE_JSON_KEY  24

/* What one QMP line said, collected before deciding anything, because QEMU
 * prints keys in hash order and "status" may come after "downtime". */
struct hv_qmp {
	int ret_completed;
	int64_t downtime, total, setup, transferred;
	char event[HVPARSE_JSON_KEY];
	int64_t ts_sec, ts_usec;
};

/* The key path of the JSON value being read. */
struct hv_jpath {
	int n;
	char key[HVPARSE_JSON_PATH][HVPARSE_JSON_KEY];
};

/* ---- QMP JSON (section 4 of FORMATS.md) ------------------------------------ */

/* Skip JSON white space. */
void
hvparse_json_ws(struct hv_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

/* Value of one hex digit, or -1. */
static int
hvparse_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Read a JSON string, checking its grammar. Its text goes to dst (cut to n,
 * escapes other than printable ASCII become '?'; dst may be NULL). A text
 * that did not fit is made empty, so that it can never match a key.
 */
static int
hvparse_json_string(struct hv_cur *c, char *dst, size_t n)
{
	size_t o = 0;
	int fits = 1, i, u;
	char ch;

	if (!hvparse_lit(c, "\""))
		return 0;
	for (;;) {
		if (c->p == c->end)
			return 0;
		ch = *c->p++;
		if (ch == '"')
			break;
		if ((unsigned char)ch < 0x20)
			return 0;
		if (ch == '\\') {
			if (c->p == c->end)
				return 0;
			ch = *c->p++;
			switch (ch) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				ch = '?';
				break;
			case 'u':
				for (i = 0, u = 0; i < 4; i++) {
					if (c->p == c->end || hvparse_hex(*c->p) < 0)
						return 0;
					u = u * 16 + hvparse_hex(*c->p++);
				}
				ch = (u >= 0x20 && u < 0x7f) ? (char)u : '?';
				break;
			default:
				return 0;
			}
		}
		if (dst != NULL) {
			if (o + 1 < n)
				dst[o++] = ch;
			else
				fits = 0;
		}
	}
	if (dst != NULL)
		dst[fits ? o : 0] = '\0';
	return 1;
}

/* Read a JSON number; *iv is set and *is_int true for a plain integer of at most 18 digits. */
static int
hvparse_json_number(struct hv_cur *c, int64_t *iv, int *is_int)
{
	int neg = 0, nd = 0;
	int64_t v = 0;

	*is_int = 1;
	if (hvparse_lit(c, "-"))
		neg = 1;
	if (c->p == c->end || *c->p < '0' || *c->p > '9')
		return 0;
	if (*c->p == '0')
		c->p++, nd = 1;
	else {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			if (nd < 18)
				v = v * 10 + (*c->p - '0');
			else
				*is_int = 0;
			nd++;
			c->p++;
		}
	}
	if (hvparse_lit(c, ".")) {
		*is_int = 0;
		if (c->p == c->end || *c->p < '0' || *c->p > '9')
			return 0;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		*is_int = 0;
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p == c->end || *c->p < '0' || *c->p > '9')
			return 0;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	*iv = neg ? -v : v;
	return 1;
}

/*
 * Whether the path is exactly the keys given (NULL-terminated, at most 3).
 * A leading "qmp" is skipped: qmp-events.jsonl wraps each message as
 * {"host", "role", "dir", "qmp": {...}}.
 */
static int
hvparse_jpath_is(const struct hv_jpath *jp, const char *k0, const char *k1, const char *k2)
{
	const char *want[3] = { k0, k1, k2 };
	int off = 0, n = 0, i;

	while (n < 3 && want[n] != NULL)
		n++;
	if (jp->n >= 1 && strcmp(jp->key[0], "qmp") == 0)
		off = 1;
	if (jp->n - off != n || jp->n > HVPARSE_JSON_PATH)
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(jp->key[off + i], want[i]) != 0)
			return 0;
	}
	return 1;
}

/* Record a string value if its path is one we want. */
static void
hvparse_qmp_string(struct hv_qmp *q, const struct hv_jpath *jp, const char *s)
{
	/* MigrationInfo.status (qapi/migration.json) */
	if (hvparse_jpath_is(jp, "return", "status", NULL))
		q->ret_completed = strcmp(s, "completed") == 0;
	else if (hvparse_jpath_is(jp, "event", NULL, NULL))
		snprintf(q->event, sizeof(q->event), "%s", s);
}

/* Record an integer value if its path is one we want. */
static void
hvparse_qmp_int(struct hv_qmp *q, const struct hv_jpath *jp, int64_t v)
{
	if (v < 0)
		return;
	/* MigrationInfo: downtime (ms, on completion), total-time, setup-time */
	if (hvparse_jpath_is(jp, "return", "downtime", NULL))
		q->downtime = v;
	else if (hvparse_jpath_is(jp, "return", "total-time", NULL))
		q->total = v;
	else if (hvparse_jpath_is(jp, "return", "setup-time", NULL))
		q->setup = v;
	/* MigrationStats.transferred: bytes sent */
	else if (hvparse_jpath_is(jp, "return", "ram", "transferred"))
		q->transferred = v;
	/* event envelope: {"timestamp": {"seconds", "microseconds"}} */
	else if (hvparse_jpath_is(jp, "timestamp", "seconds", NULL))
		q->ts_sec = v;
	else if (hvparse_jpath_is(jp, "timestamp", "microseconds", NULL))
		q->ts_usec = v;
}

/* Read one JSON value at depth d, recording the fields QMP figures need. */
static int
hvparse_json_value(struct hv_cur *c, int d, struct hv_jpath *jp, struct hv_qmp *q)
{
	char buf[HVPARSE_JSON_KEY];
	int64_t iv;
	int is_int, first;

	if (d >= HVPARSE_JSON_DEPTH)
		return 0;
	hvparse_json_ws(c);
	if (c->p == c->end)
		return 0;
	switch (*c->p) {
	case '{':
	case '[': {
		char close = *c->p == '{' ? '}' : ']';
		int obj = *c->p == '{';

		c->p++;
		hvparse_json_ws(c);
		if (hvparse_lit(c, close == '}' ? "}" : "]"))
			return 1;
		for (first = 1;; first = 0) {
			if (!first) {
				hvparse_json_ws(c);
				if (hvparse_lit(c, close == '}' ? "}" : "]"))
					return 1;
				if (!hvparse_lit(c, ","))
					return 0;
			}
			hvparse_json_ws(c);
			if (jp->n < HVPARSE_JSON_PATH) {
				if (obj) {
					if (!hvparse_json_string(c, jp->key[jp->n],
								 sizeof(jp->key[0])))
						return 0;
				} else
					snprintf(jp->key[jp->n], sizeof(jp->key[0]), "[]");
			} else if (obj && !hvparse_json_string(c, NULL, 0))
				return 0;
			if (obj) {
				hvparse_json_ws(c);
				if (!hvparse_lit(c, ":"))
					return 0;
			}
			jp->n++;
			if (!hvparse_json_value(c, d + 1, jp, q)) {
				jp->n--;
				return 0;
			}
			jp->n--;
		}
	}
	case '"':
		if (!hvparse_json_string(c, buf, sizeof(buf)))
			return 0;
		hvparse_qmp_string(q, jp, buf);
		return 1;
	case 't':
		return hvparse_lit(c, "true");
	case 'f':
		return hvparse_lit(c, "false");
	case 'n':
		return hvparse_lit(c, "null");
	default:
		if (!hvparse_json_number(c, &iv, &is_int))
			return 0;
		if (is_int)
			hvparse_qmp_int(q, jp, iv);
		return 1;
	}
}

/*
 * A line holding one JSON object: a QMP reply or event, raw or in the
 * qmp-events envelope. The downtime counts only from a query-migrate
 * {"return": {"status": "completed", "downtime": N}}: while active QEMU
 * reports "expected-downtime" instead, and that is a forecast.
 */
void
hvparse_qmp_line(struct hv_figures *f, struct hv_cur c)
{
	struct hv_qmp q;
	struct hv_jpath jp;
	int64_t ns;

	memset(&q, 0, sizeof(q));
	memset(&jp, 0, sizeof(jp));
	q.downtime = q.total = q.setup = q.transferred = q.ts_sec = q.ts_usec = -1;
	if (!hvparse_json_value(&c, 0, &jp, &q))
		return;
	hvparse_json_ws(&c);
	if (!hvparse_at_end(&c))
		return;
	if (q.ret_completed) {
		if (q.downtime >= 0) {
			f->downtime_ms = q.downtime;
			f->downtime_src = HV_SRC_QMP;
			f->downtime_count++;
		}
		if (q.total >= 0)
			f->qmp_total_ms = q.total;
		if (q.setup >= 0)
			f->qmp_setup_ms = q.setup;
		if (q.transferred >= 0) {
			f->transferred_bytes = q.transferred;
			f->transferred_src = HV_SRC_QMP;
		}
	}
	/* STOP (source, at switchover) and RESUME (target, after phase 3). */
	if (q.ts_sec >= 0 && q.ts_sec < 100000000000LL && q.ts_usec >= 0 && q.ts_usec < 1000000) {
		ns = q.ts_sec * 1000000000LL + q.ts_usec * 1000;
		if (strcmp(q.event, "STOP") == 0)
			f->qmp_stop_ns = ns;
		else if (strcmp(q.event, "RESUME") == 0)
			f->qmp_resume_ns = ns;
	}
}
