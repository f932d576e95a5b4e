/* SPDX-License-Identifier: ISC */
/* bench_disk.c: disk tests on a file of our own: dd-style sequential
 * direct I/O, and fio-style random read/write at queue depth 64 over two
 * jobs through io_uring, Linux AIO or, lacking both, plain threads. */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "bench/bench_int.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/xalloc.h"

#define BENCH_DISK_ALIGN 4096
#define BENCH_DISK_MIB   ((int64_t)1 << 20)
#define BENCH_DISK_MAX   (2048 * BENCH_DISK_MIB) /* the test file, at most */
#define BENCH_DISK_MIN   (16 * BENCH_DISK_MIB)   /* and at least */
#define BENCH_DISK_QUICK (16 * BENCH_DISK_MIB)   /* with --quick */
#define BENCH_DISK_QD    64
#define BENCH_DISK_JOBS  2

/*
 * The mark on a test file we created: an extended attribute, which the
 * peers' tools (fio, dd) leave alone when they run on the same file.
 * "hamon-bench 1" while it is being laid out, "hamon-bench 1 laid=N" once
 * all N bytes are written. `--file` reuses only a file that carries it.
 */
#define BENCH_DISK_MARK       "user.hamon.bench"
#define BENCH_DISK_MARK_VALUE "hamon-bench 1"

/* Set the mark (laid: the laid-out size, or 0). 0, or an errno value. */
static int
bench_disk_mark(const struct bench_disk *d, int64_t laid)
{
	char v[64];

	if (laid > 0)
		snprintf(v, sizeof v, "%s laid=%lld", BENCH_DISK_MARK_VALUE, (long long)laid);
	else
		snprintf(v, sizeof v, "%s", BENCH_DISK_MARK_VALUE);
	return fsetxattr(d->fd, BENCH_DISK_MARK, v, strlen(v), 0) == 0 ? 0 : errno;
}

/*
 * Read the mark of the file at path. 1 with *laid (0 when the layout was
 * not finished) for one of ours, 0 for a file without our mark.
 */
static int
bench_disk_marked(const char *path, int64_t *laid)
{
	char v[64];
	ssize_t n = getxattr(path, BENCH_DISK_MARK, v, sizeof v - 1);
	size_t k = strlen(BENCH_DISK_MARK_VALUE);
	long long l;
	char end;

	*laid = 0;
	if (n < (ssize_t)k)
		return 0;
	v[n] = '\0';
	if (strncmp(v, BENCH_DISK_MARK_VALUE, k) != 0 || (v[k] != '\0' && v[k] != ' '))
		return 0;
	if (v[k] == ' ' && sscanf(v + k, " laid=%lld%c", &l, &end) == 1 && l > 0)
		*laid = l;
	return 1;
}

/* The directory of path ("." for a bare name), newly allocated. */
static char *
bench_disk_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - path), path);
}

/* The last component of path, newly allocated ("" when it ends in "/"). */
static char *
bench_disk_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return xstrdup(slash != NULL ? slash + 1 : path);
}

/* Size a new test file from the free space of dir: 0, -2 or -1 with err. */
static int
bench_disk_size(struct bench_disk *d, const char *opt, const char *name, char *err, size_t errlen)
{
	struct statvfs vfs;
	int64_t avail;

	if (fstatvfs(d->dirfd, &vfs) < 0) {
		snprintf(err, errlen, "%s \"%s\": %s", opt, name, strerror(errno));
		return -2;
	}
	if (vfs.f_flag & ST_RDONLY) {
		snprintf(err, errlen, "%s \"%s\": read-only file system", opt, name);
		return -2;
	}
	avail = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
	d->size = d->quick ? BENCH_DISK_QUICK : avail / 10;
	if (d->size > BENCH_DISK_MAX)
		d->size = BENCH_DISK_MAX;
	d->size = d->size / BENCH_DISK_MIB * BENCH_DISK_MIB;
	if (d->size < (d->quick ? BENCH_DISK_QUICK : BENCH_DISK_MIN) || d->size > avail / 2) {
		snprintf(err, errlen, "%s \"%s\": not enough free space (%lld MiB free)", opt, name,
			 (long long)(avail / BENCH_DISK_MIB));
		return -1;
	}
	return 0;
}

