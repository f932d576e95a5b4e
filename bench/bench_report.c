/* SPDX-License-Identifier: ISC */
/* bench_report.c: `hamon report --bench`: the latest figures of each
 * label side by side, with ratios to the first label. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/bench_int.h"
#include "lib/json.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/outfmt.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "store/bench_store.h"

/* The formats of --bench (no HTML). */
#define BENCH_FORMATS \
	(OUTFMT_BIT(OUT_TEXT) | OUTFMT_BIT(OUT_JSON) | OUTFMT_BIT(OUT_CSV) | OUTFMT_BIT(OUT_MD))

/* One row: a (test, metric) and its value under each label (NAN: none). */
struct bench_row {
	struct bench_store_result key;
	double *v;
};

struct bench_table {
	char **labels;
	size_t nlabels;
	struct bench_store_run *runs; /* latest run of each label */
	struct bench_row *rows;
	size_t nrows, cap;
	size_t cur; /* label being read */
};

/* Collect a label from the store (no list given). */
static int
bench_report_add_label(const char *label, void *arg)
{
	struct bench_table *t = arg;

	t->labels = xreallocarray(t->labels, t->nlabels + 1, sizeof *t->labels);
	t->labels[t->nlabels++] = xstrdup(label);
	return 0;
}

/* Split "a,b,c" into t->labels. 0, or -1 with err for an empty or
 * repeated item. */
static int
bench_report_split(struct bench_table *t, const char *csv, char *err, size_t errlen)
{
	char *copy = xstrdup(csv), *p = copy, *item;
	size_t i;
	int rc = 0;

	while (rc == 0 && (item = strsep(&p, ",")) != NULL) {
		if (item[0] == '\0') {
			snprintf(err, errlen, "--labels \"%s\": empty label", csv);
			rc = -1;
			break;
		}
		for (i = 0; i < t->nlabels; i++)
			if (strcmp(t->labels[i], item) == 0) {
				snprintf(err, errlen, "--labels \"%s\": \"%s\" given twice", csv,
					 item);
				rc = -1;
			}
		if (rc == 0)
			bench_report_add_label(item, t);
	}
	free(copy);
	return rc;
}

/* The row of key, appended when new. */
static struct bench_row *
bench_report_row(struct bench_table *t, const struct bench_store_result *key)
{
	size_t i;

	for (i = 0; i < t->nrows; i++)
		if (strcmp(t->rows[i].key.test, key->test) == 0 &&
		    strcmp(t->rows[i].key.metric, key->metric) == 0 &&
		    strcmp(t->rows[i].key.unit, key->unit) == 0)
			return &t->rows[i];
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->rows = xreallocarray(t->rows, t->cap, sizeof *t->rows);
	}
	t->rows[t->nrows].key = *key;
	t->rows[t->nrows].v = xcalloc(t->nlabels, sizeof(double));
	for (i = 0; i < t->nlabels; i++)
		t->rows[t->nrows].v[i] = NAN;
	return &t->rows[t->nrows++];
}

/* Take one latest result of the current label. */
static int
bench_report_add_result(const struct bench_store_result *r, void *arg)
{
	struct bench_table *t = arg;

	bench_report_row(t, r)->v[t->cur] = r->value;
	return 0;
}

/* Free the table. */
static void
bench_report_free(struct bench_table *t)
{
	size_t i;

	for (i = 0; i < t->nlabels; i++)
		free(t->labels[i]);
	for (i = 0; i < t->nrows; i++)
		free(t->rows[i].v);
	free(t->labels);
	free(t->runs);
	free(t->rows);
}

/*
 * The precision of values and ratios in JSON and CSV (report/FORMATS.md):
 * a value (events/s, MB/s, IOPS) with 3 decimals, a ratio with 4, so that
 * both formats carry the same figure; text and Markdown round further for
 * reading.
 */
#define BENCH_VALUE_DECIMALS 3
#define BENCH_RATIO_DECIMALS 4

/* A value or ratio cell for CSV: empty when missing. */
static void
bench_csv_num(FILE *out, double v, int decimals)
{
	fputc(',', out);
	if (isfinite(v))
		fprintf(out, "%.*f", decimals, v);
}

