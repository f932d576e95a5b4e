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
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "monitor/cmd.h"
#include "monitor/monitor.h"
#include "store/store.h"

/* Options given on the command line; they override the config file. */
struct monitor_cli {
	const char *config;
	const char *db;
	int no_db;
	const char *interval, *timeout, *down_after, *up_after;
	int samples;
	int quiet;
	int verbose;
	enum monitor_format format;
	int64_t duration_ns;
	uint64_t count;
	char **specs;
	size_t nspecs;
};

static const char monitor_usage[] =
    "usage: hamon monitor [--db FILE | --no-db] [-c FILE] [--interval D] [--timeout D]\n"
    "                     [--down-after N|D] [--up-after N] [--samples] [-q] [-v]\n"
    "                     [--format text|json] [--duration D] [--count N] [TARGET...]\n"
    "TARGET is [NAME=]icmp://ADDR or icmp://[IPV6ADDR]; --target TARGET is the same.";

/* Apply the command-line timing overrides to one target (or the defaults). */
static void
monitor_cli_apply(const struct monitor_cli *cli, struct target_conf *t, const char *where)
{
	char err[256];
	unsigned long long v;

	if (cli->interval && duration_parse_range("interval", cli->interval, TARGET_MIN_INTERVAL_NS,
	                                          TARGET_MAX_INTERVAL_NS, &t->interval_ns, err,
	                                          sizeof(err)) != 0)
		usage_error("%s%s", where, err);
	if (cli->timeout && duration_parse_range("timeout", cli->timeout, TARGET_MIN_INTERVAL_NS,
	                                         TARGET_MAX_INTERVAL_NS, &t->timeout_ns, err,
	                                         sizeof(err)) != 0)
		usage_error("%s%s", where, err);
	if (cli->down_after && target_parse_down_after(cli->down_after, t, err, sizeof(err)) != 0)
		usage_error("%s--down-after: %s", where, err);
	if (cli->up_after) {
		if (uint_parse_range("up-after", cli->up_after, 1, 1000000, &v, err, sizeof(err)) != 0)
			usage_error("%s%s", where, err);
		t->up_after = (unsigned)v;
	}
}

/* Parse `hamon monitor` options into cli; exits 2 on bad input. */
static void
monitor_cli_parse(int argc, char **argv, struct monitor_cli *cli)
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	unsigned long long v;
	int c;

	memset(cli, 0, sizeof(*cli));
	cli->specs = xcalloc((size_t)argc + 1, sizeof(*cli->specs));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli->db = optarg;
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
			if (strcmp(optarg, "json") == 0)
				cli->format = MONITOR_JSON;
			else if (strcmp(optarg, "text") == 0)
				cli->format = MONITOR_TEXT;
			else
				usage_error("--format \"%s\": expected text or json", optarg);
			break;
		case 'T':
			if (duration_parse_range("duration", optarg, NSEC_PER_MSEC, 0, &cli->duration_ns,
			                         err, sizeof(err)) != 0)
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
		case 'h':
			puts(monitor_usage);
			exit(0);
		case ':':
			usage_error("option %s needs a value", argv[optind - 1]);
		default:
			usage_error("unknown option %s (try hamon monitor --help)", argv[optind - 1]);
		}
	}
	while (optind < argc)
		cli->specs[cli->nspecs++] = argv[optind++];
}

/* Build the configuration: file, then command-line defaults, targets, overrides. */
static void
monitor_cli_config(const struct monitor_cli *cli, struct hamon_config *cfg)
{
	char err[512], where[64];
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
	if (config_validate(cfg, err, sizeof(err)) != 0)
		usage_error("%s", err);
}

/* The command line as one string, for the session record. */
static char *
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

/* `hamon monitor`. */
int
cmd_monitor(int argc, char **argv)
{
	struct monitor_cli cli;
	struct hamon_config cfg;
	struct monitor_opts o;
	struct monitor *m;
	struct store *st = NULL;
	struct store_session sess;
	const char *db;
	char err[512], host[256] = "", *args;
	const char *mode4, *mode6;
	size_t i;

	monitor_cli_parse(argc, argv, &cli);
	log_init("hamon", cli.verbose, 0);
	monitor_cli_config(&cli, &cfg);
	db = cli.no_db ? NULL : cli.db ? cli.db : cfg.db_path ? cfg.db_path : "hamon.db";

	memset(&o, 0, sizeof(o));
	o.targets = cfg.targets;
	o.ntargets = cfg.ntargets;
	o.samples = cli.samples || cfg.samples == 1;
	o.quiet = cli.quiet;
	o.format = cli.format;
	o.duration_ns = cli.duration_ns;
	o.count = cli.count;

	/* Sockets first: they need privileges that later may be dropped. */
	if ((m = monitor_new(&o, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		config_free(&cfg);
		return 1;
	}
	if (db != NULL) {
		if ((st = store_open(db, STORE_WRITE, err, sizeof(err))) == NULL)
			goto fail;
		gethostname(host, sizeof(host) - 1);
		args = join_argv(argc, argv);
		sess.started_ns = time_real_ns();
		sess.pid = (int)getpid();
		sess.hostname = host;
		sess.argv = args;
		o.session_id = store_session_begin(st, &sess, err, sizeof(err));
		free(args);
		if (o.session_id <= 0)
			goto fail;
		for (i = 0; i < cfg.ntargets; i++) {
			struct target_conf *t = &cfg.targets[i];
			struct store_target stt = { t->name, t->url, t->addrstr, t->family, t->port,
			                            t->interval_ns, t->timeout_ns };
			int64_t id = store_target_upsert(st, &stt, err, sizeof(err));

			if (id <= 0)
				goto fail;
			monitor_set_store_id(m, i, id);
		}
		if (store_writer_start(st, 250, err, sizeof(err)) != 0)
			goto fail;
		monitor_attach_store(m, st, o.session_id);
	}
	mode4 = monitor_probe_mode(m, AF_INET);
	mode6 = monitor_probe_mode(m, AF_INET6);
	if (!cli.quiet) {
		char iv[32], to[32];

		duration_format(cfg.targets[0].interval_ns, iv, sizeof(iv));
		duration_format(cfg.targets[0].timeout_ns, to, sizeof(to));
		log_info("monitoring %zu target%s every %s (timeout %s) via icmp %s%s%s, db %s",
		         cfg.ntargets, cfg.ntargets == 1 ? "" : "s", iv, to,
		         mode4 ? mode4 : "", mode4 && mode6 ? " / " : "", mode6 ? mode6 : "",
		         db ? db : "(none)");
	}
	monitor_loop(m);
	monitor_summary(m);
	if (st != NULL) {
		store_session_end(st, o.session_id, time_real_ns(), "stopped");
		if (store_dropped(st) > 0)
			log_warnx("store: %" PRIu64 " records could not be kept", store_dropped(st));
		store_close(st);
	}
	monitor_free(m);
	config_free(&cfg);
	free(cli.specs);
	return 0;

fail:
	log_warnx("%s", err);
	monitor_free(m);
	store_close(st);
	config_free(&cfg);
	free(cli.specs);
	return 1;
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
	} else
		usage_error("usage: hamon check-config [-c] FILE");
	config_init(&cfg);
	if (config_load(&cfg, path, err, sizeof(err)) != 0 ||
	    config_validate(&cfg, err, sizeof(err)) != 0)
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
