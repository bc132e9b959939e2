/* SPDX-License-Identifier: MIT */
/*
 * Who holds which socket. The links of /proc/PID/fd ("socket:[INODE]")
 * are the usual way, but another user's fd directory is 0500 and its
 * owner's: listing it needs a DAC override on top of ptrace access.
 * /proc/PID/fdinfo/N needs only ptrace read access, and since Linux 5.14
 * its "ino:" line is the inode behind the descriptor; on sockfs's one
 * kernel mount ("mnt_id:") that is the socket inode /proc/net/tcp shows.
 * So CAP_SYS_PTRACE alone names every holder (docs/internals/security.md,
 * "Evidence and privilege"). Everything is opened relative to the procfs
 * root with O_NOFOLLOW; links are read (readlinkat), never followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "evidence_impl.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

#define UID_UNKNOWN UINT32_MAX

struct scan {
	int sock_mnt;
	const uint64_t *want;
	size_t nwant;
	evidence_owner_fn *cb;
	void *arg;
	struct evidence_sock_stats *st;
	/* the process being scanned */
	struct evidence_proc p;
	bool described;
	uint64_t held[EVID_OWNER_BATCH];
	size_t nheld;
};

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Up to len-1 bytes of dirfd/name, terminated; the length or -errno. */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t got = 0;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

/* A small procfs text, NULs and newlines as spaces, none at the end. */
static void read_text(int dirfd, const char *name, char *buf, size_t len)
{
	char raw[512];
	ssize_t n = read_at(dirfd, name, raw, len < sizeof(raw) ? len : sizeof(raw));

	if (n < 0)
		n = 0;
	while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\0'))
		n--;
	for (ssize_t i = 0; i < n; i++)
		buf[i] = raw[i] == '\0' || raw[i] == '\n' ? ' ' : raw[i];
	buf[n] = '\0';
}

/* A decimal number after blanks; the end, or NULL. */
static const char *num(const char *p, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return NULL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p && *p != ' ' && *p != '\t' && *p != '\n')
		return NULL;
	*out = v;
	return p;
}

