/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tset.h"

/*
 * Lists are filled by hand: the list parsers are another module and this
 * test links only sensor/tset*.c and common/.
 */
static struct list *mk_list(enum list_kind kind, const char *name,
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

static void free_list(struct list *l)
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

static struct tset *build(struct list **lists, size_t n)
{
	char err[ERRLEN] = "";
	struct tset *t = tset_build(lists, n, err, sizeof(err));

	if (!t)
		fail_msg("tset_build: %s", err);
	return t;
}

static enum tset_verdict look(const struct tset *t, const char *s)
{
	struct cd_addr a;
	struct tset_match m;
	enum tset_verdict v;

	if (!addr_parse(s, &a))
		fail_msg("bad address %s", s);
	v = tset_lookup(t, &a);
	/* The slow path must always agree with the fast one. */
	assert_int_equal(tset_explain(t, &a, &m), v);
	assert_int_equal(m.verdict, v);
	if (a.af == AF_INET) {
		uint8_t bv;

		assert_int_equal(tset_lookup4(t, a.u.v4), v);
		tset_lookup4_batch(t, &a.u.v4, 1, &bv);
		assert_int_equal(bv, v);
	} else {
		assert_int_equal(tset_lookup6(t, a.u.b), v);
	}
	return v;
}

/* Explain s and check list name, entry and line. */
static void explain_is(const struct tset *t, const char *s, enum tset_verdict v,
		 const char *list, const char *entry, uint32_t line)
{
	struct cd_addr a;
	struct tset_match m;
	char buf[PREFIX_STRLEN];

	assert_true(addr_parse(s, &a));
	assert_int_equal(tset_explain(t, &a, &m), v);
	if (v == TSET_CLEAN) {
		assert_null(m.list);
		return;
	}
	assert_non_null(m.list);
	assert_string_equal(m.list->name, list);
	assert_string_equal(prefix_ntop(&m.entry, buf, sizeof(buf)), entry);
	assert_int_equal(m.line, line);
}

static void test_empty(void **state)
{
	struct tset *t = build(NULL, 0);
	struct list *l = MK(LIST_THREAT, "none", "192.0.2.1");
	struct tset_stats st;

	(void)state;
	assert_int_equal(look(t, "192.0.2.1"), TSET_CLEAN);
	assert_int_equal(look(t, "2001:db8::1"), TSET_CLEAN);
	assert_int_equal(look(t, "0.0.0.0"), TSET_CLEAN);
	assert_int_equal(look(t, "255.255.255.255"), TSET_CLEAN);
	tset_get_stats(t, &st);
	assert_int_equal(st.hosts4 + st.hosts6 + st.prefixes4 + st.prefixes6, 0);
	tset_free(t);
	/* A list with no entries is an empty set too. */
	l->n = 0;
	t = build(&l, 1);
	assert_int_equal(look(t, "192.0.2.1"), TSET_CLEAN);
	tset_free(t);
	tset_free(NULL);
	free_list(l);
}

static void test_hosts(void **state)
{
	struct list *l = MK(LIST_THREAT, "bad.txt", "192.0.2.1", "2001:db8::1",
			    "0.0.0.0", "255.255.255.255", "::",
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	struct tset *t = build(&l, 1);
	struct tset_stats st;

	(void)state;
	assert_int_equal(look(t, "192.0.2.1"), TSET_THREAT);
	assert_int_equal(look(t, "192.0.2.2"), TSET_CLEAN);
	assert_int_equal(look(t, "192.0.2.0"), TSET_CLEAN);
	assert_int_equal(look(t, "2001:db8::1"), TSET_THREAT);
	assert_int_equal(look(t, "2001:db8::2"), TSET_CLEAN);
	assert_int_equal(look(t, "0.0.0.0"), TSET_THREAT);
	assert_int_equal(look(t, "0.0.0.1"), TSET_CLEAN);
	assert_int_equal(look(t, "255.255.255.255"), TSET_THREAT);
	assert_int_equal(look(t, "255.255.255.254"), TSET_CLEAN);
	assert_int_equal(look(t, "::"), TSET_THREAT);
	assert_int_equal(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
			 TSET_THREAT);
	assert_int_equal(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"),
			 TSET_CLEAN);
	explain_is(t, "2001:db8::1", TSET_THREAT, "bad.txt", "2001:db8::1", 20);
	explain_is(t, "255.255.255.255", TSET_THREAT, "bad.txt", "255.255.255.255", 40);
	tset_get_stats(t, &st);
	assert_int_equal(st.hosts4, 3);
	assert_int_equal(st.hosts6, 3);
	assert_int_equal(st.prefixes4 + st.prefixes6, 0);
	assert_true(st.bytes > 65536 * 4);
	tset_free(t);
	free_list(l);
}

static void test_families(void **state)
{
	struct list *l = MK(LIST_THREAT, "bad.txt", "192.0.2.1", "0.0.0.0/0",
			    "2001:db8:5::/48");
	struct list *l6 = MK(LIST_THREAT, "v6.txt", "::ffff:c000:201");
	struct tset *t = build(&l, 1), *t6 = build(&l6, 1);

	(void)state;
	/* An IPv6 address never matches an IPv4 entry, even a mapped one. */
	assert_int_equal(look(t, "::ffff:c000:201"), TSET_CLEAN);
	assert_int_equal(look(t, "::ffff:c000:202"), TSET_CLEAN);
	assert_int_equal(look(t, "2001:db8:5::1"), TSET_THREAT);
	assert_int_equal(look(t, "2001:db8:6::1"), TSET_CLEAN);
	assert_int_equal(look(t, "203.0.113.9"), TSET_THREAT);
	assert_int_equal(look(t6, "192.0.2.1"), TSET_CLEAN);
	assert_int_equal(look(t6, "::ffff:c000:201"), TSET_THREAT);
	tset_free(t);
	tset_free(t6);
	free_list(l);
	free_list(l6);
}

static void test_prefix_lengths(void **state)
{
	char s[PREFIX_STRLEN + 8];

	(void)state;
	/* Every length, alone in a set: inside, both edges, just outside. */
	for (unsigned len = 0; len <= 32; len++) {
		const char *p[1] = { s };
		struct list *l;
		struct tset *t;
		uint32_t base = 0xcb007100u & (len ? UINT32_MAX << (32 - len) : 0);
		uint32_t last = base | (len == 32 ? 0 : UINT32_MAX >> len);
		struct cd_addr a;

		snprintf(s, sizeof(s), "203.0.113.0/%u", len);
		l = mk_list(LIST_THREAT, "p.txt", p, 1);
		t = build(&l, 1);
		addr_set4(&a, htonl(base));
		assert_int_equal(tset_lookup(t, &a), TSET_THREAT);
		addr_set4(&a, htonl(last));
		assert_int_equal(tset_lookup(t, &a), TSET_THREAT);
		addr_set4(&a, htonl(0xcb007142u));
		assert_int_equal(tset_lookup(t, &a), len <= 25 ? TSET_THREAT : TSET_CLEAN);
		if (len) {
			addr_set4(&a, htonl(base - 1));
			assert_int_equal(tset_lookup(t, &a), TSET_CLEAN);
			addr_set4(&a, htonl(last + 1));
			assert_int_equal(tset_lookup(t, &a), TSET_CLEAN);
		}
		tset_free(t);
		free_list(l);
	}
	for (unsigned len = 0; len <= 128; len += (len < 30 ? 7 : 1)) {
		const char *p[1] = { s };
		struct list *l;
		struct tset *t;
		struct cd_prefix pf;
		struct cd_addr a;

		snprintf(s, sizeof(s), "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff/%u", len);
		l = mk_list(LIST_THREAT, "p6.txt", p, 1);
		t = build(&l, 1);
		pf = l->ent[0].pfx;
		a = pf.a;
		assert_int_equal(tset_lookup(t, &a), TSET_THREAT);
		prefix_last(&pf, &a);
		assert_int_equal(tset_lookup(t, &a), TSET_THREAT);
		if (len) {
			/* Flip the last bit of the prefix: just outside. */
			a = pf.a;
			a.u.b[(len - 1) / 8] ^= (uint8_t)(0x80 >> ((len - 1) % 8));
			assert_int_equal(tset_lookup(t, &a), TSET_CLEAN);
		}
		tset_free(t);
		free_list(l);
	}
}

static void test_longest(void **state)
{
	struct list *l[2] = {
		MK(LIST_THREAT, "a.txt", "198.51.0.0/16", "198.51.100.0/24",
		   "2001:db8::/32", "2001:db8:1::/48"),
		MK(LIST_THREAT, "b.txt", "198.51.100.128/25", "198.51.100.200",
		   "10.0.0.0/8", "2001:db8:1:2::/64", "2001:db8:1:2::9"),
	};
	struct tset *t = build(l, 2);

	(void)state;
	explain_is(t, "198.51.100.200", TSET_THREAT, "b.txt", "198.51.100.200", 20);
	explain_is(t, "198.51.100.201", TSET_THREAT, "b.txt", "198.51.100.128/25", 10);
	explain_is(t, "198.51.100.1", TSET_THREAT, "a.txt", "198.51.100.0/24", 20);
	explain_is(t, "198.51.7.1", TSET_THREAT, "a.txt", "198.51.0.0/16", 10);
	explain_is(t, "10.255.255.255", TSET_THREAT, "b.txt", "10.0.0.0/8", 30);
	explain_is(t, "11.0.0.0", TSET_CLEAN, NULL, NULL, 0);
	explain_is(t, "2001:db8:1:2::9", TSET_THREAT, "b.txt", "2001:db8:1:2::9", 50);
	explain_is(t, "2001:db8:1:2::8", TSET_THREAT, "b.txt", "2001:db8:1:2::/64", 40);
	explain_is(t, "2001:db8:1:3::8", TSET_THREAT, "a.txt", "2001:db8:1::/48", 40);
	explain_is(t, "2001:db8:2::", TSET_THREAT, "a.txt", "2001:db8::/32", 30);
	explain_is(t, "2001:db9::", TSET_CLEAN, NULL, NULL, 0);
	tset_free(t);
	free_list(l[0]);
	free_list(l[1]);
}

static void test_trusted_wins(void **state)
{
	struct list *l[3] = {
		MK(LIST_THREAT, "threat.txt", "192.0.2.77", "198.51.0.0/16",
		   "203.0.113.0/24", "2001:db8::/32", "2001:db8:7::7"),
		MK(LIST_TRUSTED, "trusted.txt", "192.0.2.0/24", "198.51.100.7",
		   "2001:db8:7::/48", "2001:db8:1::1"),
		MK(LIST_THREAT, "later.txt", "203.0.113.0/24", "203.0.113.5",
		   "192.0.2.0/24"),
	};
	struct tset *t = build(l, 3);

	(void)state;
	/* Trusted /24 around a threat /32: trusted, and explain says so. */
	explain_is(t, "192.0.2.77", TSET_TRUSTED, "trusted.txt", "192.0.2.0/24", 10);
	assert_int_equal(look(t, "192.0.2.78"), TSET_TRUSTED);
	/* Trusted /32 inside a threat /16: only that address. */
	explain_is(t, "198.51.100.7", TSET_TRUSTED, "trusted.txt", "198.51.100.7", 20);
	explain_is(t, "198.51.100.8", TSET_THREAT, "threat.txt", "198.51.0.0/16", 20);
	explain_is(t, "198.51.100.6", TSET_THREAT, "threat.txt", "198.51.0.0/16", 20);
	/* Same /24 in two threat lists: the first list given. */
	explain_is(t, "203.0.113.1", TSET_THREAT, "threat.txt", "203.0.113.0/24", 30);
	explain_is(t, "203.0.113.5", TSET_THREAT, "later.txt", "203.0.113.5", 20);
	/* IPv6 the same. */
	explain_is(t, "2001:db8:7::7", TSET_TRUSTED, "trusted.txt", "2001:db8:7::/48", 30);
	explain_is(t, "2001:db8:1::1", TSET_TRUSTED, "trusted.txt", "2001:db8:1::1", 40);
	explain_is(t, "2001:db8:1::2", TSET_THREAT, "threat.txt", "2001:db8::/32", 40);
	assert_int_equal(look(t, "2001:db8:8::7"), TSET_THREAT);
	tset_free(t);
	for (size_t i = 0; i < 3; i++)
		free_list(l[i]);
}

static void test_trusted_short(void **state)
{
	/* A trusted /0 (below any floor) makes everything of its family
	 * trusted; a trusted prefix shorter than /32 for IPv6 too. */
	struct list *l[2] = {
		MK(LIST_THREAT, "t.txt", "192.0.2.1", "10.0.0.0/8",
		   "2001:db8::1", "2001:db8::/32", "3000::/4"),
		MK(LIST_TRUSTED, "ok.txt", "0.0.0.0/0", "2000::/3"),
	};
	struct tset *t = build(l, 2);

	(void)state;
	explain_is(t, "192.0.2.1", TSET_TRUSTED, "ok.txt", "0.0.0.0/0", 10);
	assert_int_equal(look(t, "10.1.2.3"), TSET_TRUSTED);
	explain_is(t, "2001:db8::1", TSET_TRUSTED, "ok.txt", "2000::/3", 20);
	assert_int_equal(look(t, "3000::1"), TSET_TRUSTED);
	assert_int_equal(look(t, "4000::1"), TSET_CLEAN);
	tset_free(t);
	l[1]->kind = LIST_THREAT;
	t = build(l, 2);
	explain_is(t, "2001:db8::1", TSET_THREAT, "t.txt", "2001:db8::1", 30);
	explain_is(t, "3000::1", TSET_THREAT, "t.txt", "3000::/4", 50);
	explain_is(t, "2fff::1", TSET_THREAT, "ok.txt", "2000::/3", 20);
	explain_is(t, "4000::1", TSET_CLEAN, NULL, NULL, 0);
	explain_is(t, "8.8.8.8", TSET_THREAT, "ok.txt", "0.0.0.0/0", 10);
	tset_free(t);
	free_list(l[0]);
	free_list(l[1]);
}

static void test_duplicates(void **state)
{
	struct list *l[3] = {
		MK(LIST_THREAT, "one.txt", "192.0.2.9", "192.0.2.9",
		   "198.51.100.0/24"),
		MK(LIST_THREAT, "two.txt", "192.0.2.9", "198.51.100.0/24"),
		MK(LIST_TRUSTED, "ok.txt", "203.0.113.1", "203.0.113.1"),
	};
	struct list *l2[2] = { l[1], l[0] };
	struct tset *t = build(l, 3);
	struct tset_stats st;

	(void)state;
	explain_is(t, "192.0.2.9", TSET_THREAT, "one.txt", "192.0.2.9", 10);
	explain_is(t, "198.51.100.3", TSET_THREAT, "one.txt", "198.51.100.0/24", 30);
	explain_is(t, "203.0.113.1", TSET_TRUSTED, "ok.txt", "203.0.113.1", 10);
	tset_get_stats(t, &st);
	assert_int_equal(st.hosts4, 2);
	assert_int_equal(st.prefixes4, 1);
	tset_free(t);
	t = build(l2, 2);
	explain_is(t, "192.0.2.9", TSET_THREAT, "two.txt", "192.0.2.9", 10);
	explain_is(t, "198.51.100.3", TSET_THREAT, "two.txt", "198.51.100.0/24", 20);
	tset_free(t);
	for (size_t i = 0; i < 3; i++)
		free_list(l[i]);
}

static void test_bad_entry(void **state)
{
	struct list *l = MK(LIST_THREAT, "bad.txt", "192.0.2.1", "192.0.2.2");
	char err[ERRLEN] = "";

	(void)state;
	l->ent[1].pfx.len = 33;
	assert_null(tset_build(&l, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "bad.txt:20"));
	free_list(l);
}


/*
 * Random sets cross-checked against a reference matcher that knows
 * nothing of the set's layout: every entry in list order, longest
 * trusted match else longest threat match, ties to the earliest entry.
 */
struct rent {
	struct cd_prefix p;
	uint32_t order; /* global position: list, then entry */
	unsigned list;
	bool trusted;
	uint32_t line;
};

struct ref {
	enum tset_verdict v;
	const struct rent *e;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static struct ref ref_pick(const struct rent *tr, const struct rent *th)
{
	if (tr)
		return (struct ref){ TSET_TRUSTED, tr };
	if (th)
		return (struct ref){ TSET_THREAT, th };
	return (struct ref){ TSET_CLEAN, NULL };
}

static struct ref ref_linear(const struct rent *e, size_t n,
			     const struct cd_addr *a)
{
	const struct rent *tr = NULL, *th = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct rent **b = e[i].trusted ? &tr : &th;

		if (prefix_contains(&e[i].p, a) && (!*b || e[i].p.len > (*b)->p.len))
			*b = &e[i];
	}
	return ref_pick(tr, th);
}

/* Sorted by family, length, address, then order: one binary search per
 * length finds the earliest entry of each kind for a masked address. */
static int rent_cmp(const void *x, const void *y)
{
	const struct rent *a = x, *b = y;

	if (a->p.a.af != b->p.a.af)
		return a->p.a.af < b->p.a.af ? -1 : 1;
	if (a->p.len != b->p.len)
		return a->p.len < b->p.len ? -1 : 1;
	int c = memcmp(a->p.a.u.b, b->p.a.u.b, 16);
	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

static struct ref ref_sorted(const struct rent *e, size_t n,
			     const struct cd_addr *a)
{
	const struct rent *tr = NULL, *th = NULL;

	for (int len = addr_bits(a); len >= 0; len--) {
		struct rent key = { .order = 0 };
		size_t lo = 0, hi = n;

		key.p.a = *a;
		key.p.len = (uint8_t)len;
		prefix_mask(&key.p);
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (rent_cmp(&e[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && rent_cmp(&e[lo], &key) >= 0 &&
		       e[lo].p.len == len && e[lo].p.a.af == a->af &&
		       !memcmp(e[lo].p.a.u.b, key.p.a.u.b, 16); lo++) {
			if (e[lo].trusted && !tr)
				tr = &e[lo];
			if (!e[lo].trusted && !th)
				th = &e[lo];
		}
	}
	return ref_pick(tr, th);
}

#define NLISTS 5
static const enum list_kind rkinds[NLISTS] = {
	LIST_THREAT, LIST_THREAT, LIST_TRUSTED, LIST_THREAT, LIST_TRUSTED,
};

/* Spread n entries over NLISTS lists; gen() makes each prefix. */
static struct rent *rand_lists(struct list *l[NLISTS], size_t n,
			       void (*gen)(struct cd_prefix *p))
{
	struct rent *e = calloc(n, sizeof(*e));
	size_t cnt[NLISTS] = { 0 }, k = 0;

	assert_non_null(e);
	for (unsigned i = 0; i < NLISTS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%u.txt", i);
		l[i] = mk_list(rkinds[i], name, NULL, 0);
		free(l[i]->ent);
		l[i]->ent = calloc(n, sizeof(*l[i]->ent));
		assert_non_null(l[i]->ent);
	}
	for (size_t j = 0; j < n; j++) {
		/* Trusted lists get about a twentieth of the entries. */
		unsigned li = rnd() % 20 == 0 ? (rnd() % 2 ? 2 : 4)
					     : (unsigned[]){ 0, 1, 3 }[rnd() % 3];
		struct list_entry *le = &l[li]->ent[l[li]->n++];

		gen(&le->pfx);
		le->line = (uint32_t)(l[li]->n * 3 + rnd() % 3);
		cnt[li]++;
	}
	for (unsigned i = 0; i < NLISTS; i++) {
		for (size_t j = 0; j < l[i]->n; j++, k++) {
			e[k].p = l[i]->ent[j].pfx;
			e[k].order = (uint32_t)k;
			e[k].list = i;
			e[k].trusted = rkinds[i] == LIST_TRUSTED;
			e[k].line = l[i]->ent[j].line;
		}
	}
	assert_int_equal(k, n);
	return e;
}

static uint32_t pool4[64];

static void gen4(struct cd_prefix *p)
{
	unsigned r = rnd() % 100;
	uint32_t a = pool4[rnd() % 64] << 16 | (uint32_t)(rnd() & 0xffff);

	if (rnd() % 50 == 0)
		a = (uint32_t)rnd();
	/* Mostly long prefixes: a short trusted one hides all under it. */
	p->len = r < 70 ? 32 : r < 98 ? 20 + rnd() % 12 : 17 + rnd() % 3;
	if (rnd() % 500 == 0) {
		p->len = 8 + rnd() % 9;
		if (rnd() % 2)
			a = (uint32_t)rnd();
	}
	addr_set4(&p->a, htonl(a));
	prefix_mask(p);
}

static uint64_t pool6[64];

static void gen6(struct cd_prefix *p)
{
	unsigned r = rnd() % 100;
	uint8_t b[16];
	uint64_t hi = pool6[rnd() % 64] | (rnd() % 16) << 16 | (rnd() % 16),
		 lo = rnd() % 3 ? rnd() % 64 : rnd();

	p->len = r < 50 ? 128 : r < 98 ? 52 + rnd() % 76 : 32 + rnd() % 20;
	if (rnd() % 500 == 0) {
		/* Below the list floor: the set must still handle it. */
		p->len = 8 + rnd() % 24;
		hi = rnd();
	}
	for (unsigned i = 0; i < 8; i++) {
		b[i] = (uint8_t)(hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	}
	addr_set6(&p->a, b);
	prefix_mask(p);
}

/* A probe: near an entry (inside, or one bit outside) or anywhere. */
static void probe(const struct rent *e, size_t n, bool v6, struct cd_addr *a)
{
	const struct rent *x = &e[rnd() % n];
	unsigned bits = v6 ? 128 : 32;

	if (rnd() % 4 == 0 || x->p.a.af != (v6 ? AF_INET6 : AF_INET)) {
		uint8_t b[16];

		for (unsigned i = 0; i < 16; i++)
			b[i] = (uint8_t)rnd();
		if (v6) {
			memcpy(b, e[rnd() % n].p.a.u.b, rnd() % 2 ? 4 : 6);
			addr_set6(a, b);
		} else {
			addr_set4(a, htonl(pool4[rnd() % 64] << 16 |
					   (uint32_t)(rnd() & 0xffff)));
		}
		return;
	}
	*a = x->p.a;
	for (unsigned i = x->p.len; i < bits; i++)
		if (rnd() % 2)
			a->u.b[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
	if (x->p.len && rnd() % 4 == 0) {
		unsigned i = rnd() % x->p.len;

		a->u.b[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
	}
}

static void check_one(const struct tset *t, struct list *l[NLISTS],
		      const struct cd_addr *a, struct ref r)
{
	struct tset_match m;
	char buf[ADDR_STRLEN];

	if (tset_lookup(t, a) != r.v)
		fail_msg("%s: lookup %d, expected %d",
			 addr_ntop(a, buf, sizeof(buf)), tset_lookup(t, a), r.v);
	assert_int_equal(tset_explain(t, a, &m), r.v);
	if (r.v == TSET_CLEAN)
		return;
	assert_ptr_equal(m.list, l[r.e->list]);
	assert_int_equal(m.line, r.e->line);
	assert_int_equal(m.entry.len, r.e->p.len);
	assert_true(addr_eq(&m.entry.a, &r.e->p.a));
}

static void run_random(bool v6, size_t nent, size_t nprobe, bool linear)
{
	struct list *l[NLISTS];
	struct rent *e, *sorted;
	struct cd_addr *a = calloc(nprobe, sizeof(*a));
	uint32_t *a4 = calloc(nprobe, sizeof(*a4));
	uint8_t *bv = calloc(nprobe, 1);
	size_t hits = 0, trusted = 0;
	struct tset *t;

	assert_true(a && a4 && bv);
	for (unsigned i = 0; i < 64; i++) {
		pool4[i] = (uint32_t)rnd() & 0xffff;
		pool6[i] = (0x2001ull << 48) | (rnd() & 0xffff) << 32;
	}
	e = rand_lists(l, nent, v6 ? gen6 : gen4);
	t = build(l, NLISTS);
	sorted = malloc(nent * sizeof(*sorted));
	assert_non_null(sorted);
	memcpy(sorted, e, nent * sizeof(*sorted));
	qsort(sorted, nent, sizeof(*sorted), rent_cmp);
	for (size_t i = 0; i < nprobe; i++) {
		struct ref r;

		probe(e, nent, v6, &a[i]);
		r = linear ? ref_linear(e, nent, &a[i])
			   : ref_sorted(sorted, nent, &a[i]);
		check_one(t, l, &a[i], r);
		hits += r.v != TSET_CLEAN;
		trusted += r.v == TSET_TRUSTED;
		a4[i] = a[i].u.v4;
	}
	if (!v6) {
		tset_lookup4_batch(t, a4, nprobe, bv);
		for (size_t i = 0; i < nprobe; i++)
			assert_int_equal(bv[i], tset_lookup4(t, a4[i]));
	}
	/* The probes must exercise all three verdicts. */
	print_message("%s: %zu entries, %zu probes, %zu hits, %zu trusted\n",
		      v6 ? "IPv6" : "IPv4", nent, nprobe, hits, trusted);
	assert_true(hits > nprobe / 10 && hits < nprobe - nprobe / 20);
	assert_true(trusted > nprobe / 200);
	tset_free(t);
	for (unsigned i = 0; i < NLISTS; i++)
		free_list(l[i]);
	free(sorted);
	free(e);
	free(a);
	free(a4);
	free(bv);
}

static void test_random4(void **state)
{
	(void)state;
	for (int round = 0; round < 3; round++)
		run_random(false, 20000, 70000, false);
}

static void test_random6(void **state)
{
	(void)state;
	for (int round = 0; round < 3; round++)
		run_random(true, 20000, 30000, false);
}

static void test_random_linear(void **state)
{
	(void)state;
	run_random(false, 2000, 5000, true);
	run_random(true, 2000, 5000, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_prefix_lengths),
		cmocka_unit_test(test_longest),
		cmocka_unit_test(test_trusted_wins),
		cmocka_unit_test(test_trusted_short),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bad_entry),
		cmocka_unit_test(test_random4),
		cmocka_unit_test(test_random6),
		cmocka_unit_test(test_random_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
