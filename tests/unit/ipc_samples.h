/* SPDX-License-Identifier: MIT */
#ifndef CORDON_TEST_IPC_SAMPLES_H
#define CORDON_TEST_IPC_SAMPLES_H

/*
 * A valid message of every type both channels carry (tests/unit/test_ipc.c
 * starts from these and breaks one field at a time; tests/fuzz/fuzz_ipc.c
 * seeds from them).
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon.h"
#include "daemon_ipc.h"
#include "finding.h"
#include "sensord.h"
#include "spawnd.h"
#include "sync.h"

static const struct ipc_chan *const ipc_sample_chans[] = {
	&sensord_ipc_to_sensor, &sensord_ipc_to_parent,
	&daemon_ipc_to_aws, &daemon_ipc_from_aws,
	&spawnd_ipc_to_spawner, &spawnd_ipc_to_parent,
};

/*
 * Fill buf (a spec's len bytes) with a valid message of type; *nfds is
 * the number of descriptors it comes with. false: no sample for type.
 */
static inline bool ipc_sample(uint32_t type, void *buf, size_t len, size_t *nfds)
{
	struct ipc_hdr *h = buf;

	memset(buf, 0, len);
	h->type = type;
	h->len = (uint32_t)len;
	*nfds = 0;
	switch (type) {
	case IPC_S_LISTS: {
		struct ipc_s_lists *m = buf;

		m->n = 2;
		m->l[1].kind = 1;
		m->l[1].fmt = LIST_FMT_STIX;
		strcpy(m->l[0].path, "/var/lib/cordon/lists/0123456789abcdef.body");
		strcpy(m->l[0].name, "threat.txt");
		*nfds = 2;
		return true;
	}
	case IPC_S_DUMP:
		((struct ipc_s_dump *)buf)->dlt = 1;
		*nfds = 1;
		return true;
	case IPC_S_REARM:
	case IPC_S_STATS:
	case IPC_S_LISTS_DONE:
	case IPC_S_DUMP_DONE:
	case IPC_A_SYNC:
	case IPC_A_IDENTITY:
	case IPC_A_GD_POLL:
	case IPC_A_SYNC_DONE:
	case IPC_A_IDENTITY_DONE:
	case IPC_A_GD_DONE:
	case IPC_A_HEARTBEAT:
	case IPC_A_HEARTBEAT_DONE:
		return true; /* all zero is valid */
	case IPC_S_HELLO:
		((struct ipc_s_hello *)buf)->pid = 42;
		strcpy(((struct ipc_s_hello *)buf)->caps, "none, seccomp");
		return true;
	case IPC_A_HELLO:
		((struct ipc_a_hello *)buf)->pid = 43;
		return true;
	case SPAWND_START:
		((struct spawnd_req *)buf)->role = SPAWND_AWS;
		return true;
	case SPAWND_KILL:
		((struct spawnd_req *)buf)->pid = 44;
		((struct spawnd_req *)buf)->sig = 9; /* SIGKILL */
		return true;
	case SPAWND_DONE: {
		struct spawnd_done *m = buf;

		m->pid = 45;
		m->ndlt = 2;
		m->dlt[0] = 1;
		m->dlt[1] = 239;
		*nfds = 1;
		return true;
	}
	case IPC_A_INST_TAGS:
		strcpy(((struct ipc_a_inst_tags *)buf)->status, "isolated");
		strcpy(((struct ipc_a_inst_tags *)buf)->incident, "inc-20260101T000000Z-abcdef");
		return true;
	case IPC_S_FINDING: {
		struct ipc_s_finding *m = buf;

		strcpy(m->f.id, "0123456789abcdef0123456789abcdef");
		m->f.dir = FINDING_INBOUND;
		m->f.proto = 6;
		m->f.answered = 1;
		m->f.local.af = AF_INET6;
		m->f.remote.af = AF_INET6;
		m->f.entry.a.af = AF_INET6;
		m->f.entry.len = 128;
		strcpy(m->f.list_name, "threat.txt");
		m->is_new = 1;
		m->trigger_ns = 1;
		return true;
	}
	case IPC_A_ACTION: {
		struct ipc_a_action *m = buf;

		m->act = PLAN_SET_GROUPS;
		strcpy(m->target, "eni-0123");
		m->n_groups = 2;
		strcpy(m->groups[1], "sg-1");
		m->n_tags = 1;
		m->flag_a = 1;
		return true;
	}
	case IPC_A_ACTION_DONE: {
		struct ipc_a_action_done *m = buf;

		m->act = PLAN_DESCRIBE;
		m->rc = -5;
		m->inst.n_eni = 2;
		m->inst.eni[1].device_index = -1;
		m->inst.eni[0].n_groups = 1;
		m->inst.n_volumes = 1;
		return true;
	}
	case IPC_A_GD_FINDING: {
		struct ipc_a_gd_finding *m = buf;

		m->f.severity = 8.5;
		m->f.archived = true;
		m->f.n_remote = 1;
		strcpy(m->f.remote[0], "203.0.113.66");
		return true;
	}
	}
	return false;
}

#endif