/* The report as one JSON object. */
static void
bench_report_json(const struct bench_table *t, FILE *out)
{
	struct jsonw *j = jsonw_new(out);
	size_t i, k;

	jsonw_obj_open(j);
	jsonw_string_field(j, "base", t->labels[0]);
	jsonw_name(j, "labels");
	jsonw_arr_open(j);
	for (k = 0; k < t->nlabels; k++) {
		const struct bench_store_run *r = &t->runs[k];

		jsonw_obj_open(j);
		jsonw_string_field(j, "label", t->labels[k]);
		jsonw_int_field(j, "run", r->id);
		jsonw_time_field(j, "started", r->started_ns);
		jsonw_string_field(j, "hostname", r->hostname);
		jsonw_string_field(j, "cpu_model", r->cpu_model);
		jsonw_int_field(j, "cores", r->cores);
		jsonw_int_field(j, "mem_bytes", r->mem_bytes);
		jsonw_string_field(j, "kernel", r->kernel);
		jsonw_string_field(j, "virt", r->virt);
		jsonw_bool_field(j, "quick", r->quick);
		jsonw_obj_close(j);
	}
	jsonw_arr_close(j);
	jsonw_name(j, "results");
	jsonw_arr_open(j);
	for (i = 0; i < t->nrows; i++) {
		const struct bench_row *row = &t->rows[i];

		jsonw_obj_open(j);
		jsonw_string_field(j, "test", row->key.test);
		jsonw_string_field(j, "metric", row->key.metric);
		jsonw_string_field(j, "unit", row->key.unit);
		jsonw_name(j, "values");
		jsonw_obj_open(j);
		for (k = 0; k < t->nlabels; k++)
			jsonw_float_field(j, t->labels[k], row->v[k], BENCH_VALUE_DECIMALS);
		jsonw_obj_close(j);
		jsonw_name(j, "ratios");
		jsonw_obj_open(j);
		for (k = 1; k < t->nlabels; k++)
			jsonw_float_field(j, t->labels[k], bench_ratio(row->v[k], row->v[0]),
					  BENCH_RATIO_DECIMALS);
		jsonw_obj_close(j);
		jsonw_obj_close(j);
	}
	jsonw_arr_close(j);
	jsonw_obj_close(j);
	jsonw_free(j);
}

/* A value or ratio cell for text, CSV or Markdown: "-" when missing. */
static void
bench_cell(char *buf, size_t len, double v, int ratio)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, ratio ? "%.3f" : "%.2f", v);
}

/* The facts of each label's latest run, one line each (text, Markdown). */
static void
bench_report_facts(const struct bench_table *t, FILE *out, const char *bullet)
{
	char when[64], esc[sizeof t->runs[0].cpu_model * 4];
	size_t i;

	for (i = 0; i < t->nlabels; i++) {
		const struct bench_store_run *r = &t->runs[i];

		time_format_local(r->started_ns, when, sizeof when);
		log_escape(esc, sizeof esc, r->cpu_model, strlen(r->cpu_model));
		fprintf(out,
			"%s%s: run %lld at %s: %s, %d CPUs, %.1f GiB, Linux %s, virtualization "
			"%s%s\n",
			bullet, t->labels[i], (long long)r->id, when, esc, r->cores,
			(double)r->mem_bytes / (1 << 30), r->kernel, r->virt,
			r->quick ? " (quick)" : "");
	}
}

