/* SPDX-License-Identifier: ISC */
/* store_rate.c: fill a database through hamon's own store (the writer
 * thread, its queue and its statements) with the records of a long run, as
 * fast as the writer commits them, and say how fast that was. One run row
 * spans all of it, so `hamon report --run 1` then reads every sample:
 * store_bench.sh times that report.
 *
 * usage: store_rate DB TARGETS SECONDS [HZ]
 *   TARGETS targets probed at HZ (default 1000) for SECONDS of (simulated)
 *   time: TARGETS x SECONDS x HZ samples, a per-second row per target and
 *   second, and every 100 000th probe of a target lost in a burst of 3.
 *
 * Prints one line: samples, seconds, samples/s committed, records dropped.
 * Exit 1 on any failure or any dropped record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/timeutil.h"
#include "store/store.h"

#define CHUNK 400000 /* samples pushed between flushes: the queue never fills */

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "store_rate: %s: %s\n", what, err);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct store_session sess = { 0 };
	struct store_run run = { 0 };
	struct store *st;
	char err[512], name[32], url[64], addr[32];
	int64_t sid, *tid, base, t0, t1, ns_per;
	long targets, secs, hz, t;
	uint64_t seq, n = 0, pending = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: store_rate DB TARGETS SECONDS [HZ]\n");
		return 2;
	}
	targets = atol(argv[2]);
	secs = atol(argv[3]);
	hz = argc > 4 ? atol(argv[4]) : 1000;
	if (targets < 1 || targets > 10000 || secs < 1 || hz < 1 || hz > 100000) {
		fprintf(stderr, "store_rate: TARGETS 1..10000, SECONDS >= 1, HZ 1..100000\n");
		return 2;
	}
	unlink(argv[1]);
	if ((st = store_open(argv[1], STORE_WRITE, err, sizeof err)) == NULL)
		die(argv[1], err);
	ns_per = NSEC_PER_SEC / hz;
	base = time_real_ns() - (int64_t)secs * NSEC_PER_SEC - NSEC_PER_SEC;
	base -= base % NSEC_PER_SEC;
	sess.started_ns = base;
	sess.pid = (int)getpid();
	sess.hostname = "store-rate";
	sess.argv = "store_rate";
	if ((sid = store_session_begin(st, &sess, err, sizeof err)) < 0)
		die("session", err);
	tid = calloc((size_t)targets, sizeof *tid);
	for (t = 0; t < targets; t++) {
		struct store_target tg = { 0 };

		snprintf(name, sizeof name, "vm%ld", t + 100);
		snprintf(addr, sizeof addr, "198.18.%ld.%ld", 1 + t / 250, 1 + t % 250);
		snprintf(url, sizeof url, "icmp://%s", addr);
		tg.name = name;
		tg.url = url;
		tg.address = addr;
		tg.family = 2;
		tg.interval_ns = ns_per;
		tg.timeout_ns = 100 * NSEC_PER_MSEC;
		if ((tid[t] = store_target_upsert(st, &tg, err, sizeof err)) < 0)
			die("target", err);
	}
	if (store_writer_start(st, 50, err, sizeof err) != 0)
		die("writer", err);

	t0 = time_mono_ns();
	for (seq = 0; seq < (uint64_t)secs * (uint64_t)hz; seq++) {
		int64_t tx = base + (int64_t)seq * ns_per;

		for (t = 0; t < targets; t++) {
			/* every 100 000th probe starts a burst of 3 */
			int lost = (seq + (uint64_t)t * 7919) % 100000 < 3;
			struct store_sample smp = {
				sid,
				tid[t],
				seq,
				tx + t * (ns_per / targets),
				lost ? -1 : 50000 + (int64_t)((seq * 31 + (uint64_t)t) % 977) * 100,
				lost ? 1 : 0
			};

			store_push_sample(st, &smp);
			n++;
			if ((seq + (uint64_t)t * 7919) % 100000 == 2) {
				struct store_loss l = { 0 };

				l.session_id = sid;
				l.target_id = tid[t];
				l.kind = STORE_BURST;
				l.start_lo_ns = smp.tx_ns - 3 * ns_per;
				l.start_hi_ns = smp.tx_ns - 2 * ns_per;
				l.end_lo_ns = smp.tx_ns;
				l.end_hi_ns = smp.tx_ns + ns_per;
				l.start_ns = (l.start_lo_ns + l.start_hi_ns) / 2;
				l.end_ns = (l.end_lo_ns + l.end_hi_ns) / 2;
				l.duration_ns = l.end_ns - l.start_ns;
				l.lower_ns = l.end_lo_ns - l.start_hi_ns;
				l.upper_ns = l.end_hi_ns - l.start_lo_ns;
				l.lost = 3;
				l.first_seq = seq - 2;
				l.last_seq = seq;
				store_push_loss(st, &l);
			}
			if ((seq + 1) % (uint64_t)hz == 0) {
				struct store_second sec = { 0 };

				sec.session_id = sid;
				sec.target_id = tid[t];
				sec.second = (tx + ns_per) / NSEC_PER_SEC - 1;
				sec.sent = (uint32_t)hz;
				sec.received = (uint32_t)hz;
				sec.rtt_min_ns = 50000;
				sec.rtt_max_ns = 147600;
				sec.rtt_sum_ns = 99000 * hz;
				sec.hist[0] = (uint32_t)hz / 2;
				sec.hist[1] = (uint32_t)hz - (uint32_t)hz / 2;
				store_push_second(st, &sec);
			}
			if (++pending >= CHUNK) {
				if (store_flush(st) != 0)
					die("flush", "the write failed");
				pending = 0;
			}
		}
	}
	for (t = 0; t < targets; t++) {
		struct store_target_summary ts = { 0 };

		ts.session_id = sid;
		ts.target_id = tid[t];
		ts.sent = (uint64_t)secs * (uint64_t)hz;
		ts.lost = 3 * ((ts.sent + 99999) / 100000);
		ts.received = ts.sent - ts.lost;
		ts.rtt_min_ns = 50000;
		ts.rtt_avg_ns = 99000;
		ts.rtt_p99_ns = 146000;
		ts.rtt_max_ns = 147600;
		store_push_target_summary(st, &ts);
	}
	if (store_flush(st) != 0)
		die("flush", "the write failed");
	t1 = time_mono_ns();

	run.session_id = sid;
	run.label = "store-rate";
	run.kind = "custom";
	run.argv = "store_rate";
	run.cmd_start_ns = base + NSEC_PER_SEC / 2;
	run.cmd_end_ns = base + (int64_t)secs * NSEC_PER_SEC - NSEC_PER_SEC / 2;
	run.cmd_duration_ns = run.cmd_end_ns - run.cmd_start_ns;
	run.exit_status = 0;
	if (store_run_put(st, &run, err, sizeof err) != 0)
		die("run", err);
	store_session_end(st, sid, base + (int64_t)secs * NSEC_PER_SEC, "stopped");
	printf("%llu samples in %.2f s: %.0f samples/s committed, %llu dropped\n",
	       (unsigned long long)n, (double)(t1 - t0) / 1e9, (double)n * 1e9 / (double)(t1 - t0),
	       (unsigned long long)store_dropped(st));
	n = store_dropped(st);
	store_close(st);
	free(tid);
	return n == 0 ? 0 : 1;
}
