/* SPDX-License-Identifier: MIT */
/*
 * The socket table with its owners at the moment of lockdown, like
 * `ss -tunap`: /proc/self/net/{tcp,tcp6,udp,udp6} list this network
 * namespace's sockets (self/: /proc/net is hidden under systemd's
 * ProcSubset=pid), and whoever may read the processes' descriptors adds
 * the holders (evidence_owners.c). Everything is opened relative to the
 * procfs root with O_NOFOLLOW.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "evidence_impl.h"

static const char *const tables[] = { "tcp", "tcp6", "udp", "udp6" };

struct row {
	struct evidence_sock_line l;
	uint8_t table; /* index into tables[] */
};

struct own {
	uint64_t inode;
	uint32_t proc; /* index into procs */
};

struct evidence_socks {
	struct row *rows;
	size_t n_rows, cap_rows;
	uint64_t *inodes;          /* of the rows: sorted, unique, none 0 */
	size_t n_inodes;
	struct own *own;
	size_t n_own, cap_own;
	struct evidence_proc *procs;
	size_t n_procs, cap_procs;
	struct evidence_sock_stats st;
	char by[16], note[160];
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

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
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

static int read_table(struct evidence_socks *s, int procfd, uint8_t t)
{
	char name[32], line[512];
	bool first = true;
	FILE *f;
	int fd, rc = 0;

	snprintf(name, sizeof(name), "self/net/%s", tables[t]);
	fd = openat(procfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0; /* no IPv6, say: skip */
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		struct evidence_sock_line l;

		if (first) { /* the column titles */
			first = false;
			continue;
		}
		if (s->st.sockets >= EVID_MAX_SOCKETS) {
			s->st.truncated = true;
			break;
		}
		s->st.sockets++;
		if (evidence_sock_parse(line, &l))
			continue;
		rc = grow((void **)&s->rows, &s->cap_rows, s->n_rows, sizeof(*s->rows));
		if (rc)
			break;
		s->rows[s->n_rows].l = l;
		s->rows[s->n_rows++].table = t;
	}
	fclose(f);
	return rc;
}

int evidence_socks_read(int procfd, struct evidence_socks **out, char *err, size_t errlen)
{
	struct evidence_socks *s = calloc(1, sizeof(*s));
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	if (!s)
		return util_err(err, errlen, "sockets: out of memory");
	for (uint8_t t = 0; !rc && t < ARRAY_SIZE(tables); t++)
		rc = read_table(s, procfd, t);
	if (!rc && s->n_rows && !(s->inodes = calloc(s->n_rows, sizeof(*s->inodes))))
		rc = -ENOMEM;
	if (rc) {
		evidence_socks_free(s);
		return util_err(err, errlen, "sockets: %s", strerror(-rc));
	}
	for (size_t i = 0; i < s->n_rows; i++)
		if (s->rows[i].l.inode) /* TIME_WAIT and the like belong to nobody */
			s->inodes[n++] = s->rows[i].l.inode;
	if (n)
		qsort(s->inodes, n, sizeof(*s->inodes), u64_cmp);
	s->n_inodes = 0;
	for (size_t i = 0; i < n; i++)
		if (!s->n_inodes || s->inodes[s->n_inodes - 1] != s->inodes[i])
			s->inodes[s->n_inodes++] = s->inodes[i];
	util_strlcpy(s->by, "none", sizeof(s->by));
	*out = s;
	return 0;
}

void evidence_socks_free(struct evidence_socks *s)
{
	if (!s)
		return;
	free(s->rows);
	free(s->inodes);
	free(s->own);
	free(s->procs);
	free(s);
}

const uint64_t *evidence_socks_inodes(const struct evidence_socks *s, size_t *n)
{
	*n = s->n_inodes;
	return s->inodes;
}

static bool in_table(const struct evidence_socks *s, uint64_t ino)
{
	return ino && s->n_inodes &&
	       bsearch(&ino, s->inodes, s->n_inodes, sizeof(ino), u64_cmp) != NULL;
}

int evidence_socks_add_owner(struct evidence_socks *s, const struct evidence_proc *p,
			     const uint64_t *inodes, size_t n)
{
	uint32_t idx;
	int rc;

	/* A process that holds many sockets comes in batches, one after another. */
	if (s->n_procs && s->procs[s->n_procs - 1].pid == p->pid) {
		idx = (uint32_t)(s->n_procs - 1);
	} else {
		if (s->n_procs >= EVID_MAX_PROCS) {
			s->st.truncated = true;
			return 0;
		}
		if ((rc = grow((void **)&s->procs, &s->cap_procs, s->n_procs, sizeof(*s->procs))))
			return rc;
		s->procs[s->n_procs] = *p;
		idx = (uint32_t)s->n_procs++;
	}
	for (size_t i = 0; i < n; i++) {
		if (!in_table(s, inodes[i]))
			continue;
		if (s->n_own >= EVID_MAX_FDS) {
			s->st.truncated = true;
			break;
		}
		if ((rc = grow((void **)&s->own, &s->cap_own, s->n_own, sizeof(*s->own))))
			return rc;
		s->own[s->n_own].inode = inodes[i];
		s->own[s->n_own++].proc = idx;
	}
	return 0;
}

void evidence_socks_owners_by(struct evidence_socks *s, const char *by,
			      const struct evidence_sock_stats *scan, const char *note)
{
	util_strlcpy(s->by, by, sizeof(s->by));
	util_strlcpy(s->note, note ? note : "", sizeof(s->note));
	if (scan) {
		s->st.procs = scan->procs;
		s->st.fds = scan->fds;
		s->st.truncated |= scan->truncated;
	}
}

static void add_owners(const struct evidence_socks *s, cJSON *o, uint64_t inode)
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
		const struct evidence_proc *p = &s->procs[s->own[lo].proc];
		cJSON *po;

