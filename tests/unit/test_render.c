/* SPDX-License-Identifier: ISC */
/* test_render.c: the run report's renderers: JSON, CSV, text, Markdown
 * and HTML of the fixed report exactly, escaping, HTML decimation, and
 * the unknown windows in every format. */
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

/* JSON of the fixed report, exactly: RFC 3339 UTC times, ms with 3 decimals, nulls. */
static void
test_render_json(void **state)
{
	struct run_report *r = test_fixed_report();
	char *s = test_render(r, NULL, RR_FMT_JSON);

	(void)state;
	assert_string_equal(
		s,
		"{\"run\":{\"id\":7,\"label\":\"migrate-101\",\"kind\":\"migration\","
		"\"command\":\"qm migrate 101 pve2 --online\",\"host\":null,"
		"\"start\":\"2025-09-10T00:34:08.000000Z\",\"end\":\"2025-09-10T00:34:14.000000Z\","
		"\"duration_ms\":6000.000,\"exit_status\":0,\"exit_signal\":null,\"output_bytes\":"
		"3437,"
		"\"monitor_start\":\"2025-09-10T00:34:06.000000Z\","
		"\"monitor_end\":\"2025-09-10T00:34:16.000000Z\",\"unknown_ms\":0.000,"
		"\"timing\":null},"
		"\"hypervisor\":{\"downtime_source\":\"tasklog\",\"downtime_ms\":45.000,"
		"\"downtime_count\":1,\"qmp_pause_ms\":null,\"duration_ms\":null,\"qmp_total_ms\":"
		"null,"
		"\"transferred_bytes\":null,\"transferred_source\":null,"
		"\"speed_limit_bytes_per_s\":null,\"migrate_start\":null,"
		"\"migrate_done\":null,\"downtime_limits\":[],\"migrate_error\":null,"
		"\"task_status\":\"ok\",\"task_warnings\":null,\"task_error\":null,\"error_lines\":"
		"0,"
		"\"warn_lines\":0,\"first_error\":null,\"backup_vmid\":null,\"backup_type\":null,"
		"\"backup_count\":null,\"backup_failed\":null,"
		"\"backup_duration_ms\":null,\"backup_transfer_ms\":null,\"backup_bytes\":null,"
		"\"archive_bytes\":null,\"guest_pause_ms\":null,\"backup_job\":null,"
		"\"ha_events_dropped\":0,\"ha_events\":[]},"
		"\"markers\":[{\"label\":\"power cut\",\"time\":\"2025-09-10T00:34:11.000000Z\"}],"
		"\"spans\":[],\"unknown\":[],\"events\":[],\"bench\":[],"
		"\"failover_marker\":{\"label\":\"power cut\","
		"\"time\":\"2025-09-10T00:34:11.000000Z\"},\"targets\":[{\"target\":\"vm101\","
		"\"url\":\"icmp://192.0.2.10\",\"path\":null,\"downtime_ms\":2000.000,"
		"\"downtime_lower_ms\":1000.000,\"downtime_upper_ms\":3000.000,\"bursts\":1,"
		"\"outages\":1,\"longest_outage_ms\":2000.000,\"longest_gap_ms\":3000.000,\"sent\":"
		"9,"
		"\"lost\":2,\"unknown_ms\":0.000,\"availability_pct\":80.00000,"
		"\"availability_lower_pct\":70.00000,\"availability_upper_pct\":90.00000,"
		"\"rtt\":{\"before\":{\"n\":2,\"lost\":0,\"p50_"
		"ms\":1.500,"
		"\"p99_ms\":1.990,\"max_ms\":2.000},\"during\":{\"n\":4,\"lost\":2,\"p50_ms\":1."
		"250,"
		"\"p99_ms\":2.955,\"max_ms\":3.000},\"after\":{\"n\":1,\"lost\":0,\"p50_ms\":4.000,"
		"\"p99_ms\":4.000,\"max_ms\":4.000}},\"failover\":{\"from_samples\":true,"
		"\"outage_start\":\"2025-09-10T00:34:11.000000Z\","
		"\"outage_end\":\"2025-09-10T00:34:13.000000Z\","
		"\"last_reply\":\"2025-09-10T00:34:10.503000Z\","
		"\"first_reply\":\"2025-09-10T00:34:13.501000Z\",\"to_last_reply_ms\":-497.000,"
		"\"recovery_ms\":2501.000,\"gap_ms\":2998.000},\"losses\":[{\"kind\":\"burst\","
		"\"start\":\"2025-09-10T00:34:11.000000Z\",\"end\":\"2025-09-10T00:34:13.000000Z\","
		"\"duration_ms\":2000.000,\"lower_ms\":1000.000,\"upper_ms\":3000.000,\"lost\":2,"
		"\"end_state\":\"closed\"},{\"kind\":\"outage\",\"start\":\"2025-09-10T00:34:11."
		"000000Z\","
		"\"end\":\"2025-09-10T00:34:13.000000Z\",\"duration_ms\":2000.000,"
		"\"lower_ms\":1000.000,\"upper_ms\":3000.000,\"lost\":2,\"end_state\":\"closed\"}]}"
		","
		"{\"target\":\"vm101-ssh\",\"url\":\"tcp://192.0.2.10:22\",\"path\":null,"
		"\"downtime_ms\":0.000,"
		"\"downtime_lower_ms\":0.000,\"downtime_upper_ms\":0.000,\"bursts\":0,\"outages\":"
		"0,"
		"\"longest_outage_ms\":null,\"longest_gap_ms\":null,\"sent\":0,\"lost\":0,"
		"\"unknown_ms\":0.000,\"availability_pct\":null,\"availability_lower_pct\":null,"
		"\"availability_upper_pct\":null,"
		"\"rtt\":{\"before\":{\"n\":0,\"lost\":0,\"p50_ms\":null,\"p99_ms\":null,"
		"\"max_ms\":null},\"during\":{\"n\":0,\"lost\":0,\"p50_ms\":null,\"p99_ms\":null,"
		"\"max_ms\":null},\"after\":{\"n\":0,\"lost\":0,\"p50_ms\":null,\"p99_ms\":null,"
		"\"max_ms\":null}},\"failover\":null,\"losses\":[]}]}\n");
	free(s);
	runreport_free(r);
}

