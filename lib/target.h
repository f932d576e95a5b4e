/* SPDX-License-Identifier: ISC */
/* target.h: what to probe, as parsed from the command line or a config file. */
#ifndef HAMON_TARGET_H
#define HAMON_TARGET_H
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TARGET_NAME_MAX 64

enum target_proto { TARGET_ICMP = 0, TARGET_TCP = 1 };

/* Where the next-hop state machine thresholds are taken from. */
struct target_conf {
	char name[TARGET_NAME_MAX]; /* [A-Za-z0-9._:-]+, unique */
	char url[64]; /* normalised, numeric: icmp://198.18.0.2, tcp://[2001:db8::2]:22
	                              * (at most 59 characters: "tcp://[" + 45 + "]:65535") */
	enum target_proto proto;
	struct sockaddr_storage addr; /* port set for TCP */
	socklen_t addrlen;
	int family;                     /* AF_INET or AF_INET6 */
	uint16_t port;                  /* TCP only */
	char addrstr[INET6_ADDRSTRLEN]; /* numeric address, no brackets */

	int64_t interval_ns;   /* default 10ms, at least 100us */
	int64_t timeout_ns;    /* default 1s */
	unsigned down_after;   /* consecutive lost probes that declare DOWN (default 3) */
	int64_t down_after_ns; /* or: loss lasting this long (0 = unused) */
	unsigned up_after;     /* consecutive ok probes that declare UP (default 1) */
	char where[128];       /* "hamon.conf:12" or "argument 3": for error messages */
	uint32_t hooks;        /* exec hooks: index + 1 in hamon_config.hooksets, 0 none */
};

#define TARGET_DEFAULT_INTERVAL_NS (10LL * 1000000)
#define TARGET_MIN_INTERVAL_NS     (100LL * 1000)
#define TARGET_MAX_INTERVAL_NS     (3600LL * 1000000000)
#define TARGET_DEFAULT_TIMEOUT_NS  (1000LL * 1000000)
#define TARGET_DEFAULT_DOWN_AFTER  3
#define TARGET_DEFAULT_UP_AFTER    1

#define TARGET_MIN_TIMEOUT_NS    (100LL * 1000)
#define TARGET_MIN_DOWN_AFTER_NS (1LL * 1000000)
#define TARGET_MAX_COUNT         1000000 /* largest down-after / up-after count */

/*
 * When set, target_parse() refuses host names ("name lookups are disabled")
 * instead of calling getaddrinfo. For fuzzers and tests that must never
 * touch DNS; the monitor leaves it 0.
 */
extern int target_no_resolve;

/* Fill t with the defaults above (name/url/address empty). */
void target_conf_defaults(struct target_conf *t);

/*
 * Parse a target spec "[NAME=]URL" into t (only name/url/proto/addr/port
 * fields; the timing fields are left as they are). URL is icmp://ADDR,
 * icmp://[V6ADDR], tcp://ADDR:PORT or tcp://[V6ADDR]:PORT. ADDR may be a
 * host name, resolved once here (never in the event loop); a name made only
 * of digits and dots that is not an IPv4 address is rejected without any
 * lookup. Without NAME the name is the host as written.
 * Returns 0, or -1 with a one-line reason in err
 * (`"tcp://198.18.0.2:0": port must be 1..65535`).
 */
int target_parse(const char *spec, struct target_conf *t, char *err, size_t errlen);

/* Parse a down-after value: a count ("3") or a duration ("500ms"). */
int target_parse_down_after(const char *s, struct target_conf *t, char *err, size_t errlen);

/* The other timing settings, with the same checks for the command line and
 * the config file: interval 100us..1h, timeout at least 100us, up-after
 * 1..TARGET_MAX_COUNT. 0, or -1 with `interval "0ms" must be at least 100us`. */
int target_parse_interval(const char *s, struct target_conf *t, char *err, size_t errlen);
int target_parse_timeout(const char *s, struct target_conf *t, char *err, size_t errlen);
int target_parse_up_after(const char *s, struct target_conf *t, char *err, size_t errlen);

/* 0 if name is a valid target name, else -1 with a reason. */
int target_name_valid(const char *name, char *err, size_t errlen);

#endif
