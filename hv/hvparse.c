/* SPDX-License-Identifier: ISC */
/*
 * hvparse.c: read hypervisor figures out of a wrapped command's output.
 *
 * The output is cut into lines (LF, with an optional CR before it). Each
 * line is matched against the documented message formats only: every
 * pattern below quotes the format string from FORMATS.md (the Proxmox and
 * QEMU sources it cites) it was written from, and a number is taken only
 * from the exact place the format puts it. "downtime 45 ms" somewhere in a
 * random line counts for nothing. Lines longer than HVPARSE_LINE_MAX and
 * lines containing NUL bytes are skipped whole: a truncated line could
 * match a pattern it does not really carry.
 *
 * This file frames lines and dispatches each to its format: pve_task.c,
 * ha_journal.c, qmp.c (helpers in cursor.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/xalloc.h"
#include "hv/hv_int.h"

struct hvparse {
	struct hv_figures fig;
	struct hv_figures view; /* fig plus the unterminated line */
	char *line;             /* HVPARSE_LINE_MAX + 1 bytes */
	size_t len;
	int overlong; /* skipping to the next LF */
};

/* ---- one line ------------------------------------------------------------- */

/* Read one complete line (without its LF). */
static void
hvparse_line(struct hv_figures *f, const char *s, size_t len)
{
	struct hv_cur c = { s, s + len }, t;
	struct hv_stamp st = { 0, 0, 0, 0, 0, 0, 0 };
	int64_t v;
	int stamped;

	f->lines++;
	if (memchr(s, '\0', len) != NULL) {
		f->lines_binary++;
		return;
	}
	while (c.end > c.p && c.end[-1] == '\r')
		c.end--;

	t = c;
	hvparse_json_ws(&t);
	if (t.p < t.end && *t.p == '{') {
		hvparse_qmp_line(f, t);
		return;
	}
	if (hvparse_journal_line(f, c))
		return;

	/* RESTEnvironment.pm:658-664 task trailer: "TASK OK", "TASK WARNINGS: N",
	 * "TASK ERROR: <msg>", alone on the line. */
	t = c;
	if (hvparse_rest_is(&t, "TASK OK")) {
		f->task_status = HV_TASK_OK;
		return;
	}
	if (hvparse_lit(&t, "TASK WARNINGS: ")) {
		if (hvparse_uint_to_end(&t, 9, &v)) {
			f->task_status = HV_TASK_WARNINGS;
			f->task_warnings = (long)v;
		}
		return;
	}
	if (hvparse_lit(&t, "TASK ERROR: ")) {
		f->task_status = HV_TASK_ERROR;
		hvparse_copy_rest(f->task_error, sizeof(f->task_error), &t);
		return;
	}

	/* AM:21-25: "%F %H:%M:%S " + msg, " ERROR:" inserted for errors;
	 * vzdump (Plugin.pm:22-44): "INFO: ", "WARN: ", "ERROR: " with or
	 * (per-guest log) without a time before it. */
	stamped = hvparse_stamp_iso(&c, &st);
	if (stamped) {
		if (!f->first_stamp.set)
			f->first_stamp = st;
		f->last_stamp = st;
	}
	if (hvparse_lit(&c, "ERROR: ")) {
		if (f->error_lines++ == 0)
			hvparse_copy_rest(f->first_error, sizeof(f->first_error), &c);
		if (stamped)
			hvparse_migrate_error(f, c);
		hvparse_vzdump_error(f, c);
	} else if (hvparse_lit(&c, "WARN: ")) {
		f->warn_lines++;
	} else if (hvparse_lit(&c, "INFO: ")) {
		hvparse_vzdump_msg(f, c);
	} else if (stamped) {
		hvparse_migrate_msg(f, c, &st);
	}
}

/* ---- public ---------------------------------------------------------------- */

/* Reset f to "nothing stated". */
void
hvparse_figures_init(struct hv_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->downtime_ms = f->duration_ms = f->transferred_bytes = -1;
	f->qmp_total_ms = f->qmp_setup_ms = f->qmp_stop_ns = f->qmp_resume_ns = -1;
	f->speed_limit_bps = -1;
	f->task_warnings = -1;
	f->backup_vmid = -1;
	f->backup_duration_ms = f->backup_transfer_ms = f->backup_bytes = -1;
	f->archive_bytes = f->guest_pause_ms = -1;
}

/* Whether f holds any figure worth reporting. */
int
hvparse_figures_any(const struct hv_figures *f)
{
	return f->downtime_ms >= 0 || f->duration_ms >= 0 || f->transferred_bytes >= 0 ||
	       f->qmp_total_ms >= 0 || f->qmp_stop_ns >= 0 || f->qmp_resume_ns >= 0 ||
	       f->nlimits > 0 || f->migrate_error[0] != '\0' || f->task_status != HV_TASK_UNKNOWN ||
	       f->error_lines > 0 || f->backup_vmid >= 0 || f->backup_duration_ms >= 0 ||
	       f->archive_bytes >= 0 || f->backup_bytes >= 0 || f->guest_pause_ms >= 0 ||
	       f->backup_job != HV_BACKUP_UNKNOWN || f->nha > 0;
}

