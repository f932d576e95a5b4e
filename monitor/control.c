/* control.c: a unix socket beside the database for markers from other
 * terminals. One request per connection, one line each way:
 *   "<kind> <unix ns> <label>\n" -> "ok\n" | "error <reason>\n"
 * The socket is created with mode 0600 so other local users can neither add
 * markers nor learn anything from it. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
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

#define CONTROL_LINE_MAX 512

struct control {
	struct monitor *m;
	int fd;
	struct event *ev;
	char *path;
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

/* Free a client: event first, then fd. */
static void
control_client_free(struct control_client *cl)
{
	event_free(cl->ev);
	close(cl->fd);
	free(cl);
}

/* Parse and apply one request line; the reply goes into out. */
static void
control_handle(struct control *c, char *line, char *out, size_t outlen)
{
	char *kind = line, *ts, *label, *end;
	long long v;

	if ((ts = strchr(kind, ' ')) == NULL || (label = strchr(ts + 1, ' ')) == NULL) {
		snprintf(out, outlen, "error malformed request\n");
		return;
	}
	*ts++ = '\0';
	*label++ = '\0';
	if (strcmp(kind, "marker") != 0 && strcmp(kind, "span-begin") != 0 &&
	    strcmp(kind, "span-end") != 0) {
		snprintf(out, outlen, "error unknown request\n");
		return;
	}
	errno = 0;
	v = strtoll(ts, &end, 10);
	if (errno || *end != '\0' || v <= 0 || *label == '\0') {
		snprintf(out, outlen, "error malformed request\n");
		return;
	}
	monitor_mark(c->m, (int64_t)v, kind, label);
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

/* A new connection: accept it and wait (bounded) for its request. */
static void
control_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;
	struct control_client *cl;
	struct timeval tv = { 2, 0 };
	int cfd;

	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
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
	c->ev = event_new(monitor_base(m), fd, EV_READ | EV_PERSIST, control_accept_cb, c);
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
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}

/* Client: connect, send, read the one-line answer (2 s bound). */
int
control_send_mark(const char *db, const char *kind, const char *label, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct timeval tv = { 2, 0 };
	char path[sizeof(sun.sun_path)], req[CONTROL_LINE_MAX], reply[128];
	ssize_t n;
	int fd, len;

	if (control_path(db, path, sizeof(path)) != 0) {
		snprintf(err, errlen, "%s: database path too long for a control socket", db);
		return -1;
	}
	len = snprintf(req, sizeof(req), "%s %" PRId64 " %s\n", kind, time_real_ns(), label);
	if (len < 0 || (size_t)len >= sizeof(req)) {
		snprintf(err, errlen, "label too long (at most %d bytes)", CONTROL_LINE_MAX - 64);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(err, errlen, "no monitor is running on %s (%s: %s)", db, path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (write(fd, req, (size_t)len) != len || (n = read(fd, reply, sizeof(reply) - 1)) <= 0) {
		snprintf(err, errlen, "%s: no answer from the monitor", path);
		close(fd);
		return -1;
	}
	close(fd);
	reply[n] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (strcmp(reply, "ok") != 0) {
		snprintf(err, errlen, "monitor refused: %s", reply);
		return -1;
	}
	return 0;
}
