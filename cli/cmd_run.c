/* SPDX-License-Identifier: ISC */
/* cmd_run.c: `hamon run -- COMMAND`: monitor, wait until every target
 * answers, run the command with its output passed through and captured,
 * keep probing for a settle time, store the run and print its report.
 *
 * Everything happens on the monitor's event loop: the command's pipes and
 * SIGCHLD are events like the probe sockets, so probing never waits for the
 * command and the command never waits for probing. */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/fdlimit.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "cli/cmd.h"
#include "monitor/events.h"
#include "monitor/monitor.h"
#include "hv/hvparse.h"
#include "report/report.h"
#include "report/runreport.h"
#include "store/store.h"

/* Captured output kept for the store (the report re-reads hypervisor
 * figures from it); beyond this only the byte count grows. */
#define RUN_CAPTURE_MAX (1024 * 1024)

enum run_phase { RUN_WAITING, RUN_COMMAND, RUN_SETTLING, RUN_DONE };

struct run {
	struct msession *ms;
	struct event_base *base;
	enum run_phase phase;
	struct event *tick; /* 10 ms poll while waiting for targets */
	struct event *settle;
	struct event *sigchld, *sig[MONITOR_NSTOP_SIGNALS];
	struct event *out_ev[2]; /* the command's stdout, stderr */
	int out_fd[2];
	struct event *exec_ev; /* CLOEXEC pipe: EOF = exec worked */
	int exec_fd;
	int go_fd;  /* launcher's start pipe, -1 once used */
	int sig_fd; /* signals for the launcher to pass on to the command */
	int64_t wait_start;
	int64_t all_up_at; /* when every target had answered */
	pid_t pid;
	int exited;
	int status; /* exit status to return */
	int start_failed;
	int start_errno;
	int64_t start_real, start_mono, end_real, end_mono;
	uint64_t out_bytes;
	char *capture;
	size_t capture_len;
	struct hvparse *hv;
	int interrupted;
};

/* Drain one of the command's output pipes: pass through, capture, parse. */
static void
run_output_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	int which = fd == r->out_fd[0] ? 0 : 1;
	char buf[65536];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		event_free(r->out_ev[which]);
		r->out_ev[which] = NULL;
		close(fd);
		r->out_fd[which] = -1;
		return;
	}
	/* Pass through as is: the operator sees the command exactly. */
	if (fwrite(buf, 1, (size_t)n, which ? stderr : stdout) != (size_t)n)
		log_debug("run: output pass-through short");
	fflush(which ? stderr : stdout);
	r->out_bytes += (uint64_t)n;
	hvparse_feed(r->hv, buf, (size_t)n);
	if (r->capture_len < RUN_CAPTURE_MAX) {
		size_t take = (size_t)n;

		if (take > RUN_CAPTURE_MAX - r->capture_len)
			take = RUN_CAPTURE_MAX - r->capture_len;
		memcpy(r->capture + r->capture_len, buf, take);
		r->capture_len += take;
	}
}

/* Stop probing after the settle time. */
static void
run_settle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	r->phase = RUN_DONE;
	monitor_stop(r->ms->m);
}

/* The command ended (or never started): close the span, start settling. */
static void
run_command_ended(struct run *r)
{
	struct timeval tv;

	r->end_real = time_real_ns();
	r->end_mono = time_mono_ns();
	monitor_mark(r->ms->m, r->end_real, "span-end",
		     r->ms->cli.label ? r->ms->cli.label : "run");
	monitor_set_run(r->ms->m, NULL);
	if (strcmp(r->ms->cli.kind, "backup") == 0)
		monitor_mute(r->ms->m, -1, NULL);
	r->phase = RUN_SETTLING;
	tv.tv_sec = r->ms->cli.settle_ns / NSEC_PER_SEC;
	tv.tv_usec = (r->ms->cli.settle_ns % NSEC_PER_SEC) / NSEC_PER_USEC;
	r->settle = evtimer_new(r->base, run_settle_cb, r);
	evtimer_add(r->settle, &tv);
}

/* SIGCHLD: reap the command. */
static void
run_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;
	int st;

	if (r->pid <= 0 || r->exited || waitpid(r->pid, &st, WNOHANG) != r->pid)
		return;
	r->exited = 1;
	if (r->start_failed)
		r->status = 127;
	else if (WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->status = 128 + WTERMSIG(st);
	if (r->phase == RUN_COMMAND)
		run_command_ended(r);
}

