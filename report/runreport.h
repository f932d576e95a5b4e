/* SPDX-License-Identifier: ISC */
/*
 * runreport.h: the report of one `hamon run` (or a monitored window with a
 * failover marker), its arithmetic, and its renderers.
 *
 * The caller (the store queries) fills a struct run_report with what was
 * recorded: run info, markers, spans, and per target its loss periods and
 * raw samples. runreport_compute() derives every other figure; the
 * renderers only print. Nothing here touches SQLite or the event loop, so
 * the unit tests build reports by hand.
 *
 * The struct bodies are public on purpose: a report is plain data passed
 * from the store to the renderers, and hiding it behind getters would only
 * add code. Fields marked (derived) are overwritten by runreport_compute().
 *
 * Conventions:
 * - times are CLOCK_REALTIME ns; durations ns; -1 means "not known" for
 *   anything that cannot be negative.
 * - every window is half-open, [start, end): a sample sent exactly at the
 *   run's start belongs to "during", one sent exactly at its end to "after".
 * - percentiles: the sorted values x[0..n-1], rank r = p/100 * (n - 1),
 *   value x[floor r] + (r - floor r) * (x[floor r + 1] - x[floor r]),
 *   rounded to the nearest ns (linear interpolation between closest ranks,
 *   Hyndman & Fan type 7, as numpy's default). n = 1 gives x[0] for every p.
 */
#ifndef HAMON_RUNREPORT_H
#define HAMON_RUNREPORT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hv/hvparse.h"

enum run_kind {
	RUN_KIND_CUSTOM = 0,
	RUN_KIND_MIGRATION,
	RUN_KIND_FAILOVER,
	RUN_KIND_BACKUP,
};

/* Every run of consecutive lost probes is a burst; an outage is a
 * thresholded DOWN period (it may cover several bursts). */
enum rr_loss_kind { RR_BURST = 0, RR_OUTAGE = 1 };

/* How a loss period ended (the store's end_state): struct rr_burst.open. */
enum rr_end { RR_END_CLOSED = 0, RR_END_AT_EXIT, RR_END_UNKNOWN };

/* The scheduler's timing quality over the session (store_sched). */
struct rr_timing {
	int known;
	uint64_t sends, skipped;
	int64_t lag_p50_ns, lag_p99_ns, lag_max_ns;
};

struct rr_burst {
	enum rr_loss_kind kind;
	int64_t start_ns, end_ns;   /* estimates */
	int64_t lower_ns, upper_ns; /* bounds of the duration */
	uint64_t lost;              /* probes lost in it */
	int open;                   /* enum rr_end: 0 closed; still open when monitoring
	                             * stopped (AT_EXIT), or when the monitor died (UNKNOWN) */
};

/* One probe: rtt_ns < 0 when it was not answered. */
struct rr_sample {
	int64_t tx_ns;
	int64_t rtt_ns;
};

struct rr_marker {
	int64_t ts_ns;
	char *label;
};

struct rr_span {
	int64_t start_ns, end_ns;
	char *label;
};

/*
 * A window in which the monitor could not see a target: its egress link was
 * down, sends failed locally, it stalled, or the wall clock stepped. Probes
 * lost inside it were not counted as losses, so the report shows how much
 * of the run was not observed rather than claiming it was up.
 */
struct rr_unknown {
	int64_t start_ns, end_ns; /* end >= start */
	char *target;             /* target's name; NULL: every target */
	char *reason;
	int matched; /* (derived) applies to some target; an
					 * unmatched window is ignored */
};

/*
 * Something the monitor saw besides probes: a netlink change ("link",
 * "neigh", "route", "addr"), the path a target is routed on ("path"), a
 * wall clock step ("clock-step"), a crash ("crash"), a TCP service refusing
 * or accepting again ("refused", "accepting"). Shown as they are; they are
 * not markers, so no word in them (a neighbour's "FAILED") ever picks the
 * failover marker.
 */
struct rr_event {
	int64_t ts_ns;
	char *target; /* target's name; NULL: about none */
	char *kind;
	char *text;
};

/* The kind whose latest event per target is that target's path. */
#define RR_EVENT_PATH "path"

/* One figure of a `hamon bench` run that started inside the monitoring window. */
struct rr_bench {
	int64_t ts_ns; /* the bench run's start */
	char *label;
	char *test;
	char *metric;
	double value;
	char *unit;
};

