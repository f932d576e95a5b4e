/* SPDX-License-Identifier: ISC */
/*
 * render_json.c: a report or aggregate model as one JSON object, through
 * the one JSON writer (lib/jsonw). The model is walked as it is: every cell
 * is a member named by its field name, in the model's order; an absent cell
 * is null; a table cell an object (one row) or an array. Milliseconds keep
 * 3 decimals, times are RFC 3339 UTC with microseconds.
 */
#include <stdio.h>

#include "lib/jsonw.h"
#include "report/render.h"

static void render_json_row(struct jsonw *j, const struct rows_row *row);

/* One cell's value. */
static void
render_json_value(struct jsonw *j, const struct rows_cell *c)
{
	size_t i;

	if (!c->known || (c->type == ROWS_STAMP && (c->flags & ROWS_NOTIME))) {
		jsonw_null(j);
		return;
	}
	switch (c->type) {
	case ROWS_STR:
		jsonw_string(j, c->str);
		break;
	case ROWS_INT:
	case ROWS_BYTES:
		jsonw_int(j, c->v);
		break;
	case ROWS_DUR:
	case ROWS_MS:
		jsonw_ms(j, c->v);
		break;
	case ROWS_US:
		jsonw_float(j, c->v / 1e3, 1);
		break;
	case ROWS_TIME:
	case ROWS_STAMP:
		jsonw_time(j, c->v);
		break;
	case ROWS_REAL:
		jsonw_float(j, c->real, 3);
		break;
	case ROWS_PCT:
		jsonw_float(j, c->real, 5);
		break;
	case ROWS_BOOL:
		jsonw_bool(j, c->v != 0);
		break;
	case ROWS_TABLE:
		if (!c->sub->list) {
			render_json_row(j, &c->sub->rows[0]);
			break;
		}
		jsonw_arr_open(j);
		for (i = 0; i < c->sub->nrows; i++)
			render_json_row(j, &c->sub->rows[i]);
		jsonw_arr_close(j);
		break;
	}
}

/* One row as an object. */
static void
render_json_row(struct jsonw *j, const struct rows_row *row)
{
	size_t i;

	jsonw_obj_open(j);
	for (i = 0; i < row->ncells; i++) {
		jsonw_name(j, row->cells[i].name);
		render_json_value(j, &row->cells[i]);
	}
	jsonw_obj_close(j);
}

/* The whole model as one JSON object and a newline. */
void
render_json_model(const struct rows_model *m, FILE *out)
{
	struct jsonw *j = jsonw_new(out);

	render_json_row(j, rows_root(m));
	jsonw_free(j);
}
