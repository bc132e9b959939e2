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
#define MIN_CAP 8
#define HUGE_MIN UTIL_HUGE_PAGE
/* From here a table is whole huge pages (4 KiB faults were a third of
 * the build's time on a VM; up to 1.5 MiB more memory a table). */
#define HUGE_FROM (512u << 10)
/* Keeps every table size (n / 0.6 at most) within 32 bits. */
#define MAX_ENTRIES (1u << 30)

/*
 * Allocations of HUGE_FROM and more are whole 2 MiB pages, aligned and
 * offered to transparent huge pages: a random probe into a
 * multi-megabyte table otherwise pays a TLB miss on top of the cache
 * miss, and filling it a page fault per 4 KiB.
 */
static size_t alloc_len(size_t size)
{
	return size >= HUGE_FROM ? (size + HUGE_MIN - 1) & ~(size_t)(HUGE_MIN - 1) : size;
}

void *tset_alloc(struct tset *t, size_t size)
{
	size_t len = alloc_len(size);
	void *p = NULL;

	/* 64: the IPv4 blocks are one cache line each. */
	if (len < size || posix_memalign(&p, size >= HUGE_FROM ? HUGE_MIN : 64, len ? len : 1))
		return NULL;
	if (size >= HUGE_FROM)
		util_huge_hint(p, len);
	t->st.bytes += len;
	return p;
}

void tset_release(struct tset *t, void *p, size_t size)
{
	free(p);
	t->st.bytes -= alloc_len(size);
}

uint32_t tset_cap_for(size_t n, unsigned load_pct)
{
	uint64_t cap = (uint64_t)n * 100 / load_pct + 1;

	return cap < MIN_CAP ? MIN_CAP : (uint32_t)cap;
}

static int tab4_alloc(struct tset *t, struct tset_tab4 *tab, size_t n)
{
	tab->nb = (tset_cap_for(n, LOAD4_PCT) + TSET_BUCKET - 1) / TSET_BUCKET;
	tab->cap = tab->nb * TSET_BUCKET;
	tab->key = tset_alloc(t, (size_t)tab->cap * sizeof(*tab->key));
	tab->meta = tset_alloc(t, ((size_t)tab->cap + 1) * sizeof(*tab->meta));
	if (!tab->key || !tab->meta)
		return -ENOMEM;
	memset(tab->key, 0xff, (size_t)tab->cap * sizeof(*tab->key));
	return 0;
}

static int tab6_alloc(struct tset *t, struct tset_tab6 *tab, size_t n)
{
	tab->cap = tset_cap_for(n, LOAD6_PCT);
	tab->key = tset_alloc(t, (size_t)tab->cap * sizeof(*tab->key));
	tab->meta = tset_alloc(t, ((size_t)tab->cap + 1) * sizeof(*tab->meta));
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

/* always_inline: GCC finds a function that only prefetches pure and
 * drops its calls; this one was never issued before. */
static inline __attribute__((always_inline)) void
prefetch_slot(const struct tset *t, const struct cd_prefix *p)
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
	if (tset_build_dirs(t))
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

