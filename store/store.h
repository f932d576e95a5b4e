/* SPDX-License-Identifier: ISC */
/* store.h: the SQLite store. The only module that includes <sqlite3.h>; this
 * header exposes no sqlite types. Times are CLOCK_REALTIME nanoseconds since
 * the epoch unless a name says otherwise; durations are nanoseconds measured
 * on CLOCK_MONOTONIC. */
#ifndef HAMON_STORE_H
#define HAMON_STORE_H
#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 6

struct store; /* opaque */

enum store_mode { STORE_READ = 0, STORE_WRITE = 1 };

/* Open (and for STORE_WRITE create or migrate) the database. NULL with a
 * one-line reason in err: `hamon.db: schema version 7 is newer than this
 * hamon (2)`. A database of an older schema is migrated in one transaction
 * by STORE_WRITE; STORE_READ leaves it as it is (a version 1 file reads as
 * one without runs). */
struct store *store_open(const char *path, enum store_mode mode, char *err, size_t errlen);
/* Flush everything queued, stop the writer thread, close. NULL is a no-op.
 * When the file went bad while in use (store_failed), the vital records
 * still queued are written to the rescue file NAME.rescue-PID.db beside it
 * (a fresh database of this schema, with the session and its targets),
 * and one line names it. */
void store_close(struct store *s);

/*
 * What store_open opens and every command checks first (store_path.c): a
 * regular file only (a FIFO, device, directory or socket is refused without
 * being opened in a way that could wait); a symbolic link anywhere on the
 * way only when the link is ours or root's, and the directory holding it
 * and every directory of the name it resolves to are writable by nobody
 * else (a sticky directory counts as safe only for an entry that is ours
 * or root's). A missing file is fine when create is set. 0 with the
 * resolved name in resolved (may be NULL), or -1 with one line in err.
 */
int store_path_check(const char *path, int create, char *resolved, size_t rlen, char *err,
		     size_t errlen);

/* store_open(path, STORE_WRITE) for the one monitor of a file: before SQLite
 * sees it, take a lock on the database file itself (a POSIX lock on byte
 * STORE_LOCK_BYTE of it, held until store_close), so that another name for
 * it (a symbolic or hard link) cannot let a second monitor write it. A
 * second one gets NULL and `hamon.db: another monitor (pid 4242) is
 * writing this database file (/var/lib/hamon/hamon.db)`. */
#define STORE_LOCK_BYTE 0x7ffffff0
struct store *store_open_monitor(const char *path, char *err, size_t errlen);

/* Nonzero once the file answered SQLITE_CORRUPT or SQLITE_NOTADB while in
 * use: nothing more is written to it (samples and seconds are shed, vital
 * records kept, at most STORE_RESCUE_VITAL_MAX, for the rescue file). The
 * monitor exits 1 then. */
#define STORE_RESCUE_VITAL_MAX 200000
int store_failed(const struct store *s);

/* ---- synchronous set-up calls (before the event loop runs) ---- */

struct store_session {
	int64_t started_ns;
	int pid;
	const char *hostname;
	const char *argv; /* the command line, space-joined */
};
/* Start a monitoring session. Sessions left open by a crash are closed
 * first as end_state "crashed" at their last recorded activity, and the
 * loss periods they left open are closed as "ended unknown". Returns id > 0. */
int64_t store_session_begin(struct store *s, const struct store_session *sess, char *err,
			    size_t errlen);

struct store_target {
	const char *name;
	const char *url;
	const char *address;
	int family;
	int port;
	int64_t interval_ns;
	int64_t timeout_ns;
};
/* Insert or update the target by name; returns its id > 0, or -1. */
int64_t store_target_upsert(struct store *s, const struct store_target *t, char *err,
			    size_t errlen);

/* Start the writer thread: queued records are committed in one transaction
 * every flush_ms (at most 1000). */
int store_writer_start(struct store *s, int flush_ms, char *err, size_t errlen);

/* ---- records queued from the event loop (never block, never fail) ---- */

