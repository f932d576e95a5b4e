/* SPDX-License-Identifier: ISC */
/* test_target.c: target specs, names, ports and the timing settings. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "lib/listenaddr.h"
#include "lib/target.h"
#include "lib/timeutil.h"

/* Parse spec into a fresh target, failing the test with the reason if refused. */
static void
parse_ok(const char *spec, struct target_conf *t)
{
	char err[512] = "";

	target_conf_defaults(t);
	if (target_parse(spec, t, err, sizeof err) != 0)
		fail_msg("target_parse(\"%s\") failed: %s", spec, err);
}

/* Assert spec is refused with exactly msg and t is left untouched. */
static void
parse_error(const char *spec, const char *msg)
{
	struct target_conf t, before;
	char err[512] = "";

	target_conf_defaults(&t);
	strcpy(t.name, "untouched");
	before = t;
	if (target_parse(spec, &t, err, sizeof err) != -1)
		fail_msg("target_parse(\"%s\") accepted it as %s", spec, t.url);
	assert_string_equal(err, msg);
	assert_memory_equal(&t, &before, sizeof t);
}

/* The defaults are the documented ones. */
static void
test_defaults(void **state)
{
	struct target_conf t;

	memset(&t, 0xaa, sizeof t);
	target_conf_defaults(&t);
	assert_true(t.interval_ns == 10 * NSEC_PER_MSEC);
	assert_true(t.timeout_ns == NSEC_PER_SEC);
	assert_int_equal(t.down_after, 3);
	assert_true(t.down_after_ns == 0);
	assert_int_equal(t.up_after, 1);
	assert_string_equal(t.name, "");
	assert_string_equal(t.url, "");
	assert_string_equal(t.where, "");
	assert_int_equal(t.addrlen, 0);
}

/* icmp:// and tcp:// with IPv4 addresses. */
static void
test_ipv4(void **state)
{
	struct target_conf t;
	struct sockaddr_in *sin = (struct sockaddr_in *)&t.addr;

	parse_ok("icmp://198.18.0.2", &t);
	assert_string_equal(t.name, "198.18.0.2");
	assert_string_equal(t.url, "icmp://198.18.0.2");
	assert_string_equal(t.addrstr, "198.18.0.2");
	assert_int_equal(t.proto, TARGET_ICMP);
	assert_int_equal(t.family, AF_INET);
	assert_int_equal(t.addrlen, sizeof(struct sockaddr_in));
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xc6120002);
	assert_int_equal(t.port, 0);
	assert_int_equal(sin->sin_port, 0);

	parse_ok("tcp://198.18.0.2:22", &t);
	assert_string_equal(t.name, "198.18.0.2");
	assert_string_equal(t.url, "tcp://198.18.0.2:22");
	assert_int_equal(t.proto, TARGET_TCP);
	assert_int_equal(t.port, 22);
	assert_int_equal(ntohs(sin->sin_port), 22);

	parse_ok("tcp://198.19.255.254:65535", &t);
	assert_int_equal(t.port, 65535);
	parse_ok("tcp://198.18.0.9:1", &t);
	assert_int_equal(t.port, 1);

	/* The scheme is case-insensitive and the URL normalised. */
	parse_ok("TCP://198.18.0.2:022", &t);
	assert_string_equal(t.url, "tcp://198.18.0.2:22");
}

