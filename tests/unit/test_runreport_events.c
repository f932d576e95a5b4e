/* SPDX-License-Identifier: ISC */
/* test_runreport_events.c: events and bench figures in a run report: the
 * model, events that are not markers, every format, the row limit and
 * escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/runreport_fixture.h"

/*
 * The fixed report with network and monitor events and bench figures: a
 * neighbour FAILED and a crash event before the "power cut" marker, vm101's
 * link down and up around it, its path, a clock step of no target, one of a
 * target that is no target here, and a bench run at T0+3s (added out of order).
 */
static struct run_report *
test_events_report(void)
{
	struct run_report *r = test_fixed_report();
	char buf[64];

	runreport_add_event(r, T0 + 5500 * MS, "vm101", "link", "link hm0 up (operstate up)");
	runreport_add_event(r, T0 + 5200 * MS, "vm101", "link", "link hm0 down (operstate down)");
	snprintf(buf, sizeof(buf), "neighbour 198.18.45.2 dev hm0 FAILED");
	runreport_add_event(r, T0 + 1000 * MS, "vm101", "neigh", buf);
	buf[0] = 'X'; /* the report holds a copy */
	runreport_add_event(r, T0 + 1000 * MS, NULL, "crash", "monitor crashed (power failure)");
	runreport_add_event(r, T0 + 100 * MS, "vm101", RR_EVENT_PATH, "via eth0 src 198.18.0.1");
	runreport_add_event(r, T0 + 9000 * MS, NULL, "clock-step", "wall clock stepped by +2.0 ms");
	runreport_add_event(r, T0 + 9100 * MS, "vm999", "link", "link other down");
	runreport_add_bench(r, T0 + 3000 * MS, "during", "mem", "copy", 12.5, "GiB/s");
	runreport_add_bench(r, T0 + 3000 * MS, "during", "mem", "latency", 81.25, "ns");
	runreport_add_bench(r, T0 + 2500 * MS, "before", "cpu", "events_1thread", 1000, "events/s");
	runreport_compute(r);
	return r;
}

/* Events and bench figures are copied and kept in time order; a target's
 * path is its latest "path" event. */
static void
test_events_model(void **state)
{
	struct run_report *r = test_events_report();

	(void)state;
	assert_int_equal(r->nevents, 7);
	assert_int_equal(r->events[0].ts_ns, T0 + 100 * MS);
	assert_string_equal(r->events[1].text, "neighbour 198.18.45.2 dev hm0 FAILED");
	assert_string_equal(r->events[1].target, "vm101");
	assert_string_equal(r->events[2].kind, "crash"); /* same time, added later */
	assert_null(r->events[2].target);
	assert_string_equal(r->events[3].text, "link hm0 down (operstate down)");
	assert_string_equal(r->events[4].text, "link hm0 up (operstate up)");
	assert_string_equal(r->events[5].kind, "clock-step");
	assert_string_equal(r->targets[0]->path, "via eth0 src 198.18.0.1");
	assert_null(r->targets[1]->path);
	assert_int_equal(r->nbench, 3);
	assert_string_equal(r->bench[0].label, "before");
	assert_string_equal(r->bench[1].metric, "copy");
	assert_string_equal(r->bench[2].metric, "latency");
	assert_true(r->bench[2].value == 81.25);
	/* A later path replaces the earlier one; NULL strings are stored as "". */
	runreport_add_event(r, T0 + 8000 * MS, "vm101", RR_EVENT_PATH, "via hm1 src 198.18.1.1");
	runreport_add_event(r, T0 + 8000 * MS, NULL, NULL, NULL);
	runreport_add_bench(r, T0, NULL, NULL, NULL, 1, NULL);
	runreport_compute(r);
	assert_string_equal(r->targets[0]->path, "via hm1 src 198.18.1.1");
	assert_string_equal(r->events[5].text, "via hm1 src 198.18.1.1");
	assert_string_equal(r->events[6].kind, "");
	assert_string_equal(r->events[6].text, "");
	assert_null(r->events[6].target);
	assert_string_equal(r->bench[0].label, "");
	assert_string_equal(r->bench[0].unit, "");
	runreport_free(r);
}

/*
 * Events are never markers: a neighbour "FAILED" or a "crash" event does not
 * become the failover marker, neither with no marker at all (a failover run
 * would take its first marker) nor before a real one.
 */
