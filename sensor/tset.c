/* SPDX-License-Identifier: MIT */
/*
 * Threat set lookups. The set never changes after tset_build(), so every
 * function here only reads it: any number of readers may share one set
 * without a lock, as long as it is not freed under them.
 */
#include <arpa/inet.h>
#include <string.h>

#include "tset_impl.h"

/* A hit: trusted anywhere wins, so only a trusted hit ends the search. */
static inline bool hit_trusted(const struct tset_meta *m)
{
	return m->trusted != TSET_SRC_NONE;
}

/* Every length present, for the few addresses in a DEEP /24. */
static enum tset_verdict lookup4_deep(const struct tset *t, uint32_t a)
{
	enum tset_verdict v = TSET_CLEAN;

	for (unsigned j = 0; j < t->nlens4; j++) {
		unsigned len = t->lens4[j];
		int64_t i = tset_find4(&t->t4[len], a & tset_mask4(len));

		if (i < 0)
			continue;
		if (hit_trusted(&t->t4[len].meta[i]))
			return TSET_TRUSTED;
		v = TSET_THREAT;
	}
	return v;
}

/*
 * The block read and the host filter read do not depend on each other,
 * so the CPU issues both loads at once (the TRUSTED and DEEP branches are
 * predicted not taken). Only a hit or a false positive (~5 %) goes on to
 * the host table.
 */
enum tset_verdict tset_lookup4(const struct tset *t, uint32_t a4)
{
	uint32_t a = ntohl(a4);
	unsigned code = tset_blk4_code(&t->blk4[t->dir4[a >> 16]], a);
	int64_t i;

	if (unlikely(code == TSET_C_TRUSTED))
		return TSET_TRUSTED;
	if (unlikely(code == TSET_C_DEEP))
		return lookup4_deep(t, a);
	if (likely(!tset_hf4_maybe(t, a)))
		return (enum tset_verdict)code; /* CLEAN and THREAT coincide */
	i = tset_find4(&t->t4[32], a);
	if (i < 0)
		return (enum tset_verdict)code; /* CLEAN and THREAT coincide */
	return hit_trusted(&t->t4[32].meta[i]) ? TSET_TRUSTED : TSET_THREAT;
}

/*
 * Probes the lengths set in one word of a dir6 mask (bit b is length
 * base + b), longest first. Returns true when the search is over: a
 * trusted entry matched, or a threat entry did and no trusted entry
 * lies below (*v says which).
 */
static bool probe6_word(const struct tset *t, const struct tset_key6 *k,
			uint64_t lens, unsigned base, bool trusted_below,
			enum tset_verdict *v)
{
	while (lens) {
		unsigned bit = 63 - (unsigned)__builtin_clzll(lens);
		unsigned len = base + bit;
		const struct tset_tab6 *tab = &t->t6[len];
		struct tset_key6 mk = tset_masked6(k, len);
		int64_t i;

		lens &= ~(1ull << bit);
		i = tset_find6(tab, &mk);
		if (i < 0)
			continue;
		if (hit_trusted(&tab->meta[i])) {
			*v = TSET_TRUSTED;
			return true;
		}
		*v = TSET_THREAT;
		if (!trusted_below)
			return true;
	}
	return false;
}

#define LENS_112_128 ((1ull << 17) - 1)

static enum tset_verdict lookup6_native(const struct tset *t, const uint8_t a6[16])
{
	struct tset_key6 k = tset_key6_from(a6);
	enum tset_verdict v = TSET_CLEAN;
	const struct tset_dir6 *d;
	bool below;

