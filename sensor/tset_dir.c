/* SPDX-License-Identifier: MIT */
/*
 * The directories a built threat set is probed through: the IPv4 host
 * filter, the IPv4 /16 -> /24 code blocks and the IPv6 /32 and /48
 * directories. All are derived from the per-length tables once they are
 * filled (tset_build.c), so every distinct prefix is visited once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tset_impl.h"

#define LOADD6_PCT 60

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

	t->dir4 = tset_alloc(t, 65536 * sizeof(*t->dir4));
	if (!t->dir4)
		return -ENOMEM;
	memset(t->dir4, 0, 65536 * sizeof(*t->dir4));
	for (unsigned len = 0; len < 32; len++) {
		const struct tset_tab4 *tab = &t->t4[len];

		TSET_TAB_FOREACH(tab, i, empty4) {
			uint32_t key = key4_at(tab, i), lo = key >> 16;
			unsigned c = entry_code(&tab->meta[i]);

			if (len > 16) {
				t->dir4[lo] |= NEED;
				continue;
			}
			for (uint32_t j = 0; j < 1u << (16 - len); j++)
				if ((t->dir4[lo + j] & 3) < c)
					t->dir4[lo + j] = (t->dir4[lo + j] & NEED) | c;
		}
	}
	for (uint32_t j = 0; j < 65536; j++)
		nblk += !!(t->dir4[j] & NEED);
	t->nblk4 = nblk;
	t->blk4 = tset_alloc(t, (size_t)nblk * sizeof(*t->blk4));
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

		TSET_TAB_FOREACH(tab, i, empty4) {
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
	t->hf4 = tset_alloc(t, sizeof(*t->hf4) << lg);
	if (!t->hf4)
		return -ENOMEM;
	memset(t->hf4, 0, sizeof(*t->hf4) << lg);
	TSET_TAB_FOREACH(tab, i, empty4) {
		uint64_t x = tset_hf4_hash(key4_at(tab, i));

		t->hf4[x >> t->hf4_shift] |= tset_hf4_bits(x);
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
	d->cap = tset_cap_for(n, LOADD6_PCT);
	d->n = 0;
	d->slot = tset_alloc(t, (size_t)d->cap * sizeof(*d->slot));
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

	if (tset_cap_for(old.n, LOADD6_PCT) * 2 > old.cap)
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
	tset_release(t, old.slot, (size_t)old.cap * sizeof(*old.slot));
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

		TSET_TAB_FOREACH(tab, i, empty6) {
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

int tset_build_dirs(struct tset *t)
{
	if (build_hf4(t) || build_dir4(t) || build_dir6(t))
		return -ENOMEM;
	return 0;
}
