/* SPDX-License-Identifier: MIT */
#ifndef CORDON_FILEIO_H
#define CORDON_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct stat;

/*
 * Files in a directory that a less trusted user can write to: the state
 * directory belongs to the agent's user, and root commands (enforce,
 * lockdown, sync, run before its drop) write there too. Every name is
 * opened relative to a directory fd and never through a symlink, so a
 * link planted by that user cannot make root clobber, chown or read
 * another file. docs/internals/fileio.md.
 *
 * All functions return 0 (or an fd) or -errno. -ELOOP: a symlink where a
 * file or directory was expected; -ENXIO: not a regular file (a FIFO or
 * a device, which could block a reader for ever) or a file with other
 * hard links. fileio_strerror() words both.
 */

enum fileio_flags {
	/* No fsync of the file nor of its directory (status files). */
	FILEIO_NOSYNC = 1u << 0,
};

/*
 * Directory path, opened O_DIRECTORY|O_NOFOLLOW (its last component must
 * not be a symlink). mode != 0: mkdir it first with that mode if absent.
 */
__must_check int fileio_dir_open(const char *path, mode_t mode);
/* Subdirectory name of dirfd: mkdirat (mode != 0), then openat O_NOFOLLOW. */
__must_check int fileio_subdir(int dirfd, const char *name, mode_t mode);
/*
 * name in dirfd: O_NOFOLLOW|O_CLOEXEC|O_NOCTTY added to flags, a regular
 * file only; opened for writing, one with a single link only (mode: for
 * O_CREAT). Returns the fd.
 */
__must_check int fileio_open(int dirfd, const char *name, int flags, mode_t mode);
/* The whole file into a NUL-terminated malloc'd buffer; -EFBIG past max. */
__must_check int fileio_read_all(int dirfd, const char *name, size_t max,
				 char **out, size_t *len);
/* 0 when name is a regular file (not a link), -errno else. */
__must_check int fileio_exists(int dirfd, const char *name);

/*
 * Atomic replace, streamed: a temp file ".NAME.tmp.PID" created with
 * O_CREAT|O_EXCL|O_NOFOLLOW (a stale one or a planted link is removed
 * first), written, fsync'ed, renamed over name, then the directory
 * fsync'ed. Readers see the old file or the new one, never half.
 */
struct fileio_tmp {
	int dirfd; /* borrowed */
	int fd;
	char name[256];
	char tmp[256];
};

__must_check int fileio_tmp_open(struct fileio_tmp *t, int dirfd, const char *name,
				 mode_t mode);
__must_check int fileio_tmp_write(struct fileio_tmp *t, const void *p, size_t n);
/* fsync, rename, fsync of the directory (flags); always closes. */
__must_check int fileio_tmp_commit(struct fileio_tmp *t, unsigned flags);
/* Close and remove the temp file; no-op after commit. */
void fileio_tmp_abort(struct fileio_tmp *t);
/* The three above in one call. */
__must_check int fileio_replace(int dirfd, const char *name, const void *p, size_t n,
				mode_t mode, unsigned flags);

/*
 * A file whose blocks are already paid for, so that a later replace
 * cannot fail on a full disk: reserve (size bytes of zeros, one link,
 * ours unless we are root) is made once; fileio_replace_reserved()
 * writes into it in place, cuts it to length and renames it over name.
 * The reserve is then gone; fileio_reserve() makes a new one when there
 * is room.
 */
__must_check int fileio_reserve(int dirfd, const char *reserve, size_t size, mode_t mode);
__must_check int fileio_replace_reserved(int dirfd, const char *reserve, const char *name,
					 const void *p, size_t n, unsigned flags);

/* fsync name (never through a link) and then the directory. */
__must_check int fileio_sync(int dirfd, const char *name);
__must_check int fileio_sync_dir(int dirfd);
/* unlinkat; absent is fine; then the directory fsync'ed (flags). */
__must_check int fileio_unlink(int dirfd, const char *name, unsigned flags);
/*
 * All of p at offset at of an open file (pwrite(2) until done): appends
 * at a position the caller knows, whatever a torn write left after it.
 */
__must_check int fileio_pwrite(int fd, const void *p, size_t n, off_t at);
/*
 * All of p at the file position (write(2) until done, EINTR retried); 0,
 * or -errno (-EIO when write(2) writes nothing).
 */
__must_check int fileio_write(int fd, const void *p, size_t n);
/* fchownat(AT_SYMLINK_NOFOLLOW); name NULL: the directory itself. */
__must_check int fileio_chown(int dirfd, const char *name, uid_t uid, gid_t gid);
/*
 * fileio_open() and fileio_replace() of a file given by path: its
 * directory (last component not a symlink) from the path.
 */
__must_check int fileio_open_path(const char *path, int flags, mode_t mode);
__must_check int fileio_replace_path(const char *path, const void *p, size_t n,
				     mode_t mode, unsigned flags);
/*
 * Rename path's last component to to_name in the same directory
 * (renameat: neither name is followed; to_name is replaced), then the
 * directory fsync'ed (flags). Rotation of a file given by path.
 */
__must_check int fileio_rename_path(const char *path, const char *to_name, unsigned flags);
/*
 * Whether only we (or root) can write the file st describes: owned by our
 * effective user or root, not writable by group or others. Only such a
 * file is mapped for reading: a mapping of a file someone else truncates
 * kills its reader with SIGBUS, where a read() only comes up short.
 */
bool fileio_private(const struct stat *st);
/* strerror(-rc), with -ELOOP and -ENXIO said in fileio's words. */
const char *fileio_strerror(int rc);

#endif
