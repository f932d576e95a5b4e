/* SPDX-License-Identifier: ISC */
/*
 * hv_int.h: what the hypervisor-output parser's files share; nothing outside
 * hv/ includes it. A line is read through a cursor (struct hv_cur); each
 * format's file (pve_task.c, ha_journal.c, qmp.c) exports the entry points
 * hvparse.c dispatches a line to.
 */
#ifndef HAMON_HV_INT_H
#define HAMON_HV_INT_H
#include <stdint.h>

#include "hv/hvparse.h"

/* A read position in one line; end is exclusive. */
struct hv_cur {
	const char *p, *end;
};

/* ---- cursor.c: cursor helpers and time prefixes ---- */

/* Consume literal s if the cursor is at it. */
int hvparse_lit(struct hv_cur *c, const char *s);
/* Whether the cursor is at the end of the line. */
int hvparse_at_end(const struct hv_cur *c);
/* Whether the rest of the line is exactly s. */
int hvparse_rest_is(struct hv_cur *c, const char *s);
/* Whether the line ends with s; if so, cut it off the end. */
int hvparse_cut_suffix(struct hv_cur *c, const char *s);
/* Read 1..maxd decimal digits as an unsigned number. */
int hvparse_uint(struct hv_cur *c, int maxd, int64_t *out);
/* Read a whole line's rest as a number followed by nothing. */
int hvparse_uint_to_end(struct hv_cur *c, int maxd, int64_t *out);
/* Copy the rest of the line into a fixed buffer, cut to fit. */
void hvparse_copy_rest(char *dst, size_t n, const struct hv_cur *c);
/* Read up to the byte stop (not consumed) into dst; it must be non-empty. */
int hvparse_word_until(struct hv_cur *c, char stop, char *dst, size_t n);
/* Read a non-empty run of non-space bytes into dst. */
int hvparse_word(struct hv_cur *c, char *dst, size_t n);
/* Read "'<text>'" into dst. */
int hvparse_quoted(struct hv_cur *c, char *dst, size_t n);
/* Read "HH:MM:SS" (hours may run past 99) as milliseconds. */
int hvparse_hms(struct hv_cur *c, int64_t *ms);
/*
 * Read "<num><sep><unit>" with num = digits[.digits] (at most 3 decimals),
 * unit one of units[] (the first worth mult bytes, each next one 1024 times
 * more), as rounded bytes.
 * render_bytes (pve-common Format.pm:66-80): "%.1f %s" / "%.2f %s" with
 * B KiB MiB GiB TiB PiB; vzdump format_size (VZ:225-244): "%dKB", "%.2fGB".
 */
int hvparse_size(struct hv_cur *c, const char *sep, const char *const *units, int64_t mult,
		 int64_t *out);
/* render_bytes units, "1.2 GiB". */
int hvparse_render_bytes(struct hv_cur *c, int64_t *out);
/* Read the task-log time prefix "%F %H:%M:%S " (AM:21-25). */
int hvparse_stamp_iso(struct hv_cur *c, struct hv_stamp *st);
/* Read the journal short-format time "Mon DD HH:MM:SS " (day may be space padded). */
int hvparse_stamp_syslog(struct hv_cur *c, struct hv_stamp *st);

/* ---- pve_task.c: qm migrate and vzdump task logs ---- */

/* A migrate message at INFO level (after the time prefix). */
void hvparse_migrate_msg(struct hv_figures *f, struct hv_cur c, const struct hv_stamp *st);
/* A migrate message at ERROR level (after "<time> ERROR: "). */
void hvparse_migrate_error(struct hv_figures *f, struct hv_cur c);
/* A vzdump message at INFO level. */
void hvparse_vzdump_msg(struct hv_figures *f, struct hv_cur c);
/* A vzdump message at ERROR level. */
void hvparse_vzdump_error(struct hv_figures *f, struct hv_cur c);

/* ---- ha_journal.c: pve-ha-crm / pve-ha-lrm journal lines ---- */

/*
 * A journal line "Mon DD HH:MM:SS host ident[PID]: msg" (journalctl short
 * format of PVE::HA::Env::PVE2::log, PVE2.pm:274-280). Only the HA daemons'
 * idents count: the same words from another program are not HA events.
 */
int hvparse_journal_line(struct hv_figures *f, struct hv_cur c);
/* An HA daemon's message (after "ident[PID]: "); ev carries its time and
 * host in, and is appended to f when the message is one of the HA events. */
void hvparse_ha_msg(struct hv_figures *f, struct hv_cur c, struct hv_ha_event *ev);

/* ---- qmp.c: QEMU QMP JSON lines ---- */

/* Skip JSON white space. */
void hvparse_json_ws(struct hv_cur *c);
/*
 * A line holding one JSON object: a QMP reply or event, raw or in the
 * qmp-events envelope. The downtime counts only from a query-migrate
 * {"return": {"status": "completed", "downtime": N}}: while active QEMU
 * reports "expected-downtime" instead, and that is a forecast.
 */
void hvparse_qmp_line(struct hv_figures *f, struct hv_cur c);

#endif
