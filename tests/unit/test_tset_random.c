/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tset.h"
#include "tset_testlib.h"

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

enum fam { FAM4, FAM6, FAMX };

static void gen_mixed(struct cd_prefix *p)
{
	if (rnd() % 2)
		gen4(p);
	else
		gen6(p);
}

static void run_random(enum fam fam, size_t nent, size_t nprobe, bool linear)
{
	static void (*const gen[])(struct cd_prefix *) = { gen4, gen6, gen_mixed };
	static const char *const name[] = { "IPv4", "IPv6", "mixed" };
	struct list *l[NLISTS];
	struct rent *e, *sorted;
	struct cd_addr *a = calloc(nprobe, sizeof(*a));
	uint32_t *a4 = calloc(nprobe, sizeof(*a4));
	uint8_t *bv = calloc(nprobe, 1);
	size_t hits = 0, trusted = 0, n4 = 0;
	struct tset *t;

	assert_true(a && a4 && bv);
	for (unsigned i = 0; i < 64; i++) {
		pool4[i] = (uint32_t)rnd() & 0xffff;
		pool6[i] = (0x2001ull << 48) | (rnd() & 0xffff) << 32;
	}
	e = rand_lists(l, nent, gen[fam]);
	t = build(l, NLISTS);
	sorted = malloc(nent * sizeof(*sorted));
	assert_non_null(sorted);
	memcpy(sorted, e, nent * sizeof(*sorted));
	qsort(sorted, nent, sizeof(*sorted), rent_cmp);
	for (size_t i = 0; i < nprobe; i++) {
		struct ref r;

		probe(e, nent, fam == FAM6 || (fam == FAMX && rnd() % 2), &a[i]);
		r = linear ? ref_linear(e, nent, &a[i])
			   : ref_sorted(sorted, nent, &a[i]);
		check_one(t, l, &a[i], r);
		hits += r.v != TSET_CLEAN;
		trusted += r.v == TSET_TRUSTED;
		if (a[i].af == AF_INET)
			a4[n4++] = a[i].u.v4;
	}
	tset_lookup4_batch(t, a4, n4, bv);
	for (size_t i = 0; i < n4; i++)
		assert_int_equal(bv[i], tset_lookup4(t, a4[i]));
	/* The probes must exercise all three verdicts. */
	print_message("# %s: %zu entries, %zu probes, %zu hits, %zu trusted\n",
		      name[fam], nent, nprobe, hits, trusted);
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
		run_random(FAM4, 20000, 70000, false);
}

static void test_random6(void **state)
{
	(void)state;
	for (int round = 0; round < 3; round++)
		run_random(FAM6, 20000, 30000, false);
}

static void test_random_linear(void **state)
{
	(void)state;
	run_random(FAM4, 2000, 5000, true);
	run_random(FAM6, 2000, 5000, true);
	run_random(FAMX, 4000, 8000, true);
	run_random(FAMX, 20000, 40000, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random4),
		cmocka_unit_test(test_random6),
		cmocka_unit_test(test_random_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
