/*
 * render.c: a run report or an aggregate as text, JSON, CSV or Markdown
 * (HTML is in render_html.c), and the escaping every format needs.
 *
 * Every string that came from outside (labels, target names, URLs, the
 * command line, text from the command's output) goes through
 * runreport_write_escaped() for the format at hand; numbers are printed
 * directly.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "report/runreport.h"

/* Loss periods listed per target in text and Markdown before "N more". */
#define RENDER_LOSS_ROWS 50

/* One row of the hypervisor summary: a label and a raw (unescaped) value. */
struct render_kv {
	const char	*key;
	char		 val[HVPARSE_TEXT_MAX + 96];
};

#define RENDER_KV_MAX 24

static const char *const render_window_names[RR_NWINDOWS] = { "before", "during", "after" };

/* ---- escaping ---------------------------------------------------------------- */

/*
 * Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid.
 * Overlong forms, surrogates and code points past U+10FFFF are invalid.
 * *cp gets the code point.
 */
static size_t
render_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	c;
	size_t		len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return (0);
	if (n < len)
		return (0);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (len);
}

/* Text and Markdown: printable ASCII and printable UTF-8 as is, the rest \xNN. */
static void
render_esc_plain(FILE *out, const char *str, int md)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), i = 0, len;
	uint32_t		 cp;

	while (i < n) {
		len = render_utf8(s + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			fprintf(out, md ? "\\\\x%02x" : "\\x%02x", s[i]);
			i++;
			continue;
		}
		if (cp == '\\')
			fputs("\\\\", out);
		else if (md && cp == '&')
			fputs("&amp;", out);
		else if (md && strchr("`*_[]<>|~#", (int)cp) != NULL)
			fprintf(out, "\\%c", (int)cp);
		else
			fwrite(s + i, 1, len, out);
		i += len;
	}
}

/* JSON string literal (RFC 8259): controls as \u00XX, invalid UTF-8 as U+FFFD. */
static void
render_esc_json(FILE *out, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), i = 0, len;
	uint32_t		 cp;

	fputc('"', out);
	while (i < n) {
		len = render_utf8(s + i, n - i, &cp);
		if (len == 0) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (int)cp);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (cp < 0x20 || cp == 0x7f)
			fprintf(out, "\\u%04x", (unsigned)cp);
		else
			fwrite(s + i, 1, len, out);
		i += len;
	}
	fputc('"', out);
}

/* CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF. */
static void
render_esc_csv(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* HTML text or attribute value: the five specials as entities, controls as
 * \xNN, invalid UTF-8 as U+FFFD. */
static void
render_esc_html(FILE *out, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), i = 0, len;
	uint32_t		 cp;

	while (i < n) {
		len = render_utf8(s + i, n - i, &cp);
		if (len == 0) {
			fputs("&#xfffd;", out);
			i++;
			continue;
		}
		switch (cp) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
				fprintf(out, "\\x%02x", s[i]);
			else
				fwrite(s + i, 1, len, out);
		}
		i += len;
	}
}

/* Write outside text escaped for fmt. */
void
runreport_write_escaped(FILE *out, enum rr_format fmt, const char *s)
{
	if (s == NULL)
		s = "";
	switch (fmt) {
	case RR_FMT_JSON:
		render_esc_json(out, s);
		break;
	case RR_FMT_CSV:
		render_esc_csv(out, s);
		break;
	case RR_FMT_HTML:
		render_esc_html(out, s);
		break;
	case RR_FMT_MD:
		render_esc_plain(out, s, 1);
		break;
	default:
		render_esc_plain(out, s, 0);
		break;
	}
}

/* Display width of s once escaped for text (for column alignment). */
static int
render_text_width(const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), i = 0, len;
	uint32_t		 cp;
	int			 w = 0;

	while (i < n) {
		len = render_utf8(s + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			w += 4;
			i++;
			continue;
		}
		w += cp == '\\' ? 2 : 1;
		i += len;
	}
	return (w);
}

/* Escaped text padded with spaces to width w. */
static void
render_text_pad(FILE *out, const char *s, int w)
{
	render_esc_plain(out, s, 0);
	for (w -= render_text_width(s); w > 0; w--)
		fputc(' ', out);
}

/* ---- number and time formatting ------------------------------------------------- */

/* Milliseconds with 3 decimals ("45.000"), or "null"/"" for unknown (< 0 when !neg). */
static const char *
render_ms(char *buf, size_t n, int64_t ns, int known, const char *unknown)
{
	if (!known) {
		snprintf(buf, n, "%s", unknown);
		return (buf);
	}
	duration_format_ms(ns, buf, n);
	return (buf);
}

/* A human duration, or "-" when unknown. */
static const char *
render_dur(char *buf, size_t n, int64_t ns, int known)
{
	if (!known)
		snprintf(buf, n, "-");
	else
		duration_format(ns, buf, n);
	return (buf);
}

/* "2.9 GiB" with binary units. */
static const char *
render_bytes(char *buf, size_t n, int64_t b)
{
	static const char *const	units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double				v = (double)b;
	int				u = -1;

	if (b < 1024) {
		snprintf(buf, n, "%" PRId64 " B", b);
		return (buf);
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, "%.1f %s", v, units[u]);
	return (buf);
}

/* Local time "2026-11-25 22:13:47.123", or "-" for 0. */
static const char *
render_local(char *buf, size_t n, int64_t ns)
{
	if (ns == 0 || ns == -1)
		snprintf(buf, n, "-");
	else
		time_format_local(ns, buf, n);
	return (buf);
}

/* A hypervisor stamp as printed: "2025-09-10 00:34:06" or "09-10 00:50:21". */
static const char *
render_stamp(char *buf, size_t n, const struct hv_stamp *st)
{
	if (!st->set)
		snprintf(buf, n, "-");
	else if (st->year != 0)
		snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", st->year, st->mon, st->mday,
		    st->hour, st->min, st->sec);
	else
		snprintf(buf, n, "%02d-%02d %02d:%02d:%02d", st->mon, st->mday, st->hour, st->min,
		    st->sec);
	return (buf);
}

/* ---- shared views ------------------------------------------------------------ */

