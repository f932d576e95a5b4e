/* SPDX-License-Identifier: ISC */
/* bench_ctl.c: timing, progress and interruption of the timed tests, and
 * the result list they fill. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_int.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"

volatile sig_atomic_t bench_signal;

#define BENCH_TICK_NS (100 * NSEC_PER_MSEC)

/* Start timing a test that nworkers threads are about to run. */
void
bench_ctl_start(struct bench_ctl *c, const char *what, int tty, int nworkers)
{
	memset(c, 0, sizeof *c);
	c->what = what;
	c->tty = tty;
	c->running = nworkers;
	c->t0_ns = time_mono_ns();
	if (!tty)
		fprintf(stderr, "hamon: bench: %s\n", what);
}

/* Sleep ns, or until a signal interrupts the sleep. */
static void
bench_ctl_nap(int64_t ns)
{
	struct timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };

	nanosleep(&ts, NULL);
}

/* Show progress until duration_ns has passed since the start, a signal
 * came or every worker finished; then tell the workers to stop. */
int
bench_ctl_wait(struct bench_ctl *c, int64_t duration_ns)
{
	int64_t now, end = c->t0_ns + duration_ns;

	while (!bench_signal && __atomic_load_n(&c->running, __ATOMIC_ACQUIRE) > 0 &&
	       (now = time_mono_ns()) < end) {
		if (c->tty)
			fprintf(stderr, "\r\033[K%s  %.1fs / %.1fs", c->what,
				(double)(now - c->t0_ns) / NSEC_PER_SEC,
				(double)duration_ns / NSEC_PER_SEC);
		bench_ctl_nap(end - now < BENCH_TICK_NS ? end - now : BENCH_TICK_NS);
	}
	c->t1_ns = time_mono_ns();
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	bench_progress_clear(c->tty);
	return bench_signal ? -1 : 0;
}

/* A worker has finished. */
void
bench_ctl_worker_done(struct bench_ctl *c)
{
	__atomic_sub_fetch(&c->running, 1, __ATOMIC_RELEASE);
}

/* Whether the workers must stop. */
int
bench_ctl_stopped(const struct bench_ctl *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) || bench_signal;
}

/* A progress line for untimed work: \r-updated on a tty, a plain line otherwise. */
void
bench_progress(int tty, const char *fmt, ...)
{
	va_list ap;

	fputs(tty ? "\r\033[K" : "hamon: bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!tty)
		fputc('\n', stderr);
}

/* Erase the progress line on a tty. */
void
bench_progress_clear(int tty)
{
	if (tty)
		fputs("\r\033[K", stderr);
}

/* Copy src into a fixed buffer of n bytes, cut if longer. */
static void
bench_copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

/* Append one figure to r. */
void
bench_results_add(struct bench_results *r, const char *test, const char *metric, double value,
		  const char *unit)
{
	struct bench_store_result *x;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->v = xreallocarray(r->v, r->cap, sizeof *r->v);
	}
	x = &r->v[r->n++];
	memset(x, 0, sizeof *x);
	bench_copy(x->test, sizeof x->test, test);
	bench_copy(x->metric, sizeof x->metric, metric);
	bench_copy(x->unit, sizeof x->unit, unit);
	x->value = value;
}

/* Free the list's storage. */
void
bench_results_free(struct bench_results *r)
{
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* value relative to base. */
double
bench_ratio(double value, double base)
{
	if (isnan(value) || isnan(base) || !(base > 0))
		return NAN;
	return value / base;
}
