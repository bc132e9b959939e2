/* SPDX-License-Identifier: MIT */
/*
 * Building and freeing a threat set. The set is written once here and
 * never again: lookups (tset.c) only read it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tset_impl.h"

/* Table loads: low enough that a miss nearly always ends in the first
 * bucket (IPv4) or cache line (IPv6) it lands in, high enough to keep
 * within the memory budget (docs/internals/tset.md). */
#define LOAD4_PCT 65
#define LOAD6_PCT 65
#define LOADD6_PCT 60
#define MIN_CAP 8
#define HUGE_MIN (2u << 20)
/* Keeps every table size (n / 0.6 at most) within 32 bits. */
#define MAX_ENTRIES (1u << 30)

/*
 * Allocations of 2 MiB and more are 2 MiB aligned and offered to
 * transparent huge pages: a random probe into a multi-megabyte table
 * otherwise pays a TLB miss on top of the cache miss.
 */
static void *big_alloc(struct tset *t, size_t size)
{
	void *p = NULL;

	/* 64: the IPv4 blocks are one cache line each. */
	if (posix_memalign(&p, size >= HUGE_MIN ? HUGE_MIN : 64, size ? size : 1))
		return NULL;
#ifdef MADV_HUGEPAGE
	if (size >= HUGE_MIN)
		(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	t->st.bytes += size;
	return p;
}

static uint32_t cap_for(size_t n, unsigned load_pct)
{
	uint64_t cap = (uint64_t)n * 100 / load_pct + 1;

	return cap < MIN_CAP ? MIN_CAP : (uint32_t)cap;
}

static int tab4_alloc(struct tset *t, struct tset_tab4 *tab, size_t n)
{
	tab->nb = (cap_for(n, LOAD4_PCT) + TSET_BUCKET - 1) / TSET_BUCKET;
	tab->cap = tab->nb * TSET_BUCKET;
	tab->key = big_alloc(t, (size_t)tab->cap * sizeof(*tab->key));
	tab->meta = big_alloc(t, ((size_t)tab->cap + 1) * sizeof(*tab->meta));
	if (!tab->key || !tab->meta)
		return -ENOMEM;
	memset(tab->key, 0xff, (size_t)tab->cap * sizeof(*tab->key));
	return 0;
}

static int tab6_alloc(struct tset *t, struct tset_tab6 *tab, size_t n)
{
	tab->cap = cap_for(n, LOAD6_PCT);
	tab->key = big_alloc(t, (size_t)tab->cap * sizeof(*tab->key));
	tab->meta = big_alloc(t, ((size_t)tab->cap + 1) * sizeof(*tab->meta));
	if (!tab->key || !tab->meta)
		return -ENOMEM;
	memset(tab->key, 0xff, (size_t)tab->cap * sizeof(*tab->key));
	return 0;
}

static void meta_add(struct tset_meta *m, bool fresh, uint32_t src,
		     bool trusted)
{
	if (fresh)
		m->threat = m->trusted = TSET_SRC_NONE;
	/* First entry of each kind wins: entries arrive in list order. */
	if (trusted) {
		if (m->trusted == TSET_SRC_NONE)
			m->trusted = src;
	} else if (m->threat == TSET_SRC_NONE) {
		m->threat = src;
	}
}

static void tab4_add(struct tset_tab4 *tab, uint32_t key, uint32_t src,
		     bool trusted)
{
	uint32_t i = tab->cap, b;
	bool fresh = false;

	if (key == TSET_EMPTY4) {
		fresh = !tab->ones;
		tab->ones = true;
		goto out;
	}
	for (b = tset_home4(tab, key);; b = b + 1 == tab->nb ? 0 : b + 1) {
		uint32_t *k = tab->key + (size_t)b * TSET_BUCKET;

		for (unsigned j = 0; j < TSET_BUCKET; j++) {
			if (k[j] == key || k[j] == TSET_EMPTY4) {
				i = b * TSET_BUCKET + j;
				fresh = k[j] == TSET_EMPTY4;
				k[j] = key;
				goto out;
			}
		}
	}
out:
	tab->n += fresh;
	meta_add(&tab->meta[i], fresh, src, trusted);
}

static void tab6_add(struct tset_tab6 *tab, const struct tset_key6 *key,
		     uint32_t src, bool trusted)
{
	uint32_t i;
	bool fresh = false;

	if (tset_key6_ones(key)) {
		i = tab->cap;
		fresh = !tab->ones;
		tab->ones = true;
	} else {
		struct tset_key6 *k;

		i = tset_slot6(key, tab->cap);
		for (;;) {
			k = &tab->key[i];
			if (tset_key6_ones(k)) {
				*k = *key;
				fresh = true;
				break;
			}
			if (k->hi == key->hi && k->lo == key->lo)
				break;
			if (++i == tab->cap)
				i = 0;
		}
	}
	tab->n += fresh;
	meta_add(&tab->meta[i], fresh, src, trusted);
}

static int check_entry(const struct list *l, const struct list_entry *e,
		       char *err, size_t errlen)
{
	if ((e->pfx.a.af == AF_INET && e->pfx.len <= 32) ||
	    (e->pfx.a.af == AF_INET6 && e->pfx.len <= 128))
		return 0;
	util_err(err, errlen, "%s:%u: bad prefix (family %u, length %u)",
		 l->name ? l->name : "?", e->line, e->pfx.a.af, e->pfx.len);
	return -EINVAL;
}

/* Pass 1: copy the list array, number the entries, size the tables. */
static int count(struct tset *t, struct list *const *lists, size_t nlists,
		 size_t n4[33], size_t n6[129], char *err, size_t errlen)
{
	uint64_t total = 0;
	int ret;

	t->nlists = nlists;
	t->lists = calloc(nlists ? nlists : 1, sizeof(*t->lists));
	t->first = calloc(nlists ? nlists : 1, sizeof(*t->first));
	if (!t->lists || !t->first) {
		util_err(err, errlen, "threat set: out of memory");
		return -ENOMEM;
	}
	t->st.bytes += nlists * (sizeof(*t->lists) + sizeof(*t->first));
	for (size_t i = 0; i < nlists; i++) {
		const struct list *l = lists[i];

		t->lists[i] = lists[i];
		t->first[i] = (uint32_t)total;
		total += l->n;
		if (total > MAX_ENTRIES) {
			util_err(err, errlen, "threat set: more than %u entries",
				 MAX_ENTRIES);
			return -E2BIG;
		}
		for (size_t j = 0; j < l->n; j++) {
			const struct list_entry *e = &l->ent[j];

			ret = check_entry(l, e, err, errlen);
			if (ret)
				return ret;
			if (e->pfx.a.af == AF_INET)
				n4[e->pfx.len]++;
			else
				n6[e->pfx.len]++;
		}
	}
	return 0;
}

#define PREFETCH_AHEAD 16

static void prefetch_slot(const struct tset *t, const struct cd_prefix *p)
{
	const struct tset_tab4 *tab;
	uint32_t k, b;

	if (p->a.af != AF_INET || p->len > 32)
		return;
	tab = &t->t4[p->len];
	k = ntohl(p->a.u.v4) & tset_mask4(p->len);
	b = tset_home4(tab, k);
	__builtin_prefetch(&tab->key[(size_t)b * TSET_BUCKET], 1);
	__builtin_prefetch(&tab->meta[(size_t)b * TSET_BUCKET], 1);
}

/* Pass 2: every entry into the table of its length. */
static void fill(struct tset *t)
{
	for (size_t i = 0; i < t->nlists; i++) {
		const struct list *l = t->lists[i];
		bool trusted = l->kind == LIST_TRUSTED;

		for (size_t j = 0; j < l->n; j++) {
			const struct cd_prefix *p = &l->ent[j].pfx;
			uint32_t src = t->first[i] + (uint32_t)j;

			/* Random inserts miss the cache: ask ahead. */
			if (j + PREFETCH_AHEAD < l->n)
				prefetch_slot(t, &l->ent[j + PREFETCH_AHEAD].pfx);

			if (p->a.af == AF_INET) {
				uint32_t k = ntohl(p->a.u.v4) & tset_mask4(p->len);

				tab4_add(&t->t4[p->len], k, src, trusted);
			} else {
				struct tset_key6 k = tset_key6_from(p->a.u.b);

				k = tset_masked6(&k, p->len);
				tab6_add(&t->t6[p->len], &k, src, trusted);
			}
		}
	}
}

static unsigned entry_code(const struct tset_meta *m)
{
	return m->trusted != TSET_SRC_NONE ? TSET_C_TRUSTED : TSET_C_THREAT;
}

static void blk4_raise(struct tset_blk4 *b, uint32_t i, unsigned code)
{
	unsigned s = (i & 31) * 2;
	uint64_t *w = &b->w[i >> 5];

	if (((*w >> s) & 3) < code)
		*w = (*w & ~(3ull << s)) | (uint64_t)code << s;
}

static void blk4_fill(struct tset_blk4 *b, unsigned code)
{
	for (unsigned i = 0; i < 8; i++)
		b->w[i] = code * 0x5555555555555555ull;
}

/* Visit every key of tab (with its meta), the all-ones one included. */
#define TAB_FOREACH(tab, i, emptyfn)                                          \
	for (uint32_t i = 0; i <= (tab)->cap; i++)                            \
		if (i == (tab)->cap ? (tab)->ones : !emptyfn(&(tab)->key[i]))

static bool empty4(const uint32_t *k)
{
	return *k == TSET_EMPTY4;
}

static uint32_t key4_at(const struct tset_tab4 *tab, uint32_t i)
{
	return i == tab->cap ? TSET_EMPTY4 : tab->key[i];
}

/*
 * dir4 first holds each /16's code from entries of /0../16, plus NEED
 * when an entry of /17../31 lies inside; then the block numbers.
 */
#define NEED 0x80000000u

static int build_dir4(struct tset *t)
{
	uint32_t nblk = 4;

	t->dir4 = big_alloc(t, 65536 * sizeof(*t->dir4));
	if (!t->dir4)
		return -ENOMEM;
	memset(t->dir4, 0, 65536 * sizeof(*t->dir4));
	for (unsigned len = 0; len < 32; len++) {
		const struct tset_tab4 *tab = &t->t4[len];

		TAB_FOREACH(tab, i, empty4) {
			uint32_t key = key4_at(tab, i), lo = key >> 16;

			if (len > 16) {
				t->dir4[lo] |= NEED;
				continue;
			}
			for (uint32_t j = 0; j < 1u << (16 - len); j++)
				if ((t->dir4[lo + j] & 3) < entry_code(&tab->meta[i]))
					t->dir4[lo + j] = (t->dir4[lo + j] & NEED) |
							  entry_code(&tab->meta[i]);
		}
	}
	for (uint32_t j = 0; j < 65536; j++)
		nblk += !!(t->dir4[j] & NEED);
	t->nblk4 = nblk;
	t->blk4 = big_alloc(t, (size_t)nblk * sizeof(*t->blk4));
	if (!t->blk4)
		return -ENOMEM;
	for (unsigned c = 0; c < 4; c++)
		blk4_fill(&t->blk4[c], c);
	nblk = 4;
	for (uint32_t j = 0; j < 65536; j++) {
		if (t->dir4[j] & NEED) {
			blk4_fill(&t->blk4[nblk], t->dir4[j] & 3);
			t->dir4[j] = nblk++;
		}
	}
	for (unsigned len = 17; len < 32; len++) {
		const struct tset_tab4 *tab = &t->t4[len];

		TAB_FOREACH(tab, i, empty4) {
			uint32_t key = key4_at(tab, i);
			struct tset_blk4 *b = &t->blk4[t->dir4[key >> 16]];
			uint32_t first = (key >> 8) & 255;

			if (len > 24) {
				blk4_raise(b, first, TSET_C_DEEP);
				continue;
			}
			for (uint32_t j = 0; j < 1u << (24 - len); j++)
				blk4_raise(b, first + j, entry_code(&tab->meta[i]));
		}
	}
	return 0;
}

/* About 8 bits per host, in a power of two of words (at least 2). */
static int build_hf4(struct tset *t)
{
	const struct tset_tab4 *tab = &t->t4[32];
	unsigned lg = 1;

	while (((size_t)1 << lg) * 64 < (size_t)tab->n * 8 && lg < 40)
		lg++;
	t->hf4_shift = 64 - lg;
	t->hf4 = big_alloc(t, sizeof(*t->hf4) << lg);
	if (!t->hf4)
		return -ENOMEM;
	memset(t->hf4, 0, sizeof(*t->hf4) << lg);
	TAB_FOREACH(tab, i, empty4) {
		uint64_t x = tset_hf4_hash(key4_at(tab, i));

		t->hf4[x >> t->hf4_shift] |= 1ull << (x & 63) |
					     1ull << ((x >> 6) & 63);
	}
	return 0;
}

static bool empty6(const struct tset_key6 *k)
{
	return tset_key6_ones(k);
}

static struct tset_dir6 *dir6_slot(struct tset_dirtab6 *d, uint64_t key)
{
	uint32_t i = tset_slot_dir6(key, d->cap);

	for (;; i = i + 1 == d->cap ? 0 : i + 1) {
		struct tset_dir6 *s = &d->slot[i];

		if (s->key == key)
			return s;
		if (s->key == TSET_EMPTY6) {
			s->key = key;
			s->lens[0] = s->lens[1] = 0;
			d->n++;
			return s;
		}
	}
}

static void dir6_mark(struct tset_dirtab6 *d, uint64_t key, unsigned w,
		      uint64_t bit, const struct tset_meta *m)
{
	struct tset_dir6 *s = dir6_slot(d, key);

	s->lens[w] |= bit;
	if (m->trusted != TSET_SRC_NONE)
		s->lens[1] |= TSET_D6_TRUSTED_BELOW;
}

static int dirtab6_alloc(struct tset *t, struct tset_dirtab6 *d, size_t n)
{
	d->cap = cap_for(n, LOADD6_PCT);
	d->n = 0;
	d->slot = big_alloc(t, (size_t)d->cap * sizeof(*d->slot));
	if (!d->slot)
		return -ENOMEM;
	memset(d->slot, 0xff, (size_t)d->cap * sizeof(*d->slot));
	return 0;
}

/*
 * The tables were sized for one key per entry; many entries share a
 * /32, so rehash into a table sized for the keys there are: a small d32
 * stays in cache.
 */
static int dirtab6_shrink(struct tset *t, struct tset_dirtab6 *d)
{
	struct tset_dirtab6 old = *d;

	if (cap_for(old.n, LOADD6_PCT) * 2 > old.cap)
		return 0;
	if (dirtab6_alloc(t, d, old.n)) {
		*d = old;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < old.cap; i++) {
		if (old.slot[i].key != TSET_EMPTY6) {
			struct tset_dir6 *s = dir6_slot(d, old.slot[i].key);

			s->lens[0] = old.slot[i].lens[0];
			s->lens[1] = old.slot[i].lens[1];
		}
	}
	free(old.slot);
	t->st.bytes -= (size_t)old.cap * sizeof(*old.slot);
	return 0;
}

static int build_dir6(struct tset *t)
{
	static const struct tset_key6 ones = { UINT64_MAX, UINT64_MAX };
	size_t n32 = 0, n48 = 0;

	for (unsigned len = 32; len <= 128; len++) {
		n32 += t->t6[len].n;
		n48 += len >= 48 ? t->t6[len].n : 0;
	}
	if (!n32)
		return 0;
	if (dirtab6_alloc(t, &t->d32, n32) ||
	    (n48 && dirtab6_alloc(t, &t->d48, n48)))
		return -ENOMEM;
	for (unsigned len = 32; len <= 128; len++) {
		const struct tset_tab6 *tab = &t->t6[len];

		TAB_FOREACH(tab, i, empty6) {
			const struct tset_key6 *k = i == tab->cap ? &ones : &tab->key[i];
			const struct tset_meta *m = &tab->meta[i];
			uint64_t k32 = k->hi >> 32, k48 = k->hi >> 16;

			if (len < 48) {
				dir6_mark(&t->d32, k32, 0, 1ull << (len - 32), m);
				continue;
			}
			dir6_mark(&t->d32, k32, 0, TSET_D6_LONGER, m);
			if (len < 112)
				dir6_mark(&t->d48, k48, 0, 1ull << (len - 48), m);
			else
				dir6_mark(&t->d48, k48, 1, 1ull << (len - 112), m);
		}
	}
	if (dirtab6_shrink(t, &t->d32) || dirtab6_shrink(t, &t->d48))
		return -ENOMEM;
	return 0;
}

/* Lengths present, longest first, and the distinct counts. */
static void summarize(struct tset *t)
{
	for (int len = 32; len >= 0; len--) {
		if (!t->t4[len].n)
			continue;
		t->lens4[t->nlens4++] = (uint8_t)len;
		if (len == 32)
			t->st.hosts4 = t->t4[len].n;
		else
			t->st.prefixes4 += t->t4[len].n;
	}
	for (int len = 128; len >= 0; len--) {
		if (!t->t6[len].n)
			continue;
		t->lens6[t->nlens6++] = (uint8_t)len;
		if (len < 32)
			t->short6[t->nshort6++] = (uint8_t)len;
		if (len == 128)
			t->st.hosts6 = t->t6[len].n;
		else
			t->st.prefixes6 += t->t6[len].n;
	}
}

struct tset *tset_build(struct list *const *lists, size_t nlists, char *err,
			size_t errlen)
{
	size_t n4[33] = { 0 }, n6[129] = { 0 };
	struct tset *t;
	int ret;

	t = calloc(1, sizeof(*t));
	if (!t) {
		util_err(err, errlen, "threat set: out of memory");
		return NULL;
	}
	t->st.bytes = sizeof(*t);
	ret = count(t, lists, nlists, n4, n6, err, errlen);
	if (ret)
		goto out;
	for (unsigned len = 0; len <= 32; len++)
		if ((n4[len] || len == 32) && tab4_alloc(t, &t->t4[len], n4[len]))
			goto nomem;
	for (unsigned len = 0; len <= 128; len++)
		if (n6[len] && tab6_alloc(t, &t->t6[len], n6[len]))
			goto nomem;
	fill(t);
	if (build_hf4(t) || build_dir4(t) || build_dir6(t))
		goto nomem;
	summarize(t);
	return t;
nomem:
	util_err(err, errlen, "threat set: out of memory");
out:
	tset_free(t);
	return NULL;
}

void tset_free(struct tset *t)
{
	if (!t)
		return;
	for (unsigned len = 0; len <= 32; len++) {
		free(t->t4[len].key);
		free(t->t4[len].meta);
	}
	for (unsigned len = 0; len <= 128; len++) {
		free(t->t6[len].key);
		free(t->t6[len].meta);
	}
	free(t->hf4);
	free(t->dir4);
	free(t->blk4);
	free(t->d32.slot);
	free(t->d48.slot);
	free(t->first);
	free(t->lists);
	free(t);
}

void tset_get_stats(const struct tset *t, struct tset_stats *st)
{
	if (!t) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = t->st;
}