/*
 * Reopen d->base in d->dirfd, an existing test file of ours: a regular
 * file (not through a symbolic link) of this user, with one link and our
 * mark. It is first opened with O_PATH, which opens nothing (no FIFO writer
 * released, no device armed), and reopened read-write only once it passed.
 * 0, or -2 with err: anything else is refused untouched.
 */
static int
bench_disk_reuse(struct bench_disk *d, const char *file, char *err, size_t errlen)
{
	char proc[64];
	struct stat sb, again;
	int64_t laid;
	int pfd;

	pfd = openat(d->dirfd, d->base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0) {
		snprintf(err, errlen, "--file \"%s\": %s", file, strerror(errno));
		return -2;
	}
	if (fstat(pfd, &sb) < 0 || S_ISLNK(sb.st_mode)) {
		snprintf(err, errlen, "--file \"%s\": is a symbolic link; refusing to follow it",
			 file);
		goto refuse;
	}
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
	if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() || sb.st_nlink != 1 ||
	    !bench_disk_marked(proc, &laid)) {
		snprintf(err, errlen,
			 "--file \"%s\": exists and is not a test file that hamon bench"
			 " created (%s); refusing to touch it",
			 file,
			 !S_ISREG(sb.st_mode)     ? "not a regular file"
			 : sb.st_uid != geteuid() ? "another user's"
			 : sb.st_nlink != 1       ? "it has other hard links"
						  : "no " BENCH_DISK_MARK " mark");
		goto refuse;
	}
	if ((d->fd = open(proc, O_RDWR | O_CLOEXEC)) < 0 || fstat(d->fd, &again) < 0 ||
	    again.st_dev != sb.st_dev || again.st_ino != sb.st_ino) {
		snprintf(err, errlen, "--file \"%s\": cannot reopen it: %s", file,
			 d->fd < 0 ? strerror(errno) : "it changed");
		goto refuse;
	}
	close(pfd);
	d->dev = sb.st_dev;
	d->ino = sb.st_ino;
	d->reused = 1;
	if (laid > 0 && laid == (int64_t)sb.st_size && laid % BENCH_DISK_MIB == 0 &&
	    laid >= BENCH_DISK_MIN && laid <= BENCH_DISK_MAX)
		d->size = d->laid = laid; /* laid out before: used as it is */
	return 0;
refuse:
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	close(pfd);
	return -2;
}

