/* SPDX-License-Identifier: ISC */
/*
 * faultctl: inject network faults at known times with nftables, for the
 * integration tests.
 *
 * It runs inside a test host's network namespace (`ip netns exec NS
 * faultctl ...`), creates a table of its own there (inet hamon_fault_<pid>,
 * an input and an output chain, priority -10, policy accept), and for each
 * scheduled fault adds the given rules and later flushes the chains. The
 * table is deleted when faultctl exits, also on SIGINT, SIGTERM and SIGHUP.
 *
 *   faultctl schedule --rule RULE [--v6-rule RULE] [--out-rule RULE]
 *            [--start-delay D] --at T --for D [--at T --for D ...] [-v]
 *   faultctl once --rule RULE [--start-delay D] --for D [-v]
 *
 * Schedule times are relative to faultctl's own start (CLOCK_MONOTONIC)
 * plus --start-delay; "once" adds its rules as soon as the table is set up
 * (plus --start-delay). Every fault is reported on stdout as soon as it ends:
 *
 *   ready T0_REALTIME_NS TABLE
 *   fault N ADD_BEFORE_NS ADD_AFTER_NS DEL_BEFORE_NS DEL_AFTER_NS
 *   done faults=N calls=M call_us_min=A call_us_mean=B call_us_max=C
 *
 * The four times are CLOCK_REALTIME nanoseconds read immediately before and
 * after the nft call that added (deleted) the rules: the rules took effect
 * somewhere inside each bracket, so the true fault window is known to within
 * the duration of one nft call (typically well under a millisecond; -v
 * prints each call's duration and its lateness against the schedule on
 * stderr). A fault cut short by a signal is reported with " interrupted"
 * appended, its deletion being the deletion of the table.
 *
 * Why one nft call per edge: all rules of a fault go into one buffer, which
 * libnftables commits as one netlink batch (one transaction), so every rule
 * of a fault starts and stops at the same instant; flushing the chains is
 * likewise atomic.
 *
 * A fault that starts late (a set-up slower than the first --at, a slow
 * wake-up) keeps its length: its end counts from the moment its rules were
 * added. A later fault starts at its scheduled time, or at once if the one
 * before ran past it; -v says when either happens.
 *
 * Exit status: 0 done, 1 nft or system failure, 2 usage error. After a
 * signal the table is deleted and the signal re-raised, so the parent sees
 * the usual "killed by SIGTERM" status.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#define FC_FAULT_MAX       64
#define FC_RULE_MAX        16
#define FC_RULE_LEN        512
#define FC_DURATION_MAX_NS (3600LL * 1000000000LL) /* one hour */
#define FC_SLEEP_SLICE_NS  (50LL * 1000000LL)
#define FC_NSEC_PER_SEC    1000000000LL

enum fc_mode { FC_SCHEDULE, FC_ONCE };

struct fc_fault {
	int64_t at_ns;                                        /* relative to t0 */
	int64_t for_ns;                                       /* -1 until --for is seen */
	int64_t add_before, add_after, del_before, del_after; /* CLOCK_REALTIME */
	int64_t add_late_ns, del_late_ns, add_call_ns, del_call_ns;
};

struct faultctl {
	enum fc_mode mode;
	struct nft_ctx *nft;
	char table[64];
	bool table_made;
	const char *in_rules[FC_RULE_MAX];
	size_t n_in;
	const char *out_rules[FC_RULE_MAX];
	size_t n_out;
	struct fc_fault faults[FC_FAULT_MAX];
	size_t nfaults;
	int64_t start_delay_ns;
	int verbose;
	/* nft call durations (CLOCK_MONOTONIC) */
	unsigned ncalls;
	int64_t call_min_ns, call_max_ns, call_sum_ns;
};

static volatile sig_atomic_t fc_stop_signal;

/* Record the signal; the main line notices it between sleep slices. */
static void
fc_on_signal(int sig)
{
	fc_stop_signal = sig;
}

