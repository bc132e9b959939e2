/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "pfxlist.h"

static struct cd_prefix P(const char *s)
{
	struct cd_prefix p;

	assert_int_equal(prefix_parse(s, &p, NULL), 0);
	return p;
}

static void norm(const char **in, size_t n, const char **want, size_t nwant)
{
	struct cd_prefix *p = calloc(n + 1, sizeof(*p));
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < n; i++)
		p[i] = P(in[i]);
	assert_int_equal(pfxlist_normalize(p, &n), 0);
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(prefix_ntop(&p[i], buf, sizeof(buf)), want[i]);
	free(p);
}

static void test_merge_overlap_adjacent(void **state)
{
	static const char *in[] = {
		"198.51.100.128/25", "198.51.100.0/25", "198.51.100.7",
		"203.0.113.0/24", "203.0.113.9", "2001:db8::/33",
		"2001:db8:8000::/33", "192.0.2.1", "192.0.2.2", "192.0.2.3",
		"192.0.2.3",
	};
	static const char *want[] = {
		"192.0.2.1", "192.0.2.2/31", "198.51.100.0/24",
		"203.0.113.0/24", "2001:db8::/32",
	};

	(void)state;
	norm(in, ARRAY_SIZE(in), want, ARRAY_SIZE(want));
}

static void test_merge_ranges(void **state)
{
	struct pfx_range r[4];
	struct cd_prefix p;
	struct cd_addr a;
	char b1[ADDR_STRLEN], b2[ADDR_STRLEN];
	size_t n;

	(void)state;
	/* Adjacent but not aligned: one range, two prefixes. */
	p = P("192.0.2.4/30");
	pfxlist_from_prefix(&p, &r[0]);
	p = P("192.0.2.8/29");
	pfxlist_from_prefix(&p, &r[1]);
	/* Top of the space merges with its neighbour without wrapping. */
	p = P("255.255.255.0/24");
	pfxlist_from_prefix(&p, &r[2]);
	p = P("255.255.254.0/24");
	pfxlist_from_prefix(&p, &r[3]);
	n = pfxlist_merge(r, 4);
	assert_int_equal(n, 2);
	assert_string_equal(addr_ntop(&r[0].lo, b1, sizeof(b1)), "192.0.2.4");
	assert_string_equal(addr_ntop(&r[0].hi, b2, sizeof(b2)), "192.0.2.15");
	assert_string_equal(addr_ntop(&r[1].lo, b1, sizeof(b1)), "255.255.254.0");
	assert_string_equal(addr_ntop(&r[1].hi, b2, sizeof(b2)), "255.255.255.255");
	assert_true(addr_parse("192.0.2.9", &a));
	assert_true(pfxlist_contains(r, n, &a));
	assert_true(addr_parse("192.0.2.16", &a));
	assert_false(pfxlist_contains(r, n, &a));
	assert_true(addr_parse("192.0.2.3", &a));
	assert_false(pfxlist_contains(r, n, &a));
	assert_true(addr_parse("255.255.255.255", &a));
	assert_true(pfxlist_contains(r, n, &a));
	assert_true(addr_parse("::ffff:192.0.2.9", &a));
	assert_false(pfxlist_contains(r, n, &a)); /* another family */
}

static void test_families_stay_apart(void **state)
{
	static const char *in[] = { "2001:db8::/128", "0.0.0.0/1", "128.0.0.0/1",
				    "::/1" };
	static const char *want[] = { "0.0.0.0/0", "::/1" };

	(void)state;
	norm(in, ARRAY_SIZE(in), want, ARRAY_SIZE(want));
}

