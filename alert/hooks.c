/* SPDX-License-Identifier: ISC */
/* hooks.c: exec hooks on the monitor's bus (hooks.h says what runs when).
 *
 * Where a hook's cost goes. Measured (the -v "loop time" lines, with
 * bench/hooks_bench.sh), a posix_spawnp from the loop stopped it for 3.6 ms
 * on average and up to 8 ms: glibc clones with CLONE_VM|CLONE_VFORK, and the
 * calling thread sleeps until the child has exec'd, which takes that long
 * for a large process on a loaded machine. Formatting the environment and
 * the JSON of each queued event cost 25 us more, a hundred times in the
 * same millisecond when every target flaps at once.
 *
 * So both happen on a spawner thread of our own. The loop thread only
 * copies the event (the bus's strings live no longer than the callback),
 * hands the job over (a mutex-protected list and a condition variable),
 * and gets it back through an eventfd the loop watches: pid, pidfd and
 * pipes made, or the errno of the failure. From there the loop owns the job
 * as before: stdin, output, timeout, exit. CLONE_VFORK suspends only the
 * calling thread, so the loop goes on sending meanwhile.
 *
 * Why a thread and not a small spawner child forked at start: the hooks stay
 * our own children, so waitpid() on our own pids, pidfd_open() and kill()
 * to the hook's process group work as they did, with no protocol to pass
 * descriptors (SCM_RIGHTS) and exit statuses back; a fork at start would
 * also copy whatever the monitor had open then. What a thread needs:
 *   - signals: it is created with every signal blocked, so signals (libevent
 *     turns them into events) always reach the loop thread; the child's
 *     mask and dispositions are set by posix_spawn attributes;
 *   - descriptors: the child closes everything from 3 up
 *     (addclosefrom_np), so a descriptor the loop thread opens meanwhile
 *     without O_CLOEXEC never reaches a hook;
 *   - shared data: the thread touches only the job it holds and the two
 *     lists under the mutex; it does not log (the loop logs its result) and
 *     reads a copy of the environment taken at start, never environ.
 * Privileges are dropped for the whole process before hooks_start().
 */
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "alert/hooks.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

extern char **environ;

/* glibc's sys/queue.h lacks it. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                                    \
	for ((var) = TAILQ_FIRST((head)); (var) && ((tvar) = TAILQ_NEXT((var), field), 1); \
	     (var) = (tvar))
#endif

/* One of a hook's output pipes, read line by line. */
struct hook_stream {
	int fd;
	struct event *ev;
	size_t len;
	char line[HOOKS_LINE_MAX + 1];
};

/* One event for one hook: queued, then running. */
/* Time per step of a hook's life (logged at -v with the summary): on the
 * loop thread, what a hook costs the probes; on the spawner, for scale. */
enum {
	HOOKS_PROF_QUEUE,
	HOOKS_PROF_INSTALL,
	HOOKS_PROF_OUTPUT,
	HOOKS_PROF_REAP,
	HOOKS_PROF_T_FORMAT,
	HOOKS_PROF_T_SPAWN,
	HOOKS_PROF_N
};
static const char *const hooks_prof_name[HOOKS_PROF_N] = {
	"loop: queue (copy the event)",
	"loop: install (events, stdin, log)",
	"loop: output",
	"loop: reap",
	"spawner thread: env+JSON",
	"spawner thread: pipes+posix_spawnp+pidfd"
};

struct hook_job {
	TAILQ_ENTRY(hook_job) entry;
	struct hooks *h;
	size_t slot; /* target index, or ntargets for the monitor's own */
	enum config_hook kind;
	char *const *argv; /* the config's */
	char *tname;       /* for messages: the target's name or "(monitor)" */
	struct mev ev;     /* a copy, its strings our own (hooks_job_free) */
	char *env[HOOKS_ENV_MAX];
	size_t nenv;
	char *json; /* the event's JSON and a newline, for stdin */
	size_t jsonlen, jsonoff;

	pid_t pid;
	int pidfd;
	struct event *exit_ev, *in_ev, *timer;
	int in_fd;
	struct hook_stream out[2];
	size_t out_total;
	int truncated, term_sent, kill_sent;
	int64_t start_mono;
	int spawn_err;               /* spawner: errno of the failure, else 0 */
	int64_t format_ns, spawn_ns; /* spawner: its time, for the profile */
};
TAILQ_HEAD(hook_jobs, hook_job);

struct hooks {
	struct monitor *m;
	struct event_base *base;
	const struct hamon_config *cfg;
	int64_t timeout_ns;
	unsigned max;
	struct hook_jobs queue, running;
	size_t nqueued, nrunning;
	struct event *pump;     /* spawn what may start, outside any listener */
	struct event *sigchld;  /* only when pidfd_open is not there */
	uint8_t *busy;          /* per slot: one of its hooks runs */
	uint8_t *alerted;       /* per slot: its last DOWN was heard unmuted */
	uint64_t burst_dropped; /* drops since the queue was last not full */
	int stopped;            /* hooks_stop() ran: hear nothing more */
	struct hooks_stats st;

