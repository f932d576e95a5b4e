/* SPDX-License-Identifier: ISC */
/*
 * test_formats.c: the outputs are what report/FORMATS.md says. Small
 * databases are built with the store API: two vantage points with loss rows
 * and bench runs of two labels, and a third with two runs of one label (one
 * with every optional part of a report: markers, unknown windows, events,
 * bench figures, scheduler timing, a failover, the hypervisor's figures from
 * task logs and an HA journal) and a monitor session with a span.
 * `hamon history`, `hamon report --bench`, the run report and the label
 * aggregate are rendered in JSON and CSV; the set of keys (JSON, with their
 * paths) or columns
 * (CSV) each writes must equal the set the document's checked table lists,
 * each value must have a documented type, each number the documented
 * decimals, and no JSON integer may exceed 2^53. A renamed, added or
 * undocumented field fails here.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench/bench.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "report/report.h"
#include "report/runreport.h"
#include "store/bench_store.h"
#include "store/store.h"

/* 2026-11-25T10:00:00Z */
#define T0 INT64_C(1795600800000000000)
#define MS NSEC_PER_MSEC

/* The types a value can have (FORMATS.md's type column). */
enum {
	TY_STRING = 1,
	TY_INTEGER = 2,
	TY_NUMBER = 4,
	TY_BOOLEAN = 8,
	TY_NULL = 16,
	TY_OBJECT = 32,
	TY_ARRAY = 64,
};
static const char *const type_names[] = { "string", "integer", "number", "boolean",
					  "null",   "object",  "array" };
#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

#define MAX_FIELDS 256
struct field {
	char name[128];
	unsigned types;    /* seen, or documented */
	unsigned decimals; /* seen: bit n for n decimals; documented: n + 1, 0 for any */
};
struct fields {
	struct field f[MAX_FIELDS];
	size_t n;
};

struct fixture {
	char dir[64], a[96], b[96], c[96];
	struct store *sa, *sb, *sc;
	int64_t runs[3]; /* in c: the rich run, the plain run, the span session */
};

/* ---- the database ---- */

/* One loss period. */
static void
push_loss(struct store *s, int64_t sid, int64_t tid, enum store_loss_kind kind, int64_t start,
	  int64_t dur, enum store_end_state end)
{
	struct store_loss l;

	memset(&l, 0, sizeof l);
	l.session_id = sid;
	l.target_id = tid;
	l.kind = kind;
	l.start_ns = start;
	l.end_ns = start + dur;
	l.start_lo_ns = start - 5 * MS;
	l.start_hi_ns = start + 5 * MS;
	l.end_lo_ns = start + dur - 5 * MS;
	l.end_hi_ns = start + dur + 5 * MS;
	l.duration_ns = dur;
	l.lower_ns = dur - 10 * MS + 1; /* not whole ms: the writer truncates */
	l.upper_ns = dur + 10 * MS;
	l.lost = (uint64_t)(dur / (10 * MS));
	l.first_seq = 100;
	l.last_seq = 100 + l.lost - 1;
	l.end_state = end;
	store_push_loss(s, &l);
}

/* A database with one session, target vm101 and the given losses. */
static struct store *
make_db(const char *path, int node)
{
	struct store_session sess = { T0 - 60 * NSEC_PER_SEC, (int)getpid(), "node", "hamon test" };
	struct store_target t = { "vm101",  "icmp://198.18.0.2", "198.18.0.2", 2, 0, 10 * MS,
				  1000 * MS };
	char err[256];
	struct store *s = store_open(path, STORE_WRITE, err, sizeof err);
	int64_t sid, tid;

	if (s == NULL)
		fail_msg("%s", err);
	sid = store_session_begin(s, &sess, err, sizeof err);
	tid = store_target_upsert(s, &t, err, sizeof err);
	assert_true(sid > 0 && tid > 0);
	push_loss(s, sid, tid, STORE_OUTAGE, T0 + node * 500 * MS, 1000 * MS, STORE_END_CLOSED);
	push_loss(s, sid, tid, STORE_BURST, T0 + 3600 * NSEC_PER_SEC, 30 * MS + 123456,
		  node ? STORE_END_UNKNOWN : STORE_END_AT_EXIT);
	assert_int_equal(store_flush(s), 0);
	return s;
}

