/* SPDX-License-Identifier: ISC */
/*
 * hostile: hostile traffic on the wire towards the monitor, for
 * tests/integration/hostile.t (issue 7). It runs inside the target host's
 * network namespace (`ip netns exec NS_H1 hostile ...`) and sends only to
 * the monitor's addresses it is given, at a fixed rate, for a bounded time.
 *
 *   hostile flood --to4 ADDR [--to6 ADDR] --kinds LIST [--pps N]
 *                 (--duration D | --count N) [--start-delay D]
 *                 [--tcp-port P] [--linger D] [--seed N]
 *   hostile listen --port P --duration D
 *
 * flood sends the kinds of LIST round-robin (IPv4 kinds need --to4, IPv6
 * kinds --to6), every packet a whole IP datagram written through an
 * IPPROTO_RAW socket, so lengths, checksums and headers are exactly what
 * we choose. What hamon should make of each (icmp_pkt.h, tcp_pkt.h):
 *
 *   forge        echo reply with hamon's identifier, magic and version, a
 *                tid and seq it is probing now, a random check value and a
 *                correct checksum                          -> bad_check
 *   badsum       the same with a wrong ICMP checksum       -> malformed
 *   trunc        the same cut to ICMP length 0, 1, .. 63 in turn, checksum
 *                right for what is left                    -> malformed
 *                (lengths 8..11 end inside the magic: foreign)
 *   other        echo reply from another pinger: another identifier (every
 *                other one hamon's own) and an iputils payload -> foreign
 *   unreach-rand destination unreachable quoting a random UDP datagram
 *                                                          -> foreign
 *   unreach-hamon destination unreachable quoting a hamon-like echo request
 *                monitor -> host with a wrong check value  -> bad_check
 *   unreach-tcp  destination unreachable quoting a SYN monitor:49152+ ->
 *                host:--tcp-port with a random sequence number
 *                                      -> bad_check (TCP), foreign (ICMP)
 *   garbage      IP protocol 1, 1..128 random bytes; the type byte is one
 *                hamon's socket lets through (0, 3, 11) or a random one,
 *                never a request the kernel would answer   -> malformed
 *   tcp          SYN+ACK or RST+ACK from host:--tcp-port to a random port
 *                of the monitor's probe range, random seq/ack, correct
 *                checksum                                  -> bad_check (TCP)
 *   tcp-rand     the same from a random source port        -> foreign (TCP)
 *   replay       a real echo request of hamon's, seen earlier on this host,
 *                sent back as an echo reply (valid check): a duplicate of a
 *                reply already received, or stale once the seq is out of
 *                hamon's window                            -> no new reply
 *
 * and the same with a 6 appended (forge6, ..., replay6) over IPv6; "all4",
 * "all6" and "all" name every kind of a family. The kernel verifies ICMPv6
 * checksums itself, so badsum6 and garbage6 never reach hamon's socket.
 *
 * hamon's identifier and the tid/seq it is sending are learned by reading
 * its echo requests on this host (raw ICMP sockets that see every request
 * the host's kernel answers), so forgeries carry the right address,
 * identifier, tid and a seq around the one being probed, swept from 32
 * behind to 31 ahead of the seq predicted from the last request seen and
 * hamon's measured interval: while a fault drops the requests, forged
 * replies keep arriving for exactly the probes that are being lost. The
 * check value cannot be known without hamon's key, and that is the point.
 *
 * stdout: "ready" once the sockets are open, then at the end one line per
 * kind ("sent KIND N errors E"), what was learned ("seen4 ident 0xID
 * requests N other M", "seen4 tid T requests N seq A..B", the same for 6)
 * and "done sent=N errors=E elapsed_ms=T". Requests are read until the
 * flood is over and none has arrived for --linger (default 1 s), at most
 * 30 s more, so that the counts cover a whole run of the monitor.
 *
 * listen accepts connections on PORT (IPv4 and IPv6) and closes them at
 * once, for --duration; prints "listening PORT" and at the end "accepted N".
 *
 * Exit status: 0 done, 1 system failure, 2 usage error.
 *
 * This file holds the command line, flood and listen; hostile_pkt.c builds
 * the packets and hostile_net.c opens the sockets, sends and sniffs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/icmp.h>
#include <math.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/hostile.h"

/* The kinds' names, on the command line and in the report. */

