/* SPDX-License-Identifier: ISC */
/*
 * render.h: the writers of the row model (rows.h), one per format, and the
 * escaping they share. Internal to report/; callers use runreport.h.
 *
 * Every string that came from outside (labels, target names, URLs, the
 * command line, text from the command's output) goes through the escaper
 * of the format at hand; numbers are printed directly.
 */
#ifndef HAMON_RENDER_H
#define HAMON_RENDER_H
#include <stdio.h>

#include "report/rows.h"

/* Text (md 0) or Markdown (md 1): printable UTF-8 as is, the rest \xNN. */
void render_esc_plain(FILE *out, const char *s, int md);
/* HTML text or attribute value. */
void render_esc_html(FILE *out, const char *s);
/* Display width of s once escaped for text. */
int render_text_width(const char *s);
/* s escaped for text and padded with spaces to width w. */
void render_text_pad(FILE *out, const char *s, int w);

/* The unknown windows of a report's "unknown" list: *all for every
 * target, *one for single targets. Returns their total. */
size_t render_unknown_counts(const struct rows_row *root, size_t *all, size_t *one);
/* "300.261ms in 1 window (reason)" for text, Markdown or HTML. */
void render_unknown_summary(FILE *out, enum rr_format fmt, const struct rows_row *root);
/* Whether any target has unknown time (the targets tables show it then). */
int render_any_unknown(const struct rows_row *root);
/* "" for n == 1, else "s". */
const char *render_plural(int64_t n);
/* Whether target row t lost nothing (no burst, outage or downtime). */
int render_clean(const struct rows_row *t);
/* A cell of row as the human formats show it (rows_format_human). */
const char *render_human(const struct rows_row *row, const char *name, char *buf, size_t n);

void render_text_report(const struct rows_model *m, FILE *out);
void render_text_aggregate(const struct rows_model *m, FILE *out);
void render_json_model(const struct rows_model *m, FILE *out);
void render_csv_report(const struct rows_model *m, FILE *out);
void render_csv_aggregate(const struct rows_model *m, FILE *out);
void render_md_report(const struct rows_model *m, FILE *out);
void render_md_aggregate(const struct rows_model *m, FILE *out);
void render_html_report(const struct rows_model *m, FILE *out);
void render_html_aggregate(const struct rows_model *m, FILE *out);

/* The timelines of every target of a report model: one <svg> each, drawn
 * after its heading by the HTML writer through svg_write_target(). */
struct svg_plot;
/* The shared time range of the model's timelines (free with free()). */
struct svg_plot *svg_plot_new(const struct rows_model *m);
/* Target i's timeline. */
void svg_write_target(FILE *out, struct svg_plot *p, const struct rows_model *m, size_t i);
/* A close-up of each of target i's first max outages: the probes around
 * it (last reply, lost probes, first reply), when samples were kept. */
void svg_write_insets(FILE *out, const struct rows_model *m, size_t i, size_t max);

#endif