/* CLOCK_MONOTONIC in ns. */
static int64_t
fc_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * FC_NSEC_PER_SEC + ts.tv_nsec;
}

/* CLOCK_REALTIME in ns. */
static int64_t
fc_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * FC_NSEC_PER_SEC + ts.tv_nsec;
}

/* Print a one-line usage error and exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2))) fc_usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("faultctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see faultctl --help)\n", stderr);
	exit(2);
}

/* Print the usage text. */
static void
fc_usage(FILE *fp)
{
	fputs("usage: faultctl schedule --rule RULE [--v6-rule RULE] [--out-rule RULE]\n"
	      "                [--start-delay D] --at T --for D [--at T --for D ...] [-v]\n"
	      "       faultctl once --rule RULE [--start-delay D] --for D [-v]\n"
	      "\n"
	      "Runs in a test host's network namespace (ip netns exec NS faultctl ...).\n"
	      "--rule and --v6-rule go into the input chain, --out-rule into the output\n"
	      "chain of table inet hamon_fault_<pid> (priority -10, policy accept).\n"
	      "Durations: a number with a unit ns, us, ms or s (\"1500ms\", \"1.5s\").\n"
	      "--at times count from faultctl's start plus --start-delay; faults must\n"
	      "be given in order and must not overlap.\n"
	      "stdout: \"ready T0_NS TABLE\", then per fault as it ends\n"
	      "\"fault N ADD_BEFORE_NS ADD_AFTER_NS DEL_BEFORE_NS DEL_AFTER_NS\"\n"
	      "(CLOCK_REALTIME around each nft call), then \"done ...\" with call statistics.\n",
	      fp);
}

/*
 * Parse a duration: digits, an optional fraction, and a unit ns|us|ms|s, or
 * a bare "0". what names the option for the error message. Exits 2 on error.
 */
static int64_t
fc_parse_duration(const char *what, const char *s)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = { { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", FC_NSEC_PER_SEC } };
	const char *p = s;
	int64_t whole = 0, frac = 0, frac_scale = 1, unit = 0;
	size_t i;

	if (strcmp(s, "0") == 0)
		return 0;
	if (*p == '-')
		fc_usage_error("%s \"%s\": must not be negative", what, s);
	if (*p < '0' || *p > '9')
		fc_usage_error("%s \"%s\": not a duration (want e.g. 250ms, 1.5s)", what, s);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > FC_DURATION_MAX_NS)
			fc_usage_error("%s \"%s\": too large (at most 1 hour)", what, s);
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			fc_usage_error("%s \"%s\": digits must follow the decimal point", what, s);
		for (; *p >= '0' && *p <= '9'; p++) {
			if (frac_scale >= FC_NSEC_PER_SEC)
				fc_usage_error("%s \"%s\": more than 9 decimals", what, s);
			frac = frac * 10 + (*p - '0');
			frac_scale *= 10;
		}
	}
	if (*p == '\0')
		fc_usage_error("%s \"%s\": missing unit (ns, us, ms or s)", what, s);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].name) == 0)
			unit = units[i].ns;
	if (unit == 0)
		fc_usage_error("%s \"%s\": unknown unit \"%s\" (use ns, us, ms or s)", what, s, p);
	if (whole > FC_DURATION_MAX_NS / unit)
		fc_usage_error("%s \"%s\": too large (at most 1 hour)", what, s);
	whole = whole * unit + frac * unit / frac_scale;
	if (whole > FC_DURATION_MAX_NS)
		fc_usage_error("%s \"%s\": too large (at most 1 hour)", what, s);
	return whole;
}

