/* SPDX-License-Identifier: ISC */
/* probe.h: the interface every probe kind implements. A probe module sends,
 * receives and classifies; it owns no timer and writes no SQL. */
#ifndef HAMON_PROBE_H
#define HAMON_PROBE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;

enum probe_result {
	PROBE_OK = 0,  /* echo reply / SYN-ACK / connect completed */
	PROBE_TIMEOUT, /* no answer within the timeout */
	PROBE_UNREACH, /* ICMP error quoting our probe, or a local send error */
	PROBE_REFUSED, /* TCP RST: host up, service down */
	PROBE_LATE,    /* answered after its timeout */
	PROBE_UNKNOWN, /* sent while the monitor could not see (stored samples only) */
};
const char *probe_result_name(enum probe_result r);

/* One classified packet that proves it answers one of our probes. */
struct probe_reply {
	uint32_t tid;             /* target index carried in the probe */
	uint64_t seq;             /* 64-bit probe counter carried in the probe */
	enum probe_result result; /* PROBE_OK, PROBE_UNREACH or PROBE_REFUSED */
	int64_t rx_real_ns;       /* kernel receive timestamp, CLOCK_REALTIME */
	struct sockaddr_storage
		peer; /* OK/REFUSED: who answered; UNREACH: the quoted destination */
	socklen_t peerlen;
	struct sockaddr_storage reporter; /* UNREACH: who sent the ICMP error */
};

/* Packets read and what became of them; shown with -v and in the summary. */
struct probe_counters {
	uint64_t sent;
	uint64_t send_errors;
	uint64_t received;  /* packets read from the socket */
	uint64_t matched;   /* handed to the callback */
	uint64_t foreign;   /* well formed, not ours (other pingers, other ids) */
	uint64_t malformed; /* truncated, bad checksum, bad header */
	uint64_t bad_check; /* our format, but the keyed check value is wrong */
	uint64_t rx_drops;  /* packets the kernel had for us but could not queue */
};

/*
 * Receive drops not yet reported: the kernel dropped `fresh` packets meant
 * for this socket (its receive queue was full) and they arrived after
 * after_real and before before_real (CLOCK_REALTIME). Any reply of ours
 * may have been among them; the monitor turns the interval into an
 * UNKNOWN window (monitor/sched.c).
 */
struct probe_rxdrop {
	uint64_t fresh;
	int64_t after_real, before_real;
};

typedef void (*probe_reply_cb)(const struct probe_reply *reply, void *arg);

struct probe; /* opaque, one per kind and address family */

struct probe_ops {
	const char *name; /* "icmp" */
	/* Open sockets for family (AF_INET/AF_INET6) and register their read
	 * events on base. key is the secret for the check value. Tries the
	 * privileged mechanism first, then the unprivileged one. NULL on
	 * failure with a reason in err. */
	struct probe *(*open)(struct event_base *base, int family, const uint64_t key[2],
			      probe_reply_cb cb, void *arg, char *err, size_t errlen);
	/* Send probe (tid, seq) to `to`. Returns 0, or an errno value when the
	 * send failed locally (no route, link down, buffer full). Never blocks. */
	int (*send)(struct probe *p, const struct sockaddr *to, socklen_t tolen, uint32_t tid,
		    uint64_t seq);
	/* Optional (may be NULL): the monitor gave up on probe (tid, seq) after
	 * its timeout; a kind that holds per-probe state (a connecting socket)
	 * releases it here. */
	void (*forget)(struct probe *p, uint32_t tid, uint64_t seq);
	/* Optional (may be NULL): polled mode. poll(p, 1) removes the read
	 * event and the monitor then calls poll(p, 0) at every scheduler tick to
	 * read whatever is queued; poll(p, -1) restores the read event. At high
	 * probe rates this halves the wake-ups: replies carry kernel receive
	 * timestamps, so reading them a tick later changes no figure. */
	void (*poll)(struct probe *p, int mode);
	/* Human-readable mechanism: "raw socket" or "datagram socket (unprivileged)". */
	const char *(*mode)(const struct probe *p);
	void (*counters)(const struct probe *p, struct probe_counters *out);
	/* Free events, then close fds. NULL is a no-op. */
	void (*close)(struct probe *p);
	/* (Last, so that positional initialisers of the members above stay
	 * valid.) Optional (may be NULL): the receive drops seen since the last call,
	 * from what the received packets said (SO_RXQ_OVFL) and, with ask set,
	 * from the kernel's counter now (a syscall). Returns 1 and fills out
	 * when there were any, else 0. */
	int (*rxdrops)(struct probe *p, int ask, struct probe_rxdrop *out);
	/* Optional (may be NULL): size the receive buffer for `want` bytes
	 * (forced past net.core.rmem_max when privileged); *got is what the
	 * kernel granted, *cap the sysctl's limit when that is what bound it
	 * (else 0). */
	void (*rcvbuf)(struct probe *p, size_t want, size_t *got, size_t *cap);
};

extern const struct probe_ops probe_icmp_ops;
extern const struct probe_ops probe_tcp_syn_ops;     /* raw SYN out, libpcap in (root) */
extern const struct probe_ops probe_tcp_connect_ops; /* non-blocking connect (unprivileged) */

#endif