static void
test_events_not_markers(void **state)
{
	struct run_report *r = runreport_new();
	char *s;

	(void)state;
	r->kind = RUN_KIND_FAILOVER;
	runreport_add_target(r, "vm", NULL);
	runreport_add_event(r, 1000, "vm", "neigh", "neighbour 198.18.45.2 dev hm0 FAILED");
	runreport_add_event(r, 2000, NULL, "crash", "power failure, fence, cut");
	runreport_compute(r);
	assert_int_equal(r->nmarkers, 0);
	assert_int_equal(r->failover_index, -1);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(s, "\"markers\":[],"));
	assert_non_null(strstr(s, "\"failover_marker\":null,"));
	free(s);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_null(strstr(s, "Failover from marker"));
	assert_null(strstr(s, "\nMarkers\n"));
	free(s);
	runreport_free(r);

	r = test_events_report();
	assert_int_equal(r->nmarkers, 1);
	assert_int_equal(r->failover_index, 0);
	assert_string_equal(r->markers[r->failover_index].label, "power cut");
	/* The failover figures are still measured from the marker at T0+5s. */
	assert_int_equal(r->targets[0]->failover.recovery_ns, 2501 * MS);
	runreport_free(r);
}

/* Every format shows the events and the bench figures; CSV stays as it was. */
static void
test_events_render(void **state)
{
	struct run_report *r = test_events_report(), *plain = test_fixed_report();
	char *s, *t;

	(void)state;
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(
		strstr(s, "  vm101-ssh          none  -                               0        0"
			  "             -         0       0\n"
			  "  vm101      url: icmp://192.0.2.10\n"
			  "  vm101-ssh  url: tcp://192.0.2.10:22\n"
			  "  vm101      longest outage: 2.000s\n"
			  "  vm101      availability: 80.00000% [70.00000, 90.00000]\n"
			  "  vm101      path: via eth0 src 198.18.0.1\n\nRTT ms"));
	assert_non_null(strstr(
		s,
		"\nNetwork and monitor events\n"
		"  2025-09-10 00:34:07.000  vm101      neigh       neighbour 198.18.45.2 dev hm0 "
		"FAILED\n"
		"  2025-09-10 00:34:07.000  -          crash       monitor crashed (power "
		"failure)\n"
		"  2025-09-10 00:34:11.200  vm101      link        link hm0 down (operstate down)\n"
		"  2025-09-10 00:34:11.500  vm101      link        link hm0 up (operstate up)\n"
		"  2025-09-10 00:34:15.000  -          clock-step  wall clock stepped by +2.0 ms\n"
		"  2025-09-10 00:34:15.100  vm999      link        link other down\n"
		"\nBenchmarks during this run\n"
		"  STARTED                  LABEL   TEST  METRIC                   VALUE  UNIT\n"
		"  2025-09-10 00:34:08.500  before  cpu   events_1thread         1000.00  "
		"events/s\n"
		"  2025-09-10 00:34:09.000  during  mem   copy                     12.50  GiB/s\n"
		"  2025-09-10 00:34:09.000  during  mem   latency                  81.25  ns\n"
		"\nLoss periods of vm101\n"));
	/* The path is shown with its target, not in the list. */
	assert_int_equal(test_count(s, "via eth0"), 1);
	free(s);

	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(strstr(s, "\n- vm101 path: via eth0 src 198.18.0.1\n"));
	assert_non_null(strstr(
		s, "\n**Network and monitor events**\n\n| Time | Target | Kind | Event |\n"
		   "|---|---|---|---|\n"
		   "| 2025-09-10 00:34:07.000 | vm101 | neigh | neighbour 198.18.45.2 dev hm0 "
		   "FAILED |\n"
		   "| 2025-09-10 00:34:07.000 | - | crash | monitor crashed (power failure) |\n"));
	assert_non_null(strstr(s, "| 2025-09-10 00:34:15.000 | - | clock-step | wall clock stepped "
				  "by +2.0 ms |\n"));
	assert_non_null(strstr(s, "\n**Benchmarks during this run**\n\n| Started | Label | Test | "
				  "Metric | Value | Unit |\n|---|---|---|---|--:|---|\n"
				  "| 2025-09-10 00:34:08.500 | before | cpu | events\\_1thread | "
				  "1000.00 | events/s |\n"));
	free(s);

	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(
		s,
		"\"unknown\":[],\"events\":["
		"{\"time\":\"2025-09-10T00:34:07.000000Z\",\"target\":\"vm101\",\"kind\":\"neigh\","
		"\"text\":\"neighbour 198.18.45.2 dev hm0 FAILED\"},"
		"{\"time\":\"2025-09-10T00:34:07.000000Z\",\"target\":null,\"kind\":\"crash\","
		"\"text\":\"monitor crashed (power failure)\"},"
		"{\"time\":\"2025-09-10T00:34:11.200000Z\",\"target\":\"vm101\",\"kind\":\"link\","
		"\"text\":\"link hm0 down (operstate down)\"},"
		"{\"time\":\"2025-09-10T00:34:11.500000Z\",\"target\":\"vm101\",\"kind\":\"link\","
		"\"text\":\"link hm0 up (operstate up)\"},"
		"{\"time\":\"2025-09-10T00:34:15.000000Z\",\"target\":null,\"kind\":\"clock-step\","
		"\"text\":\"wall clock stepped by +2.0 ms\"},"
		"{\"time\":\"2025-09-10T00:34:15.100000Z\",\"target\":\"vm999\",\"kind\":\"link\","
		"\"text\":\"link other down\"}],"
		"\"bench\":[{\"time\":\"2025-09-10T00:34:08.500000Z\",\"label\":\"before\","
		"\"test\":\"cpu\","
		"\"metric\":\"events_1thread\",\"value\":1000.000,\"unit\":\"events/s\"},"
		"{\"time\":\"2025-09-10T00:34:09.000000Z\",\"label\":\"during\",\"test\":\"mem\","
		"\"metric\":\"copy\",\"value\":12.500,\"unit\":\"GiB/s\"},"
		"{\"time\":\"2025-09-10T00:34:09.000000Z\",\"label\":\"during\",\"test\":\"mem\","
		"\"metric\":\"latency\",\"value\":81.250,\"unit\":\"ns\"}],"
		"\"failover_marker\":{\"label\":\"power cut\""));
	assert_non_null(strstr(s, "{\"target\":\"vm101\",\"url\":\"icmp://192.0.2.10\","
				  "\"path\":\"via eth0 src 198.18.0.1\",\"downtime_ms\":"));
	assert_non_null(strstr(s, "{\"target\":\"vm101-ssh\",\"url\":\"tcp://192.0.2.10:22\","
				  "\"path\":null,"));
	free(s);

	/* CSV has nothing new but vm101's path, in the last column. */
	s = test_render(r, NULL, RR_FMT_CSV);
	t = test_render(plain, NULL, RR_FMT_CSV);
	assert_non_null(strstr(s, ",45.000,via eth0 src 198.18.0.1\n"));
	assert_int_equal(strlen(s), strlen(t) + strlen("via eth0 src 198.18.0.1"));
	free(s);
	free(t);

	/*
	 * HTML: vm101's timeline has its 4 listed events and the 2 of no target,
	 * the neighbour and the crash at the same time sharing a tick; vm101-ssh's
	 * only those 2; vm999's event is on no timeline. One bench line per bench
	 * run and timeline. The table lists all 6.
	 */
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_int_equal(test_count(s, "<rect class=\"nlevent\""), 4 + 2);
	assert_int_equal(test_count(s, "<line class=\"benchline\""), 2 * 2);
	assert_int_equal(test_count(s, "<title>00:34:07.000 neigh: neighbour 198.18.45.2 dev hm0 "
				       "FAILED (and 1 more here)</title>"),
			 1);
	assert_int_equal(test_count(s, "<title>00:34:07.000 crash: monitor crashed (power failure)"
				       "</title>"),
			 1);
	assert_int_equal(test_count(s, "link hm0 down (operstate down)</title>"), 1);
	assert_int_equal(test_count(s, "<title>00:34:15.000 clock-step: wall clock stepped by "
				       "+2.0 ms</title>"),
			 2);
	assert_int_equal(test_count(s, "<title>bench during started</title>"), 2);
	assert_non_null(strstr(s, "<h2>Network and monitor events</h2>"));
	assert_non_null(strstr(s, "<tr><td class=\"n\">2025-09-10 00:34:15.100</td><td>vm999</td>"
				  "<td>link</td><td>link other down</td></tr>\n"));
	assert_non_null(strstr(s, "<h2>Benchmarks during this run</h2>"));
	assert_non_null(strstr(s, "<td>mem</td><td>latency</td><td class=\"n\">81.25</td>"
				  "<td>ns</td></tr>\n"));
	assert_non_null(
		strstr(s, "<br><small class=\"path\">path: via eth0 src 198.18.0.1</small>"));
	assert_int_equal(test_count(s, "sw sw-e"), 1);
	assert_int_equal(test_count(s, "sw sw-k"), 1);
	free(s);
	/* Without events or bench: no section, no tick, no legend entry. */
	s = test_render(plain, NULL, RR_FMT_HTML);
	assert_null(strstr(s, "class=\"nlevent\""));
	assert_null(strstr(s, "class=\"benchline\""));
	assert_null(strstr(s, "Network and monitor events"));
	assert_null(strstr(s, "Benchmarks during"));
	assert_null(strstr(s, "sw sw-e"));
	free(s);
	s = test_render(plain, NULL, RR_FMT_TEXT);
	assert_null(strstr(s, "Network and monitor events"));
	assert_null(strstr(s, "path:"));
	free(s);
	runreport_free(plain);
	runreport_free(r);
}