/* CSV of the fixed report, exactly: one row per target, empty fields for unknown. */
static void
test_render_csv(void **state)
{
	struct run_report *r = test_fixed_report();
	char *s = test_render(r, NULL, RR_FMT_CSV);

	(void)state;
	assert_string_equal(
		s,
		"run_id,label,kind,start,end,exit_status,target,url,downtime_ms,downtime_lower_ms,"
		"downtime_upper_ms,bursts,outages,longest_outage_ms,longest_gap_ms,sent,lost,"
		"unknown_ms,availability_pct,availability_lower_pct,availability_upper_pct,"
		"rtt_before_p50_ms,rtt_before_p99_ms,rtt_before_max_ms,rtt_during_p50_ms,"
		"rtt_during_p99_ms,rtt_during_max_ms,rtt_after_p50_ms,rtt_after_p99_ms,"
		"rtt_after_max_ms,failover_to_last_reply_ms,failover_recovery_ms,failover_gap_ms,"
		"hv_downtime_ms,path\n7,migrate-101,migration,2025-09-10T00:34:08.000000Z,"
		"2025-09-10T00:34:14.000000Z,0,vm101,icmp://"
		"192.0.2.10,2000.000,1000.000,3000.000,1,"
		"1,2000.000,3000.000,9,2,0.000,80.00000,70.00000,90.00000,1.500,1.990,2.000,1.250,2.955,3.000,4.000,4.000,4."
		"000,"
		"-497.000,2501.000,2998.000,45.000,\n7,migrate-101,migration,"
		"2025-09-10T00:34:08.000000Z,2025-09-10T00:34:14.000000Z,0,vm101-ssh,"
		"tcp://192.0.2.10:22,0.000,0.000,0.000,0,0,,,0,0,0.000,,,,,,,,,,,,,,,,45.000,\n");
	free(s);
	runreport_free(r);
}

