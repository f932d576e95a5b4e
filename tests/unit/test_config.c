/* SPDX-License-Identifier: ISC */
/* test_config.c: the configuration file, command-line targets and validation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/config.h"
#include "lib/target.h"
#include "lib/timeutil.h"

/* Write len bytes of text to a new temporary file; its name goes to path. */
static void
write_file(const char *text, size_t len, char *path, size_t pathlen)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, pathlen, "%s/hamon-test-XXXXXX", dir != NULL ? dir : "/tmp");
	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp %s: %s", path, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len)
		fail_msg("write %s: %s", path, strerror(errno));
	close(fd);
}

/* Load text as a config file into cfg (already initialised); returns config_load's result. */
static int
load_text(struct hamon_config *cfg, const char *text, char *path, size_t pathlen, char *err,
	  size_t errlen)
{
	int rc;

	write_file(text, strlen(text), path, pathlen);
	err[0] = '\0';
	rc = config_load(cfg, path, err, errlen);
	unlink(path);
	return rc;
}

/* Assert that text is refused with "PATH:line: reason". */
static void
check_load_error(const char *text, unsigned line, const char *reason)
{
	struct hamon_config cfg;
	char path[256], err[1024], want[1024];

	config_init(&cfg);
	if (load_text(&cfg, text, path, sizeof path, err, sizeof err) != -1)
		fail_msg("accepted:\n%s", text);
	snprintf(want, sizeof want, "%s:%u: %s", path, line, reason);
	assert_string_equal(err, want);
	config_free(&cfg);
}

static const char good_config[] = "# hamon test configuration\n"                       /* 1 */
				  "; another comment style\n"                          /* 2 */
				  "\n"                                                 /* 3 */
				  "[defaults]\n"                                       /* 4 */
				  "db = /var/lib/hamon/test.db\n"                      /* 5 */
				  "samples = yes\n"                                    /* 6 */
				  "interval = 20ms\n"                                  /* 7 */
				  "  timeout=2s  \n"                                   /* 8 */
				  "down-after = 5\n"                                   /* 9 */
				  "up-after = 2\n"                                     /* 10 */
				  "\n"                                                 /* 11 */
				  "[vm101]\n"                                          /* 12 */
				  "target = icmp://198.18.0.2\n"                       /* 13 */
				  "\n"                                                 /* 14 */
				  "[ db.primary:ssh ]\n"                               /* 15 */
				  "interval = 5ms    # faster than the default\n"      /* 16 */
				  "target = \"tcp://[2001:db8::5]:22\"\n"              /* 17 */
				  "down-after = 250ms\n"                               /* 18 */
				  "\n"                                                 /* 19 */
				  "[gw]\t; the gateway\n"                              /* 20 */
				  "target = icmp://[2001:db8::1] ; trailing comment\n" /* 21 */
				  "timeout = 100us\n"                                  /* 22 */
				  "up-after = 1"; /* 23, no newline */

