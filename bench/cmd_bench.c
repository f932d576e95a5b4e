/* cmd_bench.c: `hamon bench`: run the CPU, memory and disk tests, print
 * the figures as a table and store them with the host's facts. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_int.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/bench_store.h"
#include "store/store.h"

#define BENCH_TEST_CPU 1
#define BENCH_TEST_MEM 2
#define BENCH_TEST_DISK 4

/* Per-test durations: CPU as sysbench's --time, memory and disk shorter. */
#define BENCH_CPU_TIME (5 * NSEC_PER_SEC)
#define BENCH_CPU_QUICK (1 * NSEC_PER_SEC)
#define BENCH_MEM_TIME (2 * NSEC_PER_SEC)
#define BENCH_MEM_QUICK (300 * NSEC_PER_MSEC)
#define BENCH_DISK_TIME (5 * NSEC_PER_SEC)
#define BENCH_DISK_QUICK_TIME (300 * NSEC_PER_MSEC)

struct bench_opts {
	int tests;
	const char *label, *db, *path, *file;
	int path_given;       /* --path seen (it and --file exclude each other) */
	int quick, keep;
	int64_t time_ns;      /* 0: the defaults above */
	int threads;          /* 0: every CPU we may use */
};

static const char bench_usage[] =
    "usage: hamon bench [cpu|mem|disk|all] [--label host|kvm|lxc|...] [--db FILE]\n"
    "                   [--path DIR | --file FILE] [--keep] [--quick] [--time D]\n"
    "                   [--threads N]";

/* SIGINT/SIGTERM: note it; every loop polls bench_signal and unwinds. */
static void
bench_on_signal(int sig)
{
	bench_signal = sig;
}

/* Route SIGINT and SIGTERM to bench_on_signal, without SA_RESTART so a
 * blocking call returns early. */
static void
bench_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = bench_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* A label must be usable in --labels a,b,c and on a terminal. */
static void
bench_check_label(const char *label)
{
	const char *p;

	if (label[0] == '\0' || strlen(label) > 63)
		usage_error("bench: --label \"%s\": must be 1 to 63 characters", label);
	for (p = label; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == ',')
			usage_error("bench: --label: only printable characters without spaces or"
			            " commas (character %zu)", (size_t)(p - label) + 1);
}

/* Parse the command line into o. */
static void
bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "path", required_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'f' },
		{ "keep", no_argument, NULL, 'k' },
		{ "quick", no_argument, NULL, 'q' },
		{ "time", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long n;
	char err[256];
	int c;

	memset(o, 0, sizeof *o);
	o->db = "hamon.db";
	o->path = ".";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			bench_check_label(optarg);
			o->label = optarg;
			break;
		case 'd':
			o->db = optarg;
			break;
		case 'p':
			o->path = optarg;
			o->path_given = 1;
			break;
		case 'f':
			if (optarg[0] == '\0')
				usage_error("bench: --file: empty file name");
			o->file = optarg;
			break;
		case 'k':
			o->keep = 1;
			break;
		case 'q':
			o->quick = 1;
			break;
		case 't':
			if (duration_parse_range("bench: --time", optarg, 100 * NSEC_PER_MSEC,
			                         3600 * NSEC_PER_SEC, &o->time_ns, err, sizeof(err)) != 0)
				usage_error("%s", err);
			break;
		case 'j':
			if (uint_parse_range("bench: --threads", optarg, 1, 4096, &n, err, sizeof(err)) != 0)
				usage_error("%s", err);
			o->threads = (int)n;
			break;
		case 'h':
			puts(bench_usage);
			exit(0);
		case ':':
			usage_error("bench: option %s needs a value", argv[optind - 1]);
		default:
			usage_error("bench: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		const char *t = argv[optind++];

		if (strcmp(t, "cpu") == 0)
			o->tests = BENCH_TEST_CPU;
		else if (strcmp(t, "mem") == 0)
			o->tests = BENCH_TEST_MEM;
		else if (strcmp(t, "disk") == 0)
			o->tests = BENCH_TEST_DISK;
		else if (strcmp(t, "all") == 0)
			o->tests = BENCH_TEST_CPU | BENCH_TEST_MEM | BENCH_TEST_DISK;
		else
			usage_error("bench: unknown test \"%s\" (cpu, mem, disk or all)", t);
	} else
		o->tests = BENCH_TEST_CPU | BENCH_TEST_MEM | BENCH_TEST_DISK;
	if (optind < argc)
		usage_error("bench: unexpected argument \"%s\"", argv[optind]);
	if (o->file != NULL && o->path_given)
		usage_error("bench: --path and --file exclude each other (--file names the test file"
		            " itself)");
	if ((o->file != NULL || o->keep) && !(o->tests & BENCH_TEST_DISK))
		usage_error("bench: %s applies to the disk tests only", o->keep ? "--keep" : "--file");
}

