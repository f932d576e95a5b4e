/* SPDX-License-Identifier: ISC */
/* live.c: the terminal live view of `hamon monitor --live` and `hamon top`.
 *
 * On a terminal: a full-screen table (ncurses) redrawn every 100 ms from a
 * timer on the monitor's own event loop. What the table needs to be cheap
 * with 10 000 targets:
 * - the order (DOWN first, then UNKNOWN, then UP, by name inside each) is a
 *   walk over one list sorted by name once at the start, redone only when a
 *   state changed (the event bus says so) or the filter did: O(targets),
 *   no sort per refresh;
 * - per-target figures are read only for the rows on the screen;
 * - ncurses sends the terminal only the cells that changed.
 * The cost of each refresh is measured and logged at the end (-v).
 *
 * Nothing else may write on the screen meanwhile: the monitor is made quiet
 * (transitions are still stored), and stderr (fd 2, so also the store's
 * writer thread, libevent and children) goes into a pipe this view reads:
 * its last lines are shown in a pane at the bottom and every line kept is
 * printed again on the real stderr once the terminal is restored.
 *
 * Without a terminal the view prints one status line a second instead (the
 * monitor's own transition lines go on as usual). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>
#include <event2/event.h>

#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "cli/live.h"
#include "monitor/events.h"
#include "monitor/monitor.h"

#define LIVE_TICK_US   100000  /* table refresh */
#define LIVE_STATUS_US 1000000 /* status line without a terminal */
#define LIVE_LOG_KEEP  500     /* captured log lines kept for the end */
#define LIVE_LOG_ROWS  4       /* of which shown in the pane */
#define LIVE_HEAD_ROWS 3       /* two header lines and the column names */
#define LIVE_NAME_MAX  32      /* widest name column */
#define LIVE_DOWN_LIST 8       /* down targets named on a status line */

/* The last outage of one target, as the bus announced it. */
struct live_outage {
	int64_t duration_ns, lower_ns, upper_ns; /* duration -1 before one */
};

struct live {
	struct monitor *m;
	int screen; /* the table; else status lines */
	int json;
	size_t nt;
	const char **names;
	unsigned char *state; /* enum monitor_target_state, from the bus */
	size_t *byname;       /* target indices sorted by name */
	size_t *order;        /* what the table shows, in order */
	size_t norder;        /* rows in order (the filter drops some) */
	size_t nup, ndown, nunknown;
	int dirty;   /* order to be rebuilt */
	int stopped; /* live_stop() done: events still counted */
	struct live_outage *last;
	uint64_t marks;
	char last_mark[64];
	int64_t start_mono;
	struct event *tick;

	/* the screen */
	SCREEN *scr;
	int keys; /* stdin is the terminal: read keys */
	int colours;
	int namew;     /* name column width */
	size_t top;    /* first row shown */
	int stopping;  /* q pressed */
	int filtering; /* the filter is being typed */
	char filter[LIVE_NAME_MAX + 1];
	struct event *input;
	const char *pm; /* "±", or "+-" where the locale is not UTF-8 */

	/* stderr while the screen is live */
	int saved_stderr; /* the real one, -1 when not redirected */
	int logfd;        /* read end of the pipe that is now fd 2 */
	struct event *logev;
	char partial[512];
	size_t partlen;
	char *logs[LIVE_LOG_KEEP];
	uint64_t nlogs; /* lines ever captured; the last LIVE_LOG_KEEP are kept */

	/* what a refresh costs */
	uint64_t renders, orders;
	int64_t render_first_ns, render_max_ns, render_sum_ns; /* max: after the first */
	int64_t order_max_ns;
	int64_t cpu_max_ns, cpu_sum_ns; /* the same in this thread's CPU time */
};

/* The one view that owns the terminal, for the exit handler. */
static struct live *live_owner;
static int live_atexit_set;

static void live_restore(struct live *l);

