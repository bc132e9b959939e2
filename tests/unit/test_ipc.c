/* SPDX-License-Identifier: MIT */
/*
 * common/ipc.c and both channels' validators: every type's sample is
 * accepted, and each field of each type, broken on its own, gets the
 * message refused with that field named. Then the real path over a
 * SOCK_SEQPACKET pair: descriptors kept or closed, sizes, truncation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc_samples.h"

static union {
	struct ipc_hdr h;
	char raw[IPC_MAX];
	max_align_t align;
} msg;

static const struct ipc_spec *spec_of(const struct ipc_chan *ch, uint32_t type)
{
	for (size_t i = 0; i < ch->n; i++)
		if (ch->specs[i].type == type)
			return &ch->specs[i];
	return NULL;
}

static size_t sample(const struct ipc_chan *ch, uint32_t type)
{
	const struct ipc_spec *s = spec_of(ch, type);
	size_t nfds;

	assert_non_null(s);
	assert_true(ipc_sample(type, msg.raw, s->len, &nfds));
	return nfds;
}

/* Every type of every channel: a validator, and its sample passes. */
static void test_samples_accepted(void **state)
{
	char why[IPC_WHY_LEN];

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(ipc_sample_chans); c++) {
		const struct ipc_chan *ch = ipc_sample_chans[c];

		for (size_t i = 0; i < ch->n; i++) {
			size_t nfds = sample(ch, ch->specs[i].type);

			assert_non_null(ch->specs[i].check);
			if (ipc_check(ch, msg.raw, ch->specs[i].len, nfds, why, sizeof(why)))
				fail_msg("%s: %s: sample refused: %s", ch->name,
					 ch->specs[i].name, why);
		}
	}
}

/* One broken field: which bytes, what value (or no NUL at all). */
struct bad {
	const struct ipc_chan *ch;
	uint32_t type;
	size_t off, size;
	int64_t val;
	bool unterminated;
	const char *why;
};

