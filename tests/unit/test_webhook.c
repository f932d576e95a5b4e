/* SPDX-License-Identifier: ISC */
/* test_webhook.c: what webhooks accept and show of a URL (lib/weburl.c)
 * and their retry schedule (alert/webhook.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alert/webhook.h"
#include "lib/weburl.h"

static void
test_check(void **state)
{
	static const char *const good[] = {
		"http://127.0.0.1/",      "https://hooks.example.com/services/T0/B0/XXXX",
		"HTTPS://h:8443",         "http://user:pw@h.example/x?y=1#z",
		"http://[::1]:80/a",      "http://[2001:db8::2]/",
		"http://a_b.example.com",
	};
	static const struct {
		const char *url, *why;
	} bad[] = {
		{ "", "empty" },
		{ "ftp://h/", "http:// or https://" },
		{ "http://", "no host" },
		{ "http:///x", "no host" },
		{ "http://h:0/", "1..65535" },
		{ "http://h:65536/", "1..65535" },
		{ "http://h:/", "port must follow" },
		{ "http://h x/", "space" },
		{ "http://h/\x01", "control" },
		{ "http://[zz]/", "IPv6" },
		{ "http://[::1/", "IPv6" },
		{ "http://h!/", "'!'" },
		{ "http://user@/x", "no host" },
	};
	char why[128], big[WEBURL_MAX + 16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (weburl_check(good[i], why, sizeof(why)) != 0)
			fail_msg("%s refused: %s", good[i], why);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (weburl_check(bad[i].url, why, sizeof(why)) == 0)
			fail_msg("%s accepted", bad[i].url);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("%s: \"%s\" does not say %s", bad[i].url, why, bad[i].why);
	}
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "http://h/", 9);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(weburl_check(big, why, sizeof(why)), -1);
}

static void
test_shown(void **state)
{
	char out[300];

	(void)state;
	weburl_shown("https://hooks.example.com/services/T0/B0/SECRET", out, sizeof(out));
	assert_string_equal(out, "https://hooks.example.com/\xe2\x80\xa6");
	weburl_shown("http://user:pw@h:8080", out, sizeof(out));
	assert_string_equal(out, "http://h:8080");
	weburl_shown("http://h/", out, sizeof(out));
	assert_string_equal(out, "http://h");
	weburl_shown("http://h?token=x", out, sizeof(out));
	assert_string_equal(out, "http://h/\xe2\x80\xa6");
	weburl_shown("ftp://x", out, sizeof(out));
	assert_null(strstr(out, "x"));
	weburl_shown("https://h/x", out, 5);
	assert_int_equal(strlen(out), 4);
}

static void
test_backoff(void **state)
{
	(void)state;
	assert_int_equal(webhook_backoff_ns(1), WEBHOOK_BACKOFF_NS);
	assert_int_equal(webhook_backoff_ns(2), 2 * WEBHOOK_BACKOFF_NS);
	assert_int_equal(webhook_backoff_ns(6), 32 * WEBHOOK_BACKOFF_NS);
	assert_int_equal(webhook_backoff_ns(7), WEBHOOK_BACKOFF_MAX_NS);
	assert_int_equal(webhook_backoff_ns(1000), WEBHOOK_BACKOFF_MAX_NS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_shown),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
