/* SPDX-License-Identifier: ISC */
/* control.c: a unix socket beside the database for markers from other
 * terminals. One request per connection, one line each way:
 *   "<kind> <unix ns> [id=<token>] <label>\n" -> "ok\n" | "error <reason>\n"
 * The socket is created with mode 0600 so other local users can neither add
 * markers nor learn anything from it.
 *
 * The token makes a request idempotent: `hamon mark` retries a request
 * whose answer it did not get, and the monitor answers "ok" to a token it
 * has already applied without applying it again, so a retry never stores
 * a second marker.
 *
 * Descriptors: at most CONTROL_MAX_CLIENTS clients at once (the listener
 * pauses beyond, the kernel's backlog holds the rest), and one spare
 * descriptor is kept open so that a request still gets in when the
 * process is out of them (EMFILE): the spare is closed, the client
 * accepted and served with it, the spare reopened afterwards. If accept()
 * fails anyway, the listener pauses for CONTROL_PAUSE_MS instead of
 * spinning on a readable socket. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"
#include "monitor/control.h"
#include "monitor/monitor.h"

#define CONTROL_LINE_MAX    512
#define CONTROL_MAX_CLIENTS 16
#define CONTROL_PAUSE_MS    100
#define CONTROL_TOKENS      64 /* the last tokens applied, to ignore repeats */
#define CONTROL_TOKEN_MAX   32
#define CONTROL_ATTEMPTS    3 /* of the client, 2 s each */

struct control {
	struct monitor *m;
	int fd;
	struct event *ev;
	struct event *resume; /* re-enables the listener after a pause */
	char *path;
	int spare; /* a reserve descriptor for EMFILE, or -1 */
	size_t nclients;
	char tokens[CONTROL_TOKENS][CONTROL_TOKEN_MAX + 1];
	size_t ntok; /* next slot of tokens[] */
};

/* One accepted client: read its line (non-blocking, bounded), answer. */
struct control_client {
	struct control *c;
	int fd;
	struct event *ev;
	char buf[CONTROL_LINE_MAX];
	size_t len;
};

/* Socket path for a database. */
int
control_path(const char *db, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s.ctl", db);

	return n < 0 || (size_t)n >= len || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)
		       ? -1
		       : 0;
}

/* Listen again: a client slot is free, the pause is over. */
static void
control_listen(struct control *c)
{
	if (c->nclients < CONTROL_MAX_CLIENTS && !evtimer_pending(c->resume, NULL))
		event_add(c->ev, NULL);
}

/* Free a client: event first, then fd; take the spare back if it was
 * spent on this one or an earlier one. */
static void
control_client_free(struct control_client *cl)
{
	struct control *c = cl->c;

	event_free(cl->ev);
	close(cl->fd);
	free(cl);
	c->nclients--;
	if (c->spare < 0)
		c->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	control_listen(c);
}

/* Has token been applied already? Remember it if not. "" is no token. */
static int
control_token_seen(struct control *c, const char *token)
{
	size_t i;

	if (*token == '\0')
		return 0;
	for (i = 0; i < CONTROL_TOKENS; i++)
		if (strcmp(c->tokens[i], token) == 0)
			return 1;
	snprintf(c->tokens[c->ntok], sizeof(c->tokens[0]), "%s", token);
	c->ntok = (c->ntok + 1) % CONTROL_TOKENS;
	return 0;
}

/* Split "id=<token> " off the front of *label, if there. -1 if malformed. */
static int
control_take_token(char **label, const char **token)
{
	char *sp;
	size_t n;

	*token = "";
	if (strncmp(*label, "id=", 3) != 0)
		return 0;
	if ((sp = strchr(*label, ' ')) == NULL)
		return -1;
	n = (size_t)(sp - *label) - 3;
	if (n == 0 || n > CONTROL_TOKEN_MAX || strspn(*label + 3, "0123456789abcdef") != n)
		return -1;
	*sp = '\0';
	*token = *label + 3;
	*label = sp + 1;
	return 0;
}

/* Parse one request line in place; see control.h. */
int
control_parse(char *line, struct control_req *rq, const char **why)
{
	char *kind = line, *ts, *label, *end;
	long long v;

	*why = "malformed request";
	if ((ts = strchr(kind, ' ')) == NULL || (label = strchr(ts + 1, ' ')) == NULL)
		return -1;
	*ts++ = '\0';
	*label++ = '\0';
	if (strcmp(kind, "marker") != 0 && strcmp(kind, "span-begin") != 0 &&
	    strcmp(kind, "span-end") != 0) {
		*why = "unknown request";
		return -1;
	}
	errno = 0;
	v = strtoll(ts, &end, 10);
	if (errno || end == ts || *end != '\0' || v <= 0 ||
	    control_take_token(&label, &rq->token) != 0 || *label == '\0')
		return -1;
	rq->kind = kind;
	rq->ts_ns = (int64_t)v;
	rq->label = label;
	return 0;
}

/* Parse and apply one request line; the reply goes into out. */
static void
control_handle(struct control *c, char *line, char *out, size_t outlen)
{
	struct control_req rq;
	const char *why;

	if (control_parse(line, &rq, &why) != 0) {
		snprintf(out, outlen, "error %s\n", why);
		return;
	}
	if (!control_token_seen(c, rq.token))
		monitor_mark(c->m, rq.ts_ns, rq.kind, rq.label);
	snprintf(out, outlen, "ok\n");
}