	/* Entries shorter than /32: none unless a list went below the floor. */
	for (unsigned j = 0; j < t->nshort6; j++) {
		unsigned len = t->short6[j];
		const struct tset_tab6 *tab = &t->t6[len];
		struct tset_key6 mk = tset_masked6(&k, len);
		int64_t i = tset_find6(tab, &mk);

		if (i < 0)
			continue;
		if (hit_trusted(&tab->meta[i]))
			return TSET_TRUSTED;
		v = TSET_THREAT;
	}
	/* The /32, then the /48; either may end the search. */
	d = tset_dir6_find(&t->d32, k.hi >> 32);
	if (!d)
		return v;
	below = d->lens[1] & TSET_D6_TRUSTED_BELOW;
	if ((v == TSET_THREAT && !below) ||
	    probe6_word(t, &k, d->lens[0] & 0xffff, 32, below, &v) ||
	    !(d->lens[0] & TSET_D6_LONGER))
		return v;
	d = tset_dir6_find(&t->d48, k.hi >> 16);
	if (!d)
		return v;
	below = d->lens[1] & TSET_D6_TRUSTED_BELOW;
	if ((v == TSET_THREAT && !below) ||
	    probe6_word(t, &k, d->lens[1] & LENS_112_128, 112, below, &v))
		return v;
	probe6_word(t, &k, d->lens[0], 48, below, &v);
	return v;
}

/*
 * RFC 6052's well-known prefix 64:ff9b::/96: a NAT64 gateway (AWS's
 * DNS64 + NAT gateway among them) carries an IPv4 destination in the last
 * 32 bits, so a listed IPv4 address reached through it is the same host.
 */
static bool nat64_v4(const uint8_t a6[16], uint32_t *a4)
{
	static const uint8_t wkp[12] = { 0x00, 0x64, 0xff, 0x9b };

	if (memcmp(a6, wkp, sizeof(wkp)))
		return false;
	memcpy(a4, a6 + 12, 4);
	return true;
}

enum tset_verdict tset_lookup6(const struct tset *t, const uint8_t a6[16])
{
	enum tset_verdict v = lookup6_native(t, a6), v4;
	uint32_t a4;

	if (v == TSET_TRUSTED || !nat64_v4(a6, &a4))
		return v;
	v4 = tset_lookup4(t, a4);
	/* Trusted wins whichever family said so (GuardDuty's rule). */
	return v4 == TSET_CLEAN ? v : v4;
}

enum tset_verdict tset_lookup(const struct tset *t, const struct cd_addr *a)
{
	if (a->af == AF_INET)
		return tset_lookup4(t, a->u.v4);
	if (a->af == AF_INET6)
		return tset_lookup6(t, a->u.b);
	return TSET_CLEAN;
}

/*
 * Batches hide memory latency: the block and the host filter word of
 * every address in a group are requested before any of them is probed,
 * so the misses overlap instead of queueing behind mispredicted branches.
 */
#define BATCH4 16

void tset_lookup4_batch(const struct tset *t, const uint32_t *a4, size_t n,
			uint8_t *verdicts)
{
	const struct tset_tab4 *hosts = &t->t4[32];
	uint32_t ha[BATCH4];

	for (size_t i = 0; i < n; i += BATCH4) {
		size_t cnt = n - i < BATCH4 ? n - i : BATCH4;

		for (size_t j = 0; j < cnt; j++) {
			uint32_t a = ntohl(a4[i + j]);

			ha[j] = a;
			__builtin_prefetch(&t->blk4[t->dir4[a >> 16]]);
			__builtin_prefetch(&t->hf4[tset_hf4_hash(a) >> t->hf4_shift]);
		}
		for (size_t j = 0; j < cnt; j++)
			if (tset_hf4_maybe(t, ha[j])) {
				size_t b = (size_t)tset_home4(hosts, ha[j]) * TSET_BUCKET;

				__builtin_prefetch(&hosts->key[b]);
				__builtin_prefetch(&hosts->meta[b]);
				__builtin_prefetch(&hosts->meta[b + TSET_BUCKET / 2]);
			}
		for (size_t j = 0; j < cnt; j++)
			verdicts[i + j] = (uint8_t)tset_lookup4(t, a4[i + j]);
	}
}

/*
 * IPv6 in the same spirit: each step's probe is requested for the whole
 * group before the next step reads it, the /32 directory, then the /48
 * one, then the longest lengths the /48 lists; the last pass is
 * tset_lookup6() itself, on warm lines, so the verdicts are its own.
 */
