/* SPDX-License-Identifier: ISC */
/* cmd_monitor.c: `hamon monitor` and `hamon check-config`: options, config,
 * store set-up around the event-loop monitor. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/fdlimit.h"
#include "lib/listenaddr.h"
#include "lib/log.h"
#include "lib/privdrop.h"
#include "lib/timeutil.h"
#include "lib/weburl.h"
#include "lib/xalloc.h"
#include "cli/cli_opt.h"
#include "cli/cmd.h"
#include "cli/live.h"
#include "cli/notify.h"
#include "alert/hooks.h"
#include "alert/webhook.h"
#include "monitor/control.h"
#include "monitor/metrics.h"
#include "monitor/monitor.h"
#include "store/store.h"

/* getopt value of --live: no short form, out of the letters' way. */
#define MONITOR_OPT_LIVE 0x4c56
#define MONITOR_OPT_LOG  0x4c47
#define MONITOR_OPT_WEBHOOK         0x5748
#define MONITOR_OPT_WEBHOOK_CA      0x5743
#define MONITOR_OPT_WEBHOOK_TIMEOUT 0x5754
#define MONITOR_OPT_HTTP_TOKEN 0x4854
#define MONITOR_OPT_HTTP 0x4850

static const char monitor_usage[] =
	"usage: hamon monitor [--db FILE | --no-db] [-c FILE] [--interval D] [--timeout D]\n"
	"                     [--down-after N|D] [--up-after N] [--samples] [-q] [-v]\n"
	"                     [--format text|json] [--duration D] [--count N]\n"
	"                     [--tcp-mode auto|raw|connect] [--user U | --keep-privileges]\n"
	"                     [--no-netlink] [--rcvbuf BYTES] [--http [ADDR:]PORT]\n"
	"                     [--http-token FILE] (--metrics [ADDR:]PORT is --http)\n"
	"                     [--on-down CMD] [--on-up CMD] [--on-unknown CMD]\n"
	"                     [--hook-timeout D] [--hooks-max N] [--live]\n"
	"                     [--log auto|stderr|journal|syslog]\n"
	"                     [--webhook URL]... [--webhook-ca FILE] [--webhook-timeout D]\n"
	"                     [TARGET...]\n"
	"hamon top [options] is hamon monitor --live [options].\n"
	"TARGET is [NAME=]icmp://ADDR, icmp://[IPV6ADDR], tcp://ADDR:PORT or "
	"tcp://[IPV6ADDR]:PORT;\n"
	"--target TARGET is the same.";

static const char run_usage[] =
	"usage: hamon run [--label L] [--kind migration|failover|backup|custom] [--settle D]\n"
	"                 [--wait D] [--baseline D] [monitor options] --target TARGET... -- "
	"COMMAND [ARGS]\n"
	"Monitors the targets, waits until each answers (--wait, default 10s) plus a baseline\n"
	"(default 1s), runs COMMAND with its output passed through and captured, keeps probing\n"
	"for --settle (default 5s) after it exits, prints the run report and exits with\n"
	"COMMAND's exit status (127 if it could not start, 1 if a target never answered).";

/* A --metrics (or config metrics) value must be a listening address. */
static void
monitor_check_metrics(const char *what, const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256], esc[256];

	if (listenaddr_parse(spec, &ss, &len, err, sizeof(err)) != 0)
		usage_error("%s \"%s\": %s", what, log_escape(esc, sizeof(esc), spec, strlen(spec)),
			    err);
}

/* Apply the command-line timing overrides to one target (or the defaults). */
static void
monitor_cli_apply(const struct monitor_cli *cli, struct target_conf *t, const char *where)
{
	char err[256];
	unsigned long long v;

	if (cli->interval &&
	    duration_parse_range("interval", cli->interval, TARGET_MIN_INTERVAL_NS,
				 TARGET_MAX_INTERVAL_NS, &t->interval_ns, err, sizeof(err)) != 0)
		usage_error("%s%s", where, err);
	if (cli->timeout &&
	    duration_parse_range("timeout", cli->timeout, TARGET_MIN_INTERVAL_NS,
				 TARGET_MAX_INTERVAL_NS, &t->timeout_ns, err, sizeof(err)) != 0)
		usage_error("%s%s", where, err);
	if (cli->down_after && target_parse_down_after(cli->down_after, t, err, sizeof(err)) != 0)
		usage_error("%s--down-after: %s", where, err);
	if (cli->up_after) {
		if (uint_parse_range("up-after", cli->up_after, 1, 1000000, &v, err, sizeof(err)) !=
		    0)
			usage_error("%s%s", where, err);
		t->up_after = (unsigned)v;
	}
}