/* The STOP -> RESUME pause from QMP events, or -1. */
static int64_t
render_qmp_pause(const struct hv_figures *f)
{
	if (f->qmp_stop_ns < 0 || f->qmp_resume_ns < f->qmp_stop_ns)
		return (-1);
	return (f->qmp_resume_ns - f->qmp_stop_ns);
}

/* Append one summary row. */
static struct render_kv *
render_kv_add(struct render_kv *kv, size_t *n, const char *key)
{
	struct render_kv	*e = &kv[(*n)++];

	e->key = key;
	e->val[0] = '\0';
	return (e);
}

/* The hypervisor figures as human rows (values unescaped); returns the count. */
static size_t
render_hv_rows(const struct hv_figures *f, struct render_kv *kv)
{
	struct render_kv	*e;
	char			 a[64], b[64];
	size_t			 n = 0, i, o;

	if (f->downtime_ms >= 0) {
		e = render_kv_add(kv, &n, "QEMU downtime");
		snprintf(e->val, sizeof(e->val), "%" PRId64 " ms (%s%s)", f->downtime_ms,
		    f->downtime_src == HV_SRC_QMP ? "query-migrate" : "task log",
		    f->downtime_count > 1 ? ", last of several" : "");
	}
	if (render_qmp_pause(f) >= 0) {
		e = render_kv_add(kv, &n, "Paused STOP to RESUME");
		snprintf(e->val, sizeof(e->val), "%s (QMP events)",
		    render_dur(a, sizeof(a), render_qmp_pause(f), 1));
	}
	if (f->duration_ms >= 0) {
		e = render_kv_add(kv, &n, "Migration task");
		snprintf(e->val, sizeof(e->val), "%s (whole task, 1 s resolution)",
		    render_dur(a, sizeof(a), f->duration_ms * NSEC_PER_MSEC, 1));
	}
	if (f->qmp_total_ms >= 0) {
		e = render_kv_add(kv, &n, "QEMU total time");
		snprintf(e->val, sizeof(e->val), "%s",
		    render_dur(a, sizeof(a), f->qmp_total_ms * NSEC_PER_MSEC, 1));
	}
	if (f->transferred_bytes >= 0) {
		e = render_kv_add(kv, &n, "Transferred");
		snprintf(e->val, sizeof(e->val), "%s (%" PRId64 " bytes%s)",
		    render_bytes(a, sizeof(a), f->transferred_bytes), f->transferred_bytes,
		    f->transferred_src == HV_SRC_TASKLOG ? ", as rounded in the task log" : "");
	}
	if (f->speed_limit_bps >= 0) {
		e = render_kv_add(kv, &n, "Speed limit");
		snprintf(e->val, sizeof(e->val), "%s/s", render_bytes(a, sizeof(a), f->speed_limit_bps));
	}
	if (f->nlimits > 0) {
		e = render_kv_add(kv, &n, "Downtime limit");
		for (i = 0, o = 0; i < f->nlimits && o < sizeof(e->val); i++)
			o += (size_t)snprintf(e->val + o, sizeof(e->val) - o, "%s%" PRId64 " ms (%s)",
			    i > 0 ? ", " : "", f->limits[i].ms, hvparse_limit_kind_name(f->limits[i].kind));
	}
	if (f->migrate_error[0] != '\0') {
		e = render_kv_add(kv, &n, "Migration error");
		snprintf(e->val, sizeof(e->val), "%s", f->migrate_error);
	}
	if (f->backup_vmid >= 0) {
		e = render_kv_add(kv, &n, "Backup");
		snprintf(e->val, sizeof(e->val), "VM %ld%s%s%s, %u finished, %u failed", f->backup_vmid,
		    f->backup_type[0] ? " (" : "", f->backup_type, f->backup_type[0] ? ")" : "",
		    f->backup_count, f->backup_failed);
	}
	if (f->backup_duration_ms >= 0) {
		e = render_kv_add(kv, &n, "Backup duration");
		snprintf(e->val, sizeof(e->val), "%s",
		    render_dur(a, sizeof(a), f->backup_duration_ms * NSEC_PER_MSEC, 1));
	}
	if (f->backup_bytes >= 0 || f->backup_transfer_ms >= 0) {
		e = render_kv_add(kv, &n, "Backup data");
		snprintf(e->val, sizeof(e->val), "%s%s%s",
		    f->backup_bytes >= 0 ? render_bytes(a, sizeof(a), f->backup_bytes) : "?",
		    f->backup_transfer_ms >= 0 ? " in " : "",
		    f->backup_transfer_ms >= 0 ?
		    render_dur(b, sizeof(b), f->backup_transfer_ms * NSEC_PER_MSEC, 1) : "");
	}
	if (f->archive_bytes >= 0) {
		e = render_kv_add(kv, &n, "Archive size");
		snprintf(e->val, sizeof(e->val), "%s", render_bytes(a, sizeof(a), f->archive_bytes));
	}
	if (f->guest_pause_ms >= 0) {
		e = render_kv_add(kv, &n, "Guest paused");
		snprintf(e->val, sizeof(e->val), "%s",
		    render_dur(a, sizeof(a), f->guest_pause_ms * NSEC_PER_MSEC, 1));
	}
	if (f->backup_job != HV_BACKUP_UNKNOWN) {
		e = render_kv_add(kv, &n, "Backup job");
		snprintf(e->val, sizeof(e->val), "%s", f->backup_job == HV_BACKUP_OK ?
		    "finished successfully" : f->backup_job == HV_BACKUP_ERRORS ?
		    "finished with errors" : "failed");
	}
	if (f->task_status != HV_TASK_UNKNOWN) {
		e = render_kv_add(kv, &n, "Task status");
		if (f->task_status == HV_TASK_ERROR)
			snprintf(e->val, sizeof(e->val), "ERROR: %s", f->task_error);
		else if (f->task_status == HV_TASK_WARNINGS)
			snprintf(e->val, sizeof(e->val), "WARNINGS: %ld", f->task_warnings);
		else
			snprintf(e->val, sizeof(e->val), "OK");
	}
	if (f->error_lines > 0) {
		e = render_kv_add(kv, &n, "Error lines");
		snprintf(e->val, sizeof(e->val), "%u (first: %s)", f->error_lines, f->first_error);
	}
	if (f->warn_lines > 0) {
		e = render_kv_add(kv, &n, "Warning lines");
		snprintf(e->val, sizeof(e->val), "%u", f->warn_lines);
	}
	if (f->nha > 0) {
		e = render_kv_add(kv, &n, "HA events");
		snprintf(e->val, sizeof(e->val), "%zu%s", f->nha + f->ha_dropped,
		    f->ha_dropped > 0 ? " (first ones listed)" : "");
	}
	return (n);
}

