/* SPDX-License-Identifier: MIT */
#ifndef CORDON_ENFORCE_IMPL_H
#define CORDON_ENFORCE_IMPL_H

/* Shared by enforce.c, lockdown.c and the cmd_*.c files of enforcer/. */
#include "enforce.h"
#include "nft.h"
#include "state.h"

#define ENF_NO_UID NFT_NO_UID

/*
 * Fill sk from o (and, when locked, the extra entries st recorded):
 * agent uid, cgroup ids of the units, ported allow entries. eff gets the
 * effective options (o plus st's extras). Returns 0 or -errno.
 */
__must_check int enforce_prepare(const struct enforce_opts *o, bool locked,
			     const struct enforce_state *st,
			     struct enforce_opts *eff, struct nft_skel *sk,
			     char *err, size_t errlen);
/* Allowlist and never-block sets from the effective options. */
__must_check int enforce_want_base(struct nset_all *w, const struct enforce_opts *eff,
			       char *err, size_t errlen);
/* Add one loaded list to w (threat or trusted); checks the floor. */
__must_check int enforce_want_list(struct nset_all *w, const struct list *l,
			       const struct enforce_opts *o, char *err,
			       size_t errlen);
/* Sort, merge, and drop hosts that a prefix of the same kind covers. */
__must_check int enforce_want_normalize(struct nset_all *w);
/*
 * One transaction: the skeleton when its signature differs, then the
 * delta of every set in sync[] (deletions first). replace: flush and
 * reload those sets instead. Nothing is sent when nothing differs.
 */
__must_check int enforce_apply(const char *state_dir, const struct nset_all *want,
			   const bool sync[NS__COUNT], const struct nft_skel *sk,
			   bool replace, struct enforce_report *rep, char *err,
			   size_t errlen);
/* enforce_lists() on an already filled w (cmd_enforce loads lists one by one). */
__must_check int enforce_lists_apply(struct nset_all *w, const struct enforce_opts *o,
				 bool replace, struct enforce_report *rep,
				 char *err, size_t errlen);

#endif
