/* SPDX-License-Identifier: ISC */
/* listenaddr.h: where a local service listens, "[ADDR:]PORT". */
#ifndef HAMON_LISTENADDR_H
#define HAMON_LISTENADDR_H
#include <stddef.h>
#include <sys/socket.h>

/*
 * Parse "PORT", ":PORT", "A.B.C.D:PORT" or "[IPV6]:PORT" (numeric only: a
 * listening address never needs a name lookup). Without an address the
 * loopback 127.0.0.1 is meant: a metrics endpoint is not exposed to the
 * network unless the operator names an address. PORT is 1..65535.
 * 0, or -1 with a reason (without the option's name) in err.
 */
int listenaddr_parse(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *err,
		     size_t errlen);

#endif