/* Text of the fixed report, exactly (TZ=UTC). */
static void
test_render_text(void **state)
{
	struct run_report *r = test_fixed_report();
	char *s = test_render(r, NULL, RR_FMT_TEXT);

	(void)state;
	assert_string_equal(
		s, "Run 7  migrate-101  (migration)\n"
		   "  command                qm migrate 101 pve2 --online\n"
		   "  started                2025-09-10 00:34:08.000\n"
		   "  ended                  2025-09-10 00:34:14.000  (6.000s)\n"
		   "  exit status            0\n"
		   "  output                 3437 bytes\n"
		   "  monitored              2025-09-10 00:34:06.000 .. 2025-09-10 00:34:16.000\n"
		   "\n"
		   "Hypervisor\n"
		   "  QEMU downtime          45 ms (task log)\n"
		   "  Task status            OK\n"
		   "\n"
		   "Targets\n"
		   "  TARGET         DOWNTIME  BOUNDS                     BURSTS  OUTAGES   "
		   "LONGEST GAP      SENT    LOST\n"
		   "  vm101            2.000s  [1.000s, 3.000s]                1        1        "
		   "3.000s         9       2\n"
		   "  vm101-ssh          none  -                               0        0          "
		   "   -         0       0\n"
		   "  vm101      url: icmp://192.0.2.10\n"
		   "  vm101-ssh  url: tcp://192.0.2.10:22\n"
		   "  vm101      longest outage: 2.000s\n"
		   "  vm101      availability: 80.00000% [70.00000, 90.00000]\n"
		   "\n"
		   "RTT ms, p50 / p99 / max\n"
		   "  TARGET     BEFORE                      DURING                      AFTER\n"
		   "  vm101      1.500 / 1.990 / 2.000       1.250 / 2.955 / 3.000       4.000 / "
		   "4.000 / 4.000\n"
		   "  vm101-ssh  -                           -                           -\n"
		   "\n"
		   "Failover from marker \"power cut\" at 2025-09-10 00:34:11.000\n"
		   "  TARGET     LAST REPLY    FIRST REPLY        TO LAST      RECOVERY           "
		   "GAP\n"
		   "  vm101      00:34:10.503  00:34:13.501    -497.000ms        2.501s        "
		   "2.998s\n"
		   "  vm101-ssh  no outage after the marker\n"
		   "\n"
		   "Markers\n"
		   "  2025-09-10 00:34:11.000  power cut\n"
		   "\n"
		   "Loss periods of vm101\n"
		   "  burst   2025-09-10 00:34:11.000        2.000s  [1.000s, 3.000s]  2 lost\n"
		   "  outage  2025-09-10 00:34:11.000        2.000s  [1.000s, 3.000s]  2 lost\n");
	free(s);
	runreport_free(r);
}

/* Markdown of the fixed report: the tables a ticket needs. */
static void
test_render_md(void **state)
{
	struct run_report *r = test_fixed_report();
	char *s = test_render(r, NULL, RR_FMT_MD);

	(void)state;
	assert_non_null(strstr(s, "### hamon run 7: migrate-101 (migration)\n"));
	assert_non_null(strstr(s, "| QEMU downtime | 45 ms (task log) |\n"));
	assert_non_null(
		strstr(s, "| vm101 | 2.000s | 1.000s .. 3.000s | 1 | 1 | 3.000s | 9 | 2 |\n"));
	assert_non_null(strstr(s, "| vm101 | 1.500 / 1.990 / 2.000 | 1.250 / 2.955 / 3.000 | "
				  "4.000 / 4.000 / 4.000 |\n"));
	assert_non_null(strstr(s, "| vm101 | 2025-09-10 00:34:10.503 | 2025-09-10 00:34:13.501 | "
				  "-497.000ms | 2.501s | 2.998s |\n"));
	assert_non_null(strstr(s, "| vm101-ssh | no outage | - | - | - | - |\n"));
	/* Drift that the row model fixed: Markdown shows these as text does. */
	assert_non_null(strstr(s, "| Command output | 3437 bytes |\n"));
	assert_non_null(
		strstr(s, "| Monitored | 2025-09-10 00:34:06.000 .. 2025-09-10 00:34:16.000 |\n"));
	free(s);
	runreport_free(r);
}