/* Random prefixes inside 192.0.2.0/24 against a bitmap of the /24. */
static void test_random_against_bitmap(void **state)
{
	(void)state;
	srand(42);
	for (int round = 0; round < 300; round++) {
		uint8_t want[256] = { 0 }, got[256] = { 0 };
		struct cd_prefix p[40];
		size_t n = (size_t)(rand() % 40) + 1, before;

		for (size_t i = 0; i < n; i++) {
			uint32_t len = 24 + (uint32_t)(rand() % 9);
			uint32_t host = (uint32_t)rand() & 0xff;

			addr_set4(&p[i].a, htonl(0xc0000200u | host));
			p[i].len = (uint8_t)len;
			prefix_mask(&p[i]);
			for (uint32_t h = 0; h < 256; h++) {
				struct cd_addr a;

				addr_set4(&a, htonl(0xc0000200u | h));
				if (prefix_contains(&p[i], &a))
					want[h] = 1;
			}
		}
		before = n;
		assert_int_equal(pfxlist_normalize(p, &n), 0);
		assert_true(n <= before);
		for (size_t i = 0; i < n; i++) {
			if (i)
				assert_true(prefix_cmp(&p[i - 1], &p[i]) < 0);
			for (uint32_t h = 0; h < 256; h++) {
				struct cd_addr a;

				addr_set4(&a, htonl(0xc0000200u | h));
				if (prefix_contains(&p[i], &a)) {
					assert_int_equal(got[h], 0); /* no overlap */
					got[h] = 1;
				}
			}
		}
		assert_memory_equal(want, got, sizeof(want));
		/* Minimal: no two neighbours could merge into their parent. */
		for (size_t i = 1; i < n; i++) {
			bool sib = p[i].len == p[i - 1].len && p[i].len > 0 &&
				   (ntohl(p[i - 1].a.u.v4) ^ ntohl(p[i].a.u.v4)) ==
					   (1u << (32 - p[i].len));
			struct cd_prefix parent = p[i - 1];

			parent.len--;
			prefix_mask(&parent);
			assert_false(sib && addr_eq(&parent.a, &p[i - 1].a));
		}
	}
}

struct ref_range {
	uint64_t lo, hi;
};

static int ref_cmp(const void *x, const void *y)
{
	const struct ref_range *a = x, *b = y;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* A range of the test's two small spaces as one 64-bit number line. */
static uint64_t ref_key(const struct cd_addr *a)
{
	if (a->af == AF_INET)
		return ntohl(a->u.v4) & 0x3ff;
	return ((uint64_t)1 << 40) | (uint64_t)a->u.b[14] << 8 | a->u.b[15];
}

/*
 * Arrays big enough for the radix sort (>= 256 ranges), IPv4 and IPv6
 * mixed, many sharing lo: the merge must equal a plain sort-and-walk
 * over 64-bit numbers.
 */
static void test_merge_big_against_reference(void **state)
{
	(void)state;
	srand(7);
	for (int round = 0; round < 60; round++) {
		size_t n = 256 + (size_t)(rand() % 3000), nref = 0, got;
		struct pfx_range *r = calloc(n, sizeof(*r));
		struct ref_range *ref = calloc(n, sizeof(*ref));

		assert_non_null(r);
		assert_non_null(ref);
		for (size_t i = 0; i < n; i++) {
			struct cd_prefix p;

			if (rand() % 3) {
				addr_set4(&p.a, htonl(0xc6336400u | ((uint32_t)rand() & 0x3ff)));
				p.len = (uint8_t)(22 + rand() % 11);
			} else {
				uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8 };

				b[14] = (uint8_t)rand();
				b[15] = (uint8_t)rand();
				addr_set6(&p.a, b);
				p.len = (uint8_t)(112 + rand() % 17);
			}
			prefix_mask(&p);
			pfxlist_from_prefix(&p, &r[i]);
			ref[i].lo = ref_key(&r[i].lo);
			ref[i].hi = ref_key(&r[i].hi);
		}
		qsort(ref, n, sizeof(*ref), ref_cmp);
		for (size_t i = 1; i < n; i++) {
			if (ref[i].lo <= ref[nref].hi + 1 &&
			    (ref[i].lo >> 40) == (ref[nref].lo >> 40)) {
				if (ref[i].hi > ref[nref].hi)
					ref[nref].hi = ref[i].hi;
				continue;
			}
			ref[++nref] = ref[i];
		}
		nref++;
		got = pfxlist_merge(r, n);
		assert_int_equal(got, nref);
		for (size_t i = 0; i < got; i++) {
			assert_true(ref_key(&r[i].lo) == ref[i].lo);
			assert_true(ref_key(&r[i].hi) == ref[i].hi);
		}
		free(r);
		free(ref);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_overlap_adjacent),
		cmocka_unit_test(test_merge_ranges),
		cmocka_unit_test(test_families_stay_apart),
		cmocka_unit_test(test_random_against_bitmap),
		cmocka_unit_test(test_merge_big_against_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
