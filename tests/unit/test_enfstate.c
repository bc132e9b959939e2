/* SPDX-License-Identifier: MIT */
/* The lockdown state file (enforcer/nft/state.c): round trip, bad files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cordon-ut-state.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" STATE_FILE, dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_roundtrip(void **state)
{
	struct enforce_state *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char err[ERRLEN];

	(void)state;
	assert_int_equal(state_load(dir, a, err, sizeof(err)), 0);
	assert_false(a->locked); /* absent: unlocked */
	a->locked = true;
	a->since_ns = 1767225600123456789ull;
	strcpy(a->reason, "finding\nwith a newline");
	assert_int_equal(allow_parse("[2001:db8::5]:22", &a->allow[0], err,
				     sizeof(err)), 0);
	assert_int_equal(allow_parse("198.51.100.0/24", &a->allow[1], err,
				     sizeof(err)), 0);
	a->n_allow = 2;
	strcpy(a->units[0], "amazon-ssm-agent.service");
	a->n_units = 1;
	assert_int_equal(state_save(dir, a, err, sizeof(err)), 0);
	assert_int_equal(state_load(dir, b, err, sizeof(err)), 0);
	assert_true(b->locked);
	assert_true(b->since_ns == a->since_ns);
	assert_string_equal(b->reason, "finding with a newline");
	assert_int_equal(b->n_allow, 2);
	assert_memory_equal(&b->allow[0], &a->allow[0], sizeof(a->allow[0]));
	assert_memory_equal(&b->allow[1], &a->allow[1], sizeof(a->allow[1]));
	assert_int_equal(b->n_units, 1);
	assert_string_equal(b->units[0], "amazon-ssm-agent.service");
	assert_int_equal(state_clear(dir, err, sizeof(err)), 0);
	assert_int_equal(state_load(dir, b, err, sizeof(err)), 0);
	assert_false(b->locked);
	free(a);
	free(b);
}

static void test_bad(void **state)
{
	static const char *bad[] = {
		"locked=1\nsince=x\n",
		"locked=1\nallow=300.1.1.1\n",
		"locked=1\nnokeyvalue\n",
		"locked=1\nunit=\n",
	};
	struct enforce_state *st = calloc(1, sizeof(*st));
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		write_file(bad[i]);
		err[0] = '\0';
		assert_int_equal(state_load(dir, st, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, STATE_FILE ":"));
	}
	write_file("# comment\nlocked=1\nfuture_key=whatever\n");
	assert_int_equal(state_load(dir, st, err, sizeof(err)), 0);
	assert_true(st->locked);
	free(st);
}

static void test_lock(void **state)
{
	char err[ERRLEN];
	int fd;

	(void)state;
	assert_int_equal(state_lock(dir, 1000, &fd, err, sizeof(err)), 0);
	assert_true(fd >= 0);
	state_unlock(fd);
	state_unlock(-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
