/* SPDX-License-Identifier: MIT */
/*
 * The writer lock, STATE_DIR/journal.lock: a separate file so that it can
 * name its holder (readers never lock; they read a torn tail as torn and
 * move on).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "journal_impl.h"

int journal_lock_wait(int fd, int timeout_ms)
{
	uint64_t deadline = util_now_mono_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (timeout_ms < 0)
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return -errno;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (util_now_mono_ns() >= deadline)
			return -EWOULDBLOCK;
		nanosleep(&tick, NULL);
	}
}

int journal_lock_open(const char *dir, int *out, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int rc;

	if (snprintf(path, sizeof(path), "%s/" JOURNAL_LOCK_FILE, dir) >=
	    (int)sizeof(path))
		return util_err(err, errlen, "state directory %s: name too long", dir);
	*out = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*out < 0) {
		rc = -errno;
		util_err(err, errlen, "%s: %s", path,
			 errno == ELOOP ? "is a symlink, refused" : strerror(errno));
		return rc;
	}
	return 0;
}

/* Informational: who holds the lock, for the message below. */
void journal_lock_note_pid(int fd)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
		return; /* only the message loses the pid */
}

int journal_lock_busy(int fd, int timeout_ms, char *err, size_t errlen)
{
	char pid[32] = "";
	ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

	pid[n > 0 ? n : 0] = '\0';
	pid[strcspn(pid, "\n")] = '\0';
	util_err(err, errlen, "journal locked by pid %s (cordon run or release?); "
		 "waited %d ms", *pid ? pid : "?", timeout_ms);
	return -EWOULDBLOCK;
}

/*
 * The writer lock is a separate file so that it can name its holder
 * (readers never lock; they read a torn tail as torn and move on).
 */
int journal_lock_take(int fd, int timeout_ms, char *err, size_t errlen)
{
	int rc = journal_lock_wait(fd, timeout_ms);

	if (rc == -EWOULDBLOCK)
		return journal_lock_busy(fd, timeout_ms, err, errlen);
	if (rc) {
		util_err(err, errlen, "journal lock: flock: %s", strerror(-rc));
		return rc;
	}
	journal_lock_note_pid(fd);
	return 0;
}
