/* SPDX-License-Identifier: ISC */
/* target.c: parse "[NAME=]icmp://ADDR" and "[NAME=]tcp://ADDR:PORT" target specs. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/target.h"
#include "lib/timeutil.h"

/* Quoted outside text in messages is escaped and cut to this many bytes. */
#define TARGET_QUOTE_MAX 160
/* Longest host name (RFC 1035) and label. */
#define TARGET_HOST_MAX  253
#define TARGET_LABEL_MAX 63

int target_no_resolve;

/* Fill t with the default timing and an empty name and address. */
void
target_conf_defaults(struct target_conf *t)
{
	memset(t, 0, sizeof *t);
	t->proto = TARGET_ICMP;
	t->family = AF_UNSPEC;
	t->interval_ns = TARGET_DEFAULT_INTERVAL_NS;
	t->timeout_ns = TARGET_DEFAULT_TIMEOUT_NS;
	t->down_after = TARGET_DEFAULT_DOWN_AFTER;
	t->down_after_ns = 0;
	t->up_after = TARGET_DEFAULT_UP_AFTER;
}

/* Escape len bytes of s into buf for quoting in an error message. */
static const char *
target_quote(char *buf, size_t n, const char *s, size_t len)
{
	return log_escape(buf, n, s, len);
}

/* Check a target name: 1..63 of [A-Za-z0-9._:-]. */
int
target_name_valid(const char *name, char *err, size_t errlen)
{
	char q[TARGET_QUOTE_MAX];
	const char *p;
	size_t len;

	if (name == NULL || *name == '\0') {
		snprintf(err, errlen, "empty target name");
		return -1;
	}
	len = strlen(name);
	target_quote(q, sizeof q, name, len);
	if (len > TARGET_NAME_MAX - 1) {
		snprintf(err, errlen, "target name \"%s\" is longer than %d characters", q,
			 TARGET_NAME_MAX - 1);
		return -1;
	}
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("._:-", *p) == NULL) {
			snprintf(err, errlen,
				 "target name \"%s\" may only contain letters, digits and . _ : -",
				 q);
			return -1;
		}
	}
	return 0;
}

/* True if host is made only of digits and dots: an IPv4 address or nothing. */
static int
target_is_dotted(const char *host)
{
	for (; *host != '\0'; host++) {
		if (!isdigit((unsigned char)*host) && *host != '.')
			return 0;
	}
	return 1;
}

/* True if host is a syntactically valid DNS name: letters, digits and '-' in labels of 1..63. */
static int
target_is_hostname(const char *host)
{
	size_t label = 0;

	if (strlen(host) > TARGET_HOST_MAX)
		return 0;
	for (; *host != '\0'; host++) {
		if (*host == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*host) || *host == '-') {
			if (++label > TARGET_LABEL_MAX)
				return 0;
		} else
			return 0;
	}
	return label > 0;
}

/* Resolve host once, at startup, into t's address; the first answer wins. */
static int
target_resolve(const char *spec_q, const char *host, struct target_conf *t, char *err,
	       size_t errlen)
{
	char hq[TARGET_QUOTE_MAX];
	struct addrinfo hints, *res;
	int r;

	target_quote(hq, sizeof hq, host, strlen(host));
	if (target_no_resolve) {
		snprintf(err, errlen, "\"%s\": cannot look up \"%s\": name lookups are disabled",
			 spec_q, hq);
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((r = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "\"%s\": cannot resolve \"%s\": %s", spec_q, hq,
			 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -1;
	}
	if ((res->ai_family != AF_INET && res->ai_family != AF_INET6) ||
	    res->ai_addrlen > sizeof t->addr) {
		freeaddrinfo(res);
		snprintf(err, errlen, "\"%s\": \"%s\" has no IPv4 or IPv6 address", spec_q, hq);
		return -1;
	}
	memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
	t->addrlen = res->ai_addrlen;
	t->family = res->ai_family;
	freeaddrinfo(res);
	return 0;
}

/* Fill t's address from a numeric address of family af. */
static void
target_set_numeric(struct target_conf *t, int af, const void *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&t->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&t->addr;

	memset(&t->addr, 0, sizeof t->addr);
	t->family = af;
	if (af == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a, sizeof sin->sin_addr);
		t->addrlen = sizeof *sin;
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a, sizeof sin6->sin6_addr);
		t->addrlen = sizeof *sin6;
	}
}

/* Suggest the URL the user probably meant for a spec without a scheme. */
static int
target_no_scheme(const char *url, const char *q, char *err, size_t errlen)
{
	char uq[TARGET_QUOTE_MAX];
	const char *c;
	int colons = 0;

	target_quote(uq, sizeof uq, url, strlen(url));
	for (c = url; *c != '\0'; c++)
		colons += *c == ':';
	if (colons >= 2)
		snprintf(err, errlen, "\"%s\": missing scheme: write icmp://[%s]", q, uq);
	else if (colons == 1)
		snprintf(err, errlen, "\"%s\": missing scheme: write tcp://%s", q, uq);
	else
		snprintf(err, errlen, "\"%s\": missing scheme: write icmp://%s (or tcp://%s:PORT)",
			 q, uq, uq);
	return -1;
}