	/* The spawner thread (see the top). todo and done, quit under mu;
	 * a job on either list belongs to no thread until taken off. Such a
	 * job counts as running (nrunning, busy) from the handover on. */
	pthread_t thread;
	int thread_up;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hook_jobs todo, done;
	int quit;
	int wake_fd; /* eventfd: the spawner has put jobs on done */
	struct event *wake_ev;
	char **envbase; /* environ at start without HAMON_*, NULL-ended */
	size_t nenvbase;
	/* Loop time spent per step of a hook's life (-v, at the end): why
	 * hooks move probes. */
	int64_t prof_ns[HOOKS_PROF_N], prof_max[HOOKS_PROF_N];
	uint64_t prof_n[HOOKS_PROF_N];
};

static void hooks_pump_cb(evutil_socket_t, short, void *);

static void
hooks_prof(struct hooks *h, int step, int64_t t0)
{
	int64_t d = time_mono_ns() - t0;

	h->prof_ns[step] += d;
	h->prof_n[step]++;
	if (d > h->prof_max[step])
		h->prof_max[step] = d;
}

/* Append "NAME=value" to env. */
static void LOG_PRINTF(3, 4) hooks_env_add(char **env, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (*n == HOOKS_ENV_MAX)
		fatalx("hooks: more than %d variables", HOOKS_ENV_MAX);
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	env[(*n)++] = s;
}

/* The HAMON_* variables of an event (see hooks.h). The numbers are written
 * as in the event's JSON, so a hook sees the figures the store has. */
size_t
hooks_env(const struct mev *e, const char *hook, char **env)
{
	char buf[64];
	size_t n = 0;

	hooks_env_add(env, &n, "HAMON_HOOK=%s", hook);
	hooks_env_add(env, &n, "HAMON_EVENT=%s", mev_kind_name(e->kind));
	hooks_env_add(env, &n, "HAMON_STATE=%s",
		      e->kind == MEV_DOWN      ? "down"
		      : e->kind == MEV_UNKNOWN ? "unknown"
					       : "up");
	if (e->name != NULL) {
		hooks_env_add(env, &n, "HAMON_TARGET=%s", e->name);
		hooks_env_add(env, &n, "HAMON_URL=%s", e->url != NULL ? e->url : "");
	}
	time_format_rfc3339(e->time_real, buf, sizeof buf);
	hooks_env_add(env, &n, "HAMON_TIME=%s", buf);
	time_format_rfc3339(e->declared_real, buf, sizeof buf);
	hooks_env_add(env, &n, "HAMON_DECLARED=%s", buf);
	if (e->kind == MEV_DOWN || e->kind == MEV_UP || e->kind == MEV_WITHDRAWN)
		hooks_env_add(env, &n, "HAMON_SEQ=%" PRIu64, e->seq);
	if (e->kind == MEV_DOWN && e->last_reply_real > 0) {
		time_format_rfc3339(e->last_reply_real, buf, sizeof buf);
		hooks_env_add(env, &n, "HAMON_LAST_REPLY=%s", buf);
	}
	if (e->duration_ns >= 0) {
		if (e->since_real > 0) {
			time_format_rfc3339(e->since_real, buf, sizeof buf);
			hooks_env_add(env, &n, "HAMON_SINCE=%s", buf);
		}
		duration_format_ms(e->duration_ns, buf, sizeof buf);
		hooks_env_add(env, &n, "HAMON_DURATION_MS=%s", buf);
		duration_format_ms(e->lower_ns, buf, sizeof buf);
		hooks_env_add(env, &n, "HAMON_LOWER_MS=%s", buf);
		duration_format_ms(e->upper_ns, buf, sizeof buf);
		hooks_env_add(env, &n, "HAMON_UPPER_MS=%s", buf);
		if (e->kind != MEV_UNKNOWN)
			hooks_env_add(env, &n, "HAMON_LOST=%" PRIu64, e->lost);
	}
	if (e->kind == MEV_UNKNOWN) {
		hooks_env_add(env, &n, "HAMON_CODE=%s", e->label != NULL ? e->label : "");
		hooks_env_add(env, &n, "HAMON_REASON=%s", e->reason != NULL ? e->reason : "");
		if (e->ifname != NULL)
			hooks_env_add(env, &n, "HAMON_LINK=%s", e->ifname);
	}
	hooks_env_add(env, &n, "HAMON_WITHDRAWN=%d", e->kind == MEV_WITHDRAWN);
	hooks_env_add(env, &n, "HAMON_MUTED=%d", e->muted ? 1 : 0);
	hooks_env_add(env, &n, "HAMON_RUN=%s", e->run != NULL ? e->run : "");
	return n;
}

