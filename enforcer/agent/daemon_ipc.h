/* SPDX-License-Identifier: MIT */
#ifndef CORDON_DAEMON_IPC_H
#define CORDON_DAEMON_IPC_H

#include <stdint.h>

#include "cloud.h"
#include "gd.h"
#include "ipc.h"
#include "list.h"
#include "plan.h"

/*
 * Between the parent and the AWS process (it holds the credentials).
 * Both directions of the channel, each type with its validator
 * (daemon_ipc.c): what ipc_recv() is given on either side.
 */
extern const struct ipc_chan daemon_ipc_to_aws;   /* parent -> aws */
extern const struct ipc_chan daemon_ipc_from_aws; /* aws -> parent */

enum {
	IPC_A_SYNC = 300,       /* parent -> aws: sync one list */
	IPC_A_IDENTITY,         /* parent -> aws: instance id, region (IMDS) */
	IPC_A_ACTION,           /* parent -> aws: one cloud action */
	IPC_A_GD_POLL,          /* parent -> aws: GuardDuty findings since */
	IPC_A_HEARTBEAT,        /* parent -> aws: one CloudWatch AgentHeartbeat */
	IPC_A_SYNC_DONE = 400,  /* aws -> parent */
	IPC_A_HELLO,
	IPC_A_IDENTITY_DONE,
	IPC_A_ACTION_DONE,
	IPC_A_GD_FINDING,
	IPC_A_GD_DONE,
	IPC_A_INST_TAGS,        /* aws -> parent, unasked: the instance's tags changed */
	IPC_A_HEARTBEAT_DONE,
};

#define IPC_A_TEXT 16384
#define IPC_A_TAGS 6

struct ipc_a_action {
	struct ipc_hdr h;
	uint32_t act;                /* enum plan_act */
	uint32_t seq;                /* echoed in the answer */
	char target[CLOUD_ID_LEN * 4];
	char groups[CLOUD_MAX_GROUPS][CLOUD_ID_LEN];
	uint32_t n_groups;
	char tag_key[IPC_A_TAGS][64];
	char tag_val[IPC_A_TAGS][256];
	uint32_t n_tags;
	uint8_t flag_a, flag_b;      /* PLAN_PROTECT: termination, shutdown stop */
	char account[16];
	char region[32];
	char subject[128];
	char text[IPC_A_TEXT];
};

struct ipc_a_action_done {
	struct ipc_hdr h;
	uint32_t act, seq;
	int32_t rc;
	char err[256];
	char out_id[96];             /* snapshot id, SNS message id, event id */
	struct cloud_instance inst;  /* PLAN_DESCRIBE */
};

struct ipc_a_identity {
	struct ipc_hdr h;
};

struct ipc_a_identity_done {
	struct ipc_hdr h;
	int32_t rc;
	char instance_id[64];
	char region[32];
	char account[16];
	char err[256];
};

/*
 * The instance's cordon: tags as IMDS shows them (cloud_tags_isolation),
 * sent when they or their readability change.
 */
struct ipc_a_inst_tags {
	struct ipc_hdr h;
	int32_t rc;                  /* 0; -ENOENT: metadata tags disabled (404); -errno */
	char status[16];             /* cloud_tags_status_name() */
	char incident[CLOUD_ID_LEN];
	char finding[CLOUD_ID_LEN];
	char released_at[40];
	char released_incident[CLOUD_ID_LEN];
	char err[256];
};

struct ipc_a_heartbeat {
	struct ipc_hdr h;
	char instance_id[64];
};

struct ipc_a_heartbeat_done {
	struct ipc_hdr h;
	int32_t rc;
	char err[256];
};

struct ipc_a_gd_poll {
	struct ipc_hdr h;
	char detector[GD_DETECTOR_LEN];
	char instance_id[64];
	uint64_t since_ms;
};

struct ipc_a_gd_finding {
	struct ipc_hdr h;
	struct gd_finding f;
};

struct ipc_a_gd_done {
	struct ipc_hdr h;
	int32_t rc;
	char detector[GD_DETECTOR_LEN];
	uint32_t n;
	char err[256];
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