/* HTML: one outage rect per outage, self-contained, every string escaped. */
static void
test_render_html(void **state)
{
	struct run_report *r = test_fixed_report();
	struct rr_target *t = r->targets[1];
	struct rr_burst o = { RR_OUTAGE, T0 + 1000 * MS, T0 + 1500 * MS, 0, 0, 5, 0 };
	struct rr_burst b = { RR_BURST, T0 + 9000 * MS, T0 + 9010 * MS, 0, 20 * MS, 1, 0 };
	char *s;

	(void)state;
	runreport_set_label(r, "a<b>&\"c'");
	runreport_add_marker(r, T0 + 6000 * MS, "<script>alert(1)</script>");
	runreport_add_burst(t, &o);
	o.start_ns = T0 + 9500 * MS;
	o.end_ns = T0 + 9900 * MS;
	o.open = 1;
	runreport_add_burst(t, &o);
	runreport_add_burst(t, &b);
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_int_equal(test_count(s, "class=\"outage\""), 3);
	assert_int_equal(test_count(s, "class=\"burst\""), 1);
	/* the two plots as before, and one close-up: of the outage whose
	 * probes were kept */
	assert_int_equal(test_count(s, "<svg "), 3);
	assert_int_equal(test_count(s, "</svg>"), 3);
	assert_int_equal(test_count(s, "class=\"outage zoom\""), 1);
	assert_int_equal(test_count(s, "class=\"marker\""), 4);
	assert_non_null(strstr(s, "<!DOCTYPE html>"));
	assert_non_null(strstr(s, "</html>\n"));
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "http"));
	assert_null(strstr(s, "url("));
	assert_null(strstr(s, "@import"));
	assert_null(strstr(s, "a<b>"));
	assert_non_null(strstr(s, "<h1>hamon run 7: a&lt;b&gt;&amp;&quot;c&#39;</h1>"));
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	/* No unknown windows: no bands, no legend entry, no column. */
	assert_int_equal(test_count(s, "class=\"unknown\""), 0);
	assert_int_equal(test_count(s, "sw sw-u"), 0);
	assert_null(strstr(s, "<th>Unknown</th>"));
	free(s);
	runreport_free(r);
}