/* xstrdup that keeps NULL. */
static const char *
hooks_strdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
hooks_mev_copy(struct mev *dst, const struct mev *src)
{
	*dst = *src;
	dst->name = hooks_strdup(src->name);
	dst->url = hooks_strdup(src->url);
	dst->mark_kind = hooks_strdup(src->mark_kind);
	dst->label = hooks_strdup(src->label);
	dst->reason = hooks_strdup(src->reason);
	dst->ifname = hooks_strdup(src->ifname);
	dst->run = hooks_strdup(src->run);
}

void
hooks_mev_clear(struct mev *e)
{
	free((char *)e->name);
	free((char *)e->url);
	free((char *)e->mark_kind);
	free((char *)e->label);
	free((char *)e->reason);
	free((char *)e->ifname);
	free((char *)e->run);
	memset(e, 0, sizeof(*e));
}

/* "on-down vm101 (pid 123)" for messages. */
static const char *
hooks_who(const struct hook_job *j, char *buf, size_t len)
{
	char esc[128];

	log_escape(esc, sizeof esc, j->tname, strlen(j->tname));
	if (j->pid > 0)
		snprintf(buf, len, "hook %s %s (pid %ld)", config_hook_name(j->kind), esc,
			 (long)j->pid);
	else
		snprintf(buf, len, "hook %s %s", config_hook_name(j->kind), esc);
	return buf;
}

/* Free a job that is not (or no longer) running. */
static void
hooks_job_free(struct hook_job *j)
{
	size_t i;

	for (i = 0; i < j->nenv; i++)
		free(j->env[i]);
	free(j->json);
	free(j->tname);
	hooks_mev_clear(&j->ev);
	free(j);
}

/* Log one line of a hook's output (or its truncation). */
static void
hooks_log_line(struct hook_job *j, int which, const char *s, size_t len)
{
	char who[256], esc[HOOKS_LINE_MAX * 4 + 1];

	if (j->truncated)
		return;
	if (j->out_total + len > HOOKS_OUTPUT_MAX) {
		j->truncated = 1;
		log_info("%s: output truncated after %d KiB", hooks_who(j, who, sizeof who),
			 HOOKS_OUTPUT_MAX / 1024);
		return;
	}
	j->out_total += len;
	log_info("%s %s: %s", hooks_who(j, who, sizeof who), which ? "stderr" : "stdout",
		 log_escape(esc, sizeof esc, s, len));
}

/* Close one output pipe, logging what is left of its last line. */
static void
hooks_stream_close(struct hook_job *j, int which)
{
	struct hook_stream *o = &j->out[which];

	if (o->fd < 0)
		return;
	if (o->len > 0)
		hooks_log_line(j, which, o->line, o->len);
	o->len = 0;
	if (o->ev != NULL)
		event_free(o->ev);
	o->ev = NULL;
	close(o->fd);
	o->fd = -1;
}

/* Read what one output pipe has (one read): split into lines and log. 0 for
 * more to come, -1 at EOF or an error (the pipe is then closed). */
static int
hooks_stream_read(struct hook_job *j, int which)
{
	struct hook_stream *o = &j->out[which];
	char buf[8192];
	ssize_t n, i;

	n = read(o->fd, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0) {
		hooks_stream_close(j, which);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			hooks_log_line(j, which, o->line, o->len);
			o->len = 0;
			continue;
		}
		o->line[o->len++] = buf[i];
		if (o->len == HOOKS_LINE_MAX) {
			hooks_log_line(j, which, o->line, o->len);
			o->len = 0;
		}
	}
	return 0;
}

/* An output pipe is readable. */
static void
hooks_stream_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook_job *j = arg;
	struct hooks *h = j->h;
	int64_t t0 = time_mono_ns();

	hooks_stream_read(j, fd == j->out[0].fd ? 0 : 1);
	hooks_prof(h, HOOKS_PROF_OUTPUT, t0);
}

/* Close the hook's stdin (all written, or it went away). */
static void
hooks_stdin_close(struct hook_job *j)
{
	if (j->in_ev != NULL)
		event_free(j->in_ev);
	j->in_ev = NULL;
	if (j->in_fd >= 0)
		close(j->in_fd);
	j->in_fd = -1;
}

