/* SPDX-License-Identifier: ISC */
/* dash.h: the live page and its API on the metrics listener (`--http`). */
#ifndef HAMON_DASH_H
#define HAMON_DASH_H

struct monitor;
struct dash;
struct evhttp_request;

/* Keep what the page needs from m's events; token NULL when none is
 * asked (a loopback listener). */
struct dash *dash_new(struct monitor *m, const char *token);
/* 1 when req may be served (no token asked, or it carries it); else a
 * 401 has been sent and 0 returned. */
int dash_authorized(struct dash *d, struct evhttp_request *req);
/* Serve GET/HEAD of path (not /metrics): /, /api/status, /api/events, else
 * 404. 1 when req became an event stream (its connection streams for as
 * long as it lives), else 0. */
int dash_request(struct dash *d, struct evhttp_request *req, const char *path);
/* Is req one of ours (a stream or a status reply in progress)? evhttp
 * calls back again with such a request when its connection fails. */
int dash_owns(struct dash *d, struct evhttp_request *req);
/* Drop the streams and replies in progress. NULL is a no-op. */
void dash_free(struct dash *d);

#endif