/* A client's data: gather one line, answer, close. */
static void
control_client_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control_client *cl = arg;
	char reply[128], *nl;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		control_client_free(cl);
		return;
	}
	n = read(fd, cl->buf + cl->len, sizeof(cl->buf) - 1 - cl->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		control_client_free(cl);
		return;
	}
	cl->len += (size_t)n;
	cl->buf[cl->len] = '\0';
	if ((nl = memchr(cl->buf, '\n', cl->len)) == NULL) {
		if (cl->len < sizeof(cl->buf) - 1)
			return;
		snprintf(reply, sizeof(reply), "error request too long\n");
	} else {
		*nl = '\0';
		control_handle(cl->c, cl->buf, reply, sizeof(reply));
	}
	/* A short reply to a socket we just read from: never blocks in practice,
	 * and the socket is non-blocking anyway. */
	if (write(fd, reply, strlen(reply)) < 0)
		log_debug("control: reply not sent");
	control_client_free(cl);
}

/* The pause after a failed accept() is over. */
static void
control_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	control_listen(arg);
}

/* accept(), with the spare descriptor given up for it at EMFILE. */
static int
control_accept(struct control *c)
{
	int cfd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0 && (errno == EMFILE || errno == ENFILE) && c->spare >= 0) {
		close(c->spare);
		c->spare = -1;
		cfd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	}
	return cfd;
}

/* A new connection: accept it and wait (bounded) for its request. */
static void
control_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval pause = { 0, CONTROL_PAUSE_MS * 1000 };
	struct control *c = arg;
	struct control_client *cl;
	struct timeval tv = { 2, 0 };
	int cfd;

	(void)fd;
	(void)what;
	if ((cfd = control_accept(c)) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return;
		log_warn("control: cannot accept a request; pausing %d ms", CONTROL_PAUSE_MS);
		event_del(c->ev);
		evtimer_add(c->resume, &pause);
		return;
	}
	if (++c->nclients >= CONTROL_MAX_CLIENTS)
		event_del(c->ev);
	cl = xcalloc(1, sizeof(*cl));
	cl->c = c;
	cl->fd = cfd;
	cl->ev = event_new(monitor_base(c->m), cfd, EV_READ | EV_PERSIST, control_client_cb, cl);
	event_add(cl->ev, &tv);
}

/* Create the listening socket. */
struct control *
control_open(struct monitor *m, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct control *c;
	mode_t old;
	int fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: control socket path too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	/* Another monitor already serving this database? */
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			snprintf(err, errlen, "%s: another monitor is running on this database",
				 path);
			return NULL;
		}
		close(probe);
	}
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return NULL;
	}
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || listen(fd, 16) != 0) {
		umask(old);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	umask(old);
	chmod(path, 0600);
	c = xcalloc(1, sizeof(*c));
	c->m = m;
	c->fd = fd;
	c->path = xstrdup(path);
	c->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	c->ev = event_new(monitor_base(m), fd, EV_READ | EV_PERSIST, control_accept_cb, c);
	c->resume = evtimer_new(monitor_base(m), control_resume_cb, c);
	event_add(c->ev, NULL);
	return c;
}

/* Close and unlink. */
void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	event_free(c->ev);
	event_free(c->resume);
	close(c->fd);
	if (c->spare >= 0)
		close(c->spare);
	unlink(c->path);
	free(c->path);
	free(c);
}

/* One attempt: connect, send req, read the one-line answer (2 s bounds).
 * 0 with the answer in reply; -1 with err, *again set when trying again
 * may help (the request may not have been delivered, or its answer was
 * lost: the token makes a repeat harmless). */
static int
control_try(const char *path, const char *db, const char *req, size_t len, char *reply,
	    size_t replylen, int *again, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct timeval tv = { 2, 0 };
	ssize_t n;
	int fd;

	*again = 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		/* EAGAIN: the monitor's backlog is full; it is there. */
		*again = errno == EAGAIN;
		snprintf(err, errlen, "no monitor is running on %s (%s: %s)", db, path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (write(fd, req, len) != (ssize_t)len || (n = read(fd, reply, replylen - 1)) <= 0) {
		*again = 1;
		snprintf(err, errlen, "%s: no answer from the monitor", path);
		close(fd);
		return -1;
	}
	close(fd);
	reply[n] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	return 0;
}

/* A token no other request will carry: 64 random bits in hex. */
static void
control_token(char *buf, size_t len)
{
	uint64_t r = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		r = (uint64_t)time_mono_ns() ^ ((uint64_t)getpid() << 40);
	if (fd >= 0)
		close(fd);
	snprintf(buf, len, "%016" PRIx64, r);
}

/* Client: send the request, time-stamped and with a token, and try again
 * (at most CONTROL_ATTEMPTS times in all) while it may not have arrived. */
int
control_send_mark(const char *db, const char *kind, const char *label, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char path[sizeof(sun.sun_path)], req[CONTROL_LINE_MAX], reply[128], token[20];
	int len, again = 0, k;

	if (control_path(db, path, sizeof(path)) != 0) {
		snprintf(err, errlen, "%s: database path too long for a control socket", db);
		return -1;
	}
	control_token(token, sizeof(token));
	len = snprintf(req, sizeof(req), "%s %" PRId64 " id=%s %s\n", kind, time_real_ns(), token,
		       label);
	if (len < 0 || (size_t)len >= sizeof(req)) {
		snprintf(err, errlen, "label too long (at most %d bytes)", CONTROL_LABEL_MAX);
		return -1;
	}
	for (k = 0; k < CONTROL_ATTEMPTS; k++) {
		if (k > 0)
			usleep(200 * 1000);
		if (control_try(path, db, req, (size_t)len, reply, sizeof(reply), &again, err,
				errlen) == 0)
			break;
		if (!again)
			return -1;
	}
	if (k == CONTROL_ATTEMPTS)
		return -1;
	if (strcmp(reply, "ok") != 0) {
		snprintf(err, errlen, "monitor refused: %s", reply);
		return -1;
	}
	return 0;
}