/* What an HA event says, as one raw line. */
static void
render_ha_text(const struct hv_ha_event *ev, char *buf, size_t n)
{
	switch (ev->kind) {
	case HV_HA_NODE_STATE:
		snprintf(buf, n, "node %s: %s => %s", ev->subject, ev->from, ev->to);
		break;
	case HV_HA_SERVICE_STATE:
		snprintf(buf, n, "service %s: %s -> %s%s%s", ev->subject, ev->from, ev->to,
		    ev->node[0] ? " on " : "", ev->node);
		break;
	case HV_HA_FENCE_ACK:
		snprintf(buf, n, "node %s fenced (agent lock acquired)", ev->subject);
		break;
	case HV_HA_RECOVER:
		snprintf(buf, n, "recover %s from %s to %s", ev->subject, ev->from, ev->to);
		break;
	case HV_HA_RECOVER_FAILED:
		snprintf(buf, n, "recovering %s from %s failed: no node", ev->subject, ev->from);
		break;
	case HV_HA_STARTING:
		snprintf(buf, n, "starting %s", ev->subject);
		break;
	case HV_HA_STARTED:
		snprintf(buf, n, "%s started", ev->subject);
		break;
	case HV_HA_START_FAILED:
		snprintf(buf, n, "unable to start %s", ev->subject);
		break;
	case HV_HA_VM_STARTED:
		snprintf(buf, n, "VM %s process started (%s)", ev->subject, ev->to);
		break;
	}
}

/* The failover marker, or NULL. */
static const struct rr_marker *
render_failover_marker(const struct run_report *r)
{
	if (r->failover_index < 0 || (size_t)r->failover_index >= r->nmarkers)
		return (NULL);
	return (&r->markers[r->failover_index]);
}

/* ---- text --------------------------------------------------------------------- */

/* One "  key:  value" line with an escaped value. */
static void
render_text_kv(FILE *out, const char *key, const char *val)
{
	fprintf(out, "  %-22s ", key);
	render_esc_plain(out, val, 0);
	fputc('\n', out);
}

/* Widest target name, at least min. */
static int
render_name_width(const struct run_report *r, int min)
{
	size_t	i;
	int	w = min, x;

	for (i = 0; i < r->ntargets; i++) {
		if ((x = render_text_width(r->targets[i]->name)) > w)
			w = x;
	}
	return (w);
}

/* "p50 / p99 / max" of one window, in ms. */
static void
render_rtt_cell(char *buf, size_t n, const struct rr_rtt *w)
{
	char	a[32], b[32], c[32];

	if (w->n == 0) {
		snprintf(buf, n, "-");
		return;
	}
	snprintf(buf, n, "%s / %s / %s", render_ms(a, sizeof(a), w->p50_ns, 1, ""),
	    render_ms(b, sizeof(b), w->p99_ns, 1, ""), render_ms(c, sizeof(c), w->max_ns, 1, ""));
}

