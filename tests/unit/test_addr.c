/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static void test_parse_ok(void **state)
{
	struct cd_prefix p;
	char buf[PREFIX_STRLEN];
	bool masked;

	(void)state;
	assert_int_equal(prefix_parse("203.0.113.7", &p, &masked), 0);
	assert_int_equal(p.len, 32);
	assert_false(masked);
	assert_string_equal(prefix_ntop(&p, buf, sizeof(buf)), "203.0.113.7");
	assert_int_equal(prefix_parse("198.51.100.77/24", &p, &masked), 0);
	assert_true(masked);
	assert_string_equal(prefix_ntop(&p, buf, sizeof(buf)), "198.51.100.0/24");
	assert_int_equal(prefix_parse("2001:db8::1/32", &p, &masked), 0);
	assert_true(masked);
	assert_string_equal(prefix_ntop(&p, buf, sizeof(buf)), "2001:db8::/32");
	assert_int_equal(prefix_parse("2001:db8::1", &p, NULL), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(prefix_parse("0.0.0.0/0", &p, NULL), 0);
	assert_int_equal(p.len, 0);
}

static void test_parse_bad(void **state)
{
	static const char *bad[] = {
		"", "1.2.3", "1.2.3.4/", "1.2.3.4/33", "1.2.3.4/024", "1.2.3.4 ",
		" 1.2.3.4", "1.2.3.4/-1", "::1/129", "256.1.1.1", "1.2.3.4/3a",
		"[2001:db8::1]", "example.com", "1.2.3.4/1234", "01.2.3.4",
	};
	struct cd_prefix p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(prefix_parse(bad[i], &p, NULL), 0);
}

static void test_contains(void **state)
{
	struct cd_prefix p;
	struct cd_addr a;

	(void)state;
	assert_int_equal(prefix_parse("198.51.100.0/25", &p, NULL), 0);
	assert_true(addr_parse("198.51.100.127", &a));
	assert_true(prefix_contains(&p, &a));
	assert_true(addr_parse("198.51.100.128", &a));
	assert_false(prefix_contains(&p, &a));
	assert_true(addr_parse("2001:db8::1", &a));
	assert_false(prefix_contains(&p, &a));
}

struct collect {
	char out[16][PREFIX_STRLEN];
	int n;
};

static int collect_cb(const struct cd_prefix *p, void *arg)
{
	struct collect *c = arg;

	if (c->n >= 16)
		return -1;
	prefix_ntop(p, c->out[c->n++], PREFIX_STRLEN);
	return 0;
}

static void test_range(void **state)
{
	struct cd_addr lo, hi;
	struct collect c = { .n = 0 };

	(void)state;
	assert_true(addr_parse("192.0.2.1", &lo));
	assert_true(addr_parse("192.0.2.10", &hi));
	assert_int_equal(prefix_range(&lo, &hi, collect_cb, &c), 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.out[0], "192.0.2.1");
	assert_string_equal(c.out[1], "192.0.2.2/31");
	assert_string_equal(c.out[2], "192.0.2.4/30");
	assert_string_equal(c.out[3], "192.0.2.8/31");
	assert_string_equal(c.out[4], "192.0.2.10");
	c.n = 0;
	assert_true(addr_parse("0.0.0.0", &lo));
	assert_true(addr_parse("255.255.255.255", &hi));
	assert_int_equal(prefix_range(&lo, &hi, collect_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.out[0], "0.0.0.0/0");
	c.n = 0;
	assert_true(addr_parse("2001:db8::", &lo));
	assert_true(addr_parse("2001:db8::ffff", &hi));
	assert_int_equal(prefix_range(&lo, &hi, collect_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.out[0], "2001:db8::/112");
	c.n = 0;
	assert_int_equal(prefix_range(&hi, &lo, collect_cb, &c), -EINVAL);
}

/* What addr_ntop() gave through inet_ntop(). */
static const char *ref_ntop(const struct cd_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->af == AF_INET ? AF_INET : AF_INET6, a->u.b, buf, (socklen_t)len))
		util_strlcpy(buf, "?", len);
	return buf;
}

static void check_ntop(const struct cd_addr *a, size_t len)
{
	char want[ADDR_STRLEN + 8], got[ADDR_STRLEN + 8];

	memset(want, 'x', sizeof(want));
	memset(got, 'x', sizeof(got));
	ref_ntop(a, want, len);
	assert_ptr_equal(addr_ntop(a, got, len), got);
	assert_memory_equal(got, want, len);
	if (len >= ADDR_STRLEN) {
		assert_int_equal(addr_fmt(a, got), strlen(want));
		assert_string_equal(got, want);
	}
}

static void check_prefix(const struct cd_prefix *p, size_t len)
{
	char a[ADDR_STRLEN], want[PREFIX_STRLEN + 8], got[PREFIX_STRLEN + 8];

	memset(want, 'x', sizeof(want));
	memset(got, 'x', sizeof(got));
	ref_ntop(&p->a, a, sizeof(a));
	if (prefix_is_host(p))
		util_strlcpy(want, a, len);
	else
		snprintf(want, len, "%s/%u", a, p->len);
	assert_ptr_equal(prefix_ntop(p, got, len), got);
	assert_memory_equal(got, want, len);
}

/*
 * The hand-written text is inet_ntop()'s: IPv4 digits, IPv6 zero runs
 * (longest, first of equals, never one word), ::a.b.c.d and
 * ::ffff:a.b.c.d, and "?" in a buffer too small; prefixes as "%s/%u".
 */
static void test_ntop_same_as_inet_ntop(void **state)
{
	static const char *const edges[] = {
		"0.0.0.0", "255.255.255.255", "1.2.3.4", "10.0.0.1", "100.99.9.0",
		"::", "::1", "1::", "::ffff:1.2.3.4", "::1.2.3.4", "::0.0.1.0",
		"::ffff:0.0.0.0", "::fffe:1.2.3.4", "0:0:0:0:1:ffff:1.2.3.4", "1:0:0:1:0:0:0:1",
		"1:0:0:0:1:0:0:1", "0:1:0:1:0:1:0:1", "1:0:1:0:1:0:1:0", "2001:db8::",
		"2001:db8:0:1:1:1:1:1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "0:0:1::", "::1:0:0",
		"::ffff:ffff:ffff", "1::ffff:1.2.3.4",
	};
	static const uint16_t words[] = { 0, 0, 0, 1, 0xf, 0x10, 0xff, 0x100, 0xfff,
					  0x1000, 0xffff, 0xabcd };
	uint64_t x = 0x2545f4914f6cdd1dull;
	struct cd_prefix p;
	struct cd_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		assert_true(addr_parse(edges[i], &a));
		for (size_t len = 1; len <= ADDR_STRLEN + 2; len++)
			check_ntop(&a, len);
	}
	for (int i = 0; i < 300000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (i % 3 == 0) {
			addr_set4(&a, (uint32_t)x);
		} else {
			uint8_t b[16];

			for (int w = 0; w < 8; w++) {
				uint16_t v = i % 3 == 1 ? words[(x >> (4 * w)) % 12]
							: (uint16_t)(x >> (8 * (w % 4)));
				b[2 * w] = (uint8_t)(v >> 8);
				b[2 * w + 1] = (uint8_t)v;
			}
			addr_set6(&a, b);
		}
		check_ntop(&a, i % 50 == 0 ? (size_t)(x >> 58) % ADDR_STRLEN + 1 : ADDR_STRLEN);
		p.a = a;
		p.len = (uint8_t)((x >> 32) % (addr_bits(&a) + 1));
		prefix_mask(&p);
		check_prefix(&p, i % 50 == 1 ? (size_t)(x >> 58) % PREFIX_STRLEN + 1
					 : PREFIX_STRLEN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_ntop_same_as_inet_ntop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