/* A complete file: defaults inherited, per-target overrides, comments and quotes. */
static void
test_good_file(void **state)
{
	struct hamon_config cfg;
	const struct target_conf *t;
	char path[256], err[1024], where[300];

	config_init(&cfg);
	if (load_text(&cfg, good_config, path, sizeof path, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.db_path, "/var/lib/hamon/test.db");
	assert_int_equal(cfg.samples, 1);
	assert_true(cfg.defaults.interval_ns == 20 * NSEC_PER_MSEC);
	assert_int_equal(cfg.ntargets, 3);

	t = &cfg.targets[0];
	assert_string_equal(t->name, "vm101");
	assert_string_equal(t->url, "icmp://198.18.0.2");
	assert_int_equal(t->family, AF_INET);
	assert_true(t->interval_ns == 20 * NSEC_PER_MSEC);
	assert_true(t->timeout_ns == 2 * NSEC_PER_SEC);
	assert_int_equal(t->down_after, 5);
	assert_true(t->down_after_ns == 0);
	assert_int_equal(t->up_after, 2);
	snprintf(where, sizeof where, "%s:12", path);
	assert_string_equal(t->where, where);

	t = &cfg.targets[1];
	assert_string_equal(t->name, "db.primary:ssh");
	assert_string_equal(t->url, "tcp://[2001:db8::5]:22");
	assert_int_equal(t->port, 22);
	assert_true(t->interval_ns == 5 * NSEC_PER_MSEC);
	assert_true(t->timeout_ns == 2 * NSEC_PER_SEC);
	assert_int_equal(t->down_after, 1);
	assert_true(t->down_after_ns == 250 * NSEC_PER_MSEC);
	snprintf(where, sizeof where, "%s:15", path);
	assert_string_equal(t->where, where);

	t = &cfg.targets[2];
	assert_string_equal(t->name, "gw");
	assert_string_equal(t->url, "icmp://[2001:db8::1]");
	assert_true(t->interval_ns == 20 * NSEC_PER_MSEC);
	assert_true(t->timeout_ns == 100000);
	assert_int_equal(t->down_after, 5);
	assert_int_equal(t->up_after, 1);

	assert_int_equal(config_validate(&cfg, err, sizeof err), 0);
	config_free(&cfg);
	assert_null(cfg.targets);
	assert_int_equal(cfg.ntargets, 0);
	assert_null(cfg.db_path);
	config_free(&cfg);
}

/* Without [defaults] the built-in defaults apply; CRLF and quoted '#' work. */
static void
test_builtin_defaults(void **state)
{
	struct hamon_config cfg;
	char path[256], err[1024];

	config_init(&cfg);
	if (load_text(&cfg,
		      "[a]\r\ntarget = tcp://198.18.0.7:443\r\n"
		      "[defaults-free]\ntarget=icmp://198.18.0.8\n",
		      path, sizeof path, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.ntargets, 2);
	assert_string_equal(cfg.targets[0].url, "tcp://198.18.0.7:443");
	assert_true(cfg.targets[0].interval_ns == TARGET_DEFAULT_INTERVAL_NS);
	assert_true(cfg.targets[0].timeout_ns == TARGET_DEFAULT_TIMEOUT_NS);
	assert_int_equal(cfg.targets[0].down_after, TARGET_DEFAULT_DOWN_AFTER);
	assert_int_equal(cfg.targets[0].up_after, TARGET_DEFAULT_UP_AFTER);
	assert_string_equal(cfg.targets[1].name, "defaults-free");
	assert_null(cfg.db_path);
	assert_int_equal(cfg.samples, -1);
	config_free(&cfg);

	config_init(&cfg);
	if (load_text(&cfg,
		      "[defaults]\ndb = \"/srv/a b;c#d\" # comment\nsamples = no\n"
		      "[x]\ntarget = icmp://198.18.0.9\n",
		      path, sizeof path, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.db_path, "/srv/a b;c#d");
	assert_int_equal(cfg.samples, 0);
	config_free(&cfg);

	/* An unquoted '#' that does not follow a space is part of the value. */
	config_init(&cfg);
	if (load_text(&cfg, "[defaults]\ndb = /srv/a#b\n", path, sizeof path, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.db_path, "/srv/a#b");
	assert_int_equal(cfg.ntargets, 0);
	config_free(&cfg);
}

/* Every error names the file and the line, with the exact reason. */
static void
test_errors(void **state)
{
	check_load_error("[defaults]\ninterval = 10ms\n\n[vm101]\ntarget = icmp://198.18.0.2\n"
			 "intervall = 5ms\n",
			 6, "unknown key \"intervall\" in [vm101]");
	check_load_error("[defaults]\nverbose = 1\n", 2, "unknown key \"verbose\" in [defaults]");
	check_load_error("[defaults]\n\ninterval = 0ms\n", 3,
			 "interval \"0ms\" must be at least 100us");
	check_load_error("[defaults]\ninterval = 2h\n", 2, "interval \"2h\" must be at most 1h");
	check_load_error("[defaults]\ninterval = 10\n", 2,
			 "interval \"10\": missing unit (for example 10ms)");
	check_load_error(
		"[defaults]\ntimeout = 10 parsecs\n", 2,
		"timeout \"10 parsecs\": unknown unit \"parsecs\" (use ns, us, ms, s, m or h)");
	check_load_error("[defaults]\ntimeout = -5s\n", 2, "timeout \"-5s\": must not be negative");
	check_load_error("[defaults]\nup-after = 0\n", 2, "up-after \"0\" must be at least 1");
	check_load_error("[defaults]\nup-after = abc\n", 2, "up-after \"abc\" is not a number");
	check_load_error(
		"[defaults]\ndown-after = abc\n", 2,
		"down-after \"abc\" is not a number or a duration (for example 3 or 500ms)");
	check_load_error("[defaults]\nsamples = maybe\n", 2, "samples \"maybe\" must be yes or no");
	check_load_error("[defaults]\ndb =\n", 2, "db must not be empty");
	check_load_error(
		"# c\n\n[a]\ntarget = icmp://198.18.0.2\n\n\n\n\n[vm101]\ninterval = 5ms\n", 9,
		"section [vm101] has no \"target =\"");
	check_load_error("[vm101]\n", 1, "section [vm101] has no \"target =\"");
	check_load_error("[vm101]\ntarget = tcp://198.18.0.2:0\n", 2,
			 "\"tcp://198.18.0.2:0\": port must be 1..65535");
	check_load_error("[vm101]\ntarget = 198.18.0.2\n", 2,
			 "\"198.18.0.2\": missing scheme: write icmp://198.18.0.2 (or "
			 "tcp://198.18.0.2:PORT)");
	check_load_error("[vm101]\ntarget = other=icmp://198.18.0.2\n", 2,
			 "target \"other=icmp://198.18.0.2\" must be a URL without \"NAME=\": the "
			 "section name "
			 "[vm101] is the name");
	check_load_error("[vm101]\ntarget = icmp://198.18.0.2\ntarget = icmp://198.18.0.3\n", 3,
			 "duplicate key \"target\" in [vm101] (first at line 2)");
	check_load_error("[vm101]\ntarget = icmp://198.18.0.2\ndb = /x\n", 3,
			 "key \"db\" belongs in [defaults], not in [vm101]");
	check_load_error("[defaults]\ntarget = icmp://198.18.0.2\n", 2,
			 "key \"target\" belongs in a target section, not in [defaults]");
	check_load_error("interval = 5ms\n", 1,
			 "key \"interval\" outside a section (begin with [defaults] or [NAME])");
	check_load_error("[vm101]\ntarget = icmp://198.18.0.2\n[defaults]\ninterval = 5ms\n", 3,
			 "[defaults] must come before the first target section");
	check_load_error("[defaults]\ninterval 5ms\n", 2,
			 "expected \"key = value\" or \"[section]\", not \"interval 5ms\"");
	check_load_error("[defaults]\n = 5ms\n", 2, "missing key before \"=\"");
	check_load_error("[vm101\n", 1, "missing \"]\" in \"[vm101\"");
	check_load_error("[vm101] x\n", 1, "unexpected \"x\" after the section name");
	check_load_error("[vm 101]\n", 1,
			 "target name \"vm 101\" may only contain letters, digits and . _ : -");
	check_load_error("[]\n", 1, "empty target name");
	check_load_error("[defaults]\ndb = \"/x\n", 2, "missing closing quote");
	check_load_error("[defaults]\ndb = \"/x\" y\n", 2,
			 "unexpected \"y\" after the closing quote");
	check_load_error("[defaults]\nsamples = y\x01s\n", 2,
			 "samples \"y\\x01s\" must be yes or no");
	check_load_error("[vm101]\ntarget = icmp://db1.example\n", 2,
			 "\"icmp://db1.example\": cannot look up \"db1.example\": name lookups are "
			 "disabled");
}

/* Duplicate sections name both places. */
static void
test_duplicates(void **state)
{
	struct hamon_config cfg;
	char path[256], err[1024], want[1100];

	config_init(&cfg);
	assert_int_equal(
		load_text(&cfg,
			  "[a]\ntarget = icmp://198.18.0.2\n[b]\n"
			  "target = icmp://198.18.0.3\n\n[a]\ntarget = icmp://198.18.0.4\n",
			  path, sizeof path, err, sizeof err),
		-1);
	snprintf(want, sizeof want, "%s:6: duplicate target name \"a\" (first at %s:1)", path,
		 path);
	assert_string_equal(err, want);
	config_free(&cfg);

	/* A command-line target that clashes with a file target, and the other way round. */
	config_init(&cfg);
	assert_int_equal(
		config_add_target(&cfg, "gw=icmp://198.18.0.1", "argument 1", err, sizeof err), 0);
	assert_int_equal(load_text(&cfg,
				   "[x]\ntarget = icmp://198.18.0.2\n\n\n\n\n[vm101]\n"
				   "target = icmp://198.18.0.3\n",
				   path, sizeof path, err, sizeof err),
			 0);
	assert_int_equal(
		config_add_target(&cfg, "vm101=icmp://198.18.0.4", "argument 4", err, sizeof err),
		-1);
	snprintf(want, sizeof want, "argument 4: duplicate target name \"vm101\" (first at %s:7)",
		 path);
	assert_string_equal(err, want);
	assert_int_equal(
		config_add_target(&cfg, "icmp://198.18.0.5", "argument 5", err, sizeof err), 0);
	assert_int_equal(
		config_add_target(&cfg, "tcp://198.18.0.5:22", "argument 6", err, sizeof err), -1);
	assert_string_equal(
		err, "argument 6: duplicate target name \"198.18.0.5\" (first at argument 5)");
	assert_int_equal(cfg.ntargets, 4);

	assert_int_equal(load_text(&cfg, "[gw]\ntarget = icmp://198.18.0.6\n", path, sizeof path,
				   err, sizeof err),
			 -1);
	snprintf(want, sizeof want, "%s:1: duplicate target name \"gw\" (first at argument 1)",
		 path);
	assert_string_equal(err, want);
	config_free(&cfg);
}

/* Lines over 4096 bytes, NUL bytes, and a missing file. */
static void
test_file_limits(void **state)
{
	struct hamon_config cfg;
	char path[256], err[1024], want[1100];
	char *text;
	size_t n;

	/* 4096 bytes exactly is fine. */
	text = malloc(8192);
	assert_non_null(text);
	n = (size_t)snprintf(text, 8192, "[defaults]\ndb = ");
	memset(text + n, 'd', 4096 - 5);
	n += 4096 - 5;
	n += (size_t)snprintf(text + n, 8192 - n, "\n");
	config_init(&cfg);
	write_file(text, n, path, sizeof path);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), 0);
	assert_int_equal(strlen(cfg.db_path), 4096 - 5);
	unlink(path);
	config_free(&cfg);

	/* One more is too long. */
	memmove(text + 16, text + 15, n - 15);
	n++;
	config_init(&cfg);
	write_file(text, n, path, sizeof path);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: line too long (more than 4096 bytes)", path);
	assert_string_equal(err, want);
	unlink(path);
	config_free(&cfg);

	config_init(&cfg);
	write_file("[defaults]\ndb = a\0b\n", 20, path, sizeof path);
	assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: NUL byte in line", path);
	assert_string_equal(err, want);
	unlink(path);
	config_free(&cfg);
	free(text);

	config_init(&cfg);
	assert_int_equal(config_load(&cfg, "/nonexistent/hamon.conf", err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/hamon.conf: cannot open: No such file or directory");
	config_free(&cfg);
}

/* Command-line targets take the defaults in force when they are added. */
static void
test_add_target(void **state)
{
	struct hamon_config cfg;
	char path[256], err[1024];

	config_init(&cfg);
	assert_int_equal(
		config_add_target(&cfg, "early=icmp://198.18.0.1", "argument 1", err, sizeof err),
		0);
	assert_int_equal(load_text(&cfg, "[defaults]\ninterval = 50ms\ndown-after = 2s\n", path,
				   sizeof path, err, sizeof err),
			 0);
	assert_int_equal(config_add_target(&cfg, "late=tcp://[2001:db8::9]:80", "argument 2", err,
					   sizeof err),
			 0);
	assert_int_equal(cfg.ntargets, 2);
	assert_true(cfg.targets[0].interval_ns == TARGET_DEFAULT_INTERVAL_NS);
	assert_int_equal(cfg.targets[0].down_after, 3);
	assert_string_equal(cfg.targets[0].where, "argument 1");
	assert_true(cfg.targets[1].interval_ns == 50 * NSEC_PER_MSEC);
	assert_true(cfg.targets[1].down_after_ns == 2 * NSEC_PER_SEC);
	assert_int_equal(cfg.targets[1].down_after, 1);
	assert_string_equal(cfg.targets[1].name, "late");
	assert_string_equal(cfg.targets[1].where, "argument 2");

	assert_int_equal(
		config_add_target(&cfg, "tcp://198.18.0.2:99999", "argument 3", err, sizeof err),
		-1);
	assert_string_equal(err, "argument 3: \"tcp://198.18.0.2:99999\": port must be 1..65535");
	assert_int_equal(cfg.ntargets, 2);
	config_free(&cfg);
}

/* config_validate: at least one target, every value within limits. */
static void
test_validate(void **state)
{
	struct hamon_config cfg;
	char err[1024];

	config_init(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof err), -1);
	assert_string_equal(err, "no targets: give TARGET arguments or -c FILE");

	/* A timeout longer or shorter than the interval is fine. */
	cfg.defaults.interval_ns = 10 * NSEC_PER_MSEC;
	cfg.defaults.timeout_ns = 5 * NSEC_PER_SEC;
	assert_int_equal(
		config_add_target(&cfg, "a=icmp://198.18.0.1", "argument 1", err, sizeof err), 0);
	cfg.defaults.timeout_ns = 1 * NSEC_PER_MSEC;
	assert_int_equal(
		config_add_target(&cfg, "b=icmp://198.18.0.2", "argument 2", err, sizeof err), 0);
	assert_int_equal(config_validate(&cfg, err, sizeof err), 0);

	cfg.targets[1].interval_ns = 50000;
	assert_int_equal(config_validate(&cfg, err, sizeof err), -1);
	assert_string_equal(err, "argument 2: interval \"50us\" must be at least 100us");
	cfg.targets[1].interval_ns = 2 * 3600 * NSEC_PER_SEC;
	assert_int_equal(config_validate(&cfg, err, sizeof err), -1);
	assert_string_equal(err, "argument 2: interval \"2h\" must be at most 1h");
	cfg.targets[1].interval_ns = NSEC_PER_SEC;
	cfg.targets[1].timeout_ns = 0;
	assert_int_equal(config_validate(&cfg, err, sizeof err), -1);
	assert_string_equal(err, "argument 2: timeout \"0s\" must be at least 100us");
	cfg.targets[1].timeout_ns = NSEC_PER_SEC;
	cfg.targets[1].up_after = 0;
	assert_int_equal(config_validate(&cfg, err, sizeof err), -1);
	assert_string_equal(err, "argument 2: up-after \"0\" must be 1..1000000");
	cfg.targets[1].up_after = 1;
	cfg.targets[1].down_after_ns = 10;
	assert_int_equal(config_validate(&cfg, err, sizeof err), -1);
	assert_string_equal(err, "argument 2: down-after \"10ns\" must be at least 1ms");
	cfg.targets[1].down_after_ns = 0;
	assert_int_equal(config_validate(&cfg, err, sizeof err), 0);
	config_free(&cfg);
}

/* Many targets: every name is found again through the name table, as it
 * grows, and a duplicate anywhere names the first one. */
static void
test_many_targets(void **state)
{
	struct hamon_config cfg;
	char spec[64], where[32], err[512];
	size_t i, n = 20000;

	(void)state;
	config_init(&cfg);
	for (i = 0; i < n; i++) {
		snprintf(spec, sizeof spec, "vm%zu=icmp://198.18.%zu.%zu", i, 1 + i / 250 % 250,
			 1 + i % 250);
		snprintf(where, sizeof where, "argument %zu", i + 1);
		assert_int_equal(config_add_target(&cfg, spec, where, err, sizeof err), 0);
	}
	assert_int_equal(cfg.ntargets, n);
	for (i = 0; i < n; i += 997) {
		snprintf(spec, sizeof spec, "vm%zu=icmp://198.18.0.1", i);
		assert_int_equal(config_add_target(&cfg, spec, "late", err, sizeof err), -1);
		snprintf(where, sizeof where, "(first at argument %zu)", i + 1);
		assert_non_null(strstr(err, where));
	}
	assert_int_equal(cfg.ntargets, n);
	assert_int_equal(config_validate(&cfg, err, sizeof err), 0);
	config_free(&cfg);
	assert_null(cfg.byname);
}

/* Run every test in this file; TAP output when CMOCKA_MESSAGE_OUTPUT=TAP. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),   cmocka_unit_test(test_builtin_defaults),
		cmocka_unit_test(test_errors),      cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_file_limits), cmocka_unit_test(test_add_target),
		cmocka_unit_test(test_validate),    cmocka_unit_test(test_many_targets),
	};

	target_no_resolve = 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
