/* SPDX-License-Identifier: ISC */
/* config.c: the INI-style configuration file and the command-line targets. */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/listenaddr.h"
#include "lib/log.h"
#include "lib/target.h"
#include "lib/timeutil.h"
#include "lib/weburl.h"
#include "lib/words.h"
#include "lib/xalloc.h"

/* Longest line accepted, not counting the newline. */
#define CONFIG_LINE_MAX 4096
/* Quoted outside text in messages is escaped and cut to this many bytes. */
#define CONFIG_QUOTE_MAX 160

enum config_section { CONFIG_NONE, CONFIG_DEFAULTS, CONFIG_TARGET };

enum config_keyid {
	CONFIG_KEY_DB,
	CONFIG_KEY_SAMPLES,
	CONFIG_KEY_METRICS,
	CONFIG_KEY_INTERVAL,
	CONFIG_KEY_TIMEOUT,
	CONFIG_KEY_DOWN_AFTER,
	CONFIG_KEY_UP_AFTER,
	CONFIG_KEY_TARGET,
	CONFIG_KEY_ON_DOWN,
	CONFIG_KEY_ON_UP,
	CONFIG_KEY_ON_UNKNOWN,
	CONFIG_KEY_HOOK_TIMEOUT,
	CONFIG_KEY_HOOKS_MAX,
	CONFIG_KEY_WEBHOOK,
	CONFIG_KEY_WEBHOOK_CA,
	CONFIG_KEY_WEBHOOK_TIMEOUT,
	CONFIG_KEY_HTTP,
	CONFIG_KEY_HTTP_TOKEN,
	CONFIG_NKEYS
};

/* Every key, and the sections it may appear in. */
static const struct config_key {
	const char *name;
	int in_defaults;
	int in_target;
} config_keys[CONFIG_NKEYS] = {
	[CONFIG_KEY_DB] = { "db", 1, 0 },
	[CONFIG_KEY_SAMPLES] = { "samples", 1, 0 },
	[CONFIG_KEY_METRICS] = { "metrics", 1, 0 },
	[CONFIG_KEY_INTERVAL] = { "interval", 1, 1 },
	[CONFIG_KEY_TIMEOUT] = { "timeout", 1, 1 },
	[CONFIG_KEY_DOWN_AFTER] = { "down-after", 1, 1 },
	[CONFIG_KEY_UP_AFTER] = { "up-after", 1, 1 },
	[CONFIG_KEY_TARGET] = { "target", 0, 1 },
	[CONFIG_KEY_ON_DOWN] = { "on-down", 1, 1 },
	[CONFIG_KEY_ON_UP] = { "on-up", 1, 1 },
	[CONFIG_KEY_ON_UNKNOWN] = { "on-unknown", 1, 1 },
	[CONFIG_KEY_HOOK_TIMEOUT] = { "hook-timeout", 1, 0 },
	[CONFIG_KEY_HOOKS_MAX] = { "hooks-max", 1, 0 },
	[CONFIG_KEY_WEBHOOK] = { "webhook", 1, 0 },
	[CONFIG_KEY_WEBHOOK_CA] = { "webhook-ca", 1, 0 },
	[CONFIG_KEY_WEBHOOK_TIMEOUT] = { "webhook-timeout", 1, 0 },
	[CONFIG_KEY_HTTP] = { "http", 1, 0 },
	[CONFIG_KEY_HTTP_TOKEN] = { "http-token", 1, 0 },
};

static const char *const config_hook_names[CONFIG_NHOOKS] = {
	[CONFIG_HOOK_DOWN] = "on-down",
	[CONFIG_HOOK_UP] = "on-up",
	[CONFIG_HOOK_UNKNOWN] = "on-unknown",
};

/* Where we are in one file. */
struct config_reader {
	struct hamon_config *cfg;
	const char *path;
	unsigned line;
	enum config_section section;
	unsigned section_line;
	unsigned key_line[CONFIG_NKEYS]; /* 0 = not yet in this section */
	int seen_target_section;
	int hooks_owned;        /* the section's hook set is its own (not shared) */
	struct target_conf cur; /* the target section being read */
};

