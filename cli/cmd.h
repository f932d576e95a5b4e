/* SPDX-License-Identifier: ISC */
/* cmd.h: hamon's subcommands (one file each in cli/) and what the
 * monitoring ones (monitor, run, demo) share. */
#ifndef HAMON_CMD_H
#define HAMON_CMD_H
#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"
#include "monitor/monitor.h"

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
	enum monitor_tcp_mode tcp_mode;
	int64_t duration_ns;
	uint64_t count;
	char **specs;
	size_t nspecs;
	const char *user; /* drop to this user (default hamon/nobody) */
	int keep_privileges;
	int no_netlink;
	size_t rcvbuf;       /* --rcvbuf BYTES per socket, 0: sized for the rate */
	const char *metrics; /* --metrics [ADDR:]PORT, checked */
	const char *http_token; /* --http-token FILE */
	const char *on_hook[CONFIG_NHOOKS]; /* --on-down, --on-up, --on-unknown */
	int64_t hook_timeout_ns;            /* --hook-timeout, 0 unset */
	unsigned hooks_max;                 /* --hooks-max, 0 unset */
	int live;            /* --live: 1 asked, 2 on the terminal (cli/live.c) */
	int log_dest;        /* --log: enum log_dest, -1 auto (the default) */
	const char **webhooks; /* --webhook URL..., replacing the file's */
	size_t nwebhooks;
	const char *webhook_ca;     /* --webhook-ca FILE */
	int64_t webhook_timeout_ns; /* --webhook-timeout, 0 unset */
	/* hamon run only */
	const char *label, *kind;
	int64_t settle_ns, wait_ns, baseline_ns;
	char **command;
	size_t ncommand;
};

/* A monitoring session: config, monitor, store, control socket. */
struct msession {
	struct monitor_cli cli;
	struct hamon_config cfg;
	struct monitor *m;
	struct store *st;
	struct control *ctl;
	struct metrics *metrics; /* NULL without --metrics */
	struct hooks *hooks;     /* NULL without on-down/on-up/on-unknown */
	struct webhooks *webhooks; /* NULL without webhook = URL */
	int64_t session_id;
	const char *db;
	int own_signals; /* the command handles SIGINT/SIGTERM */
};

void monitor_cli_parse(int argc, char **argv, struct monitor_cli *cli, int is_run);
int msession_open(struct msession *ms, int argc, char **argv, char *err, size_t errlen);
int msession_drop(struct msession *ms, char *err, size_t errlen);
void msession_announce(const struct msession *ms);
/* Returns 1 when the database went bad during the session (the vital
 * records are in the rescue file, store.h), else 0. */
int msession_close(struct msession *ms, const char *state);
char *join_argv(int argc, char **argv);

/* The subcommands; argv[0] is the command's name. Each returns its exit
 * status (man hamon: EXIT STATUS); usage errors exit 2 from usage_error(). */
int cmd_monitor(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_mark(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_import_task(int argc, char **argv);
int cmd_targets(int argc, char **argv);
int cmd_import_journal(int argc, char **argv);
int cmd_demo_step(int argc, char **argv);

#endif
