/* SPDX-License-Identifier: ISC */
/* log.c: stderr in the foreground; as a service the journal (stderr with
 * priority prefixes) or syslog. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "lib/log.h"

#define LOG_LINE_MAX 2048

static const char *log_progname = "hamon";
static int log_verbose;
static int log_syslog;
static int log_journal;

/* Remember how and how much to log; opens syslog when asked to. */
void
log_init(const char *progname, int verbose, enum log_dest dest)
{
	const char *slash;
	int use_syslog = dest == LOG_DEST_SYSLOG;

	if (progname != NULL && *progname != '\0') {
		slash = strrchr(progname, '/');
		log_progname = slash != NULL && slash[1] != '\0' ? slash + 1 : progname;
	}
	log_verbose = verbose;
	if (use_syslog && !log_syslog)
		openlog(log_progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!use_syslog && log_syslog)
		closelog();
	log_syslog = use_syslog;
	log_journal = dest == LOG_DEST_JOURNAL;
}

enum log_dest
log_dest_auto(void)
{
	struct stat st, null;
	const char *js = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	char end;

	if (fstat(2, &st) != 0)
		return LOG_DEST_SYSLOG;
	/* systemd sets JOURNAL_STREAM=DEV:INODE of the stream it connected;
	 * a child whose stderr was redirected elsewhere inherits the
	 * variable, hence the comparison. */
	if (js != NULL && sscanf(js, "%ju:%ju%c", &dev, &ino, &end) == 2 &&
	    (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino)
		return LOG_DEST_JOURNAL;
	if (S_ISCHR(st.st_mode) && stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
	    st.st_rdev == null.st_rdev)
		return LOG_DEST_SYSLOG;
	return LOG_DEST_STDERR;
}

int
log_dest_parse(const char *s, int *out)
{
	static const char *const names[] = { "stderr", "syslog", "journal" };
	size_t i;

	if (strcmp(s, "auto") == 0) {
		*out = -1;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return -1;
}

/* The verbosity given to log_init: 0 normal, 1 debug, 2 trace. */
int
log_verbosity(void)
{
	return log_verbose;
}

/*
 * Format one message and send it to stderr or syslog. The message is built
 * in one buffer first so that it reaches stderr in a single write and cannot
 * interleave with another thread's output.
 */
static void LOG_PRINTF(3, 0) log_vlog(int pri, const char *suffix, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_syslog) {
		if (suffix != NULL)
			syslog(pri, "%s: %s", msg, suffix);
		else
			syslog(pri, "%s", msg);
		return;
	}
	if (log_journal) {
		if (suffix != NULL)
			fprintf(stderr, "<%d>%s: %s\n", pri, msg, suffix);
		else
			fprintf(stderr, "<%d>%s\n", pri, msg);
		return;
	}
	if (suffix != NULL)
		fprintf(stderr, "%s: %s: %s\n", log_progname, msg, suffix);
	else
		fprintf(stderr, "%s: %s\n", log_progname, msg);
}

/* A warning with the current errno appended. */
void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

/* An informational message, always shown. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* A debug message, shown with -v. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/* A fatal error with errno: log and exit 1. */
void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

/* A fatal error without errno (a broken invariant): log and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

/* A usage or configuration error: always to stderr, exit 2. */
void
usage_error(const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", LOG_ERR, msg);
	else
		fprintf(stderr, "hamon: %s\n", msg);
	if (log_syslog)
		syslog(LOG_ERR, "%s", msg);
	exit(2);
}

/*
 * Copy srclen bytes of src into dst as printable ASCII: a backslash becomes
 * "\\" and any byte outside 0x20..0x7e becomes "\xNN". An escape that does
 * not fit whole is dropped, so the output never ends in half an escape.
 */
char *
log_escape(char *dst, size_t n, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	if (dst == NULL || n == 0)
		return dst;
	for (i = 0; i < srclen && src != NULL; i++) {
		c = (unsigned char)src[i];
		if (c == '\\') {
			if (n - o < 3)
				break;
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else if (c < 0x20 || c > 0x7e) {
			if (n - o < 5)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		} else {
			if (n - o < 2)
				break;
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
	return dst;
}
