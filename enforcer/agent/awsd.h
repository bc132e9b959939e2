/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWSD_H
#define CORDON_AWSD_H

#include "list.h"

/*
 * The AWS process of `cordon run`: it holds the credentials and no
 * capability, and does one request at a time for the parent
 * (enforcer/agent/daemon_ipc.h): list syncs, the instance identity, one
 * cloud step (enum plan_act), GuardDuty polls. It writes nothing but the
 * synced list copies; the parent journals every action.
 */
struct awsd_opts {
	const char *user;       /* drop to this user */
	const char *state_dir;  /* synced lists go to STATE_DIR/lists/ */
	struct list_limits lim;
};

/* Runs in the child after fork(); never returns. */
__attribute__((noreturn)) void awsd_main(int sock, const struct awsd_opts *o);

#endif
