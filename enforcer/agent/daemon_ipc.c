/* SPDX-License-Identifier: MIT */
/*
 * The AWS channel's validators: one per message type of daemon_ipc.h,
 * called by ipc_recv() through the channel tables below. The AWS process
 * parses what AWS and the instance metadata answer; the parent reads its
 * messages as if it were hostile: every string must end inside its array,
 * every enum and count be in range, before anything reads the message.
 * Arrays with a count are checked up to the count (nothing reads past it).
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "daemon_ipc.h"
#include "sync.h"

/* enum plan_act: the steps the AWS process can do. */
static bool act_ok(uint32_t act)
{
	return act >= PLAN_DESCRIBE && act <= PLAN_ACT_LAST;
}

/* parent -> aws */

static const char *check_sync(const void *msg, size_t nfds)
{
	const struct ipc_a_sync *m = msg;

	(void)nfds;
	if (m->index >= CONFIG_MAX_LISTS)
		return "index: not a list";
	if ((unsigned)m->spec.fmt >= LIST_FMT__COUNT)
		return "spec.fmt: not a list format";
	if (m->spec.kind != LIST_THREAT && m->spec.kind != LIST_TRUSTED)
		return "spec.kind: not threat or trusted";
	IPC_STR(m, spec.location);
	return NULL;
}

static const char *check_empty(const void *msg, size_t nfds)
{
	(void)msg;
	(void)nfds;
	return NULL;
}

static const char *check_action(const void *msg, size_t nfds)
{
	const struct ipc_a_action *m = msg;

	(void)nfds;
	if (!act_ok(m->act))
		return "act: not a plan step (enum plan_act)";
	IPC_STR(m, target);
	if (m->n_groups > CLOUD_MAX_GROUPS)
		return "n_groups: more than CLOUD_MAX_GROUPS";
	for (uint32_t i = 0; i < m->n_groups; i++)
		IPC_STR(m, groups[i]);
	if (m->n_tags > IPC_A_TAGS)
		return "n_tags: more than IPC_A_TAGS";
	for (uint32_t i = 0; i < m->n_tags; i++) {
		IPC_STR(m, tag_key[i]);
		IPC_STR(m, tag_val[i]);
	}
	if (m->flag_a > 1 || m->flag_b > 1)
		return "flag_a/flag_b: not 0 or 1";
	IPC_STR(m, account);
	IPC_STR(m, region);
	IPC_STR(m, subject);
	IPC_STR(m, text);
	return NULL;
}

static const char *check_gd_poll(const void *msg, size_t nfds)
{
	const struct ipc_a_gd_poll *m = msg;

	(void)nfds;
	IPC_STR(m, detector);
	IPC_STR(m, instance_id);
	return NULL;
}

/* aws -> parent */

static const char *check_hello(const void *msg, size_t nfds)
{
	const struct ipc_a_hello *m = msg;

	(void)nfds;
	if (m->pid <= 0)
		return "pid: not positive";
	IPC_STR(m, caps);
	return NULL;
}

static const char *check_sync_done(const void *msg, size_t nfds)
{
	const struct ipc_a_sync_done *m = msg;

	(void)nfds;
	if (m->index >= CONFIG_MAX_LISTS)
		return "index: not a list";
	if (!ipc_rc_ok(m->rc))
		return "rc: not 0 or -errno";
	if (m->res > SYNC_FAILED)
		return "res: not a sync result";
	if (m->in_force > 1)
		return "in_force: not 0 or 1";
	IPC_STR(m, etag);
	IPC_STR(m, reason);
	return NULL;
}

static const char *check_identity_done(const void *msg, size_t nfds)
{
	const struct ipc_a_identity_done *m = msg;

	(void)nfds;
	if (!ipc_rc_ok(m->rc))
		return "rc: not 0 or -errno";
	IPC_STR(m, instance_id);
	IPC_STR(m, region);
	IPC_STR(m, account);
	IPC_STR(m, err);
	return NULL;
}

static const char *check_action_done(const void *msg, size_t nfds)
{
	const struct ipc_a_action_done *m = msg;

	(void)nfds;
	if (!act_ok(m->act))
		return "act: not a plan step (enum plan_act)";
	if (!ipc_rc_ok(m->rc))
		return "rc: not 0 or -errno";
	IPC_STR(m, err);
	IPC_STR(m, out_id);
	IPC_STR(m, inst.id);
	IPC_STR(m, inst.vpc_id);
	IPC_STR(m, inst.subnet_id);
	IPC_STR(m, inst.state);
	if (m->inst.n_eni > CLOUD_MAX_ENIS)
		return "inst.n_eni: more than CLOUD_MAX_ENIS";
	for (size_t i = 0; i < m->inst.n_eni; i++) {
		IPC_STR(m, inst.eni[i].id);
		IPC_STR(m, inst.eni[i].attachment_id);
		IPC_STR(m, inst.eni[i].private_ip);
		if (m->inst.eni[i].device_index < -1 || m->inst.eni[i].device_index > 255)
			return "inst.eni[i].device_index: not -1..255";
		if (m->inst.eni[i].n_groups > CLOUD_MAX_GROUPS)
			return "inst.eni[i].n_groups: more than CLOUD_MAX_GROUPS";
		for (size_t j = 0; j < m->inst.eni[i].n_groups; j++)
			IPC_STR(m, inst.eni[i].groups[j]);
	}
	if (m->inst.n_volumes > CLOUD_MAX_VOLUMES)
		return "inst.n_volumes: more than CLOUD_MAX_VOLUMES";
	for (size_t i = 0; i < m->inst.n_volumes; i++)
		IPC_STR(m, inst.volumes[i]);
	return NULL;
}