#define STR_AT(ch, T, type, field)                                             \
	{ ch, type, offsetof(T, field), sizeof(((T *)0)->field), 0, true,     \
	  #field ": not NUL-terminated" }
#define VAL_AT(ch, T, type, field, v, why)                                     \
	{ ch, type, offsetof(T, field), sizeof(((T *)0)->field), v, false, why }

#define S_IN &sensord_ipc_to_sensor
#define S_OUT &sensord_ipc_to_parent
#define A_IN &daemon_ipc_to_aws
#define A_OUT &daemon_ipc_from_aws
#define W_IN &spawnd_ipc_to_spawner
#define W_OUT &spawnd_ipc_to_parent

static const struct bad bads[] = {
	/* parent -> sensor */
	VAL_AT(S_IN, struct ipc_s_lists, IPC_S_LISTS, n, SENSORD_MAX_LISTS + 1, "n: more than"),
	VAL_AT(S_IN, struct ipc_s_lists, IPC_S_LISTS, n, 3, "n: not the number of descriptors"),
	VAL_AT(S_IN, struct ipc_s_lists, IPC_S_LISTS, l[1].kind, 2, "kind"),
	VAL_AT(S_IN, struct ipc_s_lists, IPC_S_LISTS, l[0].fmt, LIST_FMT__COUNT, "fmt"),
	{ S_IN, IPC_S_LISTS, offsetof(struct ipc_s_lists, l[0].path), 512, 0, true,
	  "l[i].path: not NUL-terminated" },
	{ S_IN, IPC_S_LISTS, offsetof(struct ipc_s_lists, l[1].name), 128, 0, true,
	  "l[i].name: not NUL-terminated" },
	VAL_AT(S_IN, struct ipc_s_dump, IPC_S_DUMP, dlt, -1, "dlt: negative"),
	/* sensor -> parent */
	VAL_AT(S_OUT, struct ipc_s_hello, IPC_S_HELLO, pid, 0, "pid"),
	VAL_AT(S_OUT, struct ipc_s_hello, IPC_S_HELLO, pid, -7, "pid"),
	STR_AT(S_OUT, struct ipc_s_hello, IPC_S_HELLO, caps),
	VAL_AT(S_OUT, struct ipc_s_lists_done, IPC_S_LISTS_DONE, rc, 1, "rc"),
	VAL_AT(S_OUT, struct ipc_s_lists_done, IPC_S_LISTS_DONE, rc, -4096, "rc"),
	STR_AT(S_OUT, struct ipc_s_lists_done, IPC_S_LISTS_DONE, err),
	/* struct finding_rec: finding_rec_check()'s words */
	{ S_OUT, IPC_S_FINDING, offsetof(struct ipc_s_finding, f.id),
	  sizeof(((struct ipc_s_finding *)0)->f.id), 0, true, "id is not 32 hex digits" },
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.id[5], 'A', "id is not 32 hex digits"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.id[31], 0, "id is not 32 hex digits"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.dir, 2, "direction 2"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.blocked, 2, "a flag is not 0 or 1"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.answered, 255, "a flag is not 0 or 1"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.established, 3, "a flag is not 0 or 1"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.local.af, 0, "bad address family"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.remote.af, 99, "bad address family"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.remote.af, AF_INET, "bad address family"),
	{ S_OUT, IPC_S_FINDING, offsetof(struct ipc_s_finding, f.list_name),
	  sizeof(((struct ipc_s_finding *)0)->f.list_name), 0, true, "list name not terminated" },
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.entry.a.af, 1, "bad list entry"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, f.entry.len, 129, "bad list entry"),
	VAL_AT(S_OUT, struct ipc_s_finding, IPC_S_FINDING, is_new, 2, "is_new: not 0 or 1"),
	VAL_AT(S_OUT, struct ipc_s_dump_done, IPC_S_DUMP_DONE, dlt, -1, "dlt"),
	VAL_AT(S_OUT, struct ipc_s_dump_done, IPC_S_DUMP_DONE, rc, -4096, "rc"),
	STR_AT(S_OUT, struct ipc_s_dump_done, IPC_S_DUMP_DONE, err),
	/* parent -> aws */
	VAL_AT(A_IN, struct ipc_a_sync, IPC_A_SYNC, index, RUN_MAX_LISTS, "index"),
	VAL_AT(A_IN, struct ipc_a_sync, IPC_A_SYNC, spec.fmt, LIST_FMT__COUNT, "spec.fmt"),
	VAL_AT(A_IN, struct ipc_a_sync, IPC_A_SYNC, spec.kind, 2, "spec.kind"),
	STR_AT(A_IN, struct ipc_a_sync, IPC_A_SYNC, spec.location),
	VAL_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, act, 0, "act"),
	VAL_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, act, PLAN_TAG_ENI + 1, "act"),
	STR_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, target),
	VAL_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, n_groups, CLOUD_MAX_GROUPS + 1, "n_groups"),
	{ A_IN, IPC_A_ACTION, offsetof(struct ipc_a_action, groups[1]), CLOUD_ID_LEN, 0, true,
	  "groups[i]: not NUL-terminated" },
	VAL_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, n_tags, IPC_A_TAGS + 1, "n_tags"),
	{ A_IN, IPC_A_ACTION, offsetof(struct ipc_a_action, tag_key[0]), 64, 0, true,
	  "tag_key[i]: not NUL-terminated" },
	{ A_IN, IPC_A_ACTION, offsetof(struct ipc_a_action, tag_val[0]), 256, 0, true,
	  "tag_val[i]: not NUL-terminated" },
	VAL_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, flag_a, 2, "flag_a"),
	VAL_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, flag_b, 255, "flag_b"),
	STR_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, account),
	STR_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, region),
	STR_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, subject),
	STR_AT(A_IN, struct ipc_a_action, IPC_A_ACTION, text),
	STR_AT(A_IN, struct ipc_a_heartbeat, IPC_A_HEARTBEAT, instance_id),
	STR_AT(A_IN, struct ipc_a_gd_poll, IPC_A_GD_POLL, detector),
	STR_AT(A_IN, struct ipc_a_gd_poll, IPC_A_GD_POLL, instance_id),
	/* parent -> spawner, spawner -> parent */
	VAL_AT(W_IN, struct spawnd_req, SPAWND_START, role, SPAWND__ROLES, "role"),
	VAL_AT(W_IN, struct spawnd_req, SPAWND_KILL, role, 7, "role"),
	VAL_AT(W_IN, struct spawnd_req, SPAWND_KILL, pid, 0, "pid"),
	VAL_AT(W_IN, struct spawnd_req, SPAWND_KILL, pid, -1, "pid"),
	VAL_AT(W_IN, struct spawnd_req, SPAWND_KILL, sig, 1, "sig"),
	VAL_AT(W_OUT, struct spawnd_done, SPAWND_DONE, rc, 1, "rc"),
	VAL_AT(W_OUT, struct spawnd_done, SPAWND_DONE, pid, 0, "pid"),
	VAL_AT(W_OUT, struct spawnd_done, SPAWND_DONE, ndlt, SENSORD_MAX_CAPS + 1, "ndlt"),
	STR_AT(W_OUT, struct spawnd_done, SPAWND_DONE, err),
	/* aws -> parent */
	VAL_AT(A_OUT, struct ipc_a_hello, IPC_A_HELLO, pid, 0, "pid"),
	STR_AT(A_OUT, struct ipc_a_hello, IPC_A_HELLO, caps),
	VAL_AT(A_OUT, struct ipc_a_sync_done, IPC_A_SYNC_DONE, index, RUN_MAX_LISTS, "index"),
	VAL_AT(A_OUT, struct ipc_a_sync_done, IPC_A_SYNC_DONE, rc, 3, "rc"),
	VAL_AT(A_OUT, struct ipc_a_sync_done, IPC_A_SYNC_DONE, res, SYNC_FAILED + 1, "res"),
	VAL_AT(A_OUT, struct ipc_a_sync_done, IPC_A_SYNC_DONE, in_force, 2, "in_force"),
	STR_AT(A_OUT, struct ipc_a_sync_done, IPC_A_SYNC_DONE, etag),
	STR_AT(A_OUT, struct ipc_a_sync_done, IPC_A_SYNC_DONE, reason),
	VAL_AT(A_OUT, struct ipc_a_identity_done, IPC_A_IDENTITY_DONE, rc, 1, "rc"),
	STR_AT(A_OUT, struct ipc_a_identity_done, IPC_A_IDENTITY_DONE, instance_id),
	STR_AT(A_OUT, struct ipc_a_identity_done, IPC_A_IDENTITY_DONE, region),
	STR_AT(A_OUT, struct ipc_a_identity_done, IPC_A_IDENTITY_DONE, account),
	STR_AT(A_OUT, struct ipc_a_identity_done, IPC_A_IDENTITY_DONE, err),
	VAL_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, act, 99, "act"),
	VAL_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, rc, 1, "rc"),
	STR_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, err),
	STR_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, out_id),
	{ A_OUT, IPC_A_ACTION_DONE, offsetof(struct ipc_a_action_done, inst.id), CLOUD_ID_LEN, 0, true,
	  "inst.id: not NUL-terminated" },
	STR_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, inst.vpc_id),
	STR_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, inst.subnet_id),
	STR_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, inst.state),
	VAL_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, inst.n_eni, CLOUD_MAX_ENIS + 1,
	       "inst.n_eni"),
	{ A_OUT, IPC_A_ACTION_DONE, offsetof(struct ipc_a_action_done, inst.eni[1].id), CLOUD_ID_LEN, 0,
	  true, "inst.eni[i].id: not NUL-terminated" },
	{ A_OUT, IPC_A_ACTION_DONE, offsetof(struct ipc_a_action_done, inst.eni[0].attachment_id),
	  CLOUD_ID_LEN, 0, true, "inst.eni[i].attachment_id: not NUL-terminated" },
	{ A_OUT, IPC_A_ACTION_DONE, offsetof(struct ipc_a_action_done, inst.eni[1].private_ip), 48, 0,
	  true, "inst.eni[i].private_ip: not NUL-terminated" },
	VAL_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, inst.eni[0].device_index, -2,
	       "device_index"),
	VAL_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, inst.eni[1].device_index, 256,
	       "device_index"),
	VAL_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, inst.eni[1].n_groups,
	       CLOUD_MAX_GROUPS + 1, "inst.eni[i].n_groups"),
	{ A_OUT, IPC_A_ACTION_DONE, offsetof(struct ipc_a_action_done, inst.eni[0].groups[0]),
	  CLOUD_ID_LEN, 0, true, "inst.eni[i].groups[j]: not NUL-terminated" },
	VAL_AT(A_OUT, struct ipc_a_action_done, IPC_A_ACTION_DONE, inst.n_volumes,
	       CLOUD_MAX_VOLUMES + 1, "inst.n_volumes"),
	{ A_OUT, IPC_A_ACTION_DONE, offsetof(struct ipc_a_action_done, inst.volumes[0]), CLOUD_ID_LEN,
	  0, true, "inst.volumes[i]: not NUL-terminated" },
	VAL_AT(A_OUT, struct ipc_a_heartbeat_done, IPC_A_HEARTBEAT_DONE, rc, 1, "rc"),
	STR_AT(A_OUT, struct ipc_a_heartbeat_done, IPC_A_HEARTBEAT_DONE, err),
	VAL_AT(A_OUT, struct ipc_a_inst_tags, IPC_A_INST_TAGS, rc, 1, "rc"),
	VAL_AT(A_OUT, struct ipc_a_inst_tags, IPC_A_INST_TAGS, status[0], 'X', "status: not a cordon:status word"),
	VAL_AT(A_OUT, struct ipc_a_inst_tags, IPC_A_INST_TAGS, status[0], 0, "status: not a cordon:status word"),
	STR_AT(A_OUT, struct ipc_a_inst_tags, IPC_A_INST_TAGS, status),
	STR_AT(A_OUT, struct ipc_a_inst_tags, IPC_A_INST_TAGS, incident),
	STR_AT(A_OUT, struct ipc_a_inst_tags, IPC_A_INST_TAGS, finding),
	STR_AT(A_OUT, struct ipc_a_inst_tags, IPC_A_INST_TAGS, released_at),
	STR_AT(A_OUT, struct ipc_a_inst_tags, IPC_A_INST_TAGS, released_incident),
	STR_AT(A_OUT, struct ipc_a_inst_tags, IPC_A_INST_TAGS, err),
	STR_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.id),
	STR_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.type),
	STR_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.title),
	STR_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.created_at),
	STR_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.updated_at),
	STR_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.account),
	STR_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.region),
	STR_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.instance_id),
	VAL_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.archived, 2, "archived"),
	VAL_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.n_remote, GD_MAX_REMOTE + 1,
	       "n_remote"),
	{ A_OUT, IPC_A_GD_FINDING, offsetof(struct ipc_a_gd_finding, f.remote[0]), 48, 0, true,
	  "f.remote[i]: not NUL-terminated" },
	VAL_AT(A_OUT, struct ipc_a_gd_finding, IPC_A_GD_FINDING, f.remote_truncated, 7,
	       "remote_truncated"),
	VAL_AT(A_OUT, struct ipc_a_gd_done, IPC_A_GD_DONE, rc, 4, "rc"),
	STR_AT(A_OUT, struct ipc_a_gd_done, IPC_A_GD_DONE, detector),
	STR_AT(A_OUT, struct ipc_a_gd_done, IPC_A_GD_DONE, err),
};

