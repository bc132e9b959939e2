/* SPDX-License-Identifier: MIT */
#ifndef CORDON_TSET_IMPL_H
#define CORDON_TSET_IMPL_H

/*
 * Private to sensor/tset*.c: the layout of a built threat set and the
 * probe helpers shared by the builder and the lookups. See
 * docs/internals/tset.md for the why.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>
#include <string.h>

#include "tset.h"

/* "No entry of this kind": a global source index is never this. */
#define TSET_SRC_NONE UINT32_MAX

/* Free slot marker. Only a /32 (/128) can be all ones; that key lives
 * outside the slots, at meta[cap]. */
#define TSET_EMPTY4 UINT32_MAX
#define TSET_EMPTY6 UINT64_MAX

/*
 * Who put a distinct prefix in the set: the first threat and the first
 * trusted entry, as indices into the concatenation of all lists (list
 * order, then entry order). The verdict of a hit is derived from this, so
 * a hit costs a second memory access, a miss does not.
 */
struct tset_meta {
	uint32_t threat;
	uint32_t trusted;
};

/*
 * One table per IPv4 prefix length: masked keys only, host order, in
 * buckets of 16 (one cache line) filled from the front; a full bucket
 * overflows into the next. A lookup compares a whole bucket without
 * branching and stops at the first bucket that is not full, which at the
 * load we keep is nearly always the first. meta[] is parallel to key[].
 */
#define TSET_BUCKET 16

struct tset_tab4 {
	uint32_t *key;          /* nb * TSET_BUCKET, 64-byte aligned */
	struct tset_meta *meta; /* cap + 1 */
	uint32_t nb, cap, n;    /* cap = nb * TSET_BUCKET */
	bool ones;              /* the all-ones key is present */
};

struct tset_key6 {
	uint64_t hi, lo; /* host order, so masking is two ANDs */
};

/* IPv6 tables: plain linear probing (four keys per cache line). */
struct tset_tab6 {
	struct tset_key6 *key;
	struct tset_meta *meta; /* cap + 1 */
	uint32_t cap, n;
	bool ones;
};

/*
 * IPv4 prefixes are resolved before any table is probed: dir4 maps each
 * /16 to a 64-byte block holding a 2-bit code per /24, the combined
 * verdict of every entry of /0../24 covering that /24. Blocks 0..3 are
 * shared and uniform (code = index); a /16 gets a block of its own only
 * when an entry of /17../31 lies inside it. A /24 holding an entry of
 * /25../31 is DEEP: those few addresses take the slow path. Codes are
 * ordered so that combining two entries is max().
 */
#define TSET_C_CLEAN 0u
#define TSET_C_THREAT 1u
#define TSET_C_DEEP 2u
#define TSET_C_TRUSTED 3u

struct tset_blk4 {
	uint64_t w[8]; /* code of /24 number i: bits 2(i%32) of w[i/32] */
} __attribute__((aligned(64)));

static inline unsigned tset_blk4_code(const struct tset_blk4 *b, uint32_t a)
{
	return (unsigned)(b->w[(a >> 13) & 7] >> ((a >> 7) & 0x3e)) & 3;
}

/*
 * IPv6 directories, two hashes. d32, keyed by the top 32 bits, lists the
 * lengths 32..47 present inside each /32 and says whether anything
 * longer is; it is sized to the distinct /32s, so it stays small and in
 * cache. d48, keyed by the top 48 bits, lists the lengths 48..128 inside
 * each /48. A clean address leaves after the d32 probe (its /32 holds
 * nothing) or the d48 one. Entries shorter than /32 (the list floor
 * forbids them) are probed for every address.
 */
#define TSET_D6_LONGER (1ull << 16)        /* in lens[0] of a d32 slot */
#define TSET_D6_TRUSTED_BELOW (1ull << 62) /* in lens[1] */

