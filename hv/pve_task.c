/* SPDX-License-Identifier: ISC */
/*
 * pve_task.c: Proxmox task logs: `qm migrate` (section 1 of
 * tests/fixtures/pve/FORMATS.md) and vzdump (section 2).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv/hv_int.h"

/* ---- qm migrate task log (section 1 of FORMATS.md) ------------------------- */

/* Remember a downtime limit; when the table is full the last slot takes it. */
static void
hvparse_add_limit(struct hv_figures *f, enum hv_limit_kind kind, int64_t ms,
		  const struct hv_stamp *st)
{
	size_t i = f->nlimits < HVPARSE_LIMITS_MAX ? f->nlimits++ : HVPARSE_LIMITS_MAX - 1;

	f->limits[i].kind = kind;
	f->limits[i].ms = ms;
	f->limits[i].when = *st;
}

/* Read "N ms" to the end of the line. */
static int
hvparse_ms_to_end(struct hv_cur *c, int64_t *ms)
{
	struct hv_cur t = *c;

	if (!hvparse_uint(&t, 9, ms) || !hvparse_rest_is(&t, " ms"))
		return 0;
	*c = t;
	return 1;
}

/* A migrate message at INFO level (after the time prefix). */
void
hvparse_migrate_msg(struct hv_figures *f, struct hv_cur c, const struct hv_stamp *st)
{
	struct hv_cur t;
	int64_t v;

	/* QM:1378 "migration downtime limit: $migrate_downtime ms" */
	if (hvparse_lit(&c, "migration downtime limit: ")) {
		if (hvparse_ms_to_end(&c, &v))
			hvparse_add_limit(f, HV_LIMIT_SET, v, st);
		return;
	}
	/* QM:1183 "capping downtime limit to maximum possible: 2000000 ms" */
	if (hvparse_lit(&c, "capping downtime limit to maximum possible: ")) {
		if (hvparse_ms_to_end(&c, &v))
			hvparse_add_limit(f, HV_LIMIT_CAPPED, v, st);
		return;
	}
	/* QM:1199-1201 "auto-increased downtime to continue migration: $migrate_downtime ms" */
	if (hvparse_lit(&c, "auto-increased downtime to continue migration: ")) {
		if (hvparse_ms_to_end(&c, &v))
			hvparse_add_limit(f, HV_LIMIT_AUTO, v, st);
		return;
	}
	/* QM:1366 "migration speed limit: <render_bytes(B/s,1)>/s" */
	if (hvparse_lit(&c, "migration speed limit: ")) {
		if (hvparse_render_bytes(&c, &v) && hvparse_rest_is(&c, "/s"))
			f->speed_limit_bps = v;
		return;
	}
	/* QM:1433 "start migrate command to $migrate_uri": t0 of the RAM transfer */
	if (hvparse_lit(&c, "start migrate command to ")) {
		if (!hvparse_at_end(&c))
			f->migrate_start = *st;
		return;
	}
	/*
	 * QM:1488 "average migration speed: <render_bytes(total/delay,1)>/s -
	 * downtime $downtime ms"; before 6.4-1 "migration speed: %.2f MB/s -
	 * downtime N ms". The rate must parse too, so that a line merely
	 * containing the words cannot pass.
	 */
	t = c;
	if (hvparse_lit(&t, "average migration speed: ")) {
		if (hvparse_render_bytes(&t, &v) && hvparse_lit(&t, "/s - downtime ") &&
		    hvparse_ms_to_end(&t, &v)) {
			f->downtime_ms = v;
			f->downtime_src = HV_SRC_TASKLOG;
			f->downtime_count++;
		}
		return;
	}
	if (hvparse_lit(&t, "migration speed: ")) {
		static const char *const mb[] = { "MB/s", NULL };
		int64_t rate;

		if (hvparse_size(&t, " ", mb, 1000000, &rate) && hvparse_lit(&t, " - downtime ") &&
		    hvparse_ms_to_end(&t, &v)) {
			f->downtime_ms = v;
			f->downtime_src = HV_SRC_TASKLOG;
			f->downtime_count++;
		}
		return;
	}
	/* QM:1493-1500 "migration completed, transferred <X> VM-state" [" (+ <V> VFIO-state)"] */
	if (hvparse_lit(&c, "migration completed, transferred ")) {
		int64_t vfio;

		if (!hvparse_render_bytes(&c, &v) || !hvparse_lit(&c, " VM-state"))
			return;
		if (hvparse_at_end(&c) ||
		    (hvparse_lit(&c, " (+ ") && hvparse_render_bytes(&c, &vfio) &&
		     hvparse_rest_is(&c, " VFIO-state)"))) {
			f->transferred_bytes = v;
			f->transferred_src = HV_SRC_TASKLOG;
		}
		return;
	}
	/* QM:1511 "migration status: completed" */
	if (hvparse_rest_is(&c, "migration status: completed")) {
		f->migrate_done = *st;
		return;
	}
	/* QM:1505-1506 "migration status error: $status - $error-desc" (or just "failed") */
	if (hvparse_lit(&c, "migration status error: ")) {
		if (!hvparse_at_end(&c))
			hvparse_copy_rest(f->migrate_error, sizeof(f->migrate_error), &c);
		return;
	}
	/* AM:238, 250 "migration finished successfully (duration HH:MM:SS)" */
	if (hvparse_lit(&c, "migration finished successfully (duration ")) {
		if (hvparse_hms(&c, &v) && hvparse_rest_is(&c, ")"))
			f->duration_ms = v;
		return;
	}
}