/* What follows "key" at the start of a line of text, or NULL. */
static const char *line_value(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *l = text;

	while (l && *l) {
		if (!strncmp(l, key, kl))
			return l + kl;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return NULL;
}

int evidence_fdinfo_parse(const char *text, uint64_t *ino, int *mnt_id)
{
	const char *vi = line_value(text, "ino:"), *vm = line_value(text, "mnt_id:");
	uint64_t i, m;

	if (!vi || !vm)
		return -ENOENT;
	if (!num(vi, UINT64_MAX, &i) || !num(vm, INT32_MAX, &m))
		return -EINVAL;
	*ino = i;
	*mnt_id = (int)m;
	return 0;
}

int evidence_status_uid(const char *text, uint32_t *uid)
{
	const char *v = line_value(text, "Uid:");
	uint64_t real, eff;

	if (!v || !(v = num(v, UINT32_MAX, &real)) || !num(v, UINT32_MAX, &eff))
		return -EINVAL;
	*uid = (uint32_t)eff;
	return 0;
}

int evidence_proc_open(const char *proc, char *err, size_t errlen)
{
	struct statfs sf;
	int fd = open(proc ? proc : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		int rc = -errno;

		util_err(err, errlen, "%s: %s", proc ? proc : "/proc", strerror(errno));
		return rc;
	}
	if (!proc && (fstatfs(fd, &sf) || sf.f_type != PROC_SUPER_MAGIC)) {
		close(fd);
		return util_err(err, errlen, "/proc: not a procfs");
	}
	return fd;
}

int evidence_sockfs_mnt(int procfd)
{
	char name[48], buf[256];
	uint64_t ino;
	int mnt, rc;
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	snprintf(name, sizeof(name), "self/fdinfo/%d", s);
	rc = (int)read_at(procfd, name, buf, sizeof(buf));
	if (rc >= 0)
		rc = evidence_fdinfo_parse(buf, &ino, &mnt) ? -ENOENT : mnt;
	close(s);
	return rc;
}

static bool wanted(const struct scan *s, uint64_t ino)
{
	size_t lo = 0, hi = s->nwant;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->want[mid] == ino)
			return true;
		if (s->want[mid] < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The socket inode behind descriptor name, or 0 (not a socket, unreadable). */
static uint64_t fd_inode(const struct scan *s, int fddir, int infodir, const char *name)
{
	char buf[512];
	uint64_t ino;
	int mnt;

	if (fddir >= 0) {
		unsigned long long v;
		ssize_t n = readlinkat(fddir, name, buf, 63);

		if (n > 0) {
			buf[n] = '\0';
			return sscanf(buf, "socket:[%llu]", &v) == 1 ? v : 0;
		}
	}
	/* The link is not ours to read: fdinfo needs ptrace access only. */
	if (infodir < 0 || read_at(infodir, name, buf, sizeof(buf)) <= 0 ||
	    evidence_fdinfo_parse(buf, &ino, &mnt) || mnt != s->sock_mnt)
		return 0;
	return ino;
}

static void describe(int pidfd, int pid, struct evidence_proc *p)
{
	char status[1024];
	uint32_t uid;
	ssize_t n;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->uid = UID_UNKNOWN;
	if (read_at(pidfd, "status", status, sizeof(status)) > 0 &&
	    !evidence_status_uid(status, &uid))
		p->uid = uid;
	read_text(pidfd, "comm", p->comm, sizeof(p->comm));
	n = readlinkat(pidfd, "exe", p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0';
	read_text(pidfd, "cmdline", p->cmdline, sizeof(p->cmdline));
}

static int flush(struct scan *s, int pidfd, int pid)
{
	int rc;

	if (!s->nheld)
		return 0;
	if (!s->described) {
		describe(pidfd, pid, &s->p);
		s->described = true;
	}
	rc = s->cb(s->arg, &s->p, s->held, s->nheld);
	s->nheld = 0;
	return rc;
}

static int scan_pid(struct scan *s, int pidfd, int pid)
{
	int fddir = openat(pidfd, "fd", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int infodir = -1, list, other, rc = 0;
	struct dirent *e;
	DIR *d;

	if (s->sock_mnt >= 0)
		infodir = openat(pidfd, "fdinfo", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* List fd/ when it is ours to read, else fdinfo/ (ptrace access only). */
	list = fddir >= 0 ? fddir : infodir;
	other = list == fddir ? infodir : -1;
	if (list < 0)
		return 0; /* gone, a kernel thread, or not ours to read: skip */
	d = fdopendir(list);
	if (!d) {
		close(list);
		if (other >= 0)
			close(other);
		return 0;
	}
	s->described = false;
	s->nheld = 0;
	while (!rc && (e = readdir(d))) {
		uint64_t ino;

		if (!all_digits(e->d_name))
			continue;
		if (s->st->fds >= EVID_MAX_FDS) {
			s->st->truncated = true;
			break;
		}
		s->st->fds++;
		ino = fd_inode(s, fddir, infodir, e->d_name);
		if (!ino || !wanted(s, ino))
			continue;
		if (s->nheld == EVID_OWNER_BATCH)
			rc = flush(s, pidfd, pid);
		s->held[s->nheld++] = ino;
	}
	if (!rc)
		rc = flush(s, pidfd, pid);
	closedir(d);
	if (other >= 0)
		close(other);
	return rc;
}

int evidence_owners_scan(int procfd, int sock_mnt, const uint64_t *want, size_t nwant,
			 evidence_owner_fn *cb, void *arg, struct evidence_sock_stats *st)
{
	struct scan *s = calloc(1, sizeof(*s));
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	if (!s)
		return -ENOMEM;
	s->sock_mnt = sock_mnt;
	s->want = want;
	s->nwant = nwant;
	s->cb = cb;
	s->arg = arg;
	s->st = st;
	fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	while (!rc && nwant && (e = readdir(d))) {
		int pidfd;

		if (!all_digits(e->d_name) || strlen(e->d_name) > 7) /* PID_MAX_LIMIT */
			continue;
		if (st->procs >= EVID_MAX_PROCS) {
			st->truncated = true;
			break;
		}
		pidfd = openat(procfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (pidfd < 0)
			continue; /* gone, or a link out of proc */
		st->procs++;
		rc = scan_pid(s, pidfd, atoi(e->d_name));
		close(pidfd);
	}
	closedir(d);
out:
	free(s);
	return rc;
}
