/*
 * render_json.c: a report or aggregate model as one JSON object. The model
 * is walked as it is: every cell is a member named by its field name, in
 * the model's order; an absent cell is null; a table cell an object (one
 * row) or an array. Milliseconds keep 3 decimals, times are RFC 3339 UTC
 * with microseconds.
 */
#include <stdio.h>

#include "lib/json.h"
#include "report/render.h"

static void render_json_row(FILE *out, const struct rows_row *row);

/* One cell's value. */
static void
render_json_value(FILE *out, const struct rows_cell *c)
{
	char buf[64];
	size_t i;

	if (!c->known || (c->type == ROWS_STAMP && (c->flags & ROWS_NOTIME))) {
		fputs("null", out);
		return;
	}
	switch (c->type) {
	case ROWS_STR:
		json_write_string(out, c->str);
		break;
	case ROWS_TIME:
	case ROWS_STAMP:
		fprintf(out, "\"%s\"", rows_format_machine(c, buf, sizeof(buf)));
		break;
	case ROWS_TABLE:
		if (!c->sub->list) {
			render_json_row(out, &c->sub->rows[0]);
			break;
		}
		fputc('[', out);
		for (i = 0; i < c->sub->nrows; i++) {
			if (i > 0)
				fputc(',', out);
			render_json_row(out, &c->sub->rows[i]);
		}
		fputc(']', out);
		break;
	default:
		fputs(rows_format_machine(c, buf, sizeof(buf)), out);
		break;
	}
}

/* One row as an object. */
static void
render_json_row(FILE *out, const struct rows_row *row)
{
	size_t i;

	fputc('{', out);
	for (i = 0; i < row->ncells; i++) {
		fprintf(out, "%s\"%s\":", i > 0 ? "," : "", row->cells[i].name);
		render_json_value(out, &row->cells[i]);
	}
	fputc('}', out);
}

/* The whole model as one JSON object and a newline. */
void
render_json_model(const struct rows_model *m, FILE *out)
{
	render_json_row(out, rows_root(m));
	fputc('\n', out);
}
