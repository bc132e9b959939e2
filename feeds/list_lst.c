/* SPDX-License-Identifier: MIT */
/*
 * What every list format shares: token classification, the safety floor,
 * the entry cap, and the bookkeeping of bad records and messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "list_impl.h"

bool lst_next_line(const char *buf, size_t len, size_t *pos, struct lst_line *ln)
{
	const char *s, *nl;
	size_t n;

	if (*pos >= len)
		return false;
	s = buf + *pos;
	nl = memchr(s, '\n', len - *pos);
	n = nl ? (size_t)(nl - s) : len - *pos;
	*pos += n + (nl ? 1 : 0);
	if (n && s[n - 1] == '\r')
		n--;
	ln->p = s;
	ln->n = n;
	if (ln->no != UINT32_MAX)
		ln->no++;
	return true;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

void lst_trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

bool lst_ieq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n && lit[i]; i++) {
		char a = s[i], b = lit[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return i == n && !lit[i];
}

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Only these characters can make up an address or a CIDR. */
static bool is_addr_char(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') ||
	       ch == '.' || ch == ':' || ch == '/';
}

/*
 * A host name as entity lists hold them: dot-separated labels of letters,
 * digits, '-' and '_', at least two labels and one letter, an optional
 * leading "*." and trailing dot. It is only counted, never used.
 */
static bool lst_is_domain(const char *s, size_t n)
{
	bool alpha = false, dot = false;
	size_t lab = 0;

	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	if (n && s[n - 1] == '.')
		n--;
	if (!n || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (!lab)
				return false;
			dot = true;
			lab = 0;
			continue;
		}
		if (!is_alpha(ch) && !is_digit(ch) && ch != '-' && ch != '_')
			return false;
		if (++lab > 63)
			return false;
		alpha |= is_alpha(ch);
	}
	return dot && alpha && lab;
}

/*
 * The common case, "a.b.c.d" or "a.b.c.d/len", without the copy and
 * inet_pton() of prefix_parse_n(). Accepts exactly what that accepts (no
 * leading zeros, octets up to 255, /0../32); anything else returns false
 * and goes the general way, which then decides.
 */
UNITTEST_STATIC bool lst_parse_v4(const char *s, size_t n, struct cd_prefix *p,
				  bool *masked)
{
	uint32_t a = 0, m;
	unsigned len = 32;
	size_t i = 0;

	for (int o = 0; o < 4; o++) {
		unsigned v = 0, d = 0;

		if (o && (i >= n || s[i++] != '.'))
			return false;
		while (i < n && is_digit(s[i]) && d < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			d++;
		}
		if (!d || d > 3 || v > 255 || (d > 1 && s[i - d] == '0'))
			return false;
		a = a << 8 | v;
	}
	if (i < n) {
		size_t d0;

		if (s[i++] != '/')
			return false;
		d0 = i;
		len = 0;
		while (i < n && is_digit(s[i]) && i - d0 < 2)
			len = len * 10 + (unsigned)(s[i++] - '0');
		if (i != n || i == d0 || len > 32 || (i - d0 > 1 && s[d0] == '0'))
			return false;
	}
	m = len ? ~0u << (32 - len) : 0;
	addr_set4(&p->a, htonl(a & m));
	p->len = (uint8_t)len;
	*masked = (a & ~m) != 0;
	return true;
}