/* Zero cfg and give it the built-in defaults. */
void
config_init(struct hamon_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	target_conf_defaults(&cfg->defaults);
	cfg->db_path = NULL;
	cfg->metrics = NULL;
	cfg->samples = -1;
	cfg->targets = NULL;
	cfg->ntargets = 0;
	cfg->targets_cap = 0;
}

/* Free what cfg holds and leave it as config_init() left it. */
void
config_free(struct hamon_config *cfg)
{
	size_t i;
	int k;

	if (cfg == NULL)
		return;
	free(cfg->db_path);
	free(cfg->metrics);
	free(cfg->http_token);
	free(cfg->targets);
	free(cfg->byname);
	for (i = 0; i < cfg->nhooksets; i++)
		for (k = 0; k < CONFIG_NHOOKS; k++) {
			free(cfg->hooksets[i].cmd[k]);
			free(cfg->hooksets[i].argv[k]);
		}
	free(cfg->hooksets);
	for (i = 0; i < cfg->nwebhooks; i++)
		free(cfg->webhooks[i]);
	free(cfg->webhooks);
	free(cfg->webhook_ca);
	config_init(cfg);
}

/* Escape s for quoting in a message. */
static const char *
config_quote(char *buf, size_t n, const char *s)
{
	return log_escape(buf, n, s, strlen(s));
}

/*
 * Names are looked up in an open-addressing table of target indexes (plus
 * one; 0 is empty), kept at most half full: every target is checked for a
 * duplicate name when it is added, and a linear scan made that quadratic
 * (50 000 targets took 5 s to load).
 */
static size_t
config_hash(const char *name)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return (size_t)h;
}

/* Index of the target called name, or -1. */
static ssize_t
config_find(const struct hamon_config *cfg, const char *name)
{
	size_t i, v;

	if (cfg->nbyname == 0)
		return -1;
	for (i = config_hash(name) & (cfg->nbyname - 1); (v = cfg->byname[i]) != 0;
	     i = (i + 1) & (cfg->nbyname - 1)) {
		if (strcmp(cfg->targets[v - 1].name, name) == 0)
			return (ssize_t)(v - 1);
	}
	return -1;
}

/* Put target index t into the name table. */
static void
config_index(struct hamon_config *cfg, size_t t)
{
	size_t i = config_hash(cfg->targets[t].name) & (cfg->nbyname - 1);

	while (cfg->byname[i] != 0)
		i = (i + 1) & (cfg->nbyname - 1);
	cfg->byname[i] = t + 1;
}

/* Append a copy of t to the targets. */
static void
config_append(struct hamon_config *cfg, const struct target_conf *t)
{
	size_t i;

	/* Doubling: one more each time copied the whole array every time,
	 * minutes for 20 000 targets where realloc cannot move pages (ASan). */
	if (cfg->ntargets == cfg->targets_cap) {
		cfg->targets_cap = cfg->targets_cap ? cfg->targets_cap * 2 : 16;
		cfg->targets = xreallocarray(cfg->targets, cfg->targets_cap, sizeof *cfg->targets);
	}
	cfg->targets[cfg->ntargets++] = *t;
	if (cfg->ntargets * 2 > cfg->nbyname) {
		free(cfg->byname);
		cfg->nbyname = cfg->nbyname ? cfg->nbyname * 2 : 64;
		cfg->byname = xcalloc(cfg->nbyname, sizeof *cfg->byname);
		for (i = 0; i < cfg->ntargets; i++)
			config_index(cfg, i);
	} else
		config_index(cfg, cfg->ntargets - 1);
}

/* Write "FILE:LINE: reason" into err; returns -1 for the caller to return. */
static int LOG_PRINTF(5, 6) config_error(const struct config_reader *r, unsigned line, char *err,
					 size_t errlen, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%u: %s", r->path, line, reason);
	return -1;
}