enum store_loss_kind { STORE_BURST = 0, STORE_OUTAGE = 1 };
enum store_end_state {
	STORE_END_CLOSED = 0,  /* ended by a reply */
	STORE_END_AT_EXIT = 1, /* still open when the monitor stopped */
	STORE_END_UNKNOWN = 2, /* still open when the monitor crashed */
};

/* A loss burst (every run of consecutive lost probes) or an outage (a
 * thresholded DOWN period). start/end are the estimates (midpoints of their
 * bound intervals); lower/upper bound the duration. */
struct store_loss {
	int64_t session_id, target_id;
	enum store_loss_kind kind;
	int64_t start_ns, end_ns;         /* estimates */
	int64_t start_lo_ns, start_hi_ns; /* start lies in (lo, hi] */
	int64_t end_lo_ns, end_hi_ns;     /* end lies in [lo, hi) */
	int64_t duration_ns, lower_ns, upper_ns;
	uint64_t lost;                /* probes lost in it */
	uint64_t first_seq, last_seq; /* first and last lost probe */
	enum store_end_state end_state;
};
void store_push_loss(struct store *s, const struct store_loss *l);

enum store_state { STORE_STATE_UNKNOWN = 0, STORE_STATE_UP = 1, STORE_STATE_DOWN = 2 };
const char *store_state_name(enum store_state st);
struct store_transition {
	int64_t session_id, target_id;
	enum store_state from, to;
	int64_t effective_ns; /* back-dated: first lost probe / first ok probe */
	int64_t declared_ns;  /* when the threshold was met */
	uint64_t seq;
};
void store_push_transition(struct store *s, const struct store_transition *t);

/* One probe (only with --samples). rtt_ns < 0 when unanswered. result is an
 * enum probe_result value. */
struct store_sample {
	int64_t session_id, target_id;
	uint64_t seq;
	int64_t tx_ns;
	int64_t rtt_ns;
	int result;
};
void store_push_sample(struct store *s, const struct store_sample *smp);

#define STORE_HIST_BUCKETS 10
/* Bucket upper bounds in microseconds; the last bucket is open. */
extern const int64_t store_hist_bounds_us[STORE_HIST_BUCKETS - 1];
/* Per-second aggregate of one target, always written. */
struct store_second {
	int64_t session_id, target_id;
	int64_t second; /* unix seconds */
	uint32_t sent, received, lost;
	int64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns;
	uint32_t hist[STORE_HIST_BUCKETS];
};
void store_push_second(struct store *s, const struct store_second *sec);

/* A marker or event: kind "marker", "span-begin", "span-end", "start", "stop", ... */
struct store_event {
	int64_t session_id;
	int64_t target_id; /* 0 when not about one target */
	int64_t ts_ns;
	const char *kind; /* copied */
	const char *text; /* copied */
};
void store_push_event(struct store *s, const struct store_event *ev);

/* ---- UNKNOWN windows (schema version 5) ---- */

/* Why an UNKNOWN window applies to its target (DESIGN.md: UNKNOWN). */
enum store_scope { STORE_SCOPE_ALL = 0, STORE_SCOPE_LINK = 1, STORE_SCOPE_TARGET = 2 };
/* One closed UNKNOWN window as it applied to one target (target_id 0: every target). */
struct store_window {
	int64_t session_id;
	int64_t target_id;
	int64_t start_ns, end_ns; /* CLOCK_REALTIME ns */
	enum store_scope scope;
	int ifindex;        /* scope LINK, else 0 */
	const char *ifname; /* scope LINK; NULL if unknown */
	const char *code;   /* short reason code, [a-z-]+ */
	const char *reason; /* human text */
};
/* Queue a window (queued, vital like events). The strings are copied; a
 * NULL code is stored as "other", a NULL reason as "". A window of a link
 * that hit n targets is pushed n times, once per target charged. */
void store_push_window(struct store *s, const struct store_window *w);