/* Write (more of) the event's JSON to the hook's stdin; close when done. */
static void
hooks_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook_job *j = arg;
	ssize_t n;

	while (j->jsonoff < j->jsonlen) {
		n = write(j->in_fd, j->json + j->jsonoff, j->jsonlen - j->jsonoff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (j->in_ev == NULL) {
				j->in_ev = event_new(j->h->base, j->in_fd, EV_WRITE | EV_PERSIST,
						     hooks_stdin_cb, j);
				if (j->in_ev == NULL || event_add(j->in_ev, NULL) != 0)
					break;
			}
			return;
		}
		if (n <= 0) /* EPIPE: the hook does not read its stdin */
			break;
		j->jsonoff += (size_t)n;
	}
	hooks_stdin_close(j);
}

/* The hook ran too long: SIGTERM to its process group, later SIGKILL. */
static void
hooks_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook_job *j = arg;
	char who[256], d[32];
	struct timeval tv;

	if (!j->term_sent) {
		duration_format_compact(j->h->timeout_ns, d, sizeof d);
		log_info("%s: timed out after %s, sending SIGTERM", hooks_who(j, who, sizeof who),
			 d);
		kill(-j->pid, SIGTERM);
		j->term_sent = 1;
		tv.tv_sec = HOOKS_KILL_GRACE_NS / NSEC_PER_SEC;
		tv.tv_usec = 0;
		evtimer_add(j->timer, &tv);
		return;
	}
	duration_format_compact(HOOKS_KILL_GRACE_NS, d, sizeof d);
	log_info("%s: still running %s after SIGTERM, sending SIGKILL",
		 hooks_who(j, who, sizeof who), d);
	kill(-j->pid, SIGKILL);
	j->kill_sent = 1;
}

/* The hook has exited with status st: log its fate, free it, start the next. */
static void
hooks_job_done(struct hook_job *j, int st)
{
	struct hooks *h = j->h;
	char who[256], d[32];
	int i, k;

	/* Its output so far; a child it left behind may hold the pipes open,
	 * so read what is there (bounded) and let go. */
	for (i = 0; i < 2; i++)
		for (k = 0; k < 16 && j->out[i].fd >= 0; k++)
			if (hooks_stream_read(j, i) != 0)
				break;
	hooks_stream_close(j, 0);
	hooks_stream_close(j, 1);
	hooks_stdin_close(j);
	duration_format(time_mono_ns() - j->start_mono, d, sizeof d);
	hooks_who(j, who, sizeof who);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		h->st.ok++;
		log_info("%s: exited 0 after %s", who, d);
	} else if (WIFEXITED(st)) {
		h->st.failed++;
		log_info("%s: exited %d after %s", who, WEXITSTATUS(st), d);
	} else if (WIFSIGNALED(st)) {
		if (j->term_sent)
			h->st.timed_out++;
		else
			h->st.failed++;
		log_info("%s: killed by signal %d (%s) after %s%s", who, WTERMSIG(st),
			 strsignal(WTERMSIG(st)), d,
			 j->kill_sent ? ", timed out, SIGKILL"
			 : j->term_sent ? ", timed out, SIGTERM"
					: "");
	} else {
		h->st.failed++;
		log_info("%s: ended (status 0x%x) after %s", who, st, d);
	}
	if (j->timer != NULL)
		event_free(j->timer);
	if (j->exit_ev != NULL)
		event_free(j->exit_ev);
	if (j->pidfd >= 0)
		close(j->pidfd);
	h->busy[j->slot] = 0;
	TAILQ_REMOVE(&h->running, j, entry);
	h->nrunning--;
	hooks_job_free(j);
	if (h->nqueued > 0 && !h->stopped)
		event_active(h->pump, EV_TIMEOUT, 1);
}

/* Reap job j if it has exited (never any other pid: `hamon run` reaps its
 * own command). 1 if it was reaped. */
static int
hooks_reap(struct hook_job *j, int flags)
{
	int st;
	pid_t r;

	while ((r = waitpid(j->pid, &st, flags)) < 0 && errno == EINTR)
		;
	if (r != j->pid)
		return 0;
	hooks_job_done(j, st);
	return 1;
}

/* The hook's pidfd is readable: it has exited. */
static void
hooks_pidfd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook_job *j = arg;
	struct hooks *h = j->h;
	int64_t t0 = time_mono_ns();

	hooks_reap(j, WNOHANG);
	hooks_prof(h, HOOKS_PROF_REAP, t0);
}

/* SIGCHLD (without pidfd_open): look at each of our own pids. */
static void
hooks_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct hooks *h = arg;
	struct hook_job *j, *next;

	TAILQ_FOREACH_SAFE(j, &h->running, entry, next)
		hooks_reap(j, WNOHANG);
}

/* Set O_NONBLOCK on our end of a pipe. */
static int
hooks_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/*
 * On the spawner thread: the event's environment and JSON, pipes for stdin,
 * stdout and stderr, posix_spawnp, every other descriptor closed in the
 * child, signals at their defaults and unblocked, its own process group so
 * a timeout reaches whatever it started. The environment is hamon's (as at
 * start) with the HAMON_* variables of the event instead of any inherited
 * ones. Sets j->pid and the fds, or j->spawn_err. Logs nothing.
 */
