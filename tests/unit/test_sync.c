/* SPDX-License-Identifier: MIT */
/* List sync without a network: local files, the last good copy, jitter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sync.h"

int sync_state_paths(const char *dir, const struct list_spec *spec, char *body, char *meta,
		size_t len);

static char dir[] = "/tmp/cordon-sync.XXXXXX";

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_local_file(void **state)
{
	struct sync_opts o = { .state_dir = dir };
	struct list_spec spec;
	struct sync_status st;
	struct list *l;
	char err[ERRLEN], path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/local.txt", dir);
	put(path, "203.0.113.1\n198.51.100.0/24\n");
	assert_int_equal(list_spec_parse(path, LIST_THREAT, &spec, err, sizeof(err)), 0);
	assert_int_equal(sync_list(&o, &spec, &l, &st), 0);
	assert_int_equal(st.res, SYNC_LOADED);
	assert_true(st.in_force);
	assert_int_equal(st.entries, 2);
	assert_non_null(l);
	list_free(l);
	unlink(spec.location);
	assert_int_not_equal(sync_list(&o, &spec, &l, &st), 0);
	assert_int_equal(st.res, SYNC_FAILED);
	assert_false(st.in_force);
	assert_null(l);
}

static void test_last_good(void **state)
{
	struct sync_opts o = { .state_dir = dir }; /* no client: S3 fails */
	struct list_spec spec;
	struct sync_status st;
	struct list *l;
	char body[1100], meta[1100], err[ERRLEN];

	(void)state;
	assert_int_equal(list_spec_parse("txt:s3://my-bucket/threat.txt", LIST_THREAT, &spec,
					 err, sizeof(err)), 0);
	assert_int_not_equal(sync_list(&o, &spec, &l, &st), 0);
	assert_int_equal(st.res, SYNC_FAILED);
	assert_false(st.in_force);
	assert_string_equal(st.reason, "no AWS client");

	/* A stored copy stays in force, read from disk only when asked. */
	assert_int_equal(sync_state_paths(dir, &spec, body, meta, sizeof(body)), 0);
	put(body, "203.0.113.1\n203.0.113.2\n203.0.113.3\n");
	put(meta, "location=s3://my-bucket/threat.txt\netag=\"abc\"\nentries=3\n");
	assert_int_equal(sync_list(&o, &spec, &l, &st), 0);
	assert_int_equal(st.res, SYNC_FAILED);
	assert_true(st.in_force);
	assert_true(st.from_last_good);
	assert_int_equal(st.entries, 3);
	assert_string_equal(st.etag, "\"abc\"");
	assert_null(l);
	o.need_list = true;
	assert_int_equal(sync_list(&o, &spec, &l, &st), 0);
	assert_non_null(l);
	assert_int_equal(l->n, 3);
	list_free(l);

	assert_int_equal(list_spec_parse("s3://bad", LIST_THREAT, &spec, err, sizeof(err)), 0);
	assert_int_not_equal(sync_list(&o, &spec, &l, &st), 0);
	assert_non_null(strstr(st.reason, "expected s3://BUCKET/KEY"));
	assert_string_equal(sync_result_name(SYNC_UNCHANGED), "unchanged");
}

static void test_jitter(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++) {
		uint64_t a = sync_next_delay_ms(60, true), b = sync_next_delay_ms(60, false);

		assert_true(a < 60000);
		assert_true(b >= 54000 && b <= 66000);
	}
	assert_int_equal(sync_next_delay_ms(0, false), 0);
}

/*
 * The fleet's schedule: 10 000 agents started in the same second must
 * not fetch in the same second. The first sync is uniform over the
 * interval, the next ones interval +- 10 % and spread over all of it.
 * The bounds are many standard deviations wide: a fair draw never fails.
 */
static void test_jitter_fleet(void **state)
{
	enum { AGENTS = 10000, SECS = 60, BINS = 10 };
	static unsigned per_second[SECS];
	unsigned bins[BINS] = { 0 }, below = 0, max = 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	double sum = 0;

	(void)state;
	memset(per_second, 0, sizeof(per_second));
	for (int i = 0; i < AGENTS; i++) {
		uint64_t a = sync_next_delay_ms(SECS, true);

		assert_true(a < SECS * 1000);
		per_second[a / 1000]++;
		bins[a * BINS / (SECS * 1000)]++;
		sum += (double)a;
	}
	for (int i = 0; i < SECS; i++)
		max = per_second[i] > max ? per_second[i] : max;
	/* uniform: 167 a second on average (sd 13); never a thundering herd */
	assert_true(max < 260);
	for (int i = 0; i < BINS; i++)
		assert_true(bins[i] > 800 && bins[i] < 1200);
	assert_true(sum / AGENTS > 28500 && sum / AGENTS < 31500);

	sum = 0;
	for (int i = 0; i < AGENTS; i++) {
		uint64_t b = sync_next_delay_ms(SECS, false);

		assert_true(b >= 54000 && b <= 66000);
		below += b < 60000;
		lo = b < lo ? b : lo;
		hi = b > hi ? b : hi;
		sum += (double)b;
	}
	/* both sides of the interval, out to nearly +-10 % */
	assert_true(below > 4500 && below < 5500);
	assert_true(lo < 54300 && hi > 65700);
	assert_true(sum / AGENTS > 59700 && sum / AGENTS < 60300);
	/* a short interval keeps its shape */
	for (int i = 0; i < 1000; i++) {
		uint64_t b = sync_next_delay_ms(1, false);

		assert_true(b >= 900 && b <= 1100);
	}
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_file),
		cmocka_unit_test(test_last_good),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_jitter_fleet),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