/* Per-target totals at the end of a session. */
struct store_target_summary {
	int64_t session_id, target_id;
	uint64_t sent, received, lost, late, unreach;
	int64_t rtt_min_ns, rtt_avg_ns, rtt_p99_ns, rtt_max_ns; /* -1 if no reply */
	uint64_t outages;
	int64_t downtime_ns;
};
void store_push_target_summary(struct store *s, const struct store_target_summary *ts);

/* Close the session: flushes the queue, records end time and state
 * ("stopped" on a clean exit). */
void store_session_end(struct store *s, int64_t session_id, int64_t ended_ns, const char *state);
/* The scheduler's timing quality over a session: sends made, deadlines
 * skipped after a stall, and the send lag (actual send - deadline). */
struct store_sched {
	uint64_t sends, skipped;
	int64_t lag_p50_ns, lag_p99_ns, lag_max_ns;
};
/* Record (replace) a session's scheduler figures; call after its loop has
 * ended (it waits for the queue). A failure is logged. */
void store_session_sched(struct store *s, int64_t session_id, const struct store_sched *sc);
/* A session's scheduler figures: 0 found, 1 none (also in a file older
 * than version 5), -1 with err. */
int store_get_sched(struct store *s, int64_t session_id, struct store_sched *out, char *err,
		    size_t errlen);

/* Records dropped because the queue was full (bounded memory). */
uint64_t store_dropped(const struct store *s);

/* ---- queries (reader side; safe while a monitor writes) ---- */

struct store_loss_filter {
	const char *target; /* NULL: all */
	int64_t since_ns;   /* 0: no bound; periods ending at or after it */
	int64_t until_ns;   /* 0: no bound; periods starting before it */
	int64_t min_ns;     /* duration estimate at least this */
	int kind;           /* -1 any, else enum store_loss_kind */
	int64_t session_id; /* 0: any session (added; zero-initialise the filter) */
};
struct store_loss_row {
	char target[64];
	struct store_loss loss;
};
typedef int (*store_loss_cb)(const struct store_loss_row *row, void *arg); /* nonzero stops */

/* Availability of one target over a window (store/avail.c says how each
 * figure is made). Targets never monitored in the window are left out. */
struct store_avail_row {
	char target[64];
	int64_t monitored_ns; /* probed by a session, UNKNOWN excluded */
	int64_t unknown_ns;   /* UNKNOWN inside the sessions' time */
	int64_t down_ns, down_lower_ns, down_upper_ns; /* bursts, UNKNOWN excluded */
	uint64_t bursts, outages; /* overlapping the window */
	int64_t first_ns, last_ns; /* the monitored span inside the window */
};
typedef int (*store_avail_cb)(const struct store_avail_row *row, void *arg); /* nonzero stops */
/* Every target (or the one named) over [since_ns, until_ns), by name. */
int store_query_availability(struct store *s, const char *target, int64_t since_ns,
			     int64_t until_ns, store_avail_cb cb, void *arg, char *err,
			     size_t errlen);
/* When the first session began (0 when there is none). */
int store_first_session_ns(struct store *s, int64_t *first_ns, char *err, size_t errlen);
/* Rows ordered by start time. Returns 0, or -1 with err. */
int store_query_losses(struct store *s, const struct store_loss_filter *f, store_loss_cb cb,
		       void *arg, char *err, size_t errlen);

/* ---- added for the monitor, the reporter and the tests ---- */

/* Commit everything queued before this call, waiting for the writer (or
 * writing in the calling thread when no writer runs). 0 when committed, -1
 * when the write failed: the records stay queued and are retried. */
int store_flush(struct store *s);

/* Records rejected by the database itself (a constraint, e.g. a target_id
 * that names no target); each is logged (rate-limited) and skipped. */
uint64_t store_rejected(const struct store *s);

/* Queue bounds. Samples and seconds are dropped once bulk_max records of any
 * kind are queued; losses, transitions, events, windows and summaries only
 * once vital_max of them are queued. Defaults 4 000 000 and 1 000 000; tests
 * lower them. 0 leaves a bound unchanged. */