static void
hooks_thread_spawn(struct hooks *h, struct hook_job *j)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, rc, i;
	char **envp;
	size_t n = 0, e;
	int64_t t0 = time_mono_ns();

	j->nenv = hooks_env(&j->ev, config_hook_name(j->kind), j->env);
	j->json = mev_json_string(&j->ev, &j->jsonlen);
	j->json = xreallocarray(j->json, j->jsonlen + 2, 1);
	j->json[j->jsonlen++] = '\n';
	j->json[j->jsonlen] = '\0';
	envp = xcalloc(h->nenvbase + j->nenv + 1, sizeof(*envp));
	for (e = 0; e < h->nenvbase; e++)
		envp[n++] = h->envbase[e];
	for (e = 0; e < j->nenv; e++)
		envp[n++] = j->env[e];
	envp[n] = NULL;
	j->format_ns = time_mono_ns() - t0;
	t0 = time_mono_ns();

	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		rc = errno;
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETPGROUP);
	rc = posix_spawnp(&j->pid, j->argv[0], &fa, &attr, j->argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0)
		goto fail;
	j->start_mono = time_mono_ns();
	free(envp);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	j->in_fd = in[1];
	j->out[0].fd = out[0];
	j->out[1].fd = err[0];
	hooks_nonblock(j->in_fd);
	hooks_nonblock(j->out[0].fd);
	hooks_nonblock(j->out[1].fd);
	/* Before the loop hears of the pid: a pidfd of an exited, unreaped
	 * child is readable, so no exit can be missed. */
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	if (j->pidfd < 0)
		j->spawn_err = -errno; /* not a failure: reap on SIGCHLD */
	j->spawn_ns = time_mono_ns() - t0;
	return;
fail:
	free(envp);
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	j->pid = 0;
	j->spawn_err = rc;
	j->spawn_ns = time_mono_ns() - t0;
}

/* The spawner thread: take a job, spawn it, hand it back, until told to quit
 * (jobs not taken by then stay on todo for hooks_stop()). */
static void *
hooks_thread_main(void *arg)
{
	struct hooks *h = arg;
	struct hook_job *j;
	uint64_t one = 1;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (TAILQ_EMPTY(&h->todo) && !h->quit)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->quit)
			break;
		j = TAILQ_FIRST(&h->todo);
		TAILQ_REMOVE(&h->todo, j, entry);
		pthread_mutex_unlock(&h->mu);
		hooks_thread_spawn(h, j);
		pthread_mutex_lock(&h->mu);
		TAILQ_INSERT_TAIL(&h->done, j, entry);
		/* Only fails when the counter is full: then it is readable. */
		(void)!write(h->wake_fd, &one, sizeof one);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Back from the spawner: log the start and drive the hook from the loop
 * (output, stdin, timeout, exit), or log that it could not start. */
static void
hooks_install(struct hooks *h, struct hook_job *j)
{
	char who[256];
	struct timeval tv;
	int64_t left;
	int i;

	h->prof_ns[HOOKS_PROF_T_FORMAT] += j->format_ns;
	h->prof_n[HOOKS_PROF_T_FORMAT]++;
	if (j->format_ns > h->prof_max[HOOKS_PROF_T_FORMAT])
		h->prof_max[HOOKS_PROF_T_FORMAT] = j->format_ns;
	h->prof_ns[HOOKS_PROF_T_SPAWN] += j->spawn_ns;
	h->prof_n[HOOKS_PROF_T_SPAWN]++;
	if (j->spawn_ns > h->prof_max[HOOKS_PROF_T_SPAWN])
		h->prof_max[HOOKS_PROF_T_SPAWN] = j->spawn_ns;
	if (j->pid <= 0) {
		h->st.spawn_failed++;
		h->busy[j->slot] = 0;
		h->nrunning--;
		log_info("%s: cannot start %s: %s", hooks_who(j, who, sizeof who), j->argv[0],
			 strerror(j->spawn_err));
		hooks_job_free(j);
		return;
	}
	h->st.started++;
	log_info("%s: started: %s", hooks_who(j, who, sizeof who),
		 config_target_hooks(h->cfg, j->slot < h->cfg->ntargets ? j->slot : (size_t)-1)
			 ->cmd[j->kind]);
	for (i = 0; i < 2; i++) {
		j->out[i].ev =
			event_new(h->base, j->out[i].fd, EV_READ | EV_PERSIST, hooks_stream_cb, j);
		if (j->out[i].ev == NULL || event_add(j->out[i].ev, NULL) != 0)
			log_warnx("%s: cannot watch its output", who);
	}
	/* The timeout counts from the spawn, not from this handover. */
	left = h->timeout_ns - (time_mono_ns() - j->start_mono);
	if (left < 0)
		left = 0;
	j->timer = evtimer_new(h->base, hooks_timeout_cb, j);
	tv.tv_sec = left / NSEC_PER_SEC;
	tv.tv_usec = (left % NSEC_PER_SEC) / NSEC_PER_USEC;
	if (j->timer == NULL || evtimer_add(j->timer, &tv) != 0)
		log_warnx("%s: cannot arm its timeout", who);
	if (j->pidfd >= 0) {
		j->exit_ev = event_new(h->base, j->pidfd, EV_READ, hooks_pidfd_cb, j);
		if (j->exit_ev == NULL || event_add(j->exit_ev, NULL) != 0)
			log_warnx("%s: cannot watch its exit", who);
	} else if (h->sigchld == NULL) {
		log_debug("hooks: no pidfd_open (%s): reaping on SIGCHLD", strerror(-j->spawn_err));
		h->sigchld = evsignal_new(h->base, SIGCHLD, hooks_sigchld_cb, h);
		if (h->sigchld == NULL || event_add(h->sigchld, NULL) != 0)
			log_warnx("hooks: cannot watch SIGCHLD");
	}
	TAILQ_INSERT_TAIL(&h->running, j, entry);
	hooks_stdin_cb(j->in_fd, EV_WRITE, j);
	/* Exited already, before SIGCHLD was watched: it may have come and gone. */
	if (j->pidfd < 0)
		hooks_reap(j, WNOHANG);
}