/* The run report as aligned text for a terminal. */
static void
render_text(const struct run_report *r, FILE *out)
{
	struct render_kv	 kv[RENDER_KV_MAX];
	const struct rr_marker	*fm = render_failover_marker(r);
	char			 a[64], b[64], c[64], d[64], e[64], line[256];
	size_t			 i, j, n;
	int			 w = render_name_width(r, 6), k;

	fprintf(out, "Run %" PRId64, r->id);
	if (r->label != NULL) {
		fputs("  ", out);
		render_esc_plain(out, r->label, 0);
	}
	fprintf(out, "  (%s)\n", runreport_kind_name(r->kind));
	if (r->command != NULL)
		render_text_kv(out, "command", r->command);
	render_text_kv(out, "started", render_local(a, sizeof(a), r->start_ns));
	snprintf(line, sizeof(line), "%s  (%s)", render_local(a, sizeof(a), r->end_ns),
	    render_dur(b, sizeof(b), r->end_ns - r->start_ns, r->end_ns >= r->start_ns &&
	    r->start_ns != 0));
	render_text_kv(out, "ended", line);
	if (r->exit_status >= 128)
		snprintf(line, sizeof(line), "%d (signal %d)", r->exit_status, r->exit_status - 128);
	else if (r->exit_status >= 0)
		snprintf(line, sizeof(line), "%d", r->exit_status);
	else
		snprintf(line, sizeof(line), "unknown");
	render_text_kv(out, "exit status", line);
	snprintf(line, sizeof(line), "%" PRIu64 " bytes", r->output_bytes);
	render_text_kv(out, "output", line);
	if (r->mon_start_ns != 0) {
		snprintf(line, sizeof(line), "%s .. %s", render_local(a, sizeof(a), r->mon_start_ns),
		    render_local(b, sizeof(b), r->mon_end_ns));
		render_text_kv(out, "monitored", line);
	}

	n = render_hv_rows(&r->hv, kv);
	if (n > 0) {
		fputs("\nHypervisor\n", out);
		for (i = 0; i < n; i++)
			render_text_kv(out, kv[i].key, kv[i].val);
		for (i = 0; i < r->hv.nha; i++) {
			render_ha_text(&r->hv.ha[i], line, sizeof(line));
			fprintf(out, "    %s  ", render_stamp(a, sizeof(a), &r->hv.ha[i].when));
			render_esc_plain(out, line, 0);
			fputc('\n', out);
		}
	}

	fprintf(out, "\nTargets\n  %-*s  %12s  %-25s  %6s  %7s  %12s  %8s  %6s\n", w, "TARGET",
	    "DOWNTIME", "BOUNDS", "BURSTS", "OUTAGES", "LONGEST GAP", "SENT", "LOST");
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		fputs("  ", out);
		render_text_pad(out, t->name, w);
		snprintf(line, sizeof(line), "[%s, %s]", render_dur(b, sizeof(b), t->downtime_lower_ns, 1),
		    render_dur(c, sizeof(c), t->downtime_upper_ns, 1));
		fprintf(out, "  %12s  %-25s  %6zu  %7zu  %12s  %8" PRIu64 "  %6" PRIu64 "\n",
		    render_dur(a, sizeof(a), t->downtime_ns, 1), line, t->ncount[RR_BURST],
		    t->ncount[RR_OUTAGE], render_dur(d, sizeof(d), t->longest_gap_ns,
		    t->longest_gap_ns >= 0), t->sent, t->lost);
	}

	fprintf(out, "\nRTT ms, p50 / p99 / max\n  %-*s  %-26s  %-26s  %-26s\n", w, "TARGET",
	    "BEFORE", "DURING", "AFTER");
	for (i = 0; i < r->ntargets; i++) {
		fputs("  ", out);
		render_text_pad(out, r->targets[i]->name, w);
		for (k = 0; k < RR_NWINDOWS; k++) {
			render_rtt_cell(line, sizeof(line), &r->targets[i]->rtt[k]);
			fprintf(out, "  %-26s", line);
		}
		fputc('\n', out);
	}

	if (fm != NULL) {
		fprintf(out, "\nFailover from marker \"");
		render_esc_plain(out, fm->label, 0);
		fprintf(out, "\" at %s\n  %-*s  %-12s  %-12s  %12s  %12s  %12s\n",
		    render_local(a, sizeof(a), fm->ts_ns), w, "TARGET", "LAST REPLY", "FIRST REPLY",
		    "TO LAST", "RECOVERY", "GAP");
		for (i = 0; i < r->ntargets; i++) {
			const struct rr_failover	*f = &r->targets[i]->failover;

			fputs("  ", out);
			render_text_pad(out, r->targets[i]->name, w);
			if (!f->valid) {
				fputs("  no outage after the marker\n", out);
				continue;
			}
			if (f->last_reply_ns >= 0)
				time_format_clock(f->last_reply_ns, a, sizeof(a));
			else
				snprintf(a, sizeof(a), "-");
			if (f->first_reply_ns >= 0)
				time_format_clock(f->first_reply_ns, b, sizeof(b));
			else
				snprintf(b, sizeof(b), "never");
			fprintf(out, "  %-12s  %-12s  %12s  %12s  %12s\n", a, b,
			    render_dur(c, sizeof(c), f->to_last_ns, f->last_reply_ns >= 0),
			    render_dur(d, sizeof(d), f->recovery_ns, f->recovery_ns >= 0),
			    render_dur(e, sizeof(e), f->gap_ns, f->gap_ns >= 0));
		}
	}

	if (r->nmarkers > 0 || r->nspans > 0) {
		fputs("\nMarkers\n", out);
		for (i = 0; i < r->nmarkers; i++) {
			fprintf(out, "  %s  ", render_local(a, sizeof(a), r->markers[i].ts_ns));
			render_esc_plain(out, r->markers[i].label, 0);
			fputc('\n', out);
		}
		for (i = 0; i < r->nspans; i++) {
			fprintf(out, "  %s .. %s  ", render_local(a, sizeof(a), r->spans[i].start_ns),
			    render_local(b, sizeof(b), r->spans[i].end_ns));
			render_esc_plain(out, r->spans[i].label, 0);
			fputc('\n', out);
		}
	}

	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		if (t->nbursts == 0)
			continue;
		fputs("\nLoss periods of ", out);
		render_esc_plain(out, t->name, 0);
		fputc('\n', out);
		for (j = 0; j < t->nbursts && j < RENDER_LOSS_ROWS; j++) {
			const struct rr_burst	*bu = &t->bursts[j];

			fprintf(out, "  %-6s  %s  %12s  [%s, %s]  %" PRIu64 " lost%s\n",
			    bu->kind == RR_OUTAGE ? "outage" : "burst",
			    render_local(a, sizeof(a), bu->start_ns),
			    render_dur(b, sizeof(b), bu->end_ns - bu->start_ns, 1),
			    render_dur(c, sizeof(c), bu->lower_ns, 1),
			    render_dur(d, sizeof(d), bu->upper_ns, 1), bu->lost,
			    bu->open ? "  (open at stop)" : "");
		}
		if (t->nbursts > RENDER_LOSS_ROWS)
			fprintf(out, "  ... %zu more\n", t->nbursts - RENDER_LOSS_ROWS);
	}
}

/* ---- JSON --------------------------------------------------------------------- */

/* ,"key":<ms with 3 decimals or null> */
static void
render_json_ms(FILE *out, const char *key, int64_t ns, int known)
{
	char	buf[48];

	fprintf(out, ",\"%s\":%s", key, render_ms(buf, sizeof(buf), ns, known, "null"));
}

/* ,"key":"<RFC 3339>" or null for 0. */
static void
render_json_time(FILE *out, const char *key, int64_t ns, int known)
{
	char	buf[48];

	if (!known) {
		fprintf(out, ",\"%s\":null", key);
		return;
	}
	time_format_rfc3339(ns, buf, sizeof(buf));
	fprintf(out, ",\"%s\":\"%s\"", key, buf);
}

/* ,"key":"escaped" or null. */
static void
render_json_str(FILE *out, const char *key, const char *s)
{
	fprintf(out, ",\"%s\":", key);
	if (s == NULL)
		fputs("null", out);
	else
		render_esc_json(out, s);
}

/* ,"key":N or null for negative. */
static void
render_json_int(FILE *out, const char *key, int64_t v)
{
	if (v < 0)
		fprintf(out, ",\"%s\":null", key);
	else
		fprintf(out, ",\"%s\":%" PRId64, key, v);
}

/* ,"key":"<stamp as RFC 3339, read in local time near ref>" or null. */
static void
render_json_stamp(FILE *out, const char *key, const struct hv_stamp *st, int64_t ref)
{
	int64_t	ns;

	if (hvparse_stamp_to_ns(st, ref, &ns) != 0)
		render_json_time(out, key, 0, 0);
	else
		render_json_time(out, key, ns, 1);
}

