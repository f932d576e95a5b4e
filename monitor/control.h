/* SPDX-License-Identifier: ISC */
/* control.h: the monitor's control socket beside its database, through which
 * `hamon mark` adds markers and span boundaries to a running monitor. */
#ifndef HAMON_CONTROL_H
#define HAMON_CONTROL_H
#include <stddef.h>
#include <stdint.h>

struct monitor;
struct control;

/* "<db>.ctl": where the socket of the monitor on db lives. */
int control_path(const char *db, char *buf, size_t len);

/* Listen on path (mode 0600, owner only) on the monitor's event base;
 * a stale socket file is replaced. NULL with err on failure. */
struct control *control_open(struct monitor *m, const char *path, char *err, size_t errlen);
/* One request, "<kind> <unix ns> [id=<token>] <label>": kind is marker,
 * span-begin or span-end; the token (1 to 32 lower-case hex digits, ""
 * when absent) makes a repeat of the request harmless. */
struct control_req {
	const char *kind, *token, *label;
	int64_t ts_ns;
};
/* Parse line (no newline) in place into rq: 0, or -1 with *why. */
int control_parse(char *line, struct control_req *rq, const char **why);

/* Stop listening and remove the socket file. NULL is a no-op. */
void control_close(struct control *c);

/* Client side: send one request ("mark", "span-begin" or "span-end" with a
 * label, time-stamped now) to the monitor on db. 0, or -1 with err. */
/* The longest label a marker may carry. */
#define CONTROL_LABEL_MAX 256

int control_send_mark(const char *db, const char *kind, const char *label, char *err,
		      size_t errlen);

#endif
