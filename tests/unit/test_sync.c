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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
