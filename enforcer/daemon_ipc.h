/* SPDX-License-Identifier: MIT */
#ifndef CORDON_DAEMON_IPC_H
#define CORDON_DAEMON_IPC_H

#include <stdint.h>

#include "ipc.h"
#include "list.h"

/* Between the parent and the AWS process (it holds the credentials). */
enum {
	IPC_A_SYNC = 300,       /* parent -> aws: sync one list */
	IPC_A_SYNC_DONE = 400,  /* aws -> parent */
	IPC_A_HELLO,
};

struct ipc_a_sync {
	struct ipc_hdr h;
	uint32_t index;
	struct list_spec spec;
};

struct ipc_a_sync_done {
	struct ipc_hdr h;
	uint32_t index;
	int32_t rc;
	uint8_t res;        /* enum sync_result */
	uint8_t in_force;
	uint64_t entries;
	char etag[256];
	char reason[256];
};

struct ipc_a_hello {
	struct ipc_hdr h;
	int32_t pid;
	char caps[64];
};

#endif