/* A migrate message at ERROR level (after "<time> ERROR: "). */
void
hvparse_migrate_error(struct hv_figures *f, struct hv_cur c)
{
	int64_t v;

	/* AM:246 "ERROR: migration finished with problems (duration HH:MM:SS)" */
	if (hvparse_lit(&c, "migration finished with problems (duration ")) {
		if (hvparse_hms(&c, &v) && hvparse_rest_is(&c, ")"))
			f->duration_ms = v;
		return;
	}
	/* AM:241 "ERROR: migration aborted (duration HH:MM:SS): <err>" */
	if (hvparse_lit(&c, "migration aborted (duration ")) {
		if (hvparse_hms(&c, &v) && hvparse_lit(&c, "): "))
			f->duration_ms = v;
		return;
	}
}

/* ---- vzdump task log (section 2 of FORMATS.md) ----------------------------- */

/* Read "N seconds" or "<1 seconds" (VQ:464-466, VZ:917) as milliseconds. */
static int
hvparse_seconds(struct hv_cur *c, int64_t *ms)
{
	struct hv_cur t = *c;
	int64_t s;

	if (hvparse_lit(&t, "<1"))
		s = 0;
	else if (!hvparse_uint(&t, 9, &s))
		return 0;
	if (!hvparse_lit(&t, " seconds"))
		return 0;
	*ms = s * 1000;
	*c = t;
	return 1;
}