struct tset_dir6 {
	uint64_t key;     /* TSET_EMPTY6 = free (never a 32- or 48-bit key) */
	uint64_t lens[2]; /* d32: bit L-32 of lens[0];
			   * d48: bit L-48 of lens[0], L-112 of lens[1] */
};

struct tset_dirtab6 {
	struct tset_dir6 *slot;
	uint32_t cap, n; /* cap is 0 when empty */
};

struct tset {
	struct list **lists; /* copied array; the lists are the caller's */
	size_t nlists;
	uint32_t *first;     /* first[i]: global index of lists[i]->ent[0] */

	uint64_t *hf4;       /* host filter, 1 << (64 - hf4_shift) words */
	unsigned hf4_shift;
	uint32_t *dir4;      /* 65536 block numbers */
	struct tset_blk4 *blk4;
	uint32_t nblk4;
	struct tset_tab4 t4[33]; /* t4[32] always exists; others if used */
	uint8_t lens4[33];   /* lengths present, longest first */
	unsigned nlens4;

	struct tset_dirtab6 d32, d48;
	struct tset_tab6 t6[129]; /* only the lengths present */
	uint8_t lens6[129];
	unsigned nlens6;
	uint8_t short6[32];  /* lengths < 32 present, longest first */
	unsigned nshort6;

	struct tset_stats st;
};

/*
 * The IPv4 host filter: a blocked Bloom filter, three bits in one 64-bit
 * word per host, 8 to 16 bits per host (1 MiB for 900k hosts, ~3 % false
 * positives). A clean address is turned away by one read of a structure
 * five times smaller than the host table, so it stays in cache.
 */
static inline uint64_t tset_hf4_hash(uint32_t a)
{
	uint64_t x = (uint64_t)(a ^ (a >> 15)) * 0xff51afd7ed558ccdull;

	return x ^ (x >> 31);
}

/* The bits a host sets in its word (low 18 bits of the hash; the word
 * index comes from the top bits). */
static inline uint64_t tset_hf4_bits(uint64_t x)
{
	return 1ull << (x & 63) | 1ull << ((x >> 6) & 63) |
	       1ull << ((x >> 12) & 63);
}

static inline bool tset_hf4_maybe(const struct tset *t, uint32_t a)
{
	uint64_t x = tset_hf4_hash(a);
	uint64_t m = tset_hf4_bits(x);

	return (t->hf4[x >> t->hf4_shift] & m) == m;
}

/* Builder internals (tset_build.c, tset_dir.c). */
/* Aligned allocation counted in st.bytes; whole huge pages from 512 KiB. */
void *tset_alloc(struct tset *t, size_t size);
/* Free what tset_alloc(t, size) gave before the set is (its memory count too). */
void tset_release(struct tset *t, void *p, size_t size);
/* Slots for n keys at load_pct percent load (at least 8). */
uint32_t tset_cap_for(size_t n, unsigned load_pct);
/* Derive the directories from the filled tables; 0 or -ENOMEM. */
__must_check int tset_build_dirs(struct tset *t);

/* Visit every key of tab (with its meta), the all-ones one included. */
#define TSET_TAB_FOREACH(tab, i, emptyfn)                                     \
	for (uint32_t i = 0; i <= (tab)->cap; i++)                            \
		if (i == (tab)->cap ? (tab)->ones : !emptyfn(&(tab)->key[i]))

/* Fibonacci hashing, then Lemire's multiply-shift to land in [0, cap):
 * tables need not be powers of two, which keeps the load near target. */
static inline uint32_t tset_slot4(uint32_t key, uint32_t cap)
{
	uint32_t h = (uint32_t)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> 32);

	return (uint32_t)(((uint64_t)h * cap) >> 32);
}

static inline uint32_t tset_slot6(const struct tset_key6 *k, uint32_t cap)
{
	uint64_t x = (k->hi ^ (k->lo * 0xc2b2ae3d27d4eb4full)) *
		     0x9e3779b97f4a7c15ull;
	uint32_t h = (uint32_t)(x >> 32);

	return (uint32_t)(((uint64_t)h * cap) >> 32);
}

