/* SPDX-License-Identifier: MIT */
#ifndef CORDON_RELEASE_H
#define CORDON_RELEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "enforce.h"
#include "util.h"

/*
 * `cordon release`: undo an incident, from the journal alone, so it works
 * while the daemon is stopped and is safe to repeat. Every interface goes
 * back to the groups the journal recorded before cordon touched it, the
 * isolation tags go (a released tag comes), the lockdown is lifted, SNS
 * is told, and the incident is closed. A step that fails leaves the
 * incident open so that the next run tries again.
 */
struct release_opts {
	const char *state_dir;
	const char *incident;   /* NULL: the open one */
	bool local_only;        /* only the lockdown; the journal stays as is */
	const char *sns_topic;  /* NULL or "": no message */
};

struct release_report {
	char incident[64];
	size_t enis_restored, enis_failed;
	bool tags_done, lockdown_lifted, notified, closed;
};

__must_check int release_run(const struct release_opts *ro,
			     const struct enforce_opts *eo,
			     struct release_report *rep, char *err, size_t errlen);

#endif