/* Escaping per format of a label with <>&"' and a comma, a quote and a newline. */
static void
test_escaping(void **state)
{
	struct run_report *r = runreport_new();
	char *s;
	FILE *fp;
	size_t len;

	(void)state;
	runreport_set_label(r, "x<>&\"',y\nz|*\x01\xff");
	runreport_add_target(r, "t,1\"", "tcp://h:22");
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_CSV);
	assert_non_null(
		strstr(s, "\n0,\"x<>&\"\"',y\nz|*\x01\xff\",custom,,,,\"t,1\"\"\",tcp://h:22,"));
	free(s);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(s, "\"label\":\"x<>&\\\"',y\\nz|*\\u0001\\ufffd\""));
	assert_non_null(strstr(s, "\"target\":\"t,1\\\"\""));
	free(s);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(strstr(s, "Run 0  x<>&\"',y\\x0az|*\\x01\\xff  (custom)\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(strstr(s, "### hamon run 0: x\\<\\>&amp;\"',y\\\\x0az\\|\\*\\\\x01\\\\xff "
				  "(custom)\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_non_null(strstr(s, "x&lt;&gt;&amp;&quot;&#39;,y\\x0az|*\\x01&#xfffd;"));
	free(s);
	/* Valid UTF-8 passes through everywhere. */
	fp = open_memstream(&s, &len);
	runreport_write_escaped(fp, RR_FMT_TEXT, "m\xc3\xbcnchen \xe2\x80\x94 \xc2\x85");
	runreport_write_escaped(fp, RR_FMT_JSON, "\xc3\xbc\xed\xa0\x80");
	runreport_write_escaped(fp, RR_FMT_CSV, "plain");
	fclose(fp);
	assert_string_equal(s, "m\xc3\xbcnchen \xe2\x80\x94 \\xc2\\x85"
			       "\"\xc3\xbc\\ufffd\\ufffd\\ufffd\"plain");
	free(s);
	runreport_free(r);
}

/* A million samples: at most RR_SVG_MAX_POINTS points, and one spike survives. */
static void
test_html_decimation(void **state)
{
	struct run_report *r = runreport_new();
	struct rr_target *t = runreport_add_target(r, "big", NULL);
	char *s, *p;
	size_t i, points = 0;

	(void)state;
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 1000000 * MS;
	for (i = 0; i < 1000000; i++)
		runreport_add_sample(t, T0 + (int64_t)i * MS, i == 654321 ? 500 * MS : 1 * MS);
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_HTML);
	for (p = s; (p = strstr(p, "points=\"")) != NULL; p++) {
		p += 8;
		points++;
		while (*p != '"') {
			if (*p == ' ')
				points++;
			p++;
		}
	}
	assert_true(points <= RR_SVG_MAX_POINTS);
	assert_true(points >= RR_SVG_MAX_POINTS / 2);
	/* Axis 1 ms .. 1 s (3 decades) over y 236 .. 48: 500 ms sits at y 66.9. */
	assert_non_null(strstr(s, ",66.9"));
	assert_true(strlen(s) < 200000);
	free(s);
	runreport_free(r);
}

/* The fixed report with a 300.261 ms stall of every target at T0+3s, 1 s of
 * failed sends to vm101-ssh at T0+6s, a window of no target, and timing. */
static struct run_report *
test_unknown_report(void)
{
	struct run_report *r = test_fixed_report();

	runreport_add_unknown(r, T0 + 6000 * MS, T0 + 7000 * MS, "vm101-ssh",
			      "sends fail here: Network is unreachable");
	runreport_add_unknown(r, T0 + 3000 * MS, T0 + 3000 * MS + 300261 * US, NULL,
			      "monitor stalled (timer 300.0 ms late)");
	runreport_add_unknown(r, T0 + 4000 * MS, T0 + 5000 * MS, "vm999", "ignored");
	runreport_set_timing(r, &(struct rr_timing){ 1, 270, 30, 36900, 1966100, 300261400 });
	runreport_compute(r);
	return r;
}