static void put(char *p, size_t size, int64_t v)
{
	switch (size) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	case 8: { uint64_t x = (uint64_t)v; memcpy(p, &x, 8); break; }
	default: fail_msg("field of %zu bytes", size);
	}
}

/* Each field, broken on its own, is refused and named. */
static void test_each_field_refused(void **state)
{
	char why[IPC_WHY_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		const struct bad *b = &bads[i];
		const struct ipc_spec *s = spec_of(b->ch, b->type);
		size_t nfds = sample(b->ch, b->type);

		assert_true(b->off + b->size <= s->len);
		if (b->unterminated)
			memset(msg.raw + b->off, 'A', b->size);
		else
			put(msg.raw + b->off, b->size, b->val);
		if (ipc_check(b->ch, msg.raw, s->len, nfds, why, sizeof(why)) != -EBADMSG)
			fail_msg("case %zu (%s %s, %s) accepted", i, b->ch->name, s->name, b->why);
		if (!strstr(why, b->why) || !strstr(why, s->name))
			fail_msg("case %zu: '%s' does not name '%s'", i, why, b->why);
	}
}

/* Severity is a double: NaN, negative and above the parser's range. */
static void test_severity(void **state)
{
	static const double bad[] = { NAN, -1, 100.5, INFINITY };
	struct ipc_a_gd_finding *m = (void *)msg.raw;
	char why[IPC_WHY_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		sample(A_OUT, IPC_A_GD_FINDING);
		m->f.severity = bad[i];
		assert_int_equal(ipc_check(A_OUT, msg.raw, sizeof(*m), 0, why, sizeof(why)),
				 -EBADMSG);
		assert_non_null(strstr(why, "severity"));
	}
	sample(A_OUT, IPC_A_GD_FINDING);
	m->f.severity = 100;
	assert_int_equal(ipc_check(A_OUT, msg.raw, sizeof(*m), 0, why, sizeof(why)), 0);
}

