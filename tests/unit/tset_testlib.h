/* SPDX-License-Identifier: MIT */
#ifndef CORDON_TSET_TESTLIB_H
#define CORDON_TSET_TESTLIB_H

/* Helpers shared by test_tset.c and test_tset_random.c (cmocka already
 * included by the test). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tset.h"

/*
 * Lists are filled by hand: the list parsers are another module and
 * these tests link only sensor/tset*.c and common/.
 */
static inline struct list *mk_list(enum list_kind kind, const char *name,
				   const char *const *pfx, size_t n)
{
	struct list *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	l->name = strdup(name);
	l->location = strdup(name);
	l->kind = kind;
	l->ent = calloc(n ? n : 1, sizeof(*l->ent));
	assert_non_null(l->ent);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(prefix_parse(pfx[i], &l->ent[i].pfx, NULL), 0);
		l->ent[i].line = (uint32_t)(i + 1) * 10; /* lines != indices */
	}
	l->n = n;
	return l;
}

static inline void free_list(struct list *l)
{
	if (!l)
		return;
	free(l->name);
	free(l->location);
	free(l->ent);
	free(l);
}

#define MK(kind, name, ...)                                                \
	({                                                                 \
		static const char *const p_[] = { __VA_ARGS__ };           \
		mk_list(kind, name, p_, sizeof(p_) / sizeof(p_[0]));       \
	})

static inline struct tset *build(struct list **lists, size_t n)
{
	char err[ERRLEN] = "";
	struct tset *t = tset_build(lists, n, err, sizeof(err));

	if (!t)
		fail_msg("tset_build: %s", err);
	return t;
}

#endif
