/* SPDX-License-Identifier: ISC */
/* runreport_fixture.h: what the run report's unit test programs
 * (test_runreport, test_render, test_runreport_events) share: the fixed
 * report, rendering into a string and counting what it holds. */
#ifndef HAMON_TESTS_UNIT_RUNREPORT_FIXTURE_H
#define HAMON_TESTS_UNIT_RUNREPORT_FIXTURE_H

#include <stddef.h>

#include "lib/timeutil.h"
#include "report/runreport.h"

/* 2025-09-10T00:34:06Z, the start of the fixed report's monitoring. */
#define T0 (1757464446LL * NSEC_PER_SEC)
#define MS NSEC_PER_MSEC
#define US NSEC_PER_USEC

/* Render r (or a, when r is NULL) in fmt into a malloc'd string. */
char *test_render(const struct run_report *r, const struct run_aggregate *a, enum rr_format fmt);
/* Occurrences of needle in haystack. */
size_t test_count(const char *haystack, const char *needle);
/*
 * The fixed report: monitoring [T0, T0+10s), the command [T0+2s, T0+8s),
 * marker "power cut" at T0+5s; vm101 probed once a second at T0+0.5s ..
 * T0+8.5s, probes at 5.5 s and 6.5 s lost (one burst, also an outage);
 * vm101-ssh has no data at all.
 */
struct run_report *test_fixed_report(void);

#endif
