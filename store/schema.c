/* SPDX-License-Identifier: ISC */
/* schema.c: the database schema, its version (PRAGMA user_version) and the
 * migrations between versions. store/SCHEMA.md documents every table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "store/store_int.h"
#include "store/hvstore.h"

/*
 * Times are INTEGER nanoseconds since the epoch (CLOCK_REALTIME), durations
 * INTEGER nanoseconds. Unsigned 64-bit counters are stored bit for bit in
 * SQLite's signed INTEGER. Latencies that do not exist (no reply) are NULL.
 *
 * samples, seconds and target_summaries are WITHOUT ROWID tables keyed the
 * way they are read (one target over time), which also makes them smaller:
 * no separate rowid b-tree. samples and seconds carry no foreign keys: they
 * are the bulk of the writes, and the two parent look-ups per row cut the
 * batched insert rate from about 1.2 to 0.7 million rows/s (measured), for
 * a check the monitor's own ids always pass.
 */
/* UTC text with microseconds, taken from the ns integer with integer
 * division so that no digit passes through a double. */
#define STORE_SQL_TIME(col)                                                                       \
	"printf('%s.%06dZ', strftime('%Y-%m-%dT%H:%M:%S', (" col ") / 1000000000, 'unixepoch'), " \
	"((" col ") / 1000) % 1000000)"
#define STORE_SQL_STATE(col) "CASE " col " WHEN 1 THEN 'up' WHEN 2 THEN 'down' ELSE 'unknown' END"

