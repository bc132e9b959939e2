/* SPDX-License-Identifier: MIT */
/*
 * Forensic lockdown and release. The lockdown chains are always in the
 * table; locking adds one jump per gate chain (and rewrites the small
 * skeleton), so the transaction stays tiny however large the threat sets
 * are: only the allowlist and never-block sets are compared, never the
 * threat sets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enforce_impl.h"
#include "log.h"

static struct enforce_timing last;
/* The kernel holds a lockdown whose state file did not reach the disk. */
static bool owed;

bool enforce_lockdown_owed(void)
{
	return owed;
}

void enforce_last_timing(struct enforce_timing *t)
{
	*t = last;
}

static int apply_small(const char *state_dir, const struct enforce_opts *eff,
		       const struct nft_skel *sk, char *err, size_t errlen)
{
	struct enforce_report rep = { 0 };
	bool sync[NS__COUNT] = { false };
	struct nset_all w;
	int rc;

	nset_all_init(&w);
	sync[NS_ALLOW4N] = sync[NS_ALLOW6N] = true;
	sync[NS_LALLOW4N] = sync[NS_LALLOW6N] = true;
	sync[NS_SAFE4N] = sync[NS_SAFE6N] = true;
	rc = enforce_want_base(&w, eff, err, errlen);
	if (!rc && enforce_want_normalize(&w))
		rc = util_err(err, errlen, "out of memory");
	if (!rc)
		rc = enforce_apply(state_dir, &w, sync, sk, false, &rep, err, errlen);
	last.kernel_ns = rep.elapsed_ns;
	last.messages = rep.messages;
	nset_all_free(&w);
	return rc;
}

int enforce_lockdown(const struct enforce_opts *o, const char *reason,
		     char *err, size_t errlen)
{
	struct enforce_state *st = calloc(1, sizeof(*st));
	struct enforce_opts *eff = calloc(1, sizeof(*eff));
	char serr[ERRLEN] = "";
	struct nft_skel sk;
	uint64_t t0;
	int rc, src, lockfd = -1;

	memset(&last, 0, sizeof(last));
	if (!st || !eff) {
		rc = -ENOMEM;
		goto out;
	}
	/*
	 * Nothing on the disk may keep the lockdown from the kernel: not a
	 * lock another process holds too long, not a state file that cannot
	 * be read (it is written anew), not a full disk (below).
	 */
	if (state_lock(o->state_dir, STATE_LOCK_TIMEOUT_MS, &lockfd, serr, sizeof(serr)))
		log_warnx("lockdown: %s; going on without the lock", serr);
	if (state_load(o->state_dir, st, serr, sizeof(serr))) {
		log_warnx("lockdown: %s; writing a new one", serr);
		memset(st, 0, sizeof(*st));
	}
	/* Resolve everything that can fail before the state says "locked". */
	rc = enforce_prepare(o, true, st, eff, &sk, err, errlen);
	if (rc)
		goto out;
	if (!st->locked)
		st->since_ns = util_now_real_ns();
	st->locked = true;
	if (reason && *reason)
		util_strlcpy(st->reason, reason, sizeof(st->reason));
	memcpy(st->allow, eff->allow, sizeof(st->allow));
	st->n_allow = eff->n_allow;
	memcpy(st->units, eff->units, sizeof(st->units));
	st->n_units = eff->n_units;
	/*
	 * Written (not yet synced) before the kernel is touched, synced
	 * right after its ack: the fsync is most of a lockdown's time and
	 * must not stand between the first packet and the cut. A write that
	 * fails (full disk, even the reserve gone) does not stop the kernel;
	 * it is tried once more after, and owed until a call succeeds.
	 */
	t0 = util_now_mono_ns();
	src = state_save_deferred(o->state_dir, st, serr, sizeof(serr));
	last.state_ns = util_now_mono_ns() - t0;
	rc = apply_small(o->state_dir, eff, &sk, err, errlen);
	if (rc)
		goto out;
	last.ack_real_ns = util_now_real_ns();
	t0 = util_now_mono_ns();
	src = src ? state_save(o->state_dir, st, serr, sizeof(serr)) :
		    state_sync(o->state_dir, serr, sizeof(serr));
	last.sync_ns = util_now_mono_ns() - t0;
	owed = src != 0;
	if (src) {
		rc = src;
		util_err(err, errlen, "in force in the kernel but not recorded (a reboot "
			 "would lift it; run the lockdown again once there is room): %s",
			 serr);
		goto out;
	}
	/* The reserve this write may have used up, made again when there is room. */
	if (state_reserve(o->state_dir, serr, sizeof(serr)))
		log_debug("lockdown: %s", serr);
out:
	state_unlock(lockfd);
	free(st);
	free(eff);
	return rc;
}

int enforce_release(const struct enforce_opts *o, char *err, size_t errlen)
{
	struct enforce_opts *eff = calloc(1, sizeof(*eff));
	struct nft_skel sk;
	uint64_t t0;
	int rc, lockfd = -1;

	memset(&last, 0, sizeof(last));
	if (!eff)
		return -ENOMEM;
	rc = state_lock(o->state_dir, STATE_LOCK_TIMEOUT_MS, &lockfd, err, errlen);
	if (rc)
		goto out;
	rc = enforce_prepare(o, false, NULL, eff, &sk, err, errlen);
	if (rc)
		goto out;
	sk.trip_reset = true; /* a kernel trip is lifted with the lockdown */
	/* Kernel first: a crash in between leaves the lockdown on. */
	rc = apply_small(o->state_dir, eff, &sk, err, errlen);
	if (rc)
		goto out;
	t0 = util_now_mono_ns();
	rc = state_clear(o->state_dir, err, errlen);
	last.state_ns = util_now_mono_ns() - t0;
	if (!rc)
		owed = false;
out:
	state_unlock(lockfd);
	free(eff);
	return rc;
}

int enforce_tripped(char *err, size_t errlen)
{
	struct mnl_socket *nl = NULL;
	int rc = nft_open(&nl, err, errlen);

	if (rc)
		return rc;
	rc = nft_read_trip(nl, err, errlen);
	nft_close(nl);
	return rc;
}

int enforce_table_present(char *err, size_t errlen)
{
	struct mnl_socket *nl = NULL;
	uint64_t sig = 0;
	int rc = nft_open(&nl, err, errlen);

	if (rc)
		return rc;
	/*
	 * The table's skeleton: its input chain's first rule says whose it
	 * is (no table or no chain reads as sig 0: one dump tells both).
	 */
	rc = nft_read_sig(nl, &sig, err, errlen);
	nft_close(nl);
	return rc ? rc : sig != 0;
}

int enforce_unload(char *err, size_t errlen)
{
	struct mnl_socket *nl = NULL;
	struct nft_batch b;
	int rc;

	memset(&b, 0, sizeof(b));
	rc = nft_open(&nl, err, errlen);
	if (rc)
		return rc;
	rc = nft_read_table(nl, err, errlen);
	if (rc <= 0)
		goto out; /* absent: nothing to do */
	rc = nft_batch_init(&b, nft_seq());
	if (!rc) {
		nft_table_delete(&b);
		rc = nft_batch_finish(&b);
	}
	if (rc) {
		util_err(err, errlen, "out of memory");
		goto out;
	}
	rc = nft_batch_send(&b, nl, err, errlen);
out:
	nft_batch_free(&b);
	nft_close(nl);
	return rc;
}
