/* SPDX-License-Identifier: ISC */
/* bench_int.h: what bench/'s files (and its unit test) share. */
#ifndef HAMON_BENCH_INT_H
#define HAMON_BENCH_INT_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/bench_store.h"

/* ---- control: timing, progress, interruption ---- */

/* The signal (SIGINT/SIGTERM) that asked us to stop, 0 while none did. Set
 * by cmd_bench's handler and nothing else. */
extern volatile sig_atomic_t bench_signal;

/*
 * One timed test: the main thread starts the workers, then bench_ctl_wait()
 * shows progress until the duration is over (or a signal arrives, or every
 * worker gave up) and sets stop; the workers poll stop with
 * bench_ctl_stopped() between units of work and count what they finished
 * before it.
 */
struct bench_ctl {
	int stop;             /* atomic: workers stop */
	int running;          /* atomic: workers still working */
	int64_t t0_ns, t1_ns; /* CLOCK_MONOTONIC: start, and when stop was set */
	int tty;              /* progress on stderr, \r-updated */
	const char *what;     /* "cpu, 1 thread" */
};
void bench_ctl_start(struct bench_ctl *c, const char *what, int tty, int nworkers);
/* Wait duration_ns (progress meanwhile), set stop. 0, or -1 when interrupted. */
int bench_ctl_wait(struct bench_ctl *c, int64_t duration_ns);
/* A worker is done (early, on an error, or after stop). */
void bench_ctl_worker_done(struct bench_ctl *c);
int bench_ctl_stopped(const struct bench_ctl *c);
/* A one-off progress line for work that is not timed ("laying out"). */
void bench_progress(int tty, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Clear the progress line (tty only). */
void bench_progress_clear(int tty);

/* ---- results ---- */

struct bench_results {
	struct bench_store_result *v;
	size_t n, cap;
};
void bench_results_add(struct bench_results *r, const char *test, const char *metric, double value,
		       const char *unit);
void bench_results_free(struct bench_results *r);

/* value / base, or NAN when either is missing or base is not positive. */
double bench_ratio(double value, double base);

/* ---- CPU ---- */

/* The workload of `sysbench cpu --cpu-max-prime=N` (sysbench 1.0): one event
 * is one pass over every c in [3, N) dividing by d = 2, 3, ... while
 * d <= sqrt(c) (64-bit unsigned remainders, the bound as a double) until
 * one divides c. Returns the primes below N, 2 included: 1229 for 10000. */
uint64_t bench_cpu_event(uint64_t max_prime);
/* The remainders one event computes (its operation count). */
uint64_t bench_cpu_event_ops(uint64_t max_prime);
#define BENCH_CPU_MAX_PRIME 10000

/* Events per second over duration_ns with nthreads threads; -1 when interrupted. */
double bench_cpu_run(int nthreads, int64_t duration_ns, int tty, const char *what);

/* ---- memory ---- */

struct bench_mem_opts {
	int64_t duration_ns; /* per test */
	size_t stream_bytes; /* each of the three STREAM arrays */
	size_t ram_bytes;    /* buffer of the sequential RAM tests */
	int tty;
};
/* Run the memory tests into res. 0, or -1 when interrupted. */
int bench_mem_run(const struct bench_mem_opts *o, struct bench_results *res);

/* ---- disk ---- */

struct bench_disk {
	char *dir;
	char *path; /* the test file, which we created */
	int dirfd;  /* its directory, held open (O_PATH) */
	char *base; /* its name in that directory */
	dev_t dev;  /* and what it is: only that is removed */
	ino_t ino;
	int keep;     /* --keep: leave it in place at the end */
	int reused;   /* --file named one of ours from before */
	int fd;       /* -1 when closed */
	int direct;   /* O_DIRECT in effect */
	int64_t size; /* bytes the random tests span */
	int64_t laid; /* bytes written from offset 0 so far */
	int quick;
	const char *engine; /* "io_uring", "libaio" or "sync" */
};
/* Check dir and create the test file in it (O_CREAT|O_EXCL); with file,
 * create that one, or reopen it when it is a test file of ours (marked).
 * 0; -2 with err for a bad directory or a file that is not ours (a usage
 * error); -1 with err otherwise. */
int bench_disk_open(struct bench_disk *d, const char *dir, const char *file, int quick, int keep,
		    char *err, size_t errlen);
/* Run the dd-style and fio-style tests into res. 0; -1 when interrupted. */
int bench_disk_run(struct bench_disk *d, int64_t duration_ns, int tty, struct bench_results *res);
/* Close and remove the test file (unless keep: then say where it is); a
 * no-op when there is none. Safe to call again. */
void bench_disk_close(struct bench_disk *d);
/* Unlink the test file only (async-signal-safe; for exit paths). */
void bench_disk_unlink(const struct bench_disk *d);

/* ---- host facts ---- */

struct bench_facts {
	char hostname[64];
	char cpu_model[128];
	int cores;
	int64_t mem_bytes;
	char kernel[64];
	char virt[32];
	char virt_hints[256];
};

/* What the virtualization detection reads; NULL when a source is missing.
 * pid1_environ is NUL-separated, of length pid1_environ_len. */
struct bench_virt_input {
	const char *cpuinfo;
	const char *sys_vendor;
	const char *product_name;
	const char *pid1_environ;
	size_t pid1_environ_len;
	const char *systemd_container;
	const char *self_cgroup;
	int dockerenv; /* /.dockerenv exists */
};

/* "model name" (or "Hardware", "cpu model", "Processor") of /proc/cpuinfo
 * text into model; returns 1 when the flags name "hypervisor", else 0. */
int bench_facts_parse_cpuinfo(const char *text, char *model, size_t len);
/* MemTotal of /proc/meminfo text in bytes, or 0. */
int64_t bench_facts_parse_meminfo(const char *text);
/* The virtualization type ("none", "kvm", "lxc", ...): a container type
 * when there is a container (it is what the benchmark runs in), else the
 * hypervisor's. hints says what was seen, "; "-separated. */
void bench_virt_detect(const struct bench_virt_input *in, char *virt, size_t vlen, char *hints,
		       size_t hlen);
/* Gather the facts of this host. */
void bench_facts_gather(struct bench_facts *f);

#endif
