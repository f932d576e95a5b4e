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
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/xalloc.h"
#include "report/hvparse.h"

/* QMP objects nest shallowly; anything deeper than this is not QMP. */
#define HVPARSE_JSON_DEPTH 64
/* Keys we track along the path to a value; deeper keys are not tracked. */
#define HVPARSE_JSON_PATH 4
#define HVPARSE_JSON_KEY 24

struct hvparse {
	struct hv_figures	 fig;
	struct hv_figures	 view;		/* fig plus the unterminated line */
	char			*line;		/* HVPARSE_LINE_MAX + 1 bytes */
	size_t			 len;
	int			 overlong;	/* skipping to the next LF */
};

/* A read position in one line; end is exclusive. */
struct hv_cur {
	const char	*p, *end;
};

/* What one QMP line said, collected before deciding anything, because QEMU
 * prints keys in hash order and "status" may come after "downtime". */
struct hv_qmp {
	int	ret_completed;
	int64_t	downtime, total, setup, transferred;
	char	event[HVPARSE_JSON_KEY];
	int64_t	ts_sec, ts_usec;
};

/* The key path of the JSON value being read. */
struct hv_jpath {
	int	n;
	char	key[HVPARSE_JSON_PATH][HVPARSE_JSON_KEY];
};

static const char *const hvparse_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* ---- small cursor helpers ------------------------------------------------ */

/* Consume literal s if the cursor is at it. */
static int
hvparse_lit(struct hv_cur *c, const char *s)
{
	size_t	n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return (0);
	c->p += n;
	return (1);
}

/* Whether the cursor is at the end of the line. */
static int
hvparse_at_end(const struct hv_cur *c)
{
	return (c->p == c->end);
}

/* Whether the rest of the line is exactly s. */
static int
hvparse_rest_is(struct hv_cur *c, const char *s)
{
	struct hv_cur	t = *c;

	if (!hvparse_lit(&t, s) || !hvparse_at_end(&t))
		return (0);
	*c = t;
	return (1);
}

/* Whether the line ends with s; if so, cut it off the end. */
static int
hvparse_cut_suffix(struct hv_cur *c, const char *s)
{
	size_t	n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->end - n, s, n) != 0)
		return (0);
	c->end -= n;
	return (1);
}

/* Read 1..maxd decimal digits as an unsigned number. */
static int
hvparse_uint(struct hv_cur *c, int maxd, int64_t *out)
{
	int64_t	v = 0;
	int	n = 0;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (n == maxd)
			return (0);
		v = v * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	if (n == 0)
		return (0);
	*out = v;
	return (1);
}

/* Read exactly n digits. */
static int
hvparse_digits(struct hv_cur *c, int n, int *out)
{
	int	v = 0, i;

	if (c->end - c->p < n)
		return (0);
	for (i = 0; i < n; i++) {
		if (c->p[i] < '0' || c->p[i] > '9')
			return (0);
		v = v * 10 + (c->p[i] - '0');
	}
	c->p += n;
	*out = v;
	return (1);
}

/* Read a whole line's rest as a number followed by nothing. */
static int
hvparse_uint_to_end(struct hv_cur *c, int maxd, int64_t *out)
{
	struct hv_cur	t = *c;
	int64_t		v;

	if (!hvparse_uint(&t, maxd, &v) || !hvparse_at_end(&t))
		return (0);
	*c = t;
	*out = v;
	return (1);
}

/* Copy the rest of the line into a fixed buffer, cut to fit. */
static void
hvparse_copy_rest(char *dst, size_t n, const struct hv_cur *c)
{
	size_t	len = (size_t)(c->end - c->p);

	if (len >= n)
		len = n - 1;
	memcpy(dst, c->p, len);
	dst[len] = '\0';
}

/* Read up to the byte stop (not consumed) into dst; it must be non-empty. */
static int
hvparse_word_until(struct hv_cur *c, char stop, char *dst, size_t n)
{
	const char	*q = c->p;
	size_t		 len;

	while (q < c->end && *q != stop)
		q++;
	if (q == c->end || q == c->p)
		return (0);
	len = (size_t)(q - c->p);
	if (len >= n)
		len = n - 1;
	memcpy(dst, c->p, len);
	dst[len] = '\0';
	c->p = q;
	return (1);
}