/* The hypervisor figures as a JSON object. */
static void
render_json_hv(FILE *out, const struct hv_figures *f, int64_t ref)
{
	size_t	i;
	char	buf[256];

	fputs("{\"source\":", out);
	fprintf(out, "\"%s\"", hvparse_source_name(f->downtime_src));
	render_json_ms(out, "downtime_ms", f->downtime_ms * NSEC_PER_MSEC, f->downtime_ms >= 0);
	render_json_ms(out, "qmp_pause_ms", render_qmp_pause(f), render_qmp_pause(f) >= 0);
	render_json_ms(out, "duration_ms", f->duration_ms * NSEC_PER_MSEC, f->duration_ms >= 0);
	render_json_ms(out, "qmp_total_ms", f->qmp_total_ms * NSEC_PER_MSEC, f->qmp_total_ms >= 0);
	render_json_int(out, "transferred_bytes", f->transferred_bytes);
	render_json_int(out, "speed_limit_bytes_per_s", f->speed_limit_bps);
	render_json_stamp(out, "migrate_start", &f->migrate_start, ref);
	render_json_stamp(out, "migrate_done", &f->migrate_done, ref);
	fputs(",\"downtime_limits\":[", out);
	for (i = 0; i < f->nlimits; i++) {
		fprintf(out, "%s{\"kind\":\"%s\"", i > 0 ? "," : "",
		    hvparse_limit_kind_name(f->limits[i].kind));
		render_json_ms(out, "ms", f->limits[i].ms * NSEC_PER_MSEC, 1);
		fputc('}', out);
	}
	fputc(']', out);
	render_json_str(out, "migrate_error", f->migrate_error[0] ? f->migrate_error : NULL);
	fprintf(out, ",\"task_status\":\"%s\"", hvparse_task_status_name(f->task_status));
	render_json_int(out, "task_warnings", f->task_warnings);
	render_json_str(out, "task_error", f->task_status == HV_TASK_ERROR ? f->task_error : NULL);
	fprintf(out, ",\"error_lines\":%u,\"warn_lines\":%u", f->error_lines, f->warn_lines);
	render_json_str(out, "first_error", f->error_lines > 0 ? f->first_error : NULL);
	render_json_int(out, "backup_vmid", f->backup_vmid);
	render_json_str(out, "backup_type", f->backup_type[0] ? f->backup_type : NULL);
	render_json_ms(out, "backup_duration_ms", f->backup_duration_ms * NSEC_PER_MSEC,
	    f->backup_duration_ms >= 0);
	render_json_ms(out, "backup_transfer_ms", f->backup_transfer_ms * NSEC_PER_MSEC,
	    f->backup_transfer_ms >= 0);
	render_json_int(out, "backup_bytes", f->backup_bytes);
	render_json_int(out, "archive_bytes", f->archive_bytes);
	render_json_ms(out, "guest_pause_ms", f->guest_pause_ms * NSEC_PER_MSEC,
	    f->guest_pause_ms >= 0);
	fputs(",\"ha_events\":[", out);
	for (i = 0; i < f->nha; i++) {
		const struct hv_ha_event	*ev = &f->ha[i];

		fprintf(out, "%s{\"kind\":\"%s\"", i > 0 ? "," : "", hvparse_ha_kind_name(ev->kind));
		render_json_stamp(out, "time", &ev->when, ref);
		render_json_str(out, "host", ev->host);
		render_json_str(out, "subject", ev->subject);
		render_json_str(out, "from", ev->from);
		render_json_str(out, "to", ev->to);
		render_json_str(out, "node", ev->node);
		render_ha_text(ev, buf, sizeof(buf));
		render_json_str(out, "text", buf);
		fputc('}', out);
	}
	fputs("]}", out);
}

