/* SPDX-License-Identifier: MIT */
/*
 * applied.bin, version 3: a log, and a table of shard hashes.
 *
 *   file header  u32 magic "CDAP", u32 version 3, u64 0
 *   record       u32 "RCD3", u32 type (1 base, 2 delta), u64 payload
 *                length, u64 content hash after it, u64 check
 *   base         the shard table (APPLIED_TAB u64), then per set in
 *                nset_defs order: u64 n, n records
 *   delta        per set: u64 deletions, u64 additions, those records;
 *                then u64 k and k pairs (u64 shard, u64 its new hash)
 *
 * Records of a set are nset_vec records (sorted, memcmp order), split
 * into APPLIED_SHARDS shards by key prefix, so a shard is a contiguous
 * run. The content hash is a hash of the table of every shard's hash:
 * a one-address change compares the lists' shard hashes with the
 * table and reads, merges and checks only the shard that differs.
 *
 * A delta's check covers its header and payload, so a torn append fails
 * it; the base's check covers its header only: the base is only ever
 * written whole (temp file, fsync, rename). The table the log adds up to
 * must hash to the kernel's content hash, and every shard that is read
 * must hash to its entry, so no byte is used unchecked. Host byte order:
 * the file never leaves the host that wrote it. Every access goes
 * through common/fileio (the state directory by fd, no link followed).
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
#define RMAGIC 0x33444352u /* "RCD3" */
#define VERSION 3u
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

/* Four lanes: no multiply waits for the one before it. */
static uint64_t hash_bytes(uint64_t seed, const uint8_t *p, size_t len)
{
	uint64_t l[4] = { seed, seed ^ 1, seed ^ 2, seed ^ 3 }, h;
	size_t k = 0;

	for (; k + 32 <= len; k += 32) {
		uint64_t w[4];

		memcpy(w, p + k, 32);
		l[0] = mix(l[0], w[0]);
		l[1] = mix(l[1], w[1]);
		l[2] = mix(l[2], w[2]);
		l[3] = mix(l[3], w[3]);
	}
	h = mix(mix(mix(mix(l[0], l[1]), l[2]), l[3]), len);
	for (; k < len; k++)
		h = mix(h, p[k]);
	return h;
}

/*
 * The shard of a record: its first byte for IPv4; for IPv6 the 8192
 * /16s of 2000::/3 (global unicast) in 32s, everything below in the
 * first shard and above in the last. Never decreasing in memcmp order.
 */
static unsigned shard_of(const uint8_t *rec, unsigned klen)
{
	unsigned v;

	if (klen == 4)
		return rec[0];
	v = (unsigned)rec[0] << 8 | rec[1];
	if (v < 0x2000)
		return 0;
	if (v > 0x3fff)
		return APPLIED_SHARDS - 1;
	return (v - 0x2000) >> 5;
}

