/* SPDX-License-Identifier: MIT */
#ifndef CORDON_STATE_H
#define CORDON_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "enforce.h"

/*
 * The lockdown state file, STATE_DIR/lockdown. It is written (temp file,
 * fsync, rename, fsync of the directory) before the kernel is touched, so
 * a crash or a reboot puts the lockdown back until `cordon release`.
 */
#define STATE_FILE "lockdown"
#define STATE_REASON_LEN 256

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

/* Absent file: unlocked, returns 0. Bad file: -EINVAL, err names the line. */
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
/* Serialise cordon processes that change the table: flock on DIR/lock. */
__must_check int state_lock(const char *dir, int *fd, char *err, size_t errlen);
void state_unlock(int fd);

#endif