/* Every format shows the unknown windows, the figures and the timing line. */
static void
test_unknown_render(void **state)
{
	struct run_report *r = test_unknown_report();
	char *s;

	(void)state;
	assert_int_equal(r->unknown_ns, 300261 * US);
	assert_int_equal(r->targets[0]->unknown_ns, 300261 * US);
	assert_int_equal(r->targets[1]->unknown_ns, 1300261 * US);

	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(
		strstr(s, "\"monitor_end\":\"2025-09-10T00:34:16.000000Z\","
			  "\"unknown_ms\":300.261,\"timing\":{\"sends\":270,\"lag_p50_us\":36.9,"
			  "\"lag_p99_us\":1966.1,\"lag_max_us\":300261.4,\"skipped\":30}},"));
	assert_non_null(
		strstr(s, "\"spans\":[],\"unknown\":[{\"start\":"
			  "\"2025-09-10T00:34:09.000000Z\",\"end\":\"2025-09-10T00:34:09.300261Z\","
			  "\"duration_ms\":300.261,\"target\":null,"
			  "\"reason\":\"monitor stalled (timer 300.0 ms late)\"},"
			  "{\"start\":\"2025-09-10T00:34:12.000000Z\",\"end\":\"2025-09-10T00:34:"
			  "13.000000Z\","
			  "\"duration_ms\":1000.000,\"target\":\"vm101-ssh\","
			  "\"reason\":\"sends fail here: Network is unreachable\"}],\"events\":[],"
			  "\"bench\":[],\"failover_marker\":"));
	/* availability: the 10 s window less 300.261 ms UNKNOWN, 2 s [1, 3] down */
	assert_non_null(strstr(s, "\"sent\":9,\"lost\":2,\"unknown_ms\":300.261,"
				  "\"availability_pct\":79.38089,\"availability_lower_pct\":69.07133,"
				  "\"availability_upper_pct\":89.69044,\"rtt\":"));
	assert_non_null(strstr(s, "\"sent\":0,\"lost\":0,\"unknown_ms\":1300.261,"
				  "\"availability_pct\":null,"));
	assert_null(strstr(s, "vm999"));
	free(s);

	s = test_render(r, NULL, RR_FMT_CSV);
	assert_non_null(strstr(s, ",vm101,icmp://192.0.2.10,2000.000,1000.000,3000.000,1,1,"
				  "2000.000,3000.000,9,2,300.261,79.38089,69.07133,89.69044,1.500,"));
	assert_non_null(strstr(s, ",vm101-ssh,tcp://192.0.2.10:22,0.000,0.000,0.000,0,0,,,0,0,"
				  "1300.261,,"));
	free(s);

	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(
		strstr(s, "  monitored              2025-09-10 00:34:06.000 .. "
			  "2025-09-10 00:34:16.000\n"
			  "  unknown                300.261ms in 1 window (monitor stalled "
			  "(timer 300.0 ms late)); "
			  "1 window for single targets\n"
			  "  timing                 sends 270, lag p50 36.9 \xc2\xb5s, p99 1966.1 "
			  "\xc2\xb5s, max 300261.4 \xc2\xb5s, "
			  "30 deadlines skipped\n"));
	assert_non_null(strstr(s, "    SENT    LOST       UNKNOWN\n"));
	assert_non_null(strstr(s, "         9       2     300.261ms\n"));
	assert_non_null(strstr(s, "         0       0        1.300s\n"));
	assert_non_null(strstr(s, "\nUnknown windows (losses inside are not counted)\n"
				  "  2025-09-10 00:34:09.000     300.261ms  all targets  "
				  "monitor stalled (timer 300.0 ms late)\n"
				  "  2025-09-10 00:34:12.000        1.000s  vm101-ssh  "
				  "sends fail here: Network is unreachable\n"));
	assert_null(strstr(s, "vm999"));
	free(s);

	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(strstr(s, "| Unknown | 300.261ms in 1 window (monitor stalled (timer 300.0 "
				  "ms late)); 1 window for single targets |\n"));
	assert_non_null(
		strstr(s, "| Timing | sends 270, lag p50 36.9 \xc2\xb5s, p99 1966.1 \xc2\xb5s, "
			  "max 300261.4 \xc2\xb5s, 30 deadlines skipped |\n"));
	assert_non_null(
		strstr(s, "| Sent | Lost | Unknown |\n|---|--:|---|--:|--:|--:|--:|--:|--:|\n"));
	assert_non_null(strstr(s, "| vm101 | 2.000s | 1.000s .. 3.000s | 1 | 1 | 3.000s | 9 | 2 | "
				  "300.261ms |\n"));
	assert_non_null(strstr(s, "| 2025-09-10 00:34:12.000 | 1.000s | vm101-ssh | sends fail "
				  "here: Network is unreachable |\n"));
	free(s);

	s = test_render(r, NULL, RR_FMT_HTML);
	/* One band on vm101 (the stall), two on vm101-ssh (the stall and its own). */
	assert_int_equal(test_count(s, "<rect class=\"unknown\""), 3);
	/* 10 s over x 64 .. 1084: 3 s is at x 370, 300.261 ms is 30.6 wide. */
	assert_int_equal(test_count(s, "<rect class=\"unknown\" x=\"370.0\" y=\"48\" "
				       "width=\"30.6\" height=\"188\"><title>unknown 300.261ms: "
				       "monitor stalled (timer "
				       "300.0 ms late)</title></rect>"),
			 2);
	assert_non_null(strstr(s, "<rect class=\"unknown\" x=\"676.0\" y=\"48\" "
				  "width=\"102.0\" height=\"188\">"));
	assert_int_equal(test_count(s, "<i class=\"sw sw-u\"></i>"), 1);
	assert_non_null(strstr(s,
			       "<tr><th>Unknown</th><td>300.261ms in 1 window (monitor stalled "
			       "(timer 300.0 ms late)); 1 window for single targets</td></tr>\n"));
	assert_non_null(strstr(s, "<tr><th>Timing</th><td>sends 270, lag p50 36.9 \xc2\xb5s, "));
	assert_non_null(strstr(s, "<th>Lost</th><th>Unknown</th>"));
	assert_non_null(strstr(s, ", unknown 1.300s</p>"));
	assert_null(strstr(s, "vm999"));
	free(s);
	runreport_free(r);
}

