/* SPDX-License-Identifier: ISC */
/* test_hooks.c: the hook command word splitter (lib/words.c), the hook
 * keys of the configuration file, a hook's HAMON_* environment, and the
 * event copy handed to the spawner thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert/hooks.h"
#include "lib/config.h"
#include "lib/words.h"

/* Split s and compare with the NULL-terminated want. */
static void
split_is(const char *s, const char *const *want)
{
	char **argv, err[128];
	int n, i;

	n = words_split(s, &argv, err, sizeof err);
	if (n < 0)
		fail_msg("\"%s\": %s", s, err);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_int_equal(n, i);
	assert_null(argv[n]);
	free(argv);
}

/* Split s expecting an error that contains part. */
static void
split_fails(const char *s, const char *part)
{
	char **argv = (char **)1, err[128] = "";

	assert_int_equal(words_split(s, &argv, err, sizeof err), -1);
	assert_null(argv);
	if (strstr(err, part) == NULL)
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", s, err, part);
}

/* Words, quotes and escapes. */
static void
test_words(void **state)
{
	(void)state;
	split_is("/bin/true", (const char *[]){ "/bin/true", NULL });
	split_is("  a \t b  c ", (const char *[]){ "a", "b", "c", NULL });
	split_is("sh -c 'echo $HOME; ls *'",
		 (const char *[]){ "sh", "-c", "echo $HOME; ls *", NULL });
	split_is("a\"b c\"d", (const char *[]){ "ab cd", NULL });
	split_is("\"x \\\" \\\\ \\n\"", (const char *[]){ "x \" \\ \\n", NULL });
	split_is("'it'\\''s'", (const char *[]){ "it's", NULL });
	split_is("a\\ b c\\\"", (const char *[]){ "a b", "c\"", NULL });
	split_is("'' \"\"", (const char *[]){ "", "", NULL });
	split_is("'a\\b'", (const char *[]){ "a\\b", NULL });
}

/* Bad quoting, an empty command, too many words. */
static void
test_words_errors(void **state)
{
	char many[WORDS_MAX * 2 + 8];
	int i;

	(void)state;
	split_fails("sh -c 'x", "unterminated single quote (opened at character 7)");
	split_fails("a \"b", "unterminated double quote (opened at character 3)");
	split_fails("a \"b\\\"", "unterminated double quote");
	split_fails("a\\", "backslash at the end");
	split_fails("", "empty command");
	split_fails(" \t ", "empty command");
	for (i = 0; i <= WORDS_MAX; i++) {
		many[2 * i] = 'a';
		many[2 * i + 1] = ' ';
	}
	many[2 * (WORDS_MAX + 1)] = '\0';
	split_fails(many, "more than 256 words");
}

/* Write text to a temporary file; its path in path. */
static void
conf_file(char *path, size_t len, const char *text)
{
	int fd;

	snprintf(path, len, "/tmp/test_hooks.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Defaults shared, a section's own set, an empty value, errors with line. */
static void
test_config_hooks(void **state)
{
	struct hamon_config cfg;
	const struct config_hookset *a, *b, *c;
	char path[64], err[256];

	(void)state;
	conf_file(path, sizeof path,
		  "[defaults]\non-down = /bin/echo down\nhook-timeout = 2s\nhooks-max = 3\n"
		  "[a]\ntarget = icmp://127.0.0.1\n"
		  "[b]\ntarget = icmp://127.0.0.2\non-up = \"sh -c 'echo up'\"\n"
		  "[c]\ntarget = icmp://127.0.0.3\non-down =\n");
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), 0);
	unlink(path);
	assert_int_equal(cfg.hook_timeout_ns, 2000000000LL);
	assert_int_equal(cfg.hooks_max, 3);
	a = config_target_hooks(&cfg, 0);
	b = config_target_hooks(&cfg, 1);
	c = config_target_hooks(&cfg, 2);
	assert_non_null(a);
	assert_ptr_equal(a, config_target_hooks(&cfg, (size_t)-1));
	assert_string_equal(a->argv[CONFIG_HOOK_DOWN][1], "down");
	assert_null(a->argv[CONFIG_HOOK_UP]);
	assert_string_equal(b->argv[CONFIG_HOOK_DOWN][0], "/bin/echo");
	assert_string_equal(b->argv[CONFIG_HOOK_UP][2], "echo up");
	assert_null(c->argv[CONFIG_HOOK_DOWN]);
	/* The command line's hook reaches every target. */
	assert_int_equal(config_set_hook_all(&cfg, CONFIG_HOOK_UNKNOWN, "x 'y z'", "--on-unknown",
					     err, sizeof err),
			 0);
	assert_string_equal(config_target_hooks(&cfg, 2)->argv[CONFIG_HOOK_UNKNOWN][1], "y z");
	assert_int_equal(config_set_hook_all(&cfg, CONFIG_HOOK_UP, "'", "--on-up", err,
					     sizeof err),
			 -1);
	assert_non_null(strstr(err, "--on-up: unterminated single quote"));
	config_free(&cfg);

	conf_file(path, sizeof path, "[defaults]\n\non-up = a 'b\n");
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
	assert_non_null(strstr(err, ":3: on-up \"a 'b\": unterminated single quote"));
	config_free(&cfg);
	conf_file(path, sizeof path, "[defaults]\nhooks-max = 0\n");
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
	assert_non_null(strstr(err, ":2: hooks-max"));
	config_free(&cfg);
	unlink(path);
}