/* Check dir (or file), size the test file and create it, or reopen ours. */
int
bench_disk_open(struct bench_disk *d, const char *dir, const char *file, int quick, int keep,
		char *err, size_t errlen)
{
	const char *opt = file != NULL ? "--file" : "--path", *name = file != NULL ? file : dir;
	const char *why;
	struct stat sb;
	int fl, rc;

	memset(d, 0, sizeof *d);
	d->fd = d->dirfd = -1;
	d->quick = quick;
	d->keep = keep;
	d->dir = file != NULL ? bench_disk_dirname(file) : xstrdup(dir);
	why = NULL;
	if (stat(d->dir, &sb) < 0)
		why = strerror(errno);
	else if (!S_ISDIR(sb.st_mode))
		why = "not a directory";
	if (why != NULL) {
		if (file != NULL)
			snprintf(err, errlen, "--file \"%s\": directory \"%s\": %s", file, d->dir,
				 why);
		else
			snprintf(err, errlen, "--path \"%s\": %s", dir, why);
		goto usage;
	}
	/* The directory is held open: the file is created, checked and
	 * removed in it by name, whatever becomes of the path meanwhile. */
	if ((d->dirfd = open(d->dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s \"%s\": %s", opt, name, strerror(errno));
		goto usage;
	}
	d->base = file != NULL ? bench_disk_basename(file)
			       : xasprintf(".hamon-bench.%ld.tmp", (long)getpid());
	if (d->base[0] == '\0' || strcmp(d->base, ".") == 0 || strcmp(d->base, "..") == 0) {
		snprintf(err, errlen, "--file \"%s\": names a directory, not a file", file);
		goto usage;
	}
	if (file != NULL && fstatat(d->dirfd, d->base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if ((rc = bench_disk_reuse(d, file, err, errlen)) < 0)
			goto fail;
		d->path = xstrdup(file);
	}
	if (d->size == 0 && (rc = bench_disk_size(d, opt, name, err, errlen)) < 0)
		goto fail;
	if (d->path == NULL) {
		/* A name nobody else uses (or the one given), created
		 * exclusively: we never touch a file we did not create. */
		d->path = file != NULL ? xstrdup(file) : xasprintf("%s/%s", dir, d->base);
		d->fd = openat(d->dirfd, d->base,
			       O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (d->fd < 0 || fstat(d->fd, &sb) < 0) {
			int e = errno;

			snprintf(err, errlen, "%s \"%s\": cannot create a test file: %s", opt, name,
				 strerror(e));
			free(d->path);
			d->path = NULL;
			rc = e == EACCES || e == EROFS || e == EPERM || e == EEXIST ? -2 : -1;
			goto fail;
		}
		d->dev = sb.st_dev;
		d->ino = sb.st_ino;
		if ((rc = bench_disk_mark(d, 0)) != 0 && keep)
			log_warnx(
				"bench: %s: cannot mark the test file as ours (%s): --file will not"
				" accept it again",
				d->path, strerror(rc));
	}
	/* O_DIRECT where the file system has it (tmpfs before Linux 6.6 has
	 * not: F_SETFL says EINVAL). Set on the fd we created, so a refusal
	 * leaves no second file behind. */
	fl = fcntl(d->fd, F_GETFL);
	if (fl >= 0 && fcntl(d->fd, F_SETFL, (fl & ~O_NONBLOCK) | O_DIRECT) == 0)
		d->direct = 1;
	else
		log_warnx(
			"bench: %s does not support O_DIRECT: disk tests fall back to buffered I/O"
			" and measure the page cache, not the disk",
			d->dir);
	return 0;
usage:
	rc = -2;
fail:
	if (d->fd >= 0)
		close(d->fd);
	if (d->dirfd >= 0)
		close(d->dirfd);
	d->fd = d->dirfd = -1;
	free(d->path);
	free(d->dir);
	free(d->base);
	d->path = d->dir = d->base = NULL;
	return rc;
}

/* Remove the test file unless it is to be kept: by name in the directory
 * it was made in, and only while that name is still our file
 * (async-signal-safe). */
void
bench_disk_unlink(const struct bench_disk *d)
{
	struct stat sb;

	if (d->path == NULL || d->keep || d->dirfd < 0)
		return;
	if (fstatat(d->dirfd, d->base, &sb, AT_SYMLINK_NOFOLLOW) == 0 && sb.st_dev == d->dev &&
	    sb.st_ino == d->ino)
		unlinkat(d->dirfd, d->base, 0);
}

/* Close and remove the test file. */
void
bench_disk_close(struct bench_disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	bench_disk_unlink(d);
	if (d->path != NULL && d->keep)
		log_info("bench: test file kept: %s (hamon bench disk --file %s reuses it)",
			 d->path, d->path);
	if (d->dirfd >= 0)
		close(d->dirfd);
	d->dirfd = -1;
	free(d->path);
	free(d->dir);
	free(d->base);
	d->path = d->dir = d->base = NULL;
}

/* An aligned buffer of n bytes filled with a pattern that does not compress. */
static unsigned char *
bench_disk_buf(size_t n, uint64_t seed)
{
	uint64_t *p, x = seed | 1;
	size_t i;
	void *b;

	if (posix_memalign(&b, BENCH_DISK_ALIGN, n) != 0)
		fatalx("bench: out of memory (%zu bytes)", n);
	p = b;
	for (i = 0; i < n / sizeof *p; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
	return b;
}

/* pwrite or pread all of n bytes at off. 0, or an errno value. */
static int
bench_disk_xfer(int fd, int write, unsigned char *buf, size_t n, int64_t off)
{
	ssize_t r;

	do
		r = write ? pwrite(fd, buf, n, off) : pread(fd, buf, n, off);
	while (r < 0 && errno == EINTR && !bench_signal);
	if (r < 0)
		return errno;
	return (size_t)r == n ? 0 : EIO;
}

/*
 * dd-style: count blocks of bs, one at a time, write then read back, like
 * `dd bs=BS count=N oflag=direct conv=fdatasync` and `dd iflag=direct`.
 * The write time includes the fdatasync. MB/s, or -1 (error or signal).
 */
static double
bench_disk_dd(struct bench_disk *d, int write, size_t bs, int64_t count, int tty)
{
	unsigned char *buf;
	int64_t i, t0, t;
	int e = 0;
	void *b;

	/*
	 * The read buffer is placed as dd places its own: one page into a
	 * fresh anonymous mapping, untouched until the first read faults it
	 * in. Placement decides how a 1 MiB direct read reaches a virtio disk
	 * that takes 254 segments per request: at offset 0 of a fresh mapping
	 * the pages mostly merge and each read is one request (1001 requests
	 * for 1000 MiB, 2.1-2.8 GB/s here), one page in they mostly do not and
	 * each read is two (2000 requests, 1.3 GB/s, what dd gets); a buffer
	 * filled beforehand, as malloc may hand out, varies between the two.
	 */
	if (write)
		buf = bench_disk_buf(bs, 0x9e3779b97f4a7c15ULL);
	else if ((b = mmap(NULL, bs + BENCH_DISK_ALIGN, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		fatalx("bench: out of memory (%zu bytes)", bs);
	else
		buf = (unsigned char *)b + BENCH_DISK_ALIGN;
	bench_progress(tty, "disk, dd %s %zuk x %lld", write ? "write" : "read", bs / 1024,
		       (long long)count);
	t0 = time_mono_ns();
	for (i = 0; i < count && !bench_signal && e == 0; i++)
		e = bench_disk_xfer(d->fd, write, buf, bs, i * (int64_t)bs);
	if (e == 0 && write && fdatasync(d->fd) < 0)
		e = errno;
	t = time_mono_ns() - t0;
	if (write)
		free(buf);
	else
		munmap(buf - BENCH_DISK_ALIGN, bs + BENCH_DISK_ALIGN);
	bench_progress_clear(tty);
	if (e != 0) {
		log_warnx("bench: %s: dd %s: %s", d->path, write ? "write" : "read", strerror(e));
		return -1;
	}
	if (bench_signal)
		return -1;
	if (write && i * (int64_t)bs > d->laid)
		d->laid = i * (int64_t)bs;
	return (double)(count * (int64_t)bs) * 1e3 / (double)(t > 0 ? t : 1);
}

/* Write the rest of the file, so random reads read data, not holes. */
static int
bench_disk_layout(struct bench_disk *d, int tty)
{
	unsigned char *buf;
	int e = 0;

	if (d->laid >= d->size)
		return 0;
	bench_progress(tty, "disk, laying out the %lld MiB test file",
		       (long long)(d->size / BENCH_DISK_MIB));
	buf = bench_disk_buf(BENCH_DISK_MIB, 7);
	for (; d->laid < d->size && !bench_signal && e == 0; d->laid += BENCH_DISK_MIB) {
		size_t k;

		/* Every 4 KiB block of the file different: a host that
		 * deduplicates or compresses (a VM's backing store often does)
		 * must not turn the random reads into cache hits, as fio's
		 * random-filled file does not. */
		for (k = 0; k < BENCH_DISK_MIB; k += 4096)
			memcpy(buf + k,
			       &(uint64_t){ (uint64_t)(d->laid + (int64_t)k) ^
					    0x9e3779b97f4a7c15ULL },
			       sizeof(uint64_t));
		e = bench_disk_xfer(d->fd, 1, buf, BENCH_DISK_MIB, d->laid);
	}
	if (e == 0 && !bench_signal && fdatasync(d->fd) < 0)
		e = errno;
	free(buf);
	bench_progress_clear(tty);
	if (e != 0)
		log_warnx("bench: %s: laying out: %s", d->path, strerror(e));
	return e != 0 || bench_signal ? -1 : 0;
}

/* ---- random read/write, fio-style ---- */

struct bench_disk_job {
	pthread_t thread;
	struct bench_disk *d;
	struct bench_ctl *ctl;
	size_t bs;
	uint64_t rng;
	unsigned char *bufs; /* BENCH_DISK_QD buffers of bs */
	uint64_t ios, bytes; /* completed before the stop */
	int err;             /* errno of the first failure */
};

/* xorshift64*: the job's offsets and read/write choices. */
static uint64_t
bench_disk_rand(struct bench_disk_job *j)
{
	j->rng ^= j->rng >> 12;
	j->rng ^= j->rng << 25;
	j->rng ^= j->rng >> 27;
	return j->rng * 0x2545f4914f6cdd1dULL;
}

/* A random bs-aligned offset in the file, and read (0) or write (1) at 50/50. */
static int64_t
bench_disk_pick(struct bench_disk_job *j, int *write)
{
	uint64_t r = bench_disk_rand(j);

	*write = (int)(r >> 63);
	return (int64_t)((r & (((uint64_t)1 << 62) - 1)) %
			 (uint64_t)(j->d->size / (int64_t)j->bs)) *
	       (int64_t)j->bs;
}

/* Count one completion with result res (bytes or -errno). */
static void
bench_disk_count(struct bench_disk_job *j, long long res, int counting)
{
	if (res < 0 || (size_t)res != j->bs) {
		if (j->err == 0)
			j->err = res < 0 ? (int)-res : EIO;
		return;
	}
	if (counting) {
		j->ios++;
		j->bytes += j->bs;
	}
}

#ifdef HAVE_LIBURING
/* Queue slot's next request on the ring. */
static void
bench_disk_uring_prep(struct bench_disk_job *j, struct io_uring *ring, unsigned slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring); /* never NULL: ring size is QD */
	unsigned char *buf = j->bufs + (size_t)slot * j->bs;
	int write;
	int64_t off = bench_disk_pick(j, &write);

	if (write)
		io_uring_prep_write(sqe, j->d->fd, buf, (unsigned)j->bs, (uint64_t)off);
	else
		io_uring_prep_read(sqe, j->d->fd, buf, (unsigned)j->bs, (uint64_t)off);
	io_uring_sqe_set_data(sqe, (void *)(uintptr_t)slot);
}

/*
 * The job through io_uring: BENCH_DISK_QD requests in flight until stop,
 * then the ones in flight are reaped (not counted). Returns 0, or an errno
 * value when the ring cannot be set up.
 *
 * Each request is submitted with a system call of its own, as fio does by
 * default (iodepth_batch_submit=1): in a VM every submission notifies the
 * virtual device (a VM exit), so batching the resubmissions would be
 * faster but would not measure what fio, the reference, measures (it was
 * up to 1.5 times fio's IOPS at 4k on a Firecracker guest).
 */
static int
bench_disk_job_uring(struct bench_disk_job *j)
{
	struct io_uring_cqe *cqes[BENCH_DISK_QD];
	struct io_uring ring;
	unsigned i, n, inflight = 0;
	int rc, live;

	if ((rc = io_uring_queue_init(BENCH_DISK_QD, &ring, 0)) < 0)
		return -rc;
	for (i = 0; i < BENCH_DISK_QD; i++) {
		bench_disk_uring_prep(j, &ring, i);
		io_uring_submit(&ring);
	}
	inflight = BENCH_DISK_QD;
	while (inflight > 0) {
		rc = io_uring_submit_and_wait(&ring, 1);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
			if (j->err == 0)
				j->err = -rc;
			break; /* the ring is torn down with what is in flight */
		}
		live = !bench_ctl_stopped(j->ctl) && j->err == 0;
		n = io_uring_peek_batch_cqe(&ring, cqes, BENCH_DISK_QD);
		for (i = 0; i < n; i++) {
			bench_disk_count(j, cqes[i]->res, live);
			if (live && j->err == 0) {
				bench_disk_uring_prep(
					j, &ring,
					(unsigned)(uintptr_t)io_uring_cqe_get_data(cqes[i]));
				io_uring_submit(&ring);
			} else
				inflight--;
		}
		io_uring_cq_advance(&ring, n);
	}
	io_uring_queue_exit(&ring);
	return 0;
}
#endif

/* Linux AIO through the system calls (no libaio needed). */
static long
bench_disk_io_setup(unsigned nr, aio_context_t *ctx)
{
	return syscall(SYS_io_setup, nr, ctx);
}

/* io_destroy(2). */
static long
bench_disk_io_destroy(aio_context_t ctx)
{
	return syscall(SYS_io_destroy, ctx);
}

/* io_submit(2). */
static long
bench_disk_io_submit(aio_context_t ctx, long n, struct iocb **cbs)
{
	return syscall(SYS_io_submit, ctx, n, cbs);
}

/* io_getevents(2). */
static long
bench_disk_io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev)
{
	return syscall(SYS_io_getevents, ctx, min, max, ev, NULL);
}

/* Fill iocb cb (slot) with the job's next request. */
static void
bench_disk_aio_prep(struct bench_disk_job *j, struct iocb *cb, unsigned slot)
{
	int write;
	int64_t off = bench_disk_pick(j, &write);

	memset(cb, 0, sizeof *cb);
	cb->aio_fildes = (uint32_t)j->d->fd;
	cb->aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
	cb->aio_buf = (uint64_t)(uintptr_t)(j->bufs + (size_t)slot * j->bs);
	cb->aio_nbytes = j->bs;
	cb->aio_offset = off;
	cb->aio_data = slot;
}

/* The job through Linux AIO, as bench_disk_job_uring. */
static int
bench_disk_job_aio(struct bench_disk_job *j)
{
	struct iocb cbs[BENCH_DISK_QD], *todo[BENCH_DISK_QD];
	struct io_event ev[BENCH_DISK_QD];
	aio_context_t ctx = 0;
	long i, n, r, ntodo = 0, inflight = 0;
	int live;

	if (bench_disk_io_setup(BENCH_DISK_QD, &ctx) < 0)
		return errno;
	for (i = 0; i < BENCH_DISK_QD; i++) {
		bench_disk_aio_prep(j, &cbs[i], (unsigned)i);
		todo[ntodo++] = &cbs[i];
	}
	for (;;) {
		while (ntodo > 0) {
			/* One request per call, as for io_uring above. */
			r = bench_disk_io_submit(ctx, 1, todo);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (j->err == 0)
					j->err = r < 0 ? errno : EIO;
				ntodo = 0;
				break;
			}
			inflight += r;
			memmove(todo, todo + r, (size_t)(ntodo - r) * sizeof *todo);
			ntodo -= r;
		}
		if (inflight == 0)
			break;
		n = bench_disk_io_getevents(ctx, 1, BENCH_DISK_QD, ev);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (j->err == 0)
				j->err = errno;
			break;
		}
		live = !bench_ctl_stopped(j->ctl) && j->err == 0;
		for (i = 0; i < n; i++) {
			inflight--;
			bench_disk_count(j, (long long)ev[i].res, live);
			if (live && j->err == 0) {
				bench_disk_aio_prep(j, &cbs[ev[i].data], (unsigned)ev[i].data);
				todo[ntodo++] = &cbs[ev[i].data];
			}
		}
	}
	/* On a failure requests may still be in flight: io_destroy waits. */
	bench_disk_io_destroy(ctx);
	return 0;
}

/* The job with plain blocking calls, one request at a time per thread. */
static int
bench_disk_job_sync(struct bench_disk_job *j)
{
	int write, e;
	int64_t off;

	while (!bench_ctl_stopped(j->ctl) && j->err == 0) {
		off = bench_disk_pick(j, &write);
		e = bench_disk_xfer(j->d->fd, write, j->bufs, j->bs, off);
		if (e == 0)
			bench_disk_count(j, (long long)j->bs, !bench_ctl_stopped(j->ctl));
		else if (!bench_signal)
			j->err = e;
	}
	return 0;
}

/* A random read/write job's thread. */
static void *
bench_disk_job(void *arg)
{
	struct bench_disk_job *j = arg;
	int e = 0;

#ifdef HAVE_LIBURING
	if (strcmp(j->d->engine, "io_uring") == 0)
		e = bench_disk_job_uring(j);
	else
#endif
		if (strcmp(j->d->engine, "libaio") == 0)
		e = bench_disk_job_aio(j);
	else
		e = bench_disk_job_sync(j);
	if (e != 0 && j->err == 0)
		j->err = e;
	bench_ctl_worker_done(j->ctl);
	return NULL;
}

/* The engine this kernel and build offer: io_uring, then Linux AIO, then
 * threads. HAMON_BENCH_ENGINE=libaio or sync picks a lesser one (to
 * compare engines, and for tests). */
static const char *
bench_disk_engine(void)
{
	const char *want = getenv("HAMON_BENCH_ENGINE");
	aio_context_t ctx = 0;

	if (want != NULL && strcmp(want, "sync") == 0)
		return "sync";
	if (want != NULL && strcmp(want, "libaio") == 0 && bench_disk_io_setup(2, &ctx) == 0) {
		bench_disk_io_destroy(ctx);
		return "libaio";
	}

#ifdef HAVE_LIBURING
	struct io_uring ring;

	if (io_uring_queue_init(2, &ring, 0) == 0) {
		io_uring_queue_exit(&ring);
		return "io_uring";
	}
#endif
	if (bench_disk_io_setup(2, &ctx) == 0) {
		bench_disk_io_destroy(ctx);
		return "libaio";
	}
	return "sync";
}

/* One random read/write test at bs: MB/s and IOPS into res. 0, or -1. */
static int
bench_disk_random(struct bench_disk *d, size_t bs, int64_t duration_ns, int tty,
		  struct bench_results *res)
{
	struct bench_disk_job jobs[BENCH_DISK_JOBS];
	struct bench_ctl ctl;
	uint64_t ios = 0, bytes = 0;
	char what[80], metric[48];
	int i, rc, err = 0;
	double secs;

	snprintf(what, sizeof what, "disk, random read/write %zuk, QD %d x %d jobs (%s)", bs / 1024,
		 BENCH_DISK_QD, BENCH_DISK_JOBS, d->engine);
	memset(jobs, 0, sizeof jobs);
	bench_ctl_start(&ctl, what, tty, BENCH_DISK_JOBS);
	for (i = 0; i < BENCH_DISK_JOBS; i++) {
		jobs[i].d = d;
		jobs[i].ctl = &ctl;
		jobs[i].bs = bs;
		jobs[i].rng = 0x853c49e6748fea9bULL * (uint64_t)(i + 1) ^ (uint64_t)time_mono_ns();
		jobs[i].bufs = bench_disk_buf(bs * BENCH_DISK_QD, (uint64_t)i + 11);
	}
	ctl.t0_ns = time_mono_ns();
	for (i = 0; i < BENCH_DISK_JOBS; i++)
		if (pthread_create(&jobs[i].thread, NULL, bench_disk_job, &jobs[i]) != 0)
			fatalx("bench: disk: cannot start a thread");
	rc = bench_ctl_wait(&ctl, duration_ns);
	for (i = 0; i < BENCH_DISK_JOBS; i++) {
		pthread_join(jobs[i].thread, NULL);
		ios += jobs[i].ios;
		bytes += jobs[i].bytes;
		if (jobs[i].err != 0 && err == 0)
			err = jobs[i].err;
		free(jobs[i].bufs);
	}
	if (rc < 0)
		return -1;
	if (err != 0) {
		log_warnx("bench: %s: random read/write %zuk: %s", d->path, bs / 1024,
			  strerror(err));
		return 0; /* a figure of a failed test would mislead: none */
	}
	secs = (double)(ctl.t1_ns - ctl.t0_ns) / 1e9;
	snprintf(metric, sizeof metric, "randrw_%zuk", bs / 1024);
	bench_results_add(res, "disk", metric, (double)bytes / 1e6 / secs, "MB/s");
	snprintf(metric, sizeof metric, "randrw_%zuk_iops", bs / 1024);
	bench_results_add(res, "disk", metric, (double)ios / secs, "IOPS");
	return 0;
}

/* Run the disk tests into res. */
int
bench_disk_run(struct bench_disk *d, int64_t duration_ns, int tty, struct bench_results *res)
{
	static const size_t rbs[] = { 4096, 65536, 524288, 1048576 };
	static const struct {
		size_t bs;
		int64_t count, quick;
		const char *w, *r;
	} dd[] = {
		{ 4096, 25600, 2560, "dd_write_4k", "dd_read_4k" },
		{ 1048576, 1000, 16, "dd_write_1m", "dd_read_1m" },
	};
	int64_t count;
	double v;
	size_t i;

	d->engine = bench_disk_engine();
	for (i = 0; i < sizeof dd / sizeof dd[0]; i++) {
		count = d->quick ? dd[i].quick : dd[i].count;
		if (count * (int64_t)dd[i].bs > d->size)
			count = d->size / (int64_t)dd[i].bs;
		if ((v = bench_disk_dd(d, 1, dd[i].bs, count, tty)) < 0)
			return bench_signal ? -1 : 0;
		bench_results_add(res, "disk", dd[i].w, v, "MB/s");
		if ((v = bench_disk_dd(d, 0, dd[i].bs, count, tty)) < 0)
			return bench_signal ? -1 : 0;
		bench_results_add(res, "disk", dd[i].r, v, "MB/s");
	}
	if (bench_disk_layout(d, tty) < 0)
		return bench_signal ? -1 : 0;
	bench_disk_mark(d, d->size); /* all written: --file reuses it as it is */
	for (i = 0; i < sizeof rbs / sizeof rbs[0]; i++)
		if (bench_disk_random(d, rbs[i], duration_ns, tty, res) < 0)
			return -1;
	return 0;
}
