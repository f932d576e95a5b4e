/* schema.c: the database schema, its version (PRAGMA user_version) and the
 * migrations between versions. store/SCHEMA.md documents every table. */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

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
#define STORE_SQL_TIME(col)                                                                     \
	"printf('%s.%06dZ', strftime('%Y-%m-%dT%H:%M:%S', (" col ") / 1000000000, 'unixepoch'), " \
	"((" col ") / 1000) % 1000000)"
#define STORE_SQL_STATE(col) \
	"CASE " col " WHEN 1 THEN 'up' WHEN 2 THEN 'down' ELSE 'unknown' END"

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
	" " STORE_SQL_TIME("l.start_ns") " AS start,"
	" " STORE_SQL_TIME("l.end_ns") " AS end,"
	" l.duration_ns / 1e6 AS duration_ms,"
	" l.lower_ns / 1e6 AS lower_ms,"
	" l.upper_ns / 1e6 AS upper_ms,"
	" l.lost AS lost,"
	" CASE l.end_state WHEN 0 THEN 'closed' WHEN 1 THEN 'at-exit' ELSE 'unknown' END AS end_state,"
	" l.session_id AS session_id,"
	" l.start_ns AS start_ns,"
	" l.end_ns AS end_ns,"
	" l.id AS id"
	" FROM losses AS l JOIN targets AS t ON t.id = l.target_id;"
	"CREATE VIEW transitions_v AS SELECT"
	" t.name AS target,"
	" " STORE_SQL_STATE("x.from_state") " AS from_state,"
	" " STORE_SQL_STATE("x.to_state") " AS to_state,"
	" " STORE_SQL_TIME("x.effective_ns") " AS effective,"
	" " STORE_SQL_TIME("x.declared_ns") " AS declared,"
	" (x.declared_ns - x.effective_ns) / 1e6 AS lag_ms,"
	" x.seq AS seq,"
	" x.session_id AS session_id,"
	" x.effective_ns AS effective_ns,"
	" x.declared_ns AS declared_ns,"
	" x.id AS id"
	" FROM transitions AS x JOIN targets AS t ON t.id = x.target_id;"
	"CREATE VIEW events_v AS SELECT"
	" " STORE_SQL_TIME("e.ts_ns") " AS time,"
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
	" " STORE_SQL_TIME("r.cmd_start_ns") " AS start,"
	" CASE WHEN r.cmd_end_ns IS NULL THEN NULL ELSE " STORE_SQL_TIME("r.cmd_end_ns") " END AS end,"
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

/* One step of the schema: applied to a database at version to - 1. */
struct store_migration {
	int to;
	const char *sql;
};

static const struct store_migration store_migrations[] = {
	{ 1, store_schema_v1 },
	{ STORE_SCHEMA_RUNS, store_schema_v2 },
	{ STORE_SCHEMA_MINUTES, store_schema_v3 },
	{ STORE_SCHEMA_HOURS, store_schema_v4 },
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
		store_set_err(err, errlen, "%s: not a hamon database (%s)", path, sqlite3_errstr(rc));
		return -1;
	}
	if (rc != SQLITE_OK) {
		store_set_err(err, errlen, "%s: cannot read the schema: %s", path, sqlite3_errmsg(db));
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
		store_set_err(err, errlen, "%s: schema version %lld is newer than this hamon (%d)", path,
		              (long long)version, STORE_SCHEMA_VERSION);
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
		store_set_err(err, errlen, "%s: cannot read the schema: %s", path, sqlite3_errstr(rc));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < sizeof store_migrations / sizeof store_migrations[0]; i++) {
		char pragma[64];

		if (store_migrations[i].to <= version)
			continue;
		if (sqlite3_exec(db, store_migrations[i].sql, NULL, NULL, &msg) != SQLITE_OK)
			goto rollback;
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