/* A bench run of label with results; kvm measures one metric less. */
static void
put_bench(struct store *s, const char *label, int64_t started, double scale)
{
	struct bench_store_run run;
	struct bench_store_result res[3];
	static const char *const m[3][3] = { { "cpu", "events_1thread", "events/s" },
					     { "mem", "stream_triad", "MB/s" },
					     { "disk", "randrw_4k_iops", "IOPS" } };
	char err[256];
	size_t i, n = strcmp(label, "kvm") == 0 ? 2 : 3;

	memset(&run, 0, sizeof run);
	run.started_ns = started;
	snprintf(run.label, sizeof run.label, "%s", label);
	snprintf(run.hostname, sizeof run.hostname, "pve1");
	snprintf(run.cpu_model, sizeof run.cpu_model, "AMD EPYC 7763");
	run.cores = 16;
	run.threads = 16;
	run.mem_bytes = INT64_C(64) << 30;
	snprintf(run.kernel, sizeof run.kernel, "6.8.12-4-pve");
	snprintf(run.virt, sizeof run.virt, "%s", strcmp(label, "host") == 0 ? "none" : label);
	snprintf(run.tests, sizeof run.tests, "cpu,mem,disk");
	run.quick = 1;
	memset(res, 0, sizeof res);
	for (i = 0; i < 3; i++) {
		snprintf(res[i].test, sizeof res[i].test, "%s", m[i][0]);
		snprintf(res[i].metric, sizeof res[i].metric, "%s", m[i][1]);
		snprintf(res[i].unit, sizeof res[i].unit, "%s", m[i][2]);
		res[i].value = (1234.5678 + 1000.0 * (double)i) * scale;
	}
	if (bench_store_put_run(s, &run, res, n, err, sizeof err) <= 0)
		fail_msg("%s", err);
}

/* ---- the database of runs ---- */

/* 2026-11-26T10:00:00Z: the rich run's monitoring starts. */
#define T1        (T0 + 86400 * NSEC_PER_SEC)
#define RUN_LABEL "migrate-101"

/* The logs the rich run's command "wrote": the hypervisor figures of a
 * migration (with its downtime limits), a failed one (errors), a backup and
 * an HA failover (events), so every part of the hypervisor object is set. */
static const char *const run_logs[] = { "qm-migrate-online-autoincrease.log",
					"qm-migrate-failed.log", "vzdump-qemu.log",
					"ha-failover.journal", NULL };

/* The fixture logs concatenated, malloc'd; *len set. */
static char *
read_logs(size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[512], *buf = NULL;
	size_t n = 0, got;
	FILE *fp;
	int i;

	for (i = 0; run_logs[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/tests/fixtures/pve/%s", top != NULL ? top : ".",
			 run_logs[i]);
		if ((fp = fopen(path, "rb")) == NULL)
			fail_msg("%s: cannot read (set top_srcdir)", path);
		for (;;) {
			buf = realloc(buf, n + 4096);
			assert_non_null(buf);
			if ((got = fread(buf + n, 1, 4096, fp)) == 0)
				break;
			n += got;
		}
		fclose(fp);
	}
	*len = n;
	return buf;
}

/* A target of the run database. */
static int64_t
run_target(struct store *s, const char *name, const char *url, int port)
{
	struct store_target t = { name, url, "198.18.0.2", 2, port, 500 * MS, 400 * MS };
	char err[256];
	int64_t id = store_target_upsert(s, &t, err, sizeof err);

	if (id <= 0)
		fail_msg("%s", err);
	return id;
}

/* Probes of target tid every 500 ms over [start, start + 10 s), those sent
 * in [lost_from, lost_to) unanswered; its totals as the session summary. */
static void
run_probes(struct store *s, int64_t sid, int64_t tid, int64_t start, int64_t lost_from,
	   int64_t lost_to)
{
	struct store_target_summary ts;
	struct store_sample smp;
	uint64_t i, lost = 0;

	for (i = 0; i < 20; i++) {
		int64_t tx = start + 250 * MS + (int64_t)i * 500 * MS;
		int down = tx >= lost_from && tx < lost_to;

		smp = (struct store_sample){
			sid, tid, i, tx, down ? -1 : 1000000 + 12345 * (int64_t)i, down ? 1 : 0
		};
		store_push_sample(s, &smp);
		lost += (uint64_t)down;
	}
	memset(&ts, 0, sizeof ts);
	ts.session_id = sid;
	ts.target_id = tid;
	ts.sent = 20;
	ts.received = 20 - lost;
	ts.lost = lost;
	ts.rtt_min_ns = ts.rtt_avg_ns = ts.rtt_p99_ns = ts.rtt_max_ns = -1;
	store_push_target_summary(s, &ts);
}

/* An event of session sid (target 0: about none). */
static void
run_event(struct store *s, int64_t sid, int64_t tid, int64_t ts, const char *kind, const char *text)
{
	struct store_event ev = { sid, tid, ts, kind, text };

	store_push_event(s, &ev);
}