/* A parser with nothing read yet. */
struct hvparse *
hvparse_new(void)
{
	struct hvparse *p = xcalloc(1, sizeof(*p));

	p->line = xmalloc(HVPARSE_LINE_MAX + 1);
	hvparse_figures_init(&p->fig);
	return p;
}

/* Cut the input into lines and read each complete one. */
void
hvparse_feed(struct hvparse *p, const char *buf, size_t len)
{
	const char *nl;
	size_t n;

	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) : len;
		if (!p->overlong) {
			if (n > HVPARSE_LINE_MAX - p->len) {
				p->overlong = 1;
				p->len = 0;
			} else {
				memcpy(p->line + p->len, buf, n);
				p->len += n;
			}
		}
		if (nl != NULL) {
			if (p->overlong) {
				p->fig.lines++;
				p->fig.lines_overlong++;
			} else
				hvparse_line(&p->fig, p->line, p->len);
			p->len = 0;
			p->overlong = 0;
			n++;
		}
		buf += n;
		len -= n;
	}
}

/* The figures, reading a pending unterminated line as if the output ended. */
const struct hv_figures *
hvparse_result(struct hvparse *p)
{
	memcpy(&p->view, &p->fig, sizeof(p->view));
	if (p->overlong) {
		p->view.lines++;
		p->view.lines_overlong++;
	} else if (p->len > 0)
		hvparse_line(&p->view, p->line, p->len);
	return &p->view;
}

/* Free p; NULL is fine. */
void
hvparse_free(struct hvparse *p)
{
	if (p == NULL)
		return;
	free(p->line);
	free(p);
}

/* mktime() of a stamp in year y; -1 if the date does not exist. */
static int
hvparse_stamp_mktime(const struct hv_stamp *st, int y, int64_t *out)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = st->mon - 1;
	tm.tm_mday = st->mday;
	tm.tm_hour = st->hour;
	tm.tm_min = st->min;
	tm.tm_sec = st->sec;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1 || tm.tm_mday != st->mday || tm.tm_mon != st->mon - 1)
		return -1;
	*out = (int64_t)t * 1000000000LL;
	return 0;
}

/* The stamp as real-time ns; a year-less stamp takes the year nearest near_ns. */
int
hvparse_stamp_to_ns(const struct hv_stamp *st, int64_t near_ns, int64_t *out_ns)
{
	struct tm tm;
	time_t t = (time_t)(near_ns / 1000000000LL);
	int64_t v, best = 0, bd = -1, d;
	int y;

	if (st == NULL || !st->set || st->mon < 1 || st->mon > 12)
		return -1;
	if (st->year != 0)
		return hvparse_stamp_mktime(st, st->year, out_ns);
	if (localtime_r(&t, &tm) == NULL)
		return -1;
	for (y = tm.tm_year + 1900 - 1; y <= tm.tm_year + 1900 + 1; y++) {
		if (hvparse_stamp_mktime(st, y, &v) != 0)
			continue;
		d = v > near_ns ? v - near_ns : near_ns - v;
		if (bd < 0 || d < bd) {
			bd = d;
			best = v;
		}
	}
	if (bd < 0)
		return -1;
	*out_ns = best;
	return 0;
}

/* "ok", "warnings", "error" or "unknown". */
const char *
hvparse_task_status_name(enum hv_task_status s)
{
	switch (s) {
	case HV_TASK_OK:
		return "ok";
	case HV_TASK_WARNINGS:
		return "warnings";
	case HV_TASK_ERROR:
		return "error";
	default:
		return "unknown";
	}
}

/* A short name for an HA event kind. */
const char *
hvparse_ha_kind_name(enum hv_ha_kind k)
{
	static const char *const names[] = {
		"node-state", "service-state", "fence-ack",    "recover",    "recover-failed",
		"starting",   "started",       "start-failed", "vm-started",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* "set", "capped" or "auto". */
const char *
hvparse_limit_kind_name(enum hv_limit_kind k)
{
	switch (k) {
	case HV_LIMIT_SET:
		return "set";
	case HV_LIMIT_CAPPED:
		return "capped";
	case HV_LIMIT_AUTO:
		return "auto";
	}
	return "?";
}

/* "tasklog", "qmp" or "none". */
const char *
hvparse_source_name(enum hv_source s)
{
	switch (s) {
	case HV_SRC_TASKLOG:
		return "tasklog";
	case HV_SRC_QMP:
		return "qmp";
	default:
		return "none";
	}
}