/* Parse "[NAME=]URL" into the name, url, proto, addr and port fields of t. */
int
target_parse(const char *spec, struct target_conf *t, char *err, size_t errlen)
{
	char q[TARGET_QUOTE_MAX], xq[TARGET_QUOTE_MAX], reason[256];
	char name[TARGET_NAME_MAX], host[TARGET_HOST_MAX + 1];
	const char *eq, *sep, *url, *rest, *hend, *pp, *c;
	unsigned char a[sizeof(struct in6_addr)];
	struct target_conf n;
	size_t hlen, namelen = 0;
	unsigned long port = 0;
	int have_port = 0, colons = 0, bracketed = 0;

	if (spec == NULL)
		spec = "";
	target_quote(q, sizeof q, spec, strlen(spec));
	if (*spec == '\0') {
		snprintf(err, errlen, "\"\": empty target (for example icmp://198.18.0.2)");
		return -1;
	}
	memset(&n, 0, sizeof n);

	/* An optional "NAME=" before the scheme. */
	sep = strstr(spec, "://");
	eq = strchr(spec, '=');
	url = spec;
	if (eq != NULL && (sep == NULL || eq < sep)) {
		namelen = (size_t)(eq - spec);
		if (namelen == 0) {
			snprintf(err, errlen, "\"%s\": empty name before \"=\"", q);
			return -1;
		}
		if (namelen >= sizeof name) {
			target_quote(xq, sizeof xq, spec, namelen);
			snprintf(err, errlen,
				 "\"%s\": target name \"%s\" is longer than %d characters", q, xq,
				 TARGET_NAME_MAX - 1);
			return -1;
		}
		memcpy(name, spec, namelen);
		name[namelen] = '\0';
		if (target_name_valid(name, reason, sizeof reason) != 0) {
			snprintf(err, errlen, "\"%s\": %s", q, reason);
			return -1;
		}
		url = eq + 1;
	}
	if (sep == NULL)
		return target_no_scheme(url, q, err, errlen);

	if (sep - url == 4 && strncasecmp(url, "icmp", 4) == 0)
		n.proto = TARGET_ICMP;
	else if (sep - url == 3 && strncasecmp(url, "tcp", 3) == 0)
		n.proto = TARGET_TCP;
	else {
		target_quote(xq, sizeof xq, url, (size_t)(sep - url));
		snprintf(err, errlen, "\"%s\": unknown scheme \"%s\" (use icmp:// or tcp://)", q,
			 xq);
		return -1;
	}

	/* The address: [V6] or everything up to the port's ':'. */
	rest = sep + 3;
	if (*rest == '[') {
		bracketed = 1;
		if ((hend = strchr(rest, ']')) == NULL) {
			snprintf(err, errlen, "\"%s\": missing \"]\" after the IPv6 address", q);
			return -1;
		}
		rest++;
		pp = hend + 1;
	} else {
		for (c = rest; *c != '\0'; c++)
			colons += *c == ':';
		if (colons >= 2) {
			snprintf(err, errlen,
				 "\"%s\": an IPv6 address must be in brackets, "
				 "as in icmp://[2001:db8::2] or tcp://[2001:db8::2]:22",
				 q);
			return -1;
		}
		hend = rest + strcspn(rest, ":");
		pp = hend;
	}
	hlen = (size_t)(hend - rest);
	if (hlen == 0) {
		snprintf(err, errlen, "\"%s\": missing address", q);
		return -1;
	}
	target_quote(xq, sizeof xq, rest, hlen);
	if (hlen >= sizeof host) {
		snprintf(err, errlen, "\"%s\": invalid host \"%s\"", q, xq);
		return -1;
	}
	memcpy(host, rest, hlen);
	host[hlen] = '\0';

	/* The port: ":1..65535", required for tcp, refused for icmp. */
	if (*pp == ':') {
		have_port = 1;
		for (c = pp + 1; *c != '\0'; c++) {
			if (!isdigit((unsigned char)*c) || c - pp > 5) {
				port = 0;
				break;
			}
			port = port * 10 + (unsigned long)(*c - '0');
		}
		if (pp[1] == '\0') {
			snprintf(err, errlen, "\"%s\": missing port after \":\"", q);
			return -1;
		}
		if (*c != '\0' || port < 1 || port > 65535) {
			snprintf(err, errlen, "\"%s\": port must be 1..65535", q);
			return -1;
		}
	} else if (*pp != '\0') {
		target_quote(xq, sizeof xq, pp, strlen(pp));
		snprintf(err, errlen, "\"%s\": unexpected \"%s\" after the address", q, xq);
		return -1;
	}
	if (n.proto == TARGET_TCP && !have_port) {
		snprintf(err, errlen, "\"%s\": tcp needs a port, as in tcp://198.18.0.2:22", q);
		return -1;
	}
	if (n.proto == TARGET_ICMP && have_port) {
		snprintf(err, errlen, "\"%s\": icmp takes no port", q);
		return -1;
	}
	n.port = (uint16_t)port;

	/* Numeric addresses never cause a lookup; neither does anything malformed. */
	if (bracketed) {
		if (inet_pton(AF_INET6, host, a) != 1) {
			snprintf(err, errlen, "\"%s\": invalid IPv6 address \"%s\"", q, xq);
			return -1;
		}
		target_set_numeric(&n, AF_INET6, a);
	} else if (target_is_dotted(host)) {
		if (inet_pton(AF_INET, host, a) != 1) {
			snprintf(err, errlen, "\"%s\": invalid IPv4 address \"%s\"", q, xq);
			return -1;
		}
		target_set_numeric(&n, AF_INET, a);
	} else if (target_is_hostname(host)) {
		if (target_resolve(q, host, &n, err, errlen) != 0)
			return -1;
	} else {
		snprintf(err, errlen, "\"%s\": invalid host \"%s\"", q, xq);
		return -1;
	}

	if (n.family == AF_INET) {
		((struct sockaddr_in *)&n.addr)->sin_port = htons(n.port);
		inet_ntop(AF_INET, &((struct sockaddr_in *)&n.addr)->sin_addr, n.addrstr,
			  sizeof n.addrstr);
	} else {
		((struct sockaddr_in6 *)&n.addr)->sin6_port = htons(n.port);
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&n.addr)->sin6_addr, n.addrstr,
			  sizeof n.addrstr);
	}
	if (n.proto == TARGET_TCP) {
		snprintf(n.url, sizeof n.url, "tcp://%s%s%s:%u", n.family == AF_INET6 ? "[" : "",
			 n.addrstr, n.family == AF_INET6 ? "]" : "", (unsigned)n.port);
	} else {
		snprintf(n.url, sizeof n.url, "icmp://%s%s%s", n.family == AF_INET6 ? "[" : "",
			 n.addrstr, n.family == AF_INET6 ? "]" : "");
	}

	/* Without NAME= the name is the host as written. */
	if (namelen == 0) {
		if (target_name_valid(host, reason, sizeof reason) != 0) {
			snprintf(err, errlen, "\"%s\": %s; give it a name: NAME=%s", q, reason,
				 n.url);
			return -1;
		}
		memcpy(name, host, hlen + 1); /* hlen < TARGET_NAME_MAX: checked just above */
	}

	memcpy(t->name, name, sizeof t->name);
	memcpy(t->url, n.url, sizeof t->url);
	t->proto = n.proto;
	t->addr = n.addr;
	t->addrlen = n.addrlen;
	t->family = n.family;
	t->port = n.port;
	memcpy(t->addrstr, n.addrstr, sizeof t->addrstr);
	return 0;
}