/* One column a line. */
/* clang-format off */
static const char store_schema_v1[] =
	"CREATE TABLE sessions ("
	" id INTEGER PRIMARY KEY,"
	" started_ns INTEGER NOT NULL,"
	" ended_ns INTEGER,"
	" last_seen_ns INTEGER NOT NULL,"
	" pid INTEGER NOT NULL,"
	" hostname TEXT NOT NULL,"
	" argv TEXT NOT NULL,"
	" end_state TEXT);"
	"CREATE TABLE targets ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" url TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" family INTEGER NOT NULL,"
	" port INTEGER NOT NULL,"
	" interval_ns INTEGER NOT NULL,"
	" timeout_ns INTEGER NOT NULL,"
	" updated_ns INTEGER NOT NULL);"
	"CREATE TABLE losses ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER NOT NULL REFERENCES sessions(id),"
	" target_id INTEGER NOT NULL REFERENCES targets(id),"
	" kind INTEGER NOT NULL CHECK (kind IN (0, 1)),"
	" start_ns INTEGER NOT NULL,"
	" end_ns INTEGER NOT NULL,"
	" start_lo_ns INTEGER NOT NULL,"
	" start_hi_ns INTEGER NOT NULL,"
	" end_lo_ns INTEGER NOT NULL,"
	" end_hi_ns INTEGER NOT NULL,"
	" duration_ns INTEGER NOT NULL,"
	" lower_ns INTEGER NOT NULL,"
	" upper_ns INTEGER NOT NULL,"
	" lost INTEGER NOT NULL,"
	" first_seq INTEGER NOT NULL,"
	" last_seq INTEGER NOT NULL,"
	" end_state INTEGER NOT NULL CHECK (end_state IN (0, 1, 2)));"
	"CREATE INDEX losses_target_start ON losses(target_id, start_ns);"
	"CREATE INDEX losses_start ON losses(start_ns);"
	"CREATE INDEX losses_session ON losses(session_id, start_ns);"
	"CREATE TABLE transitions ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER NOT NULL REFERENCES sessions(id),"
	" target_id INTEGER NOT NULL REFERENCES targets(id),"
	" from_state INTEGER NOT NULL CHECK (from_state IN (0, 1, 2)),"
	" to_state INTEGER NOT NULL CHECK (to_state IN (0, 1, 2)),"
	" effective_ns INTEGER NOT NULL,"
	" declared_ns INTEGER NOT NULL,"
	" seq INTEGER NOT NULL);"
	"CREATE INDEX transitions_target_effective ON transitions(target_id, effective_ns);"
	"CREATE INDEX transitions_effective ON transitions(effective_ns);"
	"CREATE TABLE samples ("
	" session_id INTEGER NOT NULL,"
	" target_id INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" tx_ns INTEGER NOT NULL,"
	" rtt_ns INTEGER,"
	" result INTEGER NOT NULL,"
	" PRIMARY KEY (target_id, session_id, seq)) WITHOUT ROWID;"
	"CREATE TABLE seconds ("
	" session_id INTEGER NOT NULL,"
	" target_id INTEGER NOT NULL,"
	" second INTEGER NOT NULL,"
	" sent INTEGER NOT NULL,"
	" received INTEGER NOT NULL,"
	" lost INTEGER NOT NULL,"
	" rtt_min_ns INTEGER,"
	" rtt_max_ns INTEGER,"
	" rtt_sum_ns INTEGER NOT NULL,"
	" hist TEXT NOT NULL,"
	" PRIMARY KEY (target_id, second, session_id)) WITHOUT ROWID;"
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER NOT NULL REFERENCES sessions(id),"
	" target_id INTEGER REFERENCES targets(id),"
	" ts_ns INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" text TEXT);"
	"CREATE INDEX events_ts ON events(ts_ns);"
	"CREATE TABLE target_summaries ("
	" session_id INTEGER NOT NULL REFERENCES sessions(id),"
	" target_id INTEGER NOT NULL REFERENCES targets(id),"
	" sent INTEGER NOT NULL,"
	" received INTEGER NOT NULL,"
	" lost INTEGER NOT NULL,"
	" late INTEGER NOT NULL,"
	" unreach INTEGER NOT NULL,"
	" rtt_min_ns INTEGER,"
	" rtt_avg_ns INTEGER,"
	" rtt_p99_ns INTEGER,"
	" rtt_max_ns INTEGER,"
	" outages INTEGER NOT NULL,"
	" downtime_ns INTEGER NOT NULL,"
	" PRIMARY KEY (session_id, target_id)) WITHOUT ROWID;"
	"CREATE VIEW outages AS SELECT"
	" t.name AS target,"
	" CASE l.kind WHEN 0 THEN 'burst' ELSE 'outage' END AS kind,"
	" " STORE_SQL_TIME(
	"l.start_ns") " AS start,"
	" " STORE_SQL_TIME(
	"l.end_ns") " AS end,"
	" l.duration_ns / 1e6 AS duration_ms,"
	" l.lower_ns / 1e6 AS lower_ms,"
	" l.upper_ns / 1e6 AS upper_ms,"
	" l.lost AS lost,"
	" CASE l.end_state WHEN 0 THEN 'closed' "
	"WHEN 1 THEN 'at-exit' ELSE 'unknown' END "
	"AS end_state,"
	" l.session_id AS session_id,"
	" l.start_ns AS start_ns,"
	" l.end_ns AS end_ns,"
	" l.id AS id"
	" FROM losses AS l JOIN targets AS t ON "
	"t.id = l.target_id;"
	"CREATE VIEW transitions_v AS SELECT"
	" t.name AS target,"
	" " STORE_SQL_STATE(
	"x.from_state") " AS from_state,"
	" " STORE_SQL_STATE(
	"x.to_state") " AS to_state,"
	" " STORE_SQL_TIME(
	"x.effective_ns") " AS effective,"
	" " STORE_SQL_TIME(
	"x.declared_ns") " AS declared,"
	" (x.declared_ns - x.effective_ns) / 1e6 AS lag_ms,"
	" x.seq AS seq,"
	" x.session_id AS session_id,"
	" x.effective_ns AS effective_ns,"
	" x.declared_ns AS declared_ns,"
	" x.id AS id"
	" FROM transitions AS x JOIN targets AS t ON t.id = x.target_id;"
	"CREATE VIEW events_v AS SELECT"
	" " STORE_SQL_TIME(
	"e.ts_ns") " AS time,"
	" t.name AS target,"
	" e.kind AS kind,"
	" e.text AS text,"
	" e.session_id AS session_id,"
	" e.ts_ns AS ts_ns,"
	" e.id AS id"
	" FROM events AS e LEFT JOIN targets AS t ON t.id = e.target_id;"
	"CREATE VIEW sessions_v AS SELECT"
	" s.id AS id,"
	" " STORE_SQL_TIME("s.started_ns") " AS started,"
	" CASE WHEN s.ended_ns IS NULL THEN NULL ELSE " STORE_SQL_TIME("s.ended_ns") " END AS ended,"
	" (coalesce(s.ended_ns, s.last_seen_ns) - s.started_ns) / 1e9 AS duration_s,"
	" coalesce(s.end_state, 'running') AS end_state,"
	" s.hostname AS hostname,"
	" s.pid AS pid,"
	" s.argv AS argv"
	" FROM sessions AS s;";
