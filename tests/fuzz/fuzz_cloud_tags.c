/* SPDX-License-Identifier: MIT */
/*
 * EC2 DescribeTags answers (enforcer/cloud/cloud_tags_xml.c) and what is
 * read from the tags (cloud_tags.c): the original groups of each
 * interface, the instance's state; and the isolation plan built from them
 * (plan_build.c): whatever the tags say, an interface cordon has not
 * moved keeps its groups now as its original ones (a tag that says
 * otherwise is written again), and one in cordon's group is never tagged.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cloud.h"
#include "cloud_tags.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A plain token of at most cap - 1 characters, or "". */
static void check_token(const char *s, size_t cap)
{
	size_t l = strnlen(s, cap);

	if (l == cap)
		__builtin_trap();
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			__builtin_trap();
}

/* "sg-a, sg-b" holds exactly the groups of e, in any order. */
static bool same_set(const char *list, const struct cloud_eni *e)
{
	size_t n = 0;

	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		bool found = false;

		for (size_t k = 0; k < e->n_groups; k++)
			found |= strlen(e->groups[k]) == l && !strncmp(e->groups[k], p, l);
		if (!found)
			return false;
		n++;
		p += l;
		if (*p)
			p += 2; /* ", " */
	}
	return n == e->n_groups;
}

static void check_plan(const struct cloud_tagset tags[3])
{
	static const struct plan_cfg c = { .incident = "inc-1", .forensic_sg = "sg-f",
					   .tag_instance = true };
	static struct cloud_instance in;
	static struct plan p;
	char err[ERRLEN];
	bool tagged[2] = { false, false };

	memset(&in, 0, sizeof(in));
	strcpy(in.id, "i-1");
	in.n_eni = 2;
	strcpy(in.eni[0].id, "eni-1");
	in.eni[0].n_groups = 2;
	strcpy(in.eni[0].groups[0], "sg-a");
	strcpy(in.eni[0].groups[1], "sg-b");
	strcpy(in.eni[1].id, "eni-2");
	in.eni[1].device_index = 1;
	in.eni[1].n_groups = 1;
	strcpy(in.eni[1].groups[0], "sg-f");
	if (plan_build(&c, &in, tags, &p, err, sizeof(err)))
		return;
	for (size_t i = 0; i < p.n; i++) {
		if (p.s[i].act != PLAN_TAG_ENI)
			continue;
		if (p.s[i].eni < 0 || p.s[i].eni > 1)
			__builtin_trap();
		tagged[p.s[i].eni] = true;
		if (p.s[i].clear && !tags[1].n)
			__builtin_trap(); /* nothing to clear */
	}
	if (!same_set(p.orig[0], &in.eni[0]))
		__builtin_trap(); /* a release would restore what a tag said */
	if (tagged[1])
		__builtin_trap(); /* cordon's own group recorded as an original one */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = { "i-1", "eni-1", "eni-2" };
	static struct cloud_tagset out[3];
	char next[CLOUD_NEXT_TOKEN_LEN], err[ERRLEN];
	char g[CLOUD_MAX_GROUPS][CLOUD_ID_LEN];
	struct cloud_isolation iso;
	size_t n;
	int ret;

	memset(out, 0, sizeof(out));
	if (cloud_parse_tags((const char *)data, size, ids, 3, out, next, err, sizeof(err))) {
		if (next[0])
			__builtin_trap();
		return 0;
	}
	if (strnlen(next, sizeof(next)) == sizeof(next))
		__builtin_trap();
	for (size_t i = 0; i < 3; i++) {
		if (out[i].n > CLOUD_TAGSET_MAX)
			__builtin_trap();
		ret = cloud_tags_join_groups(&out[i], g, &n, err, sizeof(err));
		if (ret && n)
			__builtin_trap(); /* never a partial list */
		if (!ret && (!n || n > CLOUD_MAX_GROUPS))
			__builtin_trap();
		for (size_t k = 0; !ret && k < n; k++) {
			check_token(g[k], sizeof(g[k]));
			if (strncmp(g[k], "sg-", 3))
				__builtin_trap();
		}
		if (!cloud_tags_isolation(&out[i], &iso, err, sizeof(err))) {
			check_token(iso.incident, sizeof(iso.incident));
			check_token(iso.released_at, sizeof(iso.released_at));
		}
	}
	check_plan(out);
	return 0;
}