/* Check one nft rule given on the command line and store it. */
static void
fc_add_rule(const char **rules, size_t *n, const char *what, const char *rule)
{
	/* One rule per option: a ';' or newline would let a rule smuggle in
	 * other nft commands (flush ruleset, ...) that act outside our table. */
	if (rule[0] == '\0' || strpbrk(rule, ";\n\r") != NULL)
		fc_usage_error("%s \"%s\": must be one non-empty nft rule without ';' or newline",
			       what, rule);
	if (strlen(rule) >= FC_RULE_LEN)
		fc_usage_error("%s: rule longer than %d characters", what, FC_RULE_LEN - 1);
	if (*n >= FC_RULE_MAX)
		fc_usage_error("%s: at most %d rules", what, FC_RULE_MAX);
	rules[(*n)++] = rule;
}

/* Parse the command line into fc; exits 2 on any error. */
static void
fc_parse_args(struct faultctl *fc, int argc, char **argv)
{
	enum { OPT_RULE = 256, OPT_V6_RULE, OPT_OUT_RULE, OPT_AT, OPT_FOR, OPT_START_DELAY };
	static const struct option opts[] = {
		{ "rule", required_argument, NULL, OPT_RULE },
		{ "v6-rule", required_argument, NULL, OPT_V6_RULE },
		{ "out-rule", required_argument, NULL, OPT_OUT_RULE },
		{ "at", required_argument, NULL, OPT_AT },
		{ "for", required_argument, NULL, OPT_FOR },
		{ "start-delay", required_argument, NULL, OPT_START_DELAY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fc_fault *f;
	size_t i;
	int c;

	if (argc < 2)
		fc_usage_error("missing mode: schedule or once");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fc_usage(stdout);
		exit(0);
	}
	if (strcmp(argv[1], "schedule") == 0)
		fc->mode = FC_SCHEDULE;
	else if (strcmp(argv[1], "once") == 0)
		fc->mode = FC_ONCE;
	else
		fc_usage_error("unknown mode \"%s\": want schedule or once", argv[1]);

	argc--;
	argv++;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_RULE:
			fc_add_rule(fc->in_rules, &fc->n_in, "--rule", optarg);
			break;
		case OPT_V6_RULE:
			fc_add_rule(fc->in_rules, &fc->n_in, "--v6-rule", optarg);
			break;
		case OPT_OUT_RULE:
			fc_add_rule(fc->out_rules, &fc->n_out, "--out-rule", optarg);
			break;
		case OPT_AT:
			if (fc->mode == FC_ONCE)
				fc_usage_error(
					"--at is not used with \"once\" (it starts at once)");
			if (fc->nfaults > 0 && fc->faults[fc->nfaults - 1].for_ns < 0)
				fc_usage_error("--at %s: the previous --at has no --for", optarg);
			if (fc->nfaults >= FC_FAULT_MAX)
				fc_usage_error("at most %d faults", FC_FAULT_MAX);
			f = &fc->faults[fc->nfaults++];
			f->at_ns = fc_parse_duration("--at", optarg);
			f->for_ns = -1;
			break;
		case OPT_FOR:
			if (fc->mode == FC_ONCE) {
				if (fc->nfaults > 0)
					fc_usage_error("--for given twice");
				f = &fc->faults[fc->nfaults++];
				f->at_ns = 0;
			} else {
				if (fc->nfaults == 0 || fc->faults[fc->nfaults - 1].for_ns >= 0)
					fc_usage_error("--for %s: no --at before it", optarg);
				f = &fc->faults[fc->nfaults - 1];
			}
			f->for_ns = fc_parse_duration("--for", optarg);
			if (f->for_ns <= 0)
				fc_usage_error("--for \"%s\": must be greater than 0", optarg);
			break;
		case OPT_START_DELAY:
			fc->start_delay_ns = fc_parse_duration("--start-delay", optarg);
			break;
		case 'v':
			fc->verbose++;
			break;
		case 'h':
			fc_usage(stdout);
			exit(0);
		case ':':
			fc_usage_error("%s needs a value", argv[optind - 1]);
		default:
			fc_usage_error("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		fc_usage_error("unexpected argument \"%s\"", argv[optind]);
	if (fc->n_in + fc->n_out == 0)
		fc_usage_error("no rule: give --rule, --v6-rule or --out-rule");
	if (fc->nfaults == 0)
		fc_usage_error(fc->mode == FC_ONCE ? "missing --for"
						   : "no fault: give --at T --for D");
	if (fc->faults[fc->nfaults - 1].for_ns < 0)
		fc_usage_error("--at without --for");
	for (i = 1; i < fc->nfaults; i++) {
		const struct fc_fault *prev = &fc->faults[i - 1];
		if (fc->faults[i].at_ns <= prev->at_ns + prev->for_ns)
			fc_usage_error("fault %zu (--at %.3fms) starts before fault %zu ends "
				       "(%.3fms): faults must be in order and must not overlap",
				       i + 1, fc->faults[i].at_ns / 1e6, i,
				       (prev->at_ns + prev->for_ns) / 1e6);
	}
}

/*
 * Copy libnftables' buffered error text to stderr, one "faultctl: nft:"
 * prefixed line per line, so it is clear who complains.
 */
static void
fc_print_nft_errors(struct faultctl *fc)
{
	const char *e = nft_ctx_get_error_buffer(fc->nft);
	while (e != NULL && *e != '\0') {
		size_t n = strcspn(e, "\n");
		if (n > 0)
			fprintf(stderr, "faultctl: nft: %.*s\n", (int)n, e);
		e += n;
		if (*e == '\n')
			e++;
	}
}

/*
 * Run one nft command buffer, recording CLOCK_REALTIME immediately before
 * and after the call in *before and *after (either may be NULL) and its duration
 * on CLOCK_MONOTONIC in *call_ns; with count, the duration also goes into the
 * per-call statistics. Returns 0 or -1.
 */
static int
fc_nft_run_stat(struct faultctl *fc, const char *cmd, int64_t *before, int64_t *after,
		int64_t *call_ns, bool count)
{
	int64_t rb, ra, mb, ma;
	int rc;

	rb = fc_real_ns();
	mb = fc_mono_ns();
	rc = nft_run_cmd_from_buffer(fc->nft, cmd);
	ma = fc_mono_ns();
	ra = fc_real_ns();

	if (before != NULL)
		*before = rb;
	if (after != NULL)
		*after = ra;
	if (call_ns != NULL)
		*call_ns = ma - mb;
	if (count) {
		if (fc->ncalls == 0 || ma - mb < fc->call_min_ns)
			fc->call_min_ns = ma - mb;
		if (ma - mb > fc->call_max_ns)
			fc->call_max_ns = ma - mb;
		fc->call_sum_ns += ma - mb;
		fc->ncalls++;
	}
	if (rc != 0) {
		fc_print_nft_errors(fc);
		return -1;
	}
	return 0;
}

/* fc_nft_run_stat() for a fault edge: counted in the statistics. */
static int
fc_nft_run(struct faultctl *fc, const char *cmd, int64_t *before, int64_t *after, int64_t *call_ns)
{
	return fc_nft_run_stat(fc, cmd, before, after, call_ns, true);
}

/* Append printf output to a fixed buffer; exits 1 if it would not fit. */
static void __attribute__((format(printf, 3, 4)))
fc_buf_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - used) {
		fprintf(stderr, "faultctl: internal error: nft command too long\n");
		exit(1);
	}
}