/* The exec status pipe: EOF means exec succeeded, an int means it failed. */
static void
run_exec_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	int e;
	ssize_t n = read(fd, &e, sizeof(e));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof(e)) {
		r->start_failed = 1;
		r->start_errno = e;
		errno = e;
		log_warn("run: cannot start \"%s\"", r->ms->cli.command[0]);
	}
	event_free(r->exec_ev);
	r->exec_ev = NULL;
	close(fd);
	r->exec_fd = -1;
}

/*
 * The launcher once the command runs: it stays with the invoking user's
 * rights, so it can pass on the signals the unprivileged monitor may not
 * send to a root command (read from sig_r as ints), and it ends as the
 * command did: the same exit status, or killed by the same signal.
 */
static void __attribute__((noreturn)) run_relay(pid_t pid, int sig_r)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), st = 0, s, reaped = 0;
	struct rlimit no_core = { 0, 0 };
	struct pollfd p[2];
	sigset_t none;

	for (;;) {
		p[0].fd = sig_r;
		p[0].events = POLLIN;
		p[1].fd = pfd;
		p[1].events = POLLIN;
		/* Without pidfds (before Linux 5.3) look every 5 ms. */
		if (poll(p, 2, pfd >= 0 ? -1 : 5) < 0 && errno != EINTR)
			break;
		if (sig_r >= 0 && (p[0].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(sig_r, &s, sizeof(s));

			if (n == (ssize_t)sizeof(s))
				kill(pid, s);
			else if (n == 0)
				sig_r = -1; /* the monitor has gone: poll ignores -1 */
		}
		if (pfd >= 0 ? (p[1].revents & POLLIN) != 0
			     : (reaped = waitpid(pid, &st, WNOHANG) == pid) != 0)
			break;
	}
	if (!reaped && waitpid(pid, &st, 0) != pid)
		_exit(127);
	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st));
	s = WTERMSIG(st);
	setrlimit(RLIMIT_CORE, &no_core);
	signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	raise(s);
	_exit(128 + s);
}

/*
 * The launcher: a child forked before hamon drops its privileges, waiting
 * on a pipe. The wrapped command (a migration needs root) keeps the
 * invoking user's rights while the monitor runs as an unprivileged user.
 * Writing one byte starts the command (a child of the launcher, which then
 * relays signals: run_relay); closing the pipe ends the launcher without
 * running anything.
 */
