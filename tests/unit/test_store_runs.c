/* SPDX-License-Identifier: ISC */
/* test_store_runs.c: runs (schema version 2) and the reads reports make:
 * a run round trip, the latest session, runs by label, records and the
 * targets of a session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/store_fixture.h"

/* A run goes in and comes back field for field, replaces itself, and is
 * shown by runs_v; bad runs are refused with a reason. */
static void
test_run_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct store_run run = make_run(0, "mig-101");
	struct store_session_row *row = calloc(1, sizeof *row);
	struct store_sample smp;
	struct store *r;
	char buf[256], *longcmd;
	size_t i;

	assert_non_null(row);
	open_writer(fx);
	assert_int_equal(store_writer_start(fx->s, 10, fx->err, sizeof fx->err), 0);
	run.session_id = fx->sid;

	/* while running: no end, no duration, exit -1; the writer keeps writing */
	run.cmd_end_ns = 0;
	run.cmd_duration_ns = 0;
	run.exit_status = -1;
	run.hv_json = NULL;
	for (i = 0; i < 100; i++) {
		smp =
			(struct store_sample){ fx->sid,         fx->vm1, (uint64_t)i,
					       T0 + (int64_t)i, 1000,    0 };
		store_push_sample(fx->s, &smp);
		if (i % 10 == 0)
			assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	}
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM samples"), 100);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT cmd_end_ns IS NULL AND cmd_duration_ns IS NULL"
					   " AND hv_json IS NULL FROM runs"),
			 1);
	assert_int_equal(store_get_session(fx->s, fx->sid, 0, row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row->has_run, 1);
	assert_int_equal(row->cmd_end_ns, 0);
	assert_int_equal(row->cmd_duration_ns, 0);
	assert_int_equal(row->exit_status, -1);
	assert_string_equal(row->hv_json, "");
	assert_int_equal(row->ended_ns, 0);
	assert_string_equal(row->end_state, "");
	assert_string_equal(sql_text(fx->path,
				     "SELECT coalesce(end, '-') || ' ' ||"
				     " coalesce(duration_ms, '-') FROM runs_v",
				     buf, sizeof buf),
			    "- -");

	/* finished: replaced in place */
	run = make_run(fx->sid, "mig-101");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	store_session_end(fx->s, fx->sid, T0 + 60 * NSEC_PER_SEC, "stopped");
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(store_get_session(fx->s, fx->sid, 1, row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row->id, fx->sid);
	assert_int_equal(row->started_ns, T0 - 10 * NSEC_PER_SEC);
	assert_int_equal(row->ended_ns, T0 + 60 * NSEC_PER_SEC);
	assert_string_equal(row->end_state, "stopped");
	assert_string_equal(row->argv, "hamon test");
	assert_int_equal(row->has_run, 1);
	assert_string_equal(row->label, "mig-101");
	assert_string_equal(row->kind, "migration");
	assert_string_equal(row->cmd, run.argv);
	assert_int_equal(row->cmd_start_ns, run.cmd_start_ns);
	assert_int_equal(row->cmd_end_ns, run.cmd_end_ns);
	assert_int_equal(row->cmd_duration_ns, run.cmd_duration_ns);
	assert_int_equal(row->exit_status, 3);
	assert_true(row->output_bytes == run.output_bytes);
	assert_string_equal(row->hv_json, run.hv_json);
	assert_string_equal(
		sql_text(fx->path,
			 "SELECT label || ' ' || kind || ' ' || command || ' ' || start"
			 " || ' ' || end || ' ' || printf('%.6f', duration_ms) || ' ' ||"
			 " exit_status || ' ' || session_id FROM runs_v",
			 buf, sizeof buf),
		"mig-101 migration qm migrate 101 node2 --online"
		" 2025-11-25T23:13:47.123457Z 2025-11-25T23:14:29.123458Z 42000.000999 3 1");

	/* the same through a reader */
	r = store_open(fx->path, STORE_READ, fx->err, sizeof fx->err);
	assert_non_null(r);
	memset(row, 0, sizeof *row);
	assert_int_equal(store_get_session(r, 0, 1, row, fx->err, sizeof fx->err), 0);
	assert_string_equal(row->hv_json, run.hv_json);
	assert_true(row->output_bytes == run.output_bytes);
	/* and it refuses to write */
	assert_int_equal(store_run_put(r, &run, fx->err, sizeof fx->err), -1);
	store_close(r);

	/* NULL label and kind; a command longer than cmd[] is cut at a character */
	longcmd = malloc(2000);
	assert_non_null(longcmd);
	for (i = 0; i + 2 < 2000; i += 2)
		memcpy(longcmd + i, "\xc3\xa9", 2); /* é */
	longcmd[i] = '\0';
	run.label = NULL;
	run.kind = NULL;
	run.argv = longcmd;
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	assert_int_equal(sql_int(fx->path, "SELECT label IS NULL FROM runs"), 1);
	assert_int_equal(sql_int(fx->path, "SELECT length(CAST(argv AS BLOB)) FROM runs"), 1998);
	assert_int_equal(store_get_session(fx->s, 0, 1, row, fx->err, sizeof fx->err), 0);
	assert_string_equal(row->label, "");
	assert_string_equal(row->kind, "custom");
	assert_int_equal(strlen(row->cmd), 1022); /* 511 whole é, not 1023 bytes */
	assert_memory_equal(row->cmd, longcmd, 1022);
	free(longcmd);

	/* refused: an unknown session, a bad exit status, too long a label or JSON */
	run = make_run(fx->sid + 5, "x");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), -1);
	assert_non_null(strstr(fx->err, "cannot store the run of session"));
	run = make_run(fx->sid, "x");
	run.exit_status = 256;
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), -1);
	run.exit_status = 0;
	memset(buf, 'a', sizeof row->label);
	buf[sizeof row->label] = '\0';
	run.label = buf;
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), -1);
	assert_non_null(strstr(fx->err, "too long"));
	buf[sizeof row->label - 1] = '\0'; /* exactly fits */
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	assert_int_equal(store_get_session(fx->s, fx->sid, 1, row, fx->err, sizeof fx->err), 0);
	assert_string_equal(row->label, buf);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM runs"), 1);
	free(row);
}

