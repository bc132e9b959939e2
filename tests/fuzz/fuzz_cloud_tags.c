/* SPDX-License-Identifier: MIT */
/*
 * EC2 DescribeTags answers (enforcer/cloud/cloud_tags_xml.c) and what is
 * read from the tags (cloud_tags.c): the original groups of each
 * interface, the instance's state.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cloud.h"
#include "cloud_tags.h"

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
	return 0;
}