/* A closed UNKNOWN window of session sid. */
static void
run_window(struct store *s, int64_t sid, int64_t tid, int64_t start, int64_t len,
	   enum store_scope scope, const char *code)
{
	struct store_window w = { sid, tid, start, start + len, scope, 0, NULL, code, "a reason" };

	store_push_window(s, &w);
}

/* A session begun at start. */
static int64_t
run_session(struct store *s, int64_t start)
{
	struct store_session sess = { start, (int)getpid(), "node", "hamon run" };
	char err[256];
	int64_t sid = store_session_begin(s, &sess, err, sizeof err);

	if (sid <= 0)
		fail_msg("%s", err);
	return sid;
}

/* The run row of session sid: the command ran [start + 2 s, start + 8 s). */
static void
run_row(struct store *s, int64_t sid, int64_t start, const char *output, size_t len)
{
	struct store_run run;
	char err[256];

	memset(&run, 0, sizeof run);
	run.session_id = sid;
	run.label = RUN_LABEL;
	run.kind = "migration";
	run.argv = "qm migrate 101 pve2 --online";
	run.cmd_start_ns = start + 2 * NSEC_PER_SEC;
	run.cmd_end_ns = start + 8 * NSEC_PER_SEC;
	run.cmd_duration_ns = 6 * NSEC_PER_SEC;
	run.exit_status = output != NULL ? 137 : 0; /* killed by signal 9 */
	run.output_bytes = len;
	run.output = output;
	run.output_len = len;
	if (store_run_put(s, &run, err, sizeof err) != 0)
		fail_msg("%s", err);
}

/* The rich run: everything a report can hold, each optional part once. */
static int64_t
make_rich_run(struct store *s)
{
	struct store_sched sc = { 20000, 3, 12345, 67890, 1234567 };
	int64_t sid = run_session(s, T1), vm, ssh;
	size_t len;
	char *logs = read_logs(&len);

	vm = run_target(s, "vm101", "icmp://198.18.0.2", 0);
	ssh = run_target(s, "vm101-ssh", "tcp://198.18.0.2:22", 22);
	run_probes(s, sid, vm, T1, T1 + 5 * NSEC_PER_SEC, T1 + 6500 * MS);
	run_probes(s, sid, ssh, T1, T1 + 5 * NSEC_PER_SEC, T1 + 7 * NSEC_PER_SEC);
	push_loss(s, sid, vm, STORE_BURST, T1 + 4900 * MS, 1500 * MS, STORE_END_CLOSED);
	push_loss(s, sid, vm, STORE_OUTAGE, T1 + 4900 * MS, 1500 * MS, STORE_END_CLOSED);
	push_loss(s, sid, ssh, STORE_OUTAGE, T1 + 4900 * MS, 2000 * MS, STORE_END_CLOSED);
	run_event(s, sid, 0, T1 + 4500 * MS, "marker", "power cut node1");
	run_event(s, sid, 0, T1 + 6 * NSEC_PER_SEC, "marker", "note");
	run_event(s, sid, vm, T1 + 100 * MS, "path", "eth0 via 198.18.0.1");
	run_event(s, sid, 0, T1 + 4600 * MS, "link", "eth0 down");
	run_event(s, sid, ssh, T1 + 4700 * MS, "refused", "198.18.0.2:22 answers with resets");
	run_window(s, sid, 0, T1 + 1 * NSEC_PER_SEC, 200 * MS, STORE_SCOPE_ALL, "stall");
	run_window(s, sid, ssh, T1 + 3 * NSEC_PER_SEC, 100 * MS, STORE_SCOPE_TARGET, "send-error");
	run_row(s, sid, T1, logs, len);
	free(logs);
	assert_int_equal(store_flush(s), 0);
	store_session_sched(s, sid, &sc);
	put_bench(s, "host", T1 + 3 * NSEC_PER_SEC, 1.0);
	store_session_end(s, sid, T1 + 10 * NSEC_PER_SEC, "stopped");
	return sid;
}

/* A second run of the label without hypervisor figures or a marker; the
 * ssh target was not probed in it. */
static int64_t
make_plain_run(struct store *s, int64_t start)
{
	int64_t sid = run_session(s, start);
	int64_t vm = run_target(s, "vm101", "icmp://198.18.0.2", 0);

	run_probes(s, sid, vm, start, start + 4 * NSEC_PER_SEC, start + 4200 * MS);
	push_loss(s, sid, vm, STORE_BURST, start + 3900 * MS, 400 * MS, STORE_END_CLOSED);
	run_row(s, sid, start, NULL, 0);
	assert_int_equal(store_flush(s), 0);
	store_session_end(s, sid, start + 10 * NSEC_PER_SEC, "stopped");
	return sid;
}