/* The name of the current section, for messages: "[vm101]". */
static const char *
config_section_name(const struct config_reader *r)
{
	return r->section == CONFIG_DEFAULTS ? "defaults" : r->cur.name;
}

/* Close the current section: a target section becomes a target. */
static int
config_end_section(struct config_reader *r, char *err, size_t errlen)
{
	if (r->section != CONFIG_TARGET)
		return 0;
	if (r->key_line[CONFIG_KEY_TARGET] == 0) {
		return config_error(r, r->section_line, err, errlen,
				    "section [%s] has no \"target =\"", r->cur.name);
	}
	snprintf(r->cur.where, sizeof r->cur.where, "%s:%u", r->path, r->section_line);
	config_append(r->cfg, &r->cur);
	r->section = CONFIG_NONE;
	return 0;
}

/* A "[name]" line: p is the trimmed line, starting with '['. */
static int
config_parse_section(struct config_reader *r, char *p, char *err, size_t errlen)
{
	char q[CONFIG_QUOTE_MAX], reason[256];
	char *end, *name, *after;
	ssize_t i;

	if ((end = strchr(p, ']')) == NULL) {
		return config_error(r, r->line, err, errlen, "missing \"]\" in \"%s\"",
				    config_quote(q, sizeof q, p));
	}
	for (after = end + 1; isspace((unsigned char)*after); after++)
		/* nothing */;
	if (*after != '\0' && *after != '#' && *after != ';') {
		return config_error(r, r->line, err, errlen,
				    "unexpected \"%s\" after the section name",
				    config_quote(q, sizeof q, after));
	}
	*end = '\0';
	for (name = p + 1; isspace((unsigned char)*name); name++)
		/* nothing */;
	while (end > name && isspace((unsigned char)end[-1]))
		*--end = '\0';

	if (config_end_section(r, err, errlen) != 0)
		return -1;
	memset(r->key_line, 0, sizeof r->key_line);
	r->section_line = r->line;
	r->hooks_owned = 0;

	if (strcmp(name, "defaults") == 0) {
		if (r->seen_target_section) {
			return config_error(r, r->line, err, errlen,
					    "[defaults] must come before the first target section");
		}
		r->section = CONFIG_DEFAULTS;
		return 0;
	}
	if (target_name_valid(name, reason, sizeof reason) != 0)
		return config_error(r, r->line, err, errlen, "%s", reason);
	if ((i = config_find(r->cfg, name)) != -1) {
		return config_error(r, r->line, err, errlen,
				    "duplicate target name \"%s\" (first at %s)", name,
				    r->cfg->targets[i].where);
	}
	/* A target takes the defaults as they stand when its section begins. */
	r->cur = r->cfg->defaults;
	snprintf(r->cur.name, sizeof r->cur.name, "%s", name);
	r->cur.url[0] = '\0';
	r->section = CONFIG_TARGET;
	r->seen_target_section = 1;
	return 0;
}

/*
 * Split the value after '=' off in place: trimmed, optionally in double
 * quotes. An unquoted value ends at a '#' or ';' that follows a space, so
 * "interval = 5ms  # fast" works and "db = /srv/a#b" keeps its '#'.
 */
