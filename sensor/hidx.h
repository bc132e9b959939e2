/* SPDX-License-Identifier: MIT */
#ifndef CORDON_HIDX_H
#define CORDON_HIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * The hot part of the flow and findings tables (docs/internals/sensor.md,
 * "Tables under a scan"): under a scan nearly every packet is a new key,
 * so what a packet touches must stay small and in one place.
 *
 * hidx: an open-addressing index of (32-bit hash, record number) slots,
 * 8 bytes each, linear probing, at most half full (it doubles as it
 * fills, up to what the table's bound needs), deletion by backward shift
 * (no tombstones). A miss reads one or two cache lines; the records
 * themselves are read only when a hash matches.
 *
 * hidx_slab: the records, in 64-byte-aligned chunks that are allocated
 * as the table fills (never moved, so pointers to records stay valid
 * until hidx_slab_free()).
 */
struct hidx_slot {
	uint32_t hash;
	uint32_t ref; /* record number + 1; 0: empty */
};

struct hidx {
	struct hidx_slot *s;
	uint32_t mask; /* slots - 1 */
	uint32_t n;
	uint32_t max_slots; /* it never grows past this */
};

/* An index for up to max entries; starts small. 0 or -ENOMEM. */
__must_check int hidx_init(struct hidx *h, size_t max);
void hidx_free(struct hidx *h);
/* Add (hash, rec); the caller made sure it is not there. 0 or -ENOMEM. */
__must_check int hidx_insert(struct hidx *h, uint32_t hash, uint32_t rec);
/* Remove (hash, rec) if present. */
void hidx_remove(struct hidx *h, uint32_t hash, uint32_t rec);
/* Empty it (keeps its size). */
void hidx_clear(struct hidx *h);

/* Probing: for (i = hidx_home(h, hash); h->s[i].ref; i = hidx_step(h, i)) */
static inline uint32_t hidx_home(const struct hidx *h, uint32_t hash)
{
	return hash & h->mask;
}

static inline uint32_t hidx_step(const struct hidx *h, uint32_t i)
{
	return (i + 1) & h->mask;
}

/* Ask for the cache line a lookup of hash will read first. */
static inline void hidx_prefetch(const struct hidx *h, uint32_t hash)
{
	__builtin_prefetch(&h->s[hash & h->mask]);
}

#define HIDX_CHUNK_SHIFT 10 /* records per chunk: 1024 */

struct hidx_slab {
	char **chunks;
	size_t nchunks, cap_chunks;
	size_t stride; /* record size rounded up to 64 */
	uint32_t used; /* records handed out so far */
	uint32_t max;
};

void hidx_slab_init(struct hidx_slab *s, size_t elsize, size_t max);
void hidx_slab_free(struct hidx_slab *s);
/*
 * A record never used before (uninitialised memory), its number in
 * *rec; NULL when max are in use or memory runs out.
 */
void *hidx_slab_new(struct hidx_slab *s, uint32_t *rec);

static inline void *hidx_slab_at(const struct hidx_slab *s, uint32_t rec)
{
	return s->chunks[rec >> HIDX_CHUNK_SHIFT] +
	       (size_t)(rec & ((1u << HIDX_CHUNK_SHIFT) - 1)) * s->stride;
}

#endif
