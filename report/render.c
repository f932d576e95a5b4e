/* SPDX-License-Identifier: ISC */
/*
 * render.c: the public entry points of report rendering. Each builds the
 * row model (rows.h) once and hands it to the writer of the format
 * (render_text.c, render_json.c, render_csv.c, render_md.c,
 * render_html.c). The views of the model that several writers share are
 * in render_view.c.
 */
#include <stdio.h>

#include "report/render.h"

/* Write a computed report in fmt. */
int
runreport_render(const struct run_report *r, enum rr_format fmt, FILE *out)
{
	struct rows_model *m = rows_build_report(r);

	switch (fmt) {
	case RR_FMT_JSON:
		render_json_model(m, out);
		break;
	case RR_FMT_CSV:
		render_csv_report(m, out);
		break;
	case RR_FMT_MD:
		render_md_report(m, out);
		break;
	case RR_FMT_HTML:
		render_html_report(m, out);
		break;
	default:
		render_text_report(m, out);
		break;
	}
	rows_free(m);
	return ferror(out) ? -1 : 0;
}

/* Write a computed aggregate in fmt. */
int
runagg_render(const struct run_aggregate *a, enum rr_format fmt, FILE *out)
{
	struct rows_model *m = rows_build_aggregate(a);

	switch (fmt) {
	case RR_FMT_JSON:
		render_json_model(m, out);
		break;
	case RR_FMT_CSV:
		render_csv_aggregate(m, out);
		break;
	case RR_FMT_MD:
		render_md_aggregate(m, out);
		break;
	case RR_FMT_HTML:
		render_html_aggregate(m, out);
		break;
	default:
		render_text_aggregate(m, out);
		break;
	}
	rows_free(m);
	return ferror(out) ? -1 : 0;
}
