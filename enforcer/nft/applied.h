/* SPDX-License-Identifier: MIT */
#ifndef CORDON_APPLIED_H
#define CORDON_APPLIED_H

#include <stdbool.h>
#include <stdint.h>

#include "nft.h"

/*
 * What cordon last committed to its sets, kept in STATE_DIR/applied.bin
 * and named by a content hash that the same transaction stores in the
 * kernel (comment of the rule in chain "content"). When the kernel's hash
 * and the file's agree, the file is what the kernel holds, and the delta
 * needs no dump: the kernel walks a hash set from its start for every
 * dump message, so dumping a million elements costs tens of seconds.
 * Any doubt (no file, other hash, bad file) falls back to the dump.
 *
 * The file is a log: one base record (a table of shard hashes, every
 * set) and then the deltas applied since, each appended after the
 * kernel's ack, so a one-address change writes a few hundred bytes
 * instead of the whole set. The content hash is the hash of the shard
 * table, so a change reads only the shards whose hash differs from the
 * lists' (applied_load_shards), each checked against its entry. A torn
 * tail (crash mid-append) fails its record check and is cut; a crash
 * between the ack and the append leaves the file one change behind,
 * which the content hash tells (dump, then a new base). Once the deltas
 * outgrow an eighth of the base, the next commit writes a new base
 * instead (temp file, rename). Nothing is fsynced: the hashes, not the
 * disk, keep the file honest (applied.c). docs/internals/enforcer.md.
 */
#define APPLIED_FILE "applied.bin"

/* A set's records in shards by key prefix (applied.c); the table. */
#define APPLIED_SHARDS 256u
#define APPLIED_TAB (NS__COUNT * APPLIED_SHARDS)

/* Where a loaded log ends, for the next append. */
struct applied_log {
	bool valid;          /* the file was loaded and holds hash */
	uint64_t hash;       /* content hash of its last good record */
	uint64_t end;        /* offset after its last good record */
	uint64_t base_bytes; /* size of its base record */
	uint64_t delta_bytes; /* size of the deltas after it */
	uint64_t tab[APPLIED_TAB]; /* every shard's hash, as the kernel has it */
};

/* Content hash over every set; never 0 (0 means "unknown"). */
uint64_t applied_hash(const struct nset_all *a);
/* The same, with every shard's hash into tab (APPLIED_TAB entries). */
uint64_t applied_hash_tab(const struct nset_all *a, uint64_t *tab);
/* Records [*lo, *hi) of v (set id) are its shard s. */
void applied_shard_span(const struct nset_vec *v, enum nset_id id, unsigned s,
			size_t *lo, size_t *hi);
/*
 * 0 when DIR/applied.bin holds exactly content hash want (out filled,
 * lg, if not NULL, says where the log ends); -ENOENT/-EINVAL else.
 */
__must_check int applied_load_log(const char *dir, uint64_t want,
				  struct nset_all *out, struct applied_log *lg);
__must_check int applied_load(const char *dir, uint64_t want,
			      struct nset_all *out);
/*
 * Like applied_load_log, but reading only the shards whose hash in
 * want_tab differs from the file's: out gets their records (each checked
 * against its hash), nothing of the others, which the kernel holds as
 * want_tab says. A one-address change reads one shard, not the file.
 */
__must_check int applied_load_shards(const char *dir, uint64_t want,
				     const uint64_t *want_tab,
				     struct nset_all *out,
				     struct applied_log *lg);
/*
 * A new file holding only a base record of a: atomic replace (fileio.h),
 * fsync'ed: the file must be what its name says.
 */
__must_check int applied_save(const char *dir, const struct nset_all *a,
			      uint64_t hash);
/*
 * The kernel went from before (what lg's file holds) to after (content
 * hash): append the difference, fsynced. A new base instead when lg is
 * not valid or the deltas have grown past an eighth of the base. Sets
 * whose before and after share memory are taken as unchanged.
 */
__must_check int applied_append(const char *dir, const struct applied_log *lg,
				const struct nset_all *before,
				const struct nset_all *after, uint64_t hash);
/*
 * The same with the difference already known: del and add hold, per set,
 * the records of before not in after and of after not in before.
 */
__must_check int applied_append_diff(const char *dir,
				     const struct applied_log *lg,
				     const struct nset_all *after,
				     const struct nset_all *del,
				     const struct nset_all *add, uint64_t hash,
				     const uint64_t *after_tab);
void applied_forget(const char *dir);

#endif
