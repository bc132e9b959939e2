/* SPDX-License-Identifier: MIT */
/*
 * common/log.c: identical lines are counted, not repeated (issue 11
 * item 3: a failing retry must not write 100 000 identical lines).
 */
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

#include "log.h"

extern uint64_t (*log_clock)(void);

static uint64_t fake_ns;
static char path[64];
static int saved_stderr = -1;

static uint64_t fake_clock(void)
{
	return fake_ns;
}

/* stderr into a temp file, for each test */
static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/cordon-ut-log.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
	log_clock = fake_clock;
	fake_ns = 1000000000ull;
	log_init("cordon", 0, 0);
	log_flush();
	log_warnx("--- start ---"); /* the last line differs from every test's */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log_flush();
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	unlink(path);
	return 0;
}

/* What was logged since setup, without the start line. */
static char *logged(void)
{
	static char buf[8192];
	ssize_t n;
	int fd;

	fflush(stderr);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_memory_equal(buf, "cordon: --- start ---\n", 22);
	return buf + 22;
}

static void test_repeats_counted(void **state)
{
	(void)state;
	for (int i = 0; i < 100000; i++)
		log_warnx("lockdown: %s: %s", "/var/lib/cordon/lockdown",
			  "No space left on device");
	log_warnx("something else");
	assert_string_equal(logged(),
			    "cordon: lockdown: /var/lib/cordon/lockdown: No space left on device\n"
			    "cordon: last message repeated 99999 times\n"
			    "cordon: something else\n");
}

/* A repeat that never stops is reported every 30 s, and at the end. */
static void test_repeats_reported_over_time(void **state)
{
	(void)state;
	log_warnx("retry failed");  /* t = 1 s */
	fake_ns += 1000000000ull;
	log_warnx("retry failed");  /* first repeat, t = 2 s */
	fake_ns += 10000000000ull;
	log_warnx("retry failed");
	assert_string_equal(logged(), "cordon: retry failed\n");
	fake_ns += 20000000000ull;  /* t = 32 s: 30 s after the first repeat */
	log_warnx("retry failed");
	assert_string_equal(logged(), "cordon: retry failed\n"
			    "cordon: last message repeated 3 times\n");
	fake_ns += 1000000000ull;
	log_warnx("retry failed");
	log_flush();
	log_flush(); /* nothing more to say */
	assert_string_equal(logged(), "cordon: retry failed\n"
			    "cordon: last message repeated 3 times\n"
			    "cordon: last message repeated 1 time\n");
}

/* Only the same line at the same priority counts as a repeat. */
static void test_different_lines(void **state)
{
	(void)state;
	log_warnx("x");
	log_info("x");
	errno = ENOSPC;
	log_warn("write");
	errno = EIO;
	log_warn("write");
	log_warn("write");
	log_warnx("y");
	assert_string_equal(logged(), "cordon: x\ncordon: x\n"
			    "cordon: write: No space left on device\n"
			    "cordon: write: Input/output error\n"
			    "cordon: last message repeated 1 time\n"
			    "cordon: y\n");
}

static void test_journal_prefix(void **state)
{
	(void)state;
	log_init("cordon", LOG_TO_JOURNAL, 0);
	log_warnx("a");
	log_warnx("a");
	log_info("b");
	log_init("cordon", 0, 0);
	assert_string_equal(logged(), "<4>a\n<4>last message repeated 1 time\n<6>b\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_repeats_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeats_reported_over_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_different_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_prefix, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
