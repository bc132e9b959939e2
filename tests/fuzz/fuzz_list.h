/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz_list_* targets: list_parse() one format over
 * anything, then check what every parsed list promises (host bits clear,
 * the floor and the caps held, counters consistent, messages terminated).
 */
#ifndef CORDON_FUZZ_LIST_H
#define CORDON_FUZZ_LIST_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "list.h"
#include "lists_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static void fuzz_list_check(const struct list *l, const struct list_limits *lim)
{
	char line[256];

	FUZZ_CHECK(l->n > 0 && l->n == l->st.entries && l->n <= lim->max_entries);
	FUZZ_CHECK(l->st.bad <= l->st.lines);
	FUZZ_CHECK(l->n_msgs <= LIST_MSGS);
	FUZZ_CHECK(l->name && l->name[0] && l->location);
	for (size_t i = 0; i < l->n_msgs; i++)
		FUZZ_CHECK(memchr(l->msgs[i], '\0', LIST_MSGLEN));
	for (size_t i = 0; i < l->n; i++) {
		struct cd_prefix p = l->ent[i].pfx;

		FUZZ_CHECK(p.a.af == AF_INET || p.a.af == AF_INET6);
		FUZZ_CHECK(p.len <= addr_bits(&p.a));
		FUZZ_CHECK(p.len >= (p.a.af == AF_INET ? lim->floor_v4 : lim->floor_v6));
		if (p.a.af == AF_INET)
			FUZZ_CHECK(!p.a.u.w[1] && !p.a.u.w[2] && !p.a.u.w[3]);
		prefix_mask(&p);
		FUZZ_CHECK(!memcmp(&p.a, &l->ent[i].pfx.a, sizeof(p.a)));
		FUZZ_CHECK(l->ent[i].line >= 1);
	}
	lists_describe(l, line, sizeof(line));
	FUZZ_CHECK(line[0]);
}

static int fuzz_list_one(enum list_format fmt, const uint8_t *data, size_t size)
{
	struct list_limits lim;
	struct list *l = (struct list *)&lim;
	char err[ERRLEN] = "";
	int rc;

	list_limits_default(&lim);
	lim.max_entries = 200000; /* a STIX range is 256 prefixes at most */
	rc = list_parse("fuzz/list.in?x=1", fmt, LIST_THREAT, (const char *)data, size, &lim,
			&l, err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(!l && err[0]);
		FUZZ_CHECK(rc == -EINVAL || rc == -EFBIG || rc == -ENOMEM);
		return 0;
	}
	fuzz_list_check(l, &lim);
	list_free(l);
	return 0;
}

#endif
