/* SPDX-License-Identifier: MIT */
/*
 * applied.bin, version 2: a log.
 *
 *   file header  u32 magic "CDAP", u32 version 2, u64 0
 *   record       u32 "RCD2", u32 type (1 base, 2 delta), u64 payload
 *                length, u64 content hash after it, u64 check
 *   base         per set in nset_defs order: u64 n, n records
 *   delta        per set: u64 deletions, u64 additions, those records
 *
 * Records of a set are nset_vec records (sorted, memcmp order). A delta's
 * check covers its header and payload, so a torn append fails it; the
 * base's check covers its header only: the base is only ever written
 * whole (temp file, fsync, rename), and the content hash recomputed over
 * what the log adds up to covers every byte of it. Host byte order: the
 * file never leaves the host that wrote it. Every access goes through
 * common/fileio (the state directory by fd, no link followed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applied.h"
#include "fileio.h"

#define MAGIC 0x50414443u  /* "CDAP" */
#define RMAGIC 0x32444352u /* "RCD2" */
#define VERSION 2u
#define REC_BASE 1u
#define REC_DELTA 2u
#define MAX_RECORDS (64u << 20)
#define MAX_DELTAS 4096 /* records in one log before a new base is forced */

struct rec_hdr {
	uint32_t magic, type;
	uint64_t len, hash, check;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

uint64_t applied_hash(const struct nset_all *a)
{
	uint64_t h = 0x636f72646f6e2121ull;

	for (int i = 0; i < NS__COUNT; i++) {
		const struct nset_vec *v = &a->s[i];
		size_t len = v->n * v->w, k = 0;
		/* Four lanes: no multiply waits for the one before it. */
		uint64_t l[4] = { h, h ^ 1, h ^ 2, h ^ 3 };

		for (; k + 32 <= len; k += 32) {
			uint64_t w[4];

			memcpy(w, v->v + k, 32);
			l[0] = mix(l[0], w[0]);
			l[1] = mix(l[1], w[1]);
			l[2] = mix(l[2], w[2]);
			l[3] = mix(l[3], w[3]);
		}
		h = mix(mix(mix(mix(l[0], l[1]), l[2]), l[3]),
			((uint64_t)i << 56) ^ v->n);
		for (; k < len; k++)
			h = mix(h, v->v[k]);
	}
	return h ? h : 1;
}

static uint64_t rec_check(const struct rec_hdr *r, const uint8_t *payload,
			  size_t plen)
{
	uint64_t h = mix(mix(mix(0x6170706c69656421ull, r->type), r->len), r->hash);
	size_t k = 0;

	for (; k + 8 <= plen; k += 8) {
		uint64_t w;

		memcpy(&w, payload + k, 8);
		h = mix(h, w);
	}
	for (; k < plen; k++)
		h = mix(h, payload[k]);
	return h;
}

/* ---- reading ---- */

struct op {
	const uint8_t *p;
	uint32_t seq;
	bool add;
};

static int op_cmp(const void *a, const void *b, void *w)
{
	const struct op *x = a, *y = b;
	int c = memcmp(x->p, y->p, *(const unsigned *)w);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * Set v becomes the n records at src (the mapped base) with the deltas'
 * operations applied, in one merge: the last operation on an element
 * wins, so k deltas cost one pass, not k, and the base is copied once.
 */
static int apply_ops(struct nset_vec *v, const uint8_t *src, size_t srcn,
		     struct op *ops, size_t nops)
{
	unsigned w = v->w;
	size_t i = 0, j = 0, n = 0, nadd = 0, k;
	uint8_t *nv;

	qsort_r(ops, nops, sizeof(*ops), op_cmp, &w);
	/* Keep the last operation of each element. */
	for (k = 0; k < nops; k++) {
		if (k + 1 < nops && !memcmp(ops[k].p, ops[k + 1].p, w))
			continue;
		ops[n++] = ops[k];
		nadd += ops[k].add;
	}
	nops = n;
	nv = malloc((srcn + nadd) * w + 1);
	if (!nv)
		return -ENOMEM;
	/* Runs between two operations are copied whole. */
	n = 0;
	for (j = 0; j < nops; j++) {
		size_t lo = i, hi = srcn;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (memcmp(src + mid * w, ops[j].p, w) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > i)
			memcpy(nv + n * w, src + i * w, (lo - i) * w);
		n += lo - i;
		i = lo;
		if (i < srcn && !memcmp(src + i * w, ops[j].p, w))
			i++; /* present: an add keeps it, a delete drops it */
		if (ops[j].add)
			memcpy(nv + n++ * w, ops[j].p, w);
	}
	if (srcn > i)
		memcpy(nv + n * w, src + i * w, (srcn - i) * w);
	n += srcn - i;
	free(v->v);
	v->cap = srcn + nadd; /* what nv was sized for */
	v->v = nv;
	v->n = n;
	return 0;
}

static int vec_fill(struct nset_vec *v, const uint8_t *src, uint64_t n)
{
	if (n > v->cap) {
		uint8_t *nv = realloc(v->v, n * v->w);

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = n;
	}
	if (n)
		memcpy(v->v, src, n * v->w);
	v->n = n;
	return 0;
}

/* The base record at p (len bytes): where each set's records are. */
static int parse_base(const uint8_t *p, uint64_t len, const struct nset_all *shape,
		      const uint8_t *src[NS__COUNT], uint64_t srcn[NS__COUNT])
{
	uint64_t off = 0, n;

	for (int i = 0; i < NS__COUNT; i++) {
		if (len - off < 8)
			return -EINVAL;
		memcpy(&n, p + off, 8);
		off += 8;
		if (n > MAX_RECORDS || n * shape->s[i].w > len - off)
			return -EINVAL;
		src[i] = p + off;
		srcn[i] = n;
		off += n * shape->s[i].w;
	}
	return off == len ? 0 : -EINVAL;
}

/* Walk a delta record: for each set, call back with its two halves. */
static int delta_sets(const uint8_t *p, uint64_t len, const struct nset_all *shape,
		      const uint8_t *del[NS__COUNT], uint64_t ndel[NS__COUNT],
		      const uint8_t *add[NS__COUNT], uint64_t nadd[NS__COUNT])
{
	uint64_t off = 0;

	for (int i = 0; i < NS__COUNT; i++) {
		uint64_t w = shape->s[i].w;

		if (len - off < 16)
			return -EINVAL;
		memcpy(&ndel[i], p + off, 8);
		memcpy(&nadd[i], p + off + 8, 8);
		off += 16;
		if (ndel[i] > MAX_RECORDS || nadd[i] > MAX_RECORDS ||
		    (ndel[i] + nadd[i]) * w > len - off)
			return -EINVAL;
		del[i] = p + off;
		add[i] = p + off + ndel[i] * w;
		off += (ndel[i] + nadd[i]) * w;
	}
	return off == len ? 0 : -EINVAL;
}

/* out = the base's sets (src, srcn) with every delta applied. */
static int apply_deltas(struct nset_all *out, const uint8_t *const src[NS__COUNT],
			const uint64_t srcn[NS__COUNT],
			const uint8_t *const *recs, const uint64_t *lens,
			size_t nrec)
{
	for (int i = 0; i < NS__COUNT; i++) {
		const uint8_t *del[NS__COUNT], *add[NS__COUNT];
		uint64_t ndel[NS__COUNT], nadd[NS__COUNT];
		size_t nops = 0, k = 0;
		struct op *ops;
		int rc;

		for (size_t r = 0; r < nrec; r++) {
			if (delta_sets(recs[r], lens[r], out, del, ndel, add, nadd))
				return -EINVAL;
			nops += ndel[i] + nadd[i];
		}
		if (!nops) {
			if ((rc = vec_fill(&out->s[i], src[i], srcn[i])))
				return rc;
			continue;
		}
		ops = malloc(nops * sizeof(*ops));
		if (!ops)
			return -ENOMEM;
		for (size_t r = 0; r < nrec; r++) {
			unsigned w = out->s[i].w;

			(void)delta_sets(recs[r], lens[r], out, del, ndel, add, nadd);
			/* Deletions before additions within one delta. */
			for (uint64_t e = 0; e < ndel[i]; e++)
				ops[k++] = (struct op){ del[i] + e * w, (uint32_t)(2 * r), false };
			for (uint64_t e = 0; e < nadd[i]; e++)
				ops[k++] = (struct op){ add[i] + e * w, (uint32_t)(2 * r + 1), true };
		}
		rc = apply_ops(&out->s[i], src[i], srcn[i], ops, nops);
		free(ops);
		if (rc)
			return rc;
	}
	return 0;
}

/* Cut a torn tail, if we may write the file (best effort). */
static void cut_tail(int dfd, uint64_t end)
{
	int fd = fileio_open(dfd, APPLIED_FILE, O_WRONLY, 0);

	if (fd < 0)
		return;
	if (ftruncate(fd, (off_t)end) == 0)
		(void)fdatasync(fd);
	close(fd);
}

int applied_load_log(const char *dir, uint64_t want, struct nset_all *out,
		     struct applied_log *lg)
{
	const uint8_t *recs[MAX_DELTAS], *src[NS__COUNT];
	uint64_t lens[MAX_DELTAS], srcn[NS__COUNT];
	uint64_t hash = 0, off, end = 0, base_bytes = 0;
	size_t nrec = 0;
	uint8_t *map = MAP_FAILED;
	struct rec_hdr r;
	uint32_t fh[2];
	struct stat st;
	int dfd = -1, fd = -1, rc = -EINVAL;

	if (lg)
		memset(lg, 0, sizeof(*lg));
	if (!want)
		return -ENOENT;
	if ((dfd = fileio_dir_open(dir, 0)) < 0 ||
	    (fd = fileio_open(dfd, APPLIED_FILE, O_RDONLY, 0)) < 0) {
		rc = -ENOENT;
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < 16 + sizeof(r))
		goto out;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		goto out;
	memcpy(fh, map, sizeof(fh));
	if (fh[0] != MAGIC || fh[1] != VERSION)
		goto out;
	for (off = 16; (uint64_t)st.st_size - off >= sizeof(r);) {
		const uint8_t *p = map + off + sizeof(r);

		memcpy(&r, map + off, sizeof(r));
		if (r.magic != RMAGIC || r.len > (uint64_t)st.st_size - off - sizeof(r))
			break;
		if (off == 16) {
			/* The base: header checked here, content by the hash. */
			if (r.type != REC_BASE || r.check != rec_check(&r, NULL, 0))
				goto out;
			if ((rc = parse_base(p, r.len, out, src, srcn)))
				goto out;
			rc = -EINVAL;
			base_bytes = sizeof(r) + r.len;
		} else {
			if (r.type != REC_DELTA || r.check != rec_check(&r, p, r.len))
				break;
			if (nrec == MAX_DELTAS)
				break; /* the next append writes a new base */
			recs[nrec] = p;
			lens[nrec++] = r.len;
		}
		hash = r.hash;
		off += sizeof(r) + r.len;
		end = off;
	}
	if (!end)
		goto out;
	if (end != (uint64_t)st.st_size)
		cut_tail(dfd, end);
	if (hash != want)
		goto out; /* a commit the file missed: the caller dumps */
	if ((rc = apply_deltas(out, src, srcn, recs, lens, nrec)))
		goto out;
	/* The file must be what its name says. */
	rc = applied_hash(out) == want ? 0 : -EINVAL;
	if (!rc && lg) {
		lg->valid = true;
		lg->hash = hash;
		lg->end = end;
		lg->base_bytes = base_bytes;
		lg->delta_bytes = end - 16 - base_bytes;
	}
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (rc)
		for (int i = 0; i < NS__COUNT; i++)
			out->s[i].n = 0;
	return rc;
}

int applied_load(const char *dir, uint64_t want, struct nset_all *out)
{
	return applied_load_log(dir, want, out, NULL);
}

/* ---- writing ---- */

int applied_save(const char *dir, const struct nset_all *a, uint64_t hash)
{
	uint32_t fh[4] = { MAGIC, VERSION, 0, 0 };
	struct rec_hdr r = { .magic = RMAGIC, .type = REC_BASE, .hash = hash };
	struct fileio_tmp t;
	int dfd, rc;

	for (int i = 0; i < NS__COUNT; i++)
		r.len += 8 + a->s[i].n * a->s[i].w;
	r.check = rec_check(&r, NULL, 0);
	dfd = fileio_dir_open(dir, 0);
	if (dfd < 0)
		return dfd;
	rc = fileio_tmp_open(&t, dfd, APPLIED_FILE, 0600);
	if (!rc)
		rc = fileio_tmp_write(&t, fh, sizeof(fh));
	if (!rc)
		rc = fileio_tmp_write(&t, &r, sizeof(r));
	for (int i = 0; i < NS__COUNT && !rc; i++) {
		uint64_t n = a->s[i].n;

		rc = fileio_tmp_write(&t, &n, sizeof(n));
		if (!rc && n)
			rc = fileio_tmp_write(&t, a->s[i].v, a->s[i].w * n);
	}
	if (rc)
		fileio_tmp_abort(&t);
	else
		rc = fileio_tmp_commit(&t, 0);
	close(dfd);
	return rc;
}

static bool same_vec(const struct nset_vec *a, const struct nset_vec *b)
{
	return (a->v == b->v && a->n == b->n) ||
	       (a->n == b->n && (a->n == 0 || !memcmp(a->v, b->v, a->n * a->w)));
}

int applied_append(const char *dir, const struct applied_log *lg,
		   const struct nset_all *before, const struct nset_all *after,
		   uint64_t hash)
{
	struct nset_all del, add;
	int rc = 0;

	if (!lg || !lg->valid)
		return applied_save(dir, after, hash);
	nset_all_init(&del);
	nset_all_init(&add);
	for (int i = 0; i < NS__COUNT && !rc; i++)
		if (!same_vec(&before->s[i], &after->s[i]))
			rc = nset_diff(&after->s[i], &before->s[i], &del.s[i],
				       &add.s[i]);
	if (!rc)
		rc = applied_append_diff(dir, lg, after, &del, &add, hash);
	nset_all_free(&del);
	nset_all_free(&add);
	return rc;
}

int applied_append_diff(const char *dir, const struct applied_log *lg,
			const struct nset_all *after, const struct nset_all *del,
			const struct nset_all *add, uint64_t hash)
{
	uint64_t len = 0;
	struct rec_hdr r = { .magic = RMAGIC, .type = REC_DELTA, .hash = hash };
	uint8_t *buf = NULL;
	size_t off = sizeof(r);
	int dfd = -1, fd = -1, rc;

	if (!lg || !lg->valid)
		return applied_save(dir, after, hash);
	for (int i = 0; i < NS__COUNT; i++)
		len += 16 + (del->s[i].n + add->s[i].n) * after->s[i].w;
	/* Deltas outgrew the base: compact into a new one. */
	if (lg->delta_bytes + sizeof(r) + len > lg->base_bytes / 8 + 4096)
		return applied_save(dir, after, hash);
	/* The record header, then its payload: one write. */
	buf = malloc(sizeof(r) + len);
	if (!buf)
		return -ENOMEM;
	for (int i = 0; i < NS__COUNT; i++) {
		uint64_t nd = del->s[i].n, na = add->s[i].n;
		unsigned w = after->s[i].w;

		memcpy(buf + off, &nd, 8);
		memcpy(buf + off + 8, &na, 8);
		off += 16;
		if (nd)
			memcpy(buf + off, del->s[i].v, nd * w);
		off += nd * w;
		if (na)
			memcpy(buf + off, add->s[i].v, na * w);
		off += na * w;
	}
	r.len = len;
	r.check = rec_check(&r, buf + sizeof(r), len);
	memcpy(buf, &r, sizeof(r));
	if ((dfd = fileio_dir_open(dir, 0)) < 0) {
		rc = dfd;
		goto out;
	}
	if ((fd = fileio_open(dfd, APPLIED_FILE, O_WRONLY, 0)) < 0) {
		rc = fd;
		goto out;
	}
	/* Written at the log's end, whatever a torn append left after it. */
	rc = fileio_pwrite(fd, buf, sizeof(r) + len, (off_t)lg->end);
	if (!rc && ftruncate(fd, (off_t)(lg->end + sizeof(r) + len)) < 0)
		rc = -errno;
	/*
	 * Written out now, not waited for: the record is not what keeps the
	 * file honest. Whatever part of it a power cut loses, the kernel's
	 * table is lost with it (the next load starts from an empty table and
	 * writes a new base), and while the kernel runs, a file that lost a
	 * write is either torn (its check fails, the tail is cut) or behind
	 * (its content hash differs from the kernel's): both mean a dump.
	 * The wait was 0.7-7 ms of a one-address change.
	 */
	if (!rc)
		(void)sync_file_range(fd, (off64_t)lg->end, (off64_t)(sizeof(r) + len),
				      SYNC_FILE_RANGE_WRITE);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(buf);
	return rc;
}

void applied_forget(const char *dir)
{
	int dfd = fileio_dir_open(dir, 0), rc;

	if (dfd < 0)
		return;
	/* No fsync: a file that comes back after a crash fails its hash check. */
	rc = fileio_unlink(dfd, APPLIED_FILE, FILEIO_NOSYNC);
	(void)rc; /* best effort: a file left behind only costs a dump */
	close(dfd);
}