/* Take everything the spawner has handed back and install it. */
static void
hooks_take_done(struct hooks *h)
{
	struct hook_jobs done;
	struct hook_job *j;
	int64_t t0;

	TAILQ_INIT(&done);
	pthread_mutex_lock(&h->mu);
	TAILQ_CONCAT(&done, &h->done, entry);
	pthread_mutex_unlock(&h->mu);
	while ((j = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, j, entry);
		t0 = time_mono_ns();
		hooks_install(h, j);
		hooks_prof(h, HOOKS_PROF_INSTALL, t0);
	}
}

/* The spawner's eventfd is readable. */
static void
hooks_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hooks *h = arg;
	uint64_t n;

	(void)what;
	while (read(fd, &n, sizeof n) < 0 && errno == EINTR)
		;
	hooks_take_done(h);
	if (h->nqueued > 0 && !h->stopped)
		event_active(h->pump, EV_TIMEOUT, 1);
}

/* Hand every queued job that may start to the spawner: the first of each
 * target with no hook running (so a target's hooks run in order), while
 * there is room. A handover costs the loop a list insertion; the spawns
 * themselves wait on the spawner, one after the other. */
static void
hooks_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hooks *h = arg;
	struct hook_job *j, *next;
	int n = 0;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&h->mu);
	for (j = TAILQ_FIRST(&h->queue); j != NULL && h->nrunning < h->max; j = next) {
		next = TAILQ_NEXT(j, entry);
		if (h->busy[j->slot])
			continue;
		TAILQ_REMOVE(&h->queue, j, entry);
		h->nqueued--;
		h->busy[j->slot] = 1;
		h->nrunning++;
		TAILQ_INSERT_TAIL(&h->todo, j, entry);
		n++;
	}
	if (n > 0)
		pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* The bus: decide which hook an event runs, queue it, and return. */
