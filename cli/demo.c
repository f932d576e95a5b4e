/* SPDX-License-Identifier: ISC */
/* demo.c: `hamon demo`: a live migration and a power-loss failover on test
 * hosts in network namespaces, each wrapped in `hamon run`, then reports.
 *
 * Topology (addresses in 198.18.200.0/24 only, no default routes):
 *
 *   [mon: br0 198.18.200.1] --veth-- [node1]     the VMs' addresses live on
 *                           --veth-- [node2]     node1 or node2's interface
 *
 * The monitor runs in "mon". A migration moves vm101's address from node1 to
 * node2 with a gap of tens of ms and a gratuitous ARP from its new place; a
 * power cut takes node1's link down and vm102 comes back on node2 seconds
 * later, as HA would restart it. The fault steps run as the command wrapped
 * by `hamon run` (the hidden `hamon demo-step`), which prints what it did and
 * when, in Proxmox's task-log format so hamon reads the "hypervisor" figure.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "cli/cmd.h"
#include "monitor/control.h"

extern char **environ;

#define DEMO_NET         "198.18.200"
#define DEMO_LISTEN_SECS 120

struct demo {
	char ns_mon[32], ns_n1[32], ns_n2[32];
	char dev_m1[16], dev_m2[16], dev_n1[16], dev_n2[16];
	char dir[64], db[96], html[96];
	char self[512];
	pid_t listeners[2];
	int verbose;
};

/*
 * Signals. The handlers only record what arrived; the orchestrator acts on
 * it where it waits. SIGINT, SIGTERM and SIGCHLD stay blocked outside those
 * waits and are let in only by ppoll(), which swaps the mask atomically: a
 * signal that comes just before a wait is still pending when the wait
 * starts, so it cannot be missed and leave us waiting for a child that
 * would run on for seconds. Children get the original mask back before
 * they run anything.
 */
static volatile sig_atomic_t demo_stop; /* SIGINT or SIGTERM: which one */
static sigset_t demo_orig_mask;         /* the mask we were started with */
static sigset_t demo_wait_mask;         /* the same minus our three */
static int demo_signals_on;             /* set in `hamon demo` only */

/* The handler of SIGINT and SIGTERM: remember the first one. */
static void
demo_on_stop(int sig)
{
	if (demo_stop == 0)
		demo_stop = sig;
}

/* The SIGCHLD handler: nothing to do, its arrival ends ppoll(). */
static void
demo_on_child(int sig)
{
	(void)sig;
}

/* Install the handlers and block the signals until a wait lets them in. */
static void
demo_signals_init(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = demo_on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = demo_on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &demo_orig_mask);
	demo_wait_mask = demo_orig_mask;
	sigdelset(&demo_wait_mask, SIGINT);
	sigdelset(&demo_wait_mask, SIGTERM);
	sigdelset(&demo_wait_mask, SIGCHLD);
	demo_signals_on = 1;
}

/* In a forked child: default dispositions and the original mask again. */
static void
demo_signals_child(void)
{
	if (!demo_signals_on)
		return;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &demo_orig_mask, NULL);
}

/*
 * Wait for child pid and return its exit status (128 + signal if it was
 * killed). With forward set, a stop request is passed on to the child as
 * SIGTERM (once) and the child gets DEMO_STOP_GRACE_SECS to finish before
 * SIGKILL; without it (short ip(8) calls) the child just runs to its end.
 */
#define DEMO_STOP_GRACE_SECS 10
static int
demo_wait(pid_t pid, int forward)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	int st, forwarded = 0, ticks = 0;
	pid_t r;

	if (!demo_signals_on) {
		/* `hamon demo-step` times its ip(8) calls: a plain wait. */
		while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
			;
		if (r < 0)
			return 128;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return 128;
		if (forward && demo_stop != 0) {
			if (!forwarded) {
				kill(pid, SIGTERM);
				forwarded = 1;
			} else if (++ticks == DEMO_STOP_GRACE_SECS * 10) {
				log_warnx("demo: child %d still running %ds after SIGTERM: killing "
					  "it",
					  (int)pid, DEMO_STOP_GRACE_SECS);
				kill(pid, SIGKILL);
			}
		}
		/* Wakes on SIGCHLD, SIGINT or SIGTERM, or after a tick. */
		ppoll(NULL, 0, &tick, &demo_wait_mask);
	}
}

