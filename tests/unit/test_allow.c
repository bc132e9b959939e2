/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"

static void roundtrip(const char *in, const char *want, uint16_t port)
{
	struct allow_entry a;
	char err[ERRLEN], buf[ALLOW_STRLEN];

	assert_int_equal(allow_parse(in, &a, err, sizeof(err)), 0);
	assert_int_equal(a.port, port);
	assert_string_equal(allow_format(&a, buf, sizeof(buf)), want);
}

static void test_ok(void **state)
{
	(void)state;
	roundtrip("192.0.2.7", "192.0.2.7", 0);
	roundtrip("198.51.100.0/24:22", "198.51.100.0/24:22", 22);
	roundtrip("198.51.100.9/24", "198.51.100.0/24", 0);
	roundtrip("203.0.113.5:65535", "203.0.113.5:65535", 65535);
	roundtrip("2001:db8::/32", "2001:db8::/32", 0);
	roundtrip("2001:db8::5", "2001:db8::5", 0);
	roundtrip("[2001:db8::5]:22", "[2001:db8::5]:22", 22);
	roundtrip("[2001:db8::5]", "2001:db8::5", 0);
	roundtrip("[2001:db8:1::/48]:443", "[2001:db8:1::/48]:443", 443);
}

static void test_bad(void **state)
{
	static const char *bad[] = {
		"", "192.0.2.7:", "192.0.2.7:0", "192.0.2.7:65536",
		"192.0.2.7:022", "192.0.2.7:22x", "192.0.2.7/33", "[192.0.2.7]:22",
		"[2001:db8::5:22", "[2001:db8::5]22", "[2001:db8::5]:", "host:22",
		"192.0.2.7:-1", "2001:db8::5:22:", " 192.0.2.7", "192.0.2.7 :22",
		"[2001:db8::5]:99999",
	};
	struct allow_entry a;
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		if (allow_parse(bad[i], &a, err, sizeof(err)) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(err[0] != '\0');
	}
}

static void test_add_caps(void **state)
{
	struct allow_entry *v = calloc(ALLOW_MAX, sizeof(*v));
	char err[ERRLEN];
	size_t n = 0;

	(void)state;
	assert_non_null(v);
	for (int i = 0; i < ALLOW_MAX; i++)
		assert_int_equal(allow_add(v, &n, "192.0.2.1:22", err, sizeof(err)), 0);
	assert_int_equal(n, ALLOW_MAX);
	assert_int_equal(allow_add(v, &n, "192.0.2.1:22", err, sizeof(err)), -ENOSPC);
	assert_int_equal(n, ALLOW_MAX);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_add_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