static void
hooks_on_event(const struct mev *e, void *arg)
{
	struct hooks *h = arg;
	const struct config_hookset *hs;
	struct hook_job *j;
	enum config_hook k;
	size_t slot;
	char esc[TARGET_NAME_MAX * 4 + 1];
	const char *tname;

	if (h->stopped || (e->kind != MEV_DOWN && e->kind != MEV_UP &&
			   e->kind != MEV_WITHDRAWN && e->kind != MEV_UNKNOWN))
		return;
	if (e->target != MEV_NO_TARGET && e->target >= h->cfg->ntargets)
		return;
	slot = e->target == MEV_NO_TARGET ? h->cfg->ntargets : e->target;
	/* Only an UNKNOWN window can be the whole monitor's. */
	if (slot == h->cfg->ntargets && e->kind != MEV_UNKNOWN)
		return;
	switch (e->kind) {
	case MEV_DOWN:
		k = CONFIG_HOOK_DOWN;
		h->alerted[slot] = !e->muted;
		break;
	case MEV_UP:
	case MEV_WITHDRAWN:
		k = CONFIG_HOOK_UP;
		/* Only the UP that closes an announced DOWN. */
		if (!h->alerted[slot])
			return;
		h->alerted[slot] = 0;
		break;
	default:
		k = CONFIG_HOOK_UNKNOWN;
		break;
	}
	hs = config_target_hooks(h->cfg, e->target);
	if (hs == NULL || hs->argv[k] == NULL)
		return;
	tname = e->name != NULL ? e->name : "(monitor)";
	log_escape(esc, sizeof esc, tname, strlen(tname));
	if (e->muted) {
		h->st.muted++;
		log_info("hook %s %s: muted (maintenance%s%s), not run", config_hook_name(k), esc,
			 e->run != NULL ? " " : "", e->run != NULL ? e->run : "");
		return;
	}
	if (h->nqueued >= HOOKS_QUEUE_MAX) {
		h->st.dropped++;
		if (h->burst_dropped++ == 0)
			log_info("hooks: queue full (%d waiting, %zu running): dropping hook %s %s "
				 "and what follows until there is room",
				 HOOKS_QUEUE_MAX, h->nrunning, config_hook_name(k), esc);
		else
			log_debug("hook %s %s: dropped (queue full)", config_hook_name(k), esc);
		return;
	}
	if (h->burst_dropped > 0) {
		log_info("hooks: %" PRIu64 " events dropped while the queue was full",
			 h->burst_dropped);
		h->burst_dropped = 0;
	}
	int64_t t0 = time_mono_ns();
	j = xcalloc(1, sizeof(*j));
	j->h = h;
	j->slot = slot;
	j->kind = k;
	j->argv = hs->argv[k];
	j->tname = xstrdup(tname);
	/* The spawner formats it later: the bus's strings are only lent. */
	hooks_mev_copy(&j->ev, e);
	j->pidfd = j->in_fd = j->out[0].fd = j->out[1].fd = -1;
	TAILQ_INSERT_TAIL(&h->queue, j, entry);
	h->nqueued++;
	hooks_prof(h, HOOKS_PROF_QUEUE, t0);
	if (h->nrunning < h->max && !h->busy[slot])
		event_active(h->pump, EV_TIMEOUT, 1);
	else
		log_debug("hook %s %s: waiting (%zu running, %zu queued)", config_hook_name(k),
			  esc, h->nrunning, h->nqueued);
}

/* Stop the spawner thread (it finishes the spawn in hand) and join it. */
static void
hooks_thread_stop(struct hooks *h)
{
	if (!h->thread_up)
		return;
	pthread_mutex_lock(&h->mu);
	h->quit = 1;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	h->thread_up = 0;
}

/* Free what hooks_start() allocated besides events. */
static void
hooks_release(struct hooks *h)
{
	size_t i;

	for (i = 0; i < h->nenvbase; i++)
		free(h->envbase[i]);
	free(h->envbase);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h->busy);
	free(h->alerted);
	free(h);
}