static int
run_launcher_fork(struct run *r)
{
	int out[2], errp[2], ex[2], go[2], sg[2], i;

	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
	    pipe2(ex, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0 || pipe2(sg, O_CLOEXEC) != 0) {
		log_warn("run: pipe");
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	if ((r->pid = fork()) < 0) {
		log_warn("run: fork");
		return -1;
	}
	if (r->pid == 0) {
		sigset_t none;
		pid_t cmd;
		char c;
		int e;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* Handlers go at exec, ignored signals stay: the command gets
		 * every disposition at its default. */
		for (e = 0; e < MONITOR_NSTOP_SIGNALS; e++)
			signal(monitor_stop_signals[e], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGXFSZ, SIG_DFL);
		signal(SIGUSR1, SIG_DFL);
		/* Only the parent may hold the write end, or EOF never comes. */
		close(go[1]);
		close(out[0]);
		close(errp[0]);
		close(ex[0]);
		close(sg[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(0);
		if ((cmd = fork()) != 0) {
			/* Only the command may hold the write ends now. */
			close(out[1]);
			close(errp[1]);
			close(ex[1]);
			if (cmd < 0)
				_exit(127);
			run_relay(cmd, sg[0]);
		}
		dup2(out[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		/* Probe sockets, pcap, netlink, the database: none of it is the
		 * command's business. */
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		fdlimit_restore();
		execvp(r->ms->cli.command[0], r->ms->cli.command);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	close(ex[1]);
	close(go[0]);
	close(sg[0]);
	r->go_fd = go[1];
	r->sig_fd = sg[1];
	r->out_fd[0] = out[0];
	r->out_fd[1] = errp[0];
	for (i = 0; i < 2; i++)
		fcntl(r->out_fd[i], F_SETFL, O_NONBLOCK);
	r->exec_fd = ex[0];
	fcntl(ex[0], F_SETFL, O_NONBLOCK);
	return 0;
}

/* Start the command: mark the span, release the launcher, watch its pipes. */
static int
run_spawn(struct run *r)
{
	int i;

	r->start_real = time_real_ns();
	r->start_mono = time_mono_ns();
	/* A backup is planned maintenance: its alerts are muted (recorded
	 * and shown all the same). */
	if (strcmp(r->ms->cli.kind, "backup") == 0)
		monitor_mute(r->ms->m, 1, r->ms->cli.label ? r->ms->cli.label : "backup");
	monitor_set_run(r->ms->m, r->ms->cli.label ? r->ms->cli.label : "run");
	monitor_mark(r->ms->m, r->start_real, "span-begin",
		     r->ms->cli.label ? r->ms->cli.label : "run");
	if (write(r->go_fd, "g", 1) != 1) {
		log_warn("run: cannot start the command");
		return -1;
	}
	close(r->go_fd);
	r->go_fd = -1;
	for (i = 0; i < 2; i++) {
		r->out_ev[i] =
			event_new(r->base, r->out_fd[i], EV_READ | EV_PERSIST, run_output_cb, r);
		event_add(r->out_ev[i], NULL);
	}
	r->exec_ev = event_new(r->base, r->exec_fd, EV_READ | EV_PERSIST, run_exec_cb, r);
	event_add(r->exec_ev, NULL);
	r->phase = RUN_COMMAND;
	return 0;
}

/* While waiting: start the command once every target answers, or give up. */
static void
run_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	char names[512];

	if (r->phase != RUN_WAITING) {
		event_del(r->tick);
		return;
	}
	if (monitor_count_up(r->ms->m) == r->ms->cfg.ntargets) {
		/* A short baseline first, so "before" latency means something. */
		if (r->all_up_at == 0)
			r->all_up_at = time_mono_ns();
		if (time_mono_ns() - r->all_up_at < r->ms->cli.baseline_ns)
			return;
		event_del(r->tick);
		if (run_spawn(r) != 0) {
			r->status = 1;
			r->phase = RUN_DONE;
			monitor_stop(r->ms->m);
		}
		return;
	}
	if (time_mono_ns() - r->wait_start > r->ms->cli.wait_ns) {
		char w[32];

		monitor_list_not_up(r->ms->m, names, sizeof(names));
		duration_format(r->ms->cli.wait_ns, w, sizeof(w));
		log_warnx("run: no answer from %s within %s; the command was not started", names,
			  w);
		event_del(r->tick);
		r->status = 1;
		r->start_failed = -1;
		r->phase = RUN_DONE;
		monitor_stop(r->ms->m);
	}
}

/* Have the launcher send sig to the command (the monitor itself may lack
 * the right to). */
static void
run_signal_command(struct run *r, int sig)
{
	if (r->sig_fd < 0 || write(r->sig_fd, &sig, sizeof(sig)) != (ssize_t)sizeof(sig))
		log_warn("run: cannot pass signal %d on to the command", sig);
}

/* A stop signal (monitor_stop_signals) while the command runs: hamon keeps
 * probing until it exits, then settles as usual. SIGINT came from the
 * terminal, which signalled the command too (same process group); any other
 * is passed on to it. A second one kills the command. A signal while
 * waiting or settling stops at once. */
static void
run_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;

	if (r->phase == RUN_COMMAND && r->pid > 0 && !r->exited) {
		if (r->interrupted++)
			run_signal_command(r, SIGKILL);
		else if (sig != SIGINT)
			run_signal_command(r, (int)sig);
		return;
	}
	if (r->phase == RUN_WAITING)
		r->status = 128 + (int)sig;
	r->phase = RUN_DONE;
	monitor_stop(r->ms->m);
}

/* The hypervisor's figures as a small JSON object for sqlite3 users
 * (json_extract(hv_json, '$.downtime_ms')); NULL when it stated nothing. */
static char *
run_hv_json(const struct hv_figures *f)
{
	char buf[512];
	size_t n = 0;

	if (!hvparse_figures_any(f))
		return NULL;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"task\":\"%s\"",
			      hvparse_task_status_name(f->task_status));
	if (f->downtime_ms >= 0)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      ",\"downtime_ms\":%lld,\"downtime_source\":\"%s\"",
				      (long long)f->downtime_ms,
				      hvparse_source_name(f->downtime_src));
	if (f->duration_ms >= 0 && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",\"duration_ms\":%lld",
				      (long long)f->duration_ms);
	if (f->transferred_bytes >= 0 && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",\"transferred_bytes\":%lld",
				      (long long)f->transferred_bytes);
	if (f->backup_duration_ms >= 0 && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",\"backup_duration_ms\":%lld",
				      (long long)f->backup_duration_ms);
	if (n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, "}");
	return n < sizeof(buf) - 1 ? xstrdup(buf) : NULL;
}

/* The run row for the store. */
static void
run_store(struct run *r)
{
	struct store_run sr;
	char err[256], *cmd, *hv;

	if (r->ms->st == NULL)
		return;
	cmd = join_argv((int)r->ms->cli.ncommand, r->ms->cli.command);
	memset(&sr, 0, sizeof(sr));
	sr.session_id = r->ms->session_id;
	sr.label = r->ms->cli.label;
	sr.kind = r->ms->cli.kind;
	sr.argv = cmd;
	sr.cmd_start_ns = r->start_real;
	sr.cmd_end_ns = r->end_real;
	sr.cmd_duration_ns = r->end_mono - r->start_mono;
	sr.exit_status = r->start_real ? r->status : -1;
	sr.output_bytes = r->out_bytes;
	sr.output = r->capture;
	sr.output_len = r->capture_len;
	sr.hv_json = hv = run_hv_json(hvparse_result(r->hv));
	if (store_run_put(r->ms->st, &sr, err, sizeof(err)) != 0)
		log_warnx("%s", err);
	free(hv);
	free(cmd);
}

/* `hamon run`. */
int
cmd_run(int argc, char **argv)
{
	struct msession ms;
	struct run r;
	struct timeval tv = { 0, 10000 };
	char err[512];
	int i;

	memset(&ms, 0, sizeof(ms));
	memset(&r, 0, sizeof(r));
	monitor_cli_parse(argc, argv, &ms.cli, 1);
	/* Inside a run every probe is kept: the report needs them. */
	ms.cli.samples = 1;
	ms.own_signals = 1;
	if (msession_open(&ms, argc, argv, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		msession_close(&ms, "failed");
		return 1;
	}
	r.ms = &ms;
	r.base = monitor_base(ms.m);
	r.out_fd[0] = r.out_fd[1] = r.exec_fd = r.go_fd = r.sig_fd = -1;
	if (run_launcher_fork(&r) != 0) {
		msession_close(&ms, "failed");
		return 1;
	}
	if (msession_drop(&ms, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		close(r.go_fd);
		waitpid(r.pid, NULL, 0);
		msession_close(&ms, "failed");
		return 1;
	}
	msession_announce(&ms);
	r.capture = xmalloc(RUN_CAPTURE_MAX);
	r.hv = hvparse_new();
	r.wait_start = time_mono_ns();
	r.tick = event_new(r.base, -1, EV_PERSIST, run_tick_cb, &r);
	event_add(r.tick, &tv);
	r.sigchld = evsignal_new(r.base, SIGCHLD, run_sigchld_cb, &r);
	event_add(r.sigchld, NULL);
	for (i = 0; i < MONITOR_NSTOP_SIGNALS; i++) {
		r.sig[i] = evsignal_new(r.base, monitor_stop_signals[i], run_signal_cb, &r);
		event_add(r.sig[i], NULL);
	}

	monitor_loop(ms.m);

	/* Never started: let the launcher go without running anything. */
	if (r.go_fd >= 0) {
		close(r.go_fd);
		r.go_fd = -1;
		if (r.pid > 0 && !r.exited) {
			waitpid(r.pid, NULL, 0);
			r.exited = 1;
		}
	}
	/* The loop can end before the command does only on a second signal. */
	if (r.pid > 0 && !r.exited) {
		run_signal_command(&r, SIGKILL);
		waitpid(r.pid, NULL, 0);
		r.status = 128 + SIGKILL;
		r.end_real = time_real_ns();
		r.end_mono = time_mono_ns();
	}
	for (i = 0; i < 2; i++) {
		/* Whatever the command left in its pipes. */
		while (r.out_ev[i] != NULL)
			run_output_cb(r.out_fd[i], EV_READ, &r);
	}
	if (r.exec_ev)
		run_exec_cb(r.exec_fd, EV_READ, &r);
	monitor_summary(ms.m, 0);
	run_store(&r);
	if (ms.st != NULL && r.start_real) {
		store_session_end(ms.st, ms.session_id, time_real_ns(), "stopped");
		if (report_print_session(ms.st, ms.session_id, RR_FMT_TEXT, stdout, err,
					 sizeof(err)) != 0)
			log_warnx("report: %s", err);
	} else if (ms.st == NULL)
		monitor_summary(ms.m, 1);
	event_free(r.tick);
	if (r.settle)
		event_free(r.settle);
	event_free(r.sigchld);
	for (i = 0; i < MONITOR_NSTOP_SIGNALS; i++)
		event_free(r.sig[i]);
	if (r.sig_fd >= 0)
		close(r.sig_fd);
	hvparse_free(r.hv);
	free(r.capture);
	if (msession_close(&ms, ms.st != NULL && r.start_real ? NULL : "stopped") && r.status == 0)
		return 1; /* the database went bad (store.h: store_failed) */
	return r.status;
}