static int
config_parse_value(struct config_reader *r, char *v, char **out, char *err, size_t errlen)
{
	char q[CONFIG_QUOTE_MAX];
	char *end, *p;

	while (isspace((unsigned char)*v))
		v++;
	if (*v == '"') {
		if ((end = strchr(v + 1, '"')) == NULL)
			return config_error(r, r->line, err, errlen, "missing closing quote");
		for (p = end + 1; isspace((unsigned char)*p); p++)
			/* nothing */;
		if (*p != '\0' && *p != '#' && *p != ';') {
			return config_error(r, r->line, err, errlen,
					    "unexpected \"%s\" after the closing quote",
					    config_quote(q, sizeof q, p));
		}
		*end = '\0';
		*out = v + 1;
		return 0;
	}
	for (p = v; *p != '\0'; p++) {
		if ((*p == '#' || *p == ';') && (p == v || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	}
	end = v + strlen(v);
	while (end > v && isspace((unsigned char)end[-1]))
		*--end = '\0';
	*out = v;
	return 0;
}

/* "on-down", "on-up", "on-unknown". */
const char *
config_hook_name(enum config_hook k)
{
	return (unsigned)k < CONFIG_NHOOKS ? config_hook_names[k] : "?";
}

/* A new hook set, a copy of hooks index idx (0: empty); its index + 1. */
static uint32_t
config_hookset_new(struct hamon_config *cfg, uint32_t idx)
{
	struct config_hookset *hs;
	char err[16];
	int k;

	cfg->hooksets = xreallocarray(cfg->hooksets, cfg->nhooksets + 1, sizeof *cfg->hooksets);
	hs = &cfg->hooksets[cfg->nhooksets++];
	memset(hs, 0, sizeof *hs);
	for (k = 0; idx != 0 && k < CONFIG_NHOOKS; k++) {
		const struct config_hookset *from = &cfg->hooksets[idx - 1];

		if (from->cmd[k] == NULL)
			continue;
		hs->cmd[k] = xstrdup(from->cmd[k]);
		/* It split once already: it splits again. */
		if (words_split(hs->cmd[k], &hs->argv[k], err, sizeof err) < 0)
			fatalx("config: hook \"%s\" no longer splits", hs->cmd[k]);
	}
	return (uint32_t)cfg->nhooksets;
}

/* Set hook k of hook set idx (1-based) to cmd (split into argv), or clear it
 * when cmd is empty. 0, or -1 with the splitter's reason. */
static int
config_hookset_set(struct hamon_config *cfg, uint32_t idx, enum config_hook k, const char *cmd,
		   char *err, size_t errlen)
{
	struct config_hookset *hs = &cfg->hooksets[idx - 1];
	char **argv = NULL;

	if (*cmd != '\0' && words_split(cmd, &argv, err, errlen) < 0)
		return -1;
	free(hs->cmd[k]);
	free(hs->argv[k]);
	hs->cmd[k] = *cmd != '\0' ? xstrdup(cmd) : NULL;
	hs->argv[k] = argv;
	return 0;
}

/* The hooks of target i ((size_t)-1: the defaults'), NULL for none. */
const struct config_hookset *
config_target_hooks(const struct hamon_config *cfg, size_t i)
{
	uint32_t idx = i == (size_t)-1 ? cfg->defaults.hooks
		       : i < cfg->ntargets ? cfg->targets[i].hooks
					   : 0;

	return idx != 0 && idx <= cfg->nhooksets ? &cfg->hooksets[idx - 1] : NULL;
}

/* Any hook set anywhere? */
int
config_has_hooks(const struct hamon_config *cfg)
{
	size_t i;
	int k;

	for (i = 0; i < cfg->nhooksets; i++)
		for (k = 0; k < CONFIG_NHOOKS; k++)
			if (cfg->hooksets[i].argv[k] != NULL)
				return 1;
	return 0;
}

/* The command line's hook for everyone: every existing set gets it, and
 * the targets (and defaults) without one share one new set. */
int
config_set_hook_all(struct hamon_config *cfg, enum config_hook k, const char *cmd,
		    const char *where, char *err, size_t errlen)
{
	char reason[256], **argv = NULL;
	uint32_t shared = 0;
	size_t i;

	if (*cmd != '\0' && words_split(cmd, &argv, reason, sizeof reason) < 0) {
		snprintf(err, errlen, "%s: %s", where, reason);
		return -1;
	}
	free(argv);
	for (i = 0; i < cfg->nhooksets; i++)
		config_hookset_set(cfg, (uint32_t)i + 1, k, cmd, reason, sizeof reason);
	if (*cmd == '\0')
		return 0;
	if (cfg->defaults.hooks == 0) {
		shared = config_hookset_new(cfg, 0);
		config_hookset_set(cfg, shared, k, cmd, reason, sizeof reason);
		cfg->defaults.hooks = shared;
	}
	for (i = 0; i < cfg->ntargets; i++)
		if (cfg->targets[i].hooks == 0) {
			if (shared == 0) {
				shared = config_hookset_new(cfg, 0);
				config_hookset_set(cfg, shared, k, cmd, reason, sizeof reason);
			}
			cfg->targets[i].hooks = shared;
		}
	return 0;
}

int
config_add_webhook(struct hamon_config *cfg, const char *url, char *err, size_t errlen)
{
	char reason[128], q[CONFIG_QUOTE_MAX], shown[300];

	if (weburl_check(url, reason, sizeof reason) != 0) {
		/* the URL may hold a secret: only what weburl_shown keeps */
		weburl_shown(url, shown, sizeof shown);
		snprintf(err, errlen, "webhook \"%s\": %s", config_quote(q, sizeof q, shown),
			 reason);
		return -1;
	}
	if (cfg->nwebhooks == CONFIG_WEBHOOKS_MAX) {
		snprintf(err, errlen, "at most %d webhooks", CONFIG_WEBHOOKS_MAX);
		return -1;
	}
	cfg->webhooks = xreallocarray(cfg->webhooks, cfg->nwebhooks + 1, sizeof(*cfg->webhooks));
	cfg->webhooks[cfg->nwebhooks++] = xstrdup(url);
	return 0;
}

/* Apply one key to the current section. */
static int
config_set(struct config_reader *r, enum config_keyid k, const char *v, char *err, size_t errlen)
{
	struct hamon_config *cfg = r->cfg;
	struct target_conf *t;
	char q[CONFIG_QUOTE_MAX], reason[512], name[TARGET_NAME_MAX];
	const char *eq, *sep;
	int rc = 0;

	t = r->section == CONFIG_DEFAULTS ? &cfg->defaults : &r->cur;
	switch (k) {
	case CONFIG_KEY_DB:
		if (*v == '\0')
			return config_error(r, r->line, err, errlen, "db must not be empty");
		free(cfg->db_path);
		cfg->db_path = xstrdup(v);
		return 0;
	case CONFIG_KEY_HTTP_TOKEN:
		/* The file's name; it is read (and checked) when the listener
		 * opens, so the token itself never sits in the config. */
		if (*v == '\0')
			return config_error(r, r->line, err, errlen, "http-token must name a file");
		free(cfg->http_token);
		cfg->http_token = xstrdup(v);
		return 0;
	case CONFIG_KEY_HTTP: /* the live page's listener; metrics is its old name */
	case CONFIG_KEY_METRICS: {
		struct sockaddr_storage ss;
		socklen_t len;

		if (listenaddr_parse(v, &ss, &len, reason, sizeof reason) != 0)
			return config_error(r, r->line, err, errlen, "%s \"%s\": %s",
					    config_keys[k].name, config_quote(q, sizeof q, v), reason);
		free(cfg->metrics);
		cfg->metrics = xstrdup(v);
		return 0;
	}
	case CONFIG_KEY_SAMPLES:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0 ||
		    strcmp(v, "1") == 0)
			cfg->samples = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0 ||
			 strcmp(v, "0") == 0)
			cfg->samples = 0;
		else {
			return config_error(r, r->line, err, errlen,
					    "samples \"%s\" must be yes or no",
					    config_quote(q, sizeof q, v));
		}
		return 0;
	case CONFIG_KEY_ON_DOWN:
	case CONFIG_KEY_ON_UP:
	case CONFIG_KEY_ON_UNKNOWN: {
		enum config_hook hk = k == CONFIG_KEY_ON_DOWN ? CONFIG_HOOK_DOWN
				      : k == CONFIG_KEY_ON_UP ? CONFIG_HOOK_UP
							      : CONFIG_HOOK_UNKNOWN;
		char **argv;

		/* Check before touching anything: an error leaves no half state. */
		if (*v != '\0' && words_split(v, &argv, reason, sizeof reason) < 0)
			return config_error(r, r->line, err, errlen, "%s \"%s\": %s",
					    config_hook_name(hk), config_quote(q, sizeof q, v),
					    reason);
		if (*v != '\0')
			free(argv);
		/* A section's first hook key gives it a set of its own, a copy
		 * of the defaults' as they stand. */
		if (!r->hooks_owned) {
			t->hooks = config_hookset_new(cfg, t->hooks);
			r->hooks_owned = 1;
		}
		return config_hookset_set(cfg, t->hooks, hk, v, err, errlen);
	}
	case CONFIG_KEY_HOOK_TIMEOUT:
		if (duration_parse_range("hook-timeout", v, CONFIG_HOOK_TIMEOUT_MIN_NS,
					 CONFIG_HOOK_TIMEOUT_MAX_NS, &cfg->hook_timeout_ns, reason,
					 sizeof reason) != 0)
			return config_error(r, r->line, err, errlen, "%s", reason);
		return 0;
	case CONFIG_KEY_HOOKS_MAX: {
		unsigned long long n;

		if (uint_parse_range("hooks-max", v, 1, CONFIG_HOOKS_MAX_LIMIT, &n, reason,
				     sizeof reason) != 0)
			return config_error(r, r->line, err, errlen, "%s", reason);
		cfg->hooks_max = (unsigned)n;
		return 0;
	}
	case CONFIG_KEY_WEBHOOK:
		if (config_add_webhook(cfg, v, reason, sizeof reason) != 0)
			return config_error(r, r->line, err, errlen, "%s", reason);
		return 0;
	case CONFIG_KEY_WEBHOOK_CA:
		if (*v == '\0')
			return config_error(r, r->line, err, errlen, "webhook-ca must not be empty");
		free(cfg->webhook_ca);
		cfg->webhook_ca = xstrdup(v);
		return 0;
	case CONFIG_KEY_WEBHOOK_TIMEOUT:
		if (duration_parse_range("webhook-timeout", v, CONFIG_WEBHOOK_TIMEOUT_MIN_NS,
					 CONFIG_WEBHOOK_TIMEOUT_MAX_NS, &cfg->webhook_timeout_ns,
					 reason, sizeof reason) != 0)
			return config_error(r, r->line, err, errlen, "%s", reason);
		return 0;
	case CONFIG_KEY_INTERVAL:
		rc = target_parse_interval(v, t, reason, sizeof reason);
		break;
	case CONFIG_KEY_TIMEOUT:
		rc = target_parse_timeout(v, t, reason, sizeof reason);
		break;
	case CONFIG_KEY_DOWN_AFTER:
		rc = target_parse_down_after(v, t, reason, sizeof reason);
		break;
	case CONFIG_KEY_UP_AFTER:
		rc = target_parse_up_after(v, t, reason, sizeof reason);
		break;
	case CONFIG_KEY_TARGET:
		/* The section name is the target's name; "NAME=" here would be a second one. */
		sep = strstr(v, "://");
		eq = strchr(v, '=');
		if (eq != NULL && (sep == NULL || eq < sep)) {
			return config_error(r, r->line, err, errlen,
					    "target \"%s\" must be a URL without \"NAME=\": the "
					    "section name [%s] "
					    "is the name",
					    config_quote(q, sizeof q, v), t->name);
		}
		memcpy(name, t->name, sizeof name);
		rc = target_parse(v, t, reason, sizeof reason);
		memcpy(t->name, name, sizeof t->name);
		break;
	case CONFIG_NKEYS:
		break;
	}
	if (rc != 0)
		return config_error(r, r->line, err, errlen, "%s", reason);
	return 0;
}