/* "cpu,mem,disk" for the tests in mask. */
static void
bench_tests_name(int mask, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", mask & BENCH_TEST_CPU ? "cpu" : "",
	         (mask & BENCH_TEST_CPU) && (mask & ~BENCH_TEST_CPU) ? "," : "",
	         mask & BENCH_TEST_MEM ? "mem" : "",
	         (mask & BENCH_TEST_MEM) && (mask & BENCH_TEST_DISK) ? "," : "",
	         mask & BENCH_TEST_DISK ? "disk" : "");
}

/* Print the facts line and the results table. */
static void
bench_print(FILE *out, const struct bench_store_run *run, const struct bench_results *res)
{
	char host[sizeof run->hostname * 4], cpu[sizeof run->cpu_model * 4];
	size_t i;

	log_escape(host, sizeof host, run->hostname, strlen(run->hostname));
	log_escape(cpu, sizeof cpu, run->cpu_model, strlen(run->cpu_model));
	fprintf(out, "bench \"%s\" on %s: %s, %d CPUs, %.1f GiB, Linux %s, virtualization %s (%s)%s\n",
	        run->label, host, cpu, run->cores, (double)run->mem_bytes / (1 << 30), run->kernel,
	        run->virt, run->virt_hints, run->quick ? ", quick" : "");
	if (run->io_engine[0] != '\0')
		fprintf(out, "disk: %s I/O through %s\n", run->direct ? "direct" : "buffered (no O_DIRECT)",
		        run->io_engine);
	fprintf(out, "%-5s %-20s %14s  %s\n", "test", "metric", "value", "unit");
	for (i = 0; i < res->n; i++)
		fprintf(out, "%-5s %-20s %14.2f  %s\n", res->v[i].test, res->v[i].metric,
		        res->v[i].value, res->v[i].unit);
}

/* Run the CPU tests: one thread, then threads threads. 0, or -1. */
static int
bench_run_cpu(int threads, int64_t t, int tty, struct bench_results *res)
{
	char what[64];
	double v;

	if ((v = bench_cpu_run(1, t, tty, "cpu, primes to 10000, 1 thread")) < 0)
		return -1;
	bench_results_add(res, "cpu", "events_1thread", v, "events/s");
	snprintf(what, sizeof what, "cpu, primes to 10000, %d threads", threads);
	if ((v = bench_cpu_run(threads, t, tty, what)) < 0)
		return -1;
	bench_results_add(res, "cpu", "events_all_threads", v, "events/s");
	return 0;
}