/* Run a command (argv split on spaces; our arguments never contain any),
 * quietly; returns its exit status. Only at set-up and tear-down. */
static int
demo_cmd(int quiet, const char *fmt, ...)
{
	char line[512], *argv[48], *save = NULL, *tok;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	va_list ap;
	pid_t pid;
	int n = 0, rc;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (tok = strtok_r(line, " ", &save); tok && n < 47; tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	}
	/* ip(8) runs with the mask and dispositions we were started with. */
	posix_spawnattr_init(&attr);
	if (demo_signals_on) {
		posix_spawnattr_setsigmask(&attr, &demo_orig_mask);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	}
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return 127;
	return demo_wait(pid, 0);
}

/* Enter a named network namespace (this process or thread). */
static int
demo_enter_ns(const char *ns)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

/* Remove everything the demo made; safe to call twice. */
static void
demo_teardown(struct demo *d)
{
	int i;

	for (i = 0; i < 2; i++)
		if (d->listeners[i] > 0) {
			kill(d->listeners[i], SIGTERM);
			demo_wait(d->listeners[i], 0);
			d->listeners[i] = 0;
		}
	if (d->ns_mon[0]) {
		demo_cmd(1, "ip netns del %s", d->ns_mon);
		demo_cmd(1, "ip netns del %s", d->ns_n1);
		demo_cmd(1, "ip netns del %s", d->ns_n2);
		d->ns_mon[0] = '\0';
	}
}

/* A TCP listener on port 22 inside a node: accepts and closes, bounded. */
static pid_t
demo_listener(const char *ns)
{
	struct sockaddr_in sin;
	pid_t pid = fork();
	int fd, one = 1;
	time_t end;

	if (pid != 0)
		return pid;
	demo_signals_child();
	if (demo_enter_ns(ns) != 0 || (fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		_exit(1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(22);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 1024) != 0)
		_exit(1);
	/* The kernel answers SYNs from the backlog; hamon resets them. Accept
	 * what completes so nothing piles up, and stop by ourselves. */
	for (end = time(NULL) + DEMO_LISTEN_SECS; time(NULL) < end;) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, 1000) > 0) {
			int c = accept(fd, NULL, NULL);

			if (c >= 0)
				close(c);
		}
	}
	_exit(0);
}