/* Read a non-empty run of non-space bytes into dst. */
static int
hvparse_word(struct hv_cur *c, char *dst, size_t n)
{
	const char	*q = c->p;
	size_t		 len;

	while (q < c->end && *q != ' ')
		q++;
	if (q == c->p)
		return (0);
	len = (size_t)(q - c->p);
	if (len >= n)
		len = n - 1;
	memcpy(dst, c->p, len);
	dst[len] = '\0';
	c->p = q;
	return (1);
}

/* Read "'<text>'" into dst. */
static int
hvparse_quoted(struct hv_cur *c, char *dst, size_t n)
{
	struct hv_cur	t = *c;

	if (!hvparse_lit(&t, "'") || !hvparse_word_until(&t, '\'', dst, n) ||
	    !hvparse_lit(&t, "'"))
		return (0);
	*c = t;
	return (1);
}

/* Read "HH:MM:SS" (hours may run past 99) as milliseconds. */
static int
hvparse_hms(struct hv_cur *c, int64_t *ms)
{
	struct hv_cur	t = *c;
	int64_t		h;
	int		m, s;

	if (!hvparse_uint(&t, 6, &h) || !hvparse_lit(&t, ":") || !hvparse_digits(&t, 2, &m) ||
	    !hvparse_lit(&t, ":") || !hvparse_digits(&t, 2, &s) || m > 59 || s > 59)
		return (0);
	*c = t;
	*ms = ((h * 60 + m) * 60 + s) * 1000;
	return (1);
}

/*
 * Read "<num><sep><unit>" with num = digits[.digits] (at most 3 decimals),
 * unit one of units[] (the first worth mult bytes, each next one 1024 times
 * more), as rounded bytes.
 * render_bytes (pve-common Format.pm:66-80): "%.1f %s" / "%.2f %s" with
 * B KiB MiB GiB TiB PiB; vzdump format_size (VZ:225-244): "%dKB", "%.2fGB".
 */
static int
hvparse_size(struct hv_cur *c, const char *sep, const char *const *units, int64_t mult,
    int64_t *out)
{
	struct hv_cur	t = *c;
	int64_t		ip, frac = 0, scale = 1;
	int		i;

	if (!hvparse_uint(&t, 6, &ip))
		return (0);
	if (hvparse_lit(&t, ".")) {
		for (i = 0; i < 3 && t.p < t.end && *t.p >= '0' && *t.p <= '9'; i++) {
			frac = frac * 10 + (*t.p++ - '0');
			scale *= 10;
		}
		if (i == 0 || (t.p < t.end && *t.p >= '0' && *t.p <= '9'))
			return (0);
	}
	if (!hvparse_lit(&t, sep))
		return (0);
	for (i = 0; units[i] != NULL; i++, mult *= 1024) {
		if (hvparse_lit(&t, units[i]))
			break;
	}
	if (units[i] == NULL || ip > INT64_MAX / mult - 1)
		return (0);
	*out = ip * mult + (frac * mult + scale / 2) / scale;
	*c = t;
	return (1);
}

/* render_bytes units, "1.2 GiB". */
static int
hvparse_render_bytes(struct hv_cur *c, int64_t *out)
{
	static const char *const	units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", NULL };

	return (hvparse_size(c, " ", units, 1, out));
}

/* ---- line framing --------------------------------------------------------- */

/* Read the task-log time prefix "%F %H:%M:%S " (AM:21-25). */
static int
hvparse_stamp_iso(struct hv_cur *c, struct hv_stamp *st)
{
	struct hv_cur	t = *c;
	struct hv_stamp	s = { 1, 0, 0, 0, 0, 0, 0 };

	if (!hvparse_digits(&t, 4, &s.year) || !hvparse_lit(&t, "-") ||
	    !hvparse_digits(&t, 2, &s.mon) || !hvparse_lit(&t, "-") ||
	    !hvparse_digits(&t, 2, &s.mday) || !hvparse_lit(&t, " ") ||
	    !hvparse_digits(&t, 2, &s.hour) || !hvparse_lit(&t, ":") ||
	    !hvparse_digits(&t, 2, &s.min) || !hvparse_lit(&t, ":") ||
	    !hvparse_digits(&t, 2, &s.sec) || !hvparse_lit(&t, " "))
		return (0);
	if (s.mon < 1 || s.mon > 12 || s.mday < 1 || s.mday > 31 || s.hour > 23 ||
	    s.min > 59 || s.sec > 60)
		return (0);
	*st = s;
	*c = t;
	return (1);
}

