/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PFXLIST_H
#define CORDON_PFXLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "util.h"

/*
 * Prefix normalisation: sort, dedupe, and merge overlapping or adjacent
 * prefixes into a minimal non-overlapping list. The kernel rejects
 * overlapping intervals in an nftables interval set and nft's auto-merge
 * lives only in the nft tool, so cordon does it itself.
 */
struct pfx_range {
	struct cd_addr lo, hi; /* inclusive, same family */
};

void pfxlist_from_prefix(const struct cd_prefix *p, struct pfx_range *out);
/*
 * Sort r (IPv4 before IPv6, then by lo), merge overlapping and adjacent
 * ranges of one family in place. Returns the new count.
 */
size_t pfxlist_merge(struct pfx_range *r, size_t n);
/* a inside one of the merged ranges r[0..n)? Binary search. */
bool pfxlist_contains(const struct pfx_range *r, size_t n,
		      const struct cd_addr *a);
/*
 * Normalise p[0..*n) in place into the minimal list of prefixes covering
 * exactly the same addresses, in ascending order. Never grows the list.
 * Returns 0 or -ENOMEM.
 */
__must_check int pfxlist_normalize(struct cd_prefix *p, size_t *n);
/* Add one to a big-endian number of nbytes; true when it wrapped to 0. */
bool pfxlist_inc(uint8_t *b, unsigned nbytes);

#endif
