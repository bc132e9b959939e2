/* SPDX-License-Identifier: MIT */
#ifndef CORDON_STATUS_DAEMON_H
#define CORDON_STATUS_DAEMON_H

#include <stdio.h>

struct cJSON;

/*
 * What `cordon status` adds to the kernel's view: the running agent's own
 * status (STATE_DIR/daemon.json: lists with ETag and last sync, capture
 * counters, last errors) and the open incident with each action's state
 * from the journal. Works whether the agent runs or not.
 */
struct cJSON *status_daemon_json(const char *state_dir);
void status_daemon_print(const char *state_dir, FILE *f);

#endif