/* The run report as one JSON object. */
static void
render_json(const struct run_report *r, FILE *out)
{
	const struct rr_marker	*fm = render_failover_marker(r);
	size_t			 i, j;
	int			 k;

	fprintf(out, "{\"run\":{\"id\":%" PRId64, r->id);
	render_json_str(out, "label", r->label);
	fprintf(out, ",\"kind\":\"%s\"", runreport_kind_name(r->kind));
	render_json_str(out, "command", r->command);
	render_json_time(out, "start", r->start_ns, r->start_ns != 0);
	render_json_time(out, "end", r->end_ns, r->end_ns != 0);
	render_json_ms(out, "duration_ms", r->end_ns - r->start_ns,
	    r->start_ns != 0 && r->end_ns >= r->start_ns);
	if (r->exit_status < 0)
		fputs(",\"exit_status\":null", out);
	else
		fprintf(out, ",\"exit_status\":%d", r->exit_status);
	fprintf(out, ",\"output_bytes\":%" PRIu64, r->output_bytes);
	render_json_time(out, "monitor_start", r->mon_start_ns, r->mon_start_ns != 0);
	render_json_time(out, "monitor_end", r->mon_end_ns, r->mon_end_ns != 0);
	fputs("},\"hypervisor\":", out);
	if (hvparse_figures_any(&r->hv))
		render_json_hv(out, &r->hv, r->start_ns != 0 ? r->start_ns : r->mon_start_ns);
	else
		fputs("null", out);
	fputs(",\"markers\":[", out);
	for (i = 0; i < r->nmarkers; i++) {
		fputs(i > 0 ? "{" : "{", out);
		fputs("\"label\":", out);
		render_esc_json(out, r->markers[i].label);
		render_json_time(out, "time", r->markers[i].ts_ns, 1);
		fputs(i + 1 < r->nmarkers ? "}," : "}", out);
	}
	fputs("],\"spans\":[", out);
	for (i = 0; i < r->nspans; i++) {
		fputs("{\"label\":", out);
		render_esc_json(out, r->spans[i].label);
		render_json_time(out, "start", r->spans[i].start_ns, 1);
		render_json_time(out, "end", r->spans[i].end_ns, 1);
		fputs(i + 1 < r->nspans ? "}," : "}", out);
	}
	fputs("],\"failover_marker\":", out);
	if (fm != NULL) {
		fputs("{\"label\":", out);
		render_esc_json(out, fm->label);
		render_json_time(out, "time", fm->ts_ns, 1);
		fputc('}', out);
	} else
		fputs("null", out);
	fputs(",\"targets\":[", out);
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		fputs(i > 0 ? ",{\"name\":" : "{\"name\":", out);
		render_esc_json(out, t->name);
		render_json_str(out, "url", t->url);
		render_json_ms(out, "downtime_ms", t->downtime_ns, 1);
		render_json_ms(out, "downtime_lower_ms", t->downtime_lower_ns, 1);
		render_json_ms(out, "downtime_upper_ms", t->downtime_upper_ns, 1);
		fprintf(out, ",\"bursts\":%zu,\"outages\":%zu", t->ncount[RR_BURST],
		    t->ncount[RR_OUTAGE]);
		render_json_ms(out, "longest_outage_ms", t->longest_outage_ns,
		    t->longest_outage_ns >= 0);
		render_json_ms(out, "longest_gap_ms", t->longest_gap_ns, t->longest_gap_ns >= 0);
		fprintf(out, ",\"sent\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"rtt\":{", t->sent, t->lost);
		for (k = 0; k < RR_NWINDOWS; k++) {
			const struct rr_rtt	*w = &t->rtt[k];

			fprintf(out, "%s\"%s\":{\"n\":%" PRIu64 ",\"lost\":%" PRIu64, k > 0 ? "," : "",
			    render_window_names[k], w->n, w->lost);
			render_json_ms(out, "p50_ms", w->p50_ns, w->n > 0);
			render_json_ms(out, "p99_ms", w->p99_ns, w->n > 0);
			render_json_ms(out, "max_ms", w->max_ns, w->n > 0);
			fputc('}', out);
		}
		fputs("},\"failover\":", out);
		if (fm != NULL && t->failover.valid) {
			const struct rr_failover	*f = &t->failover;

			fprintf(out, "{\"from_samples\":%s", f->from_samples ? "true" : "false");
			render_json_time(out, "outage_start", f->outage_start_ns, 1);
			render_json_time(out, "outage_end", f->outage_end_ns, f->outage_end_ns >= 0);
			render_json_time(out, "last_reply", f->last_reply_ns, f->last_reply_ns >= 0);
			render_json_time(out, "first_reply", f->first_reply_ns, f->first_reply_ns >= 0);
			render_json_ms(out, "to_last_reply_ms", f->to_last_ns, f->last_reply_ns >= 0);
			render_json_ms(out, "recovery_ms", f->recovery_ns, f->recovery_ns >= 0);
			render_json_ms(out, "gap_ms", f->gap_ns, f->gap_ns >= 0);
			fputc('}', out);
		} else
			fputs("null", out);
		fputs(",\"losses\":[", out);
		for (j = 0; j < t->nbursts; j++) {
			const struct rr_burst	*b = &t->bursts[j];

			fprintf(out, "%s{\"kind\":\"%s\"", j > 0 ? "," : "",
			    b->kind == RR_OUTAGE ? "outage" : "burst");
			render_json_time(out, "start", b->start_ns, 1);
			render_json_time(out, "end", b->end_ns, 1);
			render_json_ms(out, "duration_ms", b->end_ns - b->start_ns, 1);
			render_json_ms(out, "lower_ms", b->lower_ns, 1);
			render_json_ms(out, "upper_ms", b->upper_ns, 1);
			fprintf(out, ",\"lost\":%" PRIu64 ",\"open\":%s}", b->lost,
			    b->open ? "true" : "false");
		}
		fputs("]}", out);
	}
	fputs("]}\n", out);
}

/* ---- CSV ---------------------------------------------------------------------- */

/* ,<ms> or an empty field. */
static void
render_csv_ms(FILE *out, int64_t ns, int known)
{
	char	buf[48];

	fprintf(out, ",%s", render_ms(buf, sizeof(buf), ns, known, ""));
}

/* One row per target with the run's figures repeated. */
static void
render_csv(const struct run_report *r, FILE *out)
{
	char	start[48] = "", end[48] = "";
	size_t	i;
	int	k;

	fputs("run_id,label,kind,start,end,exit_status,target,url,downtime_ms,downtime_lower_ms,"
	    "downtime_upper_ms,bursts,outages,longest_outage_ms,longest_gap_ms,sent,lost", out);
	for (k = 0; k < RR_NWINDOWS; k++)
		fprintf(out, ",rtt_%s_p50_ms,rtt_%s_p99_ms,rtt_%s_max_ms", render_window_names[k],
		    render_window_names[k], render_window_names[k]);
	fputs(",failover_to_last_reply_ms,failover_recovery_ms,failover_gap_ms,hv_downtime_ms\n",
	    out);
	if (r->start_ns != 0)
		time_format_rfc3339(r->start_ns, start, sizeof(start));
	if (r->end_ns != 0)
		time_format_rfc3339(r->end_ns, end, sizeof(end));
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target		*t = r->targets[i];
		const struct rr_failover	*f = &t->failover;
		int				 fo = r->failover_index >= 0 && f->valid;

		fprintf(out, "%" PRId64 ",", r->id);
		render_esc_csv(out, r->label != NULL ? r->label : "");
		fprintf(out, ",%s,%s,%s,", runreport_kind_name(r->kind), start, end);
		if (r->exit_status >= 0)
			fprintf(out, "%d", r->exit_status);
		fputc(',', out);
		render_esc_csv(out, t->name);
		fputc(',', out);
		render_esc_csv(out, t->url != NULL ? t->url : "");
		render_csv_ms(out, t->downtime_ns, 1);
		render_csv_ms(out, t->downtime_lower_ns, 1);
		render_csv_ms(out, t->downtime_upper_ns, 1);
		fprintf(out, ",%zu,%zu", t->ncount[RR_BURST], t->ncount[RR_OUTAGE]);
		render_csv_ms(out, t->longest_outage_ns, t->longest_outage_ns >= 0);
		render_csv_ms(out, t->longest_gap_ns, t->longest_gap_ns >= 0);
		fprintf(out, ",%" PRIu64 ",%" PRIu64, t->sent, t->lost);
		for (k = 0; k < RR_NWINDOWS; k++) {
			render_csv_ms(out, t->rtt[k].p50_ns, t->rtt[k].n > 0);
			render_csv_ms(out, t->rtt[k].p99_ns, t->rtt[k].n > 0);
			render_csv_ms(out, t->rtt[k].max_ns, t->rtt[k].n > 0);
		}
		render_csv_ms(out, f->to_last_ns, fo && f->last_reply_ns >= 0);
		render_csv_ms(out, f->recovery_ns, fo && f->recovery_ns >= 0);
		render_csv_ms(out, f->gap_ns, fo && f->gap_ns >= 0);
		render_csv_ms(out, r->hv.downtime_ms * NSEC_PER_MSEC, r->hv.downtime_ms >= 0);
		fputc('\n', out);
	}
}

