/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pfxlist.h"

void pfxlist_from_prefix(const struct cd_prefix *p, struct pfx_range *out)
{
	out->lo = p->a;
	prefix_last(p, &out->hi);
}

bool pfxlist_inc(uint8_t *b, unsigned nbytes)
{
	for (unsigned i = nbytes; i-- > 0;)
		if (++b[i])
			return false;
	return true;
}

static int range_cmp(const void *x, const void *y)
{
	const struct pfx_range *a = x, *b = y;
	int c = addr_cmp(&a->lo, &b->lo);

	if (c)
		return c;
	/* Wider first, so the merge walk sees the covering range first. */
	return -addr_cmp(&a->hi, &b->hi);
}

/* next directly follows or overlaps cur: cur.hi + 1 >= next.lo. */
static bool touches(const struct pfx_range *cur, const struct pfx_range *next)
{
	struct cd_addr succ;

	if (cur->lo.af != next->lo.af)
		return false;
	if (addr_cmp(&next->lo, &cur->hi) <= 0)
		return true;
	succ = cur->hi;
	if (pfxlist_inc(succ.u.b, addr_bits(&succ) / 8))
		return true; /* cur reaches the top of the space */
	return addr_eq(&succ, &next->lo);
}

/* Sort key byte k of a range: 0 the family, 1..16 lo's bytes (0 past an IPv4 address's 4). */
static unsigned key_byte(const struct pfx_range *r, unsigned k)
{
	if (!k)
		return r->lo.af;
	return k <= addr_bits(&r->lo) / 8 ? r->lo.u.b[k - 1] : 0;
}

/*
 * LSD radix sort by (family, lo), stable: 100k ranges in a few passes
 * instead of two million qsort() comparisons through a function pointer
 * (most of an enforcer delta's sorting time, in the profile). A byte all
 * ranges share costs one counting pass and no move. false: no memory.
 */
static bool radix_by_lo(struct pfx_range *r, size_t n)
{
	struct pfx_range *tmp = malloc(n * sizeof(*r)), *src = r, *dst = tmp, *t;
	size_t cnt[256];

	if (!tmp)
		return false;
	for (unsigned k = 17; k-- > 0;) {
		size_t pos = 0;

		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < n; i++)
			cnt[key_byte(&src[i], k)]++;
		if (cnt[key_byte(&src[0], k)] == n)
			continue;
		for (unsigned b = 0; b < 256; b++) {
			size_t c = cnt[b];

			cnt[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[key_byte(&src[i], k)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != r)
		memcpy(r, src, n * sizeof(*r));
	free(tmp);
	return true;
}

size_t pfxlist_merge(struct pfx_range *r, size_t n)
{
	size_t out = 0;

	if (n == 0)
		return 0;
	/*
	 * Ranges with the same lo may come in either order: the walk below
	 * keeps the first and widens it to the largest hi of them all.
	 */
	if (n < 256 || !radix_by_lo(r, n))
		qsort(r, n, sizeof(*r), range_cmp);
	for (size_t i = 1; i < n; i++) {
		if (touches(&r[out], &r[i])) {
			if (addr_cmp(&r[i].hi, &r[out].hi) > 0)
				r[out].hi = r[i].hi;
			continue;
		}
		r[++out] = r[i];
	}
	return out + 1;
}

bool pfxlist_contains(const struct pfx_range *r, size_t n,
		      const struct cd_addr *a)
{
	size_t lo = 0, hi = n;

	/* First range whose lo > a, then check its predecessor. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr_cmp(&r[mid].lo, a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && addr_cmp(a, &r[lo - 1].hi) <= 0 &&
	       r[lo - 1].lo.af == a->af;
}

struct emit_ctx {
	struct cd_prefix *p;
	size_t n, cap;
};

static int emit(const struct cd_prefix *p, void *arg)
{
	struct emit_ctx *c = arg;

	if (c->n >= c->cap)
		return -EOVERFLOW; /* cannot happen: the input was a cover */
	c->p[c->n++] = *p;
	return 0;
}

int pfxlist_normalize(struct cd_prefix *p, size_t *n)
{
	struct emit_ctx c = { .p = p, .n = 0, .cap = *n };
	struct pfx_range *r;
	size_t nr;
	int rc = 0;

	if (*n == 0)
		return 0;
	r = malloc(*n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		pfxlist_from_prefix(&p[i], &r[i]);
	nr = pfxlist_merge(r, *n);
	/*
	 * Merged ranges come from a union of prefixes, so their minimal
	 * prefix cover is never longer than the input: writing back into p
	 * in place is safe.
	 */
	for (size_t i = 0; i < nr; i++) {
		rc = prefix_range(&r[i].lo, &r[i].hi, emit, &c);
		if (rc)
			goto out;
	}
	*n = c.n;
out:
	free(r);
	return rc;
}
