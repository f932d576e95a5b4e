/* SPDX-License-Identifier: ISC */
/*
 * hvparse.h: hypervisor figures read from a wrapped command's output.
 *
 * `hamon run -- qm migrate ...` feeds everything the command prints into an
 * hvparse, in chunks of any size. The parser recognises only the message
 * formats documented in tests/fixtures/pve/FORMATS.md (Proxmox task logs,
 * vzdump, the HA journal, QEMU QMP JSON) and takes a number only from the
 * exact place its format string puts it.
 *
 * Strings in struct hv_figures are bytes copied from the command's output
 * (never a NUL or a line end, otherwise unfiltered): escape them before
 * printing. Numbers not stated are -1.
 */
#ifndef HAMON_HVPARSE_H
#define HAMON_HVPARSE_H
#include <stddef.h>
#include <stdint.h>

/* Longest line looked at; longer lines are skipped whole. */
#define HVPARSE_LINE_MAX   65536
#define HVPARSE_LIMITS_MAX 32
#define HVPARSE_HA_MAX     64
#define HVPARSE_TEXT_MAX   160
#define HVPARSE_NAME_MAX   48

/* Which output a figure came from. */
enum hv_source {
	HV_SRC_NONE = 0,
	HV_SRC_TASKLOG, /* qm migrate / vzdump task log line */
	HV_SRC_QMP,     /* QEMU query-migrate reply */
};

/* The task trailer: TASK OK / TASK WARNINGS: N / TASK ERROR: msg. */
enum hv_task_status {
	HV_TASK_UNKNOWN = 0, /* no trailer (CLI stdout omits TASK OK) */
	HV_TASK_OK,
	HV_TASK_WARNINGS,
	HV_TASK_ERROR,
};

/* How a downtime limit was set. */
enum hv_limit_kind {
	HV_LIMIT_SET = 0, /* "migration downtime limit: N ms" */
	HV_LIMIT_CAPPED,  /* "capping downtime limit to maximum possible: N ms" */
	HV_LIMIT_AUTO,    /* "auto-increased downtime to continue migration: N ms" */
};

/* vzdump job result. */
enum hv_backup_job {
	HV_BACKUP_UNKNOWN = 0,
	HV_BACKUP_OK,     /* "Backup job finished successfully" */
	HV_BACKUP_ERRORS, /* "Backup job finished with errors" */
	HV_BACKUP_FAILED, /* "ERROR: Backup job failed - ..." */
};

/* One HA message from pve-ha-crm / pve-ha-lrm journal lines. */
enum hv_ha_kind {
	HV_HA_NODE_STATE = 0, /* node '<n>': state changed from '<a>' => '<b>' */
	HV_HA_SERVICE_STATE,  /* service '<sid>': state changed from '<a>' to '<b>' */
	HV_HA_FENCE_ACK,      /* fencing: acknowledged - got agent lock for node '<n>' */
	HV_HA_RECOVER,        /* recover service '<sid>' from fenced node '<a>' to node '<b>' */
	HV_HA_RECOVER_FAILED, /* recovering service '<sid>' from fenced node '<a>' failed, ... */
	HV_HA_STARTING,       /* starting service <sid> */
	HV_HA_STARTED,        /* service status <sid> started */
	HV_HA_START_FAILED,   /* unable to start service <sid> */
	HV_HA_VM_STARTED,     /* VM <vmid> started with PID <pid> using <package>. */
};

/*
 * A wall-clock time as the hypervisor printed it, in its local time zone,
 * to the second. year is 0 for journal lines ("Sep 10 00:50:21"), which carry
 * none; set is 0 when the line had no time.
 */
struct hv_stamp {
	int set;
	int year, mon, mday; /* mon 1..12 */
	int hour, min, sec;
};

struct hv_ha_event {
	enum hv_ha_kind kind;
	struct hv_stamp when;
	char host[HVPARSE_NAME_MAX];    /* journal host that logged it */
	char subject[HVPARSE_NAME_MAX]; /* sid "vm:101", node, or vmid */
	char from[HVPARSE_NAME_MAX];    /* old state / fenced node */
	char to[HVPARSE_NAME_MAX];      /* new state / to node / package */
	char node[HVPARSE_NAME_MAX];    /* "(node = X)" of a service change */
	int64_t ts_ns; /* journal JSON __REALTIME_TIMESTAMP as ns (µs steps), else 0 */
};

struct hv_limit {
	enum hv_limit_kind kind;
	int64_t ms;
	struct hv_stamp when;
};

