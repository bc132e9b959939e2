/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

void addr_set4(struct cd_addr *a, uint32_t v4_be)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	a->u.v4 = v4_be;
}

void addr_set6(struct cd_addr *a, const uint8_t b[16])
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET6;
	memcpy(a->u.b, b, 16);
}

bool addr_parse_n(const char *s, size_t n, struct cd_addr *out)
{
	char buf[ADDR_STRLEN];
	uint8_t b[16];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n)) {
		if (inet_pton(AF_INET6, buf, b) != 1)
			return false;
		addr_set6(out, b);
		return true;
	}
	if (inet_pton(AF_INET, buf, b) != 1)
		return false;
	memset(out, 0, sizeof(*out));
	out->af = AF_INET;
	memcpy(out->u.b, b, 4);
	return true;
}

bool addr_parse(const char *s, struct cd_addr *out)
{
	return addr_parse_n(s, strlen(s), out);
}

/* Decimal of v < 256, inet_ntop's "%u". */
static char *fmt_u8(char *o, unsigned v)
{
	if (v >= 100) {
		*o++ = (char)('0' + v / 100);
		v %= 100;
		*o++ = (char)('0' + v / 10);
	} else if (v >= 10) {
		*o++ = (char)('0' + v / 10);
	}
	*o++ = (char)('0' + v % 10);
	return o;
}

static char *fmt_v4(char *o, const uint8_t *b)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*o++ = '.';
		o = fmt_u8(o, b[i]);
	}
	return o;
}

/* Lowercase hex without leading zeros, inet_ntop's "%x". */
static char *fmt_x16(char *o, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int sh = v >= 0x1000 ? 12 : v >= 0x100 ? 8 : v >= 0x10 ? 4 : 0;

	for (; sh >= 0; sh -= 4)
		*o++ = hex[(v >> sh) & 15];
	return o;
}

/*
 * glibc's inet_ntop6() (RFC 5952 as it reads it): the longest run of two
 * or more zero words, the first of equal ones, becomes "::"; ::a.b.c.d
 * and ::ffff:a.b.c.d keep the dotted quad.
 */
static char *fmt_v6(char *o, const uint8_t *b)
{
	unsigned w[8];
	int best = -1, blen = 0, cur = -1, clen = 0;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, clen = 1;
			else
				clen++;
		} else if (cur >= 0) {
			if (best < 0 || clen > blen)
				best = cur, blen = clen;
			cur = -1;
		}
	}
	if (cur >= 0 && (best < 0 || clen > blen))
		best = cur, blen = clen;
	if (best >= 0 && blen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + blen) {
			if (i == best)
				*o++ = ':';
			continue;
		}
		if (i)
			*o++ = ':';
		if (i == 6 && best == 0 && (blen == 6 || (blen == 5 && w[5] == 0xffff)))
			return fmt_v4(o, b + 12);
		o = fmt_x16(o, w[i]);
	}
	if (best >= 0 && best + blen == 8)
		*o++ = ':';
	return o;
}

size_t addr_fmt(const struct cd_addr *a, char out[ADDR_STRLEN])
{
	char *e = a->af == AF_INET ? fmt_v4(out, a->u.b) : fmt_v6(out, a->u.b);

	*e = '\0';
	return (size_t)(e - out);
}

const char *addr_ntop(const struct cd_addr *a, char *buf, size_t len)
{
	char tmp[ADDR_STRLEN];
	size_t n;

	if (len >= ADDR_STRLEN) {
		addr_fmt(a, buf);
		return buf;
	}
	/* inet_ntop()'s ENOSPC: "?" when it does not fit. */
	n = addr_fmt(a, tmp);
	util_strlcpy(buf, n < len ? tmp : "?", len);
	return buf;
}

int addr_cmp(const struct cd_addr *x, const struct cd_addr *y)
{
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	return memcmp(x->u.b, y->u.b, x->af == AF_INET ? 4 : 16);
}

bool addr_eq(const struct cd_addr *x, const struct cd_addr *y)
{
	return addr_cmp(x, y) == 0;
}

static void mask_bytes(uint8_t *b, unsigned nbytes, unsigned len, bool *changed)
{
	for (unsigned i = 0; i < nbytes; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if (b[i] & ~m) {
			*changed = true;
			b[i] &= m;
		}
	}
}

void prefix_mask(struct cd_prefix *p)
{
	bool dummy = false;

	mask_bytes(p->a.u.b, p->a.af == AF_INET ? 4 : 16, p->len, &dummy);
}

