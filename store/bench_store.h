/* SPDX-License-Identifier: ISC */
/* bench_store.h: bench runs and their results in the monitor's database.
 * The tables (bench_runs, bench_results) are part of schema version 5; an
 * older database opened read-only without them reads as one without bench
 * runs. */
#ifndef HAMON_BENCH_STORE_H
#define HAMON_BENCH_STORE_H
#include <stddef.h>
#include <stdint.h>

struct store;

/* One `hamon bench` run: when, its label and the facts of the host it ran
 * on. Text is truncated to the buffers when read back. */
struct bench_store_run {
	int64_t id;         /* set by bench_store_put_run */
	int64_t started_ns; /* CLOCK_REALTIME */
	char label[64];
	char hostname[64];
	char cpu_model[128];
	int cores;         /* CPUs this process may run on */
	int threads;       /* threads of the "all cores" CPU test */
	int64_t mem_bytes; /* MemTotal */
	char kernel[64];
	char virt[32];        /* "none", "kvm", "lxc", "docker", "vm", ... */
	char virt_hints[256]; /* what the detection saw */
	char tests[32];       /* "cpu,mem,disk" */
	char io_engine[16];   /* "io_uring", "libaio", "sync", "" without disk */
	int direct;           /* disk tests used O_DIRECT */
	int quick;
};

/* One figure: test "cpu", metric "events_1thread", 1234.5, unit "events/s". */
struct bench_store_result {
	int64_t run_id;
	char test[16];
	char metric[48];
	double value;
	char unit[16];
};

/* Store a run and its n results in one transaction (STORE_WRITE handles). Returns the run id > 0, or -1 with err;
 * a label that is empty or does not fit is refused. */
int64_t bench_store_put_run(struct store *s, const struct bench_store_run *run,
			    const struct bench_store_result *res, size_t n, char *err,
			    size_t errlen);

/* The latest run of label (highest id). 0 found, 1 none, -1 error. */
int bench_store_latest_run(struct store *s, const char *label, struct bench_store_run *out,
			   char *err, size_t errlen);

/* Callbacks return nonzero to stop (the query still returns 0). */
typedef int (*bench_store_result_cb)(const struct bench_store_result *r, void *arg);
typedef int (*bench_store_label_cb)(const char *label, void *arg);

/* The results of one run, ordered by test then metric. 0, or -1 with err. */
int bench_store_query_results(struct store *s, int64_t run_id, bench_store_result_cb cb, void *arg,
			      char *err, size_t errlen);
/* For label, the latest value of every (test, metric) any of its runs
 * measured (run_id says which run), ordered by test then metric. */
int bench_store_query_latest(struct store *s, const char *label, bench_store_result_cb cb,
			     void *arg, char *err, size_t errlen);
/* Every run that started in [from_ns, to_ns], by started_ns then id; the
 * rows are streamed, so cb must not call the store on the same handle.
 * 0, or -1 with err. */
typedef int (*bench_store_run_cb)(const struct bench_store_run *run, void *arg);
int bench_store_query_runs_between(struct store *s, int64_t from_ns, int64_t to_ns,
				   bench_store_run_cb cb, void *arg, char *err, size_t errlen);
/* Every label with a run, in the order of its first run. */
int bench_store_query_labels(struct store *s, bench_store_label_cb cb, void *arg, char *err,
			     size_t errlen);

#endif