/* The nft commands that create our table and chains. */
static void
fc_cmd_setup(const struct faultctl *fc, char *buf, size_t len)
{
	buf[0] = '\0';
	fc_buf_add(buf, len, "add table inet %s\n", fc->table);
	fc_buf_add(
		buf, len,
		"add chain inet %s input { type filter hook input priority -10; policy accept; }\n",
		fc->table);
	fc_buf_add(buf, len,
		   "add chain inet %s output { type filter hook output priority -10; policy "
		   "accept; }\n",
		   fc->table);
}

/* The nft commands that start a fault: every rule, one transaction. */
static void
fc_cmd_add(const struct faultctl *fc, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < fc->n_in; i++)
		fc_buf_add(buf, len, "add rule inet %s input %s\n", fc->table, fc->in_rules[i]);
	for (i = 0; i < fc->n_out; i++)
		fc_buf_add(buf, len, "add rule inet %s output %s\n", fc->table, fc->out_rules[i]);
}

/* The nft commands that end a fault. */
static void
fc_cmd_del(const struct faultctl *fc, char *buf, size_t len)
{
	buf[0] = '\0';
	if (fc->n_in > 0)
		fc_buf_add(buf, len, "flush chain inet %s input\n", fc->table);
	if (fc->n_out > 0)
		fc_buf_add(buf, len, "flush chain inet %s output\n", fc->table);
}

