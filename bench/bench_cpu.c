/* SPDX-License-Identifier: ISC */
/* bench_cpu.c: the CPU test, prime search by trial division, the same work
 * per event as `sysbench cpu` so that events per second compare. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "bench/bench_int.h"
#include "lib/log.h"
#include "lib/xalloc.h"

/*
 * Why it is written this way: the figure is only comparable with sysbench's
 * if the instructions per event are alike. sysbench 1.0 computes 64-bit
 * unsigned remainders (a hardware divide, the bulk of the time) and compares
 * the divisor with sqrt(c) held as a double, so the loop below does exactly
 * that; a 32-bit divide or an integer square root would make it faster and
 * the comparison meaningless. noinline keeps the compiler from hoisting the
 * work out of the event loop.
 */
__attribute__((noinline)) uint64_t
bench_cpu_event(uint64_t max_prime)
{
	uint64_t found = max_prime > 2 ? 1 : 0; /* 2: no division needed */
	uint64_t c, d;
	double lim;

	for (c = 3; c < max_prime; c++) {
		lim = sqrt((double)c);
		for (d = 2; d <= lim; d++)
			if (c % d == 0)
				break;
		if (d > lim)
			found++;
	}
	return found;
}

/* The same loop, counting the remainders instead of the primes. */
uint64_t
bench_cpu_event_ops(uint64_t max_prime)
{
	uint64_t ops = 0, c, d;
	double lim;

	for (c = 3; c < max_prime; c++) {
		lim = sqrt((double)c);
		for (d = 2; d <= lim; d++) {
			ops++;
			if (c % d == 0)
				break;
		}
	}
	return ops;
}

struct bench_cpu_worker {
	pthread_t thread;
	struct bench_ctl *ctl;
	uint64_t events;
	uint64_t sink;
};

/* A CPU worker: whole events until told to stop. */
static void *
bench_cpu_work(void *arg)
{
	struct bench_cpu_worker *w = arg;

	while (!bench_ctl_stopped(w->ctl)) {
		w->sink += bench_cpu_event(BENCH_CPU_MAX_PRIME);
		w->events++;
	}
	bench_ctl_worker_done(w->ctl);
	return NULL;
}

/* Events per second of nthreads threads over duration_ns. */
double
bench_cpu_run(int nthreads, int64_t duration_ns, int tty, const char *what)
{
	struct bench_cpu_worker *w = xcalloc((size_t)nthreads, sizeof *w);
	struct bench_ctl ctl;
	uint64_t events = 0;
	int i, started = 0, rc;
	double rate;

	bench_ctl_start(&ctl, what, tty, nthreads);
	for (i = 0; i < nthreads; i++) {
		w[i].ctl = &ctl;
		if ((rc = pthread_create(&w[i].thread, NULL, bench_cpu_work, &w[i])) != 0) {
			log_warnx("bench: cpu: cannot start thread %d of %d", i + 1, nthreads);
			__atomic_sub_fetch(&ctl.running, nthreads - i, __ATOMIC_RELEASE);
			break;
		}
		started++;
	}
	rc = bench_ctl_wait(&ctl, duration_ns);
	for (i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		events += w[i].events;
	}
	free(w);
	if (rc < 0 || started < nthreads)
		return -1;
	/* Events finished in flight at the stop are counted, as sysbench does;
	 * each is well under a millisecond. */
	rate = (double)events * 1e9 / (double)(ctl.t1_ns - ctl.t0_ns);
	return rate;
}