/* A monitor session (no run) with a span set by `hamon mark`. */
static int64_t
make_span_session(struct store *s, int64_t start)
{
	int64_t sid = run_session(s, start);
	int64_t vm = run_target(s, "vm101", "icmp://198.18.0.2", 0);

	run_probes(s, sid, vm, start, start, start);
	run_event(s, sid, 0, start + 1 * NSEC_PER_SEC, "span-begin", "drain node1");
	run_event(s, sid, 0, start + 9 * NSEC_PER_SEC, "span-end", "drain node1");
	assert_int_equal(store_flush(s), 0);
	store_session_end(s, sid, start + 10 * NSEC_PER_SEC, "stopped");
	return sid;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	char err[256];

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/test_formats.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->a, sizeof fx->a, "%s/a.db", fx->dir);
	snprintf(fx->b, sizeof fx->b, "%s/b.db", fx->dir);
	fx->sa = make_db(fx->a, 0);
	fx->sb = make_db(fx->b, 1);
	put_bench(fx->sa, "host", T0, 1.0);
	put_bench(fx->sa, "kvm", T0 + NSEC_PER_SEC, 0.95);
	snprintf(fx->c, sizeof fx->c, "%s/c.db", fx->dir);
	fx->sc = store_open(fx->c, STORE_WRITE, err, sizeof err);
	if (fx->sc == NULL)
		fail_msg("%s", err);
	fx->runs[0] = make_rich_run(fx->sc);
	fx->runs[1] = make_plain_run(fx->sc, T1 + 3600 * NSEC_PER_SEC);
	fx->runs[2] = make_span_session(fx->sc, T1 + 7200 * NSEC_PER_SEC);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[128];
	size_t i;

	store_close(fx->sa);
	store_close(fx->sb);
	store_close(fx->sc);
	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s%s", fx->a, sfx[i]);
		unlink(p);
		snprintf(p, sizeof p, "%s%s", fx->b, sfx[i]);
		unlink(p);
		snprintf(p, sizeof p, "%s%s", fx->c, sfx[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* ---- field sets ---- */

/* The field called name, added when new. */
static struct field *
fields_get(struct fields *fs, const char *name)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].name, name) == 0)
			return &fs->f[i];
	assert_true(fs->n < MAX_FIELDS);
	assert_true(strlen(name) < sizeof fs->f[0].name);
	snprintf(fs->f[fs->n].name, sizeof fs->f[0].name, "%s", name);
	fs->f[fs->n].types = 0;
	fs->f[fs->n].decimals = 0;
	return &fs->f[fs->n++];
}

/* A number token at p (length n): its type and decimals; integers beyond
 * 2^53 fail. */
static unsigned
classify_number(const char *p, size_t n, int *decimals, const char *where)
{
	char tok[64];
	const char *dot;
	size_t i;

	assert_true(n > 0 && n < sizeof tok);
	memcpy(tok, p, n);
	tok[n] = '\0';
	for (i = tok[0] == '-' ? 1 : 0; i < n; i++)
		if (!isdigit((unsigned char)tok[i]) && tok[i] != '.')
			return TY_STRING; /* CSV: not a plain number */
	if (i == (tok[0] == '-' ? 1u : 0u))
		return TY_STRING;
	if ((dot = strchr(tok, '.')) == NULL) {
		const char *d = tok[0] == '-' ? tok + 1 : tok;

		/* 2^53 = 9007199254740992, 16 digits */
		if (strlen(d) > 16 || (strlen(d) == 16 && strcmp(d, "9007199254740992") > 0))
			fail_msg("%s: integer %s is above 2^53", where, tok);
		*decimals = -1;
		return TY_INTEGER;
	}
	if (strchr(dot + 1, '.') != NULL || dot[1] == '\0' || dot == tok ||
	    (tok[0] == '-' && dot == tok + 1))
		return TY_STRING;
	*decimals = (int)strlen(dot + 1);
	return TY_NUMBER;
}

/* Record a value of type t (and decimals for a number) under name. */
static void
fields_add(struct fields *fs, const char *name, unsigned t, int decimals)
{
	struct field *f = fields_get(fs, name);

	f->types |= t;
	if (t == TY_NUMBER)
		f->decimals |= 1u << decimals;
}

/* ---- a JSON scanner that records every key with its path ---- */

struct scan {
	const char *p;
	struct fields *fs;
};

