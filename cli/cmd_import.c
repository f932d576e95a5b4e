/* SPDX-License-Identifier: ISC */
/*
 * cmd_import.c: `hamon import-task` and `hamon import-journal`: what a
 * Proxmox node logged, read after the fact into the database. A task log
 * (qm migrate, vzdump) is read with hvparse and attached to the run whose
 * command span covers it, or kept as a window of its own; a `journalctl
 * -o json` export of pve-ha-crm / pve-ha-lrm becomes HA events with the
 * journal's own times. Bad input is one line and exit 2, before the
 * database is touched.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_opt.h"
#include "cli/cmd.h"
#include "hv/hvparse.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/hvstore.h"

/* Files larger than this are not task logs or HA exports we read whole. */
#define IMPORT_FILE_MAX (256u << 20)
/* Where PVE keeps task logs: <dir>/<last hex digit of starttime>/<UPID>. */
#define IMPORT_TASKS_DIR "/var/log/pve/tasks"
/* Task log stamps are whole seconds: a run covers a task within this. */
#define IMPORT_SLACK_NS (1000000000LL)

/* A UPID's fields (pve-common UPID.pm:21). */
struct import_upid {
	char node[64], type[64], id[64], user[128];
	char hstart[16]; /* starttime as written, 8 hex digits */
	int64_t start_ns;
};

