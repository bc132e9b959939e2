/* SPDX-License-Identifier: MIT */
#ifndef CORDON_APPLIED_H
#define CORDON_APPLIED_H

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
 */
#define APPLIED_FILE "applied.bin"

/* Content hash over every set; never 0 (0 means "unknown"). */
uint64_t applied_hash(const struct nset_all *a);
/* 0 when DIR/applied.bin holds exactly content hash want; -ENOENT/-EINVAL else. */
__must_check int applied_load(const char *dir, uint64_t want,
			      struct nset_all *out);
/* Atomic replace (fileio.h), fsync'ed: the file must be what its name says. */
__must_check int applied_save(const char *dir, const struct nset_all *a,
			      uint64_t hash);
void applied_forget(const char *dir);

#endif