static void
scan_ws(struct scan *s)
{
	while (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r')
		s->p++;
}

/* A string literal into out (escapes reduced to one character). */
static void
scan_string(struct scan *s, char *out, size_t len)
{
	size_t n = 0;
	char c;

	assert_int_equal(*s->p, '"');
	s->p++;
	while (*s->p != '"') {
		assert_true(*s->p != '\0');
		if (*s->p == '\\') {
			s->p++;
			assert_true(*s->p != '\0');
			c = *s->p == 'u' ? '?' : *s->p;
			s->p += *s->p == 'u' ? 5 : 1;
		} else
			c = *s->p++;
		if (n + 1 < len)
			out[n++] = c;
	}
	s->p++;
	out[n] = '\0';
}

/* One value whose path is path; its members recorded. Returns its type. */
static unsigned
scan_value(struct scan *s, const char *path, int *decimals)
{
	char key[128], child[256];
	const char *q;
	unsigned t;
	int d;

	scan_ws(s);
	*decimals = -1;
	switch (*s->p) {
	case '{':
		s->p++;
		scan_ws(s);
		if (*s->p == '}') {
			s->p++;
			return TY_OBJECT;
		}
		for (;;) {
			scan_ws(s);
			scan_string(s, key, sizeof key);
			snprintf(child, sizeof child, "%s%s%s", path, path[0] ? "." : "", key);
			scan_ws(s);
			assert_int_equal(*s->p, ':');
			s->p++;
			t = scan_value(s, child, &d);
			fields_add(s->fs, child, t, d);
			scan_ws(s);
			if (*s->p == '}') {
				s->p++;
				return TY_OBJECT;
			}
			assert_int_equal(*s->p, ',');
			s->p++;
		}
	case '[':
		s->p++;
		snprintf(child, sizeof child, "%s[]", path);
		scan_ws(s);
		if (*s->p == ']') {
			s->p++;
			return TY_ARRAY;
		}
		for (;;) {
			scan_value(s, child, &d);
			scan_ws(s);
			if (*s->p == ']') {
				s->p++;
				return TY_ARRAY;
			}
			assert_int_equal(*s->p, ',');
			s->p++;
		}
	case '"':
		scan_string(s, key, sizeof key);
		return TY_STRING;
	}
	if (strncmp(s->p, "true", 4) == 0 || strncmp(s->p, "false", 5) == 0) {
		s->p += s->p[0] == 't' ? 4 : 5;
		return TY_BOOLEAN;
	}
	if (strncmp(s->p, "null", 4) == 0) {
		s->p += 4;
		return TY_NULL;
	}
	for (q = s->p; *q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E' ||
		       isdigit((unsigned char)*q);
	     q++)
		;
	if (q == s->p)
		fail_msg("not JSON at \"%.20s\"", s->p);
	t = classify_number(s->p, (size_t)(q - s->p), decimals, path);
	if (t == TY_STRING)
		fail_msg("%s: \"%.*s\" is not a number hamon writes", path, (int)(q - s->p), s->p);
	s->p = q;
	return t;
}

/* Every key of one JSON document (exactly one value, then a newline). */
static void
scan_json(const char *text, struct fields *fs)
{
	struct scan s = { text, fs };
	int d;

	scan_value(&s, "", &d);
	assert_int_equal(*s.p, '\n');
	assert_int_equal(s.p[1], '\0');
}

/* Every column of a CSV text (no quoted fields in these fixtures), with
 * the types of its cells; an empty cell counts as null. */
static void
scan_csv(const char *text, struct fields *fs)
{
	char *copy = strdup(text), *line, *rest = copy, *cell, *p;
	struct field *cols[MAX_FIELDS];
	size_t ncol = 0, i, lines = 0;
	int d;

	assert_non_null(copy);
	line = strsep(&rest, "\n");
	for (p = line; (cell = strsep(&p, ",")) != NULL;) {
		assert_true(ncol < MAX_FIELDS);
		cols[ncol++] = fields_get(fs, cell);
	}
	while ((line = strsep(&rest, "\n")) != NULL && line[0] != '\0') {
		lines++;
		for (i = 0, p = line; (cell = strsep(&p, ",")) != NULL; i++) {
			unsigned t;

			assert_true(i < ncol);
			t = cell[0] == '\0'
				    ? TY_NULL
				    : classify_number(cell, strlen(cell), &d, cols[i]->name);
			cols[i]->types |= t;
			if (t == TY_NUMBER)
				cols[i]->decimals |= 1u << d;
		}
		assert_int_equal(i, ncol);
	}
	assert_true(lines > 0);
	free(copy);
}

/* ---- FORMATS.md ---- */

/* The document's text. */
static char *
read_doc(void)
{
	const char *top = getenv("top_srcdir");
	char path[512];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof path, "%s/report/FORMATS.md", top != NULL ? top : ".");
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("%s: cannot read (set top_srcdir)", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Add name with <label> expanded to every label, <other> to every label
 * but the first, <base> to the first. */
static void
doc_add(struct fields *fs, const char *name, unsigned types, unsigned decimals,
	const char *const *labels, size_t nlabels)
{
	const char *ph = strstr(name, "<label>")   ? "<label>"
			 : strstr(name, "<other>") ? "<other>"
						   : NULL;
	char buf[128], tmp[128];
	const char *at, *base;
	size_t i;
	struct field *f;

	if (ph == NULL) {
		if ((at = strstr(name, "<base>")) == NULL) {
			f = fields_get(fs, name);
			if (f->types != 0)
				fail_msg("FORMATS.md: %s listed twice", name);
			f->types = types;
			f->decimals = decimals;
			return;
		}
		base = labels[0];
		snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - name), name, base, at + 6);
		doc_add(fs, buf, types, decimals, labels, nlabels);
		return;
	}
	at = strstr(name, ph);
	for (i = strcmp(ph, "<other>") == 0 ? 1 : 0; i < nlabels; i++) {
		snprintf(tmp, sizeof tmp, "%.*s%s%s", (int)(at - name), name, labels[i], at + 7);
		doc_add(fs, tmp, types, decimals, labels, nlabels);
	}
}