/* qsort's comparison has no argument: the names being sorted. */
static const char **live_sort_names;

/* Order two target indices by name. */
static int
live_cmp_name(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return strcmp(live_sort_names[x], live_sort_names[y]);
}

/* Does stdout go to a terminal that terminfo knows? */
int
live_screen_possible(void)
{
	int err = 0;

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK || err != 1)
		return 0;
	/* Only asked: newterm() sets the terminal up for itself. */
	del_curterm(cur_term);
	return 1;
}

/* A listener on the monitor's bus: states, last outages, markers. */
static void
live_on_event(const struct mev *e, void *arg)
{
	struct live *l = arg;
	unsigned char st;

	if (e->kind == MEV_MARK) {
		l->marks++;
		log_escape(l->last_mark, sizeof(l->last_mark), e->label ? e->label : "",
			   e->label ? strlen(e->label) : 0);
		return;
	}
	if (e->target == MEV_NO_TARGET || e->target >= l->nt)
		return;
	switch (e->kind) {
	case MEV_DOWN:
		st = MONITOR_STATE_DOWN;
		break;
	case MEV_UP:
	case MEV_WITHDRAWN: /* the DOWN was disproved */
		st = MONITOR_STATE_UP;
		if (e->kind == MEV_UP && e->duration_ns >= 0) {
			l->last[e->target].duration_ns = e->duration_ns;
			l->last[e->target].lower_ns = e->lower_ns;
			l->last[e->target].upper_ns = e->upper_ns;
		}
		break;
	default:
		return;
	}
	if (l->state[e->target] != st) {
		l->state[e->target] = st;
		l->dirty = 1;
	}
}

/* Rebuild the row order: DOWN, then UNKNOWN, then UP, each by name, only
 * the names the filter matches; and count the states. */
static void
live_order(struct live *l)
{
	static const unsigned char groups[] = { MONITOR_STATE_DOWN, MONITOR_STATE_UNKNOWN,
						MONITOR_STATE_UP };
	size_t g, k, i, n = 0;
	int64_t t0 = time_mono_ns();

	l->nup = l->ndown = l->nunknown = 0;
	for (i = 0; i < l->nt; i++) {
		if (l->state[i] == MONITOR_STATE_UP)
			l->nup++;
		else if (l->state[i] == MONITOR_STATE_DOWN)
			l->ndown++;
		else
			l->nunknown++;
	}
	for (g = 0; g < sizeof(groups); g++)
		for (k = 0; k < l->nt; k++) {
			i = l->byname[k];
			if (l->state[i] != groups[g])
				continue;
			if (l->filter[0] != '\0' && strstr(l->names[i], l->filter) == NULL)
				continue;
			l->order[n++] = i;
		}
	l->norder = n;
	l->dirty = 0;
	l->orders++;
	if (time_mono_ns() - t0 > l->order_max_ns)
		l->order_max_ns = time_mono_ns() - t0;
}

/* "1.503s ±5ms": an outage and the half-width of its bounds. */
static void
live_format_outage(const struct live *l, const struct live_outage *o, char *buf, size_t len)
{
	char dur[32];
	int64_t hw;

	duration_format(o->duration_ns, dur, sizeof(dur));
	hw = (o->upper_ns - o->lower_ns) / 2;
	if (hw >= NSEC_PER_MSEC)
		snprintf(buf, len, "%s %s%.*fms", dur, l->pm, hw % NSEC_PER_MSEC ? 1 : 0,
			 (double)hw / 1e6);
	else
		snprintf(buf, len, "%s %s%" PRId64 "us", dur, l->pm, (int64_t)(hw / NSEC_PER_USEC));
}

/* "1:02:03" for a run time. */
static void
live_format_uptime(int64_t ns, char *buf, size_t len)
{
	int64_t s = ns / NSEC_PER_SEC;

	snprintf(buf, len, "%" PRId64 ":%02d:%02d", s / 3600, (int)(s / 60 % 60), (int)(s % 60));
}