/* At most RENDER_LOSS_ROWS (50) events in text and Markdown, then "... N more";
 * events within a pixel share one HTML tick. */
static void
test_events_limit(void **state)
{
	struct run_report *r = runreport_new();
	char *s, text[32];
	int i;

	(void)state;
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 10000 * MS;
	runreport_add_target(r, "vm", NULL);
	for (i = 0; i < 70; i++) {
		snprintf(text, sizeof(text), "flap %d", i);
		runreport_add_event(r, T0 + 1000 * MS + i * US, "vm", "neigh", text);
	}
	runreport_add_event(r, T0 + 9000 * MS, "vm", "neigh", "late");
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(strstr(s, "neigh       flap 49\n  ... 21 more\n"));
	assert_null(strstr(s, "flap 50"));
	free(s);
	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(strstr(s, "| neigh | flap 49 |\n| ... 21 more | | | |\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_int_equal(test_count(s, "<rect class=\"nlevent\""), 2);
	assert_non_null(strstr(s, "neigh: flap 0 (and 69 more here)</title>"));
	assert_non_null(strstr(s, "neigh: late</title>"));
	assert_non_null(strstr(s, "<td>flap 69</td>"));
	free(s);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_int_equal(test_count(s, "\"kind\":\"neigh\""), 71);
	free(s);
	runreport_free(r);
}