/* Read the journal short-format time "Mon DD HH:MM:SS " (day may be space padded). */
static int
hvparse_stamp_syslog(struct hv_cur *c, struct hv_stamp *st)
{
	struct hv_cur	t = *c;
	struct hv_stamp	s = { 1, 0, 0, 0, 0, 0, 0 };
	int		i;

	for (i = 0; i < 12; i++) {
		if (hvparse_lit(&t, hvparse_months[i]))
			break;
	}
	if (i == 12 || !hvparse_lit(&t, " "))
		return (0);
	s.mon = i + 1;
	if (hvparse_lit(&t, " ")) {
		if (!hvparse_digits(&t, 1, &s.mday))
			return (0);
	} else if (!hvparse_digits(&t, 2, &s.mday))
		return (0);
	if (!hvparse_lit(&t, " ") || !hvparse_digits(&t, 2, &s.hour) || !hvparse_lit(&t, ":") ||
	    !hvparse_digits(&t, 2, &s.min) || !hvparse_lit(&t, ":") ||
	    !hvparse_digits(&t, 2, &s.sec) || !hvparse_lit(&t, " "))
		return (0);
	if (s.mday < 1 || s.mday > 31 || s.hour > 23 || s.min > 59 || s.sec > 60)
		return (0);
	*st = s;
	*c = t;
	return (1);
}

/* ---- qm migrate task log (section 1 of FORMATS.md) ------------------------- */

/* Remember a downtime limit; when the table is full the last slot takes it. */
static void
hvparse_add_limit(struct hv_figures *f, enum hv_limit_kind kind, int64_t ms,
    const struct hv_stamp *st)
{
	size_t	i = f->nlimits < HVPARSE_LIMITS_MAX ? f->nlimits++ : HVPARSE_LIMITS_MAX - 1;

	f->limits[i].kind = kind;
	f->limits[i].ms = ms;
	f->limits[i].when = *st;
}

/* Read "N ms" to the end of the line. */
static int
hvparse_ms_to_end(struct hv_cur *c, int64_t *ms)
{
	struct hv_cur	t = *c;

	if (!hvparse_uint(&t, 9, ms) || !hvparse_rest_is(&t, " ms"))
		return (0);
	*c = t;
	return (1);
}

