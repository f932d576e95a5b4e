/* SPDX-License-Identifier: ISC */
/* config.h: the INI-style configuration file and the command-line targets. */
#ifndef HAMON_CONFIG_H
#define HAMON_CONFIG_H
#include <stddef.h>
#include "lib/target.h"

/*
 * File format (etc/hamon.conf documents it):
 *
 *   # comment            ; comment
 *   [defaults]           applies to every target below and on the command line
 *   db = /var/lib/hamon/hamon.db
 *   interval = 10ms
 *   timeout = 1s
 *   down-after = 3       (a count, or a duration like 500ms)
 *   up-after = 1
 *   samples = yes|no
 *   metrics = 127.0.0.1:9619   serve Prometheus metrics there (see hamon(1))
 *   hook-timeout = 30s   a hook still running then gets SIGTERM, SIGKILL 2s later
 *   hooks-max = 16       hooks running at once (the rest wait in a queue)
 *   http = 127.0.0.1:9619  the live page, its API and /metrics (metrics = is the same)
 *   http-token = FILE    the token off loopback (its first line)
 *   on-down = CMD        exec hooks (also per target; an empty value: none);
 *   on-up = CMD          CMD is split into words by words_split() (lib/words.h)
 *   on-unknown = CMD
 *   webhook = URL        POST every event there (repeatable, http or https)
 *   webhook-ca = FILE    CA certificates for https webhooks (default: the system's)
 *   webhook-timeout = 10s  per POST attempt
 *
 *   [vm101]              one section per target; the section name is its name
 *   target = icmp://198.18.0.2
 *   interval = 5ms       any default may be overridden per target
 *
 * Errors name file and line: `hamon.conf:12: unknown key "intervall" in [vm101]`.
 */
/* The exec hooks (alert/hooks.c). */
enum config_hook { CONFIG_HOOK_DOWN, CONFIG_HOOK_UP, CONFIG_HOOK_UNKNOWN, CONFIG_NHOOKS };

#define CONFIG_HOOK_TIMEOUT_DEFAULT_NS (30LL * 1000000000)
#define CONFIG_HOOK_TIMEOUT_MIN_NS     (1LL * 1000000)
#define CONFIG_HOOK_TIMEOUT_MAX_NS     (24LL * 3600 * 1000000000)
#define CONFIG_HOOKS_MAX_DEFAULT       16
#define CONFIG_HOOKS_MAX_LIMIT         1024

/*
 * One target's hooks: the command as written and its words (argv, NULL
 * when that hook is not set). Targets hold only an index into the table of
 * these (target_conf.hooks), and every target of [defaults] and the command
 * line shares one entry: a target section that sets a hook key gets its own.
 */
struct config_hookset {
	char *cmd[CONFIG_NHOOKS];
	char **argv[CONFIG_NHOOKS];
};

struct hamon_config {
	struct target_conf defaults; /* timing defaults; name/url unused */
	char *db_path;               /* NULL when not set */
	char *metrics;               /* metrics = [ADDR:]PORT, NULL when not set */
	int samples;                 /* -1 unset, 0 no, 1 yes */
	struct target_conf *targets;
	size_t ntargets;
	size_t targets_cap; /* room in targets: grown by doubling */
	size_t *byname; /* name lookup (config.c), nbyname slots */
	size_t nbyname;
	struct config_hookset *hooksets; /* target_conf.hooks - 1 indexes it */
	size_t nhooksets;
	int64_t hook_timeout_ns; /* 0: unset (CONFIG_HOOK_TIMEOUT_DEFAULT_NS) */
	unsigned hooks_max;      /* 0: unset (CONFIG_HOOKS_MAX_DEFAULT) */
	char **webhooks;         /* webhook = URL, repeatable (alert/webhook.c) */
	size_t nwebhooks;
	char *webhook_ca;            /* webhook-ca = FILE, NULL: the system's */
	int64_t webhook_timeout_ns;  /* 0: unset (CONFIG_WEBHOOK_TIMEOUT_DEFAULT_NS) */
	char *http_token;        /* http-token = FILE, NULL when not set */
};

#define CONFIG_WEBHOOKS_MAX               16
#define CONFIG_WEBHOOK_TIMEOUT_DEFAULT_NS (10LL * 1000000000)
#define CONFIG_WEBHOOK_TIMEOUT_MIN_NS     (100LL * 1000000)
#define CONFIG_WEBHOOK_TIMEOUT_MAX_NS     (300LL * 1000000000)

void config_init(struct hamon_config *cfg);
/* Add an endpoint (weburl_check'd). 0, or -1 with "webhook \"URL\": reason". */
int config_add_webhook(struct hamon_config *cfg, const char *url, char *err, size_t errlen);
void config_free(struct hamon_config *cfg);

/* Load a file into cfg (targets appended). 0, or -1 with "file:line: reason". */
int config_load(struct hamon_config *cfg, const char *path, char *err, size_t errlen);

/* Append a target from a spec string, with the current defaults applied;
 * where ("argument 3") is stored for later messages. Rejects duplicate names:
 * `argument 4: duplicate target name "vm101" (first at hamon.conf:7)`. */
int config_add_target(struct hamon_config *cfg, const char *spec, const char *where, char *err,
		      size_t errlen);

/* "on-down", "on-up", "on-unknown". */
const char *config_hook_name(enum config_hook k);
/* The hooks of target i (MEV_NO_TARGET-like (size_t)-1: the defaults'), or
 * NULL when it has none. */
const struct config_hookset *config_target_hooks(const struct hamon_config *cfg, size_t i);
/* Set hook k for every target and the defaults (the command line's
 * --on-down etc. win over the file); an empty cmd removes it. 0, or -1
 * with "WHERE: reason". */
int config_set_hook_all(struct hamon_config *cfg, enum config_hook k, const char *cmd,
			const char *where, char *err, size_t errlen);
/* Any hook set for any target? */
int config_has_hooks(const struct hamon_config *cfg);

/* Final checks across targets (timeout vs interval sanity, at least one target). */
int config_validate(const struct hamon_config *cfg, char *err, size_t errlen);

#endif
