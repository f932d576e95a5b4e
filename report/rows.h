/* SPDX-License-Identifier: ISC */
/*
 * rows.h: the row model of a run report or an aggregate, built once and
 * walked by every format's writer (render_*.c).
 *
 * A model is a tree of tables. A table is an object (one row) or a list
 * (any number of rows); a row is an ordered list of typed cells, each with
 * the stable field name JSON and CSV spell it with. A cell may hold a
 * table itself (the run's "targets", a target's "rtt" and "losses"). Every
 * fact a report shows is one cell, so a writer that drops one is caught by
 * iterating the cells (tests/unit/test_render_drift.c).
 *
 * Cells marked ROWS_DETAIL are machine detail that only JSON carries (an
 * end that is start + duration, the sample counts behind a percentile);
 * every other cell is shown by text, Markdown, HTML and JSON, and those of
 * a target's row also by CSV.
 *
 * Strings point into the report (or into the model's own arena) and live
 * as long as both; the model does not copy the report.
 */
#ifndef HAMON_ROWS_H
#define HAMON_ROWS_H
#include <stddef.h>
#include <stdint.h>

#include "report/runreport.h"

enum rows_type {
	ROWS_STR = 0, /* str; absent: null */
	ROWS_INT,     /* v */
	ROWS_DUR,     /* v ns: a duration ("2.000s"; JSON and CSV ms with 3 decimals) */
	ROWS_MS,      /* v ns shown as ms with 3 decimals everywhere ("1.500") */
	ROWS_US,      /* v ns shown as us with 1 decimal everywhere ("36.9") */
	ROWS_TIME,    /* v: CLOCK_REALTIME ns */
	ROWS_STAMP,   /* str: a hypervisor's own time as printed; v its ns unless ROWS_NOTIME */
	ROWS_REAL,    /* real (JSON %.10g, shown with 2 decimals) */
	ROWS_PCT,     /* real percent (JSON and CSV 5 decimals, shown "99.97778%") */
	ROWS_BYTES,   /* v bytes (JSON and CSV the integer, shown "2.9 GiB") */
	ROWS_BOOL,    /* v 0 or 1 */
	ROWS_TABLE,   /* sub */
};

/* Cell flags. */
#define ROWS_DETAIL 0x1 /* machine detail: JSON only */
#define ROWS_NOTIME 0x2 /* a stamp whose time could not be read (JSON null) */

struct rows_table;

struct rows_cell {
	const char *name; /* stable field name */
	enum rows_type type;
	int known; /* 0: absent (null, empty, "-") */
	int flags;
	int64_t v;
	double real;
	const char *str;
	const char *shown; /* how the human formats word it when
						 * not as its type says ("45 ms", "OK") */
	struct rows_table *sub;
};

struct rows_row {
	struct rows_cell *cells;
	size_t ncells, cap;
};

struct rows_table {
	int list; /* 0: an object of one row */
	struct rows_row *rows;
	size_t nrows, cap;
};

/* The geometry a timeline needs of one target (not facts: raw samples). */
struct rows_geom {
	const char *name;
	const struct rr_sample *samples;
	size_t nsamples;
	const struct rr_burst *bursts;
	size_t nbursts;
};

struct rows_model {
	struct rows_table *root; /* one row: the sections */
	struct rows_geom *geom;  /* one per target, in order */
	size_t ngeom;
	char **arena; /* strings the model made */
	size_t narena, arena_cap;
};

/* The model of a computed report. */
struct rows_model *rows_build_report(const struct run_report *r);
/* The model of a computed aggregate. */
struct rows_model *rows_build_aggregate(const struct run_aggregate *a);
void rows_free(struct rows_model *m);

/* The root's section (or any row's cell) of that name; NULL if none. */
const struct rows_cell *rows_cell(const struct rows_row *row, const char *name);
/* The rows of the table in cell name of row; NULL when absent or not a table. */
const struct rows_table *rows_table(const struct rows_row *row, const char *name);
/* The one row of the model's root. */
const struct rows_row *rows_root(const struct rows_model *m);
/* Cell name of row as a string, "" when absent (for strings only). */
const char *rows_str(const struct rows_row *row, const char *name);
/* Cell name of row's integer (or ns) value; -1 when absent. */
int64_t rows_int(const struct rows_row *row, const char *name);
/* Whether cell name of row is known. */
int rows_known(const struct rows_row *row, const char *name);
/* Whether a loss row was still open when monitoring stopped (its end_state
 * is not "closed"). */
int rows_open(const struct rows_row *loss);
/* The scheduler's figures of the run row as one line ("sends 270, lag p50
 * 36.9 us, ..."); 0 when there are none. */
int rows_timing_line(const struct rows_row *run, char *buf, size_t n);

/*
 * A cell as the human formats (text, Markdown, HTML) show it, unescaped:
 * durations "2.000s", ms "1.500", local times, stamps as printed, reals
 * with 2 decimals; absent as "-". Returns buf.
 */
const char *rows_format_human(const struct rows_cell *c, char *buf, size_t n);
/* A scalar cell as JSON and CSV show it: ms with 3 decimals, RFC 3339,
 * %.10g; absent as "" (the JSON writer writes null). Returns buf. */
const char *rows_format_machine(const struct rows_cell *c, char *buf, size_t n);

/* One line of the hypervisor summary the human formats show. */
struct rows_kv {
	const char *key;
	char val[HVPARSE_TEXT_MAX + 96];
};
#define ROWS_KV_MAX 24

/* The hypervisor object as the human summary lines, values unescaped;
 * returns their count (at most ROWS_KV_MAX). */
size_t rows_hv_summary(const struct rows_row *hv, struct rows_kv *kv);

/* How many rows a human format lists of a long table before "N more". */
#define ROWS_LIST_MAX 50

#endif
