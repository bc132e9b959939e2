/* SPDX-License-Identifier: MIT */
#ifndef CORDON_FINDINGS_H
#define CORDON_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"

/*
 * The bounded table of findings (docs/internals/sensor.md, "Findings
 * under a flood"). It never goes blind:
 * - once one (local, remote, direction, protocol) holds FINDINGS_PORTS_MAX
 *   findings, flows to further service ports of it fold into one finding
 *   with service port 0 and many_ports set;
 * - when the table is full, a new finding takes the place of an old
 *   "noise" finding (INBOUND, never answered) not updated since the CLOCK
 *   hand last passed it (a second chance, an approximation of least
 *   recently updated that touches no neighbours); a finding that must be
 *   kept (OUTBOUND, or answered) may also take the place of a kept one
 *   chosen the same way, so it always finds room;
 * - with a hold (findings_set_hold()), new noise does not push out noise
 *   updated within the hold: it is refused and counted (held) instead,
 *   in O(1) until the hand's candidate can be let go. A flood of new
 *   noise neither flushes what the table already holds nor churns it;
 *   kept findings still always find room;
 * - what was evicted, held or refused is counted (findings_get_stats()).
 * A finding's memory is reused, never freed, until findings_free():
 * a pointer held elsewhere stays readable, and its gen tells whether it
 * still is the finding it was (findings_same()).
 */
#define FINDINGS_PORTS_MAX 16

struct findings_stats {
	uint64_t created;  /* findings made */
	uint64_t evicted;  /* findings dropped to make room for newer ones */
	uint64_t refused;  /* new keys given no room (table full of kept ones) */
	uint64_t held;     /* new noise keys given no room: every candidate
			    * was updated within the hold */
	uint64_t merged;   /* flows folded into a many-ports finding */
	size_t active, max;
};

struct findings;

/* max >= 1; NULL on ENOMEM. */
struct findings *findings_new(size_t max);
void findings_free(struct findings *fs);
/*
 * New noise may evict a noise finding only once it has not been updated
 * for ns (packet time; 0, the default: at once). "Now" is the latest
 * time findings_set_now() or findings_get()'s first_ns gave (the hold
 * must not exceed what the clock can add to a packet time: an hour is
 * plenty).
 */
void findings_set_hold(struct findings *fs, uint64_t ns);
void findings_set_now(struct findings *fs, uint64_t ns);

/*
 * Find or create the finding for key; *created says which. keep: the
 * flow must be kept (OUTBOUND or answered), so it may evict a kept
 * finding. Returns NULL only when there is no room for a noise key (the
 * table full of kept findings, or of noise within the hold) or memory
 * runs out; the caller counts that. The returned finding may
 * have service port 0 and many_ports set (see above).
 */
struct finding *findings_get(struct findings *fs, const struct finding_key *k,
			     uint64_t first_ns, bool keep, bool *created);
/*
 * Ask for the cache lines findings_get(k) will read first (a batch of
 * packets prefetches all before it looks any up), by k's hash,
 * findings_hash(k), made once for this and findings_get_h().
 */
uint32_t findings_hash(const struct findings *fs, const struct finding_key *k);
void findings_prefetch_h(const struct findings *fs, const struct finding_key *k,
			 uint32_t h);
struct finding *findings_get_h(struct findings *fs, const struct finding_key *k,
			       uint32_t h, uint64_t first_ns, bool keep, bool *created);
/*
 * The same for the next n findings a full table would evict (the CLOCK
 * hand moves through the records in order under a scan).
 */
void findings_prefetch_victims(const struct findings *fs, size_t n);
/*
 * f's id (see finding.h), made on first use: hashing costs more than the
 * rest of a new finding, and under a scan most are evicted unseen.
 */
const char *findings_id(struct finding *f);
/*
 * The same through a reused digest context (a third of the cost, for a
 * writer of many ids): one per thread. NULL on ENOMEM; findings_id_with()
 * takes NULL as findings_id() does.
 */
struct findings_hasher;
struct findings_hasher *findings_hasher_new(void);
void findings_hasher_free(struct findings_hasher *h);
const char *findings_id_with(struct finding *f, struct findings_hasher *h);
/* A packet updated f: recently used; keep makes it a kept finding for good. */
void findings_touch(struct findings *fs, struct finding *f, bool keep);
/* Whether f is still the finding that had generation gen. */
static inline bool findings_same(const struct finding *f, uint32_t gen)
{
	return f && f->gen == gen;
}
/*
 * A finding by number, as flows and probes hold it: findings_ref(f), and
 * back with findings_at() (NULL for 0); check findings_same() before use.
 */
static inline uint32_t findings_ref(const struct finding *f)
{
	return f->rec + 1;
}
struct finding *findings_at(const struct findings *fs, uint32_t ref);
/* Ask for the lines of findings_at(ref) a packet reads and updates. */
void findings_prefetch_ref(const struct findings *fs, uint32_t ref);
/* Called just before a finding is evicted (e.g. to report it). */
void findings_set_evict_cb(struct findings *fs,
			   void (*cb)(struct finding *f, void *arg), void *arg);
size_t findings_count(const struct findings *fs);
void findings_get_stats(const struct findings *fs, struct findings_stats *st);
/* Iterate in creation order (of the findings still held). */
struct finding *findings_first(const struct findings *fs);
struct finding *findings_next(const struct finding *f);

#endif