enum rr_window { RR_BEFORE = 0, RR_DURING, RR_AFTER, RR_NWINDOWS };

/* RTT figures of one window (derived). */
struct rr_rtt {
	uint64_t n;                     /* answered probes sent in the window */
	uint64_t lost;                  /* unanswered probes sent in the window */
	int64_t p50_ns, p99_ns, max_ns; /* -1 when n == 0 */
};

/*
 * The failover marker against one target's outage (derived). The outage is
 * the first one (or, with none, the first burst) still going on at the
 * marker or starting after it. Reply times are the receive times of the
 * probes around it when samples exist, else the outage's estimates.
 */
struct rr_failover {
	int valid;        /* such an outage exists */
	int from_samples; /* reply times from samples, not estimates */
	int64_t outage_start_ns, outage_end_ns;
	int64_t last_reply_ns;  /* before the outage; -1: none seen */
	int64_t first_reply_ns; /* after it; -1: never came back */
	int64_t to_last_ns;     /* last reply - marker (negative: before it) */
	int64_t recovery_ns;    /* first reply - marker; -1 if never */
	int64_t gap_ns;         /* first reply - last reply; -1 if unknown */
};

struct rr_target {
	char *name;
	char *url;
	uint64_t sent, lost;     /* probe totals from the store */
	struct rr_burst *bursts; /* in start order */
	size_t nbursts, bursts_cap;
	struct rr_sample *samples; /* in send order */
	size_t nsamples, samples_cap;

	/* (derived) Downtime is the sum over bursts (every lost probe is in
	 * exactly one); only if none were given, over outages. */
	int64_t downtime_ns, downtime_lower_ns, downtime_upper_ns;
	size_t ncount[2];          /* bursts, outages */
	int64_t longest_outage_ns; /* -1: none */
	int64_t longest_gap_ns;    /* max time between answered probes' sends */
	struct rr_rtt rtt[RR_NWINDOWS];
	struct rr_failover failover;
	/* (derived) Length of the union of the unknown windows that apply to
	 * it, clipped to the monitoring window where its bounds are known. */
	int64_t unknown_ns;
	/* (derived) Text of its latest "path" event; NULL: none. Points into
	 * the report's events. */
	const char *path;
};

/* failover_marker values besides an index into markers. */
#define RR_MARKER_AUTO \
	-1 /* a "power"/"fail"/"cut"/"crash" marker, or the
				 * first one of a failover run */
#define RR_MARKER_NONE -2

struct run_report {
	int64_t id;
	char *label; /* NULL: none */
	enum run_kind kind;
	char *command;                    /* argv joined by spaces; NULL: none */
	char *host;                       /* the host the monitor ran on; NULL: unknown */
	int64_t mon_start_ns, mon_end_ns; /* monitoring window; 0: unknown */
	int64_t start_ns, end_ns;         /* the command's span */
	int exit_status;                  /* -1 unknown, 128+N killed by signal N */
	uint64_t output_bytes;
	struct hv_figures hv;
	struct rr_marker *markers; /* in time order */
	size_t nmarkers, markers_cap;
	struct rr_span *spans;
	size_t nspans, spans_cap;
	long failover_marker; /* index, RR_MARKER_AUTO or _NONE */
	struct rr_target **targets;
	size_t ntargets, targets_cap;
	long failover_index;         /* (derived) marker used, -1: none */
	struct rr_unknown *unknowns; /* in start order */
	size_t nunknowns, unknowns_cap;
	int64_t unknown_ns;      /* (derived) union of the windows that
						 * apply to every target, clipped */
	struct rr_timing timing; /* scheduler timing quality */
	struct rr_event *events; /* in time order */
	size_t nevents, events_cap;
	struct rr_bench *bench; /* in time order */
	size_t nbench, bench_cap;
};

/* A new empty report: no label, hv figures empty, marker choice automatic. */
struct run_report *runreport_new(void);
void runreport_free(struct run_report *r);
/* Copies the strings; a NULL url or label is stored as NULL. */
void runreport_set_label(struct run_report *r, const char *label);
void runreport_set_command(struct run_report *r, const char *command);
void runreport_set_host(struct run_report *r, const char *host);
struct rr_target *runreport_add_target(struct run_report *r, const char *name, const char *url);
void runreport_add_marker(struct run_report *r, int64_t ts_ns, const char *label);
void runreport_add_span(struct run_report *r, int64_t start_ns, int64_t end_ns, const char *label);
void runreport_add_burst(struct rr_target *t, const struct rr_burst *b);
void runreport_add_sample(struct rr_target *t, int64_t tx_ns, int64_t rtt_ns);
/*
 * Add an unknown window [start, end) (an end before the start is taken as
 * the start). target NULL: it applies to every target; otherwise to the
 * targets of that name at compute time, and to none if there is none.
 * Copies the strings; a NULL reason is stored as "".
 */
