/* SPDX-License-Identifier: ISC */
/*
 * rows_view.c: reading the row model (rows.h): cells by name, each cell
 * formatted as the human and the machine formats show it, and the
 * hypervisor summary lines the human formats share.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/timeutil.h"
#include "report/rows.h"

/* ---- reading -------------------------------------------------------------------- */

/* The cell of that name in row, or NULL. */
const struct rows_cell *
rows_cell(const struct rows_row *row, const char *name)
{
	size_t i;

	for (i = 0; row != NULL && i < row->ncells; i++) {
		if (strcmp(row->cells[i].name, name) == 0)
			return &row->cells[i];
	}
	return NULL;
}

/* The table in cell name of row, or NULL when absent. */
const struct rows_table *
rows_table(const struct rows_row *row, const char *name)
{
	const struct rows_cell *c = rows_cell(row, name);

	return c != NULL && c->type == ROWS_TABLE && c->known ? c->sub : NULL;
}

/* The root row. */
const struct rows_row *
rows_root(const struct rows_model *m)
{
	return &m->root->rows[0];
}

/* A string cell's text, "" when absent. */
const char *
rows_str(const struct rows_row *row, const char *name)
{
	const struct rows_cell *c = rows_cell(row, name);

	return c != NULL && c->known && c->str != NULL ? c->str : "";
}

/* A value cell's value, -1 when absent. */
int64_t
rows_int(const struct rows_row *row, const char *name)
{
	const struct rows_cell *c = rows_cell(row, name);

	return c != NULL && c->known ? c->v : -1;
}

/* Whether a loss row was still open at the stop. */
int
rows_open(const struct rows_row *loss)
{
	return strcmp(rows_str(loss, "end_state"), "closed") != 0;
}

/* The scheduler line, rendered from its figures. */
int
rows_timing_line(const struct rows_row *run, char *buf, size_t n)
{
	const struct rows_table *t = rows_table(run, "timing");
	const struct rows_row *x;

	if (t == NULL || t->nrows == 0)
		return 0;
	x = &t->rows[0];
	snprintf(buf, n,
		 "sends %" PRId64
		 ", lag p50 %.1f \xc2\xb5s, p99 %.1f \xc2\xb5s, max %.1f \xc2\xb5s, %" PRId64
		 " deadlines skipped",
		 rows_int(x, "sends"), rows_int(x, "lag_p50_us") / 1e3,
		 rows_int(x, "lag_p99_us") / 1e3, rows_int(x, "lag_max_us") / 1e3,
		 rows_int(x, "skipped"));
	return 1;
}

/* Whether the cell is there and known. */
int
rows_known(const struct rows_row *row, const char *name)
{
	const struct rows_cell *c = rows_cell(row, name);

	return c != NULL && c->known;
}

/* ---- formatting ----------------------------------------------------------------- */

/* "2.9 GiB" with binary units. */
static void
rows_format_bytes(int64_t b, char *buf, size_t n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)b;
	int u = -1;

	if (b < 1024) {
		snprintf(buf, n, "%" PRId64 " B", b);
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, "%.1f %s", v, units[u]);
}

/* A cell as text, Markdown and HTML show it. */
const char *
rows_format_human(const struct rows_cell *c, char *buf, size_t n)
{
	if (!c->known) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (c->shown != NULL) {
		snprintf(buf, n, "%s", c->shown);
		return buf;
	}
	switch (c->type) {
	case ROWS_STR:
	case ROWS_STAMP:
		snprintf(buf, n, "%s", c->str != NULL ? c->str : "-");
		break;
	case ROWS_INT:
	case ROWS_BOOL:
		snprintf(buf, n, "%" PRId64, c->v);
		break;
	case ROWS_DUR:
		duration_format(c->v, buf, n);
		break;
	case ROWS_MS:
		duration_format_ms(c->v, buf, n);
		break;
	case ROWS_US:
		snprintf(buf, n, "%.1f", c->v / 1e3);
		break;
	case ROWS_TIME:
		if (c->v == 0 || c->v == -1)
			snprintf(buf, n, "-");
		else
			time_format_local(c->v, buf, n);
		break;
	case ROWS_REAL:
		snprintf(buf, n, "%.2f", c->real);
		break;
	case ROWS_PCT:
		snprintf(buf, n, "%.5f%%", c->real);
		break;
	case ROWS_BYTES:
		rows_format_bytes(c->v, buf, n);
		break;
	case ROWS_TABLE:
		snprintf(buf, n, "-");
		break;
	}
	return buf;
}