#define STORE_QUEUE_BULK_MAX  4000000
#define STORE_QUEUE_VITAL_MAX 1000000
void store_set_queue_limits(struct store *s, size_t bulk_max, size_t vital_max);

/* Per-target totals of one session, with the target's name. */
struct store_summary_row {
	char target[64];
	struct store_target_summary sum;
};
typedef int (*store_summary_cb)(const struct store_summary_row *row, void *arg); /* nonzero stops */
/* Summaries of session_id, or with 0 of the latest session that has any
 * (each row's sum.session_id says which); ordered by target name. Returns 0
 * (also when there are none), or -1 with err. */
int store_query_summaries(struct store *s, int64_t session_id, store_summary_cb cb, void *arg,
			  char *err, size_t errlen);

struct store_transition_filter {
	const char *target; /* NULL: all */
	int64_t since_ns;   /* 0: no bound; effective at or after it */
	int64_t until_ns;   /* 0: no bound; effective before it */
	int64_t session_id; /* 0: any session */
};
struct store_transition_row {
	char target[64];
	struct store_transition tr;
};
typedef int (*store_transition_cb)(const struct store_transition_row *row,
				   void *arg); /* nonzero stops */
/* Rows ordered by effective time. Returns 0, or -1 with err. */
int store_query_transitions(struct store *s, const struct store_transition_filter *f,
			    store_transition_cb cb, void *arg, char *err, size_t errlen);

/* PRAGMA integrity_check: 0 when it says "ok", else -1 with its first
 * complaint (or the error) in err. */
int store_integrity_check(struct store *s, char *err, size_t errlen);

/* ---- runs, markers and what reports read (schema version 2) ----
 *
 * The reads below work on STORE_READ and STORE_WRITE handles alike. They
 * see what is committed: on a STORE_WRITE handle call store_flush() first to
 * include what is still queued (they do not flush themselves, so a report
 * never waits on a locked database for records it may not need). On a
 * version 1 file opened STORE_READ there are no runs: store_get_session
 * finds sessions without one (has_run 0) and nothing with runs_only, and
 * store_query_runs_by_label calls back for nothing; all return success. A
 * writer migrating the file meanwhile is noticed by the next call.
 *
 * The callbacks return nonzero to stop, and the reads return 0 then too (-1
 * with err only when the database fails). Text is copied into the fixed
 * buffers truncated at a UTF-8 character boundary; NULL text reads as "",
 * a NULL number as 0 unless a comment says otherwise. */

/* A test run: `hamon run` wraps a command; a plain monitor session has no
 * run row. One run per session. */
struct store_run {
	int64_t session_id;
	const char *label; /* may be NULL */
	const char *kind;  /* "migration", "failover", "backup", "custom" */
	const char *argv;  /* the wrapped command, space-joined (shell-quoted where needed) */
	int64_t cmd_start_ns, cmd_end_ns; /* wall clock */
	int64_t cmd_duration_ns;          /* monotonic */
	int exit_status; /* 0..255, or 128+signal; -1 while running / failed to start */
	uint64_t output_bytes;
	const char *hv_json; /* hypervisor figures as a JSON object text, may be NULL */
	const char *output;  /* the command's captured output (bounded), may be NULL */
	size_t output_len;
};
/* Insert or replace the run row of a session (synchronous, small; safe
 * while the writer thread runs). STORE_WRITE only. kind NULL is stored as
 * "custom", argv NULL as "". cmd_end_ns 0 (still running) is stored as a
 * NULL end and duration. 0, or -1 with err; refused: a session that does not
 * exist, an exit_status outside -1..255, and a label, kind or hv_json that
 * would not fit store_session_row's buffers whole (127, 31 and 2047 bytes;
 * truncated JSON is not JSON). A longer argv is kept whole in the database
 * and only cut in cmd[] when read. */
int store_run_put(struct store *s, const struct store_run *r, char *err, size_t errlen);

