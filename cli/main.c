/* SPDX-License-Identifier: ISC */
/* main.c: hamon's entry point: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "cli/cmd.h"

struct subcommand {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
};

static const struct subcommand subcommands[] = {
	{ "monitor", cmd_monitor, "probe targets, print transitions, record everything" },
	{ "top", cmd_top, "monitor --live: a full-screen table of the targets" },
	{ "run", cmd_run, "monitor while a command (migration, backup) runs; report" },
	{ "mark", cmd_mark, "add a marker or span boundary to a running monitor" },
	{ "report", cmd_report, "report a run: downtime, bounds, latency, failover timing" },
	{ "history", cmd_history, "list recorded loss bursts and outages" },
	{ "bench", cmd_bench, "CPU, memory and disk benchmarks, stored for comparison" },
	{ "import-task", cmd_import_task, "attach a Proxmox task log's figures to its run" },
	{ "import-journal", cmd_import_journal,
	  "store HA events from a journalctl -o json export" },
	{ "targets", cmd_targets, "hamon.conf target sections from a Proxmox guest list" },
	{ "check-config", cmd_check_config, "validate a configuration file" },
	{ "demo", cmd_demo, "(root) a migration and a failover on namespace test hosts" },
	{ "demo-step", cmd_demo_step, NULL }, /* internal: the demo's fault steps */
	{ NULL, NULL, NULL },
};

/* Print the list of subcommands. */
static void
usage(FILE *f)
{
	const struct subcommand *c;

	fprintf(f, "usage: hamon COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
	for (c = subcommands; c->name; c++)
		if (c->what != NULL)
			fprintf(f, "  %-14s %s\n", c->name, c->what);
	fprintf(f, "\n`hamon COMMAND --help` shows a command's options; man hamon has the rest.\n");
}

int
main(int argc, char **argv)
{
	const struct subcommand *c;

	log_init("hamon", 0, 0);
	if (argc < 2)
		usage_error("usage: hamon COMMAND [OPTIONS] (hamon --help lists the commands)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("hamon %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (c = subcommands; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1);
	usage_error("unknown command \"%s\" (try hamon --help)", argv[1]);
}
