/* SPDX-License-Identifier: ISC */
/* log.h: the one logging module: stderr in the foreground, the journal or
 * syslog as a service. */
#ifndef HAMON_LOG_H
#define HAMON_LOG_H

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Where messages go. LOG_DEST_JOURNAL is stderr as systemd's journal
 * reads it: each line prefixed with its priority ("<4>", sd-daemon(3)),
 * without the program name, which the journal records itself. */
enum log_dest { LOG_DEST_STDERR = 0, LOG_DEST_SYSLOG = 1, LOG_DEST_JOURNAL = 2 };

/* verbose: 0 = warnings and info, 1 = debug (-v), 2 = trace (-vv). */
void log_init(const char *progname, int verbose, enum log_dest dest);
int log_verbosity(void);
/* What a service should use, from what stderr is: the journal's stream
 * (JOURNAL_STREAM names it) → JOURNAL; closed or /dev/null → SYSLOG
 * (nobody would see it); a terminal, file or pipe → STDERR. */
enum log_dest log_dest_auto(void);
/* "stderr", "syslog", "journal", "auto" (-1) → 0 with *out, else -1. */
int log_dest_parse(const char *s, int *out);

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2); /* appends ": strerror(errno)" */
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatal(const char *fmt, ...)
	LOG_PRINTF(1, 2); /* exit 1, with errno */
__attribute__((noreturn)) void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2); /* exit 1 */
/* A usage or configuration error: prints "hamon: <msg>" and exits with status 2. */
__attribute__((noreturn)) void usage_error(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Copy src into dst (size n) escaping anything not printable ASCII as \xNN,
 * so text from packets, hosts or commands is safe to print. Returns dst. */
char *log_escape(char *dst, size_t n, const char *src, size_t srclen);

#endif