/* clang-format on */

/*
 * Version 2: the runs of `hamon run`, one per session. A plain monitor
 * session has none. cmd_end_ns and cmd_duration_ns are NULL while the
 * command runs. Applied to a version 1 file in the same transaction as the
 * user_version bump, so a failed migration leaves the file at version 1.
 */
static const char store_schema_v2[] =
	"CREATE TABLE runs ("
	" session_id INTEGER PRIMARY KEY REFERENCES sessions(id),"
	" label TEXT,"
	" kind TEXT NOT NULL,"
	" argv TEXT NOT NULL,"
	" cmd_start_ns INTEGER NOT NULL,"
	" cmd_end_ns INTEGER,"
	" cmd_duration_ns INTEGER,"
	" exit_status INTEGER NOT NULL CHECK (exit_status BETWEEN -1 AND 255),"
	" output_bytes INTEGER NOT NULL,"
	" hv_json TEXT,"
	" output BLOB);"
	"CREATE INDEX runs_label ON runs(label);"
	"CREATE VIEW runs_v AS SELECT"
	" r.label AS label,"
	" r.kind AS kind,"
	" r.argv AS command,"
	" " STORE_SQL_TIME(
		"r.cmd_start_ns") " AS start,"
				  " CASE WHEN r.cmd_end_ns IS NULL THEN NULL ELSE " STORE_SQL_TIME(
					  "r.cmd_end_ns") " END AS end,"
							  " r.cmd_duration_ns / 1e6 AS duration_ms,"
							  " r.exit_status AS exit_status,"
							  " r.output_bytes AS output_bytes,"
							  " r.session_id AS session_id,"
							  " r.cmd_start_ns AS cmd_start_ns,"
							  " r.cmd_end_ns AS cmd_end_ns"
							  " FROM runs AS r;";

/*
 * Version 3: per-minute rows that the writer rolls the per-second rows up
 * into once they are older than the retention window (store_rollup_round
 * in store_rollup.c). The histogram is ten INTEGER columns rather than a BLOB:
 * SQLite stores a 0 or 1 in its one header byte with no body, so a sparse
 * histogram costs about what a packed BLOB would, and it stays summable
 * from the sqlite3 shell (and merges with h0 = h0 + excluded.h0).
 */
static const char store_schema_v3[] =
	"CREATE TABLE minutes ("
	" session_id INTEGER NOT NULL,"
	" target_id INTEGER NOT NULL,"
	" minute INTEGER NOT NULL,"
	" sent INTEGER NOT NULL,"
	" received INTEGER NOT NULL,"
	" lost INTEGER NOT NULL,"
	" rtt_min_ns INTEGER,"
	" rtt_max_ns INTEGER,"
	" rtt_sum_ns INTEGER NOT NULL,"
	" h0 INTEGER NOT NULL, h1 INTEGER NOT NULL, h2 INTEGER NOT NULL, h3 INTEGER NOT NULL,"
	" h4 INTEGER NOT NULL, h5 INTEGER NOT NULL, h6 INTEGER NOT NULL, h7 INTEGER NOT NULL,"
	" h8 INTEGER NOT NULL, h9 INTEGER NOT NULL,"
	" PRIMARY KEY (target_id, minute, session_id)) WITHOUT ROWID;"
	"CREATE VIEW minutes_v AS SELECT"
	" t.name AS target,"
	" strftime('%Y-%m-%dT%H:%MZ', m.minute * 60, 'unixepoch') AS minute,"
	" m.sent AS sent,"
	" m.lost AS lost,"
	" round(100.0 * m.lost / nullif(m.sent, 0), 3) AS loss_pct,"
	" round(m.rtt_sum_ns / 1e6 / nullif(m.received, 0), 3) AS rtt_avg_ms,"
	" m.rtt_min_ns / 1e6 AS rtt_min_ms,"
	" m.rtt_max_ns / 1e6 AS rtt_max_ms,"
	" m.received AS received,"
	" m.session_id AS session_id,"
	" m.target_id AS target_id,"
	" m.minute AS minute_unix"
	" FROM minutes AS m JOIN targets AS t ON t.id = m.target_id;";