/* ---- Markdown ------------------------------------------------------------------- */

/* A "| key | value |" row with an escaped value. */
static void
render_md_kv(FILE *out, const char *key, const char *val)
{
	fprintf(out, "| %s | ", key);
	render_esc_plain(out, val, 1);
	fputs(" |\n", out);
}

/* The run report as Markdown tables for a ticket. */
static void
render_md(const struct run_report *r, FILE *out)
{
	struct render_kv	 kv[RENDER_KV_MAX];
	const struct rr_marker	*fm = render_failover_marker(r);
	char			 a[64], b[64], c[64], line[256];
	size_t			 i, j, n;
	int			 k;

	fprintf(out, "### hamon run %" PRId64, r->id);
	if (r->label != NULL) {
		fputs(": ", out);
		render_esc_plain(out, r->label, 1);
	}
	fprintf(out, " (%s)\n\n| | |\n|---|---|\n", runreport_kind_name(r->kind));
	if (r->command != NULL)
		render_md_kv(out, "Command", r->command);
	render_md_kv(out, "Started", render_local(a, sizeof(a), r->start_ns));
	render_md_kv(out, "Ended", render_local(a, sizeof(a), r->end_ns));
	render_md_kv(out, "Duration", render_dur(a, sizeof(a), r->end_ns - r->start_ns,
	    r->start_ns != 0 && r->end_ns >= r->start_ns));
	if (r->exit_status >= 0)
		snprintf(line, sizeof(line), "%d", r->exit_status);
	else
		snprintf(line, sizeof(line), "unknown");
	render_md_kv(out, "Exit status", line);
	n = render_hv_rows(&r->hv, kv);
	for (i = 0; i < n; i++)
		render_md_kv(out, kv[i].key, kv[i].val);

	fputs("\n| Target | Downtime | Bounds | Bursts | Outages | Longest gap | Sent | Lost |"
	    "\n|---|--:|---|--:|--:|--:|--:|--:|\n", out);
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		fputs("| ", out);
		render_esc_plain(out, t->name, 1);
		fprintf(out, " | %s | %s .. %s | %zu | %zu | %s | %" PRIu64 " | %" PRIu64 " |\n",
		    render_dur(a, sizeof(a), t->downtime_ns, 1),
		    render_dur(b, sizeof(b), t->downtime_lower_ns, 1),
		    render_dur(c, sizeof(c), t->downtime_upper_ns, 1), t->ncount[RR_BURST],
		    t->ncount[RR_OUTAGE], render_dur(line, sizeof(line), t->longest_gap_ns,
		    t->longest_gap_ns >= 0), t->sent, t->lost);
	}

	fputs("\n| RTT ms (p50 / p99 / max) | Before | During | After |\n|---|---|---|---|\n", out);
	for (i = 0; i < r->ntargets; i++) {
		fputs("| ", out);
		render_esc_plain(out, r->targets[i]->name, 1);
		for (k = 0; k < RR_NWINDOWS; k++) {
			render_rtt_cell(line, sizeof(line), &r->targets[i]->rtt[k]);
			fprintf(out, " | %s", line);
		}
		fputs(" |\n", out);
	}

	if (fm != NULL) {
		fputs("\nFailover from marker **", out);
		render_esc_plain(out, fm->label, 1);
		fprintf(out, "** at %s\n\n| Target | Marker to last reply | Recovery (marker to first "
		    "reply) | Gap |\n|---|--:|--:|--:|\n", render_local(a, sizeof(a), fm->ts_ns));
		for (i = 0; i < r->ntargets; i++) {
			const struct rr_failover	*f = &r->targets[i]->failover;

			fputs("| ", out);
			render_esc_plain(out, r->targets[i]->name, 1);
			if (!f->valid) {
				fputs(" | no outage | - | - |\n", out);
				continue;
			}
			fprintf(out, " | %s | %s | %s |\n",
			    render_dur(a, sizeof(a), f->to_last_ns, f->last_reply_ns >= 0),
			    f->recovery_ns >= 0 ? render_dur(b, sizeof(b), f->recovery_ns, 1) :
			    "never", render_dur(c, sizeof(c), f->gap_ns, f->gap_ns >= 0));
		}
	}

	if (r->nmarkers > 0) {
		fputs("\n| Marker | Time |\n|---|---|\n", out);
		for (i = 0; i < r->nmarkers; i++) {
			fputs("| ", out);
			render_esc_plain(out, r->markers[i].label, 1);
			fprintf(out, " | %s |\n", render_local(a, sizeof(a), r->markers[i].ts_ns));
		}
	}
	if (r->hv.nha > 0) {
		fputs("\n| HA event (hypervisor time) | Host | Event |\n|---|---|---|\n", out);
		for (i = 0; i < r->hv.nha; i++) {
			render_ha_text(&r->hv.ha[i], line, sizeof(line));
			fprintf(out, "| %s | ", render_stamp(a, sizeof(a), &r->hv.ha[i].when));
			render_esc_plain(out, r->hv.ha[i].host, 1);
			fputs(" | ", out);
			render_esc_plain(out, line, 1);
			fputs(" |\n", out);
		}
	}
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		if (t->nbursts == 0)
			continue;
		fputs("\n| Loss on ", out);
		render_esc_plain(out, t->name, 1);
		fputs(" | Start | Duration | Bounds | Lost |\n|---|---|--:|---|--:|\n", out);
		for (j = 0; j < t->nbursts && j < RENDER_LOSS_ROWS; j++) {
			const struct rr_burst	*bu = &t->bursts[j];

			fprintf(out, "| %s%s | %s | %s | ", bu->kind == RR_OUTAGE ? "outage" : "burst",
			    bu->open ? " (open)" : "", render_local(a, sizeof(a), bu->start_ns),
			    render_dur(b, sizeof(b), bu->end_ns - bu->start_ns, 1));
			fprintf(out, "%s .. ", render_dur(c, sizeof(c), bu->lower_ns, 1));
			fprintf(out, "%s | %" PRIu64 " |\n", render_dur(c, sizeof(c), bu->upper_ns, 1),
			    bu->lost);
		}
		if (t->nbursts > RENDER_LOSS_ROWS)
			fprintf(out, "| ... %zu more | | | | |\n", t->nbursts - RENDER_LOSS_ROWS);
	}
}