int prefix_parse_n(const char *s, size_t n, struct cd_prefix *out, bool *masked)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	unsigned len;
	bool changed = false;

	if (!addr_parse_n(s, alen, &out->a))
		return -EINVAL;
	len = addr_bits(&out->a);
	if (slash) {
		const char *d = slash + 1, *end = s + n;
		unsigned v = 0;

		if (d == end || end - d > 3)
			return -EINVAL;
		for (; d < end; d++) {
			if (*d < '0' || *d > '9')
				return -EINVAL;
			v = v * 10 + (unsigned)(*d - '0');
		}
		/* No leading zeros: "1.2.3.4/024" is more likely a typo. */
		if (end - slash > 2 && slash[1] == '0')
			return -EINVAL;
		if (v > len)
			return -EINVAL;
		len = v;
	}
	out->len = (uint8_t)len;
	mask_bytes(out->a.u.b, out->a.af == AF_INET ? 4 : 16, len, &changed);
	if (masked)
		*masked = changed;
	return 0;
}

int prefix_parse(const char *s, struct cd_prefix *out, bool *masked)
{
	return prefix_parse_n(s, strlen(s), out, masked);
}

bool prefix_is_host(const struct cd_prefix *p)
{
	return p->len == addr_bits(&p->a);
}

const char *prefix_ntop(const struct cd_prefix *p, char *buf, size_t len)
{
	char a[PREFIX_STRLEN];
	size_t n = addr_fmt(&p->a, a);

	if (!prefix_is_host(p)) {
		/* "%s/%u" without printf: len is at most 128. */
		a[n++] = '/';
		n = (size_t)(fmt_u8(a + n, p->len) - a);
		a[n] = '\0';
	}
	util_strlcpy(buf, a, len);
	return buf;
}

bool prefix_contains(const struct cd_prefix *p, const struct cd_addr *a)
{
	unsigned full = p->len / 8, rem = p->len % 8;

	if (p->a.af != a->af)
		return false;
	if (memcmp(p->a.u.b, a->u.b, full))
		return false;
	if (rem) {
		uint8_t m = (uint8_t)(0xff << (8 - rem));
		return (p->a.u.b[full] & m) == (a->u.b[full] & m);
	}
	return true;
}

int prefix_cmp(const struct cd_prefix *x, const struct cd_prefix *y)
{
	int c = addr_cmp(&x->a, &y->a);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

void prefix_last(const struct cd_prefix *p, struct cd_addr *out)
{
	unsigned nbytes = p->a.af == AF_INET ? 4 : 16;

	*out = p->a;
	for (unsigned i = 0; i < nbytes; i++) {
		unsigned bits = p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		out->u.b[i] |= (uint8_t)~m;
	}
}

/* Big-endian 128-bit helpers over b[] for the range walk. */
static bool bit_is_set(const uint8_t *b, unsigned i)
{
	return b[i / 8] & (0x80 >> (i % 8));
}

static void addr_inc(uint8_t *b, unsigned nbytes, bool *wrapped)
{
	for (unsigned i = nbytes; i-- > 0;)
		if (++b[i])
			return;
	*wrapped = true;
}

int prefix_range(const struct cd_addr *lo, const struct cd_addr *hi,
		 prefix_cb fn, void *arg)
{
	unsigned bits, nbytes;
	struct cd_prefix p;
	struct cd_addr cur = *lo, last;

	if (lo->af != hi->af || (lo->af != AF_INET && lo->af != AF_INET6) ||
	    addr_cmp(lo, hi) > 0)
		return -EINVAL;
	bits = addr_bits(lo);
	nbytes = bits / 8;
	for (;;) {
		unsigned len = bits;
		bool wrapped = false;
		int rc;

		/* Grow the block while cur stays aligned and it fits in hi. */
		while (len > 0 && !bit_is_set(cur.u.b, len - 1)) {
			p.a = cur;
			p.len = (uint8_t)(len - 1);
			prefix_last(&p, &last);
			if (addr_cmp(&last, hi) > 0)
				break;
			len--;
		}
		p.a = cur;
		p.len = (uint8_t)len;
		rc = fn(&p, arg);
		if (rc)
			return rc;
		prefix_last(&p, &last);
		if (addr_cmp(&last, hi) >= 0)
			return 0;
		cur = last;
		addr_inc(cur.u.b, nbytes, &wrapped);
		if (wrapped)
			return 0;
	}
}