/* A "key = value" line: p is the trimmed line. */
static int
config_parse_assignment(struct config_reader *r, char *p, char *err, size_t errlen)
{
	char q[CONFIG_QUOTE_MAX];
	char *eq, *end, *value = NULL;
	const char *sect;
	int k;

	if ((eq = strchr(p, '=')) == NULL) {
		return config_error(r, r->line, err, errlen,
				    "expected \"key = value\" or \"[section]\", not \"%s\"",
				    config_quote(q, sizeof q, p));
	}
	end = eq;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (*p == '\0')
		return config_error(r, r->line, err, errlen, "missing key before \"=\"");
	config_quote(q, sizeof q, p);

	for (k = 0; k < CONFIG_NKEYS; k++) {
		if (strcmp(config_keys[k].name, p) == 0)
			break;
	}
	if (r->section == CONFIG_NONE) {
		return config_error(
			r, r->line, err, errlen,
			"key \"%s\" outside a section (begin with [defaults] or [NAME])", q);
	}
	sect = config_section_name(r);
	if (k == CONFIG_NKEYS)
		return config_error(r, r->line, err, errlen, "unknown key \"%s\" in [%s]", q, sect);
	if (r->section == CONFIG_DEFAULTS && !config_keys[k].in_defaults) {
		return config_error(r, r->line, err, errlen,
				    "key \"%s\" belongs in a target section, not in [defaults]", q);
	}
	if (r->section == CONFIG_TARGET && !config_keys[k].in_target) {
		return config_error(r, r->line, err, errlen,
				    "key \"%s\" belongs in [defaults], not in [%s]", q, sect);
	}
	/* webhook is the one key that may repeat: one endpoint a line. */
	if (r->key_line[k] != 0 && k != CONFIG_KEY_WEBHOOK) {
		return config_error(r, r->line, err, errlen,
				    "duplicate key \"%s\" in [%s] (first at line %u)", q, sect,
				    r->key_line[k]);
	}
	r->key_line[k] = r->line;

	if (config_parse_value(r, eq + 1, &value, err, errlen) != 0)
		return -1;
	return config_set(r, (enum config_keyid)k, value, err, errlen);
}

