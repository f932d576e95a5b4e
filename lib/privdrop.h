/* SPDX-License-Identifier: ISC */
/* privdrop.h: give up privileges once every privileged resource is open. */
#ifndef HAMON_PRIVDROP_H
#define HAMON_PRIVDROP_H
#include <stddef.h>

/*
 * As root: switch to user (NULL: "hamon" if that user exists, else a
 * private uid and gid no user, group or process has, so that nothing
 * else may signal or ptrace the monitor), with its group and no
 * supplementary groups; the kernel clears
 * every capability on that switch. Not root (file capabilities such as
 * CAP_NET_RAW): clear all capabilities. Either way set no_new_privs.
 * Afterwards verifies from /proc/self/status that CapEff is 0.
 * Returns 0, or -1 with err. *who gets the user name now in effect.
 */
int priv_drop(const char *user, const char **who, char *err, size_t errlen);

/* CapEff of this process from /proc/self/status, or -1 when unreadable. */
long long priv_cap_effective(void);

#endif