static const char *const hs_kind_names[HK_NKINDS] = {
	"forge",       "badsum",  "trunc", "other",    "unreach-rand", "unreach-hamon",
	"unreach-tcp", "garbage", "tcp",   "tcp-rand", "replay",
};

static volatile sig_atomic_t hs_stop;

/* SIGINT/SIGTERM: finish the current packet, then report and exit. */
static void
hs_on_signal(int sig)
{
	(void)sig;
	hs_stop = 1;
}

/* Monotonic clock in ns. */
int64_t
hs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Print a usage error and exit 2. */
static void hs_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void
hs_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hostile: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: hostile flood --to4 ADDR [--to6 ADDR] --kinds LIST [--pps N]\n"
			"                     (--duration D | --count N) [--start-delay D]\n"
			"                     [--tcp-port P] [--linger D] [--seed N]\n"
			"       hostile listen --port P --duration D\n");
	exit(2);
}

/* A duration "10ms", "1.5s", "250us", "5000ns", within [0, 1 h]. */
static int64_t
hs_parse_duration(const char *what, const char *s)
{
	static const struct {
		const char *unit;
		double mul;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1e3 },
		{ "ms", 1e6 },
		{ "s", 1e9 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		hs_usage("%s: not a duration", what);
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit) == 0) {
			v *= units[i].mul;
			if (v > (double)HS_MAX_NS)
				hs_usage("%s: longer than 1 hour", what);
			return (int64_t)v;
		}
	}
	hs_usage("%s: a duration needs a unit ns, us, ms or s", what);
}

/* An integer in [lo, hi]. */
static uint64_t
hs_parse_uint(const char *what, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s == '-' || *s == '\0')
		hs_usage("%s: not a number", what);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		hs_usage("%s: out of range", what);
	return v;
}

/* Add the jobs named in a comma-separated LIST. */
static void
hs_parse_kinds(struct hs *h, const char *list)
{
	char *copy, *tok, *save = NULL;
	size_t n;
	int k, v6, found, all4, all6;

	if ((copy = strdup(list)) == NULL) {
		perror("hostile: strdup");
		exit(1);
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		all4 = strcmp(tok, "all4") == 0 || strcmp(tok, "all") == 0;
		all6 = strcmp(tok, "all6") == 0 || strcmp(tok, "all") == 0;
		found = all4 || all6;
		for (k = 0; k < HK_NKINDS; k++) {
			for (v6 = 0; v6 < 2; v6++) {
				n = strlen(hs_kind_names[k]);
				if (!(v6 ? all6 : all4) &&
				    !(strncmp(tok, hs_kind_names[k], n) == 0 &&
				      strcmp(tok + n, v6 ? "6" : "") == 0))
					continue;
				found = 1;
				if (h->njobs == (int)(sizeof h->jobs / sizeof h->jobs[0]))
					hs_usage("--kinds: too many kinds in \"%s\"", list);
				h->jobs[h->njobs].kind = (enum hs_kind)k;
				h->jobs[h->njobs].v6 = v6;
				h->njobs++;
			}
		}
		if (!found)
			hs_usage("--kinds: unknown kind \"%s\"", tok);
	}
	free(copy);
}

/* Print what was learned from one family's requests. */
static void
hs_report_learn(const struct hs_learn *l, int v6)
{
	int i;

	printf("seen%d ident 0x%04x requests %" PRIu64 " other %" PRIu64 "\n", v6 ? 6 : 4,
	       l->have ? l->ident : 0, l->requests, l->other);
	for (i = 0; i < l->ntids; i++)
		printf("seen%d tid %" PRIu32 " requests %" PRIu64 " seq %" PRIu64 "..%" PRIu64 "\n",
		       v6 ? 6 : 4, l->tids[i].tid, l->tids[i].n, l->tids[i].first_seq,
		       l->tids[i].last_seq);
}