/* One line, without its newline. */
static int
config_parse_line(struct config_reader *r, char *line, char *err, size_t errlen)
{
	char *p, *end;

	for (p = line; isspace((unsigned char)*p); p++)
		/* nothing */;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*p == '\0' || *p == '#' || *p == ';')
		return 0;
	if (*p == '[')
		return config_parse_section(r, p, err, errlen);
	return config_parse_assignment(r, p, err, errlen);
}

/*
 * Read one line into buf (CONFIG_LINE_MAX + 1 bytes). Returns 1 for a line,
 * 0 at the end of the file, -1 on error with the reason in err.
 */
static int
config_read_line(struct config_reader *r, FILE *f, char *buf, char *err, size_t errlen)
{
	size_t len = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return config_error(r, r->line + 1, err, errlen, "NUL byte in line");
		if (len == CONFIG_LINE_MAX) {
			return config_error(r, r->line + 1, err, errlen,
					    "line too long (more than %d bytes)", CONFIG_LINE_MAX);
		}
		buf[len++] = (char)c;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", r->path, strerror(errno));
		return -1;
	}
	if (c == EOF && len == 0)
		return 0;
	buf[len] = '\0';
	r->line++;
	return 1;
}

/* Load a file into cfg; targets are appended with the defaults in force. */
int
config_load(struct hamon_config *cfg, const char *path, char *err, size_t errlen)
{
	struct config_reader r;
	char buf[CONFIG_LINE_MAX + 1];
	FILE *f;
	int rc;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	memset(&r, 0, sizeof r);
	r.cfg = cfg;
	r.path = path;
	r.section = CONFIG_NONE;
	while ((rc = config_read_line(&r, f, buf, err, errlen)) == 1) {
		if ((rc = config_parse_line(&r, buf, err, errlen)) != 0)
			break;
	}
	fclose(f);
	if (rc != 0)
		return -1;
	return config_end_section(&r, err, errlen);
}