/*
 * Version 4: per-hour rows that the writer rolls the per-minute rows up
 * into once they are older than the minutes' retention window (a week by
 * default), the columns of minutes keyed by the hour. For 200 targets, 30
 * days of minutes were about 475 MB; a week of them and the rest in hours
 * are about 117 MB (measured). hour is unix seconds / 3600 as minute is
 * unix seconds / 60, so an hour's minutes are those with minute / 60 = hour.
 */
static const char store_schema_v4[] =
	"CREATE TABLE hours ("
	" session_id INTEGER NOT NULL,"
	" target_id INTEGER NOT NULL,"
	" hour INTEGER NOT NULL,"
	" sent INTEGER NOT NULL,"
	" received INTEGER NOT NULL,"
	" lost INTEGER NOT NULL,"
	" rtt_min_ns INTEGER,"
	" rtt_max_ns INTEGER,"
	" rtt_sum_ns INTEGER NOT NULL,"
	" h0 INTEGER NOT NULL, h1 INTEGER NOT NULL, h2 INTEGER NOT NULL, h3 INTEGER NOT NULL,"
	" h4 INTEGER NOT NULL, h5 INTEGER NOT NULL, h6 INTEGER NOT NULL, h7 INTEGER NOT NULL,"
	" h8 INTEGER NOT NULL, h9 INTEGER NOT NULL,"
	" PRIMARY KEY (target_id, hour, session_id)) WITHOUT ROWID;"
	"CREATE VIEW hours_v AS SELECT"
	" t.name AS target,"
	" strftime('%Y-%m-%dT%H:%MZ', h.hour * 3600, 'unixepoch') AS hour,"
	" h.sent AS sent,"
	" h.lost AS lost,"
	" round(100.0 * h.lost / nullif(h.sent, 0), 3) AS loss_pct,"
	" round(h.rtt_sum_ns / 1e6 / nullif(h.received, 0), 3) AS rtt_avg_ms,"
	" h.rtt_min_ns / 1e6 AS rtt_min_ms,"
	" h.rtt_max_ns / 1e6 AS rtt_max_ms,"
	" h.received AS received,"
	" h.session_id AS session_id,"
	" h.target_id AS target_id,"
	" h.hour AS hour_unix"
	" FROM hours AS h JOIN targets AS t ON t.id = h.target_id;";

/*
 * Version 5: UNKNOWN windows as rows, one per window and target charged
 * (target_id NULL: every target of the session), instead of events of
 * kind "unknown" whose text began with the duration; and the bench tables,
 * which bench_store.c used to create on first use outside user_version
 * (IF NOT EXISTS: a version 4 file that has them keeps their rows).
 * scope says why a window applies, code is a short machine reason;
 * reason is text for display, never parsed.
 */