/* Array entries past their count are never read, so they may be anything. */
static void test_past_count_ignored(void **state)
{
	struct ipc_s_lists *l = (void *)msg.raw;
	struct ipc_a_action *a = (void *)msg.raw;
	struct ipc_a_action_done *d = (void *)msg.raw;
	char why[IPC_WHY_LEN];
	size_t nfds;

	(void)state;
	nfds = sample(S_IN, IPC_S_LISTS);
	memset(l->l[2].path, 'A', sizeof(l->l[2].path));
	l->l[5].kind = 9;
	assert_int_equal(ipc_check(S_IN, msg.raw, sizeof(*l), nfds, why, sizeof(why)), 0);
	sample(A_IN, IPC_A_ACTION);
	memset(a->groups[2], 'A', sizeof(a->groups[2]));
	memset(a->tag_key[1], 'A', sizeof(a->tag_key[1]));
	assert_int_equal(ipc_check(A_IN, msg.raw, sizeof(*a), 0, why, sizeof(why)), 0);
	sample(A_OUT, IPC_A_ACTION_DONE);
	memset(d->inst.eni[2].id, 'A', sizeof(d->inst.eni[2].id));
	memset(d->inst.eni[1].groups[0], 'A', CLOUD_ID_LEN); /* eni[1] has no groups */
	assert_int_equal(ipc_check(A_OUT, msg.raw, sizeof(*d), 0, why, sizeof(why)), 0);
}