/*
 * Sleep until the CLOCK_MONOTONIC instant deadline_ns. Sleeps in slices of
 * at most FC_SLEEP_SLICE_NS so that a signal arriving just before a slice
 * starts is still seen within one slice; the last slice ends exactly at the
 * deadline (TIMER_ABSTIME), so slicing costs no precision. Returns 0, or -1
 * when a stop signal arrived.
 */
static int
fc_sleep_until(int64_t deadline_ns)
{
	for (;;) {
		int64_t now, until;
		struct timespec ts;
		int rc;

		if (fc_stop_signal != 0)
			return -1;
		now = fc_mono_ns();
		if (now >= deadline_ns)
			return 0;
		until = deadline_ns - now > FC_SLEEP_SLICE_NS ? now + FC_SLEEP_SLICE_NS
							      : deadline_ns;
		ts.tv_sec = until / FC_NSEC_PER_SEC;
		ts.tv_nsec = until % FC_NSEC_PER_SEC;
		rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (rc != 0 && rc != EINTR) {
			fprintf(stderr, "faultctl: clock_nanosleep: %s\n", strerror(rc));
			return -1;
		}
	}
}

/*
 * 1 when this network namespace looks like the host's: it shares PID 1's
 * namespace (when /proc/1 is readable), or it has a default route. A test
 * host namespace has neither; refusing here keeps a mistaken invocation from
 * dropping traffic on the machine itself.
 */
static int
fc_in_host_netns(void)
{
	struct stat self, init;
	char line[512];
	FILE *fp;
	int found = 0;

	if (stat("/proc/self/ns/net", &self) == 0 && stat("/proc/1/ns/net", &init) == 0 &&
	    self.st_ino == init.st_ino && self.st_dev == init.st_dev)
		return 1;
	/* IPv4: Iface Destination Gateway Flags ... Mask; RTF_UP is 0x1. */
	if ((fp = fopen("/proc/net/route", "r")) != NULL) {
		while (!found && fgets(line, sizeof(line), fp) != NULL) {
			char ifname[64];
			unsigned dst, gw, flags, refcnt, use, metric, mask;
			if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifname, &dst, &gw, &flags,
				   &refcnt, &use, &metric, &mask) == 8 &&
			    dst == 0 && mask == 0 && (flags & 0x1))
				found = 1;
		}
		fclose(fp);
	}
	/* IPv6: dst plen src plen nexthop metric refcnt use flags iface;
	 * every namespace has an "unreachable ::/0" (RTF_REJECT 0x200). */
	if ((fp = fopen("/proc/net/ipv6_route", "r")) != NULL) {
		while (!found && fgets(line, sizeof(line), fp) != NULL) {
			char dst[33], src[33], nh[33];
			unsigned plen, splen, metric, refcnt, use, flags;
			if (sscanf(line, "%32s %x %32s %x %32s %x %x %x %x", dst, &plen, src,
				   &splen, nh, &metric, &refcnt, &use, &flags) == 9 &&
			    plen == 0 && strspn(dst, "0") == 32 && (flags & 0x1) &&
			    !(flags & 0x200))
				found = 1;
		}
		fclose(fp);
	}
	return found;
}