/* Read the whole of path into a malloc'd buffer; exit 2 naming it on failure. */
static char *
import_read(const char *cmd, const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	size_t n = 0, cap = 65536, r;
	char *buf;

	if (fp == NULL)
		usage_error("%s: %s: %s", cmd, path, strerror(errno));
	buf = xmalloc(cap + 1);
	while ((r = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += r;
		if (n == cap) {
			if (cap >= IMPORT_FILE_MAX) {
				fclose(fp);
				usage_error("%s: %s: larger than %u MiB", cmd, path,
					    IMPORT_FILE_MAX >> 20);
			}
			cap *= 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
	}
	if (ferror(fp)) {
		fclose(fp);
		usage_error("%s: %s: %s", cmd, path, strerror(errno));
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Copy one ':'-terminated field of a UPID; NULL when it is empty or too long. */
static const char *
import_upid_field(const char *p, char *dst, size_t n)
{
	const char *q = strchr(p, ':');

	if (q == NULL || q == p || (size_t)(q - p) >= n)
		return NULL;
	memcpy(dst, p, (size_t)(q - p));
	dst[q - p] = '\0';
	return q + 1;
}

/* Parse "UPID:node:pid:pstart:starttime:type:id:user:" (hex numbers). */
static int
import_upid_parse(const char *s, struct import_upid *u)
{
	char pid[16], pstart[24];
	const char *p;
	char *end;
	unsigned long long st;
	size_t i;

	memset(u, 0, sizeof(*u));
	if (strncmp(s, "UPID:", 5) != 0)
		return -1;
	p = s + 5;
	if ((p = import_upid_field(p, u->node, sizeof(u->node))) == NULL ||
	    (p = import_upid_field(p, pid, sizeof(pid))) == NULL ||
	    (p = import_upid_field(p, pstart, sizeof(pstart))) == NULL ||
	    (p = import_upid_field(p, u->hstart, sizeof(u->hstart))) == NULL ||
	    (p = import_upid_field(p, u->type, sizeof(u->type))) == NULL)
		return -1;
	/* The id may be empty ("UPID:...:vzdump::root@pam:"). */
	if (*p == ':')
		p++;
	else if ((p = import_upid_field(p, u->id, sizeof(u->id))) == NULL)
		return -1;
	if ((p = import_upid_field(p, u->user, sizeof(u->user))) == NULL || *p != '\0')
		return -1;
	if (strlen(pid) != 8 || strlen(u->hstart) != 8 || strlen(pstart) < 8)
		return -1;
	for (i = 0; i < 8; i++)
		if (strchr("0123456789ABCDEF", u->hstart[i]) == NULL ||
		    strchr("0123456789ABCDEF", pid[i]) == NULL)
			return -1;
	for (i = 0; u->node[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-",
			   u->node[i]) == NULL)
			return -1;
	if (strchr(u->type, '/') != NULL || strchr(u->id, '/') != NULL ||
	    strchr(u->user, '/') != NULL)
		return -1;
	st = strtoull(u->hstart, &end, 16);
	u->start_ns = (int64_t)st * 1000000000LL;
	return 0;
}

/* The last path component. */
static const char *
import_basename(const char *path)
{
	const char *b = strrchr(path, '/');

	return b != NULL ? b + 1 : path;
}

/* Open the database for writing, or exit 1 naming it. */
static struct store *
import_store(const char *db)
{
	char err[512];
	struct store *st = store_open(db, STORE_WRITE, err, sizeof(err));

	if (st == NULL) {
		log_warnx("%s", err);
		exit(1);
	}
	return st;
}

/* "ok", "errors", "failed" or NULL. */
static const char *
import_backup_job(enum hv_backup_job j)
{
	switch (j) {
	case HV_BACKUP_OK:
		return "ok";
	case HV_BACKUP_ERRORS:
		return "errors";
	case HV_BACKUP_FAILED:
		return "failed";
	default:
		return NULL;
	}
}

#define IMPORT_TASK_USAGE \
	"usage: hamon import-task FILE|UPID [--db FILE] [--run ID] [--tasks-dir DIR]"

/* `hamon import-task FILE|UPID [--db FILE] [--run ID] [--tasks-dir DIR]`. */
int
cmd_import_task(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "tasks-dir", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = CLI_DB_DEFAULT, *tasks = IMPORT_TASKS_DIR, *arg, *path;
	struct store_session_row row;
	struct store_hvtask t;
	struct import_upid u;
	const struct hv_figures *f;
	struct hvparse *hp;
	struct store *st;
	char *buf, *pathbuf = NULL, *end, err[512], esc[256], t0[40], t1[40];
	int64_t run = 0, start = 0, stop = 0, ns, id;
	size_t len;
	int c, have_upid, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = cli_db_arg(optarg);
			break;
		case 'r':
			errno = 0;
			run = strtoll(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || run <= 0)
				usage_error("import-task: --run \"%s\" is not a run id (a session "
					    "number above 0)",
					    log_escape(esc, sizeof(esc), optarg, strlen(optarg)));
			break;
		case 't':
			if (optarg[0] == '\0')
				usage_error("import-task: --tasks-dir is empty");
			tasks = optarg;
			break;
		case 'h':
			puts(IMPORT_TASK_USAGE);
			return 0;
		case ':':
			usage_error("import-task: option %s needs a value", argv[optind - 1]);
		default:
			usage_error("import-task: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		usage_error(IMPORT_TASK_USAGE);
	arg = argv[optind];

	/* A UPID is looked up where PVE writes its log; a path may be named by one. */
	if (strncmp(arg, "UPID:", 5) == 0) {
		if (import_upid_parse(arg, &u) != 0)
			usage_error("import-task: \"%s\" is not a UPID "
				    "(UPID:node:PID:PSTART:STARTTIME:type:id:user:)",
				    log_escape(esc, sizeof(esc), arg, strlen(arg)));
		len = strlen(tasks) + strlen(arg) + 8;
		pathbuf = xmalloc(len);
		snprintf(pathbuf, len, "%s/%c/%s", tasks, u.hstart[7], arg);
		path = pathbuf;
		have_upid = 1;
	} else {
		path = arg;
		have_upid = import_upid_parse(import_basename(arg), &u) == 0;
	}
	buf = import_read("import-task", path, &len);
	hp = hvparse_new();
	hvparse_feed(hp, buf, len);
	f = hvparse_result(hp);
	log_escape(esc, sizeof(esc), path, strlen(path));
	if (len == 0)
		usage_error("import-task: %s: empty, not a task log", esc);
	if (f->lines_binary > 0 || f->lines_overlong > 0)
		usage_error("import-task: %s: not a task log (binary data or a line over %d bytes)",
			    esc, HVPARSE_LINE_MAX);
	if (f->task_status == HV_TASK_UNKNOWN) {
		if ((!hvparse_figures_any(f) || f->nha > 0) && !f->first_stamp.set)
			usage_error("import-task: %s: not a Proxmox task log (no task log line in "
				    "%" PRIu64 " lines)",
				    esc, f->lines);
		usage_error("import-task: %s: truncated task log: no TASK OK, TASK WARNINGS or "
			    "TASK ERROR line at its end",
			    esc);
	}

	/* The task's window: the UPID's start (exact) or its first stamp, to its last. */
	if (have_upid)
		start = u.start_ns;
	else if (hvparse_stamp_to_ns(&f->first_stamp, 0, &ns) == 0)
		start = ns;
	if (hvparse_stamp_to_ns(&f->last_stamp, 0, &ns) == 0)
		stop = ns;
	if (stop < start)
		stop = start;

	st = import_store(db);
	if (run > 0) {
		rc = store_get_session(st, run, 1, &row, err, sizeof(err));
		if (rc < 0) {
			log_warnx("%s", err);
			return 1;
		}
		if (rc > 0) {
			store_close(st);
			usage_error("import-task: %s: no run %" PRId64, db, run);
		}
	} else if (start > 0) {
		rc = store_hvtask_find_run(st, start, stop, IMPORT_SLACK_NS, &run, err,
					   sizeof(err));
		if (rc < 0) {
			log_warnx("%s", err);
			return 1;
		}
		if (rc > 0)
			run = 0;
	}

	memset(&t, 0, sizeof(t));
	t.session_id = run;
	if (have_upid) {
		t.upid = import_basename(path);
		t.node = u.node;
		t.type = u.type;
		t.id = u.id[0] != '\0' ? u.id : NULL;
		t.user = u.user;
	}
	t.source = path;
	t.start_ns = start;
	t.end_ns = stop;
	t.status = hvparse_task_status_name(f->task_status);
	t.warnings = f->task_status == HV_TASK_WARNINGS ? f->task_warnings : -1;
	t.error = f->task_error[0] != '\0'    ? f->task_error
		  : f->first_error[0] != '\0' ? f->first_error
					      : NULL;
	t.error_lines = f->error_lines;
	t.warn_lines = f->warn_lines;
	t.downtime_ms = f->downtime_ms;
	t.downtime_src = hvparse_source_name(f->downtime_src);
	t.duration_ms = f->duration_ms;
	t.transferred_bytes = f->transferred_bytes;
	t.backup_vmid = f->backup_vmid;
	t.backup_duration_ms = f->backup_duration_ms;
	t.backup_transfer_ms = f->backup_transfer_ms;
	t.backup_bytes = f->backup_bytes;
	t.archive_bytes = f->archive_bytes;
	t.guest_pause_ms = f->guest_pause_ms;
	t.backup_job = import_backup_job(f->backup_job);
	if ((id = store_hvtask_put(st, &t, err, sizeof(err))) < 0) {
		log_warnx("%s", err);
		store_close(st);
		return 1;
	}
	store_close(st);
	if (run > 0)
		printf("task %" PRId64 ": %s, attached to run %" PRId64 "\n", id, t.status, run);
	else if (start > 0) {
		time_format_rfc3339(start, t0, sizeof(t0));
		time_format_rfc3339(stop, t1, sizeof(t1));
		printf("task %" PRId64 ": %s, no run covers it: stored as the window %s to %s\n",
		       id, t.status, t0, t1);
	} else
		printf("task %" PRId64 ": %s, no time in the log: stored without a window\n", id,
		       t.status);
	hvparse_free(hp);
	free(buf);
	free(pathbuf);
	return 0;
}

/* `hamon import-journal FILE [--db FILE]`. */
int
cmd_import_journal(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = CLI_DB_DEFAULT;
	struct store_hvevent *ev;
	struct hv_figures *f;
	struct store *st;
	char *buf, *l, *nl, err[512], esc[256];
	size_t len, n, i, nev = 0, cap = 0, added, cnt[3] = { 0, 0, 0 }, first_bad = 0, lineno;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = cli_db_arg(optarg);
			break;
		case 'h':
			puts("usage: hamon import-journal FILE [--db FILE]");
			return 0;
		case ':':
			usage_error("import-journal: option %s needs a value", argv[optind - 1]);
		default:
			usage_error("import-journal: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		usage_error("usage: hamon import-journal FILE [--db FILE]");
	buf = import_read("import-journal", argv[optind], &len);
	log_escape(esc, sizeof(esc), argv[optind], strlen(argv[optind]));

	/* Each line alone: the events of one go into a fresh figures struct. */
	f = xmalloc(sizeof(*f));
	ev = NULL;
	for (l = buf, lineno = 1; l < buf + len; l = nl + 1, lineno++) {
		nl = memchr(l, '\n', (size_t)(buf + len - l));
		if (nl == NULL)
			nl = buf + len;
		n = (size_t)(nl - l);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		hvparse_figures_init(f);
		i = hvparse_journal_json(f, l, n);
		cnt[i]++;
		if (i == HV_JJ_NOT_JSON && first_bad == 0)
			first_bad = lineno;
		if (f->nha == 0)
			continue;
		if (nev == cap) {
			cap = cap ? cap * 2 : 64;
			ev = xreallocarray(ev, cap, sizeof(*ev));
		}
		ev[nev].ts_ns = f->ha[0].ts_ns;
		ev[nev].host = xstrdup(f->ha[0].host);
		ev[nev].kind = hvparse_ha_kind_name(f->ha[0].kind);
		ev[nev].subject = xstrdup(f->ha[0].subject);
		ev[nev].from = xstrdup(f->ha[0].from);
		ev[nev].to = xstrdup(f->ha[0].to);
		ev[nev].node = xstrdup(f->ha[0].node);
		nev++;
	}
	if (cnt[HV_JJ_HA] + cnt[HV_JJ_OTHER] == 0)
		usage_error("import-journal: %s: not a journalctl -o json export (no JSON object "
			    "in %zu lines)",
			    esc, cnt[HV_JJ_NOT_JSON]);
	if (cnt[HV_JJ_NOT_JSON] > 0)
		log_warnx("import-journal: %s: %zu lines not JSON objects skipped (the first is "
			  "line %zu)",
			  esc, cnt[HV_JJ_NOT_JSON], first_bad);
	st = import_store(db);
	if (store_hvevents_put(st, ev, nev, &added, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		store_close(st);
		return 1;
	}
	store_close(st);
	printf("%zu HA events from %zu pve-ha-crm/pve-ha-lrm entries: %zu new, %zu already "
	       "stored; %zu other entries\n",
	       nev, cnt[HV_JJ_HA], added, nev - added, cnt[HV_JJ_OTHER]);
	for (i = 0; i < nev; i++) {
		free((char *)ev[i].host);
		free((char *)ev[i].subject);
		free((char *)ev[i].from);
		free((char *)ev[i].to);
		free((char *)ev[i].node);
	}
	free(ev);
	free(f);
	free(buf);
	return 0;
}