/* Build the namespaces, the bridge, the veths and the VMs' first homes. */
static int
demo_setup(struct demo *d)
{
	int rc = 0;

	rc |= demo_cmd(1, "ip route replace unreachable 198.18.0.0/15 metric 4000");
	demo_cmd(1, "ip -6 route replace unreachable 2001:db8::/32 metric 4000");
	rc |= demo_cmd(0, "ip netns add %s", d->ns_mon);
	rc |= demo_cmd(0, "ip netns add %s", d->ns_n1);
	rc |= demo_cmd(0, "ip netns add %s", d->ns_n2);
	if (rc)
		return -1;
	rc |= demo_cmd(0, "ip -n %s link set lo up", d->ns_mon);
	rc |= demo_cmd(0, "ip -n %s link set lo up", d->ns_n1);
	rc |= demo_cmd(0, "ip -n %s link set lo up", d->ns_n2);
	rc |= demo_cmd(0, "ip -n %s link add br0 type bridge", d->ns_mon);
	rc |= demo_cmd(0, "ip -n %s link add %s type veth peer name %s netns %s", d->ns_mon,
		       d->dev_m1, d->dev_n1, d->ns_n1);
	rc |= demo_cmd(0, "ip -n %s link add %s type veth peer name %s netns %s", d->ns_mon,
		       d->dev_m2, d->dev_n2, d->ns_n2);
	rc |= demo_cmd(0, "ip -n %s link set %s master br0 up", d->ns_mon, d->dev_m1);
	rc |= demo_cmd(0, "ip -n %s link set %s master br0 up", d->ns_mon, d->dev_m2);
	rc |= demo_cmd(0, "ip -n %s addr add " DEMO_NET ".1/24 dev br0", d->ns_mon);
	rc |= demo_cmd(0, "ip -n %s link set br0 up", d->ns_mon);
	rc |= demo_cmd(0, "ip -n %s link set %s up", d->ns_n1, d->dev_n1);
	rc |= demo_cmd(0, "ip -n %s link set %s up", d->ns_n2, d->dev_n2);
	/* Each node has an address of its own, so the VMs' addresses are
	 * secondary ones that can come and go without taking others along. */
	rc |= demo_cmd(0, "ip -n %s addr add " DEMO_NET ".101/24 dev %s", d->ns_n1, d->dev_n1);
	rc |= demo_cmd(0, "ip -n %s addr add " DEMO_NET ".102/24 dev %s", d->ns_n2, d->dev_n2);
	/* vm101 and vm102 both start on node1. */
	rc |= demo_cmd(0, "ip -n %s addr add " DEMO_NET ".10/24 dev %s", d->ns_n1, d->dev_n1);
	rc |= demo_cmd(0, "ip -n %s addr add " DEMO_NET ".20/24 dev %s", d->ns_n1, d->dev_n1);
	if (rc)
		return -1;
	d->listeners[0] = demo_listener(d->ns_n1);
	d->listeners[1] = demo_listener(d->ns_n2);
	return 0;
}

/* Run `hamon ARGS...` inside the monitor's namespace and wait for it. */
static int
demo_hamon_in_mon(struct demo *d, char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		demo_signals_child();
		if (demo_enter_ns(d->ns_mon) != 0)
			_exit(126);
		execv(d->self, argv);
		_exit(127);
	}
	return demo_wait(pid, 1);
}

/* Send a gratuitous ARP for ip from dev in the current namespace. */
static int
demo_garp(const char *dev, const char *ip)
{
	unsigned char frame[42], mac[6];
	struct sockaddr_ll sll;
	struct ifreq ifr;
	struct in_addr a;
	int fd, rc;

	if (inet_pton(AF_INET, ip, &a) != 1 ||
	    (fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP))) < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	/* ifr_hwaddr and ifr_ifindex share a union: take the MAC first. */
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
		close(fd);
		return -1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0) {
		close(fd);
		return -1;
	}
	memset(frame, 0xff, 6); /* to everyone */
	memcpy(frame + 6, mac, 6);
	frame[12] = 0x08, frame[13] = 0x06;                         /* ARP */
	frame[14] = 0, frame[15] = 1, frame[16] = 8, frame[17] = 0; /* Ethernet, IPv4 */
	frame[18] = 6, frame[19] = 4, frame[20] = 0, frame[21] = 1; /* request */
	memcpy(frame + 22, mac, 6);
	memcpy(frame + 28, &a, 4); /* sender = target = ip */
	memset(frame + 32, 0, 6);
	memcpy(frame + 38, &a, 4);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifr.ifr_ifindex;
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	rc = sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) ==
			     (ssize_t)sizeof(frame)
		     ? 0
		     : -1;
	close(fd);
	return rc;
}