/* down-after: a count of lost probes, or how long the loss must last. */
int
target_parse_down_after(const char *s, struct target_conf *t, char *err, size_t errlen)
{
	char q[TARGET_QUOTE_MAX];
	unsigned long long v;
	int64_t ns;
	const char *p;

	if (s == NULL)
		s = "";
	for (p = s; isdigit((unsigned char)*p); p++)
		/* nothing */;
	if (p != s && *p == '\0') {
		if (uint_parse_range("down-after", s, 1, TARGET_MAX_COUNT, &v, err, errlen) != 0)
			return -1;
		t->down_after = (unsigned)v;
		t->down_after_ns = 0;
		return 0;
	}
	if (*s != '-' && !isdigit((unsigned char)*s)) {
		target_quote(q, sizeof q, s, strlen(s));
		snprintf(err, errlen,
			 "down-after \"%s\" is not a number or a duration "
			 "(for example 3 or 500ms)",
			 q);
		return -1;
	}
	if (duration_parse_range("down-after", s, TARGET_MIN_DOWN_AFTER_NS, 0, &ns, err, errlen) !=
	    0)
		return -1;
	t->down_after = 1;
	t->down_after_ns = ns;
	return 0;
}

/* interval: how often to probe, 100us..1h. */
int
target_parse_interval(const char *s, struct target_conf *t, char *err, size_t errlen)
{
	return duration_parse_range("interval", s, TARGET_MIN_INTERVAL_NS, TARGET_MAX_INTERVAL_NS,
				    &t->interval_ns, err, errlen);
}

/* timeout: how long to wait for an answer; may be longer or shorter than the interval. */
int
target_parse_timeout(const char *s, struct target_conf *t, char *err, size_t errlen)
{
	return duration_parse_range("timeout", s, TARGET_MIN_TIMEOUT_NS, 0, &t->timeout_ns, err,
				    errlen);
}

/* up-after: consecutive answered probes that declare a target UP again. */
int
target_parse_up_after(const char *s, struct target_conf *t, char *err, size_t errlen)
{
	unsigned long long v;

	if (uint_parse_range("up-after", s, 1, TARGET_MAX_COUNT, &v, err, errlen) != 0)
		return -1;
	t->up_after = (unsigned)v;
	return 0;
}
