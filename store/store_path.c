/* SPDX-License-Identifier: ISC */
/* store_path.c: what may be opened as a database (only a regular file, and a
 * symbolic link only where nobody else can redirect it), creating it 0640,
 * and the writer's lock on the file itself. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

/* What a file that is not a regular file is, for the message. */
static const char *
store_path_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* Whether somebody other than us (or root) owns or may write st. */
static int
store_path_foreign(const struct stat *st)
{
	uid_t me = geteuid();

	return (st->st_uid != me && st->st_uid != 0) || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

/*
 * Check the directories of an absolute, resolved name: each must be ours
 * (or root's) and writable by nobody else, except a sticky directory whose
 * entry on the way is ours or root's (nobody else can rename or remove it).
 * Returns 0, or -1 with the offending directory in bad.
 */
static int
store_path_dirs_safe(const char *abs, char *bad, size_t badlen)
{
	char buf[PATH_MAX], *p;
	struct stat dst, est;

	if (snprintf(buf, sizeof buf, "%s", abs) >= (int)sizeof buf)
		return 0;
	for (p = buf;; p++) {
		char *slash = strchr(p, '/');
		char save;

		if (slash == NULL)
			break;
		/* buf[0 .. slash) is a directory ("" is "/"). */
		save = slash[1];
		slash[0] = '\0';
		if (stat(buf[0] ? buf : "/", &dst) != 0) {
			slash[0] = '/';
			return 0; /* the open will say why */
		}
		slash[0] = '/';
		if (store_path_foreign(&dst)) {
			int ok = 0;

			if ((dst.st_mode & S_ISVTX) != 0 && save != '\0') {
				char *end = strchr(slash + 1, '/');

				if (end != NULL)
					*end = '\0';
				ok = lstat(buf, &est) != 0 || est.st_uid == geteuid() ||
				     est.st_uid == 0;
				if (end != NULL)
					*end = '/';
			}
			if (!ok) {
				slash[0] = '\0';
				snprintf(bad, badlen, "%s", buf[0] ? buf : "/");
				slash[0] = '/';
				return -1;
			}
		}
		p = slash;
	}
	return 0;
}

/* Check path before anything opens it; see store.h. */
int
store_path_check(const char *path, int create, char *resolved, size_t rlen, char *err,
		 size_t errlen)
{
	char abs[PATH_MAX], real[PATH_MAX], bad[PATH_MAX], *p;
	struct stat st, lst;
	int has_link = 0, fd;

	if (path == NULL || path[0] == '\0') {
		store_set_err(err, errlen, "the database name is empty");
		return -1;
	}
	/* Make the name absolute, then look at every component without
	 * following the last: a symbolic link anywhere on the way counts. */
	if (path[0] == '/')
		snprintf(abs, sizeof abs, "%s", path);
	else {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof cwd) == NULL) {
			store_set_err(err, errlen, "%s: cannot resolve: %s", path, strerror(errno));
			return -1;
		}
		if (snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= (int)sizeof abs) {
			store_set_err(err, errlen, "%s: name too long", path);
			return -1;
		}
	}
	for (p = abs + 1;; p++) {
		char *slash = strchr(p, '/');

		if (slash != NULL)
			*slash = '\0';
		if (lstat(abs, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			char linkdir[PATH_MAX], *cut;

			has_link = 1;
			snprintf(linkdir, sizeof linkdir, "%s", abs);
			cut = strrchr(linkdir, '/');
			*cut = '\0';
			if (lst.st_uid != geteuid() && lst.st_uid != 0) {
				store_set_err(err, errlen,
					      "%s: refused: the symbolic link %s belongs to another"
					      " user (uid %u)",
					      path, abs, (unsigned)lst.st_uid);
				return -1;
			}
			/* The link's own entry is ours or root's (above), so a
			 * sticky directory cannot have it swapped. */
			if (realpath(linkdir[0] ? linkdir : "/", real) != NULL &&
			    strlen(real) + strlen(cut + 1) + 2 < sizeof real &&
			    store_path_dirs_safe(strcat(strcat(real, "/"), cut + 1), bad,
						 sizeof bad) != 0) {
				store_set_err(err, errlen,
					      "%s: refused: the symbolic link %s is in %s, which"
					      " another user can write",
					      path, abs, bad);
				return -1;
			}
		}
		if (slash == NULL)
			break;
		*slash = '/';
		p = slash;
	}

	/* Resolve: the file itself, or its directory when it is to be made. */
	if (realpath(abs, real) == NULL) {
		char dir[PATH_MAX], *base;

		if (errno != ENOENT) {
			store_set_err(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (lstat(abs, &lst) == 0) { /* a dangling link */
			store_set_err(err, errlen, "%s: refused: a symbolic link to nothing", path);
			return -1;
		}
		if (!create) {
			store_set_err(err, errlen, "%s: no such database", path);
			return -1;
		}
		snprintf(dir, sizeof dir, "%s", abs);
		base = strrchr(dir, '/');
		*base++ = '\0';
		if (realpath(dir[0] ? dir : "/", real) == NULL) {
			store_set_err(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (strlen(real) + 1 + strlen(base) + 1 > sizeof real) {
			store_set_err(err, errlen, "%s: name too long", path);
			return -1;
		}
		if (strcmp(real, "/") != 0)
			strcat(real, "/");
		strcat(real, base);
	}
	if (has_link && store_path_dirs_safe(real, bad, sizeof bad) != 0) {
		store_set_err(err, errlen,
			      "%s: refused: it leads through the symbolic link to %s, and %s can be"
			      " written by another user",
			      path, real, bad);
		return -1;
	}

	/* Only a regular file. stat() never waits; the O_NONBLOCK open makes
	 * sure of it for what changed in between (a FIFO put there now). */
	if (stat(real, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			store_set_err(err, errlen, "%s: refused: %s, not a database file", path,
				      store_path_kind(st.st_mode));
			return -1;
		}
		fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			store_set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
			return -1;
		}
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			store_set_err(err, errlen, "%s: refused: %s, not a database file", path,
				      store_path_kind(st.st_mode));
			close(fd);
			return -1;
		}
		close(fd);
	} else if (errno != ENOENT) {
		store_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	} else if (!create) {
		store_set_err(err, errlen, "%s: no such database", path);
		return -1;
	}
	if (resolved != NULL) {
		if (strlen(real) >= rlen) {
			store_set_err(err, errlen, "%s: name too long", path);
			return -1;
		}
		strcpy(resolved, real);
	}
	return 0;
}

/*
 * Open (creating it 0640 if it is missing) the resolved database file for
 * the store's own uses: the lock and the replaced-file check. SQLite gives
 * its -wal, -shm and -journal files the mode of the database, so they are
 * 0640 too; the umask can only make them stricter. create 2: the file
 * must not exist yet (O_EXCL). Returns an fd or -1.
 */
int
store_path_open_fd(const char *real, int create, char *err, size_t errlen)
{
	struct stat st;
	int fd, first, flags = O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

	if (create == 2)
		flags |= O_EXCL;
	fd = open(real, (create ? O_RDWR | O_CREAT : O_RDONLY) | flags, 0640);
	first = errno;
	if (fd < 0 && create == 1 && (errno == EACCES || errno == EROFS))
		fd = open(real, O_RDONLY | flags);
	if (fd < 0) {
		/* A file we may not create says why it could not be created. */
		store_set_err(err, errlen, "%s: cannot %s: %s", real,
			      errno == ENOENT && create ? "create" : "open",
			      strerror(errno == ENOENT && create ? first : errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		store_set_err(err, errlen, "%s: refused: %s, not a database file", real,
			      store_path_kind(st.st_mode));
		close(fd);
		return -1;
	}
	return fd;
}