		if (lo && s->own[lo - 1].inode == inode &&
		    s->procs[s->own[lo - 1].proc].pid == p->pid)
			continue; /* the same process holds it twice */
		if (n++ == EVID_MAX_OWNERS)
			break;
		po = cJSON_CreateObject();
		if (!po)
			break;
		cJSON_AddNumberToObject(po, "pid", p->pid);
		if (p->uid == UINT32_MAX)
			cJSON_AddNullToObject(po, "uid");
		else
			cJSON_AddNumberToObject(po, "uid", p->uid);
		cJSON_AddStringToObject(po, "comm", p->comm);
		cJSON_AddStringToObject(po, "exe", p->exe);
		cJSON_AddStringToObject(po, "cmdline", p->cmdline);
		cJSON_AddItemToArray(arr, po);
	}
}

static int row_line(const struct evidence_socks *s, FILE *out, const struct row *r)
{
	const char *proto = tables[r->table];
	cJSON *o = cJSON_CreateObject();
	int rc;

	if (!o)
		return -ENOMEM;
	cJSON_AddStringToObject(o, "proto", proto);
	cJSON_AddStringToObject(o, "state", state_name(proto[0] == 't', r->l.state));
	cJSON_AddStringToObject(o, "local", r->l.local);
	cJSON_AddNumberToObject(o, "lport", r->l.lport);
	cJSON_AddStringToObject(o, "remote", r->l.remote);
	cJSON_AddNumberToObject(o, "rport", r->l.rport);
	cJSON_AddNumberToObject(o, "uid", r->l.uid);
	cJSON_AddNumberToObject(o, "inode", (double)r->l.inode);
	add_owners(s, o, r->l.inode);
	rc = put_line(out, o);
	cJSON_Delete(o);
	return rc;
}

static int summary_line(const struct evidence_socks *s, FILE *out)
{
	char at[UTIL_TIMESTAMP_LEN];
	cJSON *o = cJSON_CreateObject(), *sum;
	int rc = -ENOMEM;

	util_iso8601_ms(util_now_real_ns(), at);
	if (o && (sum = cJSON_AddObjectToObject(o, "summary"))) {
		cJSON_AddStringToObject(sum, "at", at);
		cJSON_AddNumberToObject(sum, "sockets", (double)s->st.sockets);
		cJSON_AddNumberToObject(sum, "procs", (double)s->st.procs);
		cJSON_AddNumberToObject(sum, "fds", (double)s->st.fds);
		cJSON_AddBoolToObject(sum, "truncated", s->st.truncated);
		cJSON_AddStringToObject(sum, "ownersBy", s->by);
		if (*s->note)
			cJSON_AddStringToObject(sum, "ownersNote", s->note);
		rc = put_line(out, o);
	}
	cJSON_Delete(o);
	return rc;
}

int evidence_socks_write(struct evidence_socks *s, const char *path,
			 struct evidence_sock_stats *stats, char *err, size_t errlen)
{
	FILE *out;
	int fd, rc = 0;

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
		return util_err(err, errlen, "%s: out of memory", path);
	}
	for (size_t i = 0; !rc && i < s->n_rows; i++)
		rc = row_line(s, out, &s->rows[i]);
	if (!rc)
		rc = summary_line(s, out);
	if (!rc && (fflush(out) || fsync(fileno(out))))
		rc = -errno;
	if (fclose(out) && !rc)
		rc = -EIO;
	if (rc)
		util_err(err, errlen, "%s: write: %s", path, strerror(-rc));
	if (stats)
		*stats = s->st;
	return rc;
}

static int add_cb(void *arg, const struct evidence_proc *p, const uint64_t *inodes, size_t n)
{
	return evidence_socks_add_owner(arg, p, inodes, n);
}

static int snapshot_at(const char *proc, const char *path, struct evidence_sock_stats *stats,
		       char *err, size_t errlen)
{
	struct evidence_sock_stats scan = { 0 };
	struct evidence_socks *s = NULL;
	const uint64_t *want;
	size_t nwant;
	int procfd, rc;

	procfd = evidence_proc_open(proc, err, errlen);
	if (procfd < 0)
		return procfd;
	if ((rc = evidence_socks_read(procfd, &s, err, errlen)))
		goto out;
	want = evidence_socks_inodes(s, &nwant);
	rc = evidence_owners_scan(procfd, evidence_sockfs_mnt(procfd), want, nwant, add_cb, s,
				  &scan);
	if (rc) {
		util_err(err, errlen, "procfs: %s", strerror(-rc));
		goto out;
	}
	evidence_socks_owners_by(s, "agent", &scan, NULL);
	rc = evidence_socks_write(s, path, stats, err, errlen);
out:
	evidence_socks_free(s);
	close(procfd);
	return rc;
}

int evidence_sockets_snapshot(const char *path, struct evidence_sock_stats *stats,
			  char *err, size_t errlen)
{
	return snapshot_at(NULL, path, stats, err, errlen);
}

int evidence_sockets_snapshot_at(const char *proc, const char *path,
			     struct evidence_sock_stats *stats, char *err,
			     size_t errlen)
{
	return snapshot_at(proc, path, stats, err, errlen);
}