/* Index of the first of n records (width w) in shard s or above. */
static size_t shard_lo(const uint8_t *v, size_t n, unsigned w, unsigned klen,
		       unsigned s)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (shard_of(v + mid * w, klen) < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void applied_shard_span(const struct nset_vec *v, enum nset_id id, unsigned s,
			size_t *lo, size_t *hi)
{
	unsigned klen = nset_klen(id);

	*lo = shard_lo(v->v, v->n, v->w, klen, s);
	*hi = s + 1 == APPLIED_SHARDS ? v->n :
	      *lo + shard_lo(v->v + *lo * v->w, v->n - *lo, v->w, klen, s + 1);
}

static uint64_t shard_hash(size_t idx, const uint8_t *p, size_t n, unsigned w)
{
	return hash_bytes(mix(0x636f72646f6e2121ull, idx), p, n * w);
}

static uint64_t tab_hash(const uint64_t *tab)
{
	uint64_t h = 0x7368617264732121ull;

	for (size_t k = 0; k < APPLIED_TAB; k++)
		h = mix(h, tab[k]);
	return h ? h : 1;
}

uint64_t applied_hash_tab(const struct nset_all *a, uint64_t *tab)
{
	uint64_t own[APPLIED_TAB];

	if (!tab)
		tab = own;
	for (int i = 0; i < NS__COUNT; i++) {
		const struct nset_vec *v = &a->s[i];
		unsigned klen = nset_klen(i);
		size_t lo = 0, hi;

		for (unsigned s = 0; s < APPLIED_SHARDS; s++, lo = hi) {
			hi = s + 1 == APPLIED_SHARDS ? v->n :
			     lo + shard_lo(v->v + lo * v->w, v->n - lo, v->w, klen, s + 1);
			tab[i * APPLIED_SHARDS + s] =
				shard_hash(i * APPLIED_SHARDS + s, v->v + lo * v->w,
					   hi - lo, v->w);
		}
	}
	return tab_hash(tab);
}

uint64_t applied_hash(const struct nset_all *a)
{
	return applied_hash_tab(a, NULL);
}

static uint64_t rec_check(const struct rec_hdr *r, const uint8_t *payload,
			  size_t plen)
{
	uint64_t h = mix(mix(mix(0x6170706c69656421ull, r->type), r->len), r->hash);

	return hash_bytes(h, payload, plen);
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

/* The base record at p (len bytes): its table, where each set's records are. */
static int parse_base(const uint8_t *p, uint64_t len, const struct nset_all *shape,
		      uint64_t *tab, const uint8_t *src[NS__COUNT],
		      uint64_t srcn[NS__COUNT])
{
	uint64_t off = APPLIED_TAB * 8, n;

	if (len < off)
		return -EINVAL;
	memcpy(tab, p, off);
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

/* One delta record: each set's deletions and additions, its shard pairs. */
struct delta {
	const uint8_t *del[NS__COUNT], *add[NS__COUNT], *sh;
	uint64_t ndel[NS__COUNT], nadd[NS__COUNT], nsh;
};

static int delta_parse(const uint8_t *p, uint64_t len, const struct nset_all *shape,
		       struct delta *d)
{
	uint64_t off = 0;

	for (int i = 0; i < NS__COUNT; i++) {
		uint64_t w = shape->s[i].w;

		if (len - off < 16)
			return -EINVAL;
		memcpy(&d->ndel[i], p + off, 8);
		memcpy(&d->nadd[i], p + off + 8, 8);
		off += 16;
		if (d->ndel[i] > MAX_RECORDS || d->nadd[i] > MAX_RECORDS ||
		    (d->ndel[i] + d->nadd[i]) * w > len - off)
			return -EINVAL;
		d->del[i] = p + off;
		d->add[i] = p + off + d->ndel[i] * w;
		off += (d->ndel[i] + d->nadd[i]) * w;
	}
	if (len - off < 8)
		return -EINVAL;
	memcpy(&d->nsh, p + off, 8);
	off += 8;
	if (d->nsh > APPLIED_TAB || d->nsh * 16 != len - off)
		return -EINVAL;
	d->sh = p + off;
	return 0;
}

/* Cut a torn tail, if we may write the file (best effort; unsynced too). */
static void cut_tail(int dfd, uint64_t end)
{
	int fd = fileio_open(dfd, APPLIED_FILE, O_WRONLY, 0), rc;

	if (fd < 0)
		return;
	rc = ftruncate(fd, (off_t)end);
	(void)rc; /* the next append writes at end all the same */
	close(fd);
}

static int vec_append(struct nset_vec *v, const uint8_t *src, size_t n)
{
	if (v->n + n > v->cap) {
		size_t cap = v->n + n + (v->n + n) / 2;
		uint8_t *nv = realloc(v->v, cap * v->w);

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	if (n)
		memcpy(v->v + v->n * v->w, src, n * v->w);
	v->n += n;
	return 0;
}

/* The whole file, mapped and walked: the base, the good deltas, the table. */
struct logmap {
	uint8_t *map;
	size_t size;
	int dfd, fd;
	const uint8_t *src[NS__COUNT];
	uint64_t srcn[NS__COUNT];
	const uint8_t *recs[MAX_DELTAS];
	uint64_t lens[MAX_DELTAS];
	size_t nrec;
	uint64_t hash, end, base_bytes;
	uint64_t tab[APPLIED_TAB]; /* after the last good delta */
};

static void logmap_close(struct logmap *m)
{
	if (m->map != MAP_FAILED && m->map)
		munmap(m->map, m->size);
	if (m->fd >= 0)
		close(m->fd);
	if (m->dfd >= 0)
		close(m->dfd);
}

/*
 * Map DIR/applied.bin and walk its records; a torn tail is cut. 0 when
 * its last good record claims content hash want and its table adds up
 * to it; -ENOENT or -EINVAL else. populate: the whole file will be read.
 */
static int logmap_open(struct logmap *m, const char *dir, uint64_t want,
		       const struct nset_all *shape, bool populate)
{
	struct rec_hdr r;
	uint32_t fh[2];
	struct stat st;
	uint64_t off;

	memset(m, 0, sizeof(*m));
	m->map = MAP_FAILED;
	m->fd = -1;
	if (!want)
		return -ENOENT;
	if ((m->dfd = fileio_dir_open(dir, 0)) < 0 ||
	    (m->fd = fileio_open(m->dfd, APPLIED_FILE, O_RDONLY, 0)) < 0)
		return -ENOENT;
	if (fstat(m->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < 16 + sizeof(r))
		return -EINVAL;
	m->size = (size_t)st.st_size;
	m->map = mmap(NULL, m->size, PROT_READ,
		      MAP_PRIVATE | (populate ? MAP_POPULATE : 0), m->fd, 0);
	if (m->map == MAP_FAILED)
		return -EINVAL;
	memcpy(fh, m->map, sizeof(fh));
	if (fh[0] != MAGIC || fh[1] != VERSION)
		return -EINVAL;
	for (off = 16; m->size - off >= sizeof(r);) {
		const uint8_t *p = m->map + off + sizeof(r);

		memcpy(&r, m->map + off, sizeof(r));
		if (r.magic != RMAGIC || r.len > m->size - off - sizeof(r))
			break;
		if (off == 16) {
			/* The base: header checked here, content by the hashes. */
			if (r.type != REC_BASE || r.check != rec_check(&r, NULL, 0) ||
			    parse_base(p, r.len, shape, m->tab, m->src, m->srcn))
				return -EINVAL;
			m->base_bytes = sizeof(r) + r.len;
		} else {
			struct delta d;

			if (r.type != REC_DELTA || r.check != rec_check(&r, p, r.len) ||
			    delta_parse(p, r.len, shape, &d))
				break;
			if (m->nrec == MAX_DELTAS)
				break; /* the next append writes a new base */
			for (uint64_t k = 0; k < d.nsh; k++) {
				uint64_t pair[2];

				memcpy(pair, d.sh + k * 16, 16);
				if (pair[0] >= APPLIED_TAB)
					return -EINVAL;
				m->tab[pair[0]] = pair[1];
			}
			m->recs[m->nrec] = p;
			m->lens[m->nrec++] = r.len;
		}
		m->hash = r.hash;
		off += sizeof(r) + r.len;
		m->end = off;
	}
	if (!m->end)
		return -EINVAL;
	if (m->end != m->size)
		cut_tail(m->dfd, m->end);
	if (m->hash != want)
		return -EINVAL; /* a commit the file missed: the caller dumps */
	return tab_hash(m->tab) == want ? 0 : -EINVAL;
}

static void log_fill(struct applied_log *lg, const struct logmap *m)
{
	lg->valid = true;
	lg->hash = m->hash;
	lg->end = m->end;
	lg->base_bytes = m->base_bytes;
	lg->delta_bytes = m->end - 16 - m->base_bytes;
	memcpy(lg->tab, m->tab, sizeof(lg->tab));
}

/*
 * Set i's operations from every delta, the ones in shards [s0, s1) only,
 * into *ops (allocated). Deletions before additions within one delta.
 */
static int collect_ops(const struct logmap *m, const struct nset_all *shape,
		       int i, unsigned s0, unsigned s1, struct op **ops,
		       size_t *nops)
{
	unsigned w = shape->s[i].w, klen = nset_klen(i);
	size_t n = 0, k = 0;
	struct delta d;

	*ops = NULL;
	*nops = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t r = 0; r < m->nrec; r++) {
			const uint8_t *part[2];
			uint64_t cnt[2];

			(void)delta_parse(m->recs[r], m->lens[r], shape, &d);
			part[0] = d.del[i];
			part[1] = d.add[i];
			cnt[0] = d.ndel[i];
			cnt[1] = d.nadd[i];
			for (int a = 0; a < 2; a++) {
				size_t lo = shard_lo(part[a], cnt[a], w, klen, s0);
				size_t hi = s1 >= APPLIED_SHARDS ? cnt[a] :
					    shard_lo(part[a], cnt[a], w, klen, s1);

				if (!pass) {
					n += hi - lo;
					continue;
				}
				for (size_t e = lo; e < hi; e++)
					(*ops)[k++] = (struct op){ part[a] + e * w,
								   (uint32_t)(2 * r + a), a };
			}
		}
		if (!pass) {
			if (!n)
				return 0;
			*ops = malloc(n * sizeof(**ops));
			if (!*ops)
				return -ENOMEM;
		}
	}
	*nops = n;
	return 0;
}

int applied_load_log(const char *dir, uint64_t want, struct nset_all *out,
		     struct applied_log *lg)
{
	struct logmap *m = malloc(sizeof(*m));
	uint64_t *tab = malloc(APPLIED_TAB * sizeof(*tab));
	int rc = -ENOMEM;

	if (lg)
		memset(lg, 0, sizeof(*lg));
	if (!m || !tab)
		goto out;
	rc = logmap_open(m, dir, want, out, true);
	for (int i = 0; i < NS__COUNT && !rc; i++) {
		struct op *ops;
		size_t nops;

		rc = collect_ops(m, out, i, 0, APPLIED_SHARDS, &ops, &nops);
		if (rc)
			break;
		if (nops)
			rc = apply_ops(&out->s[i], m->src[i], m->srcn[i], ops, nops);
		else
			rc = vec_fill(&out->s[i], m->src[i], m->srcn[i]);
		free(ops);
	}
	/* The file must be what its name says, table and records alike. */
	if (!rc && (applied_hash_tab(out, tab) != want ||
		    memcmp(tab, m->tab, APPLIED_TAB * sizeof(*tab))))
		rc = -EINVAL;
	if (!rc && lg)
		log_fill(lg, m);
out:
	if (m)
		logmap_close(m);
	free(m);
	free(tab);
	if (rc)
		for (int i = 0; i < NS__COUNT; i++)
			out->s[i].n = 0;
	return rc;
}

int applied_load(const char *dir, uint64_t want, struct nset_all *out)
{
	return applied_load_log(dir, want, out, NULL);
}

int applied_load_shards(const char *dir, uint64_t want,
			const uint64_t *want_tab, struct nset_all *out,
			struct applied_log *lg)
{
	struct logmap *m = malloc(sizeof(*m));
	struct nset_vec sh = { 0 };
	int rc = -ENOMEM;

	memset(lg, 0, sizeof(*lg));
	for (int i = 0; i < NS__COUNT; i++)
		out->s[i].n = 0;
	if (!m)
		goto out;
	rc = logmap_open(m, dir, want, out, false);
	for (int i = 0; i < NS__COUNT && !rc; i++) {
		unsigned w = out->s[i].w, klen = nset_klen(i);

		sh.w = w;
		for (unsigned s = 0; s < APPLIED_SHARDS && !rc; s++) {
			size_t idx = (size_t)i * APPLIED_SHARDS + s, lo, hi, nops;
			struct op *ops;

			if (want_tab[idx] == m->tab[idx])
				continue; /* the kernel's shard is the lists' */
			lo = shard_lo(m->src[i], m->srcn[i], w, klen, s);
			hi = s + 1 == APPLIED_SHARDS ? m->srcn[i] :
			     shard_lo(m->src[i], m->srcn[i], w, klen, s + 1);
			rc = collect_ops(m, out, i, s, s + 1, &ops, &nops);
			if (rc)
				break;
			if (nops)
				rc = apply_ops(&sh, m->src[i] + lo * w, hi - lo, ops, nops);
			else
				rc = vec_fill(&sh, m->src[i] + lo * w, hi - lo);
			free(ops);
			/* Every shard used must be what the table says. */
			if (!rc && shard_hash(idx, sh.v, sh.n, w) != m->tab[idx])
				rc = -EINVAL;
			if (!rc)
				rc = vec_append(&out->s[i], sh.v, sh.n);
		}
	}
	if (!rc)
		log_fill(lg, m);
out:
	if (m)
		logmap_close(m);
	free(m);
	free(sh.v);
	if (rc)
		for (int i = 0; i < NS__COUNT; i++)
			out->s[i].n = 0;
	return rc;
}

/* ---- writing ---- */

static int save_tab(const char *dir, const struct nset_all *a, uint64_t hash,
		    const uint64_t *tab)
{
	uint32_t fh[4] = { MAGIC, VERSION, 0, 0 };
	struct rec_hdr r = { .magic = RMAGIC, .type = REC_BASE, .hash = hash };
	struct fileio_tmp t;
	int dfd, rc;

	r.len = APPLIED_TAB * 8;
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
	if (!rc)
		rc = fileio_tmp_write(&t, tab, APPLIED_TAB * 8);
	for (int i = 0; i < NS__COUNT && !rc; i++) {
		uint64_t n = a->s[i].n;

		rc = fileio_tmp_write(&t, &n, sizeof(n));
		if (!rc && n)
			rc = fileio_tmp_write(&t, a->s[i].v, a->s[i].w * n);
	}
	/* Renamed into place unsynced, like an append (applied_append_diff). */
	if (rc)
		fileio_tmp_abort(&t);
	else
		rc = fileio_tmp_commit(&t, FILEIO_NOSYNC);
	close(dfd);
	return rc;
}

int applied_save(const char *dir, const struct nset_all *a, uint64_t hash)
{
	uint64_t *tab = malloc(APPLIED_TAB * sizeof(*tab));
	int rc = -ENOMEM;

	if (tab) {
		/* The hash a file claims is the hash of what it holds. */
		rc = applied_hash_tab(a, tab) == hash ? save_tab(dir, a, hash, tab) :
							 -EINVAL;
		free(tab);
	}
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
	if (!rc) {
		uint64_t *tab = malloc(APPLIED_TAB * sizeof(*tab));

		rc = -ENOMEM;
		if (tab && applied_hash_tab(after, tab) == hash)
			rc = applied_append_diff(dir, lg, after, &del, &add, hash, tab);
		else if (tab)
			rc = -EINVAL;
		free(tab);
	}
	nset_all_free(&del);
	nset_all_free(&add);
	return rc;
}

int applied_append_diff(const char *dir, const struct applied_log *lg,
			const struct nset_all *after, const struct nset_all *del,
			const struct nset_all *add, uint64_t hash,
			const uint64_t *after_tab)
{
	uint64_t len = 0, nsh = 0;
	struct rec_hdr r = { .magic = RMAGIC, .type = REC_DELTA, .hash = hash };
	uint8_t *buf = NULL;
	size_t off = sizeof(r);
	int dfd = -1, fd = -1, rc;

	if (!lg || !lg->valid)
		return save_tab(dir, after, hash, after_tab);
	for (int i = 0; i < NS__COUNT; i++)
		len += 16 + (del->s[i].n + add->s[i].n) * after->s[i].w;
	for (size_t k = 0; k < APPLIED_TAB; k++)
		nsh += after_tab[k] != lg->tab[k];
	len += 8 + nsh * 16;
	/* Deltas outgrew the base: compact into a new one. */
	if (lg->delta_bytes + sizeof(r) + len > lg->base_bytes / 8 + 4096)
		return save_tab(dir, after, hash, after_tab);
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
	memcpy(buf + off, &nsh, 8);
	off += 8;
	for (uint64_t k = 0; k < APPLIED_TAB; k++) {
		uint64_t pair[2] = { k, after_tab[k] };

		if (after_tab[k] == lg->tab[k])
			continue;
		memcpy(buf + off, pair, 16);
		off += 16;
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
	 * Written out now, not waited for: it is not the fsync that keeps the
	 * file honest. A power cut takes the kernel's table with it (the next
	 * load starts from an empty table and writes a new base, whatever
	 * the file kept), and while the kernel runs, a file that lost a
	 * write is torn (its check fails, the tail is cut) or behind or
	 * mixed (the table no longer hashes to the kernel's content hash,
	 * or a shard read no longer to its entry): each means a dump. The
	 * wait was 0.7-7 ms of a one-address change.
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