/* Render the table in fmt. */
static void
bench_report_render(const struct bench_table *t, enum out_format fmt, FILE *out)
{
	char cell[64];
	size_t i, j;

	switch (fmt) {
	case OUT_JSON:
		bench_report_json(t, out);
		return;
	case OUT_CSV:
		fputs("test,metric,unit", out);
		for (j = 0; j < t->nlabels; j++) {
			fputc(',', out);
			csv_write_field(out, t->labels[j]);
			if (j > 0) {
				snprintf(cell, sizeof cell, "%s/%s", t->labels[j], t->labels[0]);
				fputc(',', out);
				csv_write_field(out, cell);
			}
		}
		fputc('\n', out);
		for (i = 0; i < t->nrows; i++) {
			csv_write_field(out, t->rows[i].key.test);
			fputc(',', out);
			csv_write_field(out, t->rows[i].key.metric);
			fputc(',', out);
			csv_write_field(out, t->rows[i].key.unit);
			for (j = 0; j < t->nlabels; j++) {
				bench_csv_num(out, t->rows[i].v[j], BENCH_VALUE_DECIMALS);
				if (j > 0)
					bench_csv_num(out,
						      bench_ratio(t->rows[i].v[j], t->rows[i].v[0]),
						      BENCH_RATIO_DECIMALS);
			}
			fputc('\n', out);
		}
		return;
	case OUT_MD:
		bench_report_facts(t, out, "- ");
		fputs("\n| test | metric | unit |", out);
		for (j = 0; j < t->nlabels; j++)
			fprintf(out, j ? " %s | %s/%s |" : " %s |", t->labels[j], t->labels[j],
				t->labels[0]);
		fputs("\n|---|---|---|", out);
		for (j = 0; j < t->nlabels; j++)
			fputs(j ? "---:|---:|" : "---:|", out);
		fputc('\n', out);
		for (i = 0; i < t->nrows; i++) {
			fprintf(out, "| %s | %s | %s |", t->rows[i].key.test, t->rows[i].key.metric,
				t->rows[i].key.unit);
			for (j = 0; j < t->nlabels; j++) {
				bench_cell(cell, sizeof cell, t->rows[i].v[j], 0);
				fprintf(out, " %s |", cell);
				if (j > 0) {
					bench_cell(cell, sizeof cell,
						   bench_ratio(t->rows[i].v[j], t->rows[i].v[0]),
						   1);
					fprintf(out, " %s |", cell);
				}
			}
			fputc('\n', out);
		}
		return;
	case OUT_HTML: /* not in BENCH_FORMATS */
	case OUT_TEXT:
		bench_report_facts(t, out, "");
		fprintf(out, "\n%-5s %-20s %-9s", "test", "metric", "unit");
		for (j = 0; j < t->nlabels; j++) {
			fprintf(out, " %12.12s", t->labels[j]);
			if (j > 0) {
				snprintf(cell, sizeof cell, "%s/%s", t->labels[j], t->labels[0]);
				fprintf(out, " %10.10s", cell);
			}
		}
		fputc('\n', out);
		for (i = 0; i < t->nrows; i++) {
			fprintf(out, "%-5s %-20s %-9s", t->rows[i].key.test, t->rows[i].key.metric,
				t->rows[i].key.unit);
			for (j = 0; j < t->nlabels; j++) {
				bench_cell(cell, sizeof cell, t->rows[i].v[j], 0);
				fprintf(out, " %12s", cell);
				if (j > 0) {
					bench_cell(cell, sizeof cell,
						   bench_ratio(t->rows[i].v[j], t->rows[i].v[0]),
						   1);
					fprintf(out, " %10s", cell);
				}
			}
			fputc('\n', out);
		}
		return;
	}
}

/* `hamon report --bench`. */
int
bench_report(struct store *st, const char *labels_csv, const char *format, FILE *out, char *err,
	     size_t errlen)
{
	struct bench_table t;
	enum out_format fmt;
	int rc = 0, r;

	if (format == NULL)
		fmt = OUT_TEXT;
	else if (outfmt_parse(format, BENCH_FORMATS, &fmt) != 0) {
		char names[64];

		outfmt_expected(BENCH_FORMATS, names, sizeof names);
		snprintf(err, errlen, "--format \"%s\": expected %s for --bench", format, names);
		return -2;
	}
	memset(&t, 0, sizeof t);
	if (labels_csv != NULL && labels_csv[0] != '\0') {
		if (bench_report_split(&t, labels_csv, err, errlen) < 0) {
			bench_report_free(&t);
			return -2;
		}
	} else if (bench_store_query_labels(st, bench_report_add_label, &t, err, errlen) < 0) {
		bench_report_free(&t);
		return -1;
	}
	if (t.nlabels == 0) {
		snprintf(err, errlen, "no bench runs stored (run hamon bench first)");
		bench_report_free(&t);
		return -1;
	}
	t.runs = xcalloc(t.nlabels, sizeof *t.runs);
	for (t.cur = 0; t.cur < t.nlabels && rc == 0; t.cur++) {
		r = bench_store_latest_run(st, t.labels[t.cur], &t.runs[t.cur], err, errlen);
		if (r == 1)
			snprintf(err, errlen, "no bench runs labelled \"%s\"", t.labels[t.cur]);
		if (r != 0 || bench_store_query_latest(st, t.labels[t.cur], bench_report_add_result,
						       &t, err, errlen) < 0)
			rc = -1;
	}
	if (rc == 0)
		bench_report_render(&t, fmt, out);
	bench_report_free(&t);
	return rc;
}
