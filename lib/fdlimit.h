/* SPDX-License-Identifier: ISC */
/* fdlimit.h: the monitor's descriptor budget. A local user who opens
 * connections to --metrics must never take the descriptors that probes,
 * the store and the control socket need, so the limit is raised where
 * allowed and every accepting socket is capped from it. */
#ifndef HAMON_FDLIMIT_H
#define HAMON_FDLIMIT_H
#include <stddef.h>

/* Descriptors kept free for probes, the store, netlink and the control
 * socket whatever the accepting sockets hold. */
#define FDLIMIT_RESERVE 64

/* Raise the soft RLIMIT_NOFILE to the hard limit (a failure is ignored:
 * the limit in force is used). Returns the soft limit now in force. */
long fdlimit_raise(void);
/* Back to the soft limit before fdlimit_raise() (in a child, before exec). */
void fdlimit_restore(void);
/* The soft RLIMIT_NOFILE now in force (or 1024 when unknown). */
long fdlimit_current(void);
/* How many metrics connections may be open at once under limit
 * descriptors: an eighth of what the reserve leaves, between 4 and 128. */
size_t fdlimit_metrics_cap(long limit);
/* How many connect-mode probe sockets one probe kind may hold at once:
 * what the reserve and the metrics cap leave, at least 16. */
size_t fdlimit_probe_cap(long limit);

#endif
