/* SPDX-License-Identifier: MIT */
/*
 * The socket table with its owners at the moment of lockdown, like
 * `ss -tunap`: /proc/PID/fd/N links "socket:[INODE]" map inodes to
 * processes, /proc/net/{tcp,tcp6,udp,udp6} list the sockets. Everything
 * is opened relative to the procfs root with O_NOFOLLOW; the only links
 * read are the fd entries (readlinkat, never followed) and the only one
 * followed is procfs's own net -> self/net.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "evidence_impl.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

struct own {
	uint64_t inode;
	uint32_t proc; /* index into procs */
};

struct proc {
	int pid;
	char comm[32];
	char cmdline[512];
};

struct snap {
	int procfd;
	struct own *own;
	size_t n_own, cap_own;
	struct proc *procs;
	size_t n_procs, cap_procs;
	struct evidence_sock_stats st;
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *np;

	if (n < *cap)
		return 0;
	np = realloc(*p, c * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = c;
	return 0;
}

/* Up to len-1 bytes of a small procfs file, NULs and newlines as spaces. */
static void read_small(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The socket fds of one process; comm and cmdline when it has any. */
static int scan_pid(struct snap *s, int pidfd, int pid)
{
	size_t before = s->n_own;
	char link[64];
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	fd = openat(pidfd, "fd", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0; /* gone, or a kernel thread: skip */
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((e = readdir(d))) {
		unsigned long long ino;
		ssize_t n;

		if (!all_digits(e->d_name))
			continue;
		if (s->st.fds >= EVID_MAX_FDS) {
			s->st.truncated = true;
			break;
		}
		s->st.fds++;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%llu]", &ino) != 1)
			continue;
		rc = grow((void **)&s->own, &s->cap_own, s->n_own, sizeof(*s->own));
		if (rc)
			break;
		s->own[s->n_own].inode = ino;
		s->own[s->n_own].proc = (uint32_t)s->n_procs;
		s->n_own++;
	}
	closedir(d);
	if (!rc && s->n_own > before) {
		struct proc *p;

		rc = grow((void **)&s->procs, &s->cap_procs, s->n_procs,
			  sizeof(*s->procs));
		if (rc)
			return rc;
		p = &s->procs[s->n_procs++];
		p->pid = pid;
		read_small(pidfd, "comm", p->comm, sizeof(p->comm));
		read_small(pidfd, "cmdline", p->cmdline, sizeof(p->cmdline));
	}
	return rc;
}

static int scan_procs(struct snap *s)
{
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	fd = openat(s->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!rc && (e = readdir(d))) {
		int pidfd;

		if (!all_digits(e->d_name))
			continue;
		if (s->st.procs >= EVID_MAX_PROCS) {
			s->st.truncated = true;
			break;
		}
		pidfd = openat(s->procfd, e->d_name,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (pidfd < 0)
			continue;
		s->st.procs++;
		rc = scan_pid(s, pidfd, atoi(e->d_name));
		close(pidfd);
	}
	closedir(d);
	return rc;
}

static int own_cmp(const void *a, const void *b)
{
	const struct own *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return x->proc < y->proc ? -1 : x->proc > y->proc;
}

/* The kernel prints each 32-bit word of the address as it sits in memory. */
static int hex_addr(const char *hex, int *family, uint8_t out[16])
{
	size_t n = strlen(hex);

	if (n != 8 && n != 32)
		return -EINVAL;
	for (size_t i = 0; i < n / 8; i++) {
		char w[9];
		uint32_t v;

		memcpy(w, hex + 8 * i, 8);
		w[8] = '\0';
		v = (uint32_t)strtoul(w, NULL, 16);
		memcpy(out + 4 * i, &v, 4);
	}
	*family = n == 8 ? AF_INET : AF_INET6;
	return 0;
}

static const char *state_name(bool tcp, unsigned st)
{
	static const char *const tcp_states[] = {
		"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
		"LISTEN", "CLOSING", "NEW_SYN_RECV",
	};

	if (!tcp)
		return st == 7 ? "UNCONN" : st == 1 ? "ESTAB" : "?";
	return st < ARRAY_SIZE(tcp_states) ? tcp_states[st] : "?";
}

static void add_owners(const struct snap *s, cJSON *o, uint64_t inode)
{
	size_t lo = 0, hi = s->n_own, n = 0;
	cJSON *arr;

	if (!inode)
		return; /* TIME_WAIT and the like belong to nobody */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->own[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	arr = cJSON_AddArrayToObject(o, "procs");
	for (; arr && lo < s->n_own && s->own[lo].inode == inode; lo++) {
		const struct proc *p = &s->procs[s->own[lo].proc];
		cJSON *po;

		if (lo && s->own[lo - 1].inode == inode &&
		    s->own[lo - 1].proc == s->own[lo].proc)
			continue; /* the same process holds it twice */
		if (n++ == EVID_MAX_OWNERS)
			break;
		po = cJSON_CreateObject();
		cJSON_AddNumberToObject(po, "pid", p->pid);
		cJSON_AddStringToObject(po, "comm", p->comm);
		cJSON_AddStringToObject(po, "cmdline", p->cmdline);
		cJSON_AddItemToArray(arr, po);
	}
}

static int put_line(FILE *out, cJSON *o)
{
	char *t = cJSON_PrintUnformatted(o);
	int rc = 0;

	if (!t || fprintf(out, "%s\n", t) < 0)
		rc = -EIO;
	free(t);
	return rc;
}

int evidence_sock_parse(const char *line, struct evidence_sock_line *l)
{
	char la[40], ra[40];
	uint8_t lb[16], rb[16];
	int lf, rf;

	if (sscanf(line, "%*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*x:%*x "
		   "%*x:%*x %*x %u %*u %llu", la, &l->lport, ra, &l->rport,
		   &l->state, &l->uid, &l->inode) != 7)
		return -EINVAL; /* the column titles, or not a socket line */
	if (hex_addr(la, &lf, lb) || hex_addr(ra, &rf, rb) || lf != rf ||
	    l->lport > 65535 || l->rport > 65535)
		return -EINVAL;
	if (!inet_ntop(lf, lb, l->local, sizeof(l->local)) ||
	    !inet_ntop(rf, rb, l->remote, sizeof(l->remote)))
		return -EINVAL;
	return 0;
}

static int one_line(struct snap *s, FILE *out, const char *proto,
		    const char *line)
{
	struct evidence_sock_line l;
	cJSON *o;
	int rc;

	if (evidence_sock_parse(line, &l))
		return 0; /* skip */
	o = cJSON_CreateObject();
	if (!o)
		return -ENOMEM;
	cJSON_AddStringToObject(o, "proto", proto);
	cJSON_AddStringToObject(o, "state", state_name(proto[0] == 't', l.state));
	cJSON_AddStringToObject(o, "local", l.local);
	cJSON_AddNumberToObject(o, "lport", l.lport);
	cJSON_AddStringToObject(o, "remote", l.remote);
	cJSON_AddNumberToObject(o, "rport", l.rport);
	cJSON_AddNumberToObject(o, "uid", l.uid);
	cJSON_AddNumberToObject(o, "inode", (double)l.inode);
	add_owners(s, o, l.inode);
	rc = put_line(out, o);
	cJSON_Delete(o);
	return rc;
}

static int scan_table(struct snap *s, FILE *out, const char *proto)
{
	char name[16], line[512];
	bool first = true;
	FILE *f;
	int fd, rc = 0;

	snprintf(name, sizeof(name), "net/%s", proto);
	fd = openat(s->procfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0; /* no IPv6, say: skip */
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		if (first) { /* the column titles */
			first = false;
			continue;
		}
		if (s->st.sockets >= EVID_MAX_SOCKETS) {
			s->st.truncated = true;
			break;
		}
		s->st.sockets++;
		rc = one_line(s, out, proto, line);
	}
	fclose(f);
	return rc;
}

static int snapshot(struct snap *s, const char *path, char *err, size_t errlen)
{
	static const char *const tables[] = { "tcp", "tcp6", "udp", "udp6" };
	char at[UTIL_TIMESTAMP_LEN];
	FILE *out = NULL;
	cJSON *o;
	int fd, rc;

	rc = scan_procs(s);
	if (rc) {
		util_err(err, errlen, "procfs: %s", strerror(-rc));
		return rc;
	}
	if (s->n_own)
		qsort(s->own, s->n_own, sizeof(*s->own), own_cmp);
	fd = evidence_file_create(path);
	if (fd < 0) {
		util_err(err, errlen, "%s: %s", path, strerror(-fd));
		return fd;
	}
	out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t i = 0; !rc && i < ARRAY_SIZE(tables); i++)
		rc = scan_table(s, out, tables[i]);
	util_iso8601_ms(util_now_real_ns(), at);
	o = cJSON_CreateObject();
	if (!rc && o) {
		cJSON *sum = cJSON_AddObjectToObject(o, "summary");

		cJSON_AddStringToObject(sum, "at", at);
		cJSON_AddNumberToObject(sum, "sockets", (double)s->st.sockets);
		cJSON_AddNumberToObject(sum, "procs", (double)s->st.procs);
		cJSON_AddNumberToObject(sum, "fds", (double)s->st.fds);
		cJSON_AddBoolToObject(sum, "truncated", s->st.truncated);
		rc = put_line(out, o);
	}
	cJSON_Delete(o);
	if (!rc && (fflush(out) || fsync(fileno(out))))
		rc = -errno;
	if (fclose(out) && !rc)
		rc = -EIO;
	if (rc)
		util_err(err, errlen, "%s: write: %s", path, strerror(-rc));
	return rc;
}

static int snapshot_at(const char *proc, bool check_fs, const char *path,
		       struct evidence_sock_stats *stats, char *err, size_t errlen)
{
	struct snap s = { .procfd = -1 };
	struct statfs sf;
	int rc;

	s.procfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.procfd < 0) {
		rc = -errno;
		util_err(err, errlen, "%s: %s", proc, strerror(errno));
		return rc;
	}
	if (check_fs && (fstatfs(s.procfd, &sf) || sf.f_type != PROC_SUPER_MAGIC)) {
		close(s.procfd);
		return util_err(err, errlen, "%s: not a procfs", proc);
	}
	rc = snapshot(&s, path, err, errlen);
	if (stats)
		*stats = s.st;
	close(s.procfd);
	free(s.own);
	free(s.procs);
	return rc;
}

int evidence_sockets_snapshot(const char *path, struct evidence_sock_stats *stats,
			  char *err, size_t errlen)
{
	return snapshot_at("/proc", true, path, stats, err, errlen);
}

int evidence_sockets_snapshot_at(const char *proc, const char *path,
			     struct evidence_sock_stats *stats, char *err,
			     size_t errlen)
{
	return snapshot_at(proc, false, path, stats, err, errlen);
}