/* Hex digit values plus one; 0 for anything else. A table: no branch per digit. */
static const uint8_t hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
	['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
	['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
	['F'] = 16,
};

static int hex_val(char ch)
{
	return hex1[(unsigned char)ch] - 1;
}

/*
 * The IPv6 counterpart of lst_parse_v4(): hex groups with at most one
 * "::", then an optional "/len". A dotted IPv4 tail, or anything odd,
 * returns false and goes the general way (inet_pton()), which decides.
 */
UNITTEST_STATIC bool lst_parse_v6(const char *s, size_t n, struct cd_prefix *p,
				  bool *masked)
{
	uint8_t b[16] = { 0 };
	unsigned o = 0, len = 128;
	int gap = -1;
	size_t i = 0;
	bool changed = false;

	if (n < 2 || n >= PREFIX_STRLEN)
		return false;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		gap = 0;
		i = 2;
	}
	while (i < n && s[i] != '/') {
		unsigned v = 0, d = 0;
		int h;

		while (i < n && (h = hex_val(s[i])) >= 0) {
			if (++d > 4)
				return false;
			v = v << 4 | (unsigned)h;
			i++;
		}
		if (!d || o == 16)
			return false;
		b[o++] = (uint8_t)(v >> 8);
		b[o++] = (uint8_t)v;
		if (i == n || s[i] == '/')
			break;
		if (s[i++] != ':' || i == n)
			return false;
		if (s[i] == ':') {
			if (gap >= 0)
				return false;
			gap = (int)o;
			i++;
		} else if (s[i] == '/') { /* "1:/64": a trailing single colon */
			return false;
		}
	}
	if (gap >= 0) {
		/* "::" stands for at least one group of zeros. */
		if (o == 16)
			return false;
		memmove(b + 16 - (o - (unsigned)gap), b + gap, o - (unsigned)gap);
		memset(b + gap, 0, 16 - o);
	} else if (o != 16) {
		return false;
	}
	if (i < n) { /* s[i] == '/': the rules of prefix_parse_n() */
		size_t d0 = ++i;

		len = 0;
		while (i < n && is_digit(s[i]) && i - d0 < 3)
			len = len * 10 + (unsigned)(s[i++] - '0');
		if (i != n || i == d0 || len > 128 || (i - d0 > 1 && s[d0] == '0'))
			return false;
	}
	for (unsigned k = len / 8; k < 16; k++) { /* bytes below len/8 keep all bits */
		unsigned bits = len > k * 8 ? len - k * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		changed |= (b[k] & ~m) != 0;
		b[k] &= m;
	}
	addr_set6(&p->a, b);
	p->len = (uint8_t)len;
	*masked = changed;
	return true;
}

#ifdef FUZZING
/* Differential check: a fast path must agree with addr.c. */
static void lst_check_fast(const char *s, size_t n, const struct cd_prefix *p,
			   bool masked)
{
	struct cd_prefix q;
	bool qm = false;

	if (prefix_parse_n(s, n, &q, &qm) || qm != masked ||
	    memcmp(&q.a, &p->a, sizeof(q.a)) || q.len != p->len)
		__builtin_trap();
}
#endif

bool lst_fast_addr(const char *s, size_t n, struct cd_prefix *p, bool *masked)
{
	if (!lst_parse_v4(s, n, p, masked) && !lst_parse_v6(s, n, p, masked))
		return false;
#ifdef FUZZING
	lst_check_fast(s, n, p, *masked);
#endif
	return true;
}

enum lst_tok lst_classify(const char *s, size_t n, struct cd_prefix *p, bool *masked)
{
	bool addrish = n > 0 && n < PREFIX_STRLEN;

	if (lst_fast_addr(s, n, p, masked))
		return LST_TOK_ADDR;

	for (size_t i = 0; addrish && i < n; i++)
		addrish = is_addr_char(s[i]);
	/* The charset check also keeps NULs away from inet_pton(). */
	if (addrish && !prefix_parse_n(s, n, p, masked))
		return LST_TOK_ADDR;
	if (lst_is_domain(s, n))
		return LST_TOK_DOMAIN;
	return LST_TOK_BAD;
}

