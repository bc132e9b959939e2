/* SPDX-License-Identifier: MIT */
/*
 * cordon's sets and their contents. Hosts (/32, /128) live in hash sets,
 * prefixes in interval sets: the kernel's interval-set cost grows with
 * the set's size, so host entries never go there.
 *
 * A set's content is a sorted vector of fixed-size records in network
 * byte order, so memcmp() is numeric order: the key itself for a hash
 * set, lo followed by hi (inclusive) for an interval set. The delta
 * against the kernel is a merge walk over two such vectors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter/nf_tables.h>

#include "nft.h"
#include "pfxlist.h"

const struct nset_def nset_defs[NS__COUNT] = {
	[NS_THREAT4] = { "threat4", AF_INET, false },
	[NS_THREAT6] = { "threat6", AF_INET6, false },
	[NS_THREAT4N] = { "threat4n", AF_INET, true },
	[NS_THREAT6N] = { "threat6n", AF_INET6, true },
	[NS_TRUST4] = { "trusted4", AF_INET, false },
	[NS_TRUST6] = { "trusted6", AF_INET6, false },
	[NS_TRUST4N] = { "trusted4n", AF_INET, true },
	[NS_TRUST6N] = { "trusted6n", AF_INET6, true },
	[NS_ALLOW4N] = { "allow4", AF_INET, true },
	[NS_ALLOW6N] = { "allow6", AF_INET6, true },
	[NS_LALLOW4N] = { "lockdown_allow4", AF_INET, true },
	[NS_LALLOW6N] = { "lockdown_allow6", AF_INET6, true },
	[NS_SAFE4N] = { "safe4", AF_INET, true },
	[NS_SAFE6N] = { "safe6", AF_INET6, true },
};

void nset_all_init(struct nset_all *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < NS__COUNT; i++)
		a->s[i].w = nset_klen(i) * (nset_defs[i].interval ? 2 : 1);
}

void nset_all_free(struct nset_all *a)
{
	if (!a)
		return;
	for (int i = 0; i < NS__COUNT; i++)
		free(a->s[i].v);
	nset_all_init(a);
}

/*
 * One record copied or compared: constant sizes let the compiler inline
 * what would be a libc call per record (millions of them in a sort).
 */
static inline void rec_copy(uint8_t *d, const uint8_t *s, unsigned w)
{
	switch (w) {
	case 4: memcpy(d, s, 4); break;
	case 8: memcpy(d, s, 8); break;
	case 16: memcpy(d, s, 16); break;
	case 32: memcpy(d, s, 32); break;
	default: memcpy(d, s, w); break;
	}
}

/* memcmp() order (network byte order keys), without the call for 4 and 16. */
static inline int rec_cmp(const uint8_t *a, const uint8_t *b, unsigned w)
{
	if (w == 4) {
		uint32_t x, y;

		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		x = __builtin_bswap32(x);
		y = __builtin_bswap32(y);
		return (x > y) - (x < y);
	}
	if (w == 16) {
		uint64_t x[2], y[2];

		memcpy(x, a, 16);
		memcpy(y, b, 16);
		for (int k = 0; k < 2; k++) {
			uint64_t p = __builtin_bswap64(x[k]), q = __builtin_bswap64(y[k]);

			if (p != q)
				return p < q ? -1 : 1;
		}
		return 0;
	}
	return memcmp(a, b, w);
}

int nset_vec_push(struct nset_vec *v, const uint8_t *rec)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap + v->cap / 2 : 1024;
		uint8_t *nv = realloc(v->v, cap * v->w);

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	rec_copy(v->v + v->n * v->w, rec, v->w);
	v->n++;
	return 0;
}

/*
 * LSD radix sort of n records of w bytes into memcmp() order: a million
 * keys sort in a few passes instead of twenty million comparisons.
 */