/* Rows the table has on this screen (below the header, above the log pane). */
static size_t
live_rows(const struct live *l)
{
	int rows = LINES - LIVE_HEAD_ROWS - (l->nlogs ? LIVE_LOG_ROWS + 1 : 0);

	return rows > 0 ? (size_t)rows : 0;
}

/* Keep the first row shown inside the table. */
static void
live_clamp(struct live *l)
{
	size_t rows = live_rows(l);

	if (l->norder <= rows)
		l->top = 0;
	else if (l->top > l->norder - rows)
		l->top = l->norder - rows;
}

/* Draw one target's row at screen line y. */
static void
live_draw_row(struct live *l, int y, size_t i)
{
	struct monitor_target_stats st;
	static const char *const states[] = { "UNKNOWN", "UP", "DOWN" };
	char name[LIVE_NAME_MAX + 1], line[512], downfor[32] = "", last[64] = "-";
	char p50[16] = "-", p99[16] = "-", loss[16] = "-";
	uint64_t decided;
	int64_t q;
	short pair;

	monitor_target_stats(l->m, i, &st);
	log_escape(name, sizeof(name), st.name, strlen(st.name));
	if (st.state == MONITOR_STATE_DOWN)
		duration_format(monitor_now_mono(l->m) - st.down_since_mono, downfor,
				sizeof(downfor));
	if (l->last[i].duration_ns >= 0)
		live_format_outage(l, &l->last[i], last, sizeof(last));
	else if (st.last_outage_ns >= 0)
		duration_format(st.last_outage_ns, last, sizeof(last));
	decided = st.received + st.refused + st.lost + st.unknown;
	if (decided > 0)
		snprintf(loss, sizeof(loss), "%.2f", 100.0 * (double)st.lost / (double)decided);
	if ((q = monitor_target_rtt_quantile(l->m, i, 0.5)) >= 0)
		snprintf(p50, sizeof(p50), "%.3f", (double)q / 1e6);
	if ((q = monitor_target_rtt_quantile(l->m, i, 0.99)) >= 0)
		snprintf(p99, sizeof(p99), "%.3f", (double)q / 1e6);
	snprintf(line, sizeof(line), "%-*.*s %-7s %-12s %-22s %7s %8s %8s %9" PRIu64 " %7" PRIu64,
		 l->namew, l->namew, name, states[st.state <= 2 ? st.state : 0], downfor, last,
		 loss, p50, p99, st.sent, st.lost);
	mvaddnstr(y, 0, line, COLS);
	if (l->colours && l->namew + 1 < COLS) {
		pair = st.state == MONITOR_STATE_UP ? 2 : st.state == MONITOR_STATE_DOWN ? 1 : 3;
		mvchgat(y, l->namew + 1, 7, A_BOLD, pair, NULL);
	}
}