/* A session as the reporter sees it, with its run row when there is one. */
struct store_session_row {
	int64_t id;
	int64_t started_ns, ended_ns; /* ended_ns 0 while running */
	char end_state[32];
	char argv[512];
	int has_run;
	char label[128], kind[32];
	char cmd[1024];
	int64_t cmd_start_ns, cmd_end_ns, cmd_duration_ns;
	int exit_status;
	uint64_t output_bytes;
	char hv_json[2048];
};
/* One session by id (id > 0), or the latest one (id == 0: the highest id).
 * With runs_only only a session with a run counts: the latest run, or
 * session id only if it has one. 0 found, 1 not found, -1 error. ended_ns 0 and
 * end_state "" while it runs; the run fields 0/"" when has_run is 0. */
int store_get_session(struct store *s, int64_t id, int runs_only, struct store_session_row *out,
		      char *err, size_t errlen);
typedef int (*store_session_cb)(const struct store_session_row *row, void *arg);
/* Every run with this label (NULL: every run without one), oldest session
 * first. The rows are read first and called back after, so cb may call the
 * store on the same handle. */
/* The captured output of a session's run (malloc'd into *out, NULL if none). */
int store_get_run_output(struct store *s, int64_t session_id, char **out, size_t *len, char *err,
			 size_t errlen);
int store_query_runs_by_label(struct store *s, const char *label, store_session_cb cb, void *arg,
			      char *err, size_t errlen);

/* Targets probed in a session (those with a summary, samples, losses or
 * seconds in it), ordered by name. Losses and seconds are looked for within
 * a day either side of the session's span (started_ns to last_seen_ns; both
 * tables are keyed by target and time), so rows written after a wall-clock
 * step of more than a day are not seen. As with runs, cb may call the store
 * on the same handle (for each target's samples, say). */
struct store_target_row {
	int64_t id;
	char name[64];
	char url[300];
	int64_t interval_ns, timeout_ns;
};
typedef int (*store_target_cb)(const struct store_target_row *row, void *arg);
int store_query_session_targets(struct store *s, int64_t session_id, store_target_cb cb, void *arg,
				char *err, size_t errlen);

/* Events (markers, span-begin/-end, refused, ...) of a session, by ts_ns
 * then id; target_id 0 when not about one target. This and the two below
 * stream their rows: cb must not call the store on the same handle. */
struct store_event_row {
	int64_t id, session_id, target_id;
	int64_t ts_ns;
	char kind[32];
	char text[256];
};
typedef int (*store_event_cb)(const struct store_event_row *row, void *arg);
int store_query_events(struct store *s, int64_t session_id, store_event_cb cb, void *arg, char *err,
		       size_t errlen);

/* UNKNOWN windows of a session as stored (target_id 0: every target of the
 * session; ifindex 0 and ifname "" unless scope is STORE_SCOPE_LINK). */
struct store_window_row {
	int64_t id, session_id, target_id, start_ns, end_ns;
	enum store_scope scope;
	int ifindex;
	char ifname[32], code[32], reason[192];
};
typedef int (*store_window_cb)(const struct store_window_row *row, void *arg);
/* Every window of a session ordered by start_ns, then target (every
 * target's first), then id; streamed like events. Returns 0 (also when
 * there are none, and on a version 4 or older file opened STORE_READ,
 * which has no windows table), or -1 with err. */
int store_query_windows(struct store *s, int64_t session_id, store_window_cb cb, void *arg,
			char *err, size_t errlen);

/* Samples of one target in a session, by seq (rtt_ns -1 when unanswered). */
typedef int (*store_sample_cb)(const struct store_sample *smp, void *arg);
int store_query_samples(struct store *s, int64_t session_id, int64_t target_id, store_sample_cb cb,
			void *arg, char *err, size_t errlen);

/* Per-second rows of one target in a session, by second, hist parsed back
 * into its buckets; rtt_min_ns and rtt_max_ns -1 when nothing was received.
 * Found within the session's span as for store_query_session_targets. */
typedef int (*store_second_cb)(const struct store_second *sec, void *arg);
int store_query_seconds(struct store *s, int64_t session_id, int64_t target_id, store_second_cb cb,
			void *arg, char *err, size_t errlen);