/* Add a command-line target with the defaults as they stand. */
int
config_add_target(struct hamon_config *cfg, const char *spec, const char *where, char *err,
		  size_t errlen)
{
	struct target_conf t;
	char reason[512];
	ssize_t i;

	t = cfg->defaults;
	if (target_parse(spec, &t, reason, sizeof reason) != 0) {
		snprintf(err, errlen, "%s: %s", where, reason);
		return -1;
	}
	if ((i = config_find(cfg, t.name)) != -1) {
		snprintf(err, errlen, "%s: duplicate target name \"%s\" (first at %s)", where,
			 t.name, cfg->targets[i].where);
		return -1;
	}
	snprintf(t.where, sizeof t.where, "%s", where);
	config_append(cfg, &t);
	return 0;
}

/* Check one timing value against its limits; "WHERE: interval "0s" must be at least 100us". */
static int
config_check_ns(const struct target_conf *t, const char *what, int64_t v, int64_t min, int64_t max,
		char *err, size_t errlen)
{
	char val[32], bound[32];

	duration_format_compact(v, val, sizeof val);
	if (v < min) {
		duration_format_compact(min, bound, sizeof bound);
		snprintf(err, errlen, "%s: %s \"%s\" must be at least %s", t->where, what, val,
			 bound);
		return -1;
	}
	if (max != 0 && v > max) {
		duration_format_compact(max, bound, sizeof bound);
		snprintf(err, errlen, "%s: %s \"%s\" must be at most %s", t->where, what, val,
			 bound);
		return -1;
	}
	return 0;
}