/* Draw the whole screen: header, table rows, log pane. */
static void
live_draw(struct live *l)
{
	struct monitor_lag lag;
	char up[32], line[512], p99[32], mx[32];
	size_t rows, r, k;
	int y;

	if (l->dirty)
		live_order(l);
	live_clamp(l);
	rows = live_rows(l);
	erase();
	monitor_get_lag(l->m, &lag);
	live_format_uptime(monitor_now_mono(l->m) - l->start_mono, up, sizeof(up));
	duration_format(lag.p99_ns, p99, sizeof(p99));
	duration_format(lag.max_ns, mx, sizeof(mx));
	snprintf(line, sizeof(line),
		 "hamon %s  %zu target%s: %zu up, %zu down, %zu unknown  marks %" PRIu64
		 "%s%s%s  send lag p99 %s max %s%s",
		 up, l->nt, l->nt == 1 ? "" : "s", l->nup, l->ndown, l->nunknown, l->marks,
		 l->marks ? " (" : "", l->marks ? l->last_mark : "", l->marks ? ")" : "", p99, mx,
		 l->stopping ? "  STOPPING" : "");
	attron(A_BOLD);
	mvaddnstr(0, 0, line, COLS);
	attroff(A_BOLD);
	if (l->filtering)
		snprintf(line, sizeof(line), "filter: %s_   (Enter keeps it, Esc clears it)",
			 l->filter);
	else
		snprintf(line, sizeof(line),
			 "rows %zu-%zu of %zu%s%s%s   q quit  arrows/PgUp/PgDn scroll  / filter",
			 l->norder ? l->top + 1 : 0,
			 l->top + (rows < l->norder - l->top ? rows : l->norder - l->top),
			 l->norder, l->filter[0] ? " matching \"" : "", l->filter,
			 l->filter[0] ? "\"" : "");
	mvaddnstr(1, 0, line, COLS);
	snprintf(line, sizeof(line), "%-*s %-7s %-12s %-22s %7s %8s %8s %9s %7s", l->namew, "NAME",
		 "STATE", "DOWN FOR", "LAST OUTAGE", "LOSS%", "P50 ms", "P99 ms", "SENT", "LOST");
	attron(A_REVERSE);
	mvaddnstr(2, 0, line, COLS);
	attroff(A_REVERSE);
	for (r = 0, y = LIVE_HEAD_ROWS; r < rows && l->top + r < l->norder; r++, y++)
		live_draw_row(l, y, l->order[l->top + r]);
	if (l->nlogs > 0 && LINES > LIVE_HEAD_ROWS + LIVE_LOG_ROWS + 1) {
		y = LINES - LIVE_LOG_ROWS - 1;
		snprintf(line, sizeof(line), "-- log: %" PRIu64 " line%s, printed again at exit --",
			 l->nlogs, l->nlogs == 1 ? "" : "s");
		attron(A_DIM);
		mvaddnstr(y++, 0, line, COLS);
		attroff(A_DIM);
		k = l->nlogs > LIVE_LOG_ROWS ? LIVE_LOG_ROWS : (size_t)l->nlogs;
		for (; k > 0; k--, y++)
			mvaddnstr(y, 0, l->logs[(l->nlogs - k) % LIVE_LOG_KEEP], COLS);
	}
	refresh();
}

/* Keep one captured log line (escaped). */
static void
live_log_line(struct live *l, const char *s, size_t len)
{
	char buf[sizeof(l->partial) * 4 + 1];
	size_t slot = l->nlogs % LIVE_LOG_KEEP;

	log_escape(buf, sizeof(buf), s, len);
	free(l->logs[slot]);
	l->logs[slot] = xstrdup(buf);
	l->nlogs++;
}

/* Read what was written on stderr and cut it into lines. */
static void
live_log_drain(struct live *l)
{
	char buf[8192];
	ssize_t n, i;

	if (l->logfd < 0)
		return;
	while ((n = read(l->logfd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || l->partlen == sizeof(l->partial)) {
				live_log_line(l, l->partial, l->partlen);
				l->partlen = 0;
				if (buf[i] == '\n')
					continue;
			}
			l->partial[l->partlen++] = buf[i];
		}
}

/* The stderr pipe is readable. */
static void
live_log_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	live_log_drain(arg);
}