static int radix_sort(uint8_t *v, size_t n, unsigned w)
{
	uint8_t *tmp = malloc(n * w), *src = v, *dst;
	size_t cnt[257];

	if (!tmp)
		return -ENOMEM;
	dst = tmp;
	for (unsigned byte = w; byte-- > 0;) {
		bool one_bucket = false;

		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < n; i++)
			cnt[src[i * w + byte] + 1]++;
		for (int d = 1; d <= 256; d++)
			one_bucket |= cnt[d] == n;
		if (one_bucket)
			continue; /* this byte is the same everywhere */
		for (int d = 1; d <= 256; d++)
			cnt[d] += cnt[d - 1];
		for (size_t i = 0; i < n; i++)
			rec_copy(dst + cnt[src[i * w + byte]]++ * w, src + i * w, w);
		dst = src;
		src = src == v ? tmp : v;
	}
	if (src != v)
		memcpy(v, src, n * w);
	free(tmp);
	return 0;
}

static void to_addr(struct cd_addr *a, const uint8_t *b, unsigned klen)
{
	memset(a, 0, sizeof(*a));
	a->af = klen == 4 ? AF_INET : AF_INET6;
	memcpy(a->u.b, b, klen);
}

int nset_vec_normalize(struct nset_vec *v, bool interval, unsigned klen)
{
	size_t out = 0;

	if (v->n == 0)
		return 0;
	if (interval) {
		struct pfx_range *r = malloc(v->n * sizeof(*r));

		if (!r)
			return -ENOMEM;
		for (size_t i = 0; i < v->n; i++) {
			to_addr(&r[i].lo, v->v + i * v->w, klen);
			to_addr(&r[i].hi, v->v + i * v->w + klen, klen);
		}
		v->n = pfxlist_merge(r, v->n);
		for (size_t i = 0; i < v->n; i++) {
			memcpy(v->v + i * v->w, r[i].lo.u.b, klen);
			memcpy(v->v + i * v->w + klen, r[i].hi.u.b, klen);
		}
		free(r);
		return 0;
	}
	if (radix_sort(v->v, v->n, v->w))
		return -ENOMEM;
	for (size_t i = 1; i < v->n; i++)
		if (rec_cmp(v->v + out * v->w, v->v + i * v->w, v->w))
			rec_copy(v->v + ++out * v->w, v->v + i * v->w, v->w);
	v->n = out + 1;
	return 0;
}

void nset_drop_covered(struct nset_vec *hosts, const struct nset_vec *nets,
		       unsigned klen)
{
	size_t out = 0, j = 0;

	if (!nets->n)
		return;
	/* Both sorted: one forward walk. */
	for (size_t i = 0; i < hosts->n; i++) {
		const uint8_t *h = hosts->v + i * hosts->w;
		bool covered = false;

		while (j < nets->n &&
		       rec_cmp(nets->v + j * nets->w + klen, h, klen) < 0)
			j++;
		if (j < nets->n && rec_cmp(nets->v + j * nets->w, h, klen) <= 0)
			covered = true;
		if (!covered) {
			if (out != i)
				rec_copy(hosts->v + out * hosts->w, h, hosts->w);
			out++;
		}
	}
	hosts->n = out;
}

int nset_add_prefix(struct nset_all *a, enum nset_id host4, enum nset_id net4,
		    const struct cd_prefix *p)
{
	bool v6 = p->a.af == AF_INET6;
	enum nset_id id;
	uint8_t rec[32];
	struct cd_addr last;

	if (prefix_is_host(p)) {
		id = v6 ? host4 + 1 : host4;
		return nset_vec_push(&a->s[id], p->a.u.b);
	}
	id = v6 ? net4 + 1 : net4;
	prefix_last(p, &last);
	memcpy(rec, p->a.u.b, nset_klen(id));
	memcpy(rec + nset_klen(id), last.u.b, nset_klen(id));
	return nset_vec_push(&a->s[id], rec);
}

static unsigned kelem_klen;

static int kelem_cmp(const void *x, const void *y)
{
	const struct nset_kelem *a = x, *b = y;
	int c = memcmp(a->key, b->key, kelem_klen);

	return c ? c : (int)b->end - (int)a->end; /* an end before a start */
}

