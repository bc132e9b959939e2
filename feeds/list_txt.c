/* SPDX-License-Identifier: MIT */
/*
 * The line formats: plain text (one IP, CIDR or domain per line) and the
 * AlienVault reputation feed:
 *
 *   203.0.113.7#4#2#Malicious Host#US##0.0,0.0#3
 *   ip        #reliability#risk#type#country#city#lat,long#x
 *
 * This is the hot path for big lists: no allocation per line.
 */
#include <string.h>

#include "list_impl.h"

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

int lst_parse_txt(struct lst *c, const char *buf, size_t len)
{
	struct lst_line ln = { 0 };
	size_t pos = 0;

	while (lst_next_line(buf, len, &pos, &ln)) {
		const char *s = ln.p, *rest;
		size_t n = ln.n, tok = 0, nrest;
		struct cd_prefix p;
		bool masked = false;
		char q[64];
		int rc;

		/*
		 * The line that makes up big lists, a bare address with nothing
		 * around it, in one scan: what the general way below would do
		 * with it too (masked ones go that way for their warning).
		 */
		if (n && s[0] != '#' && !is_blank(s[0]) && !is_blank(s[n - 1]) &&
		    s[n - 1] != '\r' && lst_fast_addr(s, n, &p, &masked) && !masked) {
			lst_record(c);
			rc = lst_add(c, &p, ln.no);
			if (rc)
				return rc;
			continue;
		}
		lst_trim(&s, &n);
		if (!n || *s == '#')
			continue;
		lst_record(c);
		while (tok < n && !is_blank(s[tok]))
			tok++;
		/* "203.0.113.7   # C2" is fine; "203.0.113.7 junk" is not. */
		rest = s + tok;
		nrest = n - tok;
		lst_trim(&rest, &nrest);
		if (nrest && *rest != '#') {
			lst_bad(c, ln.no, "unexpected text after the entry: %s",
				lst_quote(rest, nrest, q, sizeof(q)));
			continue;
		}
		rc = lst_take(c, s, tok, ln.no);
		if (rc)
			return rc;
	}
	return 0;
}

int lst_parse_alien_vault(struct lst *c, const char *buf, size_t len)
{
	struct lst_line ln = { 0 };
	size_t pos = 0;

	while (lst_next_line(buf, len, &pos, &ln)) {
		const char *s = ln.p, *hash;
		size_t n = ln.n;
		int rc;

		lst_trim(&s, &n);
		/* '#' separates fields, so only a line starting with it is a comment. */
		if (!n || *s == '#')
			continue;
		lst_record(c);
		hash = memchr(s, '#', n);
		rc = lst_take(c, s, hash ? (size_t)(hash - s) : n, ln.no);
		if (rc)
			return rc;
	}
	return 0;
}
