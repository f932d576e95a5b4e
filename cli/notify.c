/* SPDX-License-Identifier: ISC */
/* notify.c: sd_notify(3) for `hamon monitor` run as a Type=notify service.
 *
 * Everything is sent from timers on the monitor's own event loop, never
 * from a thread: a keep-alive then proves that the loop which sends the
 * probes is still turning, so systemd's watchdog catches a stalled loop,
 * not only a dead process. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "cli/notify.h"
#include "monitor/monitor.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

/* Until READY=1 the first probe is looked for this often, then STATUS= is
 * checked once a second. */
#define NOTIFY_WAIT_US   10000
#define NOTIFY_STATUS_US 1000000

struct notify {
	struct monitor *m;
	struct event *tick;     /* READY=1, then STATUS= */
	struct event *watchdog; /* WATCHDOG=1; NULL without WATCHDOG_USEC */
	int ready;
	int failed;      /* one warning for a failing sd_notify, not one a second */
	char status[96]; /* the STATUS= last sent */
};

/* Send msg; a failure is logged once and the monitor carries on. */
static void
notify_send(struct notify *n, const char *msg)
{
	int rc = sd_notify(0, msg);

	if (rc < 0 && !n->failed) {
		n->failed = 1;
		log_warnx("sd_notify: %s", strerror(-rc));
	}
}

/* "3 targets: 2 up, 1 down" (and "n unknown" while any has no verdict). */
static void
notify_format_status(struct monitor *m, char *buf, size_t len)
{
	struct monitor_target_stats st;
	size_t i, nt = monitor_ntargets(m), up = 0, down = 0;

	for (i = 0; i < nt; i++) {
		monitor_target_stats(m, i, &st);
		if (st.state == MONITOR_STATE_UP)
			up++;
		else if (st.state == MONITOR_STATE_DOWN)
			down++;
	}
	snprintf(buf, len, "%zu target%s: %zu up, %zu down", nt, nt == 1 ? "" : "s", up, down);
	if (up + down < nt)
		snprintf(buf + strlen(buf), len - strlen(buf), ", %zu unknown", nt - up - down);
}

/* Has any target sent its first probe? */
static int
notify_probing(struct monitor *m)
{
	struct monitor_target_stats st;
	size_t i, nt = monitor_ntargets(m);

	for (i = 0; i < nt; i++) {
		monitor_target_stats(m, i, &st);
		if (st.sent > 0)
			return 1;
	}
	return 0;
}

/* The tick: READY=1 (with the first STATUS=) once probing has begun, then
 * STATUS= whenever the figures changed since the last one. */
static void
notify_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct notify *n = arg;
	struct timeval tv;
	char status[sizeof n->status], msg[sizeof n->status + 32];

	if (!n->ready) {
		if (!notify_probing(n->m))
			return;
		n->ready = 1;
		notify_format_status(n->m, n->status, sizeof n->status);
		snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", n->status);
		notify_send(n, msg);
		tv.tv_sec = NOTIFY_STATUS_US / 1000000;
		tv.tv_usec = NOTIFY_STATUS_US % 1000000;
		evtimer_add(n->tick, &tv);
		return;
	}
	notify_format_status(n->m, status, sizeof status);
	if (strcmp(status, n->status) == 0)
		return;
	memcpy(n->status, status, sizeof n->status);
	snprintf(msg, sizeof msg, "STATUS=%s", status);
	notify_send(n, msg);
}

/* The watchdog keep-alive. */
static void
notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	notify_send(arg, "WATCHDOG=1");
}

/* See notify.h. */
struct notify *
notify_start(struct monitor *m)
{
	struct event_base *base = monitor_base(m);
	struct timeval tv = { 0, NOTIFY_WAIT_US };
	struct notify *n;
	uint64_t usec = 0;
	int rc;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return NULL;
	n = xcalloc(1, sizeof *n);
	n->m = m;
	if ((n->tick = event_new(base, -1, EV_PERSIST, notify_tick_cb, n)) == NULL)
		fatalx("event_new failed");
	evtimer_add(n->tick, &tv);
	if ((rc = sd_watchdog_enabled(0, &usec)) < 0)
		log_warnx("WATCHDOG_USEC: %s; no watchdog keep-alives", strerror(-rc));
	else if (rc > 0 && usec > 0) {
		usec /= 2;
		tv.tv_sec = (time_t)(usec / 1000000);
		tv.tv_usec = (suseconds_t)(usec % 1000000);
		if ((n->watchdog = event_new(base, -1, EV_PERSIST, notify_watchdog_cb, n)) == NULL)
			fatalx("event_new failed");
		evtimer_add(n->watchdog, &tv);
		notify_send(n, "WATCHDOG=1");
		log_debug("systemd watchdog: keep-alive every %lld.%06lds", (long long)tv.tv_sec,
			  (long)tv.tv_usec);
	}
	return n;
}

/* See notify.h. */
void
notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	notify_send(n, "STOPPING=1");
	if (n->watchdog != NULL)
		event_free(n->watchdog);
	event_free(n->tick);
	free(n);
}

#else /* !HAVE_LIBSYSTEMD */

/* Built without libsystemd: say once why a service manager hears nothing. */
struct notify *
notify_start(struct monitor *m)
{
	if (getenv("NOTIFY_SOCKET") != NULL)
		log_warnx("NOTIFY_SOCKET is set, but hamon was built without libsystemd: no "
			  "READY=1 will be sent");
	return NULL;
}

/* Nothing was started. */
void
notify_free(struct notify *n)
{
}

#endif