/* Bracketed IPv6, normalised to the compressed lower-case form. */
static void
test_ipv6(void **state)
{
	struct target_conf t;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&t.addr;
	struct in6_addr want;

	parse_ok("icmp://[2001:db8::2]", &t);
	assert_string_equal(t.name, "2001:db8::2");
	assert_string_equal(t.url, "icmp://[2001:db8::2]");
	assert_string_equal(t.addrstr, "2001:db8::2");
	assert_int_equal(t.family, AF_INET6);
	assert_int_equal(t.addrlen, sizeof(struct sockaddr_in6));
	assert_int_equal(sin6->sin6_family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::2", &want);
	assert_memory_equal(&sin6->sin6_addr, &want, sizeof want);

	parse_ok("tcp://[2001:db8::2]:22", &t);
	assert_string_equal(t.url, "tcp://[2001:db8::2]:22");
	assert_int_equal(t.port, 22);
	assert_int_equal(ntohs(sin6->sin6_port), 22);

	parse_ok("icmp://[2001:DB8:0:0::0002]", &t);
	assert_string_equal(t.url, "icmp://[2001:db8::2]");
	assert_string_equal(t.name, "2001:DB8:0:0::0002");
}

/* NAME= and what makes a name. */
static void
test_names(void **state)
{
	struct target_conf t;
	char err[256];

	parse_ok("vm101=icmp://198.18.0.2", &t);
	assert_string_equal(t.name, "vm101");
	assert_string_equal(t.url, "icmp://198.18.0.2");
	parse_ok("db.primary:ssh=tcp://[2001:db8::5]:22", &t);
	assert_string_equal(t.name, "db.primary:ssh");
	assert_string_equal(t.url, "tcp://[2001:db8::5]:22");

	assert_int_equal(target_name_valid("A-z_0.9:x", err, sizeof err), 0);
	assert_int_equal(
		target_name_valid("123456789012345678901234567890123456789012345678901234567890123",
				  err, sizeof err),
		0);
	assert_int_equal(target_name_valid(
				 "1234567890123456789012345678901234567890123456789012345678901234",
				 err, sizeof err),
			 -1);
	assert_string_equal(
		err,
		"target name \"1234567890123456789012345678901234567890123456789012345678901234\" "
		"is longer than 63 characters");
	assert_int_equal(target_name_valid("vm 101", err, sizeof err), -1);
	assert_string_equal(err,
			    "target name \"vm 101\" may only contain letters, digits and . _ : -");
	assert_int_equal(target_name_valid("", err, sizeof err), -1);
	assert_string_equal(err, "empty target name");

	parse_error("vm/1=icmp://198.18.0.2", "\"vm/1=icmp://198.18.0.2\": target name \"vm/1\" "
					      "may only contain letters, digits and . _ : -");
	parse_error("=icmp://198.18.0.2", "\"=icmp://198.18.0.2\": empty name before \"=\"");
	parse_error("vm\x1b=icmp://198.18.0.2",
		    "\"vm\\x1b=icmp://198.18.0.2\": target name "
		    "\"vm\\x1b\" may only contain letters, digits and . _ : -");
	parse_error("1234567890123456789012345678901234567890123456789012345678901234=icmp://"
		    "198.18.0.2",
		    "\"1234567890123456789012345678901234567890123456789012345678901234=icmp://"
		    "198.18.0.2\": "
		    "target name "
		    "\"1234567890123456789012345678901234567890123456789012345678901234\" is "
		    "longer than 63 characters");
}

/* Every bad port. */
static void
test_ports(void **state)
{
	parse_error("tcp://198.18.0.2:0", "\"tcp://198.18.0.2:0\": port must be 1..65535");
	parse_error("tcp://198.18.0.2:65536", "\"tcp://198.18.0.2:65536\": port must be 1..65535");
	parse_error("tcp://198.18.0.2:999999999999",
		    "\"tcp://198.18.0.2:999999999999\": port must be 1..65535");
	parse_error("tcp://198.18.0.2:ssh", "\"tcp://198.18.0.2:ssh\": port must be 1..65535");
	parse_error("tcp://198.18.0.2:22x", "\"tcp://198.18.0.2:22x\": port must be 1..65535");
	parse_error("tcp://198.18.0.2:-1", "\"tcp://198.18.0.2:-1\": port must be 1..65535");
	parse_error("tcp://198.18.0.2:", "\"tcp://198.18.0.2:\": missing port after \":\"");
	parse_error("tcp://198.18.0.2",
		    "\"tcp://198.18.0.2\": tcp needs a port, as in tcp://198.18.0.2:22");
	parse_error("tcp://[2001:db8::2]",
		    "\"tcp://[2001:db8::2]\": tcp needs a port, as in tcp://198.18.0.2:22");
	parse_error("icmp://198.18.0.2:22", "\"icmp://198.18.0.2:22\": icmp takes no port");
	parse_error("icmp://[2001:db8::2]:22", "\"icmp://[2001:db8::2]:22\": icmp takes no port");
}

/* Malformed addresses are refused without a lookup. */
static void
test_bad_addresses(void **state)
{
	parse_error("", "\"\": empty target (for example icmp://198.18.0.2)");
	parse_error("198.18.0.2", "\"198.18.0.2\": missing scheme: write icmp://198.18.0.2 (or "
				  "tcp://198.18.0.2:PORT)");
	parse_error("198.18.0.2:22",
		    "\"198.18.0.2:22\": missing scheme: write tcp://198.18.0.2:22");
	parse_error("vm=198.18.0.2", "\"vm=198.18.0.2\": missing scheme: write icmp://198.18.0.2 "
				     "(or tcp://198.18.0.2:PORT)");
	parse_error("2001:db8::2", "\"2001:db8::2\": missing scheme: write icmp://[2001:db8::2]");
	parse_error("udp://198.18.0.2:53",
		    "\"udp://198.18.0.2:53\": unknown scheme \"udp\" (use icmp:// or tcp://)");
	parse_error("://198.18.0.2",
		    "\"://198.18.0.2\": unknown scheme \"\" (use icmp:// or tcp://)");
	parse_error("icmp://", "\"icmp://\": missing address");
	parse_error("tcp://:22", "\"tcp://:22\": missing address");
	parse_error("icmp://[]", "\"icmp://[]\": missing address");
	parse_error("icmp://300.1.2.3", "\"icmp://300.1.2.3\": invalid IPv4 address \"300.1.2.3\"");
	parse_error("icmp://1.2.3", "\"icmp://1.2.3\": invalid IPv4 address \"1.2.3\"");
	parse_error("icmp://198.18.0.2.",
		    "\"icmp://198.18.0.2.\": invalid IPv4 address \"198.18.0.2.\"");
	parse_error("icmp://12345", "\"icmp://12345\": invalid IPv4 address \"12345\"");
	parse_error("icmp://bad host!", "\"icmp://bad host!\": invalid host \"bad host!\"");
	parse_error("icmp://a..b", "\"icmp://a..b\": invalid host \"a..b\"");
	parse_error("icmp://under_score", "\"icmp://under_score\": invalid host \"under_score\"");
	parse_error("icmp://2001:db8::2",
		    "\"icmp://2001:db8::2\": an IPv6 address must be in "
		    "brackets, as in icmp://[2001:db8::2] or tcp://[2001:db8::2]:22");
	parse_error("icmp://[2001:db8::2", "\"icmp://[2001:db8::2\": missing \"]\" after the IPv6 "
					   "address");
	parse_error("icmp://[2001:db8::g]", "\"icmp://[2001:db8::g]\": invalid IPv6 address "
					    "\"2001:db8::g\"");
	parse_error("icmp://[198.18.0.2]", "\"icmp://[198.18.0.2]\": invalid IPv6 address "
					   "\"198.18.0.2\"");
	parse_error("icmp://[2001:db8::2]x", "\"icmp://[2001:db8::2]x\": unexpected \"x\" after "
					     "the address");
	parse_error("icmp://198.18.0.2/", "\"icmp://198.18.0.2/\": invalid host \"198.18.0.2/\"");
	parse_error("tcp://[2001:db8::2]:0", "\"tcp://[2001:db8::2]:0\": port must be 1..65535");
}

/* Host names: refused when lookups are off; "localhost" resolves when on. */
static void
test_hostnames(void **state)
{
	struct target_conf t;
	char err[512];

	target_no_resolve = 1;
	parse_error("icmp://db1.example", "\"icmp://db1.example\": cannot look up \"db1.example\": "
					  "name lookups are disabled");
	parse_error(
		"tcp://localhost:22",
		"\"tcp://localhost:22\": cannot look up \"localhost\": name lookups are disabled");
	target_no_resolve = 0;

	target_conf_defaults(&t);
	if (target_parse("tcp://localhost:22", &t, err, sizeof err) != 0)
		fail_msg("localhost: %s", err);
	assert_string_equal(t.name, "localhost");
	assert_true(strcmp(t.url, "tcp://127.0.0.1:22") == 0 ||
		    strcmp(t.url, "tcp://[::1]:22") == 0);
	assert_true(t.family == AF_INET || t.family == AF_INET6);
	assert_int_equal(t.port, 22);
	if (t.family == AF_INET)
		assert_int_equal(ntohs(((struct sockaddr_in *)&t.addr)->sin_port), 22);
	else
		assert_int_equal(ntohs(((struct sockaddr_in6 *)&t.addr)->sin6_port), 22);
}

/* target_parse leaves the timing fields alone. */
static void
test_timing_kept(void **state)
{
	struct target_conf t;
	char err[256];

	target_conf_defaults(&t);
	t.interval_ns = 5 * NSEC_PER_MSEC;
	t.down_after = 7;
	strcpy(t.where, "argument 2");
	assert_int_equal(target_parse("vm=icmp://198.18.0.3", &t, err, sizeof err), 0);
	assert_true(t.interval_ns == 5 * NSEC_PER_MSEC);
	assert_int_equal(t.down_after, 7);
	assert_string_equal(t.where, "argument 2");
}

/* down-after as a count or a duration. */
static void
test_down_after(void **state)
{
	struct target_conf t;
	char err[256];

	target_conf_defaults(&t);
	assert_int_equal(target_parse_down_after("5", &t, err, sizeof err), 0);
	assert_int_equal(t.down_after, 5);
	assert_true(t.down_after_ns == 0);
	assert_int_equal(target_parse_down_after("500ms", &t, err, sizeof err), 0);
	assert_int_equal(t.down_after, 1);
	assert_true(t.down_after_ns == 500 * NSEC_PER_MSEC);
	assert_int_equal(target_parse_down_after("1000000", &t, err, sizeof err), 0);
	assert_int_equal(t.down_after, 1000000);
	assert_true(t.down_after_ns == 0);
	assert_int_equal(target_parse_down_after("1ms", &t, err, sizeof err), 0);
	assert_true(t.down_after_ns == NSEC_PER_MSEC);

	assert_int_equal(target_parse_down_after("0", &t, err, sizeof err), -1);
	assert_string_equal(err, "down-after \"0\" must be at least 1");
	assert_int_equal(target_parse_down_after("1000001", &t, err, sizeof err), -1);
	assert_string_equal(err, "down-after \"1000001\" must be at most 1000000");
	assert_int_equal(target_parse_down_after("0.5ms", &t, err, sizeof err), -1);
	assert_string_equal(err, "down-after \"0.5ms\" must be at least 1ms");
	assert_int_equal(target_parse_down_after("abc", &t, err, sizeof err), -1);
	assert_string_equal(err, "down-after \"abc\" is not a number or a duration "
				 "(for example 3 or 500ms)");
	assert_int_equal(target_parse_down_after("", &t, err, sizeof err), -1);
	assert_string_equal(err, "down-after \"\" is not a number or a duration "
				 "(for example 3 or 500ms)");
	assert_int_equal(target_parse_down_after("-3", &t, err, sizeof err), -1);
	assert_string_equal(err, "down-after \"-3\": must not be negative");
	assert_int_equal(target_parse_down_after("3 s", &t, err, sizeof err), -1);
	assert_string_equal(err, "down-after \"3 s\": spaces are not allowed");
	/* Failures leave the last good value. */
	assert_true(t.down_after_ns == NSEC_PER_MSEC);
}

/* interval, timeout and up-after with their limits. */
static void
test_timing_settings(void **state)
{
	struct target_conf t;
	char err[256];

	target_conf_defaults(&t);
	assert_int_equal(target_parse_interval("100us", &t, err, sizeof err), 0);
	assert_true(t.interval_ns == 100000);
	assert_int_equal(target_parse_interval("1h", &t, err, sizeof err), 0);
	assert_true(t.interval_ns == 3600 * NSEC_PER_SEC);
	assert_int_equal(target_parse_interval("0ms", &t, err, sizeof err), -1);
	assert_string_equal(err, "interval \"0ms\" must be at least 100us");
	assert_int_equal(target_parse_interval("1h1ns", &t, err, sizeof err), -1);
	assert_string_equal(err, "interval \"1h1ns\" must be at most 1h");

	/* The timeout may be longer or shorter than the interval. */
	assert_int_equal(target_parse_timeout("5s", &t, err, sizeof err), 0);
	assert_true(t.timeout_ns == 5 * NSEC_PER_SEC);
	assert_int_equal(target_parse_timeout("100us", &t, err, sizeof err), 0);
	assert_int_equal(target_parse_timeout("99us", &t, err, sizeof err), -1);
	assert_string_equal(err, "timeout \"99us\" must be at least 100us");

	assert_int_equal(target_parse_up_after("2", &t, err, sizeof err), 0);
	assert_int_equal(t.up_after, 2);
	assert_int_equal(target_parse_up_after("0", &t, err, sizeof err), -1);
	assert_string_equal(err, "up-after \"0\" must be at least 1");
	assert_int_equal(target_parse_up_after("2s", &t, err, sizeof err), -1);
	assert_string_equal(err, "up-after \"2s\" is not a number");
}

/* A long spec is quoted truncated, and err is always terminated. */
static void
test_long_input(void **state)
{
	struct target_conf t;
	char spec[2000], err[64];

	memset(spec, 'a', sizeof spec - 1);
	spec[sizeof spec - 1] = '\0';
	memcpy(spec, "icmp://", 7);
	target_conf_defaults(&t);
	memset(err, 'x', sizeof err);
	assert_int_equal(target_parse(spec, &t, err, sizeof err), -1);
	assert_int_equal(strlen(err), sizeof err - 1);
	assert_memory_equal(err, "\"icmp://aaaa", 12);
}

/* --metrics addresses: the forms, the loopback default, the refusals. */
static void
test_listen_addresses(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	char err[256], a[INET6_ADDRSTRLEN];
	static const struct {
		const char *spec, *why;
	} bad[] = {
		{ "", "port \"\" must be a number from 1 to 65535" },
		{ "0", "port \"0\" must be a number from 1 to 65535" },
		{ "65536", "port \"65536\" must be a number from 1 to 65535" },
		{ "123456", "port \"123456\" must be a number from 1 to 65535" },
		{ "127.0.0.1:", "port \"\" must be a number from 1 to 65535" },
		{ "127.0.0.1:9x", "port \"9x\" must be a number from 1 to 65535" },
		{ "localhost:9619",
		  "\"localhost\" is not a numeric IPv4 address (no name lookups)" },
		{ "300.1.1.1:80", "\"300.1.1.1\" is not a numeric IPv4 address (no name lookups)" },
		{ "::1:80", "an IPv6 address is written [ADDR]:PORT" },
		{ "[::1]80", "an IPv6 address is written [ADDR]:PORT" },
		{ "[::1:80", "an IPv6 address is written [ADDR]:PORT" },
		{ "[zz]:80", "\"zz\" is not a numeric IPv6 address" },
		{ "a\nb:1", "\"a\\x0ab\" is not a numeric IPv4 address (no name lookups)" },
	};
	size_t i;

	(void)state;
	assert_int_equal(listenaddr_parse("9619", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(sin->sin_port), 9619);
	assert_string_equal(inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)), "127.0.0.1");
	assert_int_equal(listenaddr_parse(":80", &ss, &len, err, sizeof(err)), 0);
	assert_string_equal(inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)), "127.0.0.1");
	assert_int_equal(listenaddr_parse("0.0.0.0:65535", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ntohs(sin->sin_port), 65535);
	assert_string_equal(inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)), "0.0.0.0");
	assert_int_equal(listenaddr_parse("[2001:db8::1]:1", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(sin6->sin6_port), 1);
	assert_string_equal(inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)), "2001:db8::1");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(listenaddr_parse(bad[i].spec, &ss, &len, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].why);
	}
}

/* Run every test in this file; TAP output when CMOCKA_MESSAGE_OUTPUT=TAP. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),   cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),       cmocka_unit_test(test_names),
		cmocka_unit_test(test_ports),      cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_hostnames),  cmocka_unit_test(test_timing_kept),
		cmocka_unit_test(test_down_after), cmocka_unit_test(test_timing_settings),
		cmocka_unit_test(test_long_input), cmocka_unit_test(test_listen_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
