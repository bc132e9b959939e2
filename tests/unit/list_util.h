/* SPDX-License-Identifier: MIT */
/* Helpers shared by the list unit tests (header-only, static). */
#ifndef CORDON_TEST_LIST_UTIL_H
#define CORDON_TEST_LIST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "list.h"

/* The entries of l as "a b c" (prefix_ntop form). */
static inline const char *tl_dump(const struct list *l, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n && o + PREFIX_STRLEN + 2 < len; i++) {
		char p[PREFIX_STRLEN];

		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "",
				      prefix_ntop(&l->ent[i].pfx, p, sizeof(p)));
	}
	return buf;
}

/* Parse text held in a string (not NUL-terminated for the parser). */
static inline int tl_parse(enum list_format fmt, const char *loc, const char *text,
			   const struct list_limits *lim, struct list **out,
			   char *err, size_t errlen)
{
	err[0] = '\0';
	return list_parse(loc, fmt, LIST_THREAT, text, strlen(text), lim, out, err,
			  errlen);
}

/* True when one of l's messages contains needle. */
static inline int tl_has_msg(const struct list *l, const char *needle)
{
	for (size_t i = 0; i < l->n_msgs; i++)
		if (strstr(l->msgs[i], needle))
			return 1;
	return 0;
}

/* The entries every tests/data/lists/threat.* file must yield. */
#define TL_SAMPLE "203.0.113.7 198.51.100.0/25 2001:db8:bad::1 2001:db8:c0::/48 192.0.2.200/29"

#endif
