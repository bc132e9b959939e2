/* SPDX-License-Identifier: MIT */
/*
 * The sensor channel's validators: one per message type of sensord.h,
 * called by ipc_recv() through the channel tables below. The parent
 * reads what the sensor sends as if the sensor were hostile (it parses
 * packets off the wire): every string must end inside its array, every
 * enum and count be in range, before anything reads the message.
 */
#include "finding.h"
#include "sensord.h"

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
	/* One message at a time in each process: the text lives until the next. */
	static char why[IPC_WHY_LEN];
	const struct ipc_s_finding *m = msg;

	(void)nfds;
	/* The record's own check: what finding_json() and the journal rely on. */
	if (finding_rec_check(&m->f, why, sizeof(why)))
		return why;
	if (m->is_new > 1)
		return "is_new: not 0 or 1";
	return NULL;
}

/* Counters only (deferred included): any value is valid. */
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
