/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fout.h"

#define SEC 1000000000ull

/* A flood of updates for 60 s writes no more than burst + rate * 60. */
static void test_rate_bound(void **state)
{
	struct fout_opts o = { .rate = 10000, .burst = 20000, .max_file = 0 };
	struct fout fo;
	uint64_t t = 5 * SEC, bytes = 0;

	(void)state;
	fout_init(&fo, &o, 0, t);
	for (int i = 0; i < 600000; i++) {
		t += 100000; /* 10 000 records of 800 bytes a second */
		if (fout_decide(&fo, 800, FOUT_UPDATE, t) != FOUT_DROP)
			bytes += 800;
	}
	assert_true(bytes <= 20000 + 10000ull * 60);
	/* Routine records may use half the bucket up front, then the rate. */
	assert_true(bytes >= 10000ull * 59);
	assert_int_equal(fo.st.written_bytes, bytes);
	assert_int_equal(fo.st.written + fo.st.dropped, 600000);
	assert_int_equal(fo.st.dropped_bytes, 600000ull * 800 - bytes);
}

/* A flood of updates and new findings: a key record still gets through. */
static void test_important_not_starved(void **state)
{
	struct fout_opts o = { .rate = 10000, .burst = 20000, .max_file = 0 };
	struct fout fo;
	uint64_t t = SEC;
	int important_ok = 0;

	(void)state;
	fout_init(&fo, &o, 0, t);
	for (int s = 0; s < 30; s++) {
		for (int i = 0; i < 10000; i++)
			fout_decide(&fo, 800, i % 2 ? FOUT_UPDATE : FOUT_NEW,
				    t + (uint64_t)i * 100000);
		t += SEC;
		important_ok += fout_decide(&fo, 900, FOUT_KEY, t) == FOUT_WRITE;
	}
	assert_int_equal(important_ok, 30);
	/* Important records are bounded too: the bucket empties. */
	fout_init(&fo, &o, 0, t);
	int n = 0;
	while (fout_decide(&fo, 1000, FOUT_KEY, t) != FOUT_DROP)
		n++;
	assert_int_equal(n, 20);
}

/* The file is rotated before it would pass max_file. */
static void test_rotation(void **state)
{
	struct fout_opts o = { .rate = 1 << 30, .burst = 1 << 30, .max_file = 10000 };
	struct fout fo;
	uint64_t size = 4000, rotations = 0, t = SEC;

	(void)state;
	fout_init(&fo, &o, size, t);
	for (int i = 0; i < 1000; i++) {
		enum fout_verdict v = fout_decide(&fo, 700, FOUT_UPDATE, t += 1000);

		assert_int_not_equal(v, FOUT_DROP);
		if (v == FOUT_ROTATE_WRITE) {
			assert_true(size + 700 > 10000);
			size = 0;
			rotations++;
		}
		size += 700;
		if (v == FOUT_ROTATE_WRITE)
			fout_rotated(&fo);
		assert_true(size <= 10000);
		assert_int_equal(fo.file_bytes, size);
	}
	assert_int_equal(fo.st.rotations, rotations);
	assert_true(rotations >= 70);
	/* A file reopened by logrotate starts over from its size. */
	fout_reopened(&fo, 9999);
	assert_int_equal(fout_decide(&fo, 700, FOUT_NEW, t += 1000), FOUT_ROTATE_WRITE);
}

/* An idle period refills up to the burst, not beyond. */
static void test_refill_capped(void **state)
{
	struct fout_opts o = { .rate = 1000, .burst = 5000, .max_file = 0 };
	struct fout fo;
	uint64_t t = SEC;
	int n = 0;

	(void)state;
	fout_init(&fo, &o, 0, t);
	while (fout_decide(&fo, 1000, FOUT_KEY, t) == FOUT_WRITE)
		n++;
	assert_int_equal(n, 5);
	t += 3600 * SEC;
	n = 0;
	while (fout_decide(&fo, 1000, FOUT_KEY, t) == FOUT_WRITE)
		n++;
	assert_int_equal(n, 5);
	/* Half a second later: 500 bytes, not enough for 1000. */
	assert_int_equal(fout_decide(&fo, 1000, FOUT_KEY, t + SEC / 2), FOUT_DROP);
	assert_int_equal(fout_decide(&fo, 1000, FOUT_KEY, t + SEC), FOUT_WRITE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_bound),
		cmocka_unit_test(test_important_not_starved),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_refill_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