/* A reason with <>&" and a newline is escaped in every format; a second
 * timing replaces the first. */
static void
test_unknown_escaping(void **state)
{
	struct run_report *r = runreport_new();
	char *s;

	(void)state;
	r->mon_start_ns = T0;
	r->mon_end_ns = T0 + 10000 * MS;
	runreport_add_target(r, "a", NULL);
	runreport_add_unknown(r, T0 + 1000 * MS, T0 + 2000 * MS, NULL, "x<b>&\"y\"\nz");
	runreport_set_timing(r, &(struct rr_timing){ 1, 1, 0, 1000, 1000, 1000 });
	runreport_set_timing(r, &(struct rr_timing){ 1, 2, 0, 2000, 2000, 2000 }); /* replaces */
	runreport_compute(r);
	s = test_render(r, NULL, RR_FMT_JSON);
	assert_non_null(strstr(s, "\"reason\":\"x<b>&\\\"y\\\"\\nz\"}"));
	assert_non_null(strstr(s, "\"timing\":{\"sends\":2,\"lag_p50_us\":2.0,\"lag_p99_us\":2.0,"
				  "\"lag_max_us\":2.0,\"skipped\":0}}"));
	free(s);
	s = test_render(r, NULL, RR_FMT_HTML);
	assert_null(strstr(s, "x<b>"));
	/* Summary, band title and table row. */
	assert_int_equal(test_count(s, "x&lt;b&gt;&amp;&quot;y&quot;\\x0az"), 3);
	assert_non_null(strstr(s, "<td>sends 2, lag p50 2.0 \xc2\xb5s, p99 2.0 \xc2\xb5s, max 2.0 "
				  "\xc2\xb5s, 0 deadlines skipped</td>"));
	free(s);
	s = test_render(r, NULL, RR_FMT_MD);
	assert_non_null(
		strstr(s, "| Unknown | 1.000s in 1 window (x\\<b\\>&amp;\"y\"\\\\x0az) |\n"));
	assert_non_null(strstr(s, "| Timing | sends 2, lag p50 2.0 \xc2\xb5s, p99 2.0 \xc2\xb5s, "
				  "max 2.0 \xc2\xb5s, 0 "
				  "deadlines skipped |\n"));
	free(s);
	s = test_render(r, NULL, RR_FMT_TEXT);
	assert_non_null(strstr(s, "1.000s in 1 window (x<b>&\"y\"\\x0az)\n"));
	assert_non_null(strstr(
		s, "  timing                 sends 2, lag p50 2.0 \xc2\xb5s, p99 2.0 \xc2\xb5s, "
		   "max 2.0 \xc2\xb5s, 0 deadlines skipped\n"));
	assert_null(strstr(s, "\nz"));
	free(s);
	runreport_set_timing(r, NULL);
	assert_false(r->timing.known);
	runreport_free(r);
}

/* Run every test, times in UTC. */
int
main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_json),
		cmocka_unit_test(test_render_csv),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_render_md),
		cmocka_unit_test(test_render_html),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_html_decimation),
		cmocka_unit_test(test_unknown_render),
		cmocka_unit_test(test_unknown_escaping),
	};
	/* clang-format on */

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
