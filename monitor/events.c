/* SPDX-License-Identifier: ISC */
/* events.c: the monitor's listeners (events.h) and the one JSON form of an
 * event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonw.h"
#include "lib/log.h"
#include "monitor/events.h"
#include "monitor/mclock.h"
#include "monitor/monitor_int.h"

static const char *const kind_names[MEV_NKINDS] = {
	[MEV_DOWN] = "down",	   [MEV_UP] = "up",	    [MEV_WITHDRAWN] = "withdrawn",
	[MEV_UNKNOWN] = "unknown", [MEV_BURST] = "burst", [MEV_MARK] = "mark",
	[MEV_SECOND] = "second",
};

const char *
mev_kind_name(enum mev_kind k)
{
	return (unsigned)k < MEV_NKINDS ? kind_names[k] : "?";
}

int
monitor_listen(struct monitor *m, mev_fn fn, void *arg)
{
	if (m->nlisten == MEV_MAX_LISTENERS)
		return -1;
	m->listen[m->nlisten].fn = fn;
	m->listen[m->nlisten].arg = arg;
	m->nlisten++;
	return 0;
}

int
monitor_has_listeners(const struct monitor *m)
{
	return m->nlisten > 0;
}

void
monitor_mute(struct monitor *m, int delta, const char *label)
{
	m->mute_depth += delta;
	if (m->mute_depth < 0)
		m->mute_depth = 0;
	if (delta > 0 && label != NULL)
		snprintf(m->mute_label, sizeof(m->mute_label), "%s", label);
	if (m->mute_depth == 0)
		m->mute_label[0] = '\0';
}

int
monitor_muted(const struct monitor *m)
{
	return m->mute_depth > 0;
}

void
monitor_set_run(struct monitor *m, const char *label)
{
	snprintf(m->run_label, sizeof(m->run_label), "%s", label != NULL ? label : "");
}

void
monitor_emit(struct monitor *m, struct mev *e)
{
	size_t i;

	if (e->target != MEV_NO_TARGET && e->target < m->nt) {
		e->name = m->t[e->target].conf->name;
		e->url = m->t[e->target].conf->url;
	}
	if (e->declared_real == 0)
		e->declared_real = mclock_real(&m->o.clock);
	e->muted = m->mute_depth > 0;
	if (e->run == NULL && m->run_label[0] != '\0')
		e->run = m->run_label;
	if (e->run == NULL && m->mute_label[0] != '\0')
		e->run = m->mute_label;
	for (i = 0; i < m->nlisten; i++)
		m->listen[i].fn(e, m->listen[i].arg);
}

/* A period's figures, when the event has one. */
static void
write_period(const struct mev *e, struct jsonw *j)
{
	if (e->duration_ns < 0)
		return;
	if (e->since_real > 0)
		jsonw_time_field(j, "since", e->since_real);
	jsonw_ms_field(j, "duration_ms", e->duration_ns);
	jsonw_ms_field(j, "lower_ms", e->lower_ns);
	jsonw_ms_field(j, "upper_ms", e->upper_ns);
	if (e->kind != MEV_UNKNOWN)
		jsonw_uint_field(j, "lost", e->lost);
}

void
mev_write_json(const struct mev *e, struct jsonw *j)
{
	jsonw_obj_open(j);
	jsonw_string_field(j, "event", mev_kind_name(e->kind));
	if (e->name != NULL) {
		jsonw_string_field(j, "target", e->name);
		jsonw_string_field(j, "url", e->url);
	}
	jsonw_time_field(j, "time", e->time_real);
	jsonw_time_field(j, "declared", e->declared_real);
	switch (e->kind) {
	case MEV_DOWN:
	case MEV_UP:
	case MEV_WITHDRAWN:
		/* withdrawn: the DOWN was wrong, the target is up */
		jsonw_string_field(j, "state", e->kind == MEV_DOWN ? "down" : "up");
		jsonw_uint_field(j, "seq", e->seq);
		if (e->kind == MEV_DOWN && e->last_reply_real > 0)
			jsonw_time_field(j, "last_reply", e->last_reply_real);
		if (e->kind == MEV_WITHDRAWN && e->reason != NULL)
			jsonw_string_field(j, "reason", e->reason);
		write_period(e, j);
		break;
	case MEV_BURST:
		write_period(e, j);
		break;
	case MEV_UNKNOWN:
		jsonw_string_field(j, "code", e->label != NULL ? e->label : "");
		jsonw_string_field(j, "reason", e->reason != NULL ? e->reason : "");
		if (e->ifname != NULL)
			jsonw_string_field(j, "link", e->ifname);
		write_period(e, j);
		break;
	case MEV_MARK:
		jsonw_string_field(j, "kind", e->mark_kind != NULL ? e->mark_kind : "marker");
		jsonw_string_field(j, "label", e->label != NULL ? e->label : "");
		break;
	case MEV_SECOND:
		jsonw_int_field(j, "second", e->second);
		jsonw_uint_field(j, "sent", e->sent);
		jsonw_uint_field(j, "received", e->received);
		if (e->received > 0) {
			jsonw_ms_field(j, "rtt_min_ms", e->rtt_min_ns);
			jsonw_ms_field(j, "rtt_avg_ms", e->rtt_sum_ns / (int64_t)e->received);
			jsonw_ms_field(j, "rtt_max_ms", e->rtt_max_ns);
		}
		break;
	default:
		break;
	}
	jsonw_bool_field(j, "muted", e->muted);
	if (e->run != NULL)
		jsonw_string_field(j, "run", e->run);
	jsonw_obj_close(j);
}

char *
mev_json_string(const struct mev *e, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct jsonw *j;

	if (f == NULL)
		fatal("out of memory");
	j = jsonw_new(f);
	mev_write_json(e, j);
	jsonw_free(j);
	fclose(f);
	/* jsonw ends a top-level value with a newline: not part of the object. */
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}