#define BATCH6 16
#define PREFETCH6_LENS 2

/* always_inline: GCC finds a function that only prefetches pure and
 * drops its calls (tset_build.c's prefetch_slot went the same way). */
static inline __attribute__((always_inline)) void
prefetch_dir6(const struct tset_dirtab6 *d, uint64_t key)
{
	if (d->cap)
		__builtin_prefetch(&d->slot[tset_slot_dir6(key, d->cap)]);
}

void tset_lookup6_batch(const struct tset *t, const uint8_t (*a6)[16], size_t n,
			uint8_t *verdicts)
{
	struct tset_key6 k[BATCH6];

	for (size_t i = 0; i < n; i += BATCH6) {
		size_t cnt = n - i < BATCH6 ? n - i : BATCH6;

		for (size_t j = 0; j < cnt; j++) {
			k[j] = tset_key6_from(a6[i + j]);
			prefetch_dir6(&t->d32, k[j].hi >> 32);
		}
		for (size_t j = 0; j < cnt; j++) {
			const struct tset_dir6 *d = tset_dir6_find(&t->d32, k[j].hi >> 32);

			if (d && (d->lens[0] & TSET_D6_LONGER))
				prefetch_dir6(&t->d48, k[j].hi >> 16);
		}
		for (size_t j = 0; j < cnt; j++) {
			const struct tset_dir6 *d = tset_dir6_find(&t->d48, k[j].hi >> 16);
			uint64_t lens = d ? d->lens[0] : 0;

			for (unsigned m = 0; lens && m < PREFETCH6_LENS; m++) {
				unsigned bit = 63 - (unsigned)__builtin_clzll(lens);
				const struct tset_tab6 *tab = &t->t6[48 + bit];
				struct tset_key6 mk = tset_masked6(&k[j], 48 + bit);

				lens &= ~(1ull << bit);
				__builtin_prefetch(&tab->key[tset_slot6(&mk, tab->cap)]);
			}
		}
		for (size_t j = 0; j < cnt; j++)
			verdicts[i + j] = (uint8_t)tset_lookup6(t, a6[i + j]);
	}
}

/*
 * Global source index to its list: the last list whose first index is
 * <= src (binary search on first[]); empty lists share their successor's
 * first index and so are skipped.
 */
static size_t source_list(const struct tset *t, uint32_t src)
{
	size_t lo = 0, hi = t->nlists;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->first[mid] <= src)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Global source index to its list and entry. */
static void source(const struct tset *t, uint32_t src, struct tset_match *m)
{
	size_t l = source_list(t, src);

	m->list = t->lists[l];
	m->line = t->lists[l]->ent[src - t->first[l]].line;
}

struct best {
	uint32_t src;
	unsigned len;
};

static void consider(struct best *trusted, struct best *threat,
		     const struct tset_meta *m, unsigned len)
{
	/* Lengths come longest first: the first hit of each kind is the
	 * longest. */
	if (m->trusted != TSET_SRC_NONE && trusted->src == TSET_SRC_NONE)
		*trusted = (struct best){ m->trusted, len };
	if (m->threat != TSET_SRC_NONE && threat->src == TSET_SRC_NONE)
		*threat = (struct best){ m->threat, len };
}

#define PREFETCH_EXPLAIN_LENS 8

/* The entry behind source index src (what source() reads). */
static void prefetch_source(const struct tset *t, uint32_t src)
{
	size_t l;

	if (src == TSET_SRC_NONE)
		return;
	l = source_list(t, src);
	__builtin_prefetch(&t->lists[l]->ent[src - t->first[l]]);
}

/* One length's slot for stage 0, its meta for 1, its entries for 2. */
static inline __attribute__((always_inline)) void
prefetch_found(const struct tset *t, const struct tset_meta *meta, int64_t i, int stage)
{
	if (i < 0)
		return;
	if (stage == 1) {
		__builtin_prefetch(&meta[i]);
	} else {
		prefetch_source(t, meta[i].threat);
		prefetch_source(t, meta[i].trusted);
	}
}