/* The envelope: length, header, type, descriptors, a missing validator. */
static void test_envelope(void **state)
{
	static const struct ipc_spec nocheck[] = { { 7, sizeof(struct ipc_hdr), 0, "seven", NULL } };
	static const struct ipc_chan nochan = { "test", nocheck, 1 };
	struct ipc_s_hello *m = (void *)msg.raw;
	char why[IPC_WHY_LEN];

	(void)state;
	sample(S_OUT, IPC_S_HELLO);
	assert_int_equal(ipc_check(S_OUT, msg.raw, sizeof(*m) - 1, 0, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "header says"));
	m->h.len = sizeof(*m) + 4;
	assert_int_equal(ipc_check(S_OUT, msg.raw, sizeof(*m) + 4, 0, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "hello: 80 bytes, want 76"));
	m->h.len = sizeof(*m);
	assert_int_equal(ipc_check(S_OUT, msg.raw, 4, 0, why, sizeof(why)), -EBADMSG);
	/* a type of the other direction, or of the other channel */
	m->h.type = IPC_S_LISTS;
	assert_int_equal(ipc_check(S_OUT, msg.raw, sizeof(*m), 0, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "type 100 is not one"));
	m->h.type = IPC_A_HELLO;
	assert_int_equal(ipc_check(S_OUT, msg.raw, sizeof(*m), 0, why, sizeof(why)), -EBADMSG);
	m->h.type = IPC_S_HELLO;
	assert_int_equal(ipc_check(S_OUT, msg.raw, sizeof(*m), 1, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "1 descriptors, at most 0"));
	assert_int_equal(ipc_check(S_OUT, msg.raw, sizeof(*m), 0, why, sizeof(why)), 0);
	/* no validator: never accepted */
	msg.h.type = 7;
	msg.h.len = sizeof(struct ipc_hdr);
	assert_int_equal(ipc_check(&nochan, msg.raw, sizeof(struct ipc_hdr), 0, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "no validator"));
	/* the dump comes with exactly its file */
	sample(S_IN, IPC_S_DUMP);
	assert_int_equal(ipc_check(S_IN, msg.raw, sizeof(struct ipc_s_dump), 0, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "no file descriptor"));
	assert_int_equal(ipc_check(S_IN, msg.raw, sizeof(struct ipc_s_dump), 2, why, sizeof(why)),
			 -EBADMSG);
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

/* Lists with their files: descriptors arrive in order and are the caller's. */
static void test_recv_fds(void **state)
{
	static union { struct ipc_hdr h; char raw[IPC_MAX]; max_align_t a; } in_buf;
	struct ipc_s_lists *m = calloc(1, sizeof(*m));
	int sv[2], files[2];
	struct stat a, b;
	struct ipc_in in;
	size_t nfds;

	(void)state;
	pair(sv);
	files[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	files[1] = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	assert_true(files[0] >= 0 && files[1] >= 0);
	nfds = sample(S_IN, IPC_S_LISTS);
	memcpy(m, msg.raw, sizeof(*m));
	assert_int_equal(ipc_send_fds(sv[0], IPC_S_LISTS, m, sizeof(*m), files, nfds), 0);
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_IN, &in), (ssize_t)sizeof(*m));
	assert_int_equal(in.nfds, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(fstat(in.fds[i], &a), 0);
		assert_int_equal(fstat(files[i], &b), 0);
		assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
		assert_true(fcntl(in.fds[i], F_GETFD) & FD_CLOEXEC);
	}
	ipc_in_close(&in);
	assert_int_equal(in.nfds, 0);
	/* with in == NULL the descriptors are closed for the caller */
	nfds = open_fds();
	assert_int_equal(ipc_send_fds(sv[0], IPC_S_LISTS, m, sizeof(*m), files, 2), 0);
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_IN, NULL), (ssize_t)sizeof(*m));
	assert_int_equal(open_fds(), nfds);
	/* one file fewer than lists: refused, and the one that came is closed */
	assert_int_equal(ipc_send_fds(sv[0], IPC_S_LISTS, m, sizeof(*m), files, 1), 0);
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_IN, &in), -EBADMSG);
	assert_non_null(strstr(in.why, "n: not the number of descriptors"));
	assert_int_equal(in.nfds, 0);
	assert_int_equal(open_fds(), nfds);
	/* descriptors on a type that carries none: refused, closed */
	sample(S_OUT, IPC_S_HELLO);
	assert_int_equal(ipc_send_fds(sv[0], IPC_S_HELLO, msg.raw, sizeof(struct ipc_s_hello),
				      files, 2), 0);
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_OUT, &in), -EBADMSG);
	assert_int_equal(open_fds(), nfds);
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_OUT, &in), -EAGAIN);
	close(files[0]);
	close(files[1]);
	close(sv[0]);
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_OUT, &in), 0);
	close(sv[1]);
	free(m);
}