static const char store_schema_v5[] =
	"CREATE TABLE unknown_windows ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER NOT NULL REFERENCES sessions(id),"
	" target_id INTEGER REFERENCES targets(id),"
	" start_ns INTEGER NOT NULL,"
	" end_ns INTEGER NOT NULL,"
	" scope TEXT NOT NULL CHECK (scope IN ('all', 'link', 'target')),"
	" ifindex INTEGER,"
	" ifname TEXT,"
	" code TEXT NOT NULL,"
	" reason TEXT NOT NULL);"
	"CREATE INDEX unknown_windows_session ON unknown_windows(session_id, target_id, start_ns);"
	"CREATE VIEW unknown AS SELECT"
	" t.name AS target,"
	" w.scope AS scope,"
	" w.ifname AS ifname,"
	" w.code AS code,"
	" w.reason AS reason,"
	" " STORE_SQL_TIME(
		"w.start_ns") " AS start,"
			      " " STORE_SQL_TIME(
				      "w.end_ns") " AS end,"
						  " (w.end_ns - w.start_ns) / 1e6 AS duration_ms,"
						  " w.session_id AS session_id,"
						  " w.target_id AS target_id,"
						  " w.start_ns AS start_ns,"
						  " w.end_ns AS end_ns,"
						  " w.id AS id"
						  " FROM unknown_windows AS w LEFT JOIN targets AS "
						  "t ON t.id = w.target_id;"
						  "CREATE TABLE IF NOT EXISTS bench_runs ("
						  " id INTEGER PRIMARY KEY,"
						  " started_ns INTEGER NOT NULL,"
						  " label TEXT NOT NULL,"
						  " hostname TEXT, cpu_model TEXT, cores INTEGER, "
						  "threads INTEGER, mem_bytes INTEGER,"
						  " kernel TEXT, virt TEXT, virt_hints TEXT, tests "
						  "TEXT, io_engine TEXT,"
						  " direct INTEGER, quick INTEGER NOT NULL DEFAULT "
						  "0);"
						  "CREATE INDEX IF NOT EXISTS bench_runs_label ON "
						  "bench_runs (label, id);"
						  "CREATE TABLE IF NOT EXISTS bench_results ("
						  " run_id INTEGER NOT NULL REFERENCES bench_runs "
						  "(id) ON DELETE CASCADE,"
						  " test TEXT NOT NULL,"
						  " metric TEXT NOT NULL,"
						  " value REAL NOT NULL,"
						  " unit TEXT NOT NULL,"
						  " PRIMARY KEY (run_id, test, metric));"
						  /* The scheduler's timing quality of a session, written when its loop
	 * ends (it was an event of kind "scheduler" with the figures in text). */
						  "CREATE TABLE schedulers ("
						  " session_id INTEGER PRIMARY KEY REFERENCES "
						  "sessions(id),"
						  " sends INTEGER NOT NULL,"
						  " skipped INTEGER NOT NULL,"
						  " lag_p50_ns INTEGER NOT NULL,"
						  " lag_p99_ns INTEGER NOT NULL,"
						  " lag_max_ns INTEGER NOT NULL);";

/* One legacy "unknown" event turned into a window (store_legacy_windows). */
struct store_legacy {
	int64_t event_id, session_id, target_id, start_ns, end_ns;
	char *reason;
};

/*
 * Parse the text of a legacy "unknown" event, "<ms> ms: <reason> (until
 * <time>)", as the monitor wrote it before version 5. This (and its caller)
 * is the one place that parses the old prose: version 5 stores windows as
 * numbers and codes. 1 with the duration and a malloc'd reason, 0 when the
 * text is not in that form (the event then stays an event).
 */
static int
store_legacy_parse(const char *text, int64_t *dur_ns, char **reason)
{
	const char *r, *u = NULL, *p;
	char *end;
	double ms;
	size_t len;

	if (text == NULL || *text < '0' || *text > '9')
		return 0;
	ms = strtod(text, &end);
	if (!(ms >= 0 && ms < 1e12) || strncmp(end, " ms: ", 5) != 0)
		return 0;
	r = end + 5;
	/* The last " (until ": the monitor appended it after the reason. */
	for (p = strstr(r, " (until "); p != NULL; p = strstr(p + 1, " (until "))
		u = p;
	len = strlen(text);
	if (u == NULL || u == r || text[len - 1] != ')')
		return 0;
	*dur_ns = (int64_t)(ms * 1e6 + 0.5);
	*reason = xmalloc((size_t)(u - r) + 1);
	memcpy(*reason, r, (size_t)(u - r));
	(*reason)[u - r] = '\0';
	return 1;
}

/*
 * The data step of the version 5 migration: every events row of kind
 * "unknown" whose text parses becomes one unknown_windows row (start its
 * ts_ns, end start + the duration, scope "target" with its target or
 * "all" without, code "legacy", reason the text between ": " and
 * " (until"), and the event is deleted. The events are read first and
 * written after, so that no SELECT is open on the table being changed.
 * Runs inside the migration's transaction. SQLite result code.
 */