/* Install the stop handlers: no SA_RESTART, so a sleep returns early. */
static void
fc_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fc_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Delete our table (and so every rule in it); 0 or -1. */
static int
fc_teardown(struct faultctl *fc, int64_t *before, int64_t *after)
{
	char cmd[128];

	if (!fc->table_made)
		return 0;
	snprintf(cmd, sizeof(cmd), "delete table inet %s\n", fc->table);
	if (fc_nft_run_stat(fc, cmd, before, after, NULL, false) != 0) {
		fprintf(stderr, "faultctl: could not delete table inet %s\n", fc->table);
		return -1;
	}
	fc->table_made = false;
	return 0;
}

/* Print one finished fault on stdout (and its timing on stderr with -v). */
static void
fc_report_fault(const struct faultctl *fc, size_t i, bool interrupted)
{
	const struct fc_fault *f = &fc->faults[i];

	printf("fault %zu %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "%s\n", i + 1,
	       f->add_before, f->add_after, f->del_before, f->del_after,
	       interrupted ? " interrupted" : "");
	fflush(stdout);
	if (fc->verbose)
		fprintf(stderr,
			"faultctl: fault %zu: add call %.1fus (%.1fus after schedule), "
			"del call %.1fus (%.1fus after schedule), window %.3fms (wanted %.3fms)\n",
			i + 1, f->add_call_ns / 1e3, f->add_late_ns / 1e3, f->del_call_ns / 1e3,
			f->del_late_ns / 1e3,
			((f->del_before + f->del_after) / 2 - (f->add_before + f->add_after) / 2) /
				1e6,
			f->for_ns / 1e6);
}