/* One key: quit, scroll, filter, redraw. */
static void
live_key(struct live *l, int c)
{
	size_t rows = live_rows(l), len = strlen(l->filter);

	if (l->filtering) {
		if (c == '\n' || c == '\r' || c == KEY_ENTER)
			l->filtering = 0;
		else if (c == 27) {
			l->filtering = 0;
			l->filter[0] = '\0';
		} else if ((c == KEY_BACKSPACE || c == 127 || c == 8) && len > 0)
			l->filter[len - 1] = '\0';
		else if (c >= 0x20 && c < 0x7f && len + 1 < sizeof(l->filter)) {
			l->filter[len] = (char)c;
			l->filter[len + 1] = '\0';
		} else if (c != KEY_RESIZE)
			return;
		l->top = 0;
		l->dirty = 1;
		return;
	}
	switch (c) {
	case 'q':
	case 'Q':
		/* As SIGINT does: stop sending, end once the replies are in. */
		if (!l->stopping)
			monitor_stop(l->m);
		l->stopping = 1;
		break;
	case KEY_UP:
	case 'k':
		if (l->top > 0)
			l->top--;
		break;
	case KEY_DOWN:
	case 'j':
		l->top++;
		break;
	case KEY_PPAGE:
		l->top = l->top > rows ? l->top - rows : 0;
		break;
	case KEY_NPAGE:
	case ' ':
		l->top += rows;
		break;
	case KEY_HOME:
	case 'g':
		l->top = 0;
		break;
	case KEY_END:
	case 'G':
		l->top = l->norder;
		break;
	case '/':
		l->filtering = 1;
		break;
	case 27:
		l->filter[0] = '\0';
		l->dirty = 1;
		break;
	case 12: /* ^L */
		clearok(curscr, TRUE);
		break;
	case KEY_RESIZE:
		/* ncurses has taken the new size (its SIGWINCH handler). */
		clearok(curscr, TRUE);
		break;
	}
	live_clamp(l);
}

/* Take every key waiting. */
static void
live_keys(struct live *l)
{
	int c, n;

	if (!l->keys)
		return;
	for (n = 0; n < 256 && (c = getch()) != ERR; n++)
		live_key(l, c);
}

/* stdin is readable. */
static void
live_input_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	live_keys(arg);
}

/* CPU time of this thread: what a refresh costs whatever else runs. */
static int64_t
live_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Every 100 ms: keys (a resize arrives as one), the log pipe, then draw. */
static void
live_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;
	int64_t t0, dt, c0;

	(void)fd;
	(void)what;
	live_keys(l);
	live_log_drain(l);
	c0 = live_cpu_ns();
	t0 = time_mono_ns();
	live_draw(l);
	dt = time_mono_ns() - t0;
	c0 = live_cpu_ns() - c0;
	/* The first one paints the whole screen and sets the terminal up. */
	if (l->renders++ == 0)
		l->render_first_ns = dt;
	else {
		l->render_sum_ns += dt;
		if (dt > l->render_max_ns)
			l->render_max_ns = dt;
		l->cpu_sum_ns += c0;
		if (c0 > l->cpu_max_ns)
			l->cpu_max_ns = c0;
	}
}

/* Once a second without a terminal: how many targets are in which state,
 * and which are down since when. */
static void
live_status_cb(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;
	struct monitor_target_stats st;
	int64_t now = monitor_now_mono(l->m), real = monitor_now_real(l->m);
	char when[64], dur[32], list[512] = "";
	size_t k, shown = 0, used = 0;
	struct jsonw *j = NULL;

	(void)fd;
	(void)what;
	if (l->dirty)
		live_order(l);
	if (l->json) {
		j = jsonw_new(stdout);
		jsonw_obj_open(j);
		jsonw_string_field(j, "event", "status");
		jsonw_time_field(j, "time", real);
		jsonw_uint_field(j, "targets", l->nt);
		jsonw_uint_field(j, "up", l->nup);
		jsonw_uint_field(j, "down", l->ndown);
		jsonw_uint_field(j, "unknown", l->nunknown);
		jsonw_uint_field(j, "marks", l->marks);
		jsonw_name(j, "down_targets");
		jsonw_arr_open(j);
	}
	/* DOWN targets come first in the order. */
	for (k = 0; k < l->norder && shown < LIVE_DOWN_LIST; k++) {
		size_t i = l->order[k];

		if (l->state[i] != MONITOR_STATE_DOWN)
			break;
		monitor_target_stats(l->m, i, &st);
		if (st.state != MONITOR_STATE_DOWN)
			continue;
		shown++;
		if (j != NULL) {
			jsonw_obj_open(j);
			jsonw_string_field(j, "target", st.name);
			jsonw_ms_field(j, "down_for_ms", now - st.down_since_mono);
			jsonw_obj_close(j);
			continue;
		}
		duration_format(now - st.down_since_mono, dur, sizeof(dur));
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s %s",
						 used ? ", " : "; down: ", st.name, dur);
	}
	if (j != NULL) {
		jsonw_arr_close(j);
		jsonw_obj_close(j);
		jsonw_free(j);
	} else {
		time_format_local(real, when, sizeof(when));
		printf("%s status %zu target%s: %zu up, %zu down, %zu unknown%s%s\n", when, l->nt,
		       l->nt == 1 ? "" : "s", l->nup, l->ndown, l->nunknown, list,
		       l->ndown > shown ? ", ..." : "");
	}
	fflush(stdout);
}