static int
store_legacy_windows(sqlite3 *db)
{
	sqlite3_stmt *sel = NULL, *ins = NULL, *del = NULL;
	struct store_legacy *v = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	rc = sqlite3_prepare_v2(db,
				"SELECT id, session_id, target_id, ts_ns, text FROM events"
				" WHERE kind = 'unknown' ORDER BY id",
				-1, &sel, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		struct store_legacy l;
		int64_t dur;

		rc = SQLITE_OK;
		if (!store_legacy_parse((const char *)sqlite3_column_text(sel, 4), &dur, &l.reason))
			continue;
		l.event_id = sqlite3_column_int64(sel, 0);
		l.session_id = sqlite3_column_int64(sel, 1);
		l.target_id = store_column_int0(sel, 2);
		l.start_ns = sqlite3_column_int64(sel, 3);
		l.end_ns = l.start_ns + dur;
		if (n == cap) {
			cap = cap > 0 ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n++] = l;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(sel);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			db,
			"INSERT INTO unknown_windows (session_id, target_id, start_ns,"
			" end_ns, scope, code, reason)"
			" VALUES (?1, ?2, ?3, ?4, ?5, 'legacy', ?6)",
			-1, &ins, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "DELETE FROM events WHERE id = ?1", -1, &del, NULL);
	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		sqlite3_bind_int64(ins, 1, v[i].session_id);
		if (v[i].target_id > 0)
			sqlite3_bind_int64(ins, 2, v[i].target_id);
		else
			sqlite3_bind_null(ins, 2);
		sqlite3_bind_int64(ins, 3, v[i].start_ns);
		sqlite3_bind_int64(ins, 4, v[i].end_ns);
		sqlite3_bind_text(
			ins, 5,
			store_scope_name(v[i].target_id > 0 ? STORE_SCOPE_TARGET : STORE_SCOPE_ALL),
			-1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, v[i].reason, -1, SQLITE_STATIC);
		if ((rc = store_step_done(ins)) != SQLITE_OK)
			break;
		sqlite3_bind_int64(del, 1, v[i].event_id);
		rc = store_step_done(del);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	for (i = 0; i < n; i++)
		free(v[i].reason);
	free(v);
	return rc;
}

/*
 * The second data step of the version 5 migration: an events row of kind
 * "scheduler" ("sends N, lag p50 X us, p99 Y us, max Z us, K deadlines
 * skipped", as the monitor wrote it before version 5) becomes the session's
 * schedulers row, and the event is deleted; text in another form stays an
 * event. Like store_legacy_parse, the one place that reads that prose.
 */
static int
store_legacy_sched(sqlite3 *db)
{
	sqlite3_stmt *sel = NULL, *ins = NULL, *del = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db,
				"SELECT id, session_id, text FROM events WHERE kind = 'scheduler'"
				" ORDER BY id",
				-1, &sel, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			db,
			"INSERT OR REPLACE INTO schedulers (session_id, sends, skipped,"
			" lag_p50_ns, lag_p99_ns, lag_max_ns)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			-1, &ins, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "DELETE FROM events WHERE id = ?1", -1, &del, NULL);
	/* Rows are written while the SELECT is open: it reads events, the
	 * inserts go to another table, and each delete is of the row already
	 * read (SQLite allows both). */
	while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(sel, 2);
		unsigned long long sends, skipped;
		double p50, p99, max;
		int used = 0;

		rc = SQLITE_OK;
		if (text == NULL ||
		    sscanf(text,
			   "sends %llu, lag p50 %lf us, p99 %lf us, max %lf us, %llu deadlines"
			   " skipped%n",
			   &sends, &p50, &p99, &max, &skipped, &used) != 5 ||
		    text[used] != '\0' || !(p50 >= 0 && p99 >= 0 && max >= 0 && max < 1e12))
			continue;
		sqlite3_bind_int64(ins, 1, sqlite3_column_int64(sel, 1));
		sqlite3_bind_int64(ins, 2, (int64_t)sends);
		sqlite3_bind_int64(ins, 3, (int64_t)skipped);
		sqlite3_bind_int64(ins, 4, (int64_t)(p50 * 1e3 + 0.5));
		sqlite3_bind_int64(ins, 5, (int64_t)(p99 * 1e3 + 0.5));
		sqlite3_bind_int64(ins, 6, (int64_t)(max * 1e3 + 0.5));
		if ((rc = store_step_done(ins)) != SQLITE_OK)
			break;
		sqlite3_bind_int64(del, 1, sqlite3_column_int64(sel, 0));
		rc = store_step_done(del);
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	return rc;
}

/* Both data steps of the version 5 migration. */
static int
store_legacy_v5(sqlite3 *db)
{
	int rc = store_legacy_windows(db);

	return rc == SQLITE_OK ? store_legacy_sched(db) : rc;
}