/* ---- the rollup of seconds into minutes (schema version 3) and of
 * minutes into hours (version 4) ----
 *
 * Per-second rows older than the retention window are rolled up into one
 * row per target, minute and session (store/SCHEMA.md, "minutes"), and
 * per-minute rows older than the minutes' retention window into one row
 * per target, hour and session ("hours"), by the writer thread, about once
 * a minute, in a transaction of its own after a write cycle and at most
 * STORE_ROLLUP_ROWS rows of both tables a round (rounds follow each other
 * cycle by cycle while a backlog lasts). Rows of a session that has a
 * run, and rows inside a span (span-begin to the next span-end of the same
 * session, which includes a run's command), are kept: a second inside it,
 * and a minute any second of which is inside it. */
#define STORE_RETENTION_NS        (2 * 3600 * INT64_C(1000000000))
#define STORE_MINUTE_RETENTION_NS (7 * 86400 * INT64_C(1000000000))
#define STORE_ROLLUP_ROWS         100000

/* How long seconds rows are kept before they are rolled up (default
 * STORE_RETENTION_NS); 0 (or less) never rolls up. */
void store_set_retention(struct store *s, int64_t seconds_keep_ns);
/* How long minutes rows are kept before they are rolled up into hours
 * (default STORE_MINUTE_RETENTION_NS), counted back from now as for
 * seconds; 0 (or less) never rolls minutes up. */
void store_set_minute_retention(struct store *s, int64_t minutes_keep_ns);
/* Rows one round examines at most (default STORE_ROLLUP_ROWS; tests lower
 * it). 0 leaves it unchanged. */
void store_set_rollup_limit(struct store *s, size_t rows_per_round);
/* One rollup round now, in the calling thread, as if the wall clock read
 * now_ns: rolls what is committed (store_flush first for what is queued),
 * seconds into minutes, then minutes into hours. Returns the rows rolled
 * up (and deleted), seconds and minutes together, or -1 when the round
 * failed and was rolled back (logged). STORE_WRITE only (else -1). */
int64_t store_rollup_now(struct store *s, int64_t now_ns);

/* A per-minute row: a store_second summed over one minute. */
struct store_minute {
	int64_t session_id, target_id;
	int64_t minute; /* unix minutes: unix seconds / 60 */
	uint32_t sent, received, lost;
	int64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns; /* min and max -1 when nothing was received */
	uint32_t hist[STORE_HIST_BUCKETS];
};
typedef int (*store_minute_cb)(const struct store_minute *m, void *arg); /* nonzero stops */
/* Per-minute rows of one target (target_id > 0) by minute, then session;
 * of one session, or of any with session_id 0. since_ns and until_ns (0: no
 * bound) select the minutes that overlap [since_ns, until_ns). Streamed
 * (cb must not call the store on the same handle). On a version 2 file
 * opened STORE_READ there are none: success with no call. Returns 0, or
 * -1 with err. */
int store_query_minutes(struct store *s, int64_t session_id, int64_t target_id, int64_t since_ns,
			int64_t until_ns, store_minute_cb cb, void *arg, char *err, size_t errlen);

/* A per-hour row: a store_minute summed over one hour. */
struct store_hour {
	int64_t session_id, target_id;
	int64_t hour; /* unix hours: unix seconds / 3600 */
	uint32_t sent, received, lost;
	int64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns; /* min and max -1 when nothing was received */
	uint32_t hist[STORE_HIST_BUCKETS];
};
typedef int (*store_hour_cb)(const struct store_hour *h, void *arg); /* nonzero stops */
/* Per-hour rows, as store_query_minutes: the hours that overlap [since_ns,
 * until_ns). On a version 3 (or older) file opened STORE_READ there are
 * none. */
int store_query_hours(struct store *s, int64_t session_id, int64_t target_id, int64_t since_ns,
		      int64_t until_ns, store_hour_cb cb, void *arg, char *err, size_t errlen);

#endif