/* Parse `hamon monitor` (or, with is_run, `hamon run`) options into cli;
 * exits 2 on bad input. For run, parsing stops at "--" and cli->command
 * holds what follows. */
void
monitor_cli_parse(int argc, char **argv, struct monitor_cli *cli, int is_run)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "no-db", no_argument, NULL, 'N' },
		{ "config", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "down-after", required_argument, NULL, 'D' },
		{ "up-after", required_argument, NULL, 'U' },
		{ "samples", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "format", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'n' },
		{ "target", required_argument, NULL, 't' },
		{ "tcp-mode", required_argument, NULL, 'M' },
		{ "label", required_argument, NULL, 'L' },
		{ "kind", required_argument, NULL, 'K' },
		{ "settle", required_argument, NULL, 'E' },
		{ "wait", required_argument, NULL, 'A' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-netlink", no_argument, NULL, 'X' },
		{ "rcvbuf", required_argument, NULL, 'Z' },
		{ "keep-privileges", no_argument, NULL, 'P' },
		{ "metrics", required_argument, NULL, 'R' },
		{ "http", required_argument, NULL, MONITOR_OPT_HTTP },
		{ "http-token", required_argument, NULL, MONITOR_OPT_HTTP_TOKEN },
		{ "on-down", required_argument, NULL, 'o' },
		{ "on-up", required_argument, NULL, 'O' },
		{ "on-unknown", required_argument, NULL, 'k' },
		{ "hook-timeout", required_argument, NULL, 'H' },
		{ "hooks-max", required_argument, NULL, 'J' },
		{ "live", no_argument, NULL, MONITOR_OPT_LIVE },
		{ "log", required_argument, NULL, MONITOR_OPT_LOG },
		{ "webhook", required_argument, NULL, MONITOR_OPT_WEBHOOK },
		{ "webhook-ca", required_argument, NULL, MONITOR_OPT_WEBHOOK_CA },
		{ "webhook-timeout", required_argument, NULL, MONITOR_OPT_WEBHOOK_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	unsigned long long v;
	int c;

	memset(cli, 0, sizeof(*cli));
	cli->specs = xcalloc((size_t)argc + 1, sizeof(*cli->specs));
	cli->webhooks = xcalloc(CONFIG_WEBHOOKS_MAX, sizeof(*cli->webhooks));
	opterr = 0;
	cli->settle_ns = 5 * NSEC_PER_SEC;
	cli->wait_ns = 10 * NSEC_PER_SEC;
	cli->baseline_ns = NSEC_PER_SEC;
	cli->kind = "custom";
	cli->log_dest = -1;
	while ((c = getopt_long(argc, argv, is_run ? "+:c:qvh" : ":c:qvh", opts, NULL)) != -1) {
		if (!is_run && c > 0 && strchr("LKEAB", c) != NULL) {
			const struct option *o;

			for (o = opts; o->name != NULL && o->val != c; o++)
				;
			usage_error("--%s is an option of hamon run", o->name);
		}
		switch (c) {
		case 'L':
			if (optarg[0] == '\0' || strpbrk(optarg, "\n\r") != NULL ||
			    strlen(optarg) > 120)
				usage_error(
					"--label must be one non-empty line of at most 120 bytes");
			cli->label = optarg;
			break;
		case 'K':
			if (strcmp(optarg, "migration") != 0 && strcmp(optarg, "failover") != 0 &&
			    strcmp(optarg, "backup") != 0 && strcmp(optarg, "custom") != 0)
				usage_error("--kind \"%s\": expected migration, failover, backup "
					    "or custom",
					    optarg);
			cli->kind = optarg;
			break;
		case 'E':
			if (duration_parse_range("settle", optarg, 0, 3600 * NSEC_PER_SEC,
						 &cli->settle_ns, err, sizeof(err)) != 0)
				usage_error("%s", err);
			break;
		case MONITOR_OPT_WEBHOOK: {
			char shown[300];

			if (weburl_check(optarg, err, sizeof(err)) != 0) {
				weburl_shown(optarg, shown, sizeof(shown));
				usage_error("--webhook \"%s\": %s", shown, err);
			}
			if (cli->nwebhooks == CONFIG_WEBHOOKS_MAX)
				usage_error("--webhook: at most %d", CONFIG_WEBHOOKS_MAX);
			cli->webhooks[cli->nwebhooks++] = optarg;
			break;
		}
		case MONITOR_OPT_WEBHOOK_CA:
			if (optarg[0] == '\0')
				usage_error("--webhook-ca must not be empty");
			cli->webhook_ca = optarg;
			break;
		case MONITOR_OPT_WEBHOOK_TIMEOUT:
			if (duration_parse_range("--webhook-timeout", optarg,
						 CONFIG_WEBHOOK_TIMEOUT_MIN_NS,
						 CONFIG_WEBHOOK_TIMEOUT_MAX_NS, &cli->webhook_timeout_ns,
						 err, sizeof(err)) != 0)
				usage_error("%s", err);
			break;
		case MONITOR_OPT_LOG:
			if (log_dest_parse(optarg, &cli->log_dest) != 0)
				usage_error("--log \"%s\": expected auto, stderr, journal or syslog",
					    optarg);
			break;
		case MONITOR_OPT_LIVE:
			if (is_run)
				usage_error("--live is an option of hamon monitor (and hamon top)");
			cli->live = 1;
			break;
		case 'u':
			cli->user = optarg;
			break;
		case 'X':
			cli->no_netlink = 1;
			break;
		case 'Z':
			if (uint_parse_range("rcvbuf", optarg, 1024, 1u << 30, &v, err,
					     sizeof(err)) != 0)
				usage_error("%s", err);
			cli->rcvbuf = (size_t)v;
			break;
		case 'P':
			cli->keep_privileges = 1;
			break;
		case 'R':
		case MONITOR_OPT_HTTP:
			monitor_check_metrics(c == 'R' ? "--metrics" : "--http", optarg);
			cli->metrics = optarg;
			break;
		case MONITOR_OPT_HTTP_TOKEN:
			if (*optarg == '\0')
				usage_error("--http-token: a file name is required");
			cli->http_token = optarg;
			break;
		case 'o':
		case 'O':
		case 'k':
			/* Split and checked with the config (monitor_cli_config). */
			cli->on_hook[c == 'o' ? CONFIG_HOOK_DOWN : c == 'O' ? CONFIG_HOOK_UP
									: CONFIG_HOOK_UNKNOWN] = optarg;
			break;
		case 'H':
			if (duration_parse_range("--hook-timeout", optarg, CONFIG_HOOK_TIMEOUT_MIN_NS,
						 CONFIG_HOOK_TIMEOUT_MAX_NS, &cli->hook_timeout_ns,
						 err, sizeof(err)) != 0)
				usage_error("%s", err);
			break;
		case 'J':
			if (uint_parse_range("--hooks-max", optarg, 1, CONFIG_HOOKS_MAX_LIMIT, &v, err,
					     sizeof(err)) != 0)
				usage_error("%s", err);
			cli->hooks_max = (unsigned)v;
			break;
		case 'B':
			if (duration_parse_range("baseline", optarg, 0, 3600 * NSEC_PER_SEC,
						 &cli->baseline_ns, err, sizeof(err)) != 0)
				usage_error("%s", err);
			break;
		case 'A':
			if (duration_parse_range("wait", optarg, NSEC_PER_MSEC, 3600 * NSEC_PER_SEC,
						 &cli->wait_ns, err, sizeof(err)) != 0)
				usage_error("%s", err);
			break;
		case 'd':
			cli->db = cli_db_arg(optarg);
			break;
		case 'N':
			cli->no_db = 1;
			break;
		case 'c':
			cli->config = optarg;
			break;
		case 'i':
			cli->interval = optarg;
			break;
		case 'W':
			cli->timeout = optarg;
			break;
		case 'D':
			cli->down_after = optarg;
			break;
		case 'U':
			cli->up_after = optarg;
			break;
		case 'S':
			cli->samples = 1;
			break;
		case 'q':
			cli->quiet = 1;
			break;
		case 'v':
			cli->verbose++;
			break;
		case 'f':
			cli->format =
				cli_format_arg(optarg, OUTFMT_BIT(OUT_TEXT) |
							       OUTFMT_BIT(OUT_JSON)) == OUT_JSON
					? MONITOR_JSON
					: MONITOR_TEXT;
			break;
		case 'T':
			if (duration_parse_range("duration", optarg, NSEC_PER_MSEC, 0,
						 &cli->duration_ns, err, sizeof(err)) != 0)
				usage_error("%s", err);
			break;
		case 'n':
			if (uint_parse_range("count", optarg, 1, UINT64_MAX / 2, &v, err,
					     sizeof(err)) != 0)
				usage_error("%s", err);
			cli->count = v;
			break;
		case 't':
			cli->specs[cli->nspecs++] = optarg;
			break;
		case 'M':
			if (strcmp(optarg, "auto") == 0)
				cli->tcp_mode = MONITOR_TCP_AUTO;
			else if (strcmp(optarg, "raw") == 0)
				cli->tcp_mode = MONITOR_TCP_RAW;
			else if (strcmp(optarg, "connect") == 0)
				cli->tcp_mode = MONITOR_TCP_CONNECT;
			else
				usage_error("--tcp-mode \"%s\": expected auto, raw or connect",
					    optarg);
			break;
		case 'h':
			puts(is_run ? run_usage : monitor_usage);
			exit(0);
		case ':':
			usage_error("option %s needs a value", argv[optind - 1]);
		default:
			usage_error("unknown option %s (try hamon %s --help)", argv[optind - 1],
				    is_run ? "run" : "monitor");
		}
	}
	if (is_run) {
		/* Everything after "--" (or after the first non-option) is the command. */
		cli->command = argv + optind;
		cli->ncommand = (size_t)(argc - optind);
		if (cli->ncommand == 0)
			usage_error(
				"run: no command given (hamon run [OPTIONS] -- COMMAND [ARGS])");
		return;
	}
	while (optind < argc)
		cli->specs[cli->nspecs++] = argv[optind++];
}

/* Build the configuration: file, then command-line defaults, targets, overrides. */
static void
monitor_cli_config(const struct monitor_cli *cli, struct hamon_config *cfg)
{
	char err[512], where[128];
	size_t i;

	config_init(cfg);
	if (cli->config && config_load(cfg, cli->config, err, sizeof(err)) != 0)
		usage_error("%s", err);
	monitor_cli_apply(cli, &cfg->defaults, "");
	for (i = 0; i < cli->nspecs; i++) {
		snprintf(where, sizeof(where), "target %zu", i + 1);
		if (config_add_target(cfg, cli->specs[i], where, err, sizeof(err)) != 0)
			usage_error("%s", err);
	}
	/* Options on the command line win over the file's per-target values. */
	for (i = 0; i < cfg->ntargets; i++)
		monitor_cli_apply(cli, &cfg->targets[i], "");
	for (i = 0; i < CONFIG_NHOOKS; i++) {
		char esc[256];

		if (cli->on_hook[i] == NULL)
			continue;
		snprintf(where, sizeof(where), "--%s \"%s\"", config_hook_name((enum config_hook)i),
			 log_escape(esc, 40, cli->on_hook[i], strlen(cli->on_hook[i])));
		if (config_set_hook_all(cfg, (enum config_hook)i, cli->on_hook[i], where, err,
					sizeof(err)) != 0)
			usage_error("%s", err);
	}
	if (cli->hook_timeout_ns > 0)
		cfg->hook_timeout_ns = cli->hook_timeout_ns;
	if (cli->hooks_max > 0)
		cfg->hooks_max = cli->hooks_max;
	if (cli->nwebhooks > 0) {
		/* the command line's webhooks replace the file's */
		for (i = 0; i < cfg->nwebhooks; i++)
			free(cfg->webhooks[i]);
		cfg->nwebhooks = 0;
		for (i = 0; i < cli->nwebhooks; i++)
			if (config_add_webhook(cfg, cli->webhooks[i], err, sizeof(err)) != 0)
				usage_error("--%s", err);
	}
	if (cli->webhook_ca != NULL) {
		free(cfg->webhook_ca);
		cfg->webhook_ca = xstrdup(cli->webhook_ca);
	}
	if (cli->webhook_timeout_ns > 0)
		cfg->webhook_timeout_ns = cli->webhook_timeout_ns;
	if (config_validate(cfg, err, sizeof(err)) != 0)
		usage_error("%s", err);
}

/* The command line as one string, for the session record. */
char *
join_argv(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xcalloc(1, len);
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Open sockets, store, session and control socket for ms->cli. Returns 0,
 * or -1 with err (a run-time failure; usage errors exit 2 earlier). */
int
msession_open(struct msession *ms, int argc, char **argv, char *err, size_t errlen)
{
	struct monitor_cli *cli = &ms->cli;
	struct monitor_opts o;
	struct store_session sess;
	char host[256] = "", *args, ctlpath[256];
	size_t i;

	log_init("hamon", cli->verbose,
		 cli->log_dest >= 0 ? (enum log_dest)cli->log_dest : log_dest_auto());
	/* Before any socket: the caps of --metrics and the control socket are
	 * sized from the limit. */
	log_debug("descriptors: %ld", fdlimit_raise());
	monitor_cli_config(cli, &ms->cfg);
	if (cli->metrics != NULL || ms->cfg.metrics != NULL) {
		/* Off loopback only with a usable token: a usage error. */
		const char *tok = cli->http_token != NULL ? cli->http_token : ms->cfg.http_token;

		if (metrics_check(cli->metrics != NULL ? cli->metrics : ms->cfg.metrics, tok, err,
				  errlen) != 0)
			usage_error("%s", err);
	}
	ms->db = cli->no_db        ? NULL
		 : cli->db         ? cli->db
		 : ms->cfg.db_path ? ms->cfg.db_path
				   : CLI_DB_DEFAULT;
	if (ms->db != NULL)
		cli_db_check(ms->db, 1);

	memset(&o, 0, sizeof(o));
	o.targets = ms->cfg.targets;
	o.ntargets = ms->cfg.ntargets;
	o.samples = cli->samples || ms->cfg.samples == 1;
	/* Transition lines would tear the live table: stored, not printed. */
	o.quiet = cli->quiet || cli->live == 2;
	o.format = cli->format;
	o.duration_ns = cli->duration_ns;
	o.count = cli->count;
	o.tcp_mode = cli->tcp_mode;
	o.no_signals = ms->own_signals;
	o.no_netlink = cli->no_netlink;
	o.rcvbuf = cli->rcvbuf;

	/* Sockets first: they need privileges that later may be dropped. */
	if ((ms->m = monitor_new(&o, err, errlen)) == NULL)
		return -1;
	if (cli->metrics != NULL || ms->cfg.metrics != NULL) {
		const char *spec = cli->metrics != NULL ? cli->metrics : ms->cfg.metrics;

		const char *tok = cli->http_token != NULL ? cli->http_token : ms->cfg.http_token;

		if ((ms->metrics = metrics_open(ms->m, spec, tok, err, errlen)) == NULL)
			return -1;
	}
	if (ms->db == NULL)
		return 0;
	/* One monitor per database file, whatever name it is reached by. */
	if ((ms->st = store_open_monitor(ms->db, err, errlen)) == NULL)
		return -1;
	gethostname(host, sizeof(host) - 1);
	args = join_argv(argc, argv);
	sess.started_ns = time_real_ns();
	sess.pid = (int)getpid();
	sess.hostname = host;
	sess.argv = args;
	ms->session_id = store_session_begin(ms->st, &sess, err, errlen);
	free(args);
	if (ms->session_id <= 0)
		return -1;
	for (i = 0; i < ms->cfg.ntargets; i++) {
		struct target_conf *t = &ms->cfg.targets[i];
		struct store_target stt = { t->name, t->url,         t->addrstr,   t->family,
					    t->port, t->interval_ns, t->timeout_ns };
		int64_t id = store_target_upsert(ms->st, &stt, err, errlen);

		if (id <= 0)
			return -1;
		monitor_set_store_id(ms->m, i, id);
	}
	if (store_writer_start(ms->st, 250, err, errlen) != 0)
		return -1;
	monitor_attach_store(ms->m, ms->st, ms->session_id);
	if (control_path(ms->db, ctlpath, sizeof(ctlpath)) != 0 ||
	    (ms->ctl = control_open(ms->m, ctlpath, err, errlen)) == NULL) {
		if (strstr(err, "another monitor") != NULL)
			return -1;
		log_warnx("%s: hamon mark will not reach this monitor", err);
	}
	return 0;
}

/* Give up privileges now that sockets, capture, store and control socket
 * are open (unless --keep-privileges). */
int
msession_drop(struct msession *ms, char *err, size_t errlen)
{
	const char *who;

	if (!ms->cli.keep_privileges) {
		if (priv_drop(ms->cli.user, &who, err, errlen) != 0)
			return -1;
		if (who != NULL)
			log_debug("running as %s, no capabilities (CapEff 0)", who);
		else
			log_debug("capabilities cleared (CapEff 0)");
	}
	/*
	 * The hooks start only now, so that no hook can run with the
	 * privileges the sockets needed: they run as the monitor runs from
	 * here on (the unprivileged user; root only with --keep-privileges,
	 * which hooks_start warns about).
	 */
	ms->hooks = hooks_start(ms->m, &ms->cfg, err, errlen);
	if (ms->hooks == NULL && err[0] != '\0')
		return -1;
	/* Webhooks, too, only as the user the monitor runs as. */
	ms->webhooks = webhooks_start(ms->m, &ms->cfg, err, errlen);
	if (ms->webhooks == NULL && err[0] != '\0')
		return -1;
	return 0;
}

/* Print the start-up line: targets, timing, mechanisms, database. */
void
msession_announce(const struct msession *ms)
{
	static const char *const kinds[] = { "icmp", "tcp" };
	char iv[32], to[32], modes[256] = "";
	int k, f;

	if (ms->cli.quiet)
		return;
	for (k = 0; k < 2; k++)
		for (f = 0; f < 2; f++) {
			const char *md = monitor_probe_mode(ms->m, k, f ? AF_INET6 : AF_INET);
			size_t len = strlen(modes);

			if (md != NULL)
				snprintf(modes + len, sizeof(modes) - len, "%s%s%s: %s",
					 len ? ", " : "", kinds[k], f ? "6" : "", md);
		}
	duration_format(ms->cfg.targets[0].interval_ns, iv, sizeof(iv));
	duration_format(ms->cfg.targets[0].timeout_ns, to, sizeof(to));
	log_info("monitoring %zu target%s every %s (timeout %s); %s; db %s%s%s", ms->cfg.ntargets,
		 ms->cfg.ntargets == 1 ? "" : "s", iv, to, modes, ms->db ? ms->db : "(none)",
		 ms->metrics != NULL ? "; http " : "",
		 ms->metrics != NULL ? metrics_url(ms->metrics) : "");
	monitor_describe_paths(ms->m);
}

/* End the session in the store and free everything. */
int
msession_close(struct msession *ms, const char *state)
{
	int failed = 0;

	/* Hooks first: they are killed and reaped before the loop goes. */
	hooks_stop(ms->hooks);
	webhooks_stop(ms->webhooks);
	control_close(ms->ctl);
	metrics_close(ms->metrics);
	if (ms->st != NULL) {
		if (ms->session_id > 0 && state != NULL)
			store_session_end(ms->st, ms->session_id, time_real_ns(), state);
		if (store_dropped(ms->st) > 0)
			log_warnx("store: %" PRIu64 " records could not be kept",
				  store_dropped(ms->st));
		failed = store_failed(ms->st);
		store_close(ms->st);
	}
	monitor_free(ms->m);
	hooks_free(ms->hooks);
	webhooks_free(ms->webhooks);
	config_free(&ms->cfg);
	free(ms->cli.specs);
	free(ms->cli.webhooks);
	memset(ms, 0, sizeof(*ms));
	return failed;
}

/* `hamon monitor`, with the live view when live (`hamon top`) or --live. */
static int
monitor_main(int argc, char **argv, int live)
{
	struct msession ms;
	struct notify *n;
	struct live *lv = NULL;
	char err[512];
	int rc;

	memset(&ms, 0, sizeof(ms));
	monitor_cli_parse(argc, argv, &ms.cli, 0);
	if ((ms.cli.live |= live) && live_screen_possible())
		ms.cli.live = 2;
	if (msession_open(&ms, argc, argv, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		msession_close(&ms, "failed");
		return 1;
	}
	if (msession_drop(&ms, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		msession_close(&ms, "failed");
		return 1;
	}
	msession_announce(&ms);
	n = notify_start(ms.m);
	if (ms.cli.live)
		lv = live_start(ms.m, ms.cli.live == 2, ms.cli.format == MONITOR_JSON);
	monitor_loop(ms.m);
	live_stop(lv);
	notify_free(n);
	monitor_summary(ms.m, 1);
	/* A database that went bad is exit 1 (the rescue file has the rest). */
	rc = msession_close(&ms, "stopped") ? 1 : 0;
	live_free(lv);
	return rc;
}

/* `hamon monitor`. */
int
cmd_monitor(int argc, char **argv)
{
	return monitor_main(argc, argv, 0);
}

/* `hamon top`: `hamon monitor --live`. */
int
cmd_top(int argc, char **argv)
{
	return monitor_main(argc, argv, 1);
}

/* `hamon check-config [-c] FILE`: load, validate, list the targets. */
int
cmd_check_config(int argc, char **argv)
{
	struct hamon_config cfg;
	const char *path = NULL;
	char err[512], iv[32], to[32];
	size_t i;

	if (argc == 3 && (strcmp(argv[1], "-c") == 0 || strcmp(argv[1], "--config") == 0))
		path = argv[2];
	else if (argc == 2 && argv[1][0] != '-')
		path = argv[1];
	else if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		puts("usage: hamon check-config [-c] FILE");
		return 0;
	} else if (argc >= 2 && argv[1][0] == '-' && strcmp(argv[1], "-c") != 0 &&
		   strcmp(argv[1], "--config") != 0)
		usage_error("check-config: unknown option %s (usage: hamon check-config [-c] FILE)",
			    argv[1]);
	else
		usage_error("usage: hamon check-config [-c] FILE");
	config_init(&cfg);
	if (config_load(&cfg, path, err, sizeof(err)) != 0)
		usage_error("%s", err);
	if (cfg.ntargets == 0)
		usage_error("%s: no targets (add a [NAME] section with target = icmp://ADDR)",
			    path);
	if (config_validate(&cfg, err, sizeof(err)) != 0)
		usage_error("%s", err);
	printf("%s: ok, %zu target%s\n", path, cfg.ntargets, cfg.ntargets == 1 ? "" : "s");
	for (i = 0; i < cfg.ntargets; i++) {
		duration_format(cfg.targets[i].interval_ns, iv, sizeof(iv));
		duration_format(cfg.targets[i].timeout_ns, to, sizeof(to));
		printf("  %-16s %-32s interval %s, timeout %s, down-after %u%s, up-after %u\n",
		       cfg.targets[i].name, cfg.targets[i].url, iv, to, cfg.targets[i].down_after,
		       cfg.targets[i].down_after_ns ? " (by time)" : "", cfg.targets[i].up_after);
	}
	config_free(&cfg);
	return 0;
}
