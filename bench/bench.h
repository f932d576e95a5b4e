/* bench.h: `hamon bench` (embedded CPU, memory and disk benchmarks) and the
 * side-by-side report of stored bench runs. */
#ifndef HAMON_BENCH_H
#define HAMON_BENCH_H
#include <stddef.h>
#include <stdio.h>

struct store;

/* The `hamon bench` subcommand: argv[0] is "bench". Exit status: 0 done,
 * 1 a run-time failure (database, I/O), 2 a usage error, 130/143 when
 * interrupted by SIGINT/SIGTERM (nothing stored, test file removed). */
int cmd_bench(int argc, char **argv);

/*
 * `hamon report --bench`: the latest value of every bench metric of each
 * label, side by side, with ratios to the first label. labels_csv is
 * "host,kvm,lxc" (NULL or "": every label, in the order of its first run);
 * format is text (NULL), json, csv or md. Returns 0; -1 with err when the
 * database fails or holds no bench results for a label (exit 1); -2 with
 * err for a bad format or label list (a usage error: exit 2).
 */
int bench_report(struct store *st, const char *labels_csv, const char *format, FILE *out,
                 char *err, size_t errlen);

#endif
