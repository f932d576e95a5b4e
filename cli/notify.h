/* SPDX-License-Identifier: ISC */
/* notify.h: the systemd service manager notifications of `hamon monitor`. */
#ifndef HAMON_NOTIFY_H
#define HAMON_NOTIFY_H

struct monitor;
struct notify;

/* Arm the notifications on m's event loop (call before monitor_loop):
 * READY=1 once the first probe is sent, STATUS= with the targets up and
 * down (checked once a second, sent when it changes), WATCHDOG=1 at half
 * of $WATCHDOG_USEC. NULL when there is nothing to notify ($NOTIFY_SOCKET
 * unset, or built without libsystemd). */
struct notify *notify_start(struct monitor *m);
/* Send STOPPING=1 and free n; notify_free(NULL) is a no-op. */
void notify_free(struct notify *n);

#endif