/* Version 6: imported task logs and HA events (hv_import.c holds its SQL). */
extern const char store_schema_v6[];

/* One step of the schema: applied to a database at version to - 1. sql
 * first, then convert (if any) on the rows, in the same transaction. */
struct store_migration {
	int to;
	const char *sql;
	int (*convert)(sqlite3 *db);
};

static const struct store_migration store_migrations[] = {
	{ 1, store_schema_v1, NULL },
	{ STORE_SCHEMA_RUNS, store_schema_v2, NULL },
	{ STORE_SCHEMA_MINUTES, store_schema_v3, NULL },
	{ STORE_SCHEMA_HOURS, store_schema_v4, NULL },
	{ STORE_SCHEMA_WINDOWS, store_schema_v5, store_legacy_v5 },
	{ STORE_SCHEMA_HV, store_schema_v6, NULL },
};

/* Read user_version and whether the file holds any schema at all. */
static int
store_schema_read(sqlite3 *db, const char *path, int64_t *version, int64_t *nobjects, char *err,
		  size_t errlen)
{
	int rc;

	rc = store_sql_int(db, "PRAGMA user_version", version);
	if (rc == SQLITE_OK)
		rc = store_sql_int(db, "SELECT count(*) FROM sqlite_master", nobjects);
	if (rc == SQLITE_NOTADB) {
		store_set_err(err, errlen, "%s: not a hamon database (%s)", path,
			      sqlite3_errstr(rc));
		return -1;
	}
	if (rc != SQLITE_OK) {
		store_set_err(err, errlen, "%s: cannot read the schema: %s", path,
			      sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Check the schema version; for STORE_WRITE switch to WAL and create or
 * migrate the schema in one transaction. 0, or -1 with err. */
int
store_schema_setup(sqlite3 *db, const char *path, enum store_mode mode, char *err, size_t errlen)
{
	int64_t version, nobjects;
	char *msg = NULL;
	size_t i;
	int rc;

	if (store_schema_read(db, path, &version, &nobjects, err, errlen) < 0)
		return -1;
	if (version > STORE_SCHEMA_VERSION) {
		store_set_err(err, errlen, "%s: schema version %lld is newer than this hamon (%d)",
			      path, (long long)version, STORE_SCHEMA_VERSION);
		return -1;
	}
	/* Version 0 with tables is somebody else's database: leave it alone. */
	if (version < 0 || (version == 0 && (nobjects > 0 || mode == STORE_READ))) {
		store_set_err(err, errlen, "%s: not a hamon database", path);
		return -1;
	}
	if (mode == STORE_READ)
		return 0;

	/* journal_mode cannot change inside a transaction; it is persistent.
	 * The writer's page cache may grow to 16 MiB: samples and seconds are
	 * inserted at one point per target, and with thousands of targets the
	 * 2 MiB default re-reads those leaf pages on every commit. 16 MiB keeps
	 * 1.1-1.2 million samples/s at 100 and 1000 targets (64 MiB gained 5 %
	 * for four times the memory), and bounds the monitor's RSS growth. */
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA cache_size = -16384", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (version == STORE_SCHEMA_VERSION)
		return 0;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	/* Another process may have created it while we waited for the lock. */
	if ((rc = store_sql_int(db, "PRAGMA user_version", &version)) != SQLITE_OK) {
		store_set_err(err, errlen, "%s: cannot read the schema: %s", path,
			      sqlite3_errstr(rc));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < sizeof store_migrations / sizeof store_migrations[0]; i++) {
		char pragma[64];

		if (store_migrations[i].to <= version)
			continue;
		if (sqlite3_exec(db, store_migrations[i].sql, NULL, NULL, &msg) != SQLITE_OK)
			goto rollback;
		if (store_migrations[i].convert != NULL &&
		    store_migrations[i].convert(db) != SQLITE_OK) {
			/* Kept: the rollback would replace the connection's message. */
			msg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
			goto rollback;
		}
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", store_migrations[i].to);
		if (sqlite3_exec(db, pragma, NULL, NULL, &msg) != SQLITE_OK)
			goto rollback;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto rollback;
	return 0;

rollback:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
fail:
	store_set_err(err, errlen, "%s: cannot set up the schema: %s", path,
		      msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}