void runreport_add_unknown(struct run_report *r, int64_t start_ns, int64_t end_ns,
			   const char *target, const char *reason);
/* Set the scheduler's timing figures (NULL: none). */
void runreport_set_timing(struct run_report *r, const struct rr_timing *t);
/*
 * Add an event (see struct rr_event) keeping time order; equal times keep
 * the order added. target NULL: about no one target. Copies the strings; a
 * NULL kind or text is stored as "". Never a marker.
 */
void runreport_add_event(struct run_report *r, int64_t ts_ns, const char *target, const char *kind,
			 const char *text);
/* Add one bench figure (of a run started at ts_ns) keeping time order;
 * equal times keep the order added. Copies the strings (NULL as ""). */
void runreport_add_bench(struct run_report *r, int64_t ts_ns, const char *label, const char *test,
			 const char *metric, double value, const char *unit);
/* Whether event e is about target t: it names no target, or t's name. */
int runreport_event_applies(const struct rr_event *e, const struct rr_target *t);
/* Whether the unknown window u applies to target t. */
int runreport_unknown_applies(const struct rr_unknown *u, const struct rr_target *t);

/* Fill every (derived) field. Sorts markers, bursts and samples by time
 * (unknown windows, events and bench figures are kept in order as they are
 * added). */
void runreport_compute(struct run_report *r);

/* The p-th percentile (0..100) of n sorted values as defined above; -1 if n == 0. */
int64_t runreport_percentile(const int64_t *sorted, size_t n, double p);
/* Sort n values ascending in place. */
void runreport_sort(int64_t *v, size_t n);

const char *runreport_kind_name(enum run_kind k);
/* "migration|failover|backup|custom": 0, or -1 if unknown. */
int runreport_kind_parse(const char *s, enum run_kind *out);

/* ---- many runs of one label ---- */

struct runagg_target {
	char *name;
	int64_t *downtimes; /* one per run that had this target */
	size_t n, cap;
	int64_t min_ns, p50_ns, p95_ns, max_ns; /* (derived); -1 when n == 0 */
};

struct run_aggregate {
	char *label;
	size_t nruns;
	int64_t first_ns, last_ns;      /* earliest and latest run start; 0: none */
	struct runagg_target **targets; /* in order of first appearance */
	size_t ntargets, targets_cap;
};

struct run_aggregate *runagg_new(const char *label);
void runagg_free(struct run_aggregate *a);
/* One run's downtime for one target, when the store sums it itself. */
void runagg_add_downtime(struct run_aggregate *a, const char *target, int64_t downtime_ns);
/* One computed report: counts the run and adds each target's downtime. */
void runagg_add_run(struct run_aggregate *a, const struct run_report *r);
/* Fill min/p50/p95/max of every target. */
void runagg_compute(struct run_aggregate *a);

/* ---- rendering (render.c: one row model, rows.h, and a writer per format) ---- */

enum rr_format { RR_FMT_TEXT = 0, RR_FMT_JSON, RR_FMT_CSV, RR_FMT_MD, RR_FMT_HTML };

/*
 * Write a computed report. Text, Markdown and HTML print local times; JSON
 * and CSV RFC 3339 UTC with microseconds, milliseconds with 3 decimals.
 * Returns 0, or -1 if writing to out failed.
 */
int runreport_render(const struct run_report *r, enum rr_format fmt, FILE *out);
/* Write a computed aggregate the same way. */
int runagg_render(const struct run_aggregate *a, enum rr_format fmt, FILE *out);
/*
 * Write outside text s escaped for fmt: text and Markdown show bytes that
 * are not printable as \xNN (Markdown also backslash-escapes its syntax),
 * JSON writes a string literal with quotes, CSV a field quoted when needed,
 * HTML entities. Invalid UTF-8 becomes U+FFFD in JSON and HTML.
 */
void runreport_write_escaped(FILE *out, enum rr_format fmt, const char *s);

/* At most this many polyline points per target in the HTML timeline. */
#define RR_SVG_MAX_POINTS 2000

#endif
