/* SPDX-License-Identifier: ISC */
/* bench_run.c: one `hamon bench` run: the machine's facts, the tests asked
 * for, the results printed and stored as one bench run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_int.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "store/bench_store.h"
#include "store/store.h"

/* Per-test durations: CPU as sysbench's --time, memory and disk shorter. */
#define BENCH_CPU_TIME        (5 * NSEC_PER_SEC)
#define BENCH_CPU_QUICK       (1 * NSEC_PER_SEC)
#define BENCH_MEM_TIME        (2 * NSEC_PER_SEC)
#define BENCH_MEM_QUICK       (300 * NSEC_PER_MSEC)
#define BENCH_DISK_TIME       (5 * NSEC_PER_SEC)
#define BENCH_DISK_QUICK_TIME (300 * NSEC_PER_MSEC)

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
	fprintf(out,
		"bench \"%s\" on %s: %s, %d CPUs, %.1f GiB, Linux %s, virtualization %s (%s)%s\n",
		run->label, host, cpu, run->cores, (double)run->mem_bytes / (1 << 30), run->kernel,
		run->virt, run->virt_hints, run->quick ? ", quick" : "");
	if (run->io_engine[0] != '\0')
		fprintf(out, "disk: %s I/O through %s\n",
			run->direct ? "direct" : "buffered (no O_DIRECT)", run->io_engine);
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
bench_fill_run(struct bench_store_run *run, const struct bench_facts *f, const struct bench_opts *o,
	       const char *label, const struct bench_disk *d)
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

/* Run the tests o asks for, print the results and store them. Returns the
 * exit status: 0, 1 (database or I/O failure), 128 + the signal that
 * interrupted it (nothing stored, test file removed); a bad --file or
 * --path is a usage error (exit 2). */
int
bench_run(const struct bench_opts *opts)
{
	struct bench_opts o = *opts;
	struct bench_facts facts;
	struct bench_disk disk;
	struct bench_results res = { 0 };
	struct bench_store_run run;
	struct bench_mem_opts mo;
	struct store *st;
	char err[512], label[64];
	int tty = isatty(STDERR_FILENO), rc = 0, r;
	int64_t id;

	bench_facts_gather(&facts);
	if (o.threads == 0)
		o.threads = facts.cores;
	/* By default the run is labelled with what it runs on. */
	snprintf(label, sizeof label, "%s",
		 o.label != NULL                   ? o.label
		 : strcmp(facts.virt, "none") == 0 ? "host"
						   : facts.virt);
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
		bench_run_cpu(o.threads,
			      o.time_ns ? o.time_ns
			      : o.quick ? BENCH_CPU_QUICK
					: BENCH_CPU_TIME,
			      tty, &res);
	if (!bench_signal && (o.tests & BENCH_TEST_MEM)) {
		mo.duration_ns = o.time_ns ? o.time_ns : o.quick ? BENCH_MEM_QUICK : BENCH_MEM_TIME;
		mo.stream_bytes = o.quick ? 8 << 20 : 64 << 20;
		mo.ram_bytes = o.quick ? 32 << 20 : 256 << 20;
		mo.tty = tty;
		bench_mem_run(&mo, &res);
	}
	if (!bench_signal && (o.tests & BENCH_TEST_DISK)) {
		bench_disk_run(&disk,
			       o.time_ns ? o.time_ns
			       : o.quick ? BENCH_DISK_QUICK_TIME
					 : BENCH_DISK_TIME,
			       tty, &res);
		snprintf(run.io_engine, sizeof run.io_engine, "%s",
			 disk.engine != NULL ? disk.engine : "");
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
