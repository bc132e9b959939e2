/* SPDX-License-Identifier: MIT */
/*
 * The spawner's channel (spawnd.h): one validator per message type, in
 * both directions. The spawner reads the parent's requests as it would a
 * stranger's (a role out of range, a pid that is not one, a signal other
 * than SIGTERM/SIGKILL); the parent checks the answers likewise.
 */
#include <signal.h>

#include "spawnd.h"

static const char *check_req(const void *msg, size_t nfds)
{
	const struct spawnd_req *m = msg;

	(void)nfds;
	if (m->role >= SPAWND__ROLES)
		return "role: not a child";
	if (m->h.type == SPAWND_KILL && m->pid <= 0)
		return "pid: not a process";
	if (m->h.type == SPAWND_KILL && m->sig != SIGTERM && m->sig != SIGKILL)
		return "sig: not SIGTERM or SIGKILL";
	return NULL;
}

static const char *check_done(const void *msg, size_t nfds)
{
	const struct spawnd_done *m = msg;

	if (!ipc_rc_ok(m->rc))
		return "rc: not 0 or -errno";
	if (m->rc == 0 && nfds == 1 && m->pid <= 0)
		return "pid: not a process";
	if (m->ndlt > SENSORD_MAX_CAPS)
		return "ndlt: more than SENSORD_MAX_CAPS";
	IPC_STR(m, err);
	return NULL;
}

static const struct ipc_spec to_spawner[] = {
	{ SPAWND_START, sizeof(struct spawnd_req), 0, "start", check_req },
	{ SPAWND_KILL, sizeof(struct spawnd_req), 0, "kill", check_req },
};
static const struct ipc_spec to_parent[] = {
	{ SPAWND_DONE, sizeof(struct spawnd_done), 1, "done", check_done },
};
const struct ipc_chan spawnd_ipc_to_spawner = { "parent -> spawner", to_spawner,
						ARRAY_SIZE(to_spawner) };
const struct ipc_chan spawnd_ipc_to_parent = { "spawner -> parent", to_parent,
					       ARRAY_SIZE(to_parent) };
