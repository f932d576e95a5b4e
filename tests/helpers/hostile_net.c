/* SPDX-License-Identifier: ISC */
/* hostile_net.c: the hostile helper's sockets: sending a built datagram
 * through IPPROTO_RAW, sniffing hamon's echo requests to learn its
 * identifier, tids and seqs, the local address towards the monitor and
 * opening the sockets of a family. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/icmp.h>
#include <math.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/hostile.h"

/* Send one packet of job j. */
void
hs_send(struct hs *h, struct hs_job *j)
{
	uint8_t pkt[40 + HS_PKT_MAX];
	uint8_t proto;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	size_t hl = j->v6 ? 40 : 20, len;
	ssize_t n;

	memset(pkt, 0, sizeof pkt);
	len = hs_build(h, j, pkt + hl, &proto);
	if (len == 0 && j->kind == HK_REPLAY) {
		j->skipped++;
		return;
	}
	if (j->v6) {
		hs_ip_header(pkt, 1, proto, len, &h->me6, &h->mon6);
		memset(&sin6, 0, sizeof sin6);
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = h->mon6;
		n = sendto(h->fd6, pkt, hl + len, MSG_DONTWAIT, (struct sockaddr *)&sin6,
			   sizeof sin6);
	} else {
		hs_ip_header(pkt, 0, proto, len, &h->me4, &h->mon4);
		pkt[10] = pkt[11] = 0; /* the kernel fills in the outer checksum */
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr = h->mon4;
		n = sendto(h->fd4, pkt, hl + len, MSG_DONTWAIT, (struct sockaddr *)&sin,
			   sizeof sin);
	}
	if (n < 0)
		j->errors++;
	else
		j->sent++;
}

/* Record one echo request (msg at its ICMP header) read by a sniffer. */
static void
hs_learn_request(struct hs_learn *l, const uint8_t *msg, size_t len)
{
	struct hs_tid *t = NULL;
	uint32_t tid;
	uint64_t seq;
	int i;

	if (len != HS_ECHO_LEN || memcmp(msg + 8, "HAMN", 4) != 0 || msg[12] != 1) {
		l->other++;
		return;
	}
	l->have = 1;
	l->ident = hs_get16(msg + 4);
	l->requests++;
	l->last_ns = hs_now();
	memcpy(l->hist[l->nhist++ % HS_HIST], msg, HS_ECHO_LEN);
	tid = (uint32_t)(msg[16] << 24 | msg[17] << 16 | msg[18] << 8 | msg[19]);
	seq = hs_get64(msg + 20);
	for (i = 0; i < l->ntids; i++)
		if (l->tids[i].tid == tid)
			t = &l->tids[i];
	if (t == NULL) {
		if (l->ntids == HS_MAX_TIDS)
			return;
		t = &l->tids[l->ntids++];
		t->tid = tid;
		t->first_seq = seq;
		t->first_ns = l->last_ns;
	}
	t->n++;
	t->last_seq = seq;
	t->last_ns = l->last_ns;
}

/* Read every queued echo request on both sniffers. */
void
hs_sniff(struct hs *h)
{
	uint8_t buf[2048];
	struct sockaddr_storage from;
	socklen_t flen;
	ssize_t n;
	size_t hl;
	int k;

	for (k = 0; k < 4096 && h->sn4 >= 0; k++) {
		flen = sizeof from;
		n = recvfrom(h->sn4, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from,
			     &flen);
		if (n < 0)
			break;
		if (n < 20 || (buf[0] >> 4) != 4)
			continue;
		hl = (size_t)(buf[0] & 0x0f) * 4;
		if ((size_t)n < hl + 8 || memcmp(buf + 12, &h->mon4, 4) != 0 ||
		    buf[hl] != ICMP_ECHO)
			continue;
		hs_learn_request(&h->l4, buf + hl, (size_t)n - hl);
	}
	for (k = 0; k < 4096 && h->sn6 >= 0; k++) {
		flen = sizeof from;
		n = recvfrom(h->sn6, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from,
			     &flen);
		if (n < 0)
			break;
		if (from.ss_family != AF_INET6 || n < 8 ||
		    memcmp(&((struct sockaddr_in6 *)&from)->sin6_addr, &h->mon6, 16) != 0 ||
		    buf[0] != ICMP6_ECHO_REQUEST)
			continue;
		hs_learn_request(&h->l6, buf, (size_t)n);
	}
}

/* Our own address towards dst (a route lookup through a UDP socket, no packet). */
void
hs_local_addr(int family, const void *dst, void *out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(9);
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, dst, 4);
		len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(9);
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, dst, 16);
		len = sizeof(struct sockaddr_in6);
	}
	if ((fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		perror("hostile: route lookup towards the monitor");
		exit(1);
	}
	close(fd);
	if (family == AF_INET)
		memcpy(out, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(out, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
}

/* Open the sender and the sniffer of one family; exit 1 on failure. */
void
hs_open(struct hs *h, int v6)
{
	int rcvbuf = 1 << 20;
	int fd, sn;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	sn = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0 || sn < 0) {
		perror("hostile: raw socket (needs CAP_NET_RAW)");
		exit(1);
	}
	if (v6) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REQUEST, &f);
		if (setsockopt(sn, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f) < 0) {
			perror("hostile: ICMP6_FILTER");
			exit(1);
		}
		h->fd6 = fd;
		h->sn6 = sn;
	} else {
		struct icmp_filter f;

		f.data = ~(1U << ICMP_ECHO);
		if (setsockopt(sn, SOL_RAW, ICMP_FILTER, &f, sizeof f) < 0) {
			perror("hostile: ICMP_FILTER");
			exit(1);
		}
		h->fd4 = fd;
		h->sn4 = sn;
	}
	(void)setsockopt(sn, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
}
