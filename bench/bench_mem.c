/* SPDX-License-Identifier: ISC */
/* bench_mem.c: memory bandwidth: sequential read and write in 1 MiB blocks
 * (the work of `sysbench memory --memory-block-size=1M`), and STREAM-style
 * copy and triad over arrays too large for any cache. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_int.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"

#define BENCH_MEM_BLOCK ((size_t)1 << 20)

enum bench_mem_kind { BENCH_MEM_READ, BENCH_MEM_WRITE, BENCH_MEM_COPY, BENCH_MEM_TRIAD };

struct bench_mem_worker {
	struct bench_ctl *ctl;
	enum bench_mem_kind kind;
	size_t *buf; /* READ/WRITE: bufbytes, walked in 1 MiB blocks */
	size_t bufbytes;
	double *a, *b, *c; /* COPY/TRIAD: n elements each */
	size_t n;
	uint64_t bytes;  /* moved before the stop */
	int64_t best_ns; /* COPY/TRIAD: the fastest whole pass */
};

/*
 * One 1 MiB block, one machine word at a time through a volatile pointer,
 * eight words per iteration and no dependency between the loads: that is
 * what sysbench's memory test compiles to (it loads or stores each size_t
 * of the block separately and discards what it loaded; each word it
 * stores is the word's distance to the block's end, computed per word), so
 * the same loop, unrolled the same way, measures the same thing. Letting
 * the compiler widen it into vector moves or a memset would not (a constant
 * store alone runs twice as fast here).
 */
static void
bench_mem_block(size_t *blk, int write)
{
	volatile size_t *p = blk, *end = blk + BENCH_MEM_BLOCK / sizeof *blk;

	if (write) {
#pragma GCC unroll 8
		for (; p < end; p++)
			*p = (size_t)(end - p);
	} else {
#pragma GCC unroll 8
		for (; p < end; p++)
			(void)*p;
	}
}

/* One STREAM pass: copy c = a, or triad a = b + q * c. */
static void
bench_mem_stream_pass(struct bench_mem_worker *w)
{
	const double q = 3.0;
	size_t i;

	if (w->kind == BENCH_MEM_COPY)
		for (i = 0; i < w->n; i++)
			w->c[i] = w->a[i];
	else
		for (i = 0; i < w->n; i++)
			w->a[i] = w->b[i] + q * w->c[i];
}

/* The worker of one memory test. */
static void *
bench_mem_work(void *arg)
{
	struct bench_mem_worker *w = arg;
	size_t off = 0, nblk = w->bufbytes / BENCH_MEM_BLOCK;
	int64_t t;

	if (w->kind == BENCH_MEM_READ || w->kind == BENCH_MEM_WRITE) {
		while (!bench_ctl_stopped(w->ctl)) {
			bench_mem_block(w->buf + off * (BENCH_MEM_BLOCK / sizeof(size_t)),
					w->kind == BENCH_MEM_WRITE);
			w->bytes += BENCH_MEM_BLOCK;
			off = off + 1 == nblk ? 0 : off + 1;
		}
	} else {
		w->best_ns = INT64_MAX;
		while (!bench_ctl_stopped(w->ctl)) {
			t = time_mono_ns();
			bench_mem_stream_pass(w);
			t = time_mono_ns() - t;
			if (t < w->best_ns)
				w->best_ns = t;
			w->bytes += w->n * sizeof(double) * (w->kind == BENCH_MEM_COPY ? 2 : 3);
		}
	}
	bench_ctl_worker_done(w->ctl);
	return NULL;
}

/* Run one memory test for duration_ns on a thread of its own; its rate in
 * MB/s (10^6 bytes), or -1 when interrupted. */
static double
bench_mem_test(struct bench_mem_worker *w, const struct bench_mem_opts *o, const char *what)
{
	struct bench_ctl ctl;
	pthread_t th;
	int rc;

	w->ctl = &ctl;
	w->bytes = 0;
	bench_ctl_start(&ctl, what, o->tty, 1);
	if (pthread_create(&th, NULL, bench_mem_work, w) != 0)
		fatalx("bench: mem: cannot start a thread");
	rc = bench_ctl_wait(&ctl, o->duration_ns);
	pthread_join(th, NULL);
	if (rc < 0)
		return -1;
	if (w->kind == BENCH_MEM_COPY || w->kind == BENCH_MEM_TRIAD) {
		/* STREAM reports the best pass. */
		if (w->best_ns == INT64_MAX || w->best_ns <= 0)
			return 0;
		return (double)(w->n * sizeof(double) * (w->kind == BENCH_MEM_COPY ? 2 : 3)) * 1e3 /
		       (double)w->best_ns;
	}
	return (double)w->bytes * 1e3 / (double)(ctl.t1_ns - ctl.t0_ns);
}

/* Run the memory tests into res. */
int
bench_mem_run(const struct bench_mem_opts *o, struct bench_results *res)
{
	static const struct {
		enum bench_mem_kind kind;
		int ram;
		const char *metric, *what;
	} tests[] = {
		{ BENCH_MEM_READ, 0, "read_1m_block", "mem, sequential read, one 1 MiB block" },
		{ BENCH_MEM_WRITE, 0, "write_1m_block", "mem, sequential write, one 1 MiB block" },
		{ BENCH_MEM_READ, 1, "read_ram", "mem, sequential read, 1 MiB blocks over RAM" },
		{ BENCH_MEM_WRITE, 1, "write_ram", "mem, sequential write, 1 MiB blocks over RAM" },
		{ BENCH_MEM_COPY, 0, "stream_copy", "mem, STREAM copy" },
		{ BENCH_MEM_TRIAD, 0, "stream_triad", "mem, STREAM triad" },
	};
	struct bench_mem_worker w;
	size_t ram = o->ram_bytes / BENCH_MEM_BLOCK * BENCH_MEM_BLOCK, i;
	size_t *buf;
	double *arr, rate;
	int rc = 0;

	if (ram < BENCH_MEM_BLOCK)
		ram = BENCH_MEM_BLOCK;
	buf = xmalloc(ram);
	memset(buf, 1, ram); /* fault every page in before timing */
	memset(&w, 0, sizeof w);
	w.n = o->stream_bytes / sizeof(double);
	arr = xcalloc(3 * w.n, sizeof(double));
	for (i = 0; i < 3 * w.n; i++)
		arr[i] = 1.0 + (double)(i & 7);
	w.a = arr;
	w.b = arr + w.n;
	w.c = arr + 2 * w.n;
	for (i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		w.kind = tests[i].kind;
		w.buf = buf;
		w.bufbytes = tests[i].ram ? ram : BENCH_MEM_BLOCK;
		if ((rate = bench_mem_test(&w, o, tests[i].what)) < 0) {
			rc = -1;
			break;
		}
		bench_results_add(res, "mem", tests[i].metric, rate, "MB/s");
	}
	free(arr);
	free(buf);
	return rc;
}