/* The fields the checked table id lists ("<!-- fields: id -->" above it). */
static void
doc_fields(const char *doc, const char *id, const char *const *labels, size_t nlabels,
	   struct fields *fs)
{
	char marker[64], line[1024];
	const char *p, *eol;
	size_t rows = 0;

	snprintf(marker, sizeof marker, "<!-- fields: %s -->\n", id);
	if ((p = strstr(doc, marker)) == NULL)
		fail_msg("FORMATS.md has no table %s", id);
	p += strlen(marker);
	for (; *p == '|'; p = eol + 1) {
		char *cell[5], *q = line, *c, *name, *w, *end;
		unsigned types = 0, decimals = 0;
		size_t n = 0, i;

		eol = strchr(p, '\n');
		assert_non_null(eol);
		assert_true((size_t)(eol - p) < sizeof line);
		memcpy(line, p, (size_t)(eol - p));
		line[eol - p] = '\0';
		while (n < 5 && (c = strsep(&q, "|")) != NULL)
			cell[n++] = c;
		assert_true(n == 5); /* "", field, type, unit, meaning... */
		if ((name = strchr(cell[1], '`')) == NULL)
			continue; /* header or separator */
		name++;
		if ((end = strchr(name, '`')) == NULL)
			fail_msg("FORMATS.md %s: unclosed ` in \"%s\"", id, line);
		*end = '\0';
		/* the type: "number or null" */
		for (w = strtok(cell[2], " "); w != NULL; w = strtok(NULL, " ")) {
			if (strcmp(w, "or") == 0)
				continue;
			for (i = 0; i < NTYPES && strcmp(w, type_names[i]) != 0; i++)
				;
			if (i == NTYPES)
				fail_msg("FORMATS.md %s: %s: unknown type \"%s\"", id, name, w);
			types |= 1u << i;
		}
		if (types == 0)
			fail_msg("FORMATS.md %s: %s: no type", id, name);
		/* the precision: "ms, 3 decimals", "µs, 1 decimal" */
		if ((w = strstr(cell[3], " decimal")) != NULL) {
			while (w > cell[3] && isdigit((unsigned char)w[-1]))
				w--;
			decimals = (unsigned)atoi(w) + 1;
		}
		doc_add(fs, name, types, decimals, labels, nlabels);
		rows++;
	}
	if (rows == 0)
		fail_msg("FORMATS.md table %s is empty", id);
}

/* The keys written (got) against the keys listed (want): same set, each
 * value of a documented type, each number with the documented decimals. */
static void
check_fields(const char *id, const struct fields *got, const struct fields *want)
{
	size_t i, j;
	char names[512] = "";

	for (i = 0; i < want->n; i++) {
		for (j = 0; j < got->n && strcmp(got->f[j].name, want->f[i].name) != 0; j++)
			;
		if (j == got->n)
			fail_msg("%s: FORMATS.md lists \"%s\", the output has no such field", id,
				 want->f[i].name);
	}
	for (j = 0; j < got->n; j++) {
		const struct field *g = &got->f[j];
		const struct field *w = NULL;

		for (i = 0; i < want->n; i++)
			if (strcmp(want->f[i].name, g->name) == 0)
				w = &want->f[i];
		if (w == NULL)
			fail_msg("%s: the output writes \"%s\", which FORMATS.md does not list", id,
				 g->name);
		if (g->types & ~w->types) {
			for (i = 0; i < NTYPES; i++)
				if (g->types & ~w->types & (1u << i))
					snprintf(names + strlen(names),
						 sizeof names - strlen(names), " %s",
						 type_names[i]);
			fail_msg("%s: \"%s\" is written as%s, which FORMATS.md does not list", id,
				 g->name, names);
		}
		if (w->decimals != 0 && (g->types & TY_NUMBER) &&
		    g->decimals != 1u << (w->decimals - 1))
			fail_msg("%s: \"%s\" has numbers with other than %u decimals (mask %#x)",
				 id, g->name, w->decimals - 1, g->decimals);
	}
}