/* Parse, set up the table, run the faults on schedule, tear down. */
int
main(int argc, char **argv)
{
	static struct faultctl fc_storage;
	struct faultctl *fc = &fc_storage;
	int64_t start_mono = fc_mono_ns(), t0, real_now, mono_now;
	char cmd[FC_RULE_MAX * 2 * (FC_RULE_LEN + 64)], addcmd[sizeof(cmd)], delcmd[256];
	size_t i, done = 0;
	int status = 0;

	fc_parse_args(fc, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Wake-ups as close to the schedule as the kernel allows (the default
	 * slack is 50us); the reported times are exact either way. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

	if (geteuid() != 0) {
		fprintf(stderr, "faultctl: must run as root (it changes nftables rules)\n");
		return 2;
	}
	if (fc_in_host_netns()) {
		fprintf(stderr, "faultctl: refusing to run in a network namespace with a default "
				"route (the host's?): run it in a test namespace (ip netns exec NS "
				"faultctl ...)\n");
		return 2;
	}
	snprintf(fc->table, sizeof(fc->table), "hamon_fault_%ld", (long)getpid());
	fc->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (fc->nft == NULL) {
		fprintf(stderr, "faultctl: nft_ctx_new failed\n");
		return 1;
	}
	nft_ctx_buffer_error(fc->nft);
	fc_signals();

	/* Check each rule before touching anything: a dry run of the set-up
	 * plus that rule. A rule nft rejects is a usage error, reported on one
	 * line with the first line of nft's complaint. */
	nft_ctx_set_dry_run(fc->nft, true);
	for (i = 0; i < fc->n_in + fc->n_out; i++) {
		bool in = i < fc->n_in;
		const char *rule = in ? fc->in_rules[i] : fc->out_rules[i - fc->n_in];
		const char *err;
		int rc;

		fc_cmd_setup(fc, cmd, sizeof(cmd));
		fc_buf_add(cmd, sizeof(cmd), "add rule inet %s %s %s\n", fc->table,
			   in ? "input" : "output", rule);
		rc = nft_run_cmd_from_buffer(fc->nft, cmd);
		err = nft_ctx_get_error_buffer(fc->nft);
		if (rc != 0) {
			fprintf(stderr, "faultctl: rule \"%s\" rejected by nft: %.*s\n", rule,
				err ? (int)strcspn(err, "\n") : 0, err ? err : "");
			nft_ctx_free(fc->nft);
			return 2;
		}
	}
	nft_ctx_set_dry_run(fc->nft, false);
	fc_cmd_add(fc, addcmd, sizeof(addcmd));
	fc_cmd_del(fc, delcmd, sizeof(delcmd));

	/* The dry run, the set-up and the teardown are not fault edges: they
	 * stay out of the per-call statistics, which describe add/flush. */
	fc_cmd_setup(fc, cmd, sizeof(cmd));
	if (fc_nft_run_stat(fc, cmd, NULL, NULL, NULL, false) != 0) {
		fprintf(stderr, "faultctl: could not create table inet %s\n", fc->table);
		nft_ctx_free(fc->nft);
		return 1;
	}
	fc->table_made = true;

	mono_now = fc_mono_ns();
	real_now = fc_real_ns();
	t0 = (fc->mode == FC_ONCE ? mono_now : start_mono) + fc->start_delay_ns;
	if (fc->verbose && mono_now > t0 + fc->faults[0].at_ns)
		fprintf(stderr, "faultctl: set-up took %.3fms: first fault starts late\n",
			(mono_now - start_mono) / 1e6);
	printf("ready %" PRId64 " %s\n", real_now + (t0 - mono_now), fc->table);
	fflush(stdout);

	for (i = 0; i < fc->nfaults; i++) {
		struct fc_fault *f = &fc->faults[i];
		int64_t sched = t0 + f->at_ns;

		int64_t add_start;

		if (fc_sleep_until(sched) != 0)
			break;
		add_start = fc_mono_ns();
		f->add_late_ns = add_start - sched;
		if (fc_nft_run(fc, addcmd, &f->add_before, &f->add_after, &f->add_call_ns) != 0) {
			fprintf(stderr, "faultctl: fault %zu: adding the rules failed\n", i + 1);
			status = 1;
			break;
		}
		/* The end counts from the actual start: a fault that starts
		 * late keeps its length instead of shrinking. */
		sched = add_start + f->for_ns;
		if (fc_sleep_until(sched) != 0) {
			/* Interrupted in the middle: the table deletion below
			 * ends the fault; report it with those times. */
			if (fc_teardown(fc, &f->del_before, &f->del_after) == 0)
				fc_report_fault(fc, i, true);
			status = 1;
			break;
		}
		f->del_late_ns = fc_mono_ns() - sched;
		if (fc_nft_run(fc, delcmd, &f->del_before, &f->del_after, &f->del_call_ns) != 0) {
			fprintf(stderr, "faultctl: fault %zu: removing the rules failed\n", i + 1);
			status = 1;
			break;
		}
		fc_report_fault(fc, i, false);
		done++;
	}

	if (fc_teardown(fc, NULL, NULL) != 0)
		status = 1;
	printf("done faults=%zu calls=%u call_us_min=%.1f call_us_mean=%.1f call_us_max=%.1f\n",
	       done, fc->ncalls, fc->call_min_ns / 1e3,
	       fc->ncalls ? (double)fc->call_sum_ns / fc->ncalls / 1e3 : 0.0,
	       fc->call_max_ns / 1e3);
	fflush(stdout);
	if (fc->verbose)
		fprintf(stderr, "faultctl: %u nft calls: min %.1fus, mean %.1fus, max %.1fus\n",
			fc->ncalls, fc->call_min_ns / 1e3,
			fc->ncalls ? (double)fc->call_sum_ns / fc->ncalls / 1e3 : 0.0,
			fc->call_max_ns / 1e3);
	nft_ctx_free(fc->nft);

	if (fc_stop_signal != 0) {
		int sig = fc_stop_signal;
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return status;
}
