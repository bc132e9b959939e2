/* SPDX-License-Identifier: MIT */
#ifndef CORDON_STATE_H
#define CORDON_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "allow.h"

/*
 * The lockdown state file, STATE_DIR/lockdown. It is written (temp file,
 * fsync, rename, fsync of the directory; fileio.h) before the kernel is
 * touched, so a crash or a reboot puts the lockdown back until `cordon
 * release`. On a full disk it is written into STATE_DIR/lockdown.reserve,
 * a file of STATE_TEXT_MAX bytes made beforehand (state_reserve()), and
 * renamed: blocks already paid for (docs/internals/enforcer.md).
 */
#define STATE_FILE "lockdown"
#define STATE_RESERVE "lockdown.reserve"
#define STATE_REASON_LEN 256
/* The longest state file: every allow entry and unit, with room to spare. */
#define STATE_TEXT_MAX (1024 + ALLOW_MAX * (ALLOW_STRLEN + 16) + \
			ALLOW_MAX_UNITS * (ALLOW_UNIT_LEN + 8))
/* How long a command waits for another one's state lock. */
#define STATE_LOCK_TIMEOUT_MS 10000

struct enforce_state {
	bool locked;
	uint64_t since_ns;                 /* wall clock */
	char reason[STATE_REASON_LEN];
	/* Extra entries the lockdown was asked for (beyond the config). */
	struct allow_entry allow[ALLOW_MAX];
	size_t n_allow;
	char units[ALLOW_MAX_UNITS][ALLOW_UNIT_LEN];
	size_t n_units;
};

/*
 * Absent file: unlocked, returns 0. Bad file: -EINVAL, err names the line;
 * a symlink or a FIFO in its place: -ELOOP / -ENXIO (never followed).
 */
__must_check int state_load(const char *dir, struct enforce_state *st,
			    char *err, size_t errlen);
__must_check int state_save(const char *dir, const struct enforce_state *st,
			    char *err, size_t errlen);
/*
 * The fast path of a lockdown: the same file written and renamed into
 * place without waiting for the disk, then state_sync() once the kernel
 * holds the lockdown. An agent crash in between loses nothing (the page
 * cache is the kernel's); only a power loss within those milliseconds can
 * lose the record, and the kernel's lockdown with it.
 */
__must_check int state_save_deferred(const char *dir, const struct enforce_state *st,
				     char *err, size_t errlen);
__must_check int state_sync(const char *dir, char *err, size_t errlen);
__must_check int state_clear(const char *dir, char *err, size_t errlen);
/* Make DIR/lockdown.reserve if it is missing (or not ours); cheap when present. */
__must_check int state_reserve(const char *dir, char *err, size_t errlen);
/*
 * Serialise cordon processes that change the table: flock on DIR/lock,
 * waiting at most timeout_ms (then -ETIMEDOUT, err says so).
 */
__must_check int state_lock(const char *dir, unsigned timeout_ms, int *fd,
			    char *err, size_t errlen);
void state_unlock(int fd);

#endif