/* Target, kind, text and bench strings with <>&"| and a newline are escaped
 * in every format. */
static void
test_events_escaping(void **state)
{
	struct run_report *r = runreport_new();
	char *s;

	(void)state;
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 10000 * MS;
	runreport_add_target(r, "a<t>", NULL);
	runreport_add_event(r, T0 + 1000 * MS, "a<t>", "li<nk", "x<b>&\"y\"|\nz\xff");
	runreport_add_event(r, T0 + 500 * MS, "a<t>", RR_EVENT_PATH, "via <e>&");
	runreport_add_bench(r, T0 + 2000 * MS, "l<a>", "m|e", "c*\"", 1.5, "u\n<");
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_null(strstr(s, "x<b>"));
	assert_null(strstr(s, "li<nk"));
	assert_null(strstr(s, "l<a>"));
	assert_null(strstr(s, "<e>"));
	/* Tick title and table row. */
	assert_int_equal(test_count(s, "x&lt;b&gt;&amp;&quot;y&quot;|\\x0az&#xfffd;"), 2);
	assert_non_null(strstr(s, "li&lt;nk: x&lt;b&gt;"));
	assert_non_null(strstr(s, "<title>bench l&lt;a&gt; started</title>"));
	assert_non_null(strstr(s, "<td>l&lt;a&gt;</td><td>m|e</td><td>c*&quot;</td>"
				  "<td class=\"n\">1.50</td><td>u\\x0a&lt;</td>"));
	assert_non_null(strstr(s, "path: via &lt;e&gt;&amp;</small>"));
	free(s);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(s, "\"target\":\"a<t>\",\"kind\":\"li<nk\","
				  "\"text\":\"x<b>&\\\"y\\\"|\\nz\\ufffd\"}"));
	assert_non_null(strstr(s, "\"label\":\"l<a>\",\"test\":\"m|e\",\"metric\":\"c*\\\"\","
				  "\"value\":1.500,\"unit\":\"u\\n<\"}"));
	assert_non_null(strstr(s, "\"path\":\"via <e>&\""));
	free(s);
	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(
		strstr(s, "| a\\<t\\> | li\\<nk | x\\<b\\>&amp;\"y\"\\|\\\\x0az\\\\xff |\n"));
	assert_non_null(strstr(s, "| l\\<a\\> | m\\|e | c\\*\" | 1.50 | u\\\\x0a\\< |\n"));
	assert_non_null(strstr(s, "- a\\<t\\> path: via \\<e\\>&amp;\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(strstr(s, "  a<t>    li<nk       x<b>&\"y\"|\\x0az\\xff\n"));
	assert_null(strstr(s, "\nz"));
	free(s);
	runreport_free(r);
}

/* Run every test, times in UTC. */
int
main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_model),
		cmocka_unit_test(test_events_not_markers),
		cmocka_unit_test(test_events_render),
		cmocka_unit_test(test_events_limit),
		cmocka_unit_test(test_events_escaping),
	};
	/* clang-format on */

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