/* The latest session is the highest id; the latest run the highest id with
 * a run. By id, runs_only finds only sessions with a run. */
static void
test_latest_session(void **state)
{
	struct fixture *fx = *state;
	struct store_session_row row;
	struct store_run run;
	int64_t s1, s2, s3;

	open_writer(fx);
	s1 = fx->sid;
	s2 = next_session(fx, "hamon run -- second");
	s3 = next_session(fx, "hamon monitor");
	assert_true(s1 < s2 && s2 < s3);
	assert_int_equal(store_get_session(fx->s, 0, 1, &row, fx->err, sizeof fx->err), 1);
	run = make_run(s2, "b");
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
	run = make_run(s1, "a"); /* written later, but the older session */
	assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);

	assert_int_equal(store_get_session(fx->s, 0, 0, &row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row.id, s3);
	assert_int_equal(row.has_run, 0);
	assert_string_equal(row.argv, "hamon monitor");
	assert_string_equal(row.cmd, "");
	assert_int_equal(row.output_bytes, 0);
	assert_int_equal(store_get_session(fx->s, 0, 1, &row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row.id, s2);
	assert_string_equal(row.label, "b");
	assert_string_equal(row.argv, "hamon run -- second");
	assert_int_equal(store_get_session(fx->s, s1, 1, &row, fx->err, sizeof fx->err), 0);
	assert_string_equal(row.label, "a");
	assert_string_equal(row.end_state, "stopped");
	assert_int_equal(store_get_session(fx->s, s3, 1, &row, fx->err, sizeof fx->err), 1);
	assert_int_equal(store_get_session(fx->s, s3, 0, &row, fx->err, sizeof fx->err), 0);
	assert_int_equal(row.id, s3);
	assert_int_equal(store_get_session(fx->s, s3 + 1, 0, &row, fx->err, sizeof fx->err), 1);
	assert_int_equal(store_get_session(fx->s, -1, 0, &row, fx->err, sizeof fx->err), -1);
}

/* Runs of a label, oldest session first whatever order they were written
 * in; NULL lists the unlabelled ones; a callback may query the store. */
static void
test_runs_by_label(void **state)
{
	struct fixture *fx = *state;
	struct collect2 *c = collect2_new();
	static const struct {
		const char *label;
		int order; /* position in the order of writing */
	} runs[] = { { "mig", 2 }, { "fo", 0 }, { "mig", 3 }, { NULL, 4 }, { "mig", 1 } };
	int64_t sid[5];
	size_t i, w;

	open_writer(fx);
	sid[0] = fx->sid;
	for (i = 1; i < 5; i++)
		sid[i] = next_session(fx, "hamon run");
	for (w = 0; w < 5; w++) {
		for (i = 0; i < 5; i++) {
			struct store_run run;

			if (runs[i].order != (int)w)
				continue;
			run = make_run(sid[i], runs[i].label);
			run.exit_status = (int)i;
			assert_int_equal(store_run_put(fx->s, &run, fx->err, sizeof fx->err), 0);
		}
	}

	c->s = fx->s;
	assert_int_equal(store_query_runs_by_label(fx->s, "mig", collect_session, c, fx->err,
						   sizeof fx->err),
			 0);
	assert_int_equal(c->n, 3);
	assert_int_equal(c->sess[0].id, sid[0]);
	assert_int_equal(c->sess[1].id, sid[2]);
	assert_int_equal(c->sess[2].id, sid[4]);
	assert_int_equal(c->sess[1].exit_status, 2);
	assert_string_equal(c->sess[2].label, "mig");
	assert_int_equal(c->nested, sid[0] + sid[2] + sid[4]); /* no deadlock, and found */

	memset(c, 0, sizeof *c);
	assert_int_equal(
		store_query_runs_by_label(fx->s, NULL, collect_session, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->sess[0].id, sid[3]);
	assert_string_equal(c->sess[0].label, "");

	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_runs_by_label(fx->s, "none", collect_session, c, fx->err,
						   sizeof fx->err),
			 0);
	assert_int_equal(c->n, 0);
	memset(c, 0, sizeof *c);
	c->stop_after = 1;
	assert_int_equal(store_query_runs_by_label(fx->s, "mig", collect_session, c, fx->err,
						   sizeof fx->err),
			 0);
	assert_int_equal(c->n, 1);
	free(c);
}

/* Events, samples and seconds of one session come back exact and in order,
 * with NULLs as documented, and nothing of another session or target. */
static void
test_read_records(void **state)
{
	struct fixture *fx = *state;
	struct collect2 *c = collect2_new();
	struct store_event ev;
	struct store_sample smp;
	struct store_second sec;
	int64_t s1, s2;
	uint64_t seqs[] = { 5, 1, 3 };
	size_t i;

	open_writer(fx);
	assert_int_equal(store_writer_start(fx->s, 10, fx->err, sizeof fx->err), 0);
	s1 = fx->sid;
	/* out of time order; two at the same time keep their insertion order */
	ev = (struct store_event){ s1, fx->vm1, T0 + 2, "span-end", "migrate" };
	store_push_event(fx->s, &ev);
	ev = (struct store_event){ s1, 0, T0 + 1, "marker", NULL };
	store_push_event(fx->s, &ev);
	ev = (struct store_event){ s1, fx->vm2, T0 + 1, "refused", "port 22" };
	store_push_event(fx->s, &ev);
	for (i = 0; i < 3; i++) {
		smp = (struct store_sample){ s1,
					     fx->vm1,
					     seqs[i],
					     T0 + (int64_t)seqs[i] * 10 * MS,
					     seqs[i] == 3 ? -1 : (int64_t)seqs[i] * 1000 + 7,
					     seqs[i] == 3 ? 1 : 0 };
		store_push_sample(fx->s, &smp);
	}
	smp = (struct store_sample){ s1, fx->vm2, 2, T0, 99, 0 }; /* other target */
	store_push_sample(fx->s, &smp);
	for (i = 0; i < 2; i++) {
		memset(&sec, 0, sizeof sec);
		sec.session_id = s1;
		sec.target_id = fx->vm1;
		sec.second = T0 / NSEC_PER_SEC + 1 - (int64_t)i; /* newer first */
		sec.sent = 100;
		sec.received = i == 0 ? 0 : 98;
		sec.lost = 100 - sec.received;
		sec.rtt_min_ns = i == 0 ? -1 : 90001;
		sec.rtt_max_ns = i == 0 ? -1 : 30000003;
		sec.rtt_sum_ns = i == 0 ? 0 : 49250000007LL;
		if (i == 1) {
			for (size_t b = 0; b < STORE_HIST_BUCKETS; b++)
				sec.hist[b] = (uint32_t)(b * 10 + 1);
			sec.hist[STORE_HIST_BUCKETS - 1] = UINT32_MAX;
		}
		store_push_second(fx->s, &sec);
	}
	assert_int_equal(store_flush(fx->s), 0);

	/* a second session with records of its own at the same times */
	s2 = next_session(fx, "hamon monitor");
	ev = (struct store_event){ s2, 0, T0, "marker", "other session" };
	store_push_event(fx->s, &ev);
	smp = (struct store_sample){ s2, fx->vm1, 1, T0, 5, 0 };
	store_push_sample(fx->s, &smp);
	sec.session_id = s2;
	store_push_second(fx->s, &sec);
	assert_int_equal(store_flush(fx->s), 0);
	assert_int_equal(store_rejected(fx->s), 0);

	assert_int_equal(store_query_events(fx->s, s1, collect_event, c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c->n, 3);
	assert_string_equal(c->ev[0].kind, "marker");
	assert_int_equal(c->ev[0].target_id, 0);
	assert_string_equal(c->ev[0].text, "");
	assert_int_equal(c->ev[0].ts_ns, T0 + 1);
	assert_int_equal(c->ev[0].session_id, s1);
	assert_string_equal(c->ev[1].kind, "refused");
	assert_int_equal(c->ev[1].target_id, fx->vm2);
	assert_string_equal(c->ev[1].text, "port 22");
	assert_true(c->ev[0].id < c->ev[1].id);
	assert_string_equal(c->ev[2].kind, "span-end");
	assert_int_equal(c->ev[2].ts_ns, T0 + 2);
	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_events(fx->s, s2, collect_event, c, fx->err, sizeof fx->err),
			 0);
	assert_int_equal(c->n, 1);
	assert_string_equal(c->ev[0].text, "other session");

	memset(c, 0, sizeof *c);
	assert_int_equal(
		store_query_samples(fx->s, s1, fx->vm1, collect_sample, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(c->smp[i].seq, i * 2 + 1);
		assert_int_equal(c->smp[i].session_id, s1);
		assert_int_equal(c->smp[i].target_id, fx->vm1);
		assert_int_equal(c->smp[i].tx_ns, T0 + (int64_t)(i * 2 + 1) * 10 * MS);
	}
	assert_int_equal(c->smp[0].rtt_ns, 1007);
	assert_int_equal(c->smp[1].rtt_ns, -1);
	assert_int_equal(c->smp[1].result, 1);
	assert_int_equal(c->smp[2].rtt_ns, 5007);
	memset(c, 0, sizeof *c);
	c->stop_after = 2;
	assert_int_equal(
		store_query_samples(fx->s, s1, fx->vm1, collect_sample, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 2);

	memset(c, 0, sizeof *c);
	assert_int_equal(
		store_query_seconds(fx->s, s1, fx->vm1, collect_second, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->sec[0].second, T0 / NSEC_PER_SEC);
	assert_int_equal(c->sec[1].second, T0 / NSEC_PER_SEC + 1);
	assert_int_equal(c->sec[0].session_id, s1);
	assert_int_equal(c->sec[0].target_id, fx->vm1);
	assert_int_equal(c->sec[0].sent, 100);
	assert_int_equal(c->sec[0].received, 98);
	assert_int_equal(c->sec[0].lost, 2);
	assert_int_equal(c->sec[0].rtt_min_ns, 90001);
	assert_int_equal(c->sec[0].rtt_max_ns, 30000003);
	assert_int_equal(c->sec[0].rtt_sum_ns, 49250000007LL);
	assert_memory_equal(c->sec[0].hist, sec.hist, sizeof sec.hist); /* UINT32_MAX too */
	assert_int_equal(c->sec[1].received, 0);
	assert_int_equal(c->sec[1].lost, 100);
	assert_int_equal(c->sec[1].rtt_min_ns, -1);
	assert_int_equal(c->sec[1].rtt_max_ns, -1);
	for (i = 0; i < STORE_HIST_BUCKETS; i++)
		assert_int_equal(c->sec[1].hist[i], 0);
	assert_int_equal(
		store_query_seconds(fx->s, s1, fx->vm2, collect_second, c, fx->err, sizeof fx->err),
		0);
	assert_int_equal(c->n, 2); /* vm2 has none */
	free(c);
}

/* The targets of a session: a summary, samples, losses or seconds each make
 * one count; ordered by name; another session's are left out. */
static void
test_session_targets(void **state)
{
	struct fixture *fx = *state;
	struct collect2 *c = collect2_new();
	static const char *const names[] = { "zeta", "alpha", "mike", "delta", "idle" };
	int64_t id[5];
	struct store_target_summary sum;
	struct store_sample smp;
	struct store_loss l;
	struct store_second sec;
	size_t i;

	open_writer(fx);
	for (i = 0; i < 5; i++) {
		struct store_target t = { names[i], "icmp://198.18.0.9",   "198.18.0.9", 2,
					  0,        (int64_t)(i + 1) * MS, 1000 * MS };

		id[i] = store_target_upsert(fx->s, &t, fx->err, sizeof fx->err);
		assert_true(id[i] > 0);
	}
	memset(&sum, 0, sizeof sum);
	sum.session_id = fx->sid;
	sum.target_id = id[0]; /* zeta: a summary */
	store_push_target_summary(fx->s, &sum);
	smp = (struct store_sample){ fx->sid, id[1], 1, T0, 10, 0 }; /* alpha: a sample */
	store_push_sample(fx->s, &smp);
	l = make_loss(fx->sid, id[2], STORE_BURST, T0, MS); /* mike: a loss */
	store_push_loss(fx->s, &l);
	memset(&sec, 0, sizeof sec); /* delta: a second */
	sec.session_id = fx->sid;
	sec.target_id = id[3];
	sec.second = T0 / NSEC_PER_SEC;
	store_push_second(fx->s, &sec);
	assert_int_equal(store_flush(fx->s), 0);

	c->s = fx->s; /* the callback reads the samples of session 1 */
	assert_int_equal(fx->sid, 1);
	assert_int_equal(store_query_session_targets(fx->s, fx->sid, collect_target, c, fx->err,
						     sizeof fx->err),
			 0);
	assert_int_equal(c->n, 4);
	assert_string_equal(c->tgt[0].name, "alpha");
	assert_string_equal(c->tgt[1].name, "delta");
	assert_string_equal(c->tgt[2].name, "mike");
	assert_string_equal(c->tgt[3].name, "zeta");
	assert_int_equal(c->tgt[0].id, id[1]);
	assert_int_equal(c->tgt[1].interval_ns, 4 * MS);
	assert_int_equal(c->tgt[3].timeout_ns, 1000 * MS);
	assert_string_equal(c->tgt[3].url, "icmp://198.18.0.9");
	assert_int_equal(c->nested, 1); /* alpha's one sample */

	/* idle only in the next session; vm1 and vm2 in none */
	next_session(fx, "hamon monitor");
	sec.session_id = fx->sid;
	sec.target_id = id[4];
	store_push_second(fx->s, &sec);
	assert_int_equal(store_flush(fx->s), 0);
	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_session_targets(fx->s, fx->sid, collect_target, c, fx->err,
						     sizeof fx->err),
			 0);
	assert_int_equal(c->n, 1);
	assert_string_equal(c->tgt[0].name, "idle");
	memset(c, 0, sizeof *c);
	assert_int_equal(store_query_session_targets(fx->s, fx->sid + 1, collect_target, c, fx->err,
						     sizeof fx->err),
			 0);
	assert_int_equal(c->n, 0);
	free(c);
}

/* Run every test. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_by_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_targets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