static inline uint32_t tset_slot_dir6(uint64_t key, uint32_t cap)
{
	uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32);

	return (uint32_t)(((uint64_t)h * cap) >> 32);
}

static inline uint32_t tset_mask4(unsigned len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

static inline struct tset_key6 tset_masked6(const struct tset_key6 *a,
					    unsigned len)
{
	struct tset_key6 k = *a;

	if (len <= 64) {
		k.hi &= len == 0 ? 0 : UINT64_MAX << (64 - len);
		k.lo = 0;
	} else if (len < 128) {
		k.lo &= UINT64_MAX << (128 - len);
	}
	return k;
}

typedef uint32_t tset_v4u __attribute__((vector_size(16)));

/* Whether any of the 16 keys at k equals key: four SIMD compares. */
static inline bool tset_bucket_has(const uint32_t *k, uint32_t key)
{
	tset_v4u x[4], m, kk = { key, key, key, key };
	uint64_t w[2];

	memcpy(x, k, sizeof(x));
	m = (x[0] == kk) | (x[1] == kk) | (x[2] == kk) | (x[3] == kk);
	memcpy(w, &m, sizeof(w));
	return (w[0] | w[1]) != 0;
}

/* The bucket a key's search starts in. */
static inline uint32_t tset_home4(const struct tset_tab4 *tab, uint32_t key)
{
	return tset_slot4(key, tab->nb);
}

/* Index into tab->meta[] of key (already masked), or -1. */
static inline int64_t tset_find4(const struct tset_tab4 *tab, uint32_t key)
{
	uint32_t b;

	if (unlikely(key == TSET_EMPTY4))
		return tab->ones ? (int64_t)tab->cap : -1;
	b = tset_home4(tab, key);
	for (;;) {
		const uint32_t *k = tab->key + (size_t)b * TSET_BUCKET;

		if (unlikely(tset_bucket_has(k, key))) {
			for (unsigned j = 0;; j++)
				if (k[j] == key)
					return (int64_t)b * TSET_BUCKET + j;
		}
		if (likely(k[TSET_BUCKET - 1] == TSET_EMPTY4))
			return -1;
		if (++b == tab->nb)
			b = 0;
	}
}

static inline bool tset_key6_ones(const struct tset_key6 *k)
{
	return (k->hi & k->lo) == TSET_EMPTY6;
}

static inline int64_t tset_find6(const struct tset_tab6 *tab,
				 const struct tset_key6 *key)
{
	uint32_t i;

	if (unlikely(tset_key6_ones(key)))
		return tab->ones ? (int64_t)tab->cap : -1;
	i = tset_slot6(key, tab->cap);
	for (;;) {
		const struct tset_key6 *k = &tab->key[i];

		if (k->hi == key->hi && k->lo == key->lo)
			return i;
		if ((k->hi & k->lo) == TSET_EMPTY6)
			return -1;
		if (++i == tab->cap)
			i = 0;
	}
}

static inline const struct tset_dir6 *
tset_dir6_find(const struct tset_dirtab6 *d, uint64_t key)
{
	uint32_t i;

	if (!d->cap)
		return NULL;
	i = tset_slot_dir6(key, d->cap);
	for (;;) {
		const struct tset_dir6 *s = &d->slot[i];

		if (s->key == key)
			return s;
		if (s->key == TSET_EMPTY6)
			return NULL;
		if (++i == d->cap)
			i = 0;
	}
}

/* Address bytes (network order) to the two-word key. */
static inline struct tset_key6 tset_key6_from(const uint8_t b[16])
{
	struct tset_key6 k;

	memcpy(&k.hi, b, 8);
	memcpy(&k.lo, b + 8, 8);
	k.hi = be64toh(k.hi);
	k.lo = be64toh(k.lo);
	return k;
}

#endif