/* A migrate message at INFO level (after the time prefix). */
static void
hvparse_migrate_msg(struct hv_figures *f, struct hv_cur c, const struct hv_stamp *st)
{
	struct hv_cur	t;
	int64_t		v;

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
		static const char *const	mb[] = { "MB/s", NULL };
		int64_t				rate;

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
		int64_t	vfio;

		if (!hvparse_render_bytes(&c, &v) || !hvparse_lit(&c, " VM-state"))
			return;
		if (hvparse_at_end(&c) || (hvparse_lit(&c, " (+ ") &&
		    hvparse_render_bytes(&c, &vfio) && hvparse_rest_is(&c, " VFIO-state)"))) {
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
static void
hvparse_migrate_error(struct hv_figures *f, struct hv_cur c)
{
	int64_t	v;

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
	struct hv_cur	t = *c;
	int64_t		s;

	if (hvparse_lit(&t, "<1"))
		s = 0;
	else if (!hvparse_uint(&t, 9, &s))
		return (0);
	if (!hvparse_lit(&t, " seconds"))
		return (0);
	*ms = s * 1000;
	*c = t;
	return (1);
}

/* A vzdump message at INFO level. */
static void
hvparse_vzdump_msg(struct hv_figures *f, struct hv_cur c)
{
	static const char *const	fsz[] = { "KB", "MB", "GB", "TB", NULL };
	char				type[sizeof(f->backup_type)];
	int64_t				v, id, ms;

	/* VZ:1060 "Starting Backup of VM $vmid ($vmtype)" */
	if (hvparse_lit(&c, "Starting Backup of VM ")) {
		if (hvparse_uint(&c, 9, &id) && hvparse_lit(&c, " (") &&
		    hvparse_word_until(&c, ')', type, sizeof(type)) && hvparse_rest_is(&c, ")")) {
			f->backup_vmid = (long)id;
			memcpy(f->backup_type, type, sizeof(type));
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
		if (hvparse_uint(&c, 18, &v) && hvparse_lit(&c, " (") && hvparse_cut_suffix(&c, ")"))
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
static void
hvparse_vzdump_error(struct hv_figures *f, struct hv_cur c)
{
	int64_t	id;

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

/* ---- HA journal (section 3 of FORMATS.md) ---------------------------------- */

/* Append an HA event, counting those that do not fit. */
static void
hvparse_add_ha(struct hv_figures *f, const struct hv_ha_event *ev)
{
	if (f->nha == HVPARSE_HA_MAX) {
		f->ha_dropped++;
		return;
	}
	f->ha[f->nha++] = *ev;
}

/* Find "node = X" in the "(k = v, k = v)" tail of a service change. */
static void
hvparse_ha_node(struct hv_cur c, char *dst, size_t n)
{
	while (c.p < c.end) {
		if (hvparse_lit(&c, "node = ")) {
			const char	*q = c.p;

			while (q < c.end && *q != ',')
				q++;
			c.end = q;
			hvparse_copy_rest(dst, n, &c);
			return;
		}
		while (c.p < c.end && *c.p != ',')
			c.p++;
		if (!hvparse_lit(&c, ", "))
			return;
	}
}

/* One pve-ha-crm / pve-ha-lrm message. */
static void
hvparse_ha_msg(struct hv_figures *f, struct hv_cur c, struct hv_ha_event *ev)
{
	struct hv_cur	t;
	int64_t		v;

	/* NodeStatus.pm:131 "node '<n>': state changed from '<old>' => '<new>'" */
	t = c;
	if (hvparse_lit(&t, "node ") && hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) &&
	    hvparse_lit(&t, ": state changed from ")) {
		ev->kind = HV_HA_NODE_STATE;
		if (hvparse_quoted(&t, ev->from, sizeof(ev->from)) && hvparse_lit(&t, " => ") &&
		    hvparse_quoted(&t, ev->to, sizeof(ev->to)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* Manager.pm:505-522 "service '<sid>': state changed from '<old>' to '<new>'"
	 * plus an optional "  (k = v, k = v)" after two spaces. */
	t = c;
	if (hvparse_lit(&t, "service ") && hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) &&
	    hvparse_lit(&t, ": state changed from ")) {
		ev->kind = HV_HA_SERVICE_STATE;
		if (!hvparse_quoted(&t, ev->from, sizeof(ev->from)) || !hvparse_lit(&t, " to ") ||
		    !hvparse_quoted(&t, ev->to, sizeof(ev->to)))
			return;
		if (!hvparse_at_end(&t)) {
			if (!hvparse_lit(&t, "  (") || !hvparse_cut_suffix(&t, ")"))
				return;
			hvparse_ha_node(t, ev->node, sizeof(ev->node));
		}
		hvparse_add_ha(f, ev);
		return;
	}
	/* NodeStatus.pm:270 "fencing: acknowledged - got agent lock for node '<n>'" */
	t = c;
	if (hvparse_lit(&t, "fencing: acknowledged - got agent lock for node ")) {
		ev->kind = HV_HA_FENCE_ACK;
		if (hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* Manager.pm:1632 "recover service '<sid>' from fenced node '<a>' to node '<b>'" */
	t = c;
	if (hvparse_lit(&t, "recover service ")) {
		ev->kind = HV_HA_RECOVER;
		if (hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) &&
		    hvparse_lit(&t, " from fenced node ") &&
		    hvparse_quoted(&t, ev->from, sizeof(ev->from)) && hvparse_lit(&t, " to node ") &&
		    hvparse_quoted(&t, ev->to, sizeof(ev->to)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* Manager.pm:1651 "recovering service '<sid>' from fenced node '<a>' failed,
	 * no recovery node found" */
	t = c;
	if (hvparse_lit(&t, "recovering service ")) {
		ev->kind = HV_HA_RECOVER_FAILED;
		if (hvparse_quoted(&t, ev->subject, sizeof(ev->subject)) &&
		    hvparse_lit(&t, " from fenced node ") &&
		    hvparse_quoted(&t, ev->from, sizeof(ev->from)) &&
		    hvparse_rest_is(&t, " failed, no recovery node found"))
			hvparse_add_ha(f, ev);
		return;
	}
	/* LRM.pm:956 "starting service <sid>" */
	t = c;
	if (hvparse_lit(&t, "starting service ")) {
		ev->kind = HV_HA_STARTING;
		if (hvparse_word(&t, ev->subject, sizeof(ev->subject)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* LRM.pm:963 "service status <sid> started" */
	t = c;
	if (hvparse_lit(&t, "service status ")) {
		ev->kind = HV_HA_STARTED;
		if (hvparse_word(&t, ev->subject, sizeof(ev->subject)) &&
		    hvparse_rest_is(&t, " started"))
			hvparse_add_ha(f, ev);
		return;
	}
	/* LRM.pm:966 "unable to start service <sid>" */
	t = c;
	if (hvparse_lit(&t, "unable to start service ")) {
		ev->kind = HV_HA_START_FAILED;
		if (hvparse_word(&t, ev->subject, sizeof(ev->subject)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
	/* QemuServer.pm:5887 "VM <vmid> started with PID <pid> using <package>." */
	t = c;
	if (hvparse_lit(&t, "VM ")) {
		ev->kind = HV_HA_VM_STARTED;
		if (hvparse_word(&t, ev->subject, sizeof(ev->subject)) &&
		    hvparse_lit(&t, " started with PID ") && hvparse_uint(&t, 10, &v) &&
		    hvparse_lit(&t, " using ") && hvparse_cut_suffix(&t, ".") &&
		    hvparse_word(&t, ev->to, sizeof(ev->to)) && hvparse_at_end(&t))
			hvparse_add_ha(f, ev);
		return;
	}
}

/*
 * A journal line "Mon DD HH:MM:SS host ident[PID]: msg" (journalctl short
 * format of PVE::HA::Env::PVE2::log, PVE2.pm:274-280). Only the HA daemons'
 * idents count: the same words from another program are not HA events.
 */
static int
hvparse_journal_line(struct hv_figures *f, struct hv_cur c)
{
	struct hv_ha_event	ev;
	int64_t			pid;

	memset(&ev, 0, sizeof(ev));
	if (!hvparse_stamp_syslog(&c, &ev.when) || !hvparse_word(&c, ev.host, sizeof(ev.host)) ||
	    !hvparse_lit(&c, " "))
		return (0);
	if (!hvparse_lit(&c, "pve-ha-crm[") && !hvparse_lit(&c, "pve-ha-lrm["))
		return (1);
	if (hvparse_uint(&c, 10, &pid) && hvparse_lit(&c, "]: "))
		hvparse_ha_msg(f, c, &ev);
	return (1);
}

/* ---- QMP JSON (section 4 of FORMATS.md) ------------------------------------ */

/* Skip JSON white space. */
static void
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
		return (ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (ch - 'a' + 10);
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	return (-1);
}

/*
 * Read a JSON string, checking its grammar. Its text goes to dst (cut to n,
 * escapes other than printable ASCII become '?'; dst may be NULL). A text
 * that did not fit is made empty, so that it can never match a key.
 */
static int
hvparse_json_string(struct hv_cur *c, char *dst, size_t n)
{
	size_t	o = 0;
	int	fits = 1, i, u;
	char	ch;

	if (!hvparse_lit(c, "\""))
		return (0);
	for (;;) {
		if (c->p == c->end)
			return (0);
		ch = *c->p++;
		if (ch == '"')
			break;
		if ((unsigned char)ch < 0x20)
			return (0);
		if (ch == '\\') {
			if (c->p == c->end)
				return (0);
			ch = *c->p++;
			switch (ch) {
			case '"': case '\\': case '/':
				break;
			case 'b': case 'f': case 'n': case 'r': case 't':
				ch = '?';
				break;
			case 'u':
				for (i = 0, u = 0; i < 4; i++) {
					if (c->p == c->end || hvparse_hex(*c->p) < 0)
						return (0);
					u = u * 16 + hvparse_hex(*c->p++);
				}
				ch = (u >= 0x20 && u < 0x7f) ? (char)u : '?';
				break;
			default:
				return (0);
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
	return (1);
}

/* Read a JSON number; *iv is set and *is_int true for a plain integer of at most 18 digits. */
static int
hvparse_json_number(struct hv_cur *c, int64_t *iv, int *is_int)
{
	int	neg = 0, nd = 0;
	int64_t	v = 0;

	*is_int = 1;
	if (hvparse_lit(c, "-"))
		neg = 1;
	if (c->p == c->end || *c->p < '0' || *c->p > '9')
		return (0);
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
			return (0);
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		*is_int = 0;
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p == c->end || *c->p < '0' || *c->p > '9')
			return (0);
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	*iv = neg ? -v : v;
	return (1);
}

/*
 * Whether the path is exactly the keys given (NULL-terminated, at most 3).
 * A leading "qmp" is skipped: qmp-events.jsonl wraps each message as
 * {"host", "role", "dir", "qmp": {...}}.
 */
static int
hvparse_jpath_is(const struct hv_jpath *jp, const char *k0, const char *k1, const char *k2)
{
	const char	*want[3] = { k0, k1, k2 };
	int		 off = 0, n = 0, i;

	while (n < 3 && want[n] != NULL)
		n++;
	if (jp->n >= 1 && strcmp(jp->key[0], "qmp") == 0)
		off = 1;
	if (jp->n - off != n || jp->n > HVPARSE_JSON_PATH)
		return (0);
	for (i = 0; i < n; i++) {
		if (strcmp(jp->key[off + i], want[i]) != 0)
			return (0);
	}
	return (1);
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
	char	buf[HVPARSE_JSON_KEY];
	int64_t	iv;
	int	is_int, first;

	if (d >= HVPARSE_JSON_DEPTH)
		return (0);
	hvparse_json_ws(c);
	if (c->p == c->end)
		return (0);
	switch (*c->p) {
	case '{':
	case '[':
		{
			char	close = *c->p == '{' ? '}' : ']';
			int	obj = *c->p == '{';

			c->p++;
			hvparse_json_ws(c);
			if (hvparse_lit(c, close == '}' ? "}" : "]"))
				return (1);
			for (first = 1;; first = 0) {
				if (!first) {
					hvparse_json_ws(c);
					if (hvparse_lit(c, close == '}' ? "}" : "]"))
						return (1);
					if (!hvparse_lit(c, ","))
						return (0);
				}
				hvparse_json_ws(c);
				if (jp->n < HVPARSE_JSON_PATH) {
					if (obj) {
						if (!hvparse_json_string(c, jp->key[jp->n],
						    sizeof(jp->key[0])))
							return (0);
					} else
						snprintf(jp->key[jp->n], sizeof(jp->key[0]), "[]");
				} else if (obj && !hvparse_json_string(c, NULL, 0))
					return (0);
				if (obj) {
					hvparse_json_ws(c);
					if (!hvparse_lit(c, ":"))
						return (0);
				}
				jp->n++;
				if (!hvparse_json_value(c, d + 1, jp, q)) {
					jp->n--;
					return (0);
				}
				jp->n--;
			}
		}
	case '"':
		if (!hvparse_json_string(c, buf, sizeof(buf)))
			return (0);
		hvparse_qmp_string(q, jp, buf);
		return (1);
	case 't':
		return (hvparse_lit(c, "true"));
	case 'f':
		return (hvparse_lit(c, "false"));
	case 'n':
		return (hvparse_lit(c, "null"));
	default:
		if (!hvparse_json_number(c, &iv, &is_int))
			return (0);
		if (is_int)
			hvparse_qmp_int(q, jp, iv);
		return (1);
	}
}

/*
 * A line holding one JSON object: a QMP reply or event, raw or in the
 * qmp-events envelope. The downtime counts only from a query-migrate
 * {"return": {"status": "completed", "downtime": N}}: while active QEMU
 * reports "expected-downtime" instead, and that is a forecast.
 */
static void
hvparse_qmp_line(struct hv_figures *f, struct hv_cur c)
{
	struct hv_qmp	q;
	struct hv_jpath	jp;
	int64_t		ns;

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

/* ---- one line ------------------------------------------------------------- */

/* Read one complete line (without its LF). */
static void
hvparse_line(struct hv_figures *f, const char *s, size_t len)
{
	struct hv_cur	c = { s, s + len }, t;
	struct hv_stamp	st = { 0, 0, 0, 0, 0, 0, 0 };
	int64_t		v;
	int		stamped;

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
	return (f->downtime_ms >= 0 || f->duration_ms >= 0 || f->transferred_bytes >= 0 ||
	    f->qmp_total_ms >= 0 || f->qmp_stop_ns >= 0 || f->qmp_resume_ns >= 0 ||
	    f->nlimits > 0 || f->migrate_error[0] != '\0' || f->task_status != HV_TASK_UNKNOWN ||
	    f->error_lines > 0 || f->backup_vmid >= 0 || f->backup_duration_ms >= 0 ||
	    f->archive_bytes >= 0 || f->backup_bytes >= 0 || f->guest_pause_ms >= 0 ||
	    f->backup_job != HV_BACKUP_UNKNOWN || f->nha > 0);
}

/* A parser with nothing read yet. */
struct hvparse *
hvparse_new(void)
{
	struct hvparse	*p = xcalloc(1, sizeof(*p));

	p->line = xmalloc(HVPARSE_LINE_MAX + 1);
	hvparse_figures_init(&p->fig);
	return (p);
}

/* Cut the input into lines and read each complete one. */
void
hvparse_feed(struct hvparse *p, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 n;

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
	return (&p->view);
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
	struct tm	tm;
	time_t		t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = st->mon - 1;
	tm.tm_mday = st->mday;
	tm.tm_hour = st->hour;
	tm.tm_min = st->min;
	tm.tm_sec = st->sec;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1 || tm.tm_mday != st->mday || tm.tm_mon != st->mon - 1)
		return (-1);
	*out = (int64_t)t * 1000000000LL;
	return (0);
}

/* The stamp as real-time ns; a year-less stamp takes the year nearest near_ns. */
int
hvparse_stamp_to_ns(const struct hv_stamp *st, int64_t near_ns, int64_t *out_ns)
{
	struct tm	tm;
	time_t		t = (time_t)(near_ns / 1000000000LL);
	int64_t		v, best = 0, bd = -1, d;
	int		y;

	if (st == NULL || !st->set || st->mon < 1 || st->mon > 12)
		return (-1);
	if (st->year != 0)
		return (hvparse_stamp_mktime(st, st->year, out_ns));
	if (localtime_r(&t, &tm) == NULL)
		return (-1);
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
		return (-1);
	*out_ns = best;
	return (0);
}

/* "ok", "warnings", "error" or "unknown". */
const char *
hvparse_task_status_name(enum hv_task_status s)
{
	switch (s) {
	case HV_TASK_OK:
		return ("ok");
	case HV_TASK_WARNINGS:
		return ("warnings");
	case HV_TASK_ERROR:
		return ("error");
	default:
		return ("unknown");
	}
}

/* A short name for an HA event kind. */
const char *
hvparse_ha_kind_name(enum hv_ha_kind k)
{
	static const char *const	names[] = {
		"node-state", "service-state", "fence-ack", "recover", "recover-failed",
		"starting", "started", "start-failed", "vm-started",
	};

	return ((unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?");
}

/* "set", "capped" or "auto". */
const char *
hvparse_limit_kind_name(enum hv_limit_kind k)
{
	switch (k) {
	case HV_LIMIT_SET:
		return ("set");
	case HV_LIMIT_CAPPED:
		return ("capped");
	case HV_LIMIT_AUTO:
		return ("auto");
	}
	return ("?");
}

/* "tasklog", "qmp" or "none". */
const char *
hvparse_source_name(enum hv_source s)
{
	switch (s) {
	case HV_SRC_TASKLOG:
		return ("tasklog");
	case HV_SRC_QMP:
		return ("qmp");
	default:
		return ("none");
	}
}
