/* SPDX-License-Identifier: MIT */
#ifndef CORDON_HIDX_H
#define CORDON_HIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * The hot part of the flow and findings tables (docs/internals/sensor.md,
 * "Findings under a flood"): under a scan nearly every packet is a new key,
 * so what a packet touches must stay small and in one place.
 *
 * hidx: an open-addressing index of (32-bit hash, record number) slots,
 * 8 bytes each, linear probing, at most half full (it doubles as it
 * fills, up to what the table's bound needs), deletion by backward shift
 * (no tombstones). A miss reads one or two cache lines; the records
 * themselves are read only when a hash matches.
 *
 * hidx_slab: the records, in one reservation of address space for the
 * table's bound, made when the table is (so running out shows then) and
 * filled with memory only as records are first written (hidx_zalloc()),
 * so a record's address is one multiply-add. Records never move:
 * pointers to them stay valid until hidx_slab_free().
 *
 * hidx_zalloc: the memory of both and of the tables' other arrays
 * (per-record flags, creation order, probe lines): zeroed, and given
 * pages only as they are first written. A large array is 2 MiB aligned
 * and offered to transparent huge pages, so filling a table under a scan
 * takes one page fault per 2 MiB instead of one per 4 KiB (a fault costs
 * 10-20 us on a VM: docs/internals/performance.md, "Session 6").
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

struct hidx_slab {
	char *base;    /* the records (hidx_zalloc()) */
	size_t stride; /* record size rounded up to 64 */
	uint32_t used; /* records handed out so far */
	uint32_t max;
};

/*
 * len bytes of zeroes, pages given as first written; from HIDX_ZMAP on its
 * own mapping (the pages never written cost nothing), from HIDX_HUGE_MIN
 * that mapping is whole 2 MiB pages, aligned, and offered to transparent
 * huge pages from hidx_huge_from()'s size on. NULL when out of memory (or
 * address space). Freed with hidx_zfree(p, len), len as given.
 */
#define HIDX_ZMAP (64u << 10)
#define HIDX_HUGE_MIN (512u << 10)
void *hidx_zalloc(size_t len);
void hidx_zfree(void *p, size_t len);
/*
 * From which size allocations are offered to huge pages (HIDX_HUGE_DEFAULT
 * until set; at least HIDX_HUGE_MIN). The live sensor keeps the default,
 * as before: a 2 MiB fault is one longer stall (zeroing fresh memory, on
 * a fragmented host compaction) in the packet path where 4 KiB faults
 * are many short ones (measured under the capture bench's scan: frames
 * were dropped in a few runs of either, as often as by the build before;
 * the cautious choice). A replay has no frames to drop: it sets
 * HIDX_HUGE_MIN before making its sensor (replay_prepare()).
 */
#define HIDX_HUGE_DEFAULT (2u << 20)
void hidx_huge_from(size_t len);

/* Room for up to max records of elsize bytes. 0 or -ENOMEM. */
__must_check int hidx_slab_init(struct hidx_slab *s, size_t elsize, size_t max);
void hidx_slab_free(struct hidx_slab *s);
/*
 * A record never used before (zeroed the first time its page is
 * touched; the caller fills it), its number in *rec; NULL when max are
 * in use.
 */
void *hidx_slab_new(struct hidx_slab *s, uint32_t *rec);

static inline void *hidx_slab_at(const struct hidx_slab *s, uint32_t rec)
{
	return s->base + (size_t)rec * s->stride;
}

#endif