/* Fill the run row from the facts and options. */
static void
bench_fill_run(struct bench_store_run *run, const struct bench_facts *f,
               const struct bench_opts *o, const char *label, const struct bench_disk *d)
{
	memset(run, 0, sizeof *run);
	run->started_ns = time_real_ns();
	snprintf(run->label, sizeof run->label, "%s", label);
	memcpy(run->hostname, f->hostname, sizeof run->hostname);
	memcpy(run->cpu_model, f->cpu_model, sizeof run->cpu_model);
	run->cores = f->cores;
	run->threads = o->threads;
	run->mem_bytes = f->mem_bytes;
	memcpy(run->kernel, f->kernel, sizeof run->kernel);
	memcpy(run->virt, f->virt, sizeof run->virt);
	memcpy(run->virt_hints, f->virt_hints, sizeof run->virt_hints);
	bench_tests_name(o->tests, run->tests, sizeof run->tests);
	run->quick = o->quick;
	if (d->path != NULL)
		run->direct = d->direct;
}

/* `hamon bench`. */
int
cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_facts facts;
	struct bench_disk disk;
	struct bench_results res = { 0 };
	struct bench_store_run run;
	struct bench_mem_opts mo;
	struct store *st;
	char err[512], label[64];
	int tty = isatty(STDERR_FILENO), rc = 0, r;
	int64_t id;

	bench_parse(argc, argv, &o);
	bench_facts_gather(&facts);
	if (o.threads == 0)
		o.threads = facts.cores;
	/* By default the run is labelled with what it runs on. */
	snprintf(label, sizeof label, "%s",
	         o.label != NULL ? o.label : strcmp(facts.virt, "none") == 0 ? "host" : facts.virt);
	bench_install_signals();
	memset(&disk, 0, sizeof disk);
	disk.fd = disk.dirfd = -1;
	if (o.tests & BENCH_TEST_DISK) {
		r = bench_disk_open(&disk, o.path, o.file, o.quick, o.keep, err, sizeof(err));
		if (r == -2)
			usage_error("bench: %s", err);
		if (r < 0) {
			log_warnx("bench: %s", err);
			return 1;
		}
	}
	if ((st = store_open(o.db, STORE_WRITE, err, sizeof(err))) == NULL) {
		bench_disk_close(&disk);
		usage_error("bench: %s", err);
	}
	bench_fill_run(&run, &facts, &o, label, &disk);

	if (!bench_signal && (o.tests & BENCH_TEST_CPU))
		bench_run_cpu(o.threads, o.time_ns ? o.time_ns : o.quick ? BENCH_CPU_QUICK : BENCH_CPU_TIME,
		              tty, &res);
	if (!bench_signal && (o.tests & BENCH_TEST_MEM)) {
		mo.duration_ns = o.time_ns ? o.time_ns : o.quick ? BENCH_MEM_QUICK : BENCH_MEM_TIME;
		mo.stream_bytes = o.quick ? 8 << 20 : 64 << 20;
		mo.ram_bytes = o.quick ? 32 << 20 : 256 << 20;
		mo.tty = tty;
		bench_mem_run(&mo, &res);
	}
	if (!bench_signal && (o.tests & BENCH_TEST_DISK)) {
		bench_disk_run(&disk, o.time_ns ? o.time_ns : o.quick ? BENCH_DISK_QUICK_TIME : BENCH_DISK_TIME,
		               tty, &res);
		snprintf(run.io_engine, sizeof run.io_engine, "%s", disk.engine != NULL ? disk.engine : "");
	}
	bench_disk_close(&disk);
	bench_progress_clear(tty);
	if (bench_signal) {
		/* Interrupted: the file is gone; store nothing half-measured. */
		store_close(st);
		bench_results_free(&res);
		log_warnx("bench: interrupted by %s; nothing stored", strsignal(bench_signal));
		return 128 + bench_signal;
	}
	bench_print(stdout, &run, &res);
	if ((id = bench_store_put_run(st, &run, res.v, res.n, err, sizeof(err))) < 0) {
		log_warnx("bench: %s", err);
		rc = 1;
	} else
		printf("stored as bench run %lld in %s\n", (long long)id, o.db);
	fflush(stdout);
	store_close(st);
	bench_results_free(&res);
	return rc;
}
