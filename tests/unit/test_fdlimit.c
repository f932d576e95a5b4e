/* SPDX-License-Identifier: ISC */
/* test_fdlimit.c: the descriptor limit and the caps sized from it. */
#include <sys/resource.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/fdlimit.h"

/* An eighth of what the reserve leaves, clamped to [4, 128]. */
static void
test_metrics_cap(void **state)
{
	(void)state;
	assert_int_equal(fdlimit_metrics_cap(1024), (1024 - FDLIMIT_RESERVE) / 8);
	assert_int_equal(fdlimit_metrics_cap(1024), 120);
	assert_int_equal(fdlimit_metrics_cap(64), 4); /* nothing beyond the reserve */
	assert_int_equal(fdlimit_metrics_cap(0), 4);  /* nonsense in, the floor out */
	assert_int_equal(fdlimit_metrics_cap(-5), 4);
	assert_int_equal(fdlimit_metrics_cap(200), 17);
	assert_int_equal(fdlimit_metrics_cap(1L << 20), 128);
}

/* Connect-mode sockets get what the reserve and the metrics cap leave. */
static void
test_probe_cap(void **state)
{
	(void)state;
	assert_int_equal(fdlimit_probe_cap(1024), 1024 - 64 - 120);
	assert_int_equal(fdlimit_probe_cap(100), 100 - 64 - 4);
	assert_int_equal(fdlimit_probe_cap(64), 16); /* the floor */
	assert_int_equal(fdlimit_probe_cap(1L << 20), (1L << 20) - 64 - 128);
}

/* Raising goes to the hard limit when allowed, never lowers; restore puts
 * the soft limit back as it was. */
static void
test_raise_restore(void **state)
{
	struct rlimit before, low, now;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &before), 0);
	low = before;
	if (low.rlim_max == RLIM_INFINITY || low.rlim_max > 256)
		low.rlim_cur = 256; /* room to raise */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(fdlimit_current(), (long)low.rlim_cur);
	(void)fdlimit_raise();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
	assert_true(now.rlim_cur >= low.rlim_cur);
	assert_true(now.rlim_cur == now.rlim_max || low.rlim_max == RLIM_INFINITY);
	fdlimit_restore();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
	assert_int_equal(now.rlim_cur, low.rlim_cur);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &before), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_cap),
		cmocka_unit_test(test_probe_cap),
		cmocka_unit_test(test_raise_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