int nset_from_elems(struct nset_vec *out, struct nset_kelem *e, size_t n,
		    unsigned klen)
{
	uint8_t rec[32];

	if (n == 0)
		return 0;
	kelem_klen = klen;
	qsort(e, n, sizeof(*e), kelem_cmp);
	for (size_t i = 0; i < n; i++) {
		if (e[i].end)
			continue; /* stray end: not one of ours */
		memcpy(rec, e[i].key, klen);
		if (i + 1 < n && e[i + 1].end) {
			/* The end element is exclusive: hi = end - 1. */
			memcpy(rec + klen, e[i + 1].key, klen);
			for (unsigned k = klen; k-- > 0;)
				if (rec[klen + k]--)
					break;
			i++;
		} else {
			memset(rec + klen, 0xff, klen);
		}
		if (nset_vec_push(out, rec))
			return -ENOMEM;
	}
	return 0;
}

static void emit(struct nft_batch *b, uint16_t type, enum nset_id id,
		 const uint8_t *rec, size_t *count)
{
	const char *name = nset_defs[id].name;
	unsigned klen = nset_klen(id);
	uint8_t end[16];

	if (!nset_defs[id].interval) {
		nft_batch_elem(b, type, name, rec, klen, 0);
		(*count)++;
		return;
	}
	nft_batch_elem(b, type, name, rec, klen, 0);
	memcpy(end, rec + klen, klen);
	/* An interval that reaches the top of the space has no end element. */
	if (!pfxlist_inc(end, klen))
		nft_batch_elem(b, type, name, end, klen, NFT_SET_ELEM_INTERVAL_END);
	(*count)++;
}

uint32_t nset_size_for(size_t n, uint32_t cur)
{
	uint64_t need = (uint64_t)n + n / 2, size = NSET_SIZE_MIN;

	/* Hysteresis: a set is created again only to grow or to shrink 16x. */
	if (cur && n <= cur && (uint64_t)n * 16 >= cur)
		return cur;
	if (need > NSET_SIZE_MAX)
		return 0;
	/* 3 * 2^k: the kernel's buckets, 4/3 of it, are then a power of two. */
	while (size < need)
		size *= 2;
	return (uint32_t)size;
}

int nset_diff(const struct nset_vec *want, const struct nset_vec *have,
	      struct nset_vec *del, struct nset_vec *add)
{
	size_t i = 0, j = 0, w = want->w;

	if (want->n == have->n &&
	    (want->n == 0 || !memcmp(want->v, have->v, want->n * w)))
		return 0;
	while (i < want->n || j < have->n) {
		int c;

		if (i == want->n)
			c = 1;
		else if (j == have->n)
			c = -1;
		else
			c = rec_cmp(want->v + i * w, have->v + j * w, (unsigned)w);
		if (c == 0) {
			i++;
			j++;
			/* Equal runs are the rule in a small delta: skip them whole,
			 * 1024 records at a time, then 64. */
			for (size_t run = 1024; run >= 64; run /= 16)
				while (i + run <= want->n && j + run <= have->n &&
				       !memcmp(want->v + i * w, have->v + j * w, run * w)) {
					i += run;
					j += run;
				}
		} else if (c < 0) {
			if (nset_vec_push(add, want->v + i++ * w))
				return -ENOMEM;
		} else {
			if (nset_vec_push(del, have->v + j++ * w))
				return -ENOMEM;
		}
	}
	return 0;
}

void nset_emit(struct nft_batch *b, enum nset_id id, const struct nset_vec *v,
	       bool del, size_t *count)
{
	uint16_t type = del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM;

	for (size_t i = 0; i < v->n; i++)
		emit(b, type, id, v->v + i * v->w, count);
	nft_batch_elems_end(b);
}

void nset_load(struct nft_batch *b, enum nset_id id,
	       const struct nset_vec *want, size_t *count)
{
	for (size_t i = 0; i < want->n; i++)
		emit(b, NFT_MSG_NEWSETELEM, id, want->v + i * want->w, count);
	nft_batch_elems_end(b);
}
