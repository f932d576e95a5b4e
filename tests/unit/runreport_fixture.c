/* SPDX-License-Identifier: ISC */
/* runreport_fixture.c: the helpers the run report's unit test programs
 * share (see runreport_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/runreport_fixture.h"

/* Render r (or a, when r is NULL) in fmt into a malloc'd string. */
char *
test_render(const struct run_report *r, const struct run_aggregate *a, enum rr_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	if (r != NULL)
		assert_int_equal(runreport_render(r, fmt, fp), 0);
	else
		assert_int_equal(runagg_render(a, fmt, fp), 0);
	fclose(fp);
	return buf;
}

/* Occurrences of needle in haystack. */
size_t
test_count(const char *haystack, const char *needle)
{
	size_t n = 0;

	while ((haystack = strstr(haystack, needle)) != NULL) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

/*
 * The fixed report: monitoring [T0, T0+10s), the command [T0+2s, T0+8s),
 * marker "power cut" at T0+5s; vm101 probed once a second at T0+0.5s ..
 * T0+8.5s, probes at 5.5 s and 6.5 s lost (one burst, also an outage);
 * vm101-ssh has no data at all.
 */
struct run_report *
test_fixed_report(void)
{
	static const int64_t tx[] = { 500, 1500, 2500, 3500, 4500, 5500, 6500, 7500, 8500 };
	static const int64_t rtt[] = { 1000, 2000, 1500, 500, 3000, -1, -1, 1000, 4000 };
	static const char hv[] = "2025-09-10 00:34:33 average migration speed: 152.3 MiB/s - "
				 "downtime 45 ms\nTASK OK\n";
	struct rr_burst b = {
		RR_BURST, T0 + 5000 * MS, T0 + 7000 * MS, 1000 * MS, 3000 * MS, 2, 0
	};
	struct run_report *r = runreport_new();
	struct rr_target *t;
	struct hvparse *p = hvparse_new();
	size_t i;

	r->id = 7;
	r->kind = RUN_KIND_MIGRATION;
	runreport_set_label(r, "migrate-101");
	runreport_set_command(r, "qm migrate 101 pve2 --online");
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 10000 * MS;
	r->start_ns = T0 + 2000 * MS;
	r->end_ns = T0 + 8000 * MS;
	r->exit_status = 0;
	r->output_bytes = 3437;
	hvparse_feed(p, hv, sizeof(hv) - 1);
	r->hv = *hvparse_result(p);
	hvparse_free(p);
	runreport_add_marker(r, T0 + 5000 * MS, "power cut");
	t = runreport_add_target(r, "vm101", "icmp://192.0.2.10");
	t->sent = 9;
	t->lost = 2;
	for (i = 0; i < 9; i++)
		runreport_add_sample(t, T0 + tx[i] * MS, rtt[i] < 0 ? -1 : rtt[i] * US);
	runreport_add_burst(t, &b);
	b.kind = RR_OUTAGE;
	runreport_add_burst(t, &b);
	runreport_add_target(r, "vm101-ssh", "tcp://192.0.2.10:22");
	runreport_compute(r);
	return r;
}
