/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void test_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_adds(&b, "abcd"), 0);
	assert_int_equal(buf_addf(&b, "%d", 123), 0);
	assert_string_equal(buf_str(&b), "abcd123");
	assert_int_equal(buf_adds(&b, "xy"), -EFBIG); /* 9 > 8: refused whole */
	assert_int_equal(b.len, 7);
	assert_string_equal(buf_str(&b), "abcd123");
	assert_int_equal(buf_addc(&b, 'x'), 0);
	assert_int_equal(buf_addc(&b, 'y'), -EFBIG);
	assert_int_equal(buf_addf(&b, "%s", "z"), -EFBIG);
	assert_true(b.cap <= 9);
	buf_free(&b);
	assert_null(b.p);
	buf_free(NULL);
}

static void test_overflow(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_adds(&b, "a"), 0);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), -EFBIG);
	buf_free_secure(&b);
}

static void test_steal_reset(void **state)
{
	struct buf b;
	size_t n;
	char *p;

	(void)state;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_adds(&b, "0123456789"), 0);
	assert_int_equal(b.len, 10000);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_add(&b, "hi", 2), 0);
	p = buf_steal(&b, &n);
	assert_int_equal(n, 2);
	assert_string_equal(p, "hi");
	assert_null(b.p);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_steal_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
