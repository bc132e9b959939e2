/* SPDX-License-Identifier: MIT */
/* The lockdown state file (enforcer/nft/state.c): round trip, bad files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

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

/*
 * A state file from before protocols: "ADDRESS:PORT" opened TCP and UDP,
 * and still does after an upgrade; what cordon writes now names the
 * protocol, and a bare port in a config means TCP only (test_allow).
 */
static void test_allow_protocols(void **state)
{
	struct enforce_state *st = calloc(1, sizeof(*st));
	char err[ERRLEN], a[ALLOW_STRLEN], path[128], text[512];
	FILE *f;
	size_t n;

	(void)state;
	write_file("locked=1\nallow=198.51.100.0/24:22\nallow=[2001:db8::5]:53\n"
		   "allow=192.0.2.4:udp/500\nallow=192.0.2.9:tcp/443\n"
		   "allow=203.0.113.0/24\n");
	assert_int_equal(state_load(dir, st, err, sizeof(err)), 0);
	assert_int_equal(st->n_allow, 7);
	assert_string_equal(allow_format(&st->allow[0], a, sizeof(a)), "198.51.100.0/24:tcp/22");
	assert_string_equal(allow_format(&st->allow[1], a, sizeof(a)), "198.51.100.0/24:udp/22");
	assert_string_equal(allow_format(&st->allow[2], a, sizeof(a)), "[2001:db8::5]:tcp/53");
	assert_string_equal(allow_format(&st->allow[3], a, sizeof(a)), "[2001:db8::5]:udp/53");
	assert_string_equal(allow_format(&st->allow[4], a, sizeof(a)), "192.0.2.4:udp/500");
	assert_string_equal(allow_format(&st->allow[5], a, sizeof(a)), "192.0.2.9:tcp/443");
	assert_string_equal(allow_format(&st->allow[6], a, sizeof(a)), "203.0.113.0/24");
	assert_int_equal(st->allow[4].proto, IPPROTO_UDP);
	assert_int_equal(st->allow[5].proto, IPPROTO_TCP);
	assert_int_equal(st->allow[6].proto, 0);
	/* Written back canonically, so it reads back the same. */
	assert_int_equal(state_save(dir, st, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/" STATE_FILE, dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "\nallow=198.51.100.0/24:tcp/22\n"
				     "allow=198.51.100.0/24:udp/22\n"
				     "allow=[2001:db8::5]:tcp/53\nallow=[2001:db8::5]:udp/53\n"
				     "allow=192.0.2.4:udp/500\nallow=192.0.2.9:tcp/443\n"
				     "allow=203.0.113.0/24\n"));
	assert_int_equal(state_load(dir, st, err, sizeof(err)), 0);
	assert_int_equal(st->n_allow, 7);
	/* Two entries for one old line: the cap counts both. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("locked=1\n", f);
	for (int i = 0; i < ALLOW_MAX / 2; i++)
		fprintf(f, "allow=192.0.2.%d:22\n", i % 250 + 1);
	fputs("allow=192.0.2.251:22\n", f);
	fclose(f);
	assert_int_equal(state_load(dir, st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad allow '192.0.2.251:22'"));
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

/* Issue 11 item 13: the state lock waits a bounded time, then says why. */
static void test_lock_timeout(void **state)
{
	char err[ERRLEN], path[128];
	uint64_t t0, ms;
	int held, fd;

	(void)state;
	assert_int_equal(state_lock(dir, 1000, &fd, err, sizeof(err)), 0);
	state_unlock(fd);
	/* Another holder: flock() locks belong to the open file description. */
	snprintf(path, sizeof(path), "%s/lock", dir);
	held = open(path, O_RDWR);
	assert_true(held >= 0);
	assert_int_equal(flock(held, LOCK_EX), 0);
	t0 = util_now_mono_ns();
	err[0] = '\0';
	assert_int_equal(state_lock(dir, 300, &fd, err, sizeof(err)), -ETIMEDOUT);
	ms = (util_now_mono_ns() - t0) / 1000000;
	assert_int_equal(fd, -1);
	assert_true(ms >= 300 && ms < 3000);
	assert_non_null(strstr(err, "/lock: another cordon process has held it for 300 ms"));
	/* Released: the next one gets it at once. */
	close(held);
	assert_int_equal(state_lock(dir, 300, &fd, err, sizeof(err)), 0);
	state_unlock(fd);
}

/* Issue 11 item 12: links in the state directory are never followed. */
static void test_symlinks(void **state)
{
	struct enforce_state *st = calloc(1, sizeof(*st));
	char err[ERRLEN], canary[128], path[128], buf[64] = "";
	FILE *f;
	int fd;

	(void)state;
	snprintf(canary, sizeof(canary), "%s.canary", dir);
	f = fopen(canary, "w");
	assert_non_null(f);
	fputs("canary\n", f);
	fclose(f);
	st->locked = true;
	strcpy(st->reason, "test");
	snprintf(path, sizeof(path), "%s/lock", dir);
	assert_int_equal(symlink(canary, path), 0);
	assert_int_equal(state_lock(dir, 100, &fd, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "/lock: a symlink, refused"));
	snprintf(path, sizeof(path), "%s/" STATE_FILE, dir);
	assert_int_equal(symlink(canary, path), 0);
	assert_int_equal(state_load(dir, st, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, STATE_FILE ": a symlink, refused"));
	/* saved over the link, which is replaced, not written through */
	st->locked = true;
	assert_int_equal(state_save(dir, st, err, sizeof(err)), 0);
	assert_int_equal(state_load(dir, st, err, sizeof(err)), 0);
	assert_true(st->locked);
	snprintf(path, sizeof(path), "%s/." STATE_FILE ".tmp.%ld", dir, (long)getpid());
	assert_int_equal(symlink(canary, path), 0);
	assert_int_equal(state_save_deferred(dir, st, err, sizeof(err)), 0);
	assert_int_equal(state_sync(dir, err, sizeof(err)), 0);
	f = fopen(canary, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "canary\n");
	unlink(canary);
	free(st);
}

/*
 * Issue 11 item 3: when the state file cannot be written the usual way
 * (here: a directory squats the temp name, as a full disk would fail the
 * write), it goes through the reserve made beforehand.
 */
static void test_reserve(void **state)
{
	struct enforce_state *st = calloc(1, sizeof(*st));
	char err[ERRLEN], tmp[128], sub[160], res[128];
	struct stat sb;

	(void)state;
	assert_int_equal(state_reserve(dir, err, sizeof(err)), 0);
	snprintf(res, sizeof(res), "%s/" STATE_RESERVE, dir);
	assert_int_equal(stat(res, &sb), 0);
	assert_true(sb.st_size >= (off_t)STATE_TEXT_MAX);
	snprintf(tmp, sizeof(tmp), "%s/." STATE_FILE ".tmp.%ld", dir, (long)getpid());
	snprintf(sub, sizeof(sub), "%s/x", tmp);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	st->locked = true;
	strcpy(st->reason, "through the reserve");
	assert_int_equal(state_save_deferred(dir, st, err, sizeof(err)), 0);
	assert_int_equal(state_sync(dir, err, sizeof(err)), 0);
	memset(st, 0, sizeof(*st));
	assert_int_equal(state_load(dir, st, err, sizeof(err)), 0);
	assert_true(st->locked);
	assert_string_equal(st->reason, "through the reserve");
	assert_int_equal(access(res, F_OK), -1); /* used up */
	/* no reserve left: the error names both attempts */
	assert_int_not_equal(state_save(dir, st, err, sizeof(err)), 0);
	assert_non_null(strstr(err, STATE_RESERVE ": No such file or directory"));
	rmdir(sub);
	rmdir(tmp);
	assert_int_equal(state_reserve(dir, err, sizeof(err)), 0);
	assert_int_equal(access(res, F_OK), 0);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_protocols, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