/* Strip "[]." off the start of every name (rows of a top-level array). */
static void
fields_strip_array(struct fields *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strncmp(fs->f[i].name, "[].", 3) == 0)
			memmove(fs->f[i].name, fs->f[i].name + 3, strlen(fs->f[i].name + 3) + 1);
}

/* ---- the outputs ---- */

/* History of one database (s != NULL) or merged from both, in fmt. */
static char *
run_history(struct fixture *fx, int merged, enum out_format fmt)
{
	struct store_loss_filter f;
	struct store *st[2] = { fx->sa, fx->sb };
	const char *names[2] = { fx->a, fx->b };
	char err[256], *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	long n;

	assert_non_null(fp);
	memset(&f, 0, sizeof f);
	f.kind = -1;
	n = merged ? report_history_merged(st, names, 2, &f, fmt, fp, err, sizeof err)
		   : report_history(fx->sa, &f, fmt, fp, err, sizeof err);
	fclose(fp);
	if (n < 0)
		fail_msg("history: %s", err);
	assert_int_equal(n, merged ? 4 : 2);
	return out;
}

/* history --availability of the first database, in fmt, over all time. */
static char *
run_availability(struct fixture *fx, enum out_format fmt)
{
	char err[256], *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	long n;

	assert_non_null(fp);
	n = report_availability(fx->sa, NULL, 1, INT64_MAX / 2, fmt, fp, err, sizeof err);
	fclose(fp);
	if (n < 0)
		fail_msg("availability: %s", err);
	assert_true(n > 0);
	return out;
}

/* report --bench in format. */
static char *
run_bench(struct fixture *fx, const char *format)
{
	char err[256], *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	int rc;

	assert_non_null(fp);
	rc = bench_report(fx->sa, NULL, format, fp, err, sizeof err);
	fclose(fp);
	if (rc != 0)
		fail_msg("report --bench: %s", err);
	return out;
}

static const char *const bench_labels[] = { "host", "kvm" };

/* history --format json, one database and merged. */
static void
test_history_json(void **state)
{
	struct fixture *fx = *state;
	struct fields got = { .n = 0 }, want = { .n = 0 };
	char *doc = read_doc(), *out;

	out = run_history(fx, 0, OUT_JSON);
	scan_json(out, &got);
	free(out);
	out = run_history(fx, 1, OUT_JSON);
	scan_json(out, &got);
	free(out);
	fields_strip_array(&got);
	doc_fields(doc, "history-json", NULL, 0, &want);
	check_fields("history json", &got, &want);
	free(doc);
}

/* history --format csv, one database and merged. */
static void
test_history_csv(void **state)
{
	struct fixture *fx = *state;
	struct fields got = { .n = 0 }, want = { .n = 0 };
	char *doc = read_doc(), *out;

	out = run_history(fx, 0, OUT_CSV);
	scan_csv(out, &got);
	free(out);
	out = run_history(fx, 1, OUT_CSV);
	scan_csv(out, &got);
	free(out);
	doc_fields(doc, "history-csv", NULL, 0, &want);
	check_fields("history csv", &got, &want);
	free(doc);
}

/* history --availability, JSON and CSV. */
static void
test_availability(void **state)
{
	struct fixture *fx = *state;
	struct fields got = { .n = 0 }, want = { .n = 0 };
	char *doc = read_doc(), *out;

	out = run_availability(fx, OUT_JSON);
	scan_json(out, &got);
	free(out);
	fields_strip_array(&got);
	doc_fields(doc, "availability-json", NULL, 0, &want);
	check_fields("availability json", &got, &want);
	memset(&got, 0, sizeof got);
	memset(&want, 0, sizeof want);
	out = run_availability(fx, OUT_CSV);
	scan_csv(out, &got);
	free(out);
	doc_fields(doc, "availability-csv", NULL, 0, &want);
	check_fields("availability csv", &got, &want);
	free(doc);
}

/* report --bench --format json. */
static void
test_bench_json(void **state)
{
	struct fixture *fx = *state;
	struct fields got = { .n = 0 }, want = { .n = 0 };
	char *doc = read_doc(), *out;

	out = run_bench(fx, "json");
	scan_json(out, &got);
	/* a missing value and its ratio are null, not left out */
	assert_non_null(strstr(out, "\"kvm\":null"));
	free(out);
	doc_fields(doc, "bench-json", bench_labels, 2, &want);
	check_fields("report --bench json", &got, &want);
	free(doc);
}