/*
 * Checks across everything once all sources are in: at least one target,
 * every setting within its limits (the parsers check what they read, this
 * also catches values a caller set directly). The timeout is deliberately
 * not compared with the interval: either may be the longer.
 */
int
config_validate(const struct hamon_config *cfg, char *err, size_t errlen)
{
	const struct target_conf *t;
	size_t i;
	ssize_t j;

	if (cfg->ntargets == 0) {
		snprintf(err, errlen, "no targets: give TARGET arguments or -c FILE");
		return -1;
	}
	for (i = 0; i < cfg->ntargets; i++) {
		t = &cfg->targets[i];
		if (t->url[0] == '\0' || (t->family != AF_INET && t->family != AF_INET6)) {
			snprintf(err, errlen, "%s: target \"%s\" has no address", t->where,
				 t->name);
			return -1;
		}
		if (config_check_ns(t, "interval", t->interval_ns, TARGET_MIN_INTERVAL_NS,
				    TARGET_MAX_INTERVAL_NS, err, errlen) != 0)
			return -1;
		if (config_check_ns(t, "timeout", t->timeout_ns, TARGET_MIN_TIMEOUT_NS, 0, err,
				    errlen) != 0)
			return -1;
		if (t->down_after_ns != 0 &&
		    config_check_ns(t, "down-after", t->down_after_ns, TARGET_MIN_DOWN_AFTER_NS, 0,
				    err, errlen) != 0)
			return -1;
		if (t->down_after < 1 || t->down_after > TARGET_MAX_COUNT) {
			snprintf(err, errlen, "%s: down-after \"%u\" must be 1..%d", t->where,
				 t->down_after, TARGET_MAX_COUNT);
			return -1;
		}
		if (t->up_after < 1 || t->up_after > TARGET_MAX_COUNT) {
			snprintf(err, errlen, "%s: up-after \"%u\" must be 1..%d", t->where,
				 t->up_after, TARGET_MAX_COUNT);
			return -1;
		}
		/* Adding a target refuses a duplicate; this only guards it. */
		if ((j = config_find(cfg, t->name)) != (ssize_t)i) {
			snprintf(err, errlen, "%s: duplicate target name \"%s\" (first at %s)",
				 t->where, t->name, j >= 0 ? cfg->targets[j].where : "?");
			return -1;
		}
	}
	return 0;
}