/* A vzdump message at INFO level. */
void
hvparse_vzdump_msg(struct hv_figures *f, struct hv_cur c)
{
	static const char *const fsz[] = { "KB", "MB", "GB", "TB", NULL };
	char type[sizeof(f->backup_type)];
	int64_t v, id, ms;
	int started;

	/* VZ:1060 "Starting Backup of VM $vmid ($vmtype)" */
	if (hvparse_lit(&c, "Starting Backup of VM ")) {
		if (hvparse_uint(&c, 9, &id) && hvparse_lit(&c, " (") &&
		    hvparse_word_until(&c, ')', type, sizeof(type)) && hvparse_rest_is(&c, ")")) {
			f->backup_vmid = (long)id;
			memcpy(f->backup_type, type, sizeof(type));
		}
		return;
	}
	/* VZ:1061, 1358 "Backup started at %F %H:%M:%S", "Backup finished at ..." */
	started = hvparse_lit(&c, "Backup started at ");
	if (started || hvparse_lit(&c, "Backup finished at ")) {
		struct hv_stamp st;
		char buf[20];
		struct hv_cur t = { buf, buf + sizeof(buf) };

		/* The stamp reader wants the space a task-log prefix ends with. */
		if ((size_t)(c.end - c.p) == sizeof(buf) - 1) {
			memcpy(buf, c.p, sizeof(buf) - 1);
			buf[sizeof(buf) - 1] = ' ';
			if (hvparse_stamp_iso(&t, &st) && hvparse_at_end(&t)) {
				if (started && !f->first_stamp.set)
					f->first_stamp = st;
				f->last_stamp = st;
			}
		}
		return;
	}
	/* VQ:464 "transferred <X> in <N> seconds (<R>/s)", VQ:466 "in <1 seconds" */
	if (hvparse_lit(&c, "transferred ")) {
		if (hvparse_render_bytes(&c, &v) && hvparse_lit(&c, " in ") &&
		    hvparse_seconds(&c, &ms) && hvparse_lit(&c, " (") &&
		    hvparse_render_bytes(&c, &id) && hvparse_rest_is(&c, "/s)")) {
			f->backup_bytes = v;
			f->backup_transfer_ms = ms;
		}
		return;
	}
	/* GNU tar --totals (VL:502): "Total bytes written: N (H, R/s)" */
	if (hvparse_lit(&c, "Total bytes written: ")) {
		if (hvparse_uint(&c, 18, &v) && hvparse_lit(&c, " (") &&
		    hvparse_cut_suffix(&c, ")"))
			f->backup_bytes = v;
		return;
	}
	/* VZ:1215 "archive file size: <N>KB/MB or <%.2f>GB/TB" (format_size VZ:225-244) */
	if (hvparse_lit(&c, "archive file size: ")) {
		if (hvparse_size(&c, "", fsz, 1024, &v) && hvparse_at_end(&c))
			f->archive_bytes = v;
		return;
	}
	/* VZ:1357 "Finished Backup of VM $vmid (HH:MM:SS)" (format_time VZ:246) */
	if (hvparse_lit(&c, "Finished Backup of VM ")) {
		if (hvparse_uint(&c, 9, &id) && hvparse_lit(&c, " (") && hvparse_hms(&c, &ms) &&
		    hvparse_rest_is(&c, ")")) {
			f->backup_vmid = (long)id;
			f->backup_duration_ms = ms;
			f->backup_count++;
		}
		return;
	}
	/* VZ:917 "guest is online again after N seconds" (or "<1") */
	if (hvparse_lit(&c, "guest is online again after ")) {
		if (hvparse_seconds(&c, &ms) && hvparse_at_end(&c))
			f->guest_pause_ms = ms;
		return;
	}
	/* VZ:1465 "Backup job finished successfully", VZ:1463 "... with errors" */
	if (hvparse_rest_is(&c, "Backup job finished successfully"))
		f->backup_job = HV_BACKUP_OK;
	else if (hvparse_rest_is(&c, "Backup job finished with errors"))
		f->backup_job = HV_BACKUP_ERRORS;
}

/* A vzdump message at ERROR level. */
void
hvparse_vzdump_error(struct hv_figures *f, struct hv_cur c)
{
	int64_t id;

	/* VZ:1340 "ERROR: Backup of VM $vmid failed - <err>" */
	if (hvparse_lit(&c, "Backup of VM ")) {
		if (hvparse_uint(&c, 9, &id) && hvparse_lit(&c, " failed - "))
			f->backup_failed++;
		return;
	}
	/* VZ:1460 "ERROR: Backup job failed - ..." */
	if (hvparse_lit(&c, "Backup job failed - "))
		f->backup_job = HV_BACKUP_FAILED;
}