/* At exit (a fatal error, exit() anywhere): give the terminal back. */
static void
live_atexit(void)
{
	if (live_owner != NULL)
		live_restore(live_owner);
}

/* Send stderr into a pipe the loop reads; 0 or -1 (then stderr is kept). */
static int
live_capture_stderr(struct live *l)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
#ifdef F_SETPIPE_SZ
	/* Room for a burst of warnings inside one callback: the write end is
	 * non-blocking, so a full pipe would lose lines, never stall the loop. */
	(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
#endif
	fflush(stderr);
	if ((l->saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    dup2(p[1], STDERR_FILENO) < 0) {
		if (l->saved_stderr >= 0)
			close(l->saved_stderr);
		l->saved_stderr = -1;
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	l->logfd = p[0];
	return 0;
}

/* Start the table on the terminal; -1 when the terminal cannot be had. */
static int
live_start_screen(struct live *l)
{
	const char *cs;
	size_t i, w = 4;

	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	l->pm = cs != NULL && strcmp(cs, "UTF-8") == 0 ? "\xc2\xb1" : "+-";
	if ((l->scr = newterm(NULL, stdout, stdin)) == NULL)
		return -1;
	set_term(l->scr);
	live_owner = l;
	if (!live_atexit_set) {
		atexit(live_atexit);
		live_atexit_set = 1;
	}
	l->keys = isatty(STDIN_FILENO);
	cbreak();
	noecho();
	nonl();
	curs_set(0);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_RED, -1);
		init_pair(2, COLOR_GREEN, -1);
		init_pair(3, COLOR_YELLOW, -1);
		l->colours = 1;
	}
	for (i = 0; i < l->nt; i++)
		if (strlen(l->names[i]) > w)
			w = strlen(l->names[i]);
	l->namew = w > LIVE_NAME_MAX ? LIVE_NAME_MAX : (int)w;
	if (live_capture_stderr(l) == 0) {
		l->logev = event_new(monitor_base(l->m), l->logfd, EV_READ | EV_PERSIST,
				     live_log_cb, l);
		event_add(l->logev, NULL);
	}
	if (l->keys) {
		l->input = event_new(monitor_base(l->m), STDIN_FILENO, EV_READ | EV_PERSIST,
				     live_input_cb, l);
		event_add(l->input, NULL);
	}
	return 0;
}