/* A scalar cell as JSON and CSV show it. */
const char *
rows_format_machine(const struct rows_cell *c, char *buf, size_t n)
{
	buf[0] = '\0';
	if (!c->known)
		return buf;
	switch (c->type) {
	case ROWS_STR:
		snprintf(buf, n, "%s", c->str);
		break;
	case ROWS_INT:
	case ROWS_BYTES:
		snprintf(buf, n, "%" PRId64, c->v);
		break;
	case ROWS_BOOL:
		snprintf(buf, n, "%s", c->v ? "true" : "false");
		break;
	case ROWS_DUR:
	case ROWS_MS:
		duration_format_ms(c->v, buf, n);
		break;
	case ROWS_US:
		snprintf(buf, n, "%.1f", c->v / 1e3);
		break;
	case ROWS_TIME:
		time_format_rfc3339(c->v, buf, n);
		break;
	case ROWS_STAMP:
		if (!(c->flags & ROWS_NOTIME))
			time_format_rfc3339(c->v, buf, n);
		break;
	case ROWS_REAL:
		snprintf(buf, n, "%.3f", c->real); /* bench values: as hamon report --bench */
		break;
	case ROWS_PCT:
		snprintf(buf, n, "%.5f", c->real);
		break;
	case ROWS_TABLE:
		break;
	}
	return buf;
}

/* ---- the hypervisor summary ------------------------------------------------------ */

/* Append one summary line. */
static struct rows_kv *
rows_kv_add(struct rows_kv *kv, size_t *n, const char *key)
{
	struct rows_kv *e = &kv[(*n)++];

	e->key = key;
	e->val[0] = '\0';
	return e;
}

/* Cell name of hv as the human formats word it. */
static const char *
rows_hv_word(const struct rows_row *hv, const char *name, char *buf, size_t n)
{
	const struct rows_cell *c = rows_cell(hv, name);

	if (c == NULL) {
		snprintf(buf, n, "-");
		return buf;
	}
	return rows_format_human(c, buf, n);
}

