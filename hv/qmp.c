/* SPDX-License-Identifier: ISC */
/*
 * qmp.c: QEMU QMP JSON lines (section 4 of tests/fixtures/pve/FORMATS.md),
 * read with jansson. A line must be one whole JSON object; only the key
 * paths QMP figures live at are looked at, whatever order QEMU printed the
 * keys in (its qdict hash order, not the schema's).
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "hv/hv_int.h"

/* Skip JSON white space. */
void
hvparse_json_ws(struct hv_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

/* The non-negative integer at obj.key, or -1 (absent, not an integer, negative). */
static int64_t
hvparse_qmp_uint(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!json_is_integer(v) || (i = json_integer_value(v)) < 0)
		return -1;
	return (int64_t)i;
}

/* Read one QMP message (a reply or an event) into f. */
static void
hvparse_qmp_msg(struct hv_figures *f, const json_t *msg)
{
	const json_t *ret, *ts, *ev;
	int64_t v, sec, usec;

	/* MigrationInfo (qapi/migration.json) of a completed query-migrate. */
	ret = json_object_get(msg, "return");
	if (json_is_object(ret) && json_is_string(json_object_get(ret, "status")) &&
	    strcmp(json_string_value(json_object_get(ret, "status")), "completed") == 0) {
		if ((v = hvparse_qmp_uint(ret, "downtime")) >= 0) {
			f->downtime_ms = v;
			f->downtime_src = HV_SRC_QMP;
			f->downtime_count++;
		}
		if ((v = hvparse_qmp_uint(ret, "total-time")) >= 0)
			f->qmp_total_ms = v;
		if ((v = hvparse_qmp_uint(ret, "setup-time")) >= 0)
			f->qmp_setup_ms = v;
		/* MigrationStats.transferred: bytes sent */
		if ((v = hvparse_qmp_uint(json_object_get(ret, "ram"), "transferred")) >= 0) {
			f->transferred_bytes = v;
			f->transferred_src = HV_SRC_QMP;
		}
	}
	/* STOP (source, at switchover) and RESUME (target, after phase 3), with
	 * the event envelope's {"timestamp": {"seconds", "microseconds"}}. */
	ev = json_object_get(msg, "event");
	ts = json_object_get(msg, "timestamp");
	if (!json_is_string(ev) || !json_is_object(ts))
		return;
	sec = hvparse_qmp_uint(ts, "seconds");
	usec = hvparse_qmp_uint(ts, "microseconds");
	if (sec < 0 || sec >= 100000000000LL || usec < 0 || usec >= 1000000)
		return;
	if (strcmp(json_string_value(ev), "STOP") == 0)
		f->qmp_stop_ns = sec * 1000000000LL + usec * 1000;
	else if (strcmp(json_string_value(ev), "RESUME") == 0)
		f->qmp_resume_ns = sec * 1000000000LL + usec * 1000;
}

/*
 * One QMP message given as JSON text (a line or a socket read), raw or in
 * the qmp-events envelope {"host", "role", "dir", "qmp": {...}}. Returns 1
 * when it was one JSON object, 0 otherwise (nothing is recorded then).
 */
int
hvparse_qmp_json(struct hv_figures *f, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root, *inner;

	/* No JSON_DECODE_ANY: a bare value is not a QMP message. Duplicate
	 * keys are not QMP either, but the last one wins, as in QEMU's qdict. */
	if ((root = json_loadb(buf, len, 0, &jerr)) == NULL)
		return 0;
	if (!json_is_object(root)) {
		json_decref(root);
		return 0;
	}
	inner = json_object_get(root, "qmp");
	hvparse_qmp_msg(f, json_is_object(inner) ? inner : root);
	json_decref(root);
	return 1;
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
	(void)hvparse_qmp_json(f, c.p, (size_t)(c.end - c.p));
}