/* What a sensor taken over would send: each refused on the real path. */
static void test_recv_hostile(void **state)
{
	static union { struct ipc_hdr h; char raw[IPC_MAX + 64]; max_align_t a; } in_buf;
	struct ipc_s_hello *m = (void *)msg.raw;
	char big[IPC_MAX + 16];
	struct ipc_in in;
	int sv[2];

	(void)state;
	pair(sv);
	/* caps without its NUL: util_strlcpy would read on past the message */
	sample(S_OUT, IPC_S_HELLO);
	memset(m->caps, 'x', sizeof(m->caps));
	assert_int_equal(send(sv[0], m, sizeof(*m), 0), (ssize_t)sizeof(*m));
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_OUT, &in), -EBADMSG);
	assert_string_equal(in.why, "sensor -> parent: hello: caps: not NUL-terminated");
	/* longer than IPC_MAX: truncated by the kernel, refused */
	memset(big, 0, sizeof(big));
	((struct ipc_hdr *)big)->type = IPC_S_STATS;
	((struct ipc_hdr *)big)->len = sizeof(big);
	assert_int_equal(send(sv[0], big, sizeof(big), 0), (ssize_t)sizeof(big));
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_OUT, &in), -EBADMSG);
	assert_non_null(strstr(in.why, "truncated"));
	/* a short datagram */
	assert_int_equal(send(sv[0], big, 3, 0), 3);
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_OUT, &in), -EBADMSG);
	/* and a good one still goes through after all that */
	sample(S_OUT, IPC_S_HELLO);
	assert_int_equal(ipc_send(sv[0], IPC_S_HELLO, m, sizeof(*m)), 0);
	assert_int_equal(ipc_recv(sv[1], in_buf.raw, S_OUT, &in), (ssize_t)sizeof(*m));
	assert_string_equal(((struct ipc_s_hello *)in_buf.raw)->caps, "none, seccomp");
	close(sv[0]);
	close(sv[1]);
}

/* ipc_send refuses what no receiver could accept. */
static void test_send_limits(void **state)
{
	int sv[2], fds[IPC_MAX_FDS + 1];

	(void)state;
	pair(sv);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		fds[i] = sv[0];
	assert_int_equal(ipc_send(sv[0], 1, msg.raw, 4), -EINVAL);
	assert_int_equal(ipc_send(sv[0], 1, msg.raw, IPC_MAX + 1), -EINVAL);
	assert_int_equal(ipc_send_fds(sv[0], 1, msg.raw, 8, fds, IPC_MAX_FDS + 1), -EINVAL);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_accepted),
		cmocka_unit_test(test_each_field_refused),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_past_count_ignored),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_recv_fds),
		cmocka_unit_test(test_recv_hostile),
		cmocka_unit_test(test_send_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
