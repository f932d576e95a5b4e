/* SPDX-License-Identifier: ISC */
/* hooks.h: exec hooks: a command run when a target goes down, comes back
 * or an UNKNOWN window closes (on-down, on-up, on-unknown in hamon.conf(5)).
 *
 * The hooks listen on the monitor's bus (monitor/events.h). A listener only
 * copies the event and queues it; a spawner thread of the hooks' own
 * formats its environment and JSON and spawns it (hooks.c says why a
 * thread), and every pipe (the event's JSON on stdin, stdout and stderr
 * logged line by line) and every exit (pidfd, else SIGCHLD with waitpid on
 * our own pids only) is driven by the event loop, so a hook that hangs or
 * floods never moves a probe.
 *
 * Which event runs which hook:
 *   DOWN       on-down
 *   UP         on-up, only for the UP that ends an outage whose DOWN was
 *              heard unmuted (a target's first UP runs nothing)
 *   WITHDRAWN  on-up with HAMON_STATE=up HAMON_WITHDRAWN=1, under the same
 *              condition: a DOWN that was announced is taken back
 *   UNKNOWN    on-unknown of the target; a window of the whole monitor (no
 *              target, such as its link) runs the defaults' on-unknown once
 * Muted events (maintenance) run nothing and are logged as muted.
 *
 * At most hooks_max run at once, and never two of one target: the next one
 * of a target waits for the one before, so a target's hooks see its events
 * in order. Up to HOOKS_QUEUE_MAX wait; beyond that events are dropped,
 * counted and logged once per burst of drops.
 */
#ifndef HAMON_HOOKS_H
#define HAMON_HOOKS_H
#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"
#include "monitor/events.h"

struct monitor;
struct hooks;

#define HOOKS_QUEUE_MAX   1024               /* events waiting for a slot */
#define HOOKS_OUTPUT_MAX  (64 * 1024)        /* bytes of output logged per hook */
#define HOOKS_LINE_MAX    1024               /* a longer line is logged in pieces */
#define HOOKS_KILL_GRACE_NS (2LL * 1000000000) /* SIGTERM, then SIGKILL this later */
#define HOOKS_EXIT_GRACE_NS (1LL * 1000000000) /* at exit: SIGTERM, wait, SIGKILL */
#define HOOKS_ENV_MAX     24                 /* HAMON_* variables of one event */

/* The figures at the end (and for tests). */
struct hooks_stats {
	uint64_t started, ok, failed, timed_out, dropped, muted, not_run, spawn_failed;
};

/*
 * Listen on m's bus with cfg's hooks (cfg must outlive the hooks). Call it
 * after privileges are dropped: hooks run as the monitor runs. NULL when no
 * target has any hook (err empty), or on error (err set).
 */
struct hooks *hooks_start(struct monitor *m, const struct hamon_config *cfg, char *err,
			  size_t errlen);
/* Stop, before monitor_free(): hooks still running get SIGTERM, then after
 * HOOKS_EXIT_GRACE_NS SIGKILL; all are reaped, their fate and a summary
 * logged; queued ones are counted as not run. NULL is a no-op. */
void hooks_stop(struct hooks *h);
/* Free, after monitor_free() (the bus holds a pointer until then). */
void hooks_free(struct hooks *h);
void hooks_get_stats(const struct hooks *h, struct hooks_stats *out);

/*
 * The HAMON_* environment of hook `hook` ("on-down") for event e: malloc'd
 * "NAME=value" strings into env (room for HOOKS_ENV_MAX), their number
 * returned. hamon(1), EXEC HOOKS, lists them.
 */
size_t hooks_env(const struct mev *e, const char *hook, char **env);

/*
 * A copy of event e for the spawner thread, which formats it later (the
 * bus only lends e's strings): the copy's strings are its own, freed by
 * hooks_mev_clear(). It formats (hooks_env, mev_json_string) as e does.
 */
void hooks_mev_copy(struct mev *dst, const struct mev *src);
void hooks_mev_clear(struct mev *e);

#endif
