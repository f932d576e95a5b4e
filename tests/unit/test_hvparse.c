/* SPDX-License-Identifier: ISC */
/* test_hvparse.c: hypervisor figures from every PVE fixture, chunking, garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/xalloc.h"
#include "hv/hvparse.h"

/* Every fixture, for the chunking tests. */
static const char *const test_fixtures[] = { "qm-migrate-online.log",
					     "qm-migrate-online-autoincrease.log",
					     "qm-migrate-failed.log",
					     "vzdump-qemu.log",
					     "vzdump-lxc.log",
					     "ha-failover.journal",
					     "qmp-source.raw.jsonl",
					     "qmp-destination.raw.jsonl",
					     "qmp-events.jsonl",
					     "ha-failover.journal.json",
					     NULL };

/* Read tests/fixtures/pve/<name> under $top_srcdir (or .) into memory. */
static char *
test_read_fixture(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *buf;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/pve/%s", top != NULL ? top : ".", name);
	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		fail_msg("short read on %s", path);
	fclose(fp);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Parse bytes fed in chunks of size step (0: all at once) into *out. */
static void
test_parse_buf(const char *buf, size_t len, size_t step, struct hv_figures *out)
{
	struct hvparse *p = hvparse_new();
	size_t o, n;

	if (step == 0)
		step = len;
	for (o = 0; o < len; o += n) {
		n = len - o < step ? len - o : step;
		hvparse_feed(p, buf + o, n);
	}
	memcpy(out, hvparse_result(p), sizeof(*out));
	hvparse_free(p);
}

/* Parse one fixture whole. */
static void
test_parse_fixture(const char *name, struct hv_figures *out)
{
	size_t len;
	char *buf = test_read_fixture(name, &len);

	test_parse_buf(buf, len, 0, out);
	free(buf);
}

/* Parse a C string whole. */
static void
test_parse_str(const char *s, struct hv_figures *out)
{
	test_parse_buf(s, strlen(s), 0, out);
}

/* Assert a stamp's fields. */
static void
test_stamp(const struct hv_stamp *st, int y, int mo, int d, int h, int mi, int s)
{
	assert_int_equal(st->set, 1);
	assert_int_equal(st->year, y);
	assert_int_equal(st->mon, mo);
	assert_int_equal(st->mday, d);
	assert_int_equal(st->hour, h);
	assert_int_equal(st->min, mi);
	assert_int_equal(st->sec, s);
}

/* qm-migrate-online.log: "average migration speed: 152.3 MiB/s - downtime 45 ms". */
static void
test_qm_migrate_online(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_fixture("qm-migrate-online.log", &f);
	assert_int_equal(f.downtime_ms, 45);
	assert_int_equal(f.downtime_src, HV_SRC_TASKLOG);
	assert_int_equal(f.downtime_count, 1);
	assert_int_equal(f.duration_ms, 35000);
	/* "migration completed, transferred 2.9 GiB VM-state": 2.9 * 2^30 rounded */
	assert_int_equal(f.transferred_bytes, 3113851290LL);
	assert_int_equal(f.transferred_src, HV_SRC_TASKLOG);
	assert_int_equal(f.nlimits, 1);
	assert_int_equal(f.limits[0].kind, HV_LIMIT_SET);
	assert_int_equal(f.limits[0].ms, 100);
	test_stamp(&f.limits[0].when, 2025, 9, 10, 0, 34, 6);
	test_stamp(&f.migrate_start, 2025, 9, 10, 0, 34, 6);
	test_stamp(&f.migrate_done, 2025, 9, 10, 0, 34, 33);
	assert_int_equal(f.speed_limit_bps, -1);
	assert_string_equal(f.migrate_error, "");
	assert_int_equal(f.task_status, HV_TASK_OK);
	assert_int_equal(f.error_lines, 0);
	assert_int_equal(f.qmp_total_ms, -1);
	assert_int_equal(f.qmp_stop_ns, -1);
	assert_int_equal(f.backup_vmid, -1);
	assert_int_equal(f.nha, 0);
	assert_int_equal(f.lines, 43);
	assert_int_equal(f.lines_overlong, 0);
	assert_int_equal(f.lines_binary, 0);
	assert_true(hvparse_figures_any(&f));
}

/* qm-migrate-online-autoincrease.log: limit 100 -> 200 -> 400 ms, downtime 368 ms. */
static void
test_qm_migrate_autoincrease(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_fixture("qm-migrate-online-autoincrease.log", &f);
	assert_int_equal(f.downtime_ms, 368);
	assert_int_equal(f.downtime_src, HV_SRC_TASKLOG);
	assert_int_equal(f.duration_ms, 26000);
	assert_int_equal(f.transferred_bytes, 10307921510LL); /* 9.6 GiB */
	assert_int_equal(f.speed_limit_bps, 629145600LL);     /* 600.0 MiB/s */
	assert_int_equal(f.nlimits, 3);
	assert_int_equal(f.limits[0].kind, HV_LIMIT_SET);
	assert_int_equal(f.limits[0].ms, 100);
	assert_int_equal(f.limits[1].kind, HV_LIMIT_AUTO);
	assert_int_equal(f.limits[1].ms, 200);
	test_stamp(&f.limits[1].when, 2025, 9, 10, 1, 12, 57);
	assert_int_equal(f.limits[2].kind, HV_LIMIT_AUTO);
	assert_int_equal(f.limits[2].ms, 400);
	test_stamp(&f.limits[2].when, 2025, 9, 10, 1, 12, 59);
	test_stamp(&f.migrate_start, 2025, 9, 10, 1, 12, 44);
	test_stamp(&f.migrate_done, 2025, 9, 10, 1, 13, 1);
	assert_int_equal(f.task_status, HV_TASK_OK);
	assert_int_equal(f.error_lines, 0);
	assert_int_equal(f.lines, 40);
}

/* qm-migrate-failed.log: no downtime, ERROR lines, TASK ERROR. */
static void
test_qm_migrate_failed(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_fixture("qm-migrate-failed.log", &f);
	assert_int_equal(f.downtime_ms, -1);
	assert_int_equal(f.downtime_src, HV_SRC_NONE);
	assert_int_equal(f.downtime_count, 0);
	assert_int_equal(f.duration_ms, 16000);
	assert_int_equal(f.transferred_bytes, -1);
	assert_int_equal(f.nlimits, 1);
	assert_int_equal(f.limits[0].ms, 100);
	test_stamp(&f.migrate_start, 2025, 9, 10, 2, 5, 15);
	assert_int_equal(f.migrate_done.set, 0);
	assert_string_equal(f.migrate_error, "failed - Unable to write to socket: Broken pipe");
	assert_int_equal(f.task_status, HV_TASK_ERROR);
	assert_string_equal(f.task_error, "migration problems");
	assert_int_equal(f.error_lines, 2);
	assert_string_equal(f.first_error, "online migrate failure - aborting");
	assert_int_equal(f.lines, 28);
}

/* vzdump-qemu.log: 25 s backup, 32 GiB read in 24 s, archive 2.61GB. */
static void
test_vzdump_qemu(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_fixture("vzdump-qemu.log", &f);
	assert_int_equal(f.backup_vmid, 101);
	assert_string_equal(f.backup_type, "qemu");
	assert_int_equal(f.backup_count, 1);
	assert_int_equal(f.backup_failed, 0);
	assert_int_equal(f.backup_duration_ms, 25000);
	assert_int_equal(f.backup_transfer_ms, 24000);
	assert_int_equal(f.backup_bytes, 34359738368LL); /* 32.00 GiB */
	assert_int_equal(f.archive_bytes, 2802466161LL); /* 2.61 * 2^30 rounded */
	assert_int_equal(f.guest_pause_ms, -1);
	assert_int_equal(f.backup_job, HV_BACKUP_OK);
	assert_int_equal(f.task_status, HV_TASK_OK);
	assert_int_equal(f.downtime_ms, -1);
	assert_int_equal(f.transferred_bytes, -1);
	assert_int_equal(f.error_lines, 0);
	assert_int_equal(f.lines, 31);
}

/* vzdump-lxc.log: 50 s backup, GNU tar totals, archive 880MB. */
static void
test_vzdump_lxc(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_fixture("vzdump-lxc.log", &f);
	assert_int_equal(f.backup_vmid, 102);
	assert_string_equal(f.backup_type, "lxc");
	assert_int_equal(f.backup_count, 1);
	assert_int_equal(f.backup_duration_ms, 50000);
	assert_int_equal(f.backup_transfer_ms, -1);
	assert_int_equal(f.backup_bytes, 2297866240LL);
	assert_int_equal(f.archive_bytes, 922746880LL); /* 880 * 2^20 */
	assert_int_equal(f.backup_job, HV_BACKUP_OK);
	assert_int_equal(f.task_status, HV_TASK_OK);
	assert_int_equal(f.lines, 19);
}

/* Assert one HA event. */
static void
test_ha(const struct hv_ha_event *ev, enum hv_ha_kind kind, int h, int mi, int s,
	const char *subject, const char *from, const char *to, const char *node)
{
	assert_int_equal(ev->kind, kind);
	/* A short-format line has no year; a journal JSON entry's time has. */
	test_stamp(&ev->when, ev->ts_ns != 0 ? 2025 : 0, 9, 10, h, mi, s);
	assert_string_equal(ev->host, "pve2");
	assert_string_equal(ev->subject, subject);
	assert_string_equal(ev->from, from);
	assert_string_equal(ev->to, to);
	assert_string_equal(ev->node, node);
}

/* ha-failover.journal: the eleven HA transitions, in order, with their times. */
static void
test_ha_failover(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_fixture("ha-failover.journal", &f);
	assert_int_equal(f.nha, 11);
	assert_int_equal(f.ha_dropped, 0);
	test_ha(&f.ha[0], HV_HA_NODE_STATE, 0, 50, 21, "pve1", "online", "unknown", "");
	test_ha(&f.ha[1], HV_HA_SERVICE_STATE, 0, 51, 11, "vm:101", "started", "fence", "");
	test_ha(&f.ha[2], HV_HA_NODE_STATE, 0, 51, 11, "pve1", "unknown", "fence", "");
	test_ha(&f.ha[3], HV_HA_FENCE_ACK, 0, 52, 21, "pve1", "", "", "");
	test_ha(&f.ha[4], HV_HA_NODE_STATE, 0, 52, 21, "pve1", "fence", "unknown", "");
	test_ha(&f.ha[5], HV_HA_SERVICE_STATE, 0, 52, 21, "vm:101", "fence", "recovery", "");
	test_ha(&f.ha[6], HV_HA_RECOVER, 0, 52, 21, "vm:101", "pve1", "pve2", "");
	test_ha(&f.ha[7], HV_HA_SERVICE_STATE, 0, 52, 21, "vm:101", "recovery", "started", "pve2");
	test_ha(&f.ha[8], HV_HA_STARTING, 0, 52, 24, "vm:101", "", "", "");
	test_ha(&f.ha[9], HV_HA_VM_STARTED, 0, 52, 26, "101", "", "pve-qemu-kvm_10.0.2-4", "");
	test_ha(&f.ha[10], HV_HA_STARTED, 0, 52, 27, "vm:101", "", "", "");
	assert_int_equal(f.downtime_ms, -1);
	assert_int_equal(f.task_status, HV_TASK_UNKNOWN);
	assert_int_equal(f.lines, 18);
}

/* ha-failover.journal.json: the same failover as a `journalctl -o json`
 * export, with the journal's microseconds; another unit's entry is not HA. */
static void
test_ha_journal_json(void **state)
{
	struct hv_figures f;
	size_t len, n[3] = { 0, 0, 0 };
	char *buf = test_read_fixture("ha-failover.journal.json", &len), *l, *nl;

	(void)state;
	hvparse_figures_init(&f);
	for (l = buf; l < buf + len; l = nl + 1) {
		nl = strchr(l, '\n');
		n[hvparse_journal_json(&f, l, (size_t)(nl - l))]++;
	}
	free(buf);
	assert_int_equal(n[HV_JJ_HA], 18);
	assert_int_equal(n[HV_JJ_OTHER], 1);
	assert_int_equal(n[HV_JJ_NOT_JSON], 0);
	assert_int_equal(f.nha, 11);
	test_ha(&f.ha[0], HV_HA_NODE_STATE, 0, 50, 21, "pve1", "online", "unknown", "");
	assert_int_equal(f.ha[0].when.year, 2025);
	assert_int_equal(f.ha[0].ts_ns, 1757465421120381000LL);
	assert_string_equal(f.ha[0].host, "pve2");
	test_ha(&f.ha[3], HV_HA_FENCE_ACK, 0, 52, 21, "pve1", "", "", "");
	test_ha(&f.ha[7], HV_HA_SERVICE_STATE, 0, 52, 21, "vm:101", "recovery", "started", "pve2");
	test_ha(&f.ha[10], HV_HA_STARTED, 0, 52, 27, "vm:101", "", "", "");
	assert_int_equal(f.ha[10].ts_ns, 1757465547456930000LL);

	/* Not JSON, not an object, an HA message under another ident, no time. */
	hvparse_figures_init(&f);
	assert_int_equal(hvparse_journal_json(&f, "Sep 10 00:50:21 pve2 x", 22), HV_JJ_NOT_JSON);
	assert_int_equal(hvparse_journal_json(&f, "[1]", 3), HV_JJ_NOT_JSON);
	assert_int_equal(hvparse_journal_json(&f, "{\"MESSAGE\": \"x\"", 16), HV_JJ_NOT_JSON);
#define JJ(s) hvparse_journal_json(&f, s, strlen(s))
	assert_int_equal(
		JJ("{\"SYSLOG_IDENTIFIER\": \"sshd\", \"__REALTIME_TIMESTAMP\": \"1\", "
		   "\"MESSAGE\": \"fencing: acknowledged - got agent lock for node 'a'\"}"),
		HV_JJ_OTHER);
	assert_int_equal(
		JJ("{\"_SYSTEMD_UNIT\": \"pve-ha-crm.service\", "
		   "\"MESSAGE\": \"fencing: acknowledged - got agent lock for node 'a'\"}"),
		HV_JJ_OTHER);
	/* MESSAGE as bytes (not UTF-8 in the journal) is not an HA message. */
	assert_int_equal(JJ("{\"SYSLOG_IDENTIFIER\": \"pve-ha-crm\", \"__REALTIME_TIMESTAMP\": "
			    "\"1\", \"MESSAGE\": [102, 111]}"),
			 HV_JJ_OTHER);
	/* Two lines in one MESSAGE are not one HA message. */
	assert_int_equal(JJ("{\"_SYSTEMD_UNIT\": \"pve-ha-crm.service\", \"__REALTIME_TIMESTAMP\": "
			    "\"1000000\", \"MESSAGE\": \"fencing: acknowledged - got agent lock "
			    "for node 'a'\\nx\"}"),
			 HV_JJ_HA);
	assert_int_equal(f.nha, 0);
	assert_int_equal(JJ("{\"_SYSTEMD_UNIT\": \"pve-ha-crm.service\", \"__REALTIME_TIMESTAMP\": "
			    "\"1000000\", \"MESSAGE\": \"fencing: acknowledged - got agent lock "
			    "for node 'a'\"}"),
			 HV_JJ_HA);
	assert_int_equal(f.nha, 1);
	assert_int_equal(f.ha[0].ts_ns, 1000000000LL);
	assert_string_equal(f.ha[0].host, "");
#undef JJ
}

/* hvparse_qmp_json: one message, raw or enveloped; anything else changes nothing. */
static void
test_qmp_json(void **state)
{
	struct hv_figures f, none;
	const char *bad[] = { "",
			      "[]",
			      "42",
			      "\"x\"",
			      "{\"return\": {}",
			      "{} {}",
			      "{\"return\": {\"status\": \"completed\", \"downtime\": 1}} x",
			      NULL };
	const char *const *b;
	const char *s;

	(void)state;
	hvparse_figures_init(&none);
	for (b = bad; *b != NULL; b++) {
		hvparse_figures_init(&f);
		assert_int_equal(hvparse_qmp_json(&f, *b, strlen(*b)), 0);
		assert_memory_equal(&f, &none, sizeof(f));
	}
	hvparse_figures_init(&f);
	s = "{\"qmp\": {\"timestamp\": {\"microseconds\": 5, \"seconds\": 7}, \"event\": "
	    "\"STOP\"}}";
	assert_int_equal(hvparse_qmp_json(&f, s, strlen(s)), 1);
	assert_int_equal(f.qmp_stop_ns, 7000005000LL);
	/* A negative, fractional or string downtime is no downtime. */
	s = "{\"return\": {\"status\": \"completed\", \"downtime\": -1, \"total-time\": 2.5, "
	    "\"setup-time\": \"3\"}}";
	assert_int_equal(hvparse_qmp_json(&f, s, strlen(s)), 1);
	assert_int_equal(f.downtime_ms, -1);
	assert_int_equal(f.qmp_total_ms, -1);
	assert_int_equal(f.qmp_setup_ms, -1);
}

/* qmp-source.raw.jsonl: downtime 45 from the completed query-migrate, CRLF lines. */
static void
test_qmp_source(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_fixture("qmp-source.raw.jsonl", &f);
	assert_int_equal(f.downtime_ms, 45);
	assert_int_equal(f.downtime_src, HV_SRC_QMP);
	assert_int_equal(f.downtime_count, 1);
	assert_int_equal(f.qmp_total_ms, 26907);
	assert_int_equal(f.qmp_setup_ms, 6);
	assert_int_equal(f.transferred_bytes, 3069384126LL);
	assert_int_equal(f.transferred_src, HV_SRC_QMP);
	assert_int_equal(f.qmp_stop_ns, 1757464472861402000LL);
	assert_int_equal(f.qmp_resume_ns, -1);
	assert_int_equal(f.lines, 15);
}

/* qmp-destination.raw.jsonl: only the RESUME event. */
static void
test_qmp_destination(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_fixture("qmp-destination.raw.jsonl", &f);
	assert_int_equal(f.downtime_ms, -1);
	assert_int_equal(f.qmp_total_ms, -1);
	assert_int_equal(f.qmp_stop_ns, -1);
	assert_int_equal(f.qmp_resume_ns, 1757464474213977000LL);
	assert_int_equal(f.lines, 7);
}

/* qmp-events.jsonl: the envelope, key order differing; STOP -> RESUME 1352.575 ms. */
static void
test_qmp_events(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_fixture("qmp-events.jsonl", &f);
	assert_int_equal(f.downtime_ms, 45);
	assert_int_equal(f.downtime_src, HV_SRC_QMP);
	assert_int_equal(f.downtime_count, 1);
	assert_int_equal(f.qmp_total_ms, 26907);
	assert_int_equal(f.transferred_bytes, 3069384126LL);
	assert_int_equal(f.qmp_stop_ns, 1757464472861402000LL);
	assert_int_equal(f.qmp_resume_ns, 1757464474213977000LL);
	assert_int_equal(f.qmp_resume_ns - f.qmp_stop_ns, 1352575000LL);
	assert_int_equal(f.lines, 29);
}

/* Every split size 1..64 (and a ragged pattern) gives byte-identical figures. */
static void
test_chunked(void **state)
{
	struct hv_figures whole, part;
	struct hvparse *p;
	const char *const *name;
	size_t len, step, o, n, k;
	char *buf;

	(void)state;
	for (name = test_fixtures; *name != NULL; name++) {
		buf = test_read_fixture(*name, &len);
		test_parse_buf(buf, len, 0, &whole);
		for (step = 1; step <= 64; step++) {
			test_parse_buf(buf, len, step, &part);
			if (memcmp(&whole, &part, sizeof(whole)) != 0)
				fail_msg("%s: split size %zu differs", *name, step);
		}
		p = hvparse_new();
		for (o = 0, k = 0; o < len; o += n, k++) {
			n = (k * 7 + 3) % 13;
			if (n > len - o)
				n = len - o;
			hvparse_feed(p, buf + o, n); /* includes empty feeds */
		}
		assert_memory_equal(&whole, hvparse_result(p), sizeof(whole));
		hvparse_free(p);
		free(buf);
	}
}

/* LF-only input and CRLF input give the same figures. */
static void
test_crlf(void **state)
{
	struct hv_figures a, b;
	const char *const *name;
	size_t len, i, o;
	char *buf, *crlf;

	(void)state;
	for (name = test_fixtures; *name != NULL; name++) {
		buf = test_read_fixture(*name, &len);
		crlf = xmalloc(2 * len + 1);
		for (i = 0, o = 0; i < len; i++) {
			if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
				crlf[o++] = '\r';
			crlf[o++] = buf[i];
		}
		test_parse_buf(buf, len, 0, &a);
		test_parse_buf(crlf, o, 0, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		free(crlf);
		free(buf);
	}
}

/* A line with a NUL byte is skipped whole; its neighbours still count. */
static void
test_nul_lines(void **state)
{
	static const char in[] =
		"TASK ERROR: x\n"
		"2025-09-10 00:34:33 average migration speed: 1.0 MiB/s - downtime 7\0 ms\n"
		"\0\0\0\n"
		"TASK O\0K\n"
		"2025-09-10 00:34:33 average migration speed: 1.0 MiB/s - downtime 9 ms\n";
	struct hv_figures f;

	(void)state;
	test_parse_buf(in, sizeof(in) - 1, 0, &f);
	assert_int_equal(f.lines, 5);
	assert_int_equal(f.lines_binary, 3);
	assert_int_equal(f.downtime_ms, 9);
	assert_int_equal(f.task_status, HV_TASK_ERROR);
	assert_string_equal(f.task_error, "x");
}

/* Lines over 64 KiB are skipped without losing the next line; 64 KiB exactly is read. */
static void
test_overlong(void **state)
{
	static const char dt[] =
		"2025-09-10 00:34:33 average migration speed: 1.0 MiB/s - downtime 99 ms";
	struct hv_figures f;
	size_t len, step;
	char *buf, *q;

	(void)state;
	/* A JSON line padded with spaces to exactly HVPARSE_LINE_MAX bytes. */
	buf = xmalloc(3 * HVPARSE_LINE_MAX);
	q = buf;
	q += sprintf(q, "{\"return\": {\"status\": \"completed\", \"downtime\": 11}}");
	memset(q, ' ', HVPARSE_LINE_MAX - (size_t)(q - buf));
	q = buf + HVPARSE_LINE_MAX;
	*q++ = '\n';
	len = (size_t)(q - buf);
	for (step = 1; step <= 4096; step *= 4) {
		test_parse_buf(buf, len, step, &f);
		assert_int_equal(f.downtime_ms, 11);
		assert_int_equal(f.lines_overlong, 0);
	}

	/* One byte more: skipped, and the line after it still counts. */
	q = buf;
	q += sprintf(q, "{\"return\": {\"status\": \"completed\", \"downtime\": 12}}");
	memset(q, ' ', HVPARSE_LINE_MAX + 1 - (size_t)(q - buf));
	q = buf + HVPARSE_LINE_MAX + 1;
	q += sprintf(q, "\n%s\n", dt);
	len = (size_t)(q - buf);
	for (step = 1; step <= 65536; step *= 16) {
		test_parse_buf(buf, len, step, &f);
		assert_int_equal(f.downtime_ms, 99);
		assert_int_equal(f.lines, 2);
		assert_int_equal(f.lines_overlong, 1);
	}

	/* 150 KiB of garbage ending in a matching tail: the tail must not count. */
	memset(buf, 'x', 150000);
	memcpy(buf + 150000, dt, sizeof(dt) - 1);
	len = 150000 + sizeof(dt) - 1;
	buf[len++] = '\n';
	buf[len++] = 'T';
	test_parse_buf(buf, len, 1000, &f);
	assert_int_equal(f.downtime_ms, -1);
	assert_int_equal(f.lines_overlong, 1);
	assert_int_equal(f.lines, 2);
	/* Unterminated overlong line at the end is counted once by hvparse_result. */
	memset(buf, 'y', 70000);
	test_parse_buf(buf, 70000, 3000, &f);
	assert_int_equal(f.lines, 1);
	assert_int_equal(f.lines_overlong, 1);
	free(buf);
}

/* Lines that mention downtime but are not the documented formats count for nothing. */
static void
test_near_misses(void **state)
{
	static const char *const lines[] = {
		"downtime 45 ms",
		"2025-09-10 00:34:33 downtime 45 ms",
		"average migration speed: 152.3 MiB/s - downtime 45 ms",
		"2025-09-10 00:34:33 average migration speed: 152.3 MiB/s - downtime 45 msec",
		"2025-09-10 00:34:33 average migration speed: 152.3 MiB/s - downtime 45 ms ",
		"2025-09-10 00:34:33 average migration speed: 152.3 MiB/s - downtime -45 ms",
		"2025-09-10 00:34:33 average migration speed: 152.3 MiB/s - downtime 4.5 ms",
		"2025-09-10 00:34:33 average migration speed: fast - downtime 45 ms",
		"2025-09-10 00:34:33 average migration speed: 152.3 MiB - downtime 45 ms",
		"2025-09-10 00:34:33 average migration speed: 152.3 XiB/s - downtime 45 ms",
		"2025-09-10 00:34:33 ERROR: average migration speed: 152.3 MiB/s - downtime 45 ms",
		"INFO: average migration speed: 152.3 MiB/s - downtime 45 ms",
		"2025-13-10 00:34:33 average migration speed: 152.3 MiB/s - downtime 45 ms",
		"2025-09-10 24:34:33 average migration speed: 152.3 MiB/s - downtime 45 ms",
		"2025-09-10  00:34:33 average migration speed: 152.3 MiB/s - downtime 45 ms",
		"x 2025-09-10 00:34:33 average migration speed: 152.3 MiB/s - downtime 45 ms",
		"Sep 10 00:34:33 pve1 qm[1]: average migration speed: 152.3 MiB/s - downtime 45 ms",
		"{\"return\": {\"status\": \"active\", \"downtime\": 45}}",
		"{\"return\": {\"status\": \"completed\", \"downtime\": \"45\"}}",
		"{\"return\": {\"status\": \"completed\", \"downtime\": 45.5}}",
		"{\"return\": {\"status\": \"completed\", \"downtime\": -45}}",
		"{\"return\": {\"status\": \"completed\", \"downtime\": 45}} x",
		"{\"return\": {\"status\": \"completed\", \"downtime\": 45}",
		"{\"return\": {\"status\": \"completed\", \"downtime\": 45,}}",
		"{\"return\": [{\"status\": \"completed\", \"downtime\": 45}]}",
		"{\"return\": {\"ram\": {\"status\": \"completed\", \"downtime\": 45}}}",
		"{\"status\": \"completed\", \"downtime\": 45}",
		"{\"return\": {\"status\": \"Completed\", \"downtime\": 45}}",
		"{\"return\": {\"status\": \"completed\", \"expected-downtime\": 45}}",
		"{\"event\": \"MIGRATION\", \"data\": {\"status\": \"completed\", \"downtime\": "
		"45}}",
		"[{\"return\": {\"status\": \"completed\", \"downtime\": 45}}]",
		NULL
	};
	struct hv_figures f;
	const char *const *l;
	char buf[512];

	(void)state;
	for (l = lines; *l != NULL; l++) {
		snprintf(buf, sizeof(buf), "%s\n", *l);
		test_parse_str(buf, &f);
		if (f.downtime_ms != -1)
			fail_msg("took downtime %lld from: %s", (long long)f.downtime_ms, *l);
	}
	/* Near-miss trailers and limits. */
	test_parse_str("TASK OK \nTASK OKAY\n TASK OK\nTASK WARNINGS: x\n"
		       "2025-09-10 00:34:06 migration downtime limit: 100ms\n"
		       "2025-09-10 00:34:06 migration downtime limit: 100 ms (auto)\n"
		       "2025-09-10 00:34:06 migration finished successfully (duration 00:60:00)\n"
		       "INFO: Finished Backup of VM 101 (00:00:25) \n"
		       "INFO: archive file size: 2.61 GB\n",
		       &f);
	assert_int_equal(f.task_status, HV_TASK_UNKNOWN);
	assert_int_equal(f.nlimits, 0);
	assert_int_equal(f.duration_ms, -1);
	assert_int_equal(f.backup_duration_ms, -1);
	assert_int_equal(f.archive_bytes, -1);
	assert_false(hvparse_figures_any(&f));
}

/* QMP: the last completed query-migrate wins, whatever the key order. */
static void
test_qmp_last_completed(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_str(
		"{\"return\": {\"downtime\": 45, \"status\": \"completed\"}}\r\n"
		"{\"return\": {\"status\": \"active\", \"downtime\": 70, \"expected-downtime\": "
		"300}}\r\n"
		"  {\"return\":{\"total-time\":1,\"downtime\":60,\"ram\":{\"transferred\":5},"
		"\"status\":\"completed\"}}  \r\n"
		"{\"return\": {\"status\": \"failed\", \"downtime\": 80}}\r\n",
		&f);
	assert_int_equal(f.downtime_ms, 60);
	assert_int_equal(f.downtime_count, 2);
	assert_int_equal(f.qmp_total_ms, 1);
	assert_int_equal(f.transferred_bytes, 5);
	/* A task-log figure after a QMP one wins, and says where it came from. */
	test_parse_str(
		"{\"return\": {\"downtime\": 45, \"status\": \"completed\"}}\n"
		"2025-09-10 00:34:33 average migration speed: 152.3 MiB/s - downtime 47 ms\n",
		&f);
	assert_int_equal(f.downtime_ms, 47);
	assert_int_equal(f.downtime_src, HV_SRC_TASKLOG);
	/* Escapes, nesting and unknown keys around the wanted ones. */
	test_parse_str("{\"x\": [1, -2.5e3, true, false, null, {\"a\": \"\\u00e9\\\"\"}], "
		       "\"return\": {\"st\\u0061tus\": \"completed\", \"downtime\": 0}}\n",
		       &f);
	assert_int_equal(f.downtime_ms, 0);
}

/* Other documented variants: old speed line, capping, VFIO, warnings, aborted, <1 s. */
static void
test_variants(void **state)
{
	struct hv_figures f;

	(void)state;
	test_parse_str(
		"2021-01-01 10:00:00 migration speed: 12.50 MB/s - downtime 33 ms\n"
		"2021-01-01 10:00:00 capping downtime limit to maximum possible: 2000000 ms\n"
		"2021-01-01 10:00:01 migration completed, transferred 1.5 GiB VM-state "
		"(+ 12.0 MiB VFIO-state)\n"
		"2021-01-01 10:00:02 ERROR: migration aborted (duration 01:02:03): boom\n"
		"WARN: something\nWARN: else\nTASK WARNINGS: 2\n",
		&f);
	assert_int_equal(f.downtime_ms, 33);
	assert_int_equal(f.nlimits, 1);
	assert_int_equal(f.limits[0].kind, HV_LIMIT_CAPPED);
	assert_int_equal(f.limits[0].ms, 2000000);
	assert_int_equal(f.transferred_bytes, 1610612736LL);
	assert_int_equal(f.duration_ms, 3723000);
	assert_int_equal(f.error_lines, 1);
	assert_string_equal(f.first_error, "migration aborted (duration 01:02:03): boom");
	assert_int_equal(f.warn_lines, 2);
	assert_int_equal(f.task_status, HV_TASK_WARNINGS);
	assert_int_equal(f.task_warnings, 2);

	test_parse_str("INFO: transferred 10.00 MiB in <1 seconds (10.0 MiB/s)\n"
		       "INFO: guest is online again after 3 seconds\n"
		       "ERROR: Backup of VM 103 failed - no space\n"
		       "INFO: Backup job finished with errors\n"
		       "2025-09-10 03:00:02 INFO: Finished Backup of VM 104 (100:00:01)\n",
		       &f);
	assert_int_equal(f.backup_transfer_ms, 0);
	assert_int_equal(f.backup_bytes, 10485760);
	assert_int_equal(f.guest_pause_ms, 3000);
	assert_int_equal(f.backup_failed, 1);
	assert_int_equal(f.backup_job, HV_BACKUP_ERRORS);
	assert_int_equal(f.backup_vmid, 104);
	assert_int_equal(f.backup_duration_ms, 360001000LL);
	assert_int_equal(f.error_lines, 1);

	/* HA: space-padded day, recovery failure, other idents ignored. */
	test_parse_str(
		"Sep  1 00:00:01 pve3 pve-ha-crm[1]: recovering service 'ct:200' from "
		"fenced node 'pve1' failed, no recovery node found\n"
		"Sep  1 00:00:02 pve3 pve-ha-lrm[2]: unable to start service ct:200\n"
		"Sep  1 00:00:03 pve3 other[3]: starting service vm:1\n"
		"Sep  1 00:00:04 pve3 pve-ha-crm[4]: service 'vm:1': state changed from 'a' to 'b'"
		"  (node = pve9, target = pve8)\n",
		&f);
	assert_int_equal(f.nha, 3);
	assert_int_equal(f.ha[0].kind, HV_HA_RECOVER_FAILED);
	assert_string_equal(f.ha[0].subject, "ct:200");
	assert_string_equal(f.ha[0].from, "pve1");
	test_stamp(&f.ha[0].when, 0, 9, 1, 0, 0, 1);
	assert_int_equal(f.ha[1].kind, HV_HA_START_FAILED);
	assert_string_equal(f.ha[2].node, "pve9");
}

/* Many HA events: the table keeps the first ones and counts the rest. */
static void
test_ha_overflow(void **state)
{
	struct hv_figures f;
	char *buf = xmalloc(100 * 128), *q = buf;
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		q += sprintf(
			q, "Sep 10 00:52:27 pve2 pve-ha-lrm[1]: service status vm:%d started\n", i);
	test_parse_str(buf, &f);
	assert_int_equal(f.nha, HVPARSE_HA_MAX);
	assert_int_equal(f.ha_dropped, 100 - HVPARSE_HA_MAX);
	assert_string_equal(f.ha[HVPARSE_HA_MAX - 1].subject, "vm:63");
	free(buf);
}

/* An unterminated last line is read by hvparse_result without being consumed. */
static void
test_pending_line(void **state)
{
	struct hvparse *p = hvparse_new();

	(void)state;
	hvparse_feed(p, "TASK O", 6);
	assert_int_equal(hvparse_result(p)->task_status, HV_TASK_UNKNOWN);
	assert_int_equal(hvparse_result(p)->lines, 1);
	hvparse_feed(p, "K", 1);
	assert_int_equal(hvparse_result(p)->task_status, HV_TASK_OK);
	hvparse_feed(p, "\r\n", 2);
	assert_int_equal(hvparse_result(p)->task_status, HV_TASK_OK);
	assert_int_equal(hvparse_result(p)->lines, 1);
	hvparse_free(p);
	hvparse_free(NULL);
}

/* Deterministic garbage, printable and binary: no crash, no figures. */
static void
test_garbage(void **state)
{
	struct hv_figures f;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	static const char alpha[] = "0123456789 :-.{}[]\",abcdefghijklmnopqrstuvwxyz\r\n\t'";
	char *buf = xmalloc(1 << 20);
	size_t i;

	(void)state;
	for (i = 0; i < (1 << 20); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = i < (1 << 19) ? (char)(x & 0xff) : alpha[x % (sizeof(alpha) - 1)];
	}
	test_parse_buf(buf, 1 << 20, 4093, &f);
	assert_int_equal(f.downtime_ms, -1);
	assert_int_equal(f.task_status, HV_TASK_UNKNOWN);
	assert_true(f.lines > 1000);
	free(buf);
}

/* Stamps to real time, local time read as UTC here; year-less stamps pick the nearest year. */
static void
test_stamp_to_ns(void **state)
{
	struct hv_stamp st = { 1, 2025, 9, 10, 0, 34, 33 };
	int64_t ns;

	(void)state;
	assert_int_equal(hvparse_stamp_to_ns(&st, 0, &ns), 0);
	assert_int_equal(ns, 1757464473LL * 1000000000LL);
	st.year = 0;
	assert_int_equal(hvparse_stamp_to_ns(&st, 1757464473LL * 1000000000LL, &ns), 0);
	assert_int_equal(ns, 1757464473LL * 1000000000LL);
	/* Near 2026-01-02, September 10 is nearer in 2025 than in 2026. */
	assert_int_equal(hvparse_stamp_to_ns(&st, 1767312000LL * 1000000000LL, &ns), 0);
	assert_int_equal(ns, 1757464473LL * 1000000000LL);
	st.mon = 2;
	st.mday = 30;
	assert_int_equal(hvparse_stamp_to_ns(&st, 1767312000LL * 1000000000LL, &ns), -1);
	st.set = 0;
	assert_int_equal(hvparse_stamp_to_ns(&st, 0, &ns), -1);
	assert_string_equal(hvparse_task_status_name(HV_TASK_WARNINGS), "warnings");
	assert_string_equal(hvparse_ha_kind_name(HV_HA_FENCE_ACK), "fence-ack");
	assert_string_equal(hvparse_limit_kind_name(HV_LIMIT_AUTO), "auto");
	assert_string_equal(hvparse_source_name(HV_SRC_QMP), "qmp");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qm_migrate_online),
		cmocka_unit_test(test_qm_migrate_autoincrease),
		cmocka_unit_test(test_qm_migrate_failed),
		cmocka_unit_test(test_vzdump_qemu),
		cmocka_unit_test(test_vzdump_lxc),
		cmocka_unit_test(test_ha_failover),
		cmocka_unit_test(test_ha_journal_json),
		cmocka_unit_test(test_qmp_json),
		cmocka_unit_test(test_qmp_source),
		cmocka_unit_test(test_qmp_destination),
		cmocka_unit_test(test_qmp_events),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_nul_lines),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_near_misses),
		cmocka_unit_test(test_qmp_last_completed),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_ha_overflow),
		cmocka_unit_test(test_pending_line),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_stamp_to_ns),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
