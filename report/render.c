/*
 * render.c: a run report or an aggregate as text, JSON, CSV, Markdown or
 * HTML with inline SVG timelines, and the escaping every format needs. One
 * file because every format shares the same views of the figures.
 *
 * Every string that came from outside (labels, target names, URLs, the
 * command line, text from the command's output) goes through
 * runreport_write_escaped() for the format at hand; numbers are printed
 * directly.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "lib/json.h"
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


/* Text and Markdown: printable ASCII and printable UTF-8 as is, the rest \xNN. */
static void
render_esc_plain(FILE *out, const char *str, int md)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), i = 0, len;
	uint32_t		 cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
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



/* HTML text or attribute value: the five specials as entities, controls as
 * \xNN, invalid UTF-8 as U+FFFD. */
static void
render_esc_html(FILE *out, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), i = 0, len;
	uint32_t		 cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
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
		json_write_string(out, s);
		break;
	case RR_FMT_CSV:
		csv_write_field(out, s);
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
		len = utf8_decode(s + i, n - i, &cp);
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

/* The unknown windows that apply to some target: *all for every target,
 * *one for single targets. Returns their total. */
static size_t
render_unknown_counts(const struct run_report *r, size_t *all, size_t *one)
{
	size_t	i;

	*all = *one = 0;
	for (i = 0; i < r->nunknowns; i++) {
		if (r->unknowns[i].matched)
			(*(r->unknowns[i].target == NULL ? all : one))++;
	}
	return (*all + *one);
}

/* Whether any target has unknown time: the targets tables show it then. */
static int
render_any_unknown(const struct run_report *r)
{
	size_t	i;

	for (i = 0; i < r->ntargets; i++) {
		if (r->targets[i]->unknown_ns > 0)
			return (1);
	}
	return (0);
}

/*
 * The run's unknown time as one value for text, Markdown or HTML:
 * "300.261ms in 1 window (monitor stalled ...)", the reason escaped and
 * given only when there is one window for every target; windows of single
 * targets are counted, their time is in the targets table.
 */
static void
render_unknown_summary(FILE *out, enum rr_format fmt, const struct run_report *r)
{
	const struct rr_unknown	*u = NULL;
	char			 a[48];
	size_t			 all, one, i;

	render_unknown_counts(r, &all, &one);
	if (all > 0) {
		fprintf(out, "%s in %zu window%s", render_dur(a, sizeof(a), r->unknown_ns, 1), all,
		    all == 1 ? "" : "s");
		for (i = 0; i < r->nunknowns && all == 1 && u == NULL; i++) {
			if (r->unknowns[i].matched && r->unknowns[i].target == NULL)
				u = &r->unknowns[i];
		}
		if (u != NULL) {
			fputs(" (", out);
			runreport_write_escaped(out, fmt, u->reason);
			fputc(')', out);
		}
	}
	if (one > 0)
		fprintf(out, "%s%zu window%s for single targets", all > 0 ? "; " : "", one,
		    one == 1 ? "" : "s");
}

/* The failover marker, or NULL. */
static const struct rr_marker *
render_failover_marker(const struct run_report *r)
{
	if (r->failover_index < 0 || (size_t)r->failover_index >= r->nmarkers)
		return (NULL);
	return (&r->markers[r->failover_index]);
}

/* Whether e is in the events list: a target's "path" is shown with the
 * target instead. */
static int
render_event_listed(const struct rr_event *e)
{
	return (e->target == NULL || strcmp(e->kind, RR_EVENT_PATH) != 0);
}

/* How many events the list holds. */
static size_t
render_event_count(const struct run_report *r)
{
	size_t	i, n = 0;

	for (i = 0; i < r->nevents; i++)
		n += render_event_listed(&r->events[i]);
	return (n);
}

