/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* What util_iso8601_ms() gave through gmtime_r() and strftime(). */
static void ref_iso8601_ms(uint64_t real_ns, char buf[UTIL_TIMESTAMP_LEN])
{
	time_t t = (time_t)(real_ns / NSEC_PER_SEC);
	unsigned ms = (unsigned)(real_ns / NSEC_PER_MSEC % 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, UTIL_TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, UTIL_TIMESTAMP_LEN - n, ".%03uZ", ms);
}

static void check(uint64_t ns)
{
	char want[UTIL_TIMESTAMP_LEN], got[UTIL_TIMESTAMP_LEN];

	ref_iso8601_ms(ns, want);
	memset(got, 'x', sizeof(got));
	util_iso8601_ms(ns, got);
	assert_string_equal(got, want);
	assert_int_equal(strlen(got), UTIL_TIMESTAMP_CHARS);
}

/*
 * The arithmetic calendar against the C library's: the epoch, the last
 * nanosecond uint64_t holds (2554), both sides of every midnight from
 * 1970 to then (leap days, 2000 a leap year, 2100 2200 2300 2500 not,
 * 2400 one), and random instants.
 */
static void test_iso8601_same_as_strftime(void **state)
{
	static const uint64_t edges[] = {
		0, 1, 999999, 1000000, 999999999, NSEC_PER_SEC, 59 * NSEC_PER_SEC,
		86399 * NSEC_PER_SEC + 999999999, 951782400 * NSEC_PER_SEC,
		951868799 * NSEC_PER_SEC, 1767225600000000000ull, 4107542400 * NSEC_PER_SEC,
		13574563200 * NSEC_PER_SEC, UINT64_MAX, UINT64_MAX - 999999999,
	};
	uint64_t x = 0x853c49e6748fea9bull;

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		check(edges[i]);
	for (uint64_t day = 0; day * 86400 <= UINT64_MAX / NSEC_PER_SEC; day++) {
		uint64_t s = day * 86400;

		check(s * NSEC_PER_SEC);
		if (s)
			check(s * NSEC_PER_SEC - 1);
		check((s + 3723) * NSEC_PER_SEC + 45000000);
	}
	for (int i = 0; i < 1000000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		check(x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso8601_same_as_strftime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