void tset_explain_prefetch(const struct tset *t, const struct cd_addr *a, int stage)
{
	if (a->af == AF_INET) {
		uint32_t h = ntohl(a->u.v4);

		for (unsigned j = 0; j < t->nlens4 && j < PREFETCH_EXPLAIN_LENS; j++) {
			const struct tset_tab4 *tab = &t->t4[t->lens4[j]];
			uint32_t key = h & tset_mask4(t->lens4[j]);

			if (!tab->nb)
				continue;
			if (stage == 0)
				__builtin_prefetch(&tab->key[(size_t)tset_home4(tab, key) *
							     TSET_BUCKET]);
			else
				prefetch_found(t, tab->meta, tset_find4(tab, key), stage);
		}
	} else if (a->af == AF_INET6) {
		struct tset_key6 k = tset_key6_from(a->u.b);

		for (unsigned j = 0; j < t->nlens6 && j < PREFETCH_EXPLAIN_LENS; j++) {
			const struct tset_tab6 *tab = &t->t6[t->lens6[j]];
			struct tset_key6 mk = tset_masked6(&k, t->lens6[j]);

			if (!tab->cap)
				continue;
			if (stage == 0)
				__builtin_prefetch(&tab->key[tset_slot6(&mk, tab->cap)]);
			else
				prefetch_found(t, tab->meta, tset_find6(tab, &mk), stage);
		}
	}
}

static enum tset_verdict explain_native(const struct tset *t,
					const struct cd_addr *a,
					struct tset_match *m);

enum tset_verdict tset_explain(const struct tset *t, const struct cd_addr *a,
			       struct tset_match *m)
{
	struct tset_match m4;
	struct cd_addr v4;
	uint32_t a4;

	explain_native(t, a, m);
	if (a->af != AF_INET6 || m->verdict == TSET_TRUSTED || !nat64_v4(a->u.b, &a4))
		return m->verdict;
	addr_set4(&v4, a4);
	explain_native(t, &v4, &m4);
	if (m4.verdict != TSET_CLEAN)
		*m = m4; /* the IPv4 entry that decided, as `cordon check` shows */
	return m->verdict;
}

static enum tset_verdict explain_native(const struct tset *t,
					const struct cd_addr *a,
					struct tset_match *m)
{
	struct best trusted = { TSET_SRC_NONE, 0 }, threat = trusted, *b;

	memset(m, 0, sizeof(*m));
	m->verdict = TSET_CLEAN;
	if (a->af == AF_INET) {
		uint32_t h = ntohl(a->u.v4);

		for (unsigned j = 0; j < t->nlens4; j++) {
			unsigned len = t->lens4[j];
			int64_t i = tset_find4(&t->t4[len], h & tset_mask4(len));

			if (i >= 0)
				consider(&trusted, &threat, &t->t4[len].meta[i], len);
		}
	} else if (a->af == AF_INET6) {
		struct tset_key6 k = tset_key6_from(a->u.b);

		for (unsigned j = 0; j < t->nlens6; j++) {
			unsigned len = t->lens6[j];
			struct tset_key6 mk = tset_masked6(&k, len);
			int64_t i = tset_find6(&t->t6[len], &mk);

			if (i >= 0)
				consider(&trusted, &threat, &t->t6[len].meta[i], len);
		}
	} else {
		return TSET_CLEAN;
	}
	if (trusted.src != TSET_SRC_NONE) {
		m->verdict = TSET_TRUSTED;
		b = &trusted;
	} else if (threat.src != TSET_SRC_NONE) {
		m->verdict = TSET_THREAT;
		b = &threat;
	} else {
		return TSET_CLEAN;
	}
	source(t, b->src, m);
	/* Rebuilt rather than copied: *a may carry junk past its family. */
	if (a->af == AF_INET)
		addr_set4(&m->entry.a, a->u.v4);
	else
		addr_set6(&m->entry.a, a->u.b);
	m->entry.len = (uint8_t)b->len;
	prefix_mask(&m->entry);
	return m->verdict;
}