struct hv_figures {
	/* Live migration. */
	int64_t downtime_ms; /* QEMU's stop-and-copy downtime; last wins */
	enum hv_source downtime_src;
	unsigned downtime_count;        /* migrations that stated one */
	int64_t duration_ms;            /* "(duration HH:MM:SS)": whole task, 1 s steps */
	int64_t transferred_bytes;      /* VM state actually sent */
	enum hv_source transferred_src; /* tasklog: render_bytes, 0.1 unit precision */
	int64_t qmp_total_ms;           /* query-migrate total-time when completed */
	int64_t qmp_setup_ms;           /* query-migrate setup-time when completed */
	int64_t qmp_stop_ns;            /* last STOP event, real time */
	int64_t qmp_resume_ns;          /* last RESUME event, real time */
	int64_t speed_limit_bps;        /* "migration speed limit: X/s" */
	struct hv_limit limits[HVPARSE_LIMITS_MAX];
	size_t nlimits;                       /* when full, the last entry is overwritten */
	struct hv_stamp migrate_start;        /* "start migrate command to ..." */
	struct hv_stamp migrate_done;         /* "migration status: completed" */
	char migrate_error[HVPARSE_TEXT_MAX]; /* "migration status error: X" */

	/* The task's own times: the first and last "%F %H:%M:%S " line
	 * prefixes, and vzdump's "Backup started at" / "Backup finished at". */
	struct hv_stamp first_stamp, last_stamp;

	/* Task trailer and error lines. */
	enum hv_task_status task_status;
	long task_warnings; /* N of TASK WARNINGS: N */
	char task_error[HVPARSE_TEXT_MAX];
	unsigned error_lines; /* "ERROR: " level lines */
	unsigned warn_lines;  /* "WARN: " level lines (vzdump) */
	char first_error[HVPARSE_TEXT_MAX];

	/* vzdump. */
	long backup_vmid;
	char backup_type[8];        /* "qemu" or "lxc" */
	unsigned backup_count;      /* "Finished Backup of VM" lines */
	unsigned backup_failed;     /* "ERROR: Backup of VM N failed - " */
	int64_t backup_duration_ms; /* "Finished Backup of VM N (HH:MM:SS)" */
	int64_t backup_transfer_ms; /* "transferred X in N seconds"; "<1" is 0 */
	int64_t backup_bytes;       /* that X, or GNU tar "Total bytes written" */
	int64_t archive_bytes;      /* "archive file size": as stated, GiB-based */
	int64_t guest_pause_ms;     /* "guest is online again after N seconds" */
	enum hv_backup_job backup_job;

	/* HA failover (journal lines). */
	struct hv_ha_event ha[HVPARSE_HA_MAX];
	size_t nha;
	size_t ha_dropped; /* events beyond HVPARSE_HA_MAX */

	/* Input accounting. */
	uint64_t lines;
	uint64_t lines_overlong; /* over HVPARSE_LINE_MAX, skipped */
	uint64_t lines_binary;   /* containing NUL, skipped */
};

struct hvparse;

struct hvparse *hvparse_new(void);
/* Feed the next len bytes of output; lines may be split anywhere. */
void hvparse_feed(struct hvparse *p, const char *buf, size_t len);
/*
 * The figures so far, an unterminated last line included (it is read as if
 * the output ended here, without consuming it). Valid until the next call on p.
 */
const struct hv_figures *hvparse_result(struct hvparse *p);
void hvparse_free(struct hvparse *p);

/* Reset f to "nothing stated". */
void hvparse_figures_init(struct hv_figures *f);
/* Whether f holds any figure worth reporting. */
int hvparse_figures_any(const struct hv_figures *f);

/*
 * The stamp as nanoseconds of real time, reading it in the local time zone.
 * A stamp without a year takes the year that puts it nearest to near_ns.
 * Returns 0, or -1 when the stamp is not set or invalid.
 */
int hvparse_stamp_to_ns(const struct hv_stamp *st, int64_t near_ns, int64_t *out_ns);

/*
 * One QMP message as JSON text (a line, or what a QMP socket read gave),
 * raw {"return": ...} / {"event": ...} or in the qmp-events envelope
 * {"qmp": {...}}; its figures go into f as for a line of output. Returns 1
 * when the text was one JSON object, 0 when it was not (f is unchanged).
 */
int hvparse_qmp_json(struct hv_figures *f, const char *buf, size_t len);

/* What one line of a `journalctl -o json` export was. */
enum hv_journal_json {
	HV_JJ_HA = 0,   /* an entry of pve-ha-crm / pve-ha-lrm, read into f */
	HV_JJ_OTHER,    /* a journal entry of another program, or without MESSAGE */
	HV_JJ_NOT_JSON, /* not one JSON object */
};
/*
 * One line of a `journalctl -o json` export (one object per line, fields
 * MESSAGE, __REALTIME_TIMESTAMP, SYSLOG_IDENTIFIER or _SYSTEMD_UNIT,
 * _HOSTNAME). An HA daemon's message is read as a journal line's message
 * is; its event gets the entry's own time (when from the local time zone,
 * ts_ns exact) and host.
 */
enum hv_journal_json hvparse_journal_json(struct hv_figures *f, const char *buf, size_t len);

const char *hvparse_task_status_name(enum hv_task_status s);
const char *hvparse_ha_kind_name(enum hv_ha_kind k);
const char *hvparse_limit_kind_name(enum hv_limit_kind k);
const char *hvparse_source_name(enum hv_source s);

#endif
