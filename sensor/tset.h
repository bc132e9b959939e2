/* SPDX-License-Identifier: MIT */
#ifndef CORDON_TSET_H
#define CORDON_TSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "list.h"

/*
 * The threat set: one immutable lookup structure built from all threat
 * and trusted lists. Exact hosts plus prefixes; longest match decides,
 * and a trusted match anywhere wins over a threat match (GuardDuty's rule).
 * A new set replaces the old by swapping a pointer (tset_build() returns
 * a fresh one; readers never see a half-built set).
 */

enum tset_verdict { TSET_CLEAN = 0, TSET_THREAT, TSET_TRUSTED };

struct tset;

struct tset_match {
	enum tset_verdict verdict;
	const struct list *list;    /* the list that decided (not for CLEAN) */
	struct cd_prefix entry;     /* the entry that matched */
	uint32_t line;              /* its line in that list */
};

struct tset_stats {
	size_t hosts4, hosts6, prefixes4, prefixes6; /* distinct entries */
	size_t bytes;                                /* memory held */
};

/*
 * Build from lists (threat and trusted mixed; each list->kind says which).
 * The set keeps pointers to the lists: they must outlive it. Returns NULL
 * and fills err on failure (only -ENOMEM in practice).
 */
struct tset *tset_build(struct list *const *lists, size_t nlists, char *err,
			size_t errlen);
void tset_free(struct tset *t);

/* Fast path: verdict only. a4 is in network byte order. */
enum tset_verdict tset_lookup4(const struct tset *t, uint32_t a4);
enum tset_verdict tset_lookup6(const struct tset *t, const uint8_t a6[16]);
enum tset_verdict tset_lookup(const struct tset *t, const struct cd_addr *a);
/*
 * tset_lookup4() for n addresses (network byte order) at once, writing
 * one enum tset_verdict per address into verdicts[]. It prefetches the
 * table slots of a group before probing them, so the cache misses
 * overlap: use it when a batch of packets is at hand (replay, pcap).
 */
void tset_lookup4_batch(const struct tset *t, const uint32_t *a4, size_t n,
			uint8_t *verdicts);
/* The same for IPv6: a6[i] is 16 bytes, network order. */
void tset_lookup6_batch(const struct tset *t, const uint8_t (*a6)[16], size_t n,
			uint8_t *verdicts);
/* Slow path: which list and entry decided. */
enum tset_verdict tset_explain(const struct tset *t, const struct cd_addr *a,
			       struct tset_match *m);
/*
 * Ask for the lines tset_explain(t, a) will read, in three stages a few
 * addresses apart over many (0: the slots of its longest lengths, 1:
 * what they hold, 2: the list entries that decide): each stage finds the
 * lines the one before it asked for already there.
 */
void tset_explain_prefetch(const struct tset *t, const struct cd_addr *a, int stage);
void tset_get_stats(const struct tset *t, struct tset_stats *st);

#endif
