/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
