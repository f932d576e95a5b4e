/* SPDX-License-Identifier: ISC */
/* bench_store.c: bench runs and results in the store's database, in the
 * tables bench_runs and bench_results (schema version 5, schema.c; a file
 * of an older version opened read-only may lack them). */
#include <string.h>

#include "store/bench_store.h"
#include "store/store_int.h"

#define BENCH_STORE_RUN_COLS                                                                   \
	"id, started_ns, label, hostname, cpu_model, cores, threads, mem_bytes, kernel, virt," \
	" virt_hints, tests, io_engine, direct, quick"

/* Copy column i of st as text into buf (size n), "" for NULL. */
static void
bench_store_col_text(sqlite3_stmt *st, int i, char *buf, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t len;

	if (t == NULL) {
		buf[0] = '\0';
		return;
	}
	len = strlen((const char *)t);
	if (len >= n) {
		len = n - 1;
		/* Do not cut a UTF-8 sequence in half. */
		while (len > 0 && (t[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(buf, t, len);
	buf[len] = '\0';
}

/* Whether the bench tables exist. 1 yes, 0 no, -1 error. Caller holds dbmu. */
static int
bench_store_have_tables(struct store *s, char *err, size_t errlen)
{
	int64_t n = 0;

	if (store_sql_int(s->db,
			  "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			  " AND name IN ('bench_runs', 'bench_results')",
			  &n) != 0) {
		store_set_err(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	return n == 2;
}

/* Whether s fits a buffer of n bytes whole. */
static int
bench_store_fits(const char *s, size_t n)
{
	return s != NULL && strnlen(s, n) < n;
}

/* Insert the run row; its id, or -1. Caller holds dbmu inside a transaction. */
static int64_t
bench_store_insert_run(struct store *s, const struct bench_store_run *r)
{
	sqlite3_stmt *st = NULL;
	int64_t id = -1;

	if (sqlite3_prepare_v2(
		    s->db,
		    "INSERT INTO bench_runs (started_ns, label, hostname, cpu_model, cores,"
		    " threads, mem_bytes, kernel, virt, virt_hints, tests, io_engine,"
		    " direct, quick) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		    " ?11, ?12, ?13, ?14)",
		    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, r->started_ns);
	sqlite3_bind_text(st, 2, r->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->cpu_model, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, r->cores);
	sqlite3_bind_int(st, 6, r->threads);
	sqlite3_bind_int64(st, 7, r->mem_bytes);
	sqlite3_bind_text(st, 8, r->kernel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->virt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, r->virt_hints, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, r->tests, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, r->io_engine, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 13, r->direct);
	sqlite3_bind_int(st, 14, r->quick);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	return id;
}

/* Insert the n results of run id. 0 or -1. Caller holds dbmu in a transaction. */
static int
bench_store_insert_results(struct store *s, int64_t id, const struct bench_store_result *res,
			   size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = 0;

	if (sqlite3_prepare_v2(
		    s->db,
		    "INSERT OR REPLACE INTO bench_results (run_id, test, metric, value, unit)"
		    " VALUES (?1, ?2, ?3, ?4, ?5)",
		    -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, res[i].test, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, res[i].metric, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, res[i].value);
		sqlite3_bind_text(st, 5, res[i].unit, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Store a run and its results in one transaction. */
int64_t
bench_store_put_run(struct store *s, const struct bench_store_run *run,
		    const struct bench_store_result *res, size_t n, char *err, size_t errlen)
{
	int64_t id = -1;
	size_t i;

	if (s == NULL || s->mode != STORE_WRITE) {
		store_set_err(err, errlen, "%s: opened read-only", s != NULL ? s->path : "store");
		return -1;
	}
	if (run->label[0] == '\0' || !bench_store_fits(run->label, sizeof run->label)) {
		store_set_err(err, errlen, "%s: a bench run needs a label of 1 to %zu bytes",
			      s->path, sizeof run->label - 1);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!bench_store_fits(res[i].test, sizeof res[i].test) ||
		    !bench_store_fits(res[i].metric, sizeof res[i].metric) ||
		    !bench_store_fits(res[i].unit, sizeof res[i].unit)) {
			store_set_err(err, errlen, "%s: bench result %zu: name too long", s->path,
				      i);
			return -1;
		}
	pthread_mutex_lock(&s->dbmu);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		store_set_err(err, errlen, "%s: cannot store the bench run: %s", s->path,
			      sqlite3_errmsg(s->db));
		pthread_mutex_unlock(&s->dbmu);
		return -1;
	}
	/* A writer migrated the file to version 5 on open: the tables exist. */
	if ((id = bench_store_insert_run(s, run)) > 0 &&
	    bench_store_insert_results(s, id, res, n) == 0 &&
	    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
		pthread_mutex_unlock(&s->dbmu);
		return id;
	}
	store_set_err(err, errlen, "%s: cannot store the bench run: %s", s->path,
		      sqlite3_errmsg(s->db));
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&s->dbmu);
	return -1;
}

/* Fill out from a row selected with BENCH_STORE_RUN_COLS. */
static void
bench_store_read_run(sqlite3_stmt *st, struct bench_store_run *out)
{
	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(st, 0);
	out->started_ns = sqlite3_column_int64(st, 1);
	bench_store_col_text(st, 2, out->label, sizeof out->label);
	bench_store_col_text(st, 3, out->hostname, sizeof out->hostname);
	bench_store_col_text(st, 4, out->cpu_model, sizeof out->cpu_model);
	out->cores = sqlite3_column_int(st, 5);
	out->threads = sqlite3_column_int(st, 6);
	out->mem_bytes = sqlite3_column_int64(st, 7);
	bench_store_col_text(st, 8, out->kernel, sizeof out->kernel);
	bench_store_col_text(st, 9, out->virt, sizeof out->virt);
	bench_store_col_text(st, 10, out->virt_hints, sizeof out->virt_hints);
	bench_store_col_text(st, 11, out->tests, sizeof out->tests);
	bench_store_col_text(st, 12, out->io_engine, sizeof out->io_engine);
	out->direct = sqlite3_column_int(st, 13);
	out->quick = sqlite3_column_int(st, 14);
}

/* The latest run of a label. */
int
bench_store_latest_run(struct store *s, const char *label, struct bench_store_run *out, char *err,
		       size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc, have;

	pthread_mutex_lock(&s->dbmu);
	if ((have = bench_store_have_tables(s, err, errlen)) <= 0) {
		pthread_mutex_unlock(&s->dbmu);
		return have < 0 ? -1 : 1;
	}
	rc = sqlite3_prepare_v2(s->db,
				"SELECT " BENCH_STORE_RUN_COLS " FROM bench_runs WHERE label = ?1"
				" ORDER BY id DESC LIMIT 1",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			bench_store_read_run(st, out);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_set_err(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/*
 * Run sql (binding ?1 to text or to id) and call cb for each result row
 * (run_id, test, metric, value, unit). The rows are streamed under dbmu, so
 * cb must not call the store on the same handle.
 */
static int
bench_store_results_sql(struct store *s, const char *sql, const char *text, int64_t id,
			bench_store_result_cb cb, void *arg, char *err, size_t errlen)
{
	struct bench_store_result r;
	sqlite3_stmt *st = NULL;
	int rc, have;

	pthread_mutex_lock(&s->dbmu);
	if ((have = bench_store_have_tables(s, err, errlen)) <= 0) {
		pthread_mutex_unlock(&s->dbmu);
		return have;
	}
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		if (text != NULL)
			sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, 1, id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			memset(&r, 0, sizeof r);
			r.run_id = sqlite3_column_int64(st, 0);
			bench_store_col_text(st, 1, r.test, sizeof r.test);
			bench_store_col_text(st, 2, r.metric, sizeof r.metric);
			r.value = sqlite3_column_double(st, 3);
			bench_store_col_text(st, 4, r.unit, sizeof r.unit);
			if (cb(&r, arg) != 0) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		store_set_err(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The results of one run. */
int
bench_store_query_results(struct store *s, int64_t run_id, bench_store_result_cb cb, void *arg,
			  char *err, size_t errlen)
{
	return bench_store_results_sql(s,
				       "SELECT run_id, test, metric, value, unit FROM bench_results"
				       " WHERE run_id = ?1 ORDER BY test, metric",
				       NULL, run_id, cb, arg, err, errlen);
}

/* The latest value of every metric of a label. */
int
bench_store_query_latest(struct store *s, const char *label, bench_store_result_cb cb, void *arg,
			 char *err, size_t errlen)
{
	return bench_store_results_sql(
		s,
		"SELECT r.run_id, r.test, r.metric, r.value, r.unit FROM bench_results r"
		" JOIN (SELECT b.test AS test, b.metric AS metric, max(b.run_id) AS rid"
		"  FROM bench_results b JOIN bench_runs u ON u.id = b.run_id WHERE u.label = ?1"
		"  GROUP BY b.test, b.metric) m"
		" ON r.run_id = m.rid AND r.test = m.test AND r.metric = m.metric"
		" ORDER BY r.test, r.metric",
		label, 0, cb, arg, err, errlen);
}

/* Every run that started in a time window. */
int
bench_store_query_runs_between(struct store *s, int64_t from_ns, int64_t to_ns,
			       bench_store_run_cb cb, void *arg, char *err, size_t errlen)
{
	struct bench_store_run run;
	sqlite3_stmt *st = NULL;
	int rc, have;

	pthread_mutex_lock(&s->dbmu);
	if ((have = bench_store_have_tables(s, err, errlen)) <= 0) {
		pthread_mutex_unlock(&s->dbmu);
		return have;
	}
	rc = sqlite3_prepare_v2(s->db,
				"SELECT " BENCH_STORE_RUN_COLS " FROM bench_runs"
				" WHERE started_ns BETWEEN ?1 AND ?2 ORDER BY started_ns, id",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, from_ns);
		sqlite3_bind_int64(st, 2, to_ns);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			bench_store_read_run(st, &run);
			if (cb(&run, arg) != 0) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		store_set_err(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Every label, in the order of its first run. */
int
bench_store_query_labels(struct store *s, bench_store_label_cb cb, void *arg, char *err,
			 size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char label[sizeof((struct bench_store_run *)0)->label];
	int rc, have;

	pthread_mutex_lock(&s->dbmu);
	if ((have = bench_store_have_tables(s, err, errlen)) <= 0) {
		pthread_mutex_unlock(&s->dbmu);
		return have;
	}
	rc = sqlite3_prepare_v2(s->db,
				"SELECT label FROM bench_runs GROUP BY label ORDER BY min(id)", -1,
				&st, NULL);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			bench_store_col_text(st, 0, label, sizeof label);
			if (cb(label, arg) != 0) {
				rc = SQLITE_DONE;
				break;
			}
		}
	if (rc != SQLITE_DONE)
		store_set_err(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->dbmu);
	return rc == SQLITE_DONE ? 0 : -1;
}