/* The hypervisor object as summary lines. */
size_t
rows_hv_summary(const struct rows_row *hv, struct rows_kv *kv)
{
	const struct rows_table *lim = rows_table(hv, "downtime_limits");
	struct rows_kv *e;
	char a[64], b[64];
	size_t n = 0, i, o;

	if (rows_known(hv, "downtime_ms")) {
		e = rows_kv_add(kv, &n, "QEMU downtime");
		snprintf(e->val, sizeof(e->val), "%s (%s%s)",
			 rows_hv_word(hv, "downtime_ms", a, sizeof(a)),
			 rows_hv_word(hv, "downtime_source", b, sizeof(b)),
			 rows_int(hv, "downtime_count") > 1 ? ", last of several" : "");
	}
	if (rows_known(hv, "qmp_pause_ms")) {
		e = rows_kv_add(kv, &n, "Paused STOP to RESUME");
		snprintf(e->val, sizeof(e->val), "%s (QMP events)",
			 rows_hv_word(hv, "qmp_pause_ms", a, sizeof(a)));
	}
	if (rows_known(hv, "duration_ms")) {
		e = rows_kv_add(kv, &n, "Migration task");
		snprintf(e->val, sizeof(e->val), "%s (whole task, 1 s resolution)",
			 rows_hv_word(hv, "duration_ms", a, sizeof(a)));
	}
	if (rows_known(hv, "migrate_start")) {
		e = rows_kv_add(kv, &n, "Migration started");
		rows_hv_word(hv, "migrate_start", e->val, sizeof(e->val));
	}
	if (rows_known(hv, "migrate_done")) {
		e = rows_kv_add(kv, &n, "Migration completed");
		rows_hv_word(hv, "migrate_done", e->val, sizeof(e->val));
	}
	if (rows_known(hv, "qmp_total_ms")) {
		e = rows_kv_add(kv, &n, "QEMU total time");
		rows_hv_word(hv, "qmp_total_ms", e->val, sizeof(e->val));
	}
	if (rows_known(hv, "transferred_bytes")) {
		e = rows_kv_add(kv, &n, "Transferred");
		snprintf(e->val, sizeof(e->val), "%s (%" PRId64 " bytes%s)",
			 rows_hv_word(hv, "transferred_bytes", a, sizeof(a)),
			 rows_int(hv, "transferred_bytes"),
			 strcmp(rows_str(hv, "transferred_source"), "tasklog") == 0
				 ? ", as rounded in the task log"
				 : "");
	}
	if (rows_known(hv, "speed_limit_bytes_per_s")) {
		e = rows_kv_add(kv, &n, "Speed limit");
		snprintf(e->val, sizeof(e->val), "%s/s",
			 rows_hv_word(hv, "speed_limit_bytes_per_s", a, sizeof(a)));
	}
	if (lim != NULL && lim->nrows > 0) {
		e = rows_kv_add(kv, &n, "Downtime limit");
		for (i = 0, o = 0; i < lim->nrows && o < sizeof(e->val); i++)
			o += (size_t)snprintf(e->val + o, sizeof(e->val) - o, "%s%s (%s)",
					      i > 0 ? ", " : "",
					      rows_hv_word(&lim->rows[i], "ms", a, sizeof(a)),
					      rows_str(&lim->rows[i], "kind"));
	}
	if (rows_known(hv, "migrate_error")) {
		e = rows_kv_add(kv, &n, "Migration error");
		snprintf(e->val, sizeof(e->val), "%s", rows_str(hv, "migrate_error"));
	}
	if (rows_known(hv, "backup_vmid")) {
		const char *ty = rows_str(hv, "backup_type");

		e = rows_kv_add(kv, &n, "Backup");
		snprintf(e->val, sizeof(e->val),
			 "VM %" PRId64 "%s%s%s, %" PRId64 " finished, %" PRId64 " failed",
			 rows_int(hv, "backup_vmid"), ty[0] ? " (" : "", ty, ty[0] ? ")" : "",
			 rows_int(hv, "backup_count"), rows_int(hv, "backup_failed"));
	}
	if (rows_known(hv, "backup_duration_ms")) {
		e = rows_kv_add(kv, &n, "Backup duration");
		rows_hv_word(hv, "backup_duration_ms", e->val, sizeof(e->val));
	}
	if (rows_known(hv, "backup_bytes") || rows_known(hv, "backup_transfer_ms")) {
		e = rows_kv_add(kv, &n, "Backup data");
		snprintf(e->val, sizeof(e->val), "%s%s%s",
			 rows_known(hv, "backup_bytes")
				 ? rows_hv_word(hv, "backup_bytes", a, sizeof(a))
				 : "?",
			 rows_known(hv, "backup_transfer_ms") ? " in " : "",
			 rows_known(hv, "backup_transfer_ms")
				 ? rows_hv_word(hv, "backup_transfer_ms", b, sizeof(b))
				 : "");
	}
	if (rows_known(hv, "archive_bytes")) {
		e = rows_kv_add(kv, &n, "Archive size");
		rows_hv_word(hv, "archive_bytes", e->val, sizeof(e->val));
	}
	if (rows_known(hv, "guest_pause_ms")) {
		e = rows_kv_add(kv, &n, "Guest paused");
		rows_hv_word(hv, "guest_pause_ms", e->val, sizeof(e->val));
	}
	if (rows_known(hv, "backup_job")) {
		e = rows_kv_add(kv, &n, "Backup job");
		rows_hv_word(hv, "backup_job", e->val, sizeof(e->val));
	}
	if (strcmp(rows_str(hv, "task_status"), "unknown") != 0) {
		e = rows_kv_add(kv, &n, "Task status");
		rows_hv_word(hv, "task_status", a, sizeof(a));
		if (rows_known(hv, "task_error"))
			snprintf(e->val, sizeof(e->val), "%s: %s", a, rows_str(hv, "task_error"));
		else if (strcmp(a, "WARNINGS") == 0)
			snprintf(e->val, sizeof(e->val), "%s: %" PRId64, a,
				 rows_int(hv, "task_warnings"));
		else
			snprintf(e->val, sizeof(e->val), "%s", a);
	}
	if (rows_int(hv, "error_lines") > 0) {
		e = rows_kv_add(kv, &n, "Error lines");
		snprintf(e->val, sizeof(e->val), "%" PRId64 " (first: %s)",
			 rows_int(hv, "error_lines"), rows_str(hv, "first_error"));
	}
	if (rows_int(hv, "warn_lines") > 0) {
		e = rows_kv_add(kv, &n, "Warning lines");
		snprintf(e->val, sizeof(e->val), "%" PRId64, rows_int(hv, "warn_lines"));
	}
	lim = rows_table(hv, "ha_events");
	if (lim != NULL && lim->nrows > 0) {
		e = rows_kv_add(kv, &n, "HA events");
		snprintf(e->val, sizeof(e->val), "%" PRId64 "%s",
			 (int64_t)lim->nrows + rows_int(hv, "ha_events_dropped"),
			 rows_int(hv, "ha_events_dropped") > 0 ? " (first ones listed)" : "");
	}
	return n;
}