/* Value of NAME in env, or NULL. */
static const char *
env_get(char **env, size_t n, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < n; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

/* An UP after an outage and a withdrawn DOWN, as a hook sees them. */
static void
test_env(void **state)
{
	struct mev e;
	char *env[HOOKS_ENV_MAX];
	size_t n, i;

	(void)state;
	memset(&e, 0, sizeof e);
	e.kind = MEV_UP;
	e.name = "vm101";
	e.url = "icmp://198.18.0.2";
	e.time_real = 1700000001500000000LL;
	e.declared_real = 1700000001600000000LL;
	e.since_real = 1700000000000000000LL;
	e.duration_ns = 1500000000LL;
	e.lower_ns = 1490000000LL;
	e.upper_ns = 1510123456LL;
	e.lost = 150;
	e.seq = 42;
	e.run = "migrate-101";
	n = hooks_env(&e, "on-up", env);
	assert_string_equal(env_get(env, n, "HAMON_HOOK"), "on-up");
	assert_string_equal(env_get(env, n, "HAMON_EVENT"), "up");
	assert_string_equal(env_get(env, n, "HAMON_STATE"), "up");
	assert_string_equal(env_get(env, n, "HAMON_TARGET"), "vm101");
	assert_string_equal(env_get(env, n, "HAMON_URL"), "icmp://198.18.0.2");
	assert_string_equal(env_get(env, n, "HAMON_TIME"), "2023-11-14T22:13:21.500000Z");
	assert_string_equal(env_get(env, n, "HAMON_SINCE"), "2023-11-14T22:13:20.000000Z");
	assert_string_equal(env_get(env, n, "HAMON_DURATION_MS"), "1500.000");
	assert_string_equal(env_get(env, n, "HAMON_LOWER_MS"), "1490.000");
	assert_string_equal(env_get(env, n, "HAMON_UPPER_MS"), "1510.123");
	assert_string_equal(env_get(env, n, "HAMON_LOST"), "150");
	assert_string_equal(env_get(env, n, "HAMON_SEQ"), "42");
	assert_string_equal(env_get(env, n, "HAMON_RUN"), "migrate-101");
	assert_string_equal(env_get(env, n, "HAMON_WITHDRAWN"), "0");
	assert_string_equal(env_get(env, n, "HAMON_MUTED"), "0");
	assert_null(env_get(env, n, "HAMON_CODE"));
	for (i = 0; i < n; i++)
		free(env[i]);

	e.kind = MEV_WITHDRAWN;
	e.run = NULL;
	n = hooks_env(&e, "on-up", env);
	assert_string_equal(env_get(env, n, "HAMON_EVENT"), "withdrawn");
	assert_string_equal(env_get(env, n, "HAMON_STATE"), "up");
	assert_string_equal(env_get(env, n, "HAMON_WITHDRAWN"), "1");
	assert_string_equal(env_get(env, n, "HAMON_RUN"), "");
	for (i = 0; i < n; i++)
		free(env[i]);

	/* A DOWN has no period; a monitor-wide UNKNOWN has no target. */
	memset(&e, 0, sizeof e);
	e.kind = MEV_UNKNOWN;
	e.duration_ns = e.lower_ns = e.upper_ns = 250000000LL;
	e.since_real = e.time_real = 1700000000000000000LL;
	e.label = "link-down";
	e.reason = "hm0 went down";
	e.ifname = "hm0";
	n = hooks_env(&e, "on-unknown", env);
	assert_null(env_get(env, n, "HAMON_TARGET"));
	assert_string_equal(env_get(env, n, "HAMON_STATE"), "unknown");
	assert_string_equal(env_get(env, n, "HAMON_CODE"), "link-down");
	assert_string_equal(env_get(env, n, "HAMON_LINK"), "hm0");
	assert_string_equal(env_get(env, n, "HAMON_DURATION_MS"), "250.000");
	assert_null(env_get(env, n, "HAMON_LOST"));
	for (i = 0; i < n; i++)
		free(env[i]);
}

/* Format e as a hook sees it: its environment joined by newlines, then its
 * JSON. malloc'd. */
static char *
hook_view(const struct mev *e, const char *hook)
{
	char *env[HOOKS_ENV_MAX], *json, *out;
	size_t n, i, len, jlen;

	n = hooks_env(e, hook, env);
	json = mev_json_string(e, &jlen);
	len = jlen + 1;
	for (i = 0; i < n; i++)
		len += strlen(env[i]) + 1;
	out = calloc(1, len);
	assert_non_null(out);
	for (i = 0; i < n; i++) {
		strcat(out, env[i]);
		strcat(out, "\n");
		free(env[i]);
	}
	strcat(out, json);
	free(json);
	return out;
}

/* The handover to the spawner thread: a copied event formats as the
 * original did, after the bus has reused or freed the original's strings. */
static void
test_event_copy(void **state)
{
	struct mev e, c;
	char *name, *url, *run, *label, *reason, *ifname, *want, *got;

	(void)state;
	memset(&e, 0, sizeof e);
	e.kind = MEV_UP;
	e.target = 3;
	e.name = name = strdup("vm101");
	e.url = url = strdup("icmp://198.18.0.2");
	e.run = run = strdup("migrate-101");
	e.time_real = 1700000001500000000LL;
	e.declared_real = 1700000001600000000LL;
	e.since_real = 1700000000000000000LL;
	e.duration_ns = 1500000000LL;
	e.lower_ns = 1490000000LL;
	e.upper_ns = 1510123456LL;
	e.lost = 150;
	e.seq = 42;
	want = hook_view(&e, "on-up");
	hooks_mev_copy(&c, &e);
	assert_ptr_not_equal(c.name, e.name);
	memset(name, 'x', strlen(name));
	memset(url, 'x', strlen(url));
	memset(run, 'x', strlen(run));
	free(name);
	free(url);
	free(run);
	got = hook_view(&c, "on-up");
	assert_string_equal(got, want);
	assert_int_equal(c.target, 3);
	free(got);
	free(want);
	hooks_mev_clear(&c);
	assert_null(c.name);

	/* A monitor-wide UNKNOWN: its code, reason and link; no name, no URL. */
	memset(&e, 0, sizeof e);
	e.kind = MEV_UNKNOWN;
	e.target = MEV_NO_TARGET;
	e.duration_ns = e.lower_ns = e.upper_ns = 250000000LL;
	e.since_real = e.time_real = 1700000000000000000LL;
	e.label = label = strdup("link-down");
	e.reason = reason = strdup("hm0 went \"down\"");
	e.ifname = ifname = strdup("hm0");
	want = hook_view(&e, "on-unknown");
	hooks_mev_copy(&c, &e);
	assert_null(c.name);
	assert_null(c.url);
	free(label);
	free(reason);
	free(ifname);
	got = hook_view(&c, "on-unknown");
	assert_string_equal(got, want);
	assert_non_null(strstr(got, "HAMON_LINK=hm0\n"));
	free(got);
	free(want);
	hooks_mev_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_words_errors),
		cmocka_unit_test(test_config_hooks),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_event_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