/* The flood subcommand. */
static int
hs_flood(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to4", required_argument, NULL, '4' },
		{ "to6", required_argument, NULL, '6' },
		{ "kinds", required_argument, NULL, 'k' },
		{ "pps", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "start-delay", required_argument, NULL, 'D' },
		{ "tcp-port", required_argument, NULL, 't' },
		{ "linger", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static struct hs h; /* the replay history is large: not on the stack */
	int64_t dur = 0, delay = 0, linger = 1000000000LL, period, t0, start, now, due;
	int64_t sent_end = 0, wait;
	uint64_t count = 0, pps = 1000, i = 0, total = 0, errors = 0;
	struct pollfd pfd[2];
	struct timespec ts;
	const char *kinds = NULL;
	int c, k, npfd = 0, sending = 1;

	h.fd4 = h.fd6 = h.sn4 = h.sn6 = -1;
	h.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case '4':
			if (inet_pton(AF_INET, optarg, &h.mon4) != 1)
				hs_usage("--to4: \"%s\" is not an IPv4 address", optarg);
			h.have4 = 1;
			break;
		case '6':
			if (inet_pton(AF_INET6, optarg, &h.mon6) != 1)
				hs_usage("--to6: \"%s\" is not an IPv6 address", optarg);
			h.have6 = 1;
			break;
		case 'k':
			kinds = optarg;
			break;
		case 'p':
			pps = hs_parse_uint("--pps", optarg, 1, 1000000);
			break;
		case 'd':
			dur = hs_parse_duration("--duration", optarg);
			break;
		case 'c':
			count = hs_parse_uint("--count", optarg, 1, UINT64_C(1) << 40);
			break;
		case 'D':
			delay = hs_parse_duration("--start-delay", optarg);
			break;
		case 't':
			h.tcp_port = (uint16_t)hs_parse_uint("--tcp-port", optarg, 1, 65535);
			break;
		case 'l':
			linger = hs_parse_duration("--linger", optarg);
			break;
		case 's':
			h.rng = hs_parse_uint("--seed", optarg, 1, UINT64_MAX);
			break;
		default:
			hs_usage("%s", "bad option");
		}
	}
	if (optind != argc)
		hs_usage("unexpected argument \"%s\"", argv[optind]);
	if (kinds == NULL)
		hs_usage("%s", "--kinds is required");
	if (dur == 0 && count == 0)
		hs_usage("%s", "--duration or --count is required (every run is bounded)");
	hs_parse_kinds(&h, kinds);
	for (k = 0; k < h.njobs; k++) {
		if (h.jobs[k].v6 && !h.have6)
			hs_usage("kind %s6 needs --to6", hs_kind_names[h.jobs[k].kind]);
		if (!h.jobs[k].v6 && !h.have4)
			hs_usage("kind %s needs --to4", hs_kind_names[h.jobs[k].kind]);
		if ((h.jobs[k].kind == HK_TCP || h.jobs[k].kind == HK_UNREACH_TCP) &&
		    h.tcp_port == 0)
			hs_usage("kind %s needs --tcp-port", hs_kind_names[h.jobs[k].kind]);
	}
	if (h.have4) {
		hs_local_addr(AF_INET, &h.mon4, &h.me4);
		hs_open(&h, 0);
		pfd[npfd].fd = h.sn4;
		pfd[npfd++].events = POLLIN;
	}
	if (h.have6) {
		hs_local_addr(AF_INET6, &h.mon6, &h.me6);
		hs_open(&h, 1);
		pfd[npfd].fd = h.sn6;
		pfd[npfd++].events = POLLIN;
	}
	signal(SIGINT, hs_on_signal);
	signal(SIGTERM, hs_on_signal);
	signal(SIGHUP, hs_on_signal);
	printf("ready\n");
	fflush(stdout);

	period = 1000000000LL / (int64_t)pps;
	t0 = hs_now();
	start = t0 + delay;
	while (!hs_stop) {
		hs_sniff(&h);
		now = hs_now();
		if (sending && ((count && i >= count) || (dur && now >= start + dur) ||
				(count == 0 && dur == 0))) {
			sending = 0;
			sent_end = now;
		}
		if (sending) {
			due = start + (int64_t)i * period;
			if (now >= due) {
				/* Behind (a slow wake-up): drop the backlog, keep the rate. */
				if (now - due > HS_CATCHUP_NS)
					start = now - (int64_t)i * period;
				hs_send(&h, &h.jobs[i % (uint64_t)h.njobs]);
				i++;
				continue;
			}
			wait = due - now;
		} else {
			/* Read requests until the monitor has gone quiet, bounded. */
			int64_t last = h.l4.last_ns > h.l6.last_ns ? h.l4.last_ns : h.l6.last_ns;

			if (last < sent_end)
				last = sent_end;
			if (now >= last + linger || now >= sent_end + HS_LINGER_MAX_NS)
				break;
			wait = last + linger - now;
			if (wait > 100000000LL)
				wait = 100000000LL;
		}
		ts.tv_sec = wait / 1000000000LL;
		ts.tv_nsec = wait % 1000000000LL;
		if (ppoll(pfd, (nfds_t)npfd, &ts, NULL) < 0 && errno != EINTR) {
			perror("hostile: ppoll");
			return 1;
		}
	}
	hs_sniff(&h);
	for (k = 0; k < h.njobs; k++) {
		struct hs_job *j = &h.jobs[k];

		printf("sent %s%s %" PRIu64 " errors %" PRIu64 " skipped %" PRIu64 "\n",
		       hs_kind_names[j->kind], j->v6 ? "6" : "", j->sent, j->errors, j->skipped);
		total += j->sent;
		errors += j->errors;
	}
	if (h.have4)
		hs_report_learn(&h.l4, 0);
	if (h.have6)
		hs_report_learn(&h.l6, 1);
	printf("done sent=%" PRIu64 " errors=%" PRIu64 " elapsed_ms=%" PRId64 "%s\n", total, errors,
	       (hs_now() - t0) / 1000000, hs_stop ? " interrupted" : "");
	fflush(stdout);
	return 0;
}

