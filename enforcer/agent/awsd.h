/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWSD_H
#define CORDON_AWSD_H

#include "list.h"

/*
 * The AWS process of `cordon run`: it holds the credentials and no
 * capability, and does one request at a time for the parent
 * (enforcer/agent/daemon_ipc.h): list syncs, the instance identity, one
 * cloud step (enum plan_act), GuardDuty polls. Beside them, a thread of
 * its own reads the instance's tags through IMDS every tag_poll_ms and
 * tells the parent when they change (a slow API call must not hold an
 * off-host isolation or release back). It writes nothing but the synced
 * list copies; the parent journals every action.
 */
struct awsd_opts {
	const char *user;       /* drop to this user (its own uid) */
	const char *group_of;   /* in this user's primary group (the agent's) */
	const char *state_dir;  /* synced lists go to STATE_DIR/lists/ */
	struct list_limits lim;
	uint32_t tag_poll_ms;   /* read the instance's tags through IMDS this often; 0: never */
	unsigned max_attempts;  /* per AWS call (0: AWS_MAX_ATTEMPTS or 3) */
	uint32_t connect_ms, total_ms; /* per attempt (0: 3 s, 30 s) */
	bool no_seccomp;        /* tests under tools that need more syscalls */
};

/* Runs in the child after fork(); never returns. */
__attribute__((noreturn)) void awsd_main(int sock, const struct awsd_opts *o);

#endif