static const char *check_gd_finding(const void *msg, size_t nfds)
{
	const struct ipc_a_gd_finding *m = msg;

	(void)nfds;
	IPC_STR(m, f.id);
	IPC_STR(m, f.type);
	/* The parser takes 0-100; NaN would pass every comparison. */
	if (!isfinite(m->f.severity) || m->f.severity < 0 || m->f.severity > 100)
		return "f.severity: not a number from 0 to 100";
	IPC_STR(m, f.title);
	IPC_STR(m, f.created_at);
	IPC_STR(m, f.updated_at);
	IPC_STR(m, f.account);
	IPC_STR(m, f.region);
	IPC_STR(m, f.instance_id);
	if (!ipc_bool_ok(&m->f.archived))
		return "f.archived: not a bool";
	if (m->f.n_remote > GD_MAX_REMOTE)
		return "f.n_remote: more than GD_MAX_REMOTE";
	for (size_t i = 0; i < m->f.n_remote; i++)
		IPC_STR(m, f.remote[i]);
	if (!ipc_bool_ok(&m->f.remote_truncated))
		return "f.remote_truncated: not a bool";
	return NULL;
}

static const char *check_gd_done(const void *msg, size_t nfds)
{
	const struct ipc_a_gd_done *m = msg;

	(void)nfds;
	if (!ipc_rc_ok(m->rc))
		return "rc: not 0 or -errno";
	IPC_STR(m, detector);
	IPC_STR(m, err);
	return NULL;
}

static const char *check_heartbeat(const void *msg, size_t nfds)
{
	const struct ipc_a_heartbeat *m = msg;

	(void)nfds;
	IPC_STR(m, instance_id);
	return NULL;
}

static const char *check_heartbeat_done(const void *msg, size_t nfds)
{
	const struct ipc_a_heartbeat_done *m = msg;

	(void)nfds;
	if (!ipc_rc_ok(m->rc))
		return "rc: not 0 or -errno";
	IPC_STR(m, err);
	return NULL;
}

static const char *check_inst_tags(const void *msg, size_t nfds)
{
	static const char *const words[] = { "none", "installed", "install-failed", "isolated",
					     "released" };
	const struct ipc_a_inst_tags *m = msg;
	bool known = false;

	(void)nfds;
	if (!ipc_rc_ok(m->rc))
		return "rc: not 0 or -errno";
	IPC_STR(m, status);
	IPC_STR(m, incident);
	IPC_STR(m, finding);
	IPC_STR(m, released_at);
	IPC_STR(m, released_incident);
	IPC_STR(m, err);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		known |= !strcmp(m->status, words[i]);
	if (!m->rc && !known)
		return "status: not a cordon:status word";
	return NULL;
}

static const struct ipc_spec to_aws[] = {
	{ IPC_A_SYNC, sizeof(struct ipc_a_sync), 0, "sync", check_sync },
	{ IPC_A_IDENTITY, sizeof(struct ipc_a_identity), 0, "identity", check_empty },
	{ IPC_A_ACTION, sizeof(struct ipc_a_action), 0, "action", check_action },
	{ IPC_A_GD_POLL, sizeof(struct ipc_a_gd_poll), 0, "guardduty poll",
	  check_gd_poll },
	{ IPC_A_HEARTBEAT, sizeof(struct ipc_a_heartbeat), 0, "heartbeat", check_heartbeat },
};

static const struct ipc_spec from_aws[] = {
	{ IPC_A_HELLO, sizeof(struct ipc_a_hello), 0, "hello", check_hello },
	{ IPC_A_SYNC_DONE, sizeof(struct ipc_a_sync_done), 0, "sync done",
	  check_sync_done },
	{ IPC_A_IDENTITY_DONE, sizeof(struct ipc_a_identity_done), 0, "identity done",
	  check_identity_done },
	{ IPC_A_ACTION_DONE, sizeof(struct ipc_a_action_done), 0, "action done",
	  check_action_done },
	{ IPC_A_GD_FINDING, sizeof(struct ipc_a_gd_finding), 0, "guardduty finding",
	  check_gd_finding },
	{ IPC_A_GD_DONE, sizeof(struct ipc_a_gd_done), 0, "guardduty done",
	  check_gd_done },
	{ IPC_A_INST_TAGS, sizeof(struct ipc_a_inst_tags), 0, "instance tags",
	  check_inst_tags },
	{ IPC_A_HEARTBEAT_DONE, sizeof(struct ipc_a_heartbeat_done), 0, "heartbeat done",
	  check_heartbeat_done },
};

const struct ipc_chan daemon_ipc_to_aws = {
	"parent -> aws", to_aws, ARRAY_SIZE(to_aws)
};
const struct ipc_chan daemon_ipc_from_aws = {
	"aws -> parent", from_aws, ARRAY_SIZE(from_aws)
};