const char *lst_quote(const char *s, size_t n, char *buf, size_t len)
{
	size_t max = 40, o = 0;

	if (len < 8) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '\'';
	for (size_t i = 0; i < n && i < max && o + 5 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[o++] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
	}
	if (n > max && o + 5 < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

static void lst_msg(struct lst *c, uint32_t line, const char *why)
{
	struct list *l = c->l;

	if (l->n_msgs >= LIST_MSGS)
		return;
	if (line)
		snprintf(l->msgs[l->n_msgs], LIST_MSGLEN, "%s:%u: %s", l->location, line, why);
	else
		snprintf(l->msgs[l->n_msgs], LIST_MSGLEN, "%s: %s", l->location, why);
	l->n_msgs++;
}

void lst_record(struct lst *c)
{
	c->rec++;
	c->l->st.lines++;
}

void lst_bad(struct lst *c, uint32_t line, const char *fmt, ...)
{
	char why[LIST_MSGLEN];
	va_list ap;

	if (c->bad_rec == c->rec)
		return;
	c->bad_rec = c->rec;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!c->l->st.bad++) {
		c->first_bad_line = line;
		memcpy(c->first_bad, why, sizeof(why));
	}
	lst_msg(c, line, why);
}

void lst_warn(struct lst *c, uint32_t line, const char *fmt, ...)
{
	char why[LIST_MSGLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	lst_msg(c, line, why);
}

int lst_fail(struct lst *c, int rc, uint32_t line, const char *fmt, ...)
{
	char why[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->err && c->errlen) {
		if (line)
			snprintf(c->err, c->errlen, "%s:%u: %s", c->l->location, line, why);
		else
			snprintf(c->err, c->errlen, "%s: %s", c->l->location, why);
	}
	return rc;
}

int lst_add(struct lst *c, const struct cd_prefix *p, uint32_t line)
{
	struct list *l = c->l;
	unsigned floor = p->a.af == AF_INET ? c->lim->floor_v4 : c->lim->floor_v6;

	if (p->len < floor) {
		char buf[PREFIX_STRLEN];

		return lst_fail(c, -EINVAL, line, "%s is broader than the /%u floor",
				prefix_ntop(p, buf, sizeof(buf)), floor);
	}
	if (l->n >= c->lim->max_entries)
		return lst_fail(c, -EFBIG, line, "more than %zu entries (the entry cap)",
				c->lim->max_entries);
	if (l->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		struct list_entry *e;

		if (ncap > (SIZE_MAX - UTIL_HUGE_PAGE) / sizeof(*e))
			return lst_fail(c, -ENOMEM, line, "out of memory");
		if (ncap * sizeof(*e) < 2 * UTIL_HUGE_PAGE) {
			e = realloc(l->ent, ncap * sizeof(*e));
		} else {
			/*
			 * A large list: whole huge pages, copied over (filling
			 * what realloc() gave faulted 4 KiB at a time, a fifth
			 * of a 1M-entry load's time on a VM).
			 */
			size_t len = (ncap * sizeof(*e) + UTIL_HUGE_PAGE - 1) &
				     ~(size_t)(UTIL_HUGE_PAGE - 1);

			if (posix_memalign((void **)&e, UTIL_HUGE_PAGE, len))
				e = NULL;
			if (e) {
				util_huge_hint(e, len);
				memcpy(e, l->ent, l->n * sizeof(*e));
				free(l->ent);
				ncap = len / sizeof(*e);
			}
		}
		if (!e)
			return lst_fail(c, -ENOMEM, line, "out of memory");
		l->ent = e;
		c->cap = ncap;
	}
	l->ent[l->n].pfx = *p;
	l->ent[l->n].line = line;
	l->n++;
	l->st.entries++;
	return 0;
}

int lst_take(struct lst *c, const char *s, size_t n, uint32_t line)
{
	char q[64], buf[PREFIX_STRLEN];
	struct cd_prefix p;
	bool masked = false;

	lst_trim(&s, &n);
	switch (lst_classify(s, n, &p, &masked)) {
	case LST_TOK_ADDR:
		if (masked) {
			c->l->st.masked++;
			lst_warn(c, line, "%s has host bits set; using %s",
				 lst_quote(s, n, q, sizeof(q)),
				 prefix_ntop(&p, buf, sizeof(buf)));
		}
		return lst_add(c, &p, line);
	case LST_TOK_DOMAIN:
		c->l->st.domains++;
		return 0;
	case LST_TOK_BAD:
		break;
	}
	if (!n)
		lst_bad(c, line, "empty entry");
	else if (memchr(s, '/', n) && n < PREFIX_STRLEN && (is_digit(s[0]) || s[0] == ':'))
		lst_bad(c, line, "%s is not a valid CIDR", lst_quote(s, n, q, sizeof(q)));
	else
		lst_bad(c, line, "%s is not an IP address, CIDR or domain name",
			lst_quote(s, n, q, sizeof(q)));
	return 0;
}