/* report --bench --format csv. */
static void
test_bench_csv(void **state)
{
	struct fixture *fx = *state;
	struct fields got = { .n = 0 }, want = { .n = 0 };
	char *doc = read_doc(), *out;

	out = run_bench(fx, "csv");
	scan_csv(out, &got);
	free(out);
	doc_fields(doc, "bench-csv", bench_labels, 2, &want);
	check_fields("report --bench csv", &got, &want);
	free(doc);
}

static const char *const rtt_windows[] = { "before", "during", "after" };

/* The report of session id of store st in fmt. */
static char *
run_report(struct store *st, int64_t id, enum rr_format fmt)
{
	char err[256], *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	assert_non_null(fp);
	if (report_print_session(st, id, fmt, fp, err, sizeof err) != 0)
		fail_msg("report: %s", err);
	fclose(fp);
	return out;
}

/* report --format csv of a plain session and of the runs. */
static void
test_report_csv(void **state)
{
	struct fixture *fx = *state;
	struct fields got = { .n = 0 }, want = { .n = 0 };
	struct store_session_row row;
	char *doc = read_doc(), *out, err[256];
	size_t i;

	assert_int_equal(store_get_session(fx->sa, 0, 0, &row, err, sizeof err), 0);
	out = run_report(fx->sa, row.id, RR_FMT_CSV);
	scan_csv(out, &got);
	free(out);
	for (i = 0; i < 3; i++) {
		out = run_report(fx->sc, fx->runs[i], RR_FMT_CSV);
		scan_csv(out, &got);
		free(out);
	}
	doc_fields(doc, "report-csv", rtt_windows, 3, &want);
	check_fields("report csv", &got, &want);
	free(doc);
}

/* report --format json of the runs and the span session: together they
 * write every optional object, so every documented key is seen. */
static void
test_report_json(void **state)
{
	struct fixture *fx = *state;
	struct fields got = { .n = 0 }, want = { .n = 0 };
	char *doc = read_doc(), *out;
	size_t i;

	for (i = 0; i < 3; i++) {
		out = run_report(fx->sc, fx->runs[i], RR_FMT_JSON);
		scan_json(out, &got);
		if (i == 0) {
			/* the parts the fixture is there for are not null */
			assert_null(strstr(out, "\"hypervisor\":null"));
			assert_null(strstr(out, "\"failover_marker\":null"));
			assert_null(strstr(out, "\"timing\":null"));
		}
		free(out);
	}
	doc_fields(doc, "report-json", rtt_windows, 3, &want);
	check_fields("report json", &got, &want);
	free(doc);
}

/* report --label in fmt. */
static char *
run_label(struct fixture *fx, const char *label, enum rr_format fmt)
{
	char err[256], *out = NULL;
	size_t len = 0;
	struct run_aggregate *a = report_build_label(fx->sc, label, err, sizeof err);
	FILE *fp;

	if (a == NULL)
		fail_msg("report --label: %s", err);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	assert_int_equal(runagg_render(a, fmt, fp), 0);
	fclose(fp);
	runagg_free(a);
	return out;
}

/* report --label --format json: of the two runs, and of a label without runs
 * (its nulls). */
static void
test_label_json(void **state)
{
	struct fixture *fx = *state;
	struct fields got = { .n = 0 }, want = { .n = 0 };
	char *doc = read_doc(), *out;

	out = run_label(fx, RUN_LABEL, RR_FMT_JSON);
	assert_non_null(strstr(out, "\"runs\":2"));
	scan_json(out, &got);
	free(out);
	out = run_label(fx, "no-such-label", RR_FMT_JSON);
	scan_json(out, &got);
	free(out);
	doc_fields(doc, "label-json", NULL, 0, &want);
	check_fields("report --label json", &got, &want);
	free(doc);
}

/* report --label --format csv. */
static void
test_label_csv(void **state)
{
	struct fixture *fx = *state;
	struct fields got = { .n = 0 }, want = { .n = 0 };
	char *doc = read_doc(), *out;

	out = run_label(fx, RUN_LABEL, RR_FMT_CSV);
	scan_csv(out, &got);
	free(out);
	doc_fields(doc, "label-csv", NULL, 0, &want);
	check_fields("report --label csv", &got, &want);
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_json), cmocka_unit_test(test_history_csv),
		cmocka_unit_test(test_availability),
		cmocka_unit_test(test_bench_json),   cmocka_unit_test(test_bench_csv),
		cmocka_unit_test(test_report_csv),   cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_label_json),   cmocka_unit_test(test_label_csv),
	};

	/* the hypervisor's local time stamps, read in UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	log_init("test_formats", 0, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
