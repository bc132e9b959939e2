/* SPDX-License-Identifier: MIT */
/*
 * Files in the state directory, through directory fds and never through a
 * symlink (fileio.h). The one copy of the atomic replace.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fileio.h"

#define TMP_TRIES 3

static bool name_ok(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/* O_NOFOLLOW|O_DIRECTORY on a symlink fails with ENOTDIR: say ELOOP. */
static int dir_errno(int dirfd, const char *name, int e)
{
	struct stat st;

	if (e == ENOTDIR && !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return -e;
}

int fileio_dir_open(const char *path, mode_t mode)
{
	int fd;

	if (!path || !*path)
		return -EINVAL;
	if (mode && mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? dir_errno(AT_FDCWD, path, errno) : fd;
}

int fileio_subdir(int dirfd, const char *name, mode_t mode)
{
	int fd;

	if (!name_ok(name))
		return -EINVAL;
	if (mode && mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? dir_errno(dirfd, name, errno) : fd;
}

int fileio_open(int dirfd, const char *name, int flags, mode_t mode)
{
	bool trunc = flags & O_TRUNC, write = (flags & O_ACCMODE) != O_RDONLY;
	struct stat st;
	int fd, rc;

	if (!name_ok(name))
		return -EINVAL;
	/*
	 * O_NONBLOCK: a FIFO planted here must not hang the opener; O_TRUNC
	 * only once we know the file is ours to cut.
	 */
	fd = openat(dirfd, name, (flags & ~O_TRUNC) | O_NOFOLLOW | O_CLOEXEC |
		    O_NOCTTY | O_NONBLOCK, mode);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	/* Another link to a file elsewhere would make us write there. */
	if (!S_ISREG(st.st_mode) || (write && st.st_nlink > 1)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -ENXIO;
		goto fail;
	}
	if (!(flags & O_NONBLOCK)) {
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
			rc = -errno;
			goto fail;
		}
	}
	if (trunc && ftruncate(fd, 0) < 0) {
		rc = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return rc;
}

int fileio_read_all(int dirfd, const char *name, size_t max, char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int fd, rc = 0;

	*out = NULL;
	*len = 0;
	fd = fileio_open(dirfd, name, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t r;

		if (cap - n < 2) { /* one byte to read and the NUL */
			size_t nc = cap ? cap * 2 : 4096;
			char *nb;

			if (nc > max + 2)
				nc = max + 2;
			nb = realloc(buf, nc);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
			cap = nc;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = -EFBIG;
			break;
		}
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int fileio_exists(int dirfd, const char *name)
{
	struct stat st;

	if (!name_ok(name))
		return -EINVAL;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	return S_ISREG(st.st_mode) ? 0 : -ENXIO;
}

/* All of p: at offset at (pwrite), or at the file's position when at < 0 (write). */
static int write_all(int fd, const void *p, size_t n, off_t at)
{
	const char *c = p;

	while (n) {
		ssize_t w = at < 0 ? write(fd, c, n) : pwrite(fd, c, n, at);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		c += w;
		if (at >= 0)
			at += w;
		n -= (size_t)w;
	}
	return 0;
}

int fileio_tmp_open(struct fileio_tmp *t, int dirfd, const char *name, mode_t mode)
{
	int n;

	t->dirfd = dirfd;
	t->fd = -1;
	t->tmp[0] = '\0';
	if (!name_ok(name))
		return -EINVAL;
	if (util_strlcpy(t->name, name, sizeof(t->name)) >= sizeof(t->name))
		return -ENAMETOOLONG;
	/* Per process: two writers of one file never share a temp file. */
	n = snprintf(t->tmp, sizeof(t->tmp), ".%s.tmp.%ld", name, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(t->tmp)) {
		t->tmp[0] = '\0';
		return -ENAMETOOLONG;
	}
	for (int i = 0; i < TMP_TRIES; i++) {
		t->fd = openat(dirfd, t->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			       O_CLOEXEC | O_NOCTTY, mode);
		if (t->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
		/* A crash's leftover, or a link planted there: unlinkat never follows. */
		if (unlinkat(dirfd, t->tmp, 0) < 0 && errno != ENOENT)
			break;
		errno = EEXIST;
	}
	n = -errno;
	t->tmp[0] = '\0';
	return n;
}

int fileio_tmp_write(struct fileio_tmp *t, const void *p, size_t n)
{
	return t->fd < 0 ? -EBADF : write_all(t->fd, p, n, -1);
}

void fileio_tmp_abort(struct fileio_tmp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->tmp[0])
		unlinkat(t->dirfd, t->tmp, 0);
	t->tmp[0] = '\0';
}

int fileio_sync_dir(int dirfd)
{
	return fsync(dirfd) < 0 ? -errno : 0;
}

int fileio_tmp_commit(struct fileio_tmp *t, unsigned flags)
{
	bool sync = !(flags & FILEIO_NOSYNC);
	int rc = 0;

	if (t->fd < 0)
		return -EBADF;
	if (sync && fsync(t->fd) < 0)
		rc = -errno;
	if (close(t->fd) < 0 && !rc)
		rc = -errno;
	t->fd = -1;
	if (!rc && renameat(t->dirfd, t->tmp, t->dirfd, t->name) < 0)
		rc = -errno;
	if (rc) {
		fileio_tmp_abort(t);
		return rc;
	}
	t->tmp[0] = '\0';
	return sync ? fileio_sync_dir(t->dirfd) : 0;
}

int fileio_replace(int dirfd, const char *name, const void *p, size_t n, mode_t mode,
		   unsigned flags)
{
	struct fileio_tmp t;
	int rc;

	rc = fileio_tmp_open(&t, dirfd, name, mode);
	if (rc)
		return rc;
	rc = fileio_tmp_write(&t, p, n);
	if (rc) {
		fileio_tmp_abort(&t);
		return rc;
	}
	return fileio_tmp_commit(&t, flags);
}

int fileio_reserve(int dirfd, const char *reserve, size_t size, mode_t mode)
{
	static const char zero[4096];
	struct fileio_tmp t;
	struct stat st;
	int fd, rc;

	fd = fileio_open(dirfd, reserve, O_RDONLY, 0);
	if (fd >= 0) {
		/* Writable for us: ours, or we are root. */
		rc = fstat(fd, &st) == 0 && st.st_size >= (off_t)size &&
		     st.st_nlink == 1 && (st.st_uid == geteuid() || geteuid() == 0);
		close(fd);
		if (rc)
			return 0;
	}
	rc = fileio_tmp_open(&t, dirfd, reserve, mode);
	/* Zeros, written: blocks that are really allocated, not a hole. */
	for (size_t off = 0; !rc && off < size; off += sizeof(zero))
		rc = fileio_tmp_write(&t, zero, size - off < sizeof(zero) ?
				      size - off : sizeof(zero));
	if (rc) {
		fileio_tmp_abort(&t);
		return rc;
	}
	return fileio_tmp_commit(&t, 0);
}

int fileio_replace_reserved(int dirfd, const char *reserve, const char *name,
			    const void *p, size_t n, unsigned flags)
{
	bool sync = !(flags & FILEIO_NOSYNC);
	const char *c = p;
	struct stat st;
	size_t off = 0;
	int fd, rc = 0;

	if (!name_ok(name))
		return -EINVAL;
	fd = fileio_open(dirfd, reserve, O_WRONLY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (st.st_size < (off_t)n)
		rc = -ENOSPC;
	while (!rc && off < n) {
		ssize_t w = pwrite(fd, c + off, n - off, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = w < 0 ? -errno : -EIO;
		else
			off += (size_t)w;
	}
	if (!rc && ftruncate(fd, (off_t)n) < 0)
		rc = -errno;
	if (!rc && sync && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && renameat(dirfd, reserve, dirfd, name) < 0)
		rc = -errno;
	if (!rc && sync)
		rc = fileio_sync_dir(dirfd);
	return rc;
}

int fileio_sync(int dirfd, const char *name)
{
	int fd = fileio_open(dirfd, name, O_RDONLY, 0), rc = 0;

	if (fd < 0)
		return fd;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc ? rc : fileio_sync_dir(dirfd);
}

int fileio_unlink(int dirfd, const char *name, unsigned flags)
{
	if (!name_ok(name))
		return -EINVAL;
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return flags & FILEIO_NOSYNC ? 0 : fileio_sync_dir(dirfd);
}

int fileio_write(int fd, const void *p, size_t n)
{
	return write_all(fd, p, n, -1);
}

int fileio_pwrite(int fd, const void *p, size_t n, off_t at)
{
	return at < 0 ? -EINVAL : write_all(fd, p, n, at);
}

int fileio_chown(int dirfd, const char *name, uid_t uid, gid_t gid)
{
	if (!name)
		return fchown(dirfd, uid, gid) < 0 ? -errno : 0;
	if (!name_ok(name))
		return -EINVAL;
	return fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* The directory of path, opened; *name points into path. */
static int parent_open(const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];

	*name = slash ? slash + 1 : path;
	if (!slash)
		return fileio_dir_open(".", 0);
	if (slash == path)
		return fileio_dir_open("/", 0);
	if ((size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return fileio_dir_open(dir, 0);
}

int fileio_open_path(const char *path, int flags, mode_t mode)
{
	const char *name;
	int dfd = parent_open(path, &name), fd;

	if (dfd < 0)
		return dfd;
	fd = fileio_open(dfd, name, flags, mode);
	close(dfd);
	return fd;
}

int fileio_replace_path(const char *path, const void *p, size_t n, mode_t mode,
			unsigned flags)
{
	const char *name;
	int dfd = parent_open(path, &name), rc;

	if (dfd < 0)
		return dfd;
	rc = fileio_replace(dfd, name, p, n, mode, flags);
	close(dfd);
	return rc;
}

int fileio_rename_path(const char *path, const char *to_name, unsigned flags)
{
	const char *name;
	int dfd, rc = 0;

	if (!name_ok(to_name))
		return -EINVAL;
	dfd = parent_open(path, &name);
	if (dfd < 0)
		return dfd;
	if (!name_ok(name))
		rc = -EINVAL;
	else if (renameat(dfd, name, dfd, to_name) < 0)
		rc = -errno;
	else if (!(flags & FILEIO_NOSYNC))
		rc = fileio_sync_dir(dfd);
	close(dfd);
	return rc;
}

const char *fileio_strerror(int rc)
{
	if (rc == -ELOOP)
		return "a symlink, refused";
	if (rc == -ENXIO)
		return "not a regular file with one link, refused";
	return strerror(rc < 0 ? -rc : rc);
}

bool fileio_private(const struct stat *st)
{
	return (st->st_uid == geteuid() || st->st_uid == 0) &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
}