/* Start the live view (see live.h). */
struct live *
live_start(struct monitor *m, int screen, int json)
{
	struct live *l = xcalloc(1, sizeof(*l));
	struct monitor_target_stats st;
	struct timeval tv;
	size_t i;

	l->m = m;
	l->json = json;
	l->saved_stderr = -1;
	l->logfd = -1;
	l->nt = monitor_ntargets(m);
	l->names = xcalloc(l->nt + 1, sizeof(*l->names));
	l->state = xcalloc(l->nt + 1, 1);
	l->byname = xcalloc(l->nt + 1, sizeof(*l->byname));
	l->order = xcalloc(l->nt + 1, sizeof(*l->order));
	l->last = xcalloc(l->nt + 1, sizeof(*l->last));
	for (i = 0; i < l->nt; i++) {
		monitor_target_stats(m, i, &st);
		l->names[i] = st.name;
		l->state[i] = (unsigned char)st.state;
		l->byname[i] = i;
		l->last[i].duration_ns = -1;
	}
	live_sort_names = l->names;
	qsort(l->byname, l->nt, sizeof(*l->byname), live_cmp_name);
	l->dirty = 1;
	l->start_mono = monitor_now_mono(m);
	if (monitor_listen(m, live_on_event, l) != 0)
		log_warnx("live view: no room on the event bus; states shown as they were");
	if (screen && live_start_screen(l) != 0) {
		log_warnx("live view: cannot use the terminal; status lines instead");
		screen = 0;
	}
	l->screen = screen;
	tv.tv_sec = 0;
	tv.tv_usec = screen ? LIVE_TICK_US : 0;
	if (!screen)
		tv.tv_sec = LIVE_STATUS_US / 1000000;
	l->tick = event_new(monitor_base(m), -1, EV_PERSIST, screen ? live_tick_cb : live_status_cb,
			    l);
	event_add(l->tick, &tv);
	if (screen)
		live_tick_cb(-1, 0, l);
	return l;
}

/* Leave the screen and put stderr back, printing the captured lines. */
static void
live_restore(struct live *l)
{
	uint64_t k, first;

	if (l->scr != NULL) {
		live_log_drain(l);
		endwin();
		delscreen(l->scr);
		l->scr = NULL;
	}
	if (l->saved_stderr >= 0) {
		dup2(l->saved_stderr, STDERR_FILENO);
		close(l->saved_stderr);
		l->saved_stderr = -1;
		if (l->partlen > 0)
			live_log_line(l, l->partial, l->partlen);
		l->partlen = 0;
		first = l->nlogs > LIVE_LOG_KEEP ? l->nlogs - LIVE_LOG_KEEP : 0;
		if (first > 0)
			fprintf(stderr, "hamon: (%" PRIu64 " earlier log lines not kept)\n", first);
		for (k = first; k < l->nlogs; k++)
			fprintf(stderr, "%s\n", l->logs[k % LIVE_LOG_KEEP]);
	}
	if (l->logfd >= 0) {
		close(l->logfd);
		l->logfd = -1;
	}
	if (live_owner == l)
		live_owner = NULL;
}

/* Stop the view (see live.h). */
void
live_stop(struct live *l)
{
	if (l == NULL || l->stopped)
		return;
	l->stopped = 1;
	if (l->tick != NULL)
		event_free(l->tick);
	if (l->input != NULL)
		event_free(l->input);
	if (l->logev != NULL)
		event_free(l->logev);
	l->tick = l->input = l->logev = NULL;
	live_restore(l);
	if (l->renders > 1)
		log_debug("live view: %" PRIu64 " refreshes of %zu targets: render max %.3f ms, "
			  "mean %.3f ms (CPU max %.3f ms, mean %.3f ms; first %.3f ms); %" PRIu64
			  " re-orders, max %.3f ms",
			  l->renders, l->nt, (double)l->render_max_ns / 1e6,
			  (double)l->render_sum_ns / 1e6 / (double)(l->renders - 1),
			  (double)l->cpu_max_ns / 1e6,
			  (double)l->cpu_sum_ns / 1e6 / (double)(l->renders - 1),
			  (double)l->render_first_ns / 1e6, l->orders,
			  (double)l->order_max_ns / 1e6);
}

/* Free the view once the monitor, whose bus still calls it, is gone. */
void
live_free(struct live *l)
{
	size_t i;

	if (l == NULL)
		return;
	live_stop(l);
	for (i = 0; i < LIVE_LOG_KEEP; i++)
		free(l->logs[i]);
	free(l->names);
	free(l->state);
	free(l->byname);
	free(l->order);
	free(l->last);
	free(l);
}