/* ---- aggregate ------------------------------------------------------------------ */

/* The aggregate in text, JSON, CSV or Markdown. */
static void
render_agg(const struct run_aggregate *a, enum rr_format fmt, FILE *out)
{
	char	x[4][48], t0[48], t1[48];
	size_t	i;
	int	w = 6, k;

	for (i = 0; i < a->ntargets; i++) {
		if ((k = render_text_width(a->targets[i]->name)) > w)
			w = k;
	}
	switch (fmt) {
	case RR_FMT_JSON:
		fputs("{\"label\":", out);
		if (a->label != NULL)
			render_esc_json(out, a->label);
		else
			fputs("null", out);
		fprintf(out, ",\"runs\":%zu", a->nruns);
		render_json_time(out, "first", a->first_ns, a->first_ns != 0);
		render_json_time(out, "last", a->last_ns, a->last_ns != 0);
		fputs(",\"targets\":[", out);
		for (i = 0; i < a->ntargets; i++) {
			const struct runagg_target	*t = a->targets[i];

			fputs(i > 0 ? ",{\"name\":" : "{\"name\":", out);
			render_esc_json(out, t->name);
			fprintf(out, ",\"runs\":%zu", t->n);
			render_json_ms(out, "min_ms", t->min_ns, t->n > 0);
			render_json_ms(out, "p50_ms", t->p50_ns, t->n > 0);
			render_json_ms(out, "p95_ms", t->p95_ns, t->n > 0);
			render_json_ms(out, "max_ms", t->max_ns, t->n > 0);
			fputc('}', out);
		}
		fputs("]}\n", out);
		return;
	case RR_FMT_CSV:
		fputs("label,target,runs,min_ms,p50_ms,p95_ms,max_ms\n", out);
		for (i = 0; i < a->ntargets; i++) {
			const struct runagg_target	*t = a->targets[i];

			render_esc_csv(out, a->label != NULL ? a->label : "");
			fputc(',', out);
			render_esc_csv(out, t->name);
			fprintf(out, ",%zu", t->n);
			render_csv_ms(out, t->min_ns, t->n > 0);
			render_csv_ms(out, t->p50_ns, t->n > 0);
			render_csv_ms(out, t->p95_ns, t->n > 0);
			render_csv_ms(out, t->max_ns, t->n > 0);
			fputc('\n', out);
		}
		return;
	default:
		break;
	}
	render_local(t0, sizeof(t0), a->first_ns);
	render_local(t1, sizeof(t1), a->last_ns);
	if (fmt == RR_FMT_MD) {
		fputs("### hamon runs", out);
		if (a->label != NULL) {
			fputs(" labelled ", out);
			render_esc_plain(out, a->label, 1);
		}
		fprintf(out, "\n\n%zu runs, %s .. %s\n\n| Target | Runs | Min | p50 | p95 | Max |\n"
		    "|---|--:|--:|--:|--:|--:|\n", a->nruns, t0, t1);
	} else {
		fputs("Runs", out);
		if (a->label != NULL) {
			fputs(" labelled ", out);
			render_esc_plain(out, a->label, 0);
		}
		fprintf(out, ": %zu, %s .. %s\n  %-*s  %5s  %12s  %12s  %12s  %12s\n", a->nruns, t0,
		    t1, w, "TARGET", "RUNS", "MIN", "P50", "P95", "MAX");
	}
	for (i = 0; i < a->ntargets; i++) {
		const struct runagg_target	*t = a->targets[i];

		render_dur(x[0], sizeof(x[0]), t->min_ns, t->n > 0);
		render_dur(x[1], sizeof(x[1]), t->p50_ns, t->n > 0);
		render_dur(x[2], sizeof(x[2]), t->p95_ns, t->n > 0);
		render_dur(x[3], sizeof(x[3]), t->max_ns, t->n > 0);
		if (fmt == RR_FMT_MD) {
			fputs("| ", out);
			render_esc_plain(out, t->name, 1);
			fprintf(out, " | %zu | %s | %s | %s | %s |\n", t->n, x[0], x[1], x[2], x[3]);
		} else {
			fputs("  ", out);
			render_text_pad(out, t->name, w);
			fprintf(out, "  %5zu  %12s  %12s  %12s  %12s\n", t->n, x[0], x[1], x[2], x[3]);
		}
	}
}

/* ---- public --------------------------------------------------------------------- */

/* Parse a format name. */
int
runreport_format_parse(const char *s, enum rr_format *out)
{
	if (strcmp(s, "text") == 0 || strcmp(s, "table") == 0)
		*out = RR_FMT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = RR_FMT_JSON;
	else if (strcmp(s, "csv") == 0)
		*out = RR_FMT_CSV;
	else if (strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
		*out = RR_FMT_MD;
	else if (strcmp(s, "html") == 0)
		*out = RR_FMT_HTML;
	else
		return (-1);
	return (0);
}

/* Write a computed report in fmt. */
int
runreport_render(const struct run_report *r, enum rr_format fmt, FILE *out)
{
	switch (fmt) {
	case RR_FMT_JSON:
		render_json(r, out);
		break;
	case RR_FMT_CSV:
		render_csv(r, out);
		break;
	case RR_FMT_MD:
		render_md(r, out);
		break;
	case RR_FMT_HTML:
		return (runreport_render_html(r, out));
	default:
		render_text(r, out);
		break;
	}
	return (ferror(out) ? -1 : 0);
}

/* Write a computed aggregate in fmt. */
int
runagg_render(const struct run_aggregate *a, enum rr_format fmt, FILE *out)
{
	if (fmt == RR_FMT_HTML)
		return (runagg_render_html(a, out));
	render_agg(a, fmt, out);
	return (ferror(out) ? -1 : 0);
}
