/* SPDX-License-Identifier: ISC */
/* live.h: `hamon monitor --live` (`hamon top`): a full-screen table of every
 * target on a terminal, or a status line a second when stdout is not one. */
#ifndef HAMON_LIVE_H
#define HAMON_LIVE_H

struct monitor;
struct live;

/* Will live_start() take the screen: stdout is a terminal that terminfo
 * knows? Asked before the monitor is made, so that it can be told not to
 * print transition lines over the table. */
int live_screen_possible(void);
/* Start the live view on m's event loop: the table when screen (stderr is
 * then captured: its last lines are shown in a pane and printed again at
 * the end), else a status line a second on stdout in the monitor's format.
 * Never NULL. */
struct live *live_start(struct monitor *m, int screen, int json);
/* Give the terminal back (also done at exit: a fatal error, a second
 * signal), restore stderr, print the log lines captured meanwhile and the
 * refresh cost (debug). live_stop(NULL) is a no-op. */
void live_stop(struct live *l);
/* Free it: after monitor_free(), since the monitor's bus calls the view
 * until then (the summary closes periods). live_free(NULL) is a no-op. */
void live_free(struct live *l);

#endif
