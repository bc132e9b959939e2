/* SPDX-License-Identifier: MIT */
/*
 * The sensor channel's validators: one per message type of sensord.h,
 * called by ipc_recv() through the channel tables below. The parent
 * reads what the sensor sends as if the sensor were hostile (it parses
 * packets off the wire): every string must end inside its array, every
 * enum and count be in range, before anything reads the message.
 */
#include <string.h>
#include <sys/socket.h>

#include "finding.h"
#include "sensord.h"

static bool addr_ok(const struct cd_addr *a)
{
	return a->af == AF_INET || a->af == AF_INET6;
}

static bool hex32(const char *s)
{
	for (size_t i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[32] == '\0';
}

/* parent -> sensor */

static const char *check_lists(const void *msg, size_t nfds)
{
	const struct ipc_s_lists *m = msg;

	if (m->n > SENSORD_MAX_LISTS)
		return "n: more than SENSORD_MAX_LISTS";
	if (nfds != m->n)
		return "n: not the number of descriptors attached";
	for (uint32_t i = 0; i < m->n; i++) {
		if (m->l[i].kind > 1)
			return "l[].kind: not 0 (threat) or 1 (trusted)";
		if (m->l[i].fmt >= LIST_FMT__COUNT)
			return "l[].fmt: not a list format";
		IPC_STR(m, l[i].path);
		IPC_STR(m, l[i].name);
	}
	return NULL;
}

static const char *check_dump(const void *msg, size_t nfds)
{
	const struct ipc_s_dump *m = msg;

	if (nfds != 1)
		return "no file descriptor attached";
	if (m->dlt < 0)
		return "dlt: negative";
	return NULL;
}

static const char *check_rearm(const void *msg, size_t nfds)
{
	(void)msg;
	return nfds ? "descriptor attached" : NULL;
}

/* sensor -> parent */

static const char *check_hello(const void *msg, size_t nfds)
{
	const struct ipc_s_hello *m = msg;

	(void)nfds;
	if (m->pid <= 0)
		return "pid: not positive";
	IPC_STR(m, caps);
	return NULL;
}

static const char *check_lists_done(const void *msg, size_t nfds)
{
	const struct ipc_s_lists_done *m = msg;

	(void)nfds;
	if (!ipc_rc_ok(m->rc))
		return "rc: not 0 or -errno";
	IPC_STR(m, err);
	return NULL;
}

static const char *check_finding(const void *msg, size_t nfds)
{
	const struct ipc_s_finding *m = msg;

	(void)nfds;
	/* It names journal records and evidence: exactly 32 lowercase hex. */
	if (!hex32(m->id))
		return "id: not 32 lowercase hex digits";
	if (m->dir != FINDING_OUTBOUND && m->dir != FINDING_INBOUND)
		return "dir: not OUTBOUND or INBOUND";
	if (m->flags & ~(IPC_F_NEW | IPC_F_BLOCKED | IPC_F_ANSWERED | IPC_F_ESTABLISHED))
		return "flags: unknown bits";
	if (!addr_ok(&m->local))
		return "local: not IPv4 or IPv6";
	if (!addr_ok(&m->remote))
		return "remote: not IPv4 or IPv6";
	IPC_STR(m, list);
	if (!addr_ok(&m->entry.a))
		return "entry: not IPv4 or IPv6";
	if (m->entry.len > addr_bits(&m->entry.a))
		return "entry: prefix length out of range";
	return NULL;
}

/* Counters only: any value is valid. */
static const char *check_stats(const void *msg, size_t nfds)
{
	(void)msg;
	(void)nfds;
	return NULL;
}

static const char *check_dump_done(const void *msg, size_t nfds)
{
	const struct ipc_s_dump_done *m = msg;

	(void)nfds;
	if (m->dlt < 0)
		return "dlt: negative";
	if (m->rc < -4095)
		return "rc: not a count or -errno";
	IPC_STR(m, err);
	return NULL;
}

static const struct ipc_spec to_sensor[] = {
	{ IPC_S_LISTS, sizeof(struct ipc_s_lists), SENSORD_MAX_LISTS, "lists", check_lists },
	{ IPC_S_DUMP, sizeof(struct ipc_s_dump), 1, "dump", check_dump },
	{ IPC_S_REARM, sizeof(struct ipc_s_rearm), 0, "rearm", check_rearm },
};

static const struct ipc_spec to_parent[] = {
	{ IPC_S_HELLO, sizeof(struct ipc_s_hello), 0, "hello", check_hello },
	{ IPC_S_LISTS_DONE, sizeof(struct ipc_s_lists_done), 0, "lists done",
	  check_lists_done },
	{ IPC_S_FINDING, sizeof(struct ipc_s_finding), 0, "finding", check_finding },
	{ IPC_S_STATS, sizeof(struct ipc_s_stats), 0, "stats", check_stats },
	{ IPC_S_DUMP_DONE, sizeof(struct ipc_s_dump_done), 0, "dump done",
	  check_dump_done },
};

const struct ipc_chan sensord_ipc_to_sensor = {
	"parent -> sensor", to_sensor, ARRAY_SIZE(to_sensor)
};
const struct ipc_chan sensord_ipc_to_parent = {
	"sensor -> parent", to_parent, ARRAY_SIZE(to_parent)
};

_Static_assert(SENSORD_MAX_LISTS <= IPC_MAX_FDS, "one descriptor per list");
