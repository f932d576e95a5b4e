/* SPDX-License-Identifier: ISC */
/* hvstore.h: what hypervisors said, imported after the fact (schema
 * version 6): Proxmox task logs (`hamon import-task`) and HA journal
 * events (`hamon import-journal`). Separate from store.h so that the
 * import commands and the monitor's store do not share a header's edits;
 * implemented in store/hv_import.c. Times are CLOCK_REALTIME ns. */
#ifndef HAMON_HVSTORE_H
#define HAMON_HVSTORE_H
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The first schema version with hv_tasks and hv_events. */
#define STORE_SCHEMA_HV 6

/* One imported task log. Numbers not stated are -1; strings may be NULL. */
struct store_hvtask {
	int64_t session_id; /* the run it is attached to; 0: none (its own window) */
	const char *upid;   /* NULL when the log was read from a file not named by one */
	const char *node, *type, *id, *user; /* from the UPID */
	const char *source;                  /* the path read */
	int64_t start_ns, end_ns;            /* the task's window; 0 when unknown */
	const char *status;                  /* "ok", "warnings", "error", "unknown" */
	int64_t warnings;
	const char *error; /* TASK ERROR: text, or the first ERROR: line */
	int64_t error_lines, warn_lines;
	int64_t downtime_ms;
	const char *downtime_src; /* "tasklog" or "qmp" */
	int64_t duration_ms, transferred_bytes;
	int64_t backup_vmid, backup_duration_ms, backup_transfer_ms, backup_bytes, archive_bytes;
	int64_t guest_pause_ms;
	const char *backup_job; /* "ok", "errors", "failed"; NULL if not a backup */
};
/* Store a task; one with the same UPID is replaced (a re-import). Returns
 * the row id > 0, or -1 with err. STORE_WRITE only. */
int64_t store_hvtask_put(struct store *s, const struct store_hvtask *t, char *err, size_t errlen);
/* The run whose command span covers [start_ns, end_ns] within slack_ns
 * (task log times are whole seconds); the latest such run. 0 found, 1 none,
 * -1 with err. */
int store_hvtask_find_run(struct store *s, int64_t start_ns, int64_t end_ns, int64_t slack_ns,
			  int64_t *session_id, char *err, size_t errlen);

/* One HA event with the journal's own time. */
struct store_hvevent {
	int64_t ts_ns;
	const char *host, *kind, *subject, *from, *to, *node; /* "" when not stated */
};
/* Store events in one transaction. Each is given the session whose span
 * holds its time, if any. An event already stored (same time, host, kind,
 * subject, from and to) is skipped, so importing an export twice adds
 * nothing. *added gets the count added. 0, or -1 with err. */
int store_hvevents_put(struct store *s, const struct store_hvevent *ev, size_t n, size_t *added,
		       char *err, size_t errlen);

#endif
