/* SPDX-License-Identifier: ISC */
/*
 * journal_json.c: one entry of a `journalctl -o json` export, read with
 * jansson. journald exports every field as a JSON string (a field that is
 * not valid UTF-8 as an array of byte values; such a MESSAGE is not an HA
 * message and is skipped). The HA daemons' message is then read by
 * ha_journal.c's matcher, with the entry's own time instead of the short
 * format's year-less stamp.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hv/hv_int.h"

/* The string field key of obj, or NULL. */
static const char *
hvparse_jj_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Whether the entry is pve-ha-crm's or pve-ha-lrm's: SYSLOG_IDENTIFIER as
 * the short format shows it, else the unit the message came from. */
static int
hvparse_jj_is_ha(const json_t *obj)
{
	const char *id = hvparse_jj_str(obj, "SYSLOG_IDENTIFIER");

	if (id != NULL)
		return strcmp(id, "pve-ha-crm") == 0 || strcmp(id, "pve-ha-lrm") == 0;
	id = hvparse_jj_str(obj, "_SYSTEMD_UNIT");
	return id != NULL &&
	       (strcmp(id, "pve-ha-crm.service") == 0 || strcmp(id, "pve-ha-lrm.service") == 0);
}

/* __REALTIME_TIMESTAMP: decimal microseconds since the epoch, as a string. */
static int
hvparse_jj_time(const char *s, int64_t *us)
{
	struct hv_cur c;

	if (s == NULL)
		return 0;
	c.p = s;
	c.end = s + strlen(s);
	/* In ns it must fit an int64_t (until the year 2262). */
	return hvparse_uint_to_end(&c, 16, us) && *us <= INT64_MAX / 1000;
}

/* One line of a `journalctl -o json` export. */
enum hv_journal_json
hvparse_journal_json(struct hv_figures *f, const char *buf, size_t len)
{
	struct hv_ha_event ev;
	json_error_t jerr;
	json_t *root;
	const char *msg, *host;
	struct hv_cur c;
	struct tm tm;
	int64_t us;
	time_t t;

	if ((root = json_loadb(buf, len, 0, &jerr)) == NULL)
		return HV_JJ_NOT_JSON;
	if (!json_is_object(root)) {
		json_decref(root);
		return HV_JJ_NOT_JSON;
	}
	msg = hvparse_jj_str(root, "MESSAGE");
	if (msg == NULL || !hvparse_jj_is_ha(root) ||
	    !hvparse_jj_time(hvparse_jj_str(root, "__REALTIME_TIMESTAMP"), &us)) {
		json_decref(root);
		return HV_JJ_OTHER;
	}
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = us * 1000;
	t = (time_t)(us / 1000000);
	if (localtime_r(&t, &tm) != NULL) {
		ev.when.set = 1;
		ev.when.year = tm.tm_year + 1900;
		ev.when.mon = tm.tm_mon + 1;
		ev.when.mday = tm.tm_mday;
		ev.when.hour = tm.tm_hour;
		ev.when.min = tm.tm_min;
		ev.when.sec = tm.tm_sec;
	}
	if ((host = hvparse_jj_str(root, "_HOSTNAME")) != NULL) {
		c.p = host;
		c.end = host + strlen(host);
		hvparse_copy_rest(ev.host, sizeof(ev.host), &c);
	}
	/* A MESSAGE with a line end is several syslog lines: only one counts. */
	c.p = msg;
	c.end = msg + strcspn(msg, "\r\n");
	if (*c.end == '\0')
		hvparse_ha_msg(f, c, &ev);
	json_decref(root);
	return HV_JJ_HA;
}