/* The listen subcommand: accept and close, IPv4 and IPv6, for a while. */
static int
hs_listen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_in6 sin6;
	struct pollfd pfd;
	int64_t dur = 0, end;
	uint64_t accepted = 0;
	uint16_t port = 0;
	int c, fd, cfd, k, one = 1, zero = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = (uint16_t)hs_parse_uint("--port", optarg, 1, 65535);
			break;
		case 'd':
			dur = hs_parse_duration("--duration", optarg);
			break;
		default:
			hs_usage("%s", "bad option");
		}
	}
	if (optind != argc || port == 0 || dur == 0)
		hs_usage("%s", "listen needs --port and --duration");
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_addr = in6addr_any;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0 ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof sin6) < 0 || listen(fd, 4096) < 0) {
		perror("hostile: listen");
		return 1;
	}
	signal(SIGINT, hs_on_signal);
	signal(SIGTERM, hs_on_signal);
	signal(SIGHUP, hs_on_signal);
	printf("listening %u\n", port);
	fflush(stdout);
	end = hs_now() + dur;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!hs_stop && hs_now() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		for (k = 0; k < 1000; k++) {
			if ((cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
				break;
			close(cfd);
			accepted++;
		}
	}
	close(fd);
	printf("accepted %" PRIu64 "\n", accepted);
	return 0;
}

/* Run the subcommand argv[1] (flood or listen), stdout line-buffered. */
int
main(int argc, char **argv)
{
	if (argc < 2)
		hs_usage("%s", "a subcommand is required");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "flood") == 0)
		return hs_flood(argc - 1, argv + 1);
	if (strcmp(argv[1], "listen") == 0)
		return hs_listen(argc - 1, argv + 1);
	hs_usage("unknown subcommand \"%s\"", argv[1]);
}
