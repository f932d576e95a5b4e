/* SPDX-License-Identifier: ISC */
/* fdlimit.c: the descriptor limit and the caps sized from it. */
#include <sys/resource.h>

#include "lib/fdlimit.h"

#define FDLIMIT_METRICS_MIN 4
#define FDLIMIT_METRICS_MAX 128 /* a fleet has one or two scrapers per node */

static struct rlimit fdlimit_orig; /* before fdlimit_raise(), for children */
static int fdlimit_raised;

/* The soft limit, 1024 when getrlimit() fails. */
long
fdlimit_current(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)1 << 30)
		return 1L << 30;
	return (long)rl.rlim_cur;
}

/* Soft to hard: connect-mode probes and scrapes all take descriptors, and
 * the 1 024 that most systems start a process with is an accident of
 * select(), which hamon does not use. */
long
fdlimit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		fdlimit_orig = rl;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			fdlimit_raised = 1;
	}
	return fdlimit_current();
}

/* A command started by hamon gets the limit hamon was started with: some
 * programs still use select(), which breaks on descriptors past 1 023. */
void
fdlimit_restore(void)
{
	if (fdlimit_raised)
		(void)setrlimit(RLIMIT_NOFILE, &fdlimit_orig);
}

/* An eighth of the descriptors beyond the reserve, within bounds. */
size_t
fdlimit_metrics_cap(long limit)
{
	long n = (limit - FDLIMIT_RESERVE) / 8;

	if (n < FDLIMIT_METRICS_MIN)
		return FDLIMIT_METRICS_MIN;
	if (n > FDLIMIT_METRICS_MAX)
		return FDLIMIT_METRICS_MAX;
	return (size_t)n;
}

/* The rest, for probes that take a descriptor each. */
size_t
fdlimit_probe_cap(long limit)
{
	long n = limit - FDLIMIT_RESERVE - (long)fdlimit_metrics_cap(limit);

	return n < 16 ? 16 : (size_t)n;
}