/* A Proxmox-style task log line: "YYYY-MM-DD HH:MM:SS msg". */
static void
demo_log(const char *fmt, ...)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s ", when);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Sleep for ns on CLOCK_MONOTONIC. */
static void
demo_sleep(int64_t ns)
{
	struct timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* `hamon demo-step migrate NS_FROM DEV_FROM NS_TO DEV_TO IP GAP_MS` and
 * `hamon demo-step failover NS_FROM DEV_FROM NS_TO DEV_TO IP DOWN_MS DB`. */
int
cmd_demo_step(int argc, char **argv)
{
	int64_t a0, a1, b0, b1, gap;
	char ms[32];
	int failover;

	if (argc < 8)
		usage_error("demo-step: internal command of hamon demo");
	failover = strcmp(argv[1], "failover") == 0;
	gap = atoll(argv[7]) * NSEC_PER_MSEC;
	demo_sleep(NSEC_PER_SEC);
	if (failover) {
		char err[256];

		demo_log("simulating power loss of node1 (vm102 runs there)");
		if (argc > 8 &&
		    control_send_mark(argv[8], "marker", "power cut node1", err, sizeof(err)) != 0)
			demo_log("marker not sent: %s", err);
		a0 = time_mono_ns();
		demo_cmd(0, "ip -n %s link set %s down", argv[2], argv[3]);
		a1 = time_mono_ns();
	} else {
		demo_log("starting migration of VM 101 to node 'node2' (" DEMO_NET ".1)");
		demo_log("migration downtime limit: 100 ms");
		a0 = time_mono_ns();
		demo_cmd(0, "ip -n %s addr del %s/24 dev %s", argv[2], argv[6], argv[3]);
		a1 = time_mono_ns();
	}
	demo_sleep(gap - (a1 - a0));
	b0 = time_mono_ns();
	if (failover)
		demo_log("HA: fenced node1, recovering vm102 on node2");
	demo_cmd(0, "ip -n %s addr add %s/24 dev %s", argv[4], argv[6], argv[5]);
	if (demo_enter_ns(argv[4]) != 0 || demo_garp(argv[5], argv[6]) != 0)
		demo_log("gratuitous ARP failed: %s", strerror(errno));
	b1 = time_mono_ns();
	duration_format((b0 + b1) / 2 - (a0 + a1) / 2, ms, sizeof(ms));
	if (failover)
		demo_log("vm102 answers from node2: injected outage %s (+- %.1f ms)", ms,
			 ((a1 - a0) + (b1 - b0)) / 2e6);
	else {
		demo_log("migration status: completed");
		demo_log("average migration speed: 1.0 GiB/s - downtime %lld ms",
			 (long long)(((b0 + b1) / 2 - (a0 + a1) / 2) / NSEC_PER_MSEC));
		demo_log("migration finished successfully (duration 00:00:01)");
		printf("hamon demo: injected gap %s (+- %.1f ms: the address was removed and added "
		       "by\n"
		       "hamon demo: ip(8) calls; the edges are their midpoints)\n",
		       ms, ((a1 - a0) + (b1 - b0)) / 2e6);
	}
	return 0;
}

/* `hamon demo`. */
int
cmd_demo(int argc, char **argv)
{
	struct demo d;
	char gapms[16];
	ssize_t n;
	int rc = 0, keep = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--keep") == 0)
			keep = 1;
		else if (strcmp(argv[i], "--help") == 0) {
			puts("usage: hamon demo [--keep]   (root: makes network namespaces)");
			return 0;
		} else
			usage_error("demo: unknown option %s", argv[i]);
	}
	if (geteuid() != 0)
		usage_error("demo needs root: it creates network namespaces (sudo hamon demo)");
	memset(&d, 0, sizeof(d));
	snprintf(d.ns_mon, sizeof(d.ns_mon), "hamon-demo%d-mon", (int)getpid());
	snprintf(d.ns_n1, sizeof(d.ns_n1), "hamon-demo%d-n1", (int)getpid());
	snprintf(d.ns_n2, sizeof(d.ns_n2), "hamon-demo%d-n2", (int)getpid());
	snprintf(d.dev_m1, sizeof(d.dev_m1), "hdm1");
	snprintf(d.dev_m2, sizeof(d.dev_m2), "hdm2");
	snprintf(d.dev_n1, sizeof(d.dev_n1), "eth0");
	snprintf(d.dev_n2, sizeof(d.dev_n2), "eth0");
	snprintf(d.dir, sizeof(d.dir), "/tmp/hamon-demo.XXXXXX");
	if (mkdtemp(d.dir) == NULL)
		fatal("mkdtemp");
	snprintf(d.db, sizeof(d.db), "%s/demo.db", d.dir);
	snprintf(d.html, sizeof(d.html), "%s/report.html", d.dir);
	if ((n = readlink("/proc/self/exe", d.self, sizeof(d.self) - 1)) <= 0)
		fatal("readlink /proc/self/exe");
	d.self[n] = '\0';

	demo_signals_init();
	printf("== hamon demo: test hosts in network namespaces (" DEMO_NET ".0/24)\n");
	fflush(stdout);
	if (demo_setup(&d) != 0) {
		demo_teardown(&d);
		fatalx("could not build the demo network (is iproute2 installed?)");
	}
	if (demo_stop)
		goto stopped;

	printf("\n== 1. live migration of vm101 from node1 to node2 (address moves, ~40 ms gap, "
	       "gratuitous ARP)\n");
	fflush(stdout);
	snprintf(gapms, sizeof(gapms), "40");
	{
		char *av[] = { "hamon",
			       "run",
			       "--db",
			       d.db,
			       "--interval",
			       "10ms",
			       "--label",
			       "demo-migration",
			       "--kind",
			       "migration",
			       "--settle",
			       "2s",
			       "--target",
			       "vm101=icmp://" DEMO_NET ".10",
			       "--target",
			       "vm101-ssh=tcp://" DEMO_NET ".10:22",
			       "--",
			       d.self,
			       "demo-step",
			       "migrate",
			       d.ns_n1,
			       d.dev_n1,
			       d.ns_n2,
			       d.dev_n2,
			       DEMO_NET ".10",
			       gapms,
			       NULL };
		rc |= demo_hamon_in_mon(&d, av);
	}
	if (demo_stop)
		goto stopped;

	printf("\n== 2. power loss of node1: vm102 comes back on node2 after ~3 s (HA restart)\n");
	fflush(stdout);
	{
		char *av[] = { "hamon",        "run",
			       "--db",         d.db,
			       "--interval",   "10ms",
			       "--label",      "demo-failover",
			       "--kind",       "failover",
			       "--settle",     "2s",
			       "--target",     "vm102=icmp://" DEMO_NET ".20",
			       "--target",     "vm101=icmp://" DEMO_NET ".10",
			       "--",           d.self,
			       "demo-step",    "failover",
			       d.ns_n1,        d.dev_n1,
			       d.ns_n2,        d.dev_n2,
			       DEMO_NET ".20", "3000",
			       d.db,           NULL };
		rc |= demo_hamon_in_mon(&d, av);
	}
	if (demo_stop)
		goto stopped;

	{
		char *av[] = { "hamon",    "report", "--db", d.db,   "--last",
			       "--format", "html",   "-o",   d.html, NULL };
		pid_t pid = fork();

		if (pid == 0) {
			demo_signals_child();
			execv(d.self, av);
			_exit(127);
		}
		rc |= pid < 0 || demo_wait(pid, 1) != 0;
	}
	if (demo_stop)
		goto stopped;
	demo_teardown(&d);
	printf("\n== done: database %s, HTML report %s\n", d.db, d.html);
	printf("   try: hamon history --db %s    hamon report --db %s --label demo-migration\n",
	       d.db, d.db);
	if (keep)
		printf("   (--keep: nothing else to keep; namespaces are always removed)\n");
	return rc ? 1 : 0;

stopped:
	/* The one teardown of an interrupted demo: the child that was running
	 * has been stopped and reaped by demo_wait(); what it wrote is partial. */
	demo_teardown(&d);
	demo_cmd(1, "rm -rf %s", d.dir);
	fflush(stdout);
	log_warnx("demo: %s: stopped; namespaces removed",
		  demo_stop == SIGINT ? "SIGINT" : "SIGTERM");
	return 128 + demo_stop;
}