/* Subscribe to the bus. */
struct hooks *
hooks_start(struct monitor *m, const struct hamon_config *cfg, char *err, size_t errlen)
{
	struct hooks *h;
	char d[32];
	sigset_t all, old;
	size_t e;
	int rc;

	err[0] = '\0';
	if (!config_has_hooks(cfg))
		return NULL;
	h = xcalloc(1, sizeof(*h));
	h->m = m;
	h->base = monitor_base(m);
	h->cfg = cfg;
	h->timeout_ns =
		cfg->hook_timeout_ns > 0 ? cfg->hook_timeout_ns : CONFIG_HOOK_TIMEOUT_DEFAULT_NS;
	h->max = cfg->hooks_max > 0 ? cfg->hooks_max : CONFIG_HOOKS_MAX_DEFAULT;
	TAILQ_INIT(&h->queue);
	TAILQ_INIT(&h->running);
	h->busy = xcalloc(cfg->ntargets + 1, 1);
	h->alerted = xcalloc(cfg->ntargets + 1, 1);
	TAILQ_INIT(&h->todo);
	TAILQ_INIT(&h->done);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	for (e = 0; environ != NULL && environ[e] != NULL; e++)
		;
	h->envbase = xcalloc(e + 1, sizeof(*h->envbase));
	for (e = 0; environ != NULL && environ[e] != NULL; e++)
		if (strncmp(environ[e], "HAMON_", 6) != 0)
			h->envbase[h->nenvbase++] = xstrdup(environ[e]);
	h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	h->pump = event_new(h->base, -1, 0, hooks_pump_cb, h);
	if (h->wake_fd >= 0)
		h->wake_ev = event_new(h->base, h->wake_fd, EV_READ | EV_PERSIST, hooks_wake_cb, h);
	if (h->wake_fd < 0) {
		snprintf(err, errlen, "hooks: eventfd: %s", strerror(errno));
		goto fail;
	}
	if (h->pump == NULL || h->wake_ev == NULL || event_add(h->wake_ev, NULL) != 0) {
		snprintf(err, errlen, "hooks: cannot watch the spawner");
		goto fail;
	}
	/* Every signal blocked in the spawner (it inherits this thread's mask):
	 * they are the loop's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&h->thread, NULL, hooks_thread_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "hooks: cannot start the spawner thread: %s", strerror(rc));
		goto fail;
	}
	h->thread_up = 1;
	if (monitor_listen(m, hooks_on_event, h) != 0) {
		snprintf(err, errlen, "hooks: cannot listen to the monitor's events");
		goto fail;
	}
	duration_format_compact(h->timeout_ns, d, sizeof d);
	log_debug("hooks: at most %u at once, timeout %s, running as uid %ld", h->max, d,
		  (long)geteuid());
	if (geteuid() == 0)
		log_warnx("hooks run as root (--keep-privileges)");
	return h;
fail:
	hooks_thread_stop(h);
	if (h->wake_ev != NULL)
		event_free(h->wake_ev);
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	if (h->pump != NULL)
		event_free(h->pump);
	hooks_release(h);
	return NULL;
}

void
hooks_get_stats(const struct hooks *h, struct hooks_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (h != NULL)
		*out = h->st;
}

/* Stop: terminate what runs, reap everything, log every fate and a summary. */
void
hooks_stop(struct hooks *h)
{
	struct hook_job *j, *next;
	struct timespec ts = { 0, 10 * 1000000 };
	char who[256];
	int64_t until;

	if (h == NULL || h->stopped)
		return;
	/* The bus keeps the listener (it has no way to leave): from now on it
	 * ignores everything, and hooks_free() comes after monitor_free(). */
	h->stopped = 1;
	/* The spawner first: what it has spawned is ours to stop; what it has
	 * not taken yet is not run, as the queue is. */
	hooks_thread_stop(h);
	hooks_take_done(h);
	TAILQ_FOREACH_SAFE(j, &h->todo, entry, next) {
		TAILQ_REMOVE(&h->todo, j, entry);
		h->busy[j->slot] = 0;
		h->nrunning--;
		TAILQ_INSERT_TAIL(&h->queue, j, entry);
		h->nqueued++;
	}
	TAILQ_FOREACH(j, &h->running, entry) {
		log_info("%s: still running as the monitor stops, sending SIGTERM",
			 hooks_who(j, who, sizeof who));
		kill(-j->pid, SIGTERM);
		j->term_sent = 1;
	}
	until = time_mono_ns() + HOOKS_EXIT_GRACE_NS;
	while (!TAILQ_EMPTY(&h->running) && time_mono_ns() < until) {
		TAILQ_FOREACH_SAFE(j, &h->running, entry, next)
			hooks_reap(j, WNOHANG);
		if (!TAILQ_EMPTY(&h->running))
			nanosleep(&ts, NULL);
	}
	TAILQ_FOREACH_SAFE(j, &h->running, entry, next) {
		log_info("%s: still running after SIGTERM, sending SIGKILL",
			 hooks_who(j, who, sizeof who));
		kill(-j->pid, SIGKILL);
		j->kill_sent = 1;
		hooks_reap(j, 0);
	}
	if (h->burst_dropped > 0)
		log_info("hooks: %" PRIu64 " events dropped while the queue was full",
			 h->burst_dropped);
	TAILQ_FOREACH_SAFE(j, &h->queue, entry, next) {
		h->st.not_run++;
		log_debug("%s: not run: the monitor is stopping", hooks_who(j, who, sizeof who));
		TAILQ_REMOVE(&h->queue, j, entry);
		hooks_job_free(j);
	}
	log_info("hooks: %" PRIu64 " started (%" PRIu64 " exited 0, %" PRIu64 " failed, %" PRIu64
		 " timed out), %" PRIu64 " could not start, %" PRIu64 " dropped (queue full), %" PRIu64
		 " muted, %" PRIu64 " not run (queued at exit)",
		 h->st.started, h->st.ok, h->st.failed, h->st.timed_out, h->st.spawn_failed,
		 h->st.dropped, h->st.muted, h->st.not_run);
	for (int i = 0; i < HOOKS_PROF_N; i++)
		if (h->prof_n[i] > 0)
			log_debug("hooks: time in %s: %" PRIu64
				  " times, mean %.1f µs, max %.1f µs",
				  hooks_prof_name[i], h->prof_n[i],
				  (double)h->prof_ns[i] / (double)h->prof_n[i] / 1e3,
				  (double)h->prof_max[i] / 1e3);
	if (h->sigchld != NULL)
		event_free(h->sigchld);
	h->sigchld = NULL;
	event_free(h->pump);
	h->pump = NULL;
	event_free(h->wake_ev);
	h->wake_ev = NULL;
	close(h->wake_fd);
	h->wake_fd = -1;
}

/* Free what hooks_stop() left (the struct the bus still points at). */
void
hooks_free(struct hooks *h)
{
	if (h == NULL)
		return;
	hooks_stop(h);
	hooks_release(h);
}
