/* SPDX-License-Identifier: ISC */
/* bench.h: `hamon bench` (embedded CPU, memory and disk benchmarks) and the
 * side-by-side report of stored bench runs. */
#ifndef HAMON_BENCH_H
#define HAMON_BENCH_H
#include <stddef.h>
#include <stdio.h>

#include <stdint.h>

struct store;

/* The tests of a run (struct bench_opts.tests). */
#define BENCH_TEST_CPU  1
#define BENCH_TEST_MEM  2
#define BENCH_TEST_DISK 4

/* What one `hamon bench` run does (cli/cmd_bench.c fills it in). */
struct bench_opts {
	int tests;
	const char *label, *db, *path, *file;
	int path_given; /* --path seen (it and --file exclude each other) */
	int quick, keep;
	int64_t time_ns; /* 0: the defaults above */
	int threads;     /* 0: every CPU we may use */
};

/* Run the tests o asks for, print and store the results. Returns the exit
 * status: 0 done, 1 a run-time failure (database, I/O), 128 + the signal
 * (SIGINT/SIGTERM) that interrupted it (nothing stored, test file removed);
 * a bad --path or --file exits 2 with one line. */
int bench_run(const struct bench_opts *o);

/*
 * `hamon report --bench`: the latest value of every bench metric of each
 * label, side by side, with ratios to the first label. labels_csv is
 * "host,kvm,lxc" (NULL or "": every label, in the order of its first run);
 * format is text (NULL), json, csv or md. Returns 0; -1 with err when the
 * database fails or holds no bench results for a label (exit 1); -2 with
 * err for a bad format or label list (a usage error: exit 2).
 */
int bench_report(struct store *st, const char *labels_csv, const char *format, FILE *out, char *err,
		 size_t errlen);

#endif
