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
 *
 *   [vm101]              one section per target; the section name is its name
 *   target = icmp://198.18.0.2
 *   interval = 5ms       any default may be overridden per target
 *
 * Errors name file and line: `hamon.conf:12: unknown key "intervall" in [vm101]`.
 */
struct hamon_config {
	struct target_conf defaults; /* timing defaults; name/url unused */
	char *db_path;               /* NULL when not set */
	char *metrics;               /* metrics = [ADDR:]PORT, NULL when not set */
	int samples;                 /* -1 unset, 0 no, 1 yes */
	struct target_conf *targets;
	size_t ntargets;
	size_t *byname; /* name lookup (config.c), nbyname slots */
	size_t nbyname;
};

void config_init(struct hamon_config *cfg);
void config_free(struct hamon_config *cfg);

/* Load a file into cfg (targets appended). 0, or -1 with "file:line: reason". */
int config_load(struct hamon_config *cfg, const char *path, char *err, size_t errlen);

/* Append a target from a spec string, with the current defaults applied;
 * where ("argument 3") is stored for later messages. Rejects duplicate names:
 * `argument 4: duplicate target name "vm101" (first at hamon.conf:7)`. */
int config_add_target(struct hamon_config *cfg, const char *spec, const char *where, char *err,
		      size_t errlen);

/* Final checks across targets (timeout vs interval sanity, at least one target). */
int config_validate(const struct hamon_config *cfg, char *err, size_t errlen);

#endif