/* A bench value as text, Markdown or HTML show it: "-" when not a number. */
static const char *
render_bench_value(char *buf, size_t n, double v)
{
	if (isnan(v) || isinf(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.2f", v);
	return (buf);
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

/* The unknown windows, one a line: start, duration, target, reason. */
static void
render_text_unknowns(const struct run_report *r, FILE *out)
{
	char	a[48], b[48];
	size_t	i, shown = 0, all, one;

	if (render_unknown_counts(r, &all, &one) == 0)
		return;
	fputs("\nUnknown windows (losses inside are not counted)\n", out);
	for (i = 0; i < r->nunknowns && shown < RENDER_LOSS_ROWS; i++) {
		const struct rr_unknown	*u = &r->unknowns[i];

		if (!u->matched)
			continue;
		fprintf(out, "  %s  %12s  ", render_local(a, sizeof(a), u->start_ns),
		    render_dur(b, sizeof(b), u->end_ns - u->start_ns, 1));
		if (u->target != NULL)
			render_esc_plain(out, u->target, 0);
		else
			fputs("all targets", out);
		fputs("  ", out);
		render_esc_plain(out, u->reason, 0);
		fputc('\n', out);
		shown++;
	}
	if (all + one > shown)
		fprintf(out, "  ... %zu more\n", all + one - shown);
}

/* The events list: time, target, kind, text, the first RENDER_LOSS_ROWS. */
static void
render_text_events(const struct run_report *r, FILE *out)
{
	char	a[48];
	size_t	i, shown = 0, n = render_event_count(r);
	int	w = render_name_width(r, 6), kw = 10, x;

	if (n == 0)
		return;
	for (i = 0; i < r->nevents; i++) {
		if ((x = render_text_width(r->events[i].kind)) > kw)
			kw = x;
	}
	fputs("\nNetwork and monitor events\n", out);
	for (i = 0; i < r->nevents && shown < RENDER_LOSS_ROWS; i++) {
		const struct rr_event	*e = &r->events[i];

		if (!render_event_listed(e))
			continue;
		fprintf(out, "  %s  ", render_local(a, sizeof(a), e->ts_ns));
		render_text_pad(out, e->target != NULL ? e->target : "-", w);
		fputs("  ", out);
		render_text_pad(out, e->kind, kw);
		fputs("  ", out);
		render_esc_plain(out, e->text, 0);
		fputc('\n', out);
		shown++;
	}
	if (n > shown)
		fprintf(out, "  ... %zu more\n", n - shown);
}

/* The bench figures of runs started during the monitoring, the first RENDER_LOSS_ROWS. */
static void
render_text_bench(const struct run_report *r, FILE *out)
{
	char	a[48], v[48];
	size_t	i;
	int	lw = 5, tw = 4, mw = 6, x;

	if (r->nbench == 0)
		return;
	for (i = 0; i < r->nbench; i++) {
		if ((x = render_text_width(r->bench[i].label)) > lw)
			lw = x;
		if ((x = render_text_width(r->bench[i].test)) > tw)
			tw = x;
		if ((x = render_text_width(r->bench[i].metric)) > mw)
			mw = x;
	}
	fprintf(out, "\nBenchmarks during this run\n  %-23s  %-*s  %-*s  %-*s  %14s  %s\n", "STARTED",
	    lw, "LABEL", tw, "TEST", mw, "METRIC", "VALUE", "UNIT");
	for (i = 0; i < r->nbench && i < RENDER_LOSS_ROWS; i++) {
		const struct rr_bench	*b = &r->bench[i];

		fprintf(out, "  %-23s  ", render_local(a, sizeof(a), b->ts_ns));
		render_text_pad(out, b->label, lw);
		fputs("  ", out);
		render_text_pad(out, b->test, tw);
		fputs("  ", out);
		render_text_pad(out, b->metric, mw);
		fprintf(out, "  %14s  ", render_bench_value(v, sizeof(v), b->value));
		render_esc_plain(out, b->unit, 0);
		fputc('\n', out);
	}
	if (r->nbench > RENDER_LOSS_ROWS)
		fprintf(out, "  ... %zu more\n", r->nbench - RENDER_LOSS_ROWS);
}

/* The run report as aligned text for a terminal. */
static void
render_text(const struct run_report *r, FILE *out)
{
	struct render_kv	 kv[RENDER_KV_MAX];
	const struct rr_marker	*fm = render_failover_marker(r);
	char			 a[64], b[64], c[64], d[64], e[64], line[256];
	size_t			 i, j, n;
	int			 w = render_name_width(r, 6), k, unk = render_any_unknown(r);

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
	if (render_unknown_counts(r, &j, &n) > 0) {
		fprintf(out, "  %-22s ", "unknown");
		render_unknown_summary(out, RR_FMT_TEXT, r);
		fputc('\n', out);
	}
	if (r->timing != NULL)
		render_text_kv(out, "timing", r->timing);

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

	fprintf(out, "\nTargets\n  %-*s  %12s  %-25s  %6s  %7s  %12s  %8s  %6s", w, "TARGET",
	    "DOWNTIME", "BOUNDS", "BURSTS", "OUTAGES", "LONGEST GAP", "SENT", "LOST");
	fputs(unk ? "       UNKNOWN\n" : "\n", out);
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		fputs("  ", out);
		render_text_pad(out, t->name, w);
		snprintf(line, sizeof(line), "[%s, %s]", render_dur(b, sizeof(b), t->downtime_lower_ns, 1),
		    render_dur(c, sizeof(c), t->downtime_upper_ns, 1));
		fprintf(out, "  %12s  %-25s  %6zu  %7zu  %12s  %8" PRIu64 "  %6" PRIu64,
		    render_dur(a, sizeof(a), t->downtime_ns, 1), line, t->ncount[RR_BURST],
		    t->ncount[RR_OUTAGE], render_dur(d, sizeof(d), t->longest_gap_ns,
		    t->longest_gap_ns >= 0), t->sent, t->lost);
		if (unk)
			fprintf(out, "  %12s", render_dur(a, sizeof(a), t->unknown_ns, 1));
		fputc('\n', out);
	}
	for (i = 0; i < r->ntargets; i++) {
		if (r->targets[i]->path == NULL)
			continue;
		fputs("  ", out);
		render_text_pad(out, r->targets[i]->name, w);
		fputs("  path: ", out);
		render_esc_plain(out, r->targets[i]->path, 0);
		fputc('\n', out);
	}

	fprintf(out, "\nRTT ms, p50 / p99 / max\n  %-*s  %-26s  %-26s  %s\n", w, "TARGET",
	    "BEFORE", "DURING", "AFTER");
	for (i = 0; i < r->ntargets; i++) {
		fputs("  ", out);
		render_text_pad(out, r->targets[i]->name, w);
		for (k = 0; k < RR_NWINDOWS; k++) {
			render_rtt_cell(line, sizeof(line), &r->targets[i]->rtt[k]);
			fprintf(out, k + 1 < RR_NWINDOWS ? "  %-26s" : "  %s", line);
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
	render_text_unknowns(r, out);
	render_text_events(r, out);
	render_text_bench(r, out);

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
		json_write_string(out, s);
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

	fprintf(out, "{\"downtime_source\":\"%s\"", hvparse_source_name(f->downtime_src));
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

/* A bench value for JSON: null when not a number. */
static void
render_json_num(FILE *out, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", out);
	else
		fprintf(out, "%.10g", v);
}

/* ,"events":[...],"bench":[...] */
static void
render_json_events(const struct run_report *r, FILE *out)
{
	char	buf[48];
	size_t	i, j;

	fputs(",\"events\":[", out);
	for (i = 0, j = 0; i < r->nevents; i++) {
		const struct rr_event	*e = &r->events[i];

		if (!render_event_listed(e))
			continue;
		time_format_rfc3339(e->ts_ns, buf, sizeof(buf));
		fprintf(out, "%s{\"time\":\"%s\"", j++ > 0 ? "," : "", buf);
		render_json_str(out, "target", e->target);
		render_json_str(out, "kind", e->kind);
		render_json_str(out, "text", e->text);
		fputc('}', out);
	}
	fputs("],\"bench\":[", out);
	for (i = 0; i < r->nbench; i++) {
		const struct rr_bench	*b = &r->bench[i];

		time_format_rfc3339(b->ts_ns, buf, sizeof(buf));
		fprintf(out, "%s{\"time\":\"%s\"", i > 0 ? "," : "", buf);
		render_json_str(out, "label", b->label);
		render_json_str(out, "test", b->test);
		render_json_str(out, "metric", b->metric);
		fputs(",\"value\":", out);
		render_json_num(out, b->value);
		render_json_str(out, "unit", b->unit);
		fputc('}', out);
	}
	fputc(']', out);
}

/* The run report as one JSON object. */
static void
render_json(const struct run_report *r, FILE *out)
{
	const struct rr_marker	*fm = render_failover_marker(r);
	char			 buf[48];
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
	render_json_ms(out, "unknown_ms", r->unknown_ns, 1);
	render_json_str(out, "timing", r->timing);
	fputs("},\"hypervisor\":", out);
	if (hvparse_figures_any(&r->hv))
		render_json_hv(out, &r->hv, r->start_ns != 0 ? r->start_ns : r->mon_start_ns);
	else
		fputs("null", out);
	fputs(",\"markers\":[", out);
	for (i = 0; i < r->nmarkers; i++) {
		fputs("{\"label\":", out);
		json_write_string(out, r->markers[i].label);
		render_json_time(out, "time", r->markers[i].ts_ns, 1);
		fputs(i + 1 < r->nmarkers ? "}," : "}", out);
	}
	fputs("],\"spans\":[", out);
	for (i = 0; i < r->nspans; i++) {
		fputs("{\"label\":", out);
		json_write_string(out, r->spans[i].label);
		render_json_time(out, "start", r->spans[i].start_ns, 1);
		render_json_time(out, "end", r->spans[i].end_ns, 1);
		fputs(i + 1 < r->nspans ? "}," : "}", out);
	}
	fputs("],\"unknown\":[", out);
	for (i = 0, j = 0; i < r->nunknowns; i++) {
		const struct rr_unknown	*u = &r->unknowns[i];

		if (!u->matched)
			continue;
		time_format_rfc3339(u->start_ns, buf, sizeof(buf));
		fprintf(out, "%s{\"start\":\"%s\"", j++ > 0 ? "," : "", buf);
		render_json_time(out, "end", u->end_ns, 1);
		render_json_ms(out, "duration_ms", u->end_ns - u->start_ns, 1);
		render_json_str(out, "target", u->target);
		render_json_str(out, "reason", u->reason);
		fputc('}', out);
	}
	fputc(']', out);
	render_json_events(r, out);
	fputs(",\"failover_marker\":", out);
	if (fm != NULL) {
		fputs("{\"label\":", out);
		json_write_string(out, fm->label);
		render_json_time(out, "time", fm->ts_ns, 1);
		fputc('}', out);
	} else
		fputs("null", out);
	fputs(",\"targets\":[", out);
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		fputs(i > 0 ? ",{\"name\":" : "{\"name\":", out);
		json_write_string(out, t->name);
		render_json_str(out, "url", t->url);
		render_json_str(out, "path", t->path);
		render_json_ms(out, "downtime_ms", t->downtime_ns, 1);
		render_json_ms(out, "downtime_lower_ms", t->downtime_lower_ns, 1);
		render_json_ms(out, "downtime_upper_ms", t->downtime_upper_ns, 1);
		fprintf(out, ",\"bursts\":%zu,\"outages\":%zu", t->ncount[RR_BURST],
		    t->ncount[RR_OUTAGE]);
		render_json_ms(out, "longest_outage_ms", t->longest_outage_ns,
		    t->longest_outage_ns >= 0);
		render_json_ms(out, "longest_gap_ms", t->longest_gap_ns, t->longest_gap_ns >= 0);
		fprintf(out, ",\"sent\":%" PRIu64 ",\"lost\":%" PRIu64, t->sent, t->lost);
		render_json_ms(out, "unknown_ms", t->unknown_ns, 1);
		fputs(",\"rtt\":{", out);
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
	    "downtime_upper_ms,bursts,outages,longest_outage_ms,longest_gap_ms,sent,lost,unknown_ms",
	    out);
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
		csv_write_field(out, r->label != NULL ? r->label : "");
		fprintf(out, ",%s,%s,%s,", runreport_kind_name(r->kind), start, end);
		if (r->exit_status >= 0)
			fprintf(out, "%d", r->exit_status);
		fputc(',', out);
		csv_write_field(out, t->name);
		fputc(',', out);
		csv_write_field(out, t->url != NULL ? t->url : "");
		render_csv_ms(out, t->downtime_ns, 1);
		render_csv_ms(out, t->downtime_lower_ns, 1);
		render_csv_ms(out, t->downtime_upper_ns, 1);
		fprintf(out, ",%zu,%zu", t->ncount[RR_BURST], t->ncount[RR_OUTAGE]);
		render_csv_ms(out, t->longest_outage_ns, t->longest_outage_ns >= 0);
		render_csv_ms(out, t->longest_gap_ns, t->longest_gap_ns >= 0);
		fprintf(out, ",%" PRIu64 ",%" PRIu64, t->sent, t->lost);
		render_csv_ms(out, t->unknown_ns, 1);
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

/* The events list and the bench figures as Markdown tables, the first
 * RENDER_LOSS_ROWS rows of each. */
static void
render_md_events(const struct run_report *r, FILE *out)
{
	char	a[48];
	size_t	i, shown = 0, n = render_event_count(r);

	if (n > 0) {
		fputs("\n**Network and monitor events**\n\n| Time | Target | Kind | Event |\n"
		    "|---|---|---|---|\n", out);
		for (i = 0; i < r->nevents && shown < RENDER_LOSS_ROWS; i++) {
			const struct rr_event	*e = &r->events[i];

			if (!render_event_listed(e))
				continue;
			fprintf(out, "| %s | ", render_local(a, sizeof(a), e->ts_ns));
			render_esc_plain(out, e->target != NULL ? e->target : "-", 1);
			fputs(" | ", out);
			render_esc_plain(out, e->kind, 1);
			fputs(" | ", out);
			render_esc_plain(out, e->text, 1);
			fputs(" |\n", out);
			shown++;
		}
		if (n > shown)
			fprintf(out, "| ... %zu more | | | |\n", n - shown);
	}
	if (r->nbench == 0)
		return;
	fputs("\n**Benchmarks during this run**\n\n| Started | Label | Test | Metric | Value | Unit |"
	    "\n|---|---|---|---|--:|---|\n", out);
	for (i = 0; i < r->nbench && i < RENDER_LOSS_ROWS; i++) {
		const struct rr_bench	*b = &r->bench[i];

		fprintf(out, "| %s | ", render_local(a, sizeof(a), b->ts_ns));
		render_esc_plain(out, b->label, 1);
		fputs(" | ", out);
		render_esc_plain(out, b->test, 1);
		fputs(" | ", out);
		render_esc_plain(out, b->metric, 1);
		fprintf(out, " | %s | ", render_bench_value(a, sizeof(a), b->value));
		render_esc_plain(out, b->unit, 1);
		fputs(" |\n", out);
	}
	if (r->nbench > RENDER_LOSS_ROWS)
		fprintf(out, "| ... %zu more | | | | | |\n", r->nbench - RENDER_LOSS_ROWS);
}

/* The run report as Markdown tables for a ticket. */
static void
render_md(const struct run_report *r, FILE *out)
{
	struct render_kv	 kv[RENDER_KV_MAX];
	const struct rr_marker	*fm = render_failover_marker(r);
	char			 a[64], b[64], c[64], line[256];
	size_t			 i, j, n;
	int			 k, unk = render_any_unknown(r);

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
	if (render_unknown_counts(r, &i, &j) > 0) {
		fputs("| Unknown | ", out);
		render_unknown_summary(out, RR_FMT_MD, r);
		fputs(" |\n", out);
	}
	if (r->timing != NULL)
		render_md_kv(out, "Timing", r->timing);
	n = render_hv_rows(&r->hv, kv);
	for (i = 0; i < n; i++)
		render_md_kv(out, kv[i].key, kv[i].val);

	fprintf(out, "\n| Target | Downtime | Bounds | Bursts | Outages | Longest gap | Sent | Lost |"
	    "%s\n|---|--:|---|--:|--:|--:|--:|--:|%s\n", unk ? " Unknown |" : "", unk ? "--:|" : "");
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		fputs("| ", out);
		render_esc_plain(out, t->name, 1);
		fprintf(out, " | %s | %s .. %s | %zu | %zu | %s | %" PRIu64 " | %" PRIu64 " |",
		    render_dur(a, sizeof(a), t->downtime_ns, 1),
		    render_dur(b, sizeof(b), t->downtime_lower_ns, 1),
		    render_dur(c, sizeof(c), t->downtime_upper_ns, 1), t->ncount[RR_BURST],
		    t->ncount[RR_OUTAGE], render_dur(line, sizeof(line), t->longest_gap_ns,
		    t->longest_gap_ns >= 0), t->sent, t->lost);
		if (unk)
			fprintf(out, " %s |", render_dur(a, sizeof(a), t->unknown_ns, 1));
		fputc('\n', out);
	}
	for (i = 0, n = 0; i < r->ntargets; i++) {
		if (r->targets[i]->path == NULL)
			continue;
		fputs(n++ == 0 ? "\n- " : "- ", out);
		render_esc_plain(out, r->targets[i]->name, 1);
		fputs(" path: ", out);
		render_esc_plain(out, r->targets[i]->path, 1);
		fputc('\n', out);
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
	if (render_unknown_counts(r, &i, &j) > 0) {
		fputs("\n| Unknown since | Duration | Target | Reason |\n|---|--:|---|---|\n", out);
		for (i = 0, n = 0; i < r->nunknowns && n < RENDER_LOSS_ROWS; i++) {
			const struct rr_unknown	*u = &r->unknowns[i];

			if (!u->matched)
				continue;
			fprintf(out, "| %s | %s | ", render_local(a, sizeof(a), u->start_ns),
			    render_dur(b, sizeof(b), u->end_ns - u->start_ns, 1));
			if (u->target != NULL)
				render_esc_plain(out, u->target, 1);
			else
				fputs("all targets", out);
			fputs(" | ", out);
			render_esc_plain(out, u->reason, 1);
			fputs(" |\n", out);
			n++;
		}
		if (render_unknown_counts(r, &i, &j) > n)
			fprintf(out, "| ... %zu more | | | |\n", i + j - n);
	}
	render_md_events(r, out);
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
			json_write_string(out, a->label);
		else
			fputs("null", out);
		fprintf(out, ",\"runs\":%zu", a->nruns);
		render_json_time(out, "first", a->first_ns, a->first_ns != 0);
		render_json_time(out, "last", a->last_ns, a->last_ns != 0);
		fputs(",\"targets\":[", out);
		for (i = 0; i < a->ntargets; i++) {
			const struct runagg_target	*t = a->targets[i];

			fputs(i > 0 ? ",{\"name\":" : "{\"name\":", out);
			json_write_string(out, t->name);
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

			csv_write_field(out, a->label != NULL ? a->label : "");
			fputc(',', out);
			csv_write_field(out, t->name);
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

/* ---- HTML --------------------------------------------------------------------- */

/*
 * One self-contained page: inline CSS and inline SVG, no script, no font or
 * image from anywhere. Each timeline is drawn from at most
 * RR_SVG_MAX_POINTS / 2 pixel columns, keeping the lowest and highest RTT of
 * every column so that a single spike among a million samples still shows.
 */

#define SVG_W 1100
#define SVG_H 278
#define SVG_LEFT 64.0
#define SVG_RIGHT 1084.0
#define SVG_TOP 48.0
#define SVG_BOTTOM 236.0
#define SVG_COLS (RR_SVG_MAX_POINTS / 2)
#define SVG_LOG_MIN -3		/* 1 us */
#define SVG_LOG_MAX 5		/* 100 s */

static const char render_css[] =
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,sans-serif;"
    "color:#1f2328;background:#fff;margin:24px auto;max-width:1120px;padding:0 16px}\n"
    "h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:30px 0 8px;padding-bottom:4px;"
    "border-bottom:1px solid #d0d7de}h3{font-size:15px;margin:22px 0 2px}\n"
    ".sub{color:#59636e;margin:0 0 14px}\n"
    "table{border-collapse:collapse;margin:6px 0 14px}\n"
    "th,td{border:1px solid #d0d7de;padding:3px 10px;text-align:left;vertical-align:top}\n"
    "th{background:#f6f8fa;font-weight:600}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.kv th{min-width:170px}td.dt{font-weight:600}\n"
    "code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "background:#f6f8fa;padding:1px 4px;border-radius:4px}\n"
    "svg{display:block;max-width:100%;height:auto;border:1px solid #d0d7de;border-radius:6px;"
    "background:#fff;margin-top:6px}\n"
    "svg text{font:11px system-ui,sans-serif;fill:#59636e}\n"
    ".grid{stroke:#eaeef2}.grid2{stroke:#f3f5f7}.axis{stroke:#8c959f}\n"
    ".rtt{fill:none;stroke:#0969da;stroke-width:1.1;stroke-linejoin:round}\n"
    ".dot{fill:#0969da}\n"
    ".outage{fill:#cf222e;fill-opacity:.16;stroke:#cf222e;stroke-opacity:.55}\n"
    ".burst{fill:#bf8700;fill-opacity:.35}\n"
    ".lost{fill:#cf222e}\n"
    ".unknown{fill:#8c959f;fill-opacity:.28}\n"
    ".span{fill:#0969da;fill-opacity:.045}.span2{fill:#8250df;fill-opacity:.05}\n"
    ".spanline{stroke:#0969da;stroke-opacity:.6;stroke-dasharray:3 3}\n"
    ".marker{stroke:#8250df;stroke-width:1.5;stroke-dasharray:6 3}\n"
    "svg text.ml{fill:#8250df;font-weight:600}svg text.sl{fill:#0969da}\n"
    ".nlevent{fill:#1a7f37}.benchline{stroke:#bf3989;stroke-width:1.5;stroke-dasharray:2 2}\n"
    "svg text.none{font-size:13px}\n"
    ".legend{color:#59636e;font-size:12px;margin:4px 0 0}"
    ".legend span{margin-right:16px;white-space:nowrap}\n"
    ".sw{display:inline-block;width:14px;height:10px;margin-right:5px;vertical-align:-1px;"
    "border-radius:2px}\n"
    ".sw-o{background:rgba(207,34,46,.25);border:1px solid rgba(207,34,46,.6)}"
    ".sw-b{background:rgba(191,135,0,.45)}.sw-r{background:#0969da;height:2px;vertical-align:3px}"
    ".sw-l{background:#cf222e;height:4px;vertical-align:2px}"
    ".sw-m{border-left:2px dashed #8250df;width:0;border-radius:0}"
    ".sw-s{background:rgba(9,105,218,.12)}.sw-u{background:rgba(140,149,159,.4)}"
    ".sw-e{background:#1a7f37;width:3px;border-radius:0}"
    ".sw-k{border-left:2px dotted #bf3989;width:0;border-radius:0}\n"
    "small.path{color:#59636e}\n"
    "details{margin:6px 0 12px}summary{cursor:pointer;color:#59636e}\n"
    "footer{margin-top:32px;color:#8c959f;font-size:12px}\n";

/* The time range and plot box shared by every timeline. */
struct svg_plot {
	int64_t	t0, t1;
	int	lmin, lmax;		/* log10 of ms at the bottom and top */
};

/* One decimation column. */
struct svg_col {
	int64_t	min, max, tmin, tmax;
	uint32_t ok, lost;
};

/* <!DOCTYPE ...> up to <body>. */
static void
render_html_head(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	    out);
	render_esc_html(out, title);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", render_css);
}

/* A <tr><th>key</th><td>escaped value</td></tr>. */
static void
render_html_kv(FILE *out, const char *key, const char *val)
{
	fputs("<tr><th>", out);
	render_esc_html(out, key);
	fputs("</th><td>", out);
	render_esc_html(out, val);
	fputs("</td></tr>\n", out);
}

/* x of time t in the plot, clamped to it. */
static double
svg_x(const struct svg_plot *p, int64_t t)
{
	double	x;

	if (t <= p->t0)
		return (SVG_LEFT);
	if (t >= p->t1)
		return (SVG_RIGHT);
	x = SVG_LEFT + (double)(t - p->t0) / (double)(p->t1 - p->t0) * (SVG_RIGHT - SVG_LEFT);
	return (x);
}

/* y of an RTT on the log axis, clamped to the plot. */
static double
svg_y(const struct svg_plot *p, int64_t rtt_ns)
{
	double	l = rtt_ns > 0 ? log10((double)rtt_ns / 1e6) : p->lmin;

	if (l < p->lmin)
		l = p->lmin;
	if (l > p->lmax)
		l = p->lmax;
	return (SVG_BOTTOM - (l - p->lmin) / (p->lmax - p->lmin) * (SVG_BOTTOM - SVG_TOP));
}

/* Widen [lo, hi] to cover t (0 means unknown and is ignored). */
static void
svg_cover(int64_t *lo, int64_t *hi, int64_t t)
{
	if (t == 0 || t == -1)
		return;
	if (*lo == 0 || t < *lo)
		*lo = t;
	if (*hi == 0 || t > *hi)
		*hi = t;
}

/* The time range: the monitoring window, else everything the report holds. */
static void
svg_range(const struct run_report *r, struct svg_plot *p)
{
	size_t	i;
	int64_t	lo = r->mon_start_ns, hi = r->mon_end_ns, pad;

	if (lo == 0 || hi <= lo) {
		lo = hi = 0;
		svg_cover(&lo, &hi, r->start_ns);
		svg_cover(&lo, &hi, r->end_ns);
		for (i = 0; i < r->nmarkers; i++)
			svg_cover(&lo, &hi, r->markers[i].ts_ns);
		for (i = 0; i < r->nevents; i++) {
			if (render_event_listed(&r->events[i]))
				svg_cover(&lo, &hi, r->events[i].ts_ns);
		}
		for (i = 0; i < r->nbench; i++)
			svg_cover(&lo, &hi, r->bench[i].ts_ns);
		for (i = 0; i < r->nunknowns; i++) {
			if (r->unknowns[i].matched) {
				svg_cover(&lo, &hi, r->unknowns[i].start_ns);
				svg_cover(&lo, &hi, r->unknowns[i].end_ns);
			}
		}
		for (i = 0; i < r->ntargets; i++) {
			const struct rr_target	*t = r->targets[i];

			if (t->nsamples > 0) {
				svg_cover(&lo, &hi, t->samples[0].tx_ns);
				svg_cover(&lo, &hi, t->samples[t->nsamples - 1].tx_ns);
			}
			if (t->nbursts > 0) {
				svg_cover(&lo, &hi, t->bursts[0].start_ns);
				svg_cover(&lo, &hi, t->bursts[t->nbursts - 1].end_ns);
			}
		}
		pad = (hi - lo) / 50;
		lo -= pad;
		hi += pad;
	}
	if (hi <= lo)
		hi = lo + NSEC_PER_SEC;
	p->t0 = lo;
	p->t1 = hi;
}

/* A tick label for 10^l * m milliseconds: "500 µs", "20 ms", "1 s". */
static void
svg_rtt_label(char *buf, size_t n, int l, int m)
{
	double	ms = pow(10, l) * m;

	if (ms < 1)
		snprintf(buf, n, "%g \xc2\xb5s", ms * 1000);
	else if (ms < 1000)
		snprintf(buf, n, "%g ms", ms);
	else
		snprintf(buf, n, "%g s", ms / 1000);
}

/* Horizontal grid and labels of the log RTT axis. */
static void
svg_y_axis(FILE *out, const struct svg_plot *p)
{
	static const int	mult[] = { 1, 2, 5 };
	char			buf[32];
	double			y;
	int			l, i, dense = p->lmax - p->lmin <= 3;

	for (l = p->lmin; l <= p->lmax; l++) {
		for (i = 0; i < 3; i++) {
			if ((i > 0 && (!dense || l == p->lmax)))
				continue;
			y = svg_y(p, (int64_t)(pow(10, l) * mult[i] * 1e6 + 0.5));
			fprintf(out, "<line class=\"%s\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>",
			    i == 0 ? "grid" : "grid2", SVG_LEFT, SVG_RIGHT, y, y);
			svg_rtt_label(buf, sizeof(buf), l, mult[i]);
			fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			    SVG_LEFT - 6, y + 3.5, buf);
		}
	}
	fprintf(out, "<text x=\"14\" y=\"%.0f\" transform=\"rotate(-90 14 %.0f)\" "
	    "text-anchor=\"middle\">RTT (log)</text>\n", (SVG_TOP + SVG_BOTTOM) / 2,
	    (SVG_TOP + SVG_BOTTOM) / 2);
}

/* Vertical grid and local-time labels of the time axis. */
static void
svg_x_axis(FILE *out, const struct svg_plot *p)
{
	static const int64_t	steps[] = {
		NSEC_PER_MSEC, 2 * NSEC_PER_MSEC, 5 * NSEC_PER_MSEC, 10 * NSEC_PER_MSEC,
		20 * NSEC_PER_MSEC, 50 * NSEC_PER_MSEC, 100 * NSEC_PER_MSEC, 200 * NSEC_PER_MSEC,
		500 * NSEC_PER_MSEC, NSEC_PER_SEC, 2 * NSEC_PER_SEC, 5 * NSEC_PER_SEC,
		10 * NSEC_PER_SEC, 15 * NSEC_PER_SEC, 30 * NSEC_PER_SEC, 60 * NSEC_PER_SEC,
		120 * NSEC_PER_SEC, 300 * NSEC_PER_SEC, 600 * NSEC_PER_SEC, 900 * NSEC_PER_SEC,
		1800 * NSEC_PER_SEC, 3600 * NSEC_PER_SEC, 7200 * NSEC_PER_SEC,
		3 * 3600 * NSEC_PER_SEC, 6 * 3600 * NSEC_PER_SEC, 12 * 3600 * NSEC_PER_SEC,
		24 * 3600 * NSEC_PER_SEC,
	};
	struct tm	 tm;
	time_t		 t0s = (time_t)(p->t0 / NSEC_PER_SEC);
	int64_t		 step = steps[sizeof(steps) / sizeof(steps[0]) - 1], off = 0, t;
	char		 buf[48], *dot;
	size_t		 i;
	double		 x;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((p->t1 - p->t0) / steps[i] <= 8) {
			step = steps[i];
			break;
		}
	}
	/* Align ticks to the local clock, whose offset need not be whole hours. */
	if (localtime_r(&t0s, &tm) != NULL)
		off = (int64_t)tm.tm_gmtoff * NSEC_PER_SEC;
	t = p->t0 + off;
	t = (t / step + (t % step != 0 && t > 0)) * step - off;
	for (; t <= p->t1; t += step) {
		x = svg_x(p, t);
		time_format_clock(t, buf, sizeof(buf));
		if (step % NSEC_PER_SEC == 0 && (dot = strchr(buf, '.')) != NULL)
			*dot = '\0';
		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/>"
		    "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"%s\">%s</text>\n", x, x, SVG_TOP,
		    SVG_BOTTOM + 4, x, SVG_BOTTOM + 17, x > SVG_RIGHT - 30 ? "end" : "middle", buf);
	}
	time_format_local(p->t0, buf, sizeof(buf));
	if ((dot = strchr(buf, ' ')) != NULL)
		*dot = '\0';
	fprintf(out, "<text x=\"%.0f\" y=\"%d\">%s, local time (UTC%+03ld:%02ld)</text>\n",
	    SVG_LEFT, SVG_H - 12, buf, (long)(off / NSEC_PER_SEC / 3600),
	    (long)(labs((long)(off / NSEC_PER_SEC)) / 60 % 60));
	fprintf(out, "<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\"/>"
	    "<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\"/>\n", SVG_LEFT,
	    SVG_RIGHT, SVG_BOTTOM, SVG_BOTTOM, SVG_LEFT, SVG_LEFT, SVG_TOP, SVG_BOTTOM);
}

/* The log axis range of one target's replies. */
static void
svg_rtt_range(const struct rr_target *t, struct svg_plot *p)
{
	int64_t	lo = -1, hi = -1;
	size_t	i;

	for (i = 0; i < t->nsamples; i++) {
		int64_t	v = t->samples[i].rtt_ns;

		if (v < 0)
			continue;
		if (lo < 0 || v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	if (lo < 0) {
		p->lmin = -1;
		p->lmax = 2;
		return;
	}
	p->lmin = (int)floor(log10((double)(lo > 1000 ? lo : 1000) / 1e6));
	p->lmax = (int)ceil(log10((double)(hi > 1000 ? hi : 1000) / 1e6));
	if (p->lmin < SVG_LOG_MIN)
		p->lmin = SVG_LOG_MIN;
	if (p->lmax > SVG_LOG_MAX)
		p->lmax = SVG_LOG_MAX;
	if (p->lmax <= p->lmin)
		p->lmax = p->lmin + 1;
}

/* Column of time t, or -1 outside the plot. */
static int
svg_col_of(const struct svg_plot *p, int64_t t, int ncols)
{
	int64_t	c;

	if (t < p->t0 || t > p->t1)
		return (-1);
	c = (int64_t)((double)(t - p->t0) / (double)(p->t1 - p->t0) * ncols);
	return (c >= ncols ? ncols - 1 : (int)c);
}

/* Loss periods as shaded bands: one rect per outage, merged rects for bursts. */
static void
svg_losses(FILE *out, const struct svg_plot *p, const struct rr_target *t)
{
	char	a[48], b[48], c[48];
	double	xa, xb, bx0 = -1, bx1 = -1;
	size_t	i, j;
	int	inside;

	for (i = 0; i < t->nbursts; i++) {
		const struct rr_burst	*bu = &t->bursts[i];

		if (bu->kind != RR_BURST)
			continue;
		for (j = 0, inside = 0; j < t->nbursts && !inside; j++) {
			inside = t->bursts[j].kind == RR_OUTAGE &&
			    bu->start_ns >= t->bursts[j].start_ns &&
			    (t->bursts[j].open || bu->end_ns <= t->bursts[j].end_ns);
		}
		if (inside || bu->end_ns < p->t0 || bu->start_ns > p->t1)
			continue;
		xa = svg_x(p, bu->start_ns);
		xb = svg_x(p, bu->open ? p->t1 : bu->end_ns);
		if (xb - xa < 2)
			xb = xa + 2;
		if (bx1 >= 0 && xa <= bx1 + 1) {
			if (xb > bx1)
				bx1 = xb;
			continue;
		}
		if (bx1 >= 0)
			fprintf(out, "<rect class=\"burst\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			    "height=\"%.0f\"/>\n", bx0, SVG_TOP, bx1 - bx0, SVG_BOTTOM - SVG_TOP);
		bx0 = xa;
		bx1 = xb;
	}
	if (bx1 >= 0)
		fprintf(out, "<rect class=\"burst\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
		    "height=\"%.0f\"/>\n", bx0, SVG_TOP, bx1 - bx0, SVG_BOTTOM - SVG_TOP);

	for (i = 0; i < t->nbursts; i++) {
		const struct rr_burst	*bu = &t->bursts[i];

		if (bu->kind != RR_OUTAGE)
			continue;
		xa = svg_x(p, bu->start_ns);
		xb = svg_x(p, bu->open ? p->t1 : bu->end_ns);
		if (xb - xa < 2)
			xb = xa + 2;
		fprintf(out, "<rect class=\"outage\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
		    "height=\"%.0f\"><title>outage %s [%s, %s], %" PRIu64 " lost%s</title></rect>\n",
		    xa, SVG_TOP, xb - xa, SVG_BOTTOM - SVG_TOP,
		    render_dur(a, sizeof(a), bu->end_ns - bu->start_ns, 1),
		    render_dur(b, sizeof(b), bu->lower_ns, 1), render_dur(c, sizeof(c), bu->upper_ns, 1),
		    bu->lost, bu->open ? ", open at stop" : "");
	}
}

/* The unknown windows that apply to t as gray bands, each titled with its reason. */
static void
svg_unknown(FILE *out, const struct svg_plot *p, const struct run_report *r,
    const struct rr_target *t)
{
	char	a[48];
	double	xa, xb;
	size_t	i;

	for (i = 0; i < r->nunknowns; i++) {
		const struct rr_unknown	*u = &r->unknowns[i];

		if (!runreport_unknown_applies(u, t) || u->end_ns < p->t0 || u->start_ns > p->t1)
			continue;
		xa = svg_x(p, u->start_ns);
		xb = svg_x(p, u->end_ns);
		if (xb - xa < 2)
			xb = xa + 2;
		fprintf(out, "<rect class=\"unknown\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
		    "height=\"%.0f\"><title>unknown %s: ", xa, SVG_TOP, xb - xa, SVG_BOTTOM - SVG_TOP,
		    render_dur(a, sizeof(a), u->end_ns - u->start_ns, 1));
		render_esc_html(out, u->reason);
		fputs("</title></rect>\n", out);
	}
}

/* Start a polyline, or a dot for a lone point. */
static void
svg_flush_line(FILE *out, const double *pts, size_t n)
{
	size_t	i;

	if (n == 0)
		return;
	if (n == 1) {
		fprintf(out, "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>\n", pts[0],
		    pts[1]);
		return;
	}
	fputs("<polyline class=\"rtt\" points=\"", out);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%.1f,%.1f", i > 0 ? " " : "", pts[2 * i], pts[2 * i + 1]);
	fputs("\"/>\n", out);
}

/* RTT over time, decimated to min/max per pixel column, and lost-probe ticks. */
static void
svg_rtt(FILE *out, const struct svg_plot *p, const struct rr_target *t)
{
	struct svg_col	*col = xcalloc(SVG_COLS, sizeof(*col));
	double		*pts = xreallocarray(NULL, 2 * SVG_COLS, 2 * sizeof(double));
	double		 x, w = (SVG_RIGHT - SVG_LEFT) / SVG_COLS;
	size_t		 i, np = 0, nok = 0;
	int		 c, start;

	for (i = 0; i < t->nsamples; i++) {
		const struct rr_sample	*s = &t->samples[i];

		if ((c = svg_col_of(p, s->tx_ns, SVG_COLS)) < 0)
			continue;
		if (s->rtt_ns < 0) {
			col[c].lost++;
			continue;
		}
		if (col[c].ok++ == 0 || s->rtt_ns < col[c].min) {
			col[c].min = s->rtt_ns;
			col[c].tmin = s->tx_ns;
		}
		if (col[c].ok == 1 || s->rtt_ns > col[c].max) {
			col[c].max = s->rtt_ns;
			col[c].tmax = s->tx_ns;
		}
		nok++;
	}
	for (c = 0; c < SVG_COLS; c++) {
		if (col[c].ok == 0) {
			svg_flush_line(out, pts, np);
			np = 0;
			continue;
		}
		x = SVG_LEFT + (c + 0.5) * w;
		/* The two extremes in the order they were sent. */
		pts[2 * np] = x;
		pts[2 * np + 1] = svg_y(p, col[c].tmin <= col[c].tmax ? col[c].min : col[c].max);
		np++;
		if (col[c].max != col[c].min) {
			pts[2 * np] = x;
			pts[2 * np + 1] = svg_y(p, col[c].tmin <= col[c].tmax ? col[c].max :
			    col[c].min);
			np++;
		}
	}
	svg_flush_line(out, pts, np);
	/* Dots too when there are few samples, so single replies are visible. */
	if (nok > 0 && nok <= 300) {
		for (c = 0; c < SVG_COLS; c++) {
			if (col[c].ok > 0)
				fprintf(out, "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>",
				    SVG_LEFT + (c + 0.5) * w, svg_y(p, col[c].max));
		}
		fputc('\n', out);
	}
	for (c = 0; c < SVG_COLS; c++) {
		if (col[c].lost == 0)
			continue;
		for (start = c; c + 1 < SVG_COLS && col[c + 1].lost > 0; c++)
			;
		fprintf(out, "<rect class=\"lost\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"4\"/>",
		    SVG_LEFT + start * w, SVG_BOTTOM - 4, (c - start + 1) * w);
	}
	fputc('\n', out);
	free(pts);
	free(col);
}

/* Spans (shaded) and markers (dashed lines with labels). */
static void
svg_marks(FILE *out, const struct svg_plot *p, const struct run_report *r, int back)
{
	double	x, xa, xb, y;
	size_t	i;

	if (back) {
		if (r->start_ns != 0 && r->end_ns >= r->start_ns) {
			xa = svg_x(p, r->start_ns);
			xb = svg_x(p, r->end_ns);
			fprintf(out, "<rect class=\"span\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			    "height=\"%.0f\"/>\n", xa, SVG_TOP, xb - xa, SVG_BOTTOM - SVG_TOP);
		}
		for (i = 0; i < r->nspans; i++) {
			xa = svg_x(p, r->spans[i].start_ns);
			xb = svg_x(p, r->spans[i].end_ns);
			fprintf(out, "<rect class=\"span2\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			    "height=\"%.0f\"><title>", xa, SVG_TOP, xb - xa, SVG_BOTTOM - SVG_TOP);
			render_esc_html(out, r->spans[i].label);
			fputs("</title></rect>\n", out);
		}
		return;
	}
	if (r->start_ns != 0 && r->end_ns >= r->start_ns) {
		xa = svg_x(p, r->start_ns);
		xb = svg_x(p, r->end_ns);
		fprintf(out, "<line class=\"spanline\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/>"
		    "<line class=\"spanline\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/>\n"
		    "<text class=\"sl\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"end\">run start</text>"
		    "<text class=\"sl\" x=\"%.1f\" y=\"%.0f\">run end</text>\n", xa, xa, SVG_TOP - 4,
		    SVG_BOTTOM, xb, xb, SVG_TOP - 4, SVG_BOTTOM, xa - 3, SVG_TOP - 6, xb + 3,
		    SVG_TOP - 6);
	}
	for (i = 0; i < r->nmarkers; i++) {
		/* Labels alternate between two rows so that close markers stay legible. */
		y = i % 2 == 0 ? 14 : 27;
		x = svg_x(p, r->markers[i].ts_ns);
		fprintf(out, "<line class=\"marker\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/>"
		    "<text class=\"ml\" x=\"%.1f\" y=\"%.0f\"%s>", x, x, y - 10, SVG_BOTTOM,
		    x > SVG_RIGHT - 200 ? x - 4 : x + 4, y,
		    x > SVG_RIGHT - 200 ? " text-anchor=\"end\"" : "");
		render_esc_html(out, r->markers[i].label);
		fputs("</text>\n", out);
	}
}

/*
 * The listed events about t as small ticks along the top of its plot, each
 * titled with its kind and text. Events closer than a pixel to the one
 * before share its tick (the title says how many more), so that a flapping
 * neighbour does not bury the page in thousands of elements.
 */
static void
svg_events(FILE *out, const struct svg_plot *p, const struct run_report *r,
    const struct rr_target *t)
{
	char	a[48];
	double	x;
	size_t	i, j, more;

	for (i = 0; i < r->nevents; i++) {
		const struct rr_event	*e = &r->events[i];

		if (!render_event_listed(e) || !runreport_event_applies(e, t) || e->ts_ns < p->t0 ||
		    e->ts_ns > p->t1)
			continue;
		x = svg_x(p, e->ts_ns);
		for (j = i + 1, more = 0; j < r->nevents; j++) {
			const struct rr_event	*f = &r->events[j];

			if (!render_event_listed(f) || !runreport_event_applies(f, t))
				continue;
			if (f->ts_ns > p->t1 || svg_x(p, f->ts_ns) >= x + 1)
				break;
			more++;
		}
		time_format_clock(e->ts_ns, a, sizeof(a));
		fprintf(out, "<rect class=\"nlevent\" x=\"%.1f\" y=\"%.0f\" width=\"2\" height=\"9\">"
		    "<title>%s ", x - 1, SVG_TOP, a);
		render_esc_html(out, e->kind);
		fputs(": ", out);
		render_esc_html(out, e->text);
		if (more > 0)
			fprintf(out, " (and %zu more here)", more);
		fputs("</title></rect>\n", out);
		i = j - 1;	/* past the ones that share this tick */
	}
}

/* A dotted line at the start of each bench run (figures of one run share a
 * start and a label), titled with its label. */
static void
svg_bench(FILE *out, const struct svg_plot *p, const struct run_report *r)
{
	double	x;
	size_t	i;

	for (i = 0; i < r->nbench; i++) {
		const struct rr_bench	*b = &r->bench[i];

		if (i > 0 && b->ts_ns == r->bench[i - 1].ts_ns &&
		    strcmp(b->label, r->bench[i - 1].label) == 0)
			continue;
		if (b->ts_ns < p->t0 || b->ts_ns > p->t1)
			continue;
		x = svg_x(p, b->ts_ns);
		fputs("<g><title>bench ", out);
		render_esc_html(out, b->label);
		fprintf(out, " started</title><line class=\"benchline\" x1=\"%.1f\" x2=\"%.1f\" "
		    "y1=\"%.0f\" y2=\"%.0f\"/></g>\n", x, x, SVG_TOP, SVG_BOTTOM);
	}
}

/* One target's timeline. */
static void
svg_target(FILE *out, struct svg_plot *p, const struct run_report *r, const struct rr_target *t)
{
	svg_rtt_range(t, p);
	fprintf(out, "<svg width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\"><title>RTT of ", SVG_W, SVG_H, SVG_W, SVG_H);
	render_esc_html(out, t->name);
	fputs(" over time</title>\n", out);
	svg_marks(out, p, r, 1);
	svg_unknown(out, p, r, t);
	svg_losses(out, p, t);
	svg_y_axis(out, p);
	svg_x_axis(out, p);
	svg_rtt(out, p, t);
	if (t->nsamples == 0)
		fprintf(out, "<text class=\"none\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">"
		    "no samples recorded</text>\n", (SVG_LEFT + SVG_RIGHT) / 2,
		    (SVG_TOP + SVG_BOTTOM) / 2);
	svg_bench(out, p, r);
	svg_events(out, p, r, t);
	svg_marks(out, p, r, 0);
	fputs("</svg>\n", out);
}

/* <td class="n">duration</td> */
static void
render_html_dur(FILE *out, int64_t ns, int known, const char *cls)
{
	char	buf[48];

	fprintf(out, "<td class=\"n%s%s\">%s</td>", cls != NULL ? " " : "", cls != NULL ? cls : "",
	    render_dur(buf, sizeof(buf), ns, known));
}

/* The unknown windows as a table, the first 10 * RENDER_LOSS_ROWS of them. */
static void
render_html_unknowns(const struct run_report *r, FILE *out)
{
	char	a[48];
	size_t	i, shown = 0, all, one;

	if (render_unknown_counts(r, &all, &one) == 0)
		return;
	fputs("<h2>Unknown windows</h2>\n<p class=\"sub\">The monitor could not see the target; "
	    "probes lost inside are not counted as losses.</p>\n<table>\n<tr><th>Start</th>"
	    "<th>Duration</th><th>Target</th><th>Reason</th></tr>\n", out);
	for (i = 0; i < r->nunknowns && shown < 10 * RENDER_LOSS_ROWS; i++) {
		const struct rr_unknown	*u = &r->unknowns[i];

		if (!u->matched)
			continue;
		fprintf(out, "<tr><td class=\"n\">%s</td>", render_local(a, sizeof(a), u->start_ns));
		render_html_dur(out, u->end_ns - u->start_ns, 1, NULL);
		fputs("<td>", out);
		if (u->target != NULL)
			render_esc_html(out, u->target);
		else
			fputs("all targets", out);
		fputs("</td><td>", out);
		render_esc_html(out, u->reason);
		fputs("</td></tr>\n", out);
		shown++;
	}
	if (all + one > shown)
		fprintf(out, "<tr><td colspan=\"4\">%zu more</td></tr>\n", all + one - shown);
	fputs("</table>\n", out);
}

/* The events list and the bench figures as tables, the first
 * 10 * RENDER_LOSS_ROWS rows of each. */
static void
render_html_events(const struct run_report *r, FILE *out)
{
	char	a[48];
	size_t	i, shown = 0, n = render_event_count(r);

	if (n > 0) {
		fputs("<h2>Network and monitor events</h2>\n<table>\n<tr><th>Time</th><th>Target</th>"
		    "<th>Kind</th><th>Event</th></tr>\n", out);
		for (i = 0; i < r->nevents && shown < 10 * RENDER_LOSS_ROWS; i++) {
			const struct rr_event	*e = &r->events[i];

			if (!render_event_listed(e))
				continue;
			fprintf(out, "<tr><td class=\"n\">%s</td><td>",
			    render_local(a, sizeof(a), e->ts_ns));
			render_esc_html(out, e->target != NULL ? e->target : "-");
			fputs("</td><td>", out);
			render_esc_html(out, e->kind);
			fputs("</td><td>", out);
			render_esc_html(out, e->text);
			fputs("</td></tr>\n", out);
			shown++;
		}
		if (n > shown)
			fprintf(out, "<tr><td colspan=\"4\">%zu more</td></tr>\n", n - shown);
		fputs("</table>\n", out);
	}
	if (r->nbench == 0)
		return;
	fputs("<h2>Benchmarks during this run</h2>\n<table>\n<tr><th>Started</th><th>Label</th>"
	    "<th>Test</th><th>Metric</th><th>Value</th><th>Unit</th></tr>\n", out);
	for (i = 0; i < r->nbench && i < 10 * RENDER_LOSS_ROWS; i++) {
		const struct rr_bench	*b = &r->bench[i];

		fprintf(out, "<tr><td class=\"n\">%s</td><td>", render_local(a, sizeof(a), b->ts_ns));
		render_esc_html(out, b->label);
		fputs("</td><td>", out);
		render_esc_html(out, b->test);
		fputs("</td><td>", out);
		render_esc_html(out, b->metric);
		fprintf(out, "</td><td class=\"n\">%s</td><td>",
		    render_bench_value(a, sizeof(a), b->value));
		render_esc_html(out, b->unit);
		fputs("</td></tr>\n", out);
	}
	if (r->nbench > 10 * RENDER_LOSS_ROWS)
		fprintf(out, "<tr><td colspan=\"6\">%zu more</td></tr>\n",
		    r->nbench - 10 * RENDER_LOSS_ROWS);
	fputs("</table>\n", out);
}

/* The run report as one self-contained HTML page. */
static void
render_html(const struct run_report *r, FILE *out)
{
	struct render_kv	 kv[RENDER_KV_MAX];
	const struct rr_marker	*fm = render_failover_marker(r);
	struct svg_plot		 p;
	char			 a[64], b[64], title[256];
	size_t			 i, j, n;
	int			 k, unk = render_any_unknown(r);

	snprintf(title, sizeof(title), "hamon run %" PRId64 "%s%s", r->id,
	    r->label != NULL ? ": " : "", r->label != NULL ? r->label : "");
	render_html_head(out, title);
	fputs("<h1>", out);
	render_esc_html(out, title);
	fprintf(out, "</h1>\n<p class=\"sub\">%s run", runreport_kind_name(r->kind));
	if (r->start_ns != 0)
		fprintf(out, ", %s", render_local(a, sizeof(a), r->start_ns));
	fputs("</p>\n<h2>Summary</h2>\n<table class=\"kv\">\n", out);
	if (r->command != NULL) {
		fputs("<tr><th>Command</th><td><code>", out);
		render_esc_html(out, r->command);
		fputs("</code></td></tr>\n", out);
	}
	render_html_kv(out, "Started", render_local(a, sizeof(a), r->start_ns));
	render_html_kv(out, "Ended", render_local(a, sizeof(a), r->end_ns));
	render_html_kv(out, "Duration", render_dur(a, sizeof(a), r->end_ns - r->start_ns,
	    r->start_ns != 0 && r->end_ns >= r->start_ns));
	if (r->exit_status >= 128)
		snprintf(a, sizeof(a), "%d (signal %d)", r->exit_status, r->exit_status - 128);
	else if (r->exit_status >= 0)
		snprintf(a, sizeof(a), "%d", r->exit_status);
	else
		snprintf(a, sizeof(a), "unknown");
	render_html_kv(out, "Exit status", a);
	snprintf(a, sizeof(a), "%" PRIu64 " bytes", r->output_bytes);
	render_html_kv(out, "Command output", a);
	if (r->mon_start_ns != 0) {
		render_local(a, sizeof(a), r->mon_start_ns);
		render_local(b, sizeof(b), r->mon_end_ns);
		snprintf(title, sizeof(title), "%s .. %s", a, b);
		render_html_kv(out, "Monitored", title);
	}
	if (render_unknown_counts(r, &i, &j) > 0) {
		fputs("<tr><th>Unknown</th><td>", out);
		render_unknown_summary(out, RR_FMT_HTML, r);
		fputs("</td></tr>\n", out);
	}
	if (r->timing != NULL)
		render_html_kv(out, "Timing", r->timing);
	fputs("</table>\n", out);

	fputs("<table>\n<tr><th>Target</th><th>Downtime</th><th>Lower</th><th>Upper</th>"
	    "<th>Bursts</th><th>Outages</th><th>Longest gap</th><th>Sent</th><th>Lost</th>", out);
	if (unk)
		fputs("<th>Unknown</th>", out);
	for (k = 0; k < RR_NWINDOWS; k++)
		fprintf(out, "<th>RTT %s<br>p50 / p99 ms</th>", render_window_names[k]);
	fputs("</tr>\n", out);
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		fputs("<tr><td>", out);
		render_esc_html(out, t->name);
		if (t->url != NULL) {
			fputs("<br><code>", out);
			render_esc_html(out, t->url);
			fputs("</code>", out);
		}
		if (t->path != NULL) {
			fputs("<br><small class=\"path\">path: ", out);
			render_esc_html(out, t->path);
			fputs("</small>", out);
		}
		fputs("</td>", out);
		render_html_dur(out, t->downtime_ns, 1, "dt");
		render_html_dur(out, t->downtime_lower_ns, 1, NULL);
		render_html_dur(out, t->downtime_upper_ns, 1, NULL);
		fprintf(out, "<td class=\"n\">%zu</td><td class=\"n\">%zu</td>", t->ncount[RR_BURST],
		    t->ncount[RR_OUTAGE]);
		render_html_dur(out, t->longest_gap_ns, t->longest_gap_ns >= 0, NULL);
		fprintf(out, "<td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64 "</td>",
		    t->sent, t->lost);
		if (unk)
			render_html_dur(out, t->unknown_ns, 1, NULL);
		for (k = 0; k < RR_NWINDOWS; k++) {
			if (t->rtt[k].n == 0) {
				fputs("<td class=\"n\">-</td>", out);
				continue;
			}
			fprintf(out, "<td class=\"n\">%s / %s</td>",
			    render_ms(a, sizeof(a), t->rtt[k].p50_ns, 1, ""),
			    render_ms(b, sizeof(b), t->rtt[k].p99_ns, 1, ""));
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);

	if (fm != NULL) {
		fputs("<h2>Failover</h2>\n<p class=\"sub\">From marker <b>", out);
		render_esc_html(out, fm->label);
		fprintf(out, "</b> at %s. Recovery is the time from the marker to the first reply "
		    "after the outage.</p>\n<table>\n<tr><th>Target</th><th>Last reply</th>"
		    "<th>First reply</th><th>Marker to last reply</th><th>Recovery</th><th>Gap</th>"
		    "</tr>\n", render_local(a, sizeof(a), fm->ts_ns));
		for (i = 0; i < r->ntargets; i++) {
			const struct rr_failover	*f = &r->targets[i]->failover;

			fputs("<tr><td>", out);
			render_esc_html(out, r->targets[i]->name);
			if (!f->valid) {
				fputs("</td><td colspan=\"5\">no outage after the marker</td></tr>\n", out);
				continue;
			}
			fprintf(out, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>",
			    render_local(a, sizeof(a), f->last_reply_ns),
			    f->first_reply_ns >= 0 ? render_local(b, sizeof(b), f->first_reply_ns) :
			    "never");
			render_html_dur(out, f->to_last_ns, f->last_reply_ns >= 0, NULL);
			render_html_dur(out, f->recovery_ns, f->recovery_ns >= 0, "dt");
			render_html_dur(out, f->gap_ns, f->gap_ns >= 0, NULL);
			fputs("</tr>\n", out);
		}
		fputs("</table>\n", out);
	}

	n = render_hv_rows(&r->hv, kv);
	if (n > 0) {
		fputs("<h2>Hypervisor</h2>\n<p class=\"sub\">As stated in the command's output.</p>\n"
		    "<table class=\"kv\">\n", out);
		for (i = 0; i < n; i++)
			render_html_kv(out, kv[i].key, kv[i].val);
		fputs("</table>\n", out);
		if (r->hv.nha > 0) {
			fputs("<table>\n<tr><th>Time (hypervisor)</th><th>Host</th><th>HA event</th>"
			    "</tr>\n", out);
			for (i = 0; i < r->hv.nha; i++) {
				render_ha_text(&r->hv.ha[i], title, sizeof(title));
				fprintf(out, "<tr><td class=\"n\">%s</td><td>",
				    render_stamp(a, sizeof(a), &r->hv.ha[i].when));
				render_esc_html(out, r->hv.ha[i].host);
				fputs("</td><td>", out);
				render_esc_html(out, title);
				fputs("</td></tr>\n", out);
			}
			fputs("</table>\n", out);
		}
	}

	fprintf(out, "<h2>Timelines</h2>\n<p class=\"legend\"><span><i class=\"sw sw-r\"></i>RTT "
	    "(lowest and highest per pixel)</span><span><i class=\"sw sw-o\"></i>outage</span>"
	    "<span><i class=\"sw sw-b\"></i>loss burst</span><span><i class=\"sw sw-l\"></i>lost "
	    "probes</span><span><i class=\"sw sw-s\"></i>command running</span><span><i "
	    "class=\"sw sw-m\"></i>marker</span>%s%s%s</p>\n", render_unknown_counts(r, &i, &j) > 0 ?
	    "<span><i class=\"sw sw-u\"></i>unknown (monitor could not see; losses not counted)"
	    "</span>" : "", render_event_count(r) > 0 ? "<span><i class=\"sw sw-e\"></i>network or "
	    "monitor event</span>" : "", r->nbench > 0 ? "<span><i class=\"sw sw-k\"></i>bench "
	    "started</span>" : "");
	svg_range(r, &p);
	for (i = 0; i < r->ntargets; i++) {
		const struct rr_target	*t = r->targets[i];

		fputs("<h3>", out);
		render_esc_html(out, t->name);
		fprintf(out, "</h3>\n<p class=\"sub\">downtime %s [%s, %s], %zu bursts, %zu outages",
		    render_dur(a, sizeof(a), t->downtime_ns, 1),
		    render_dur(b, sizeof(b), t->downtime_lower_ns, 1),
		    render_dur(title, sizeof(title), t->downtime_upper_ns, 1), t->ncount[RR_BURST],
		    t->ncount[RR_OUTAGE]);
		fprintf(out, ", %" PRIu64 " of %" PRIu64 " probes lost", t->lost, t->sent);
		if (t->unknown_ns > 0)
			fprintf(out, ", unknown %s", render_dur(a, sizeof(a), t->unknown_ns, 1));
		fputs("</p>\n", out);
		svg_target(out, &p, r, t);
		if (t->nbursts == 0)
			continue;
		fprintf(out, "<details><summary>%zu loss periods</summary>\n<table>\n<tr><th>Kind</th>"
		    "<th>Start</th><th>Duration</th><th>Lower</th><th>Upper</th><th>Lost</th></tr>\n",
		    t->nbursts);
		for (j = 0; j < t->nbursts && j < 10 * RENDER_LOSS_ROWS; j++) {
			const struct rr_burst	*bu = &t->bursts[j];

			fprintf(out, "<tr><td>%s%s</td><td class=\"n\">%s</td>",
			    bu->kind == RR_OUTAGE ? "outage" : "burst", bu->open ? " (open)" : "",
			    render_local(a, sizeof(a), bu->start_ns));
			render_html_dur(out, bu->end_ns - bu->start_ns, 1, NULL);
			render_html_dur(out, bu->lower_ns, 1, NULL);
			render_html_dur(out, bu->upper_ns, 1, NULL);
			fprintf(out, "<td class=\"n\">%" PRIu64 "</td></tr>\n", bu->lost);
		}
		if (t->nbursts > 10 * RENDER_LOSS_ROWS)
			fprintf(out, "<tr><td colspan=\"6\">%zu more</td></tr>\n",
			    t->nbursts - 10 * RENDER_LOSS_ROWS);
		fputs("</table></details>\n", out);
	}
	if (r->nmarkers > 0) {
		fputs("<h2>Markers</h2>\n<table>\n<tr><th>Time</th><th>Marker</th></tr>\n", out);
		for (i = 0; i < r->nmarkers; i++) {
			fprintf(out, "<tr><td class=\"n\">%s</td><td>",
			    render_local(a, sizeof(a), r->markers[i].ts_ns));
			render_esc_html(out, r->markers[i].label);
			fputs("</td></tr>\n", out);
		}
		fputs("</table>\n", out);
	}
	render_html_unknowns(r, out);
	render_html_events(r, out);
	fputs("<footer>Generated by hamon. Downtime is the sum of loss bursts; bounds follow from "
	    "the probe spacing. Times are local unless marked.</footer>\n</body>\n</html>\n", out);
}

/* The aggregate as one HTML page with its table. */
static void
render_agg_html(const struct run_aggregate *a, FILE *out)
{
	char	t0[48], t1[48], title[256];
	size_t	i;

	snprintf(title, sizeof(title), "hamon runs%s%s", a->label != NULL ? " labelled " : "",
	    a->label != NULL ? a->label : "");
	render_html_head(out, title);
	fputs("<h1>", out);
	render_esc_html(out, title);
	fprintf(out, "</h1>\n<p class=\"sub\">%zu runs, %s .. %s</p>\n<table>\n<tr><th>Target</th>"
	    "<th>Runs</th><th>Min</th><th>p50</th><th>p95</th><th>Max</th></tr>\n", a->nruns,
	    render_local(t0, sizeof(t0), a->first_ns), render_local(t1, sizeof(t1), a->last_ns));
	for (i = 0; i < a->ntargets; i++) {
		const struct runagg_target	*t = a->targets[i];

		fputs("<tr><td>", out);
		render_esc_html(out, t->name);
		fprintf(out, "</td><td class=\"n\">%zu</td>", t->n);
		render_html_dur(out, t->min_ns, t->n > 0, NULL);
		render_html_dur(out, t->p50_ns, t->n > 0, "dt");
		render_html_dur(out, t->p95_ns, t->n > 0, NULL);
		render_html_dur(out, t->max_ns, t->n > 0, NULL);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n</body>\n</html>\n", out);
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
		render_html(r, out);
		break;
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
		render_agg_html(a, out);
	else
		render_agg(a, fmt, out);
	return (ferror(out) ? -1 : 0);
}
