/* history.c: `hamon history`: list bursts and outages from the store. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "report/report.h"

struct history_ctx {
	FILE *out;
	enum report_format fmt;
	long rows;
};

static const char *const end_state_names[] = { "closed", "at-exit", "unknown" };

/* Parse an output format name. */
int
report_format_parse(const char *s, enum report_format *out)
{
	if (strcmp(s, "table") == 0 || strcmp(s, "text") == 0)
		*out = REPORT_TABLE;
	else if (strcmp(s, "json") == 0)
		*out = REPORT_JSON;
	else if (strcmp(s, "csv") == 0)
		*out = REPORT_CSV;
	else
		return -1;
	return 0;
}


/* One row in the chosen format. */
static int
history_row(const struct store_loss_row *r, void *arg)
{
	struct history_ctx *c = arg;
	const struct store_loss *l = &r->loss;
	const char *kind = l->kind == STORE_OUTAGE ? "outage" : "burst";
	const char *end = l->end_state <= STORE_END_UNKNOWN ? end_state_names[l->end_state] : "?";
	char start[64], stop[64], dur[64], pm[64];

	switch (c->fmt) {
	case REPORT_JSON:
		time_format_rfc3339(l->start_ns, start, sizeof(start));
		time_format_rfc3339(l->end_ns, stop, sizeof(stop));
		fprintf(c->out, "%s\n  {\"target\":", c->rows ? "," : "");
		json_write_string(c->out, r->target);
		fprintf(c->out, ",\"kind\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"duration_ms\":%.3f,"
		        "\"lower_ms\":%.3f,\"upper_ms\":%.3f,\"lost\":%" PRIu64 ",\"first_seq\":%" PRIu64
		        ",\"end_state\":\"%s\",\"session\":%" PRId64 "}",
		        kind, start, stop, l->duration_ns / 1e6, l->lower_ns / 1e6, l->upper_ns / 1e6,
		        l->lost, l->first_seq, end, l->session_id);
		break;
	case REPORT_CSV:
		time_format_rfc3339(l->start_ns, start, sizeof(start));
		time_format_rfc3339(l->end_ns, stop, sizeof(stop));
		fprintf(c->out, "%s,%s,%s,%s,%.3f,%.3f,%.3f,%" PRIu64 ",%s\n", r->target, kind, start,
		        stop, l->duration_ns / 1e6, l->lower_ns / 1e6, l->upper_ns / 1e6, l->lost, end);
		break;
	case REPORT_TABLE:
		time_format_local(l->start_ns, start, sizeof(start));
		time_format_local(l->end_ns, stop, sizeof(stop));
		duration_format(l->duration_ns, dur, sizeof(dur));
		duration_format((l->upper_ns - l->lower_ns) / 2, pm, sizeof(pm));
		fprintf(c->out, "%-16s %-6s  %s  %s  %12s  ±%-10s %8" PRIu64 "%s\n", r->target, kind,
		        start, stop, dur, pm, l->lost,
		        l->end_state == STORE_END_CLOSED ? "" : l->end_state == STORE_END_AT_EXIT ?
		        "  (open at exit)" : "  (ended unknown: crash)");
		break;
	}
	c->rows++;
	return 0;
}

/* Write the history in one format. */
long
report_history(struct store *s, const struct store_loss_filter *f, enum report_format fmt,
               FILE *out, char *err, size_t errlen)
{
	struct history_ctx c = { out, fmt, 0 };

	if (fmt == REPORT_JSON)
		fputc('[', out);
	else if (fmt == REPORT_CSV)
		fprintf(out, "target,kind,start,end,duration_ms,lower_ms,upper_ms,lost,end_state\n");
	else
		fprintf(out, "%-16s %-6s  %-23s  %-23s  %12s  %-11s %8s\n", "TARGET", "KIND", "START",
		        "END", "DURATION", "±", "LOST");
	if (store_query_losses(s, f, history_row, &c, err, errlen) != 0)
		return -1;
	if (fmt == REPORT_JSON)
		fprintf(out, "%s]\n", c.rows ? "\n" : "");
	return c.rows;
}

static const char history_usage[] =
    "usage: hamon history [--db FILE] [--target NAME] [--since T] [--until T] [--min DURATION]\n"
    "                     [--kind burst|outage|all] [--format table|json|csv]";

/* `hamon history`: parse options, query, print. */
int
cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "target", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "min", required_argument, NULL, 'm' },
		{ "kind", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_loss_filter f = { .kind = -1 };
	enum report_format fmt = REPORT_TABLE;
	const char *db = "hamon.db";
	char err[512];
	struct store *s;
	int64_t now = time_real_ns();
	long n;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (optarg[0] == '\0')
				usage_error("--db: the database name is empty");
			db = optarg;
			break;
		case 't':
			f.target = optarg;
			break;
		case 's':
		case 'u':
			if (time_parse(optarg, now, c == 's' ? &f.since_ns : &f.until_ns, err,
			               sizeof(err)) != 0)
				usage_error("--%s: %s", c == 's' ? "since" : "until", err);
			break;
		case 'm':
			if (duration_parse(optarg, &f.min_ns, err, sizeof(err)) != 0)
				usage_error("--min: %s", err);
			break;
		case 'k':
			if (strcmp(optarg, "burst") == 0)
				f.kind = STORE_BURST;
			else if (strcmp(optarg, "outage") == 0)
				f.kind = STORE_OUTAGE;
			else if (strcmp(optarg, "all") == 0)
				f.kind = -1;
			else
				usage_error("--kind \"%s\": expected burst, outage or all", optarg);
			break;
		case 'f':
			if (report_format_parse(optarg, &fmt) != 0)
				usage_error("--format \"%s\": expected table, json or csv", optarg);
			break;
		case 'h':
			puts(history_usage);
			return 0;
		case ':':
			usage_error("history: option %s needs a value", argv[optind - 1]);
		default:
			usage_error("history: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("history: unexpected argument \"%s\"", argv[optind]);
	if ((s = store_open(db, STORE_READ, err, sizeof(err))) == NULL)
		usage_error("%s", err);
	n = report_history(s, &f, fmt, stdout, err, sizeof(err));
	store_close(s);
	if (n < 0) {
		log_warnx("%s", err);
		return 1;
	}
	return 0;
}
