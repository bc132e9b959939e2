/* SPDX-License-Identifier: MIT */
/*
 * cmd_ctx: the set-up every command shares. The state directory is
 * resolved one way (--state-dir > [agent] state_dir > /var/lib/cordon),
 * -c names a file that must exist, and bad usage is exit 2.
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
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_ctx.h"

enum { OPT_FLAG = CMD_OPT_OWN, OPT_VALUE, OPT_EXT = 0x1f00 };

/* A stand-in option group: records what it was given and when. */
static int ext_seen, ext_loaded;
static const char *ext_state_dir;

static int ext_init(struct cmd_ctx *cx)
{
	(void)cx;
	ext_seen = ext_loaded = 0;
	ext_state_dir = NULL;
	return 0;
}

static int ext_opt(struct cmd_ctx *cx, int opt, const char *arg)
{
	(void)cx;
	if (opt != OPT_EXT)
		return 0;
	if (!strcmp(arg, "bad"))
		return -1;
	ext_seen++;
	return 1;
}

static int ext_load(struct cmd_ctx *cx)
{
	ext_loaded++;
	ext_state_dir = cx->cfg.agent.state_dir; /* the config is loaded by now */
	return 0;
}

static const struct cmd_ext test_ext = {
	.opts = (const struct option[]){
		{ "ext", required_argument, NULL, OPT_EXT },
		{ NULL, 0, NULL, 0 },
	},
	.usage = "[--ext X]",
	.init = ext_init,
	.opt = ext_opt,
	.load = ext_load,
};

static const struct cmd_spec spec = {
	.usage = "[-n] [--flag] [--value V]",
	.opts = (const struct option[]){
		{ "dry-run", no_argument, NULL, 'n' },
		{ "flag", no_argument, NULL, OPT_FLAG },
		{ "value", required_argument, NULL, OPT_VALUE },
		{ NULL, 0, NULL, 0 },
	},
	.ext = { &test_ext },
	.flags = CMD_VERBOSE,
};

static const struct cmd_spec spec_operands = {
	.usage = "ADDRESS...",
	.flags = CMD_OPERANDS,
};

static char conf[64], conf_plain[64];

static int setup(void **state)
{
	FILE *f;
	int fd;

	(void)state;
	strcpy(conf, "/tmp/cordon-ctx-conf.XXXXXX");
	fd = mkstemp(conf);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "[agent]\nstate_dir = /tmp/cordon-ctx-from-config\n");
	fclose(f);
	strcpy(conf_plain, "/tmp/cordon-ctx-plain.XXXXXX");
	fd = mkstemp(conf_plain);
	assert_true(fd >= 0);
	close(fd);
	/* Quiet: getopt and the usage lines go to stderr. */
	assert_non_null(freopen("/dev/null", "w", stderr));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(conf);
	unlink(conf_plain);
	return 0;
}

/* Run the parse/load sequence of a front end over a NULL-terminated argv. */
static int run(struct cmd_ctx *cx, const struct cmd_spec *sp, char **argv,
	       int *own, int n_own)
{
	int argc = 0, opt, i = 0;

	while (argv[argc])
		argc++;
	cmd_ctx_init(cx, sp, argv[0]);
	while ((opt = cmd_ctx_getopt(cx, argc, argv)) != -1)
		if (i < n_own)
			own[i++] = opt;
	return cmd_ctx_load(cx, argc, argv);
}

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

static void test_state_dir_order(void **state)
{
	struct cmd_ctx cx;

	(void)state;
	/* The config's state_dir. */
	assert_int_equal(run(&cx, &spec, ARGV("t", "-c", conf), NULL, 0), CMD_GO);
	assert_string_equal(cx.state_dir, "/tmp/cordon-ctx-from-config");
	cmd_ctx_free(&cx);
	/* --state-dir wins, even when it names the default directory. */
	assert_int_equal(run(&cx, &spec, ARGV("t", "-c", conf, "--state-dir",
					      CLI_DEFAULT_STATE_DIR), NULL, 0), CMD_GO);
	assert_string_equal(cx.state_dir, CLI_DEFAULT_STATE_DIR);
	cmd_ctx_free(&cx);
	assert_int_equal(run(&cx, &spec, ARGV("t", "--state-dir", "/tmp/sd", "-c",
					      conf), NULL, 0), CMD_GO);
	assert_string_equal(cx.state_dir, "/tmp/sd");
	assert_string_equal(cx.cfg.agent.state_dir, "/tmp/sd");
	cmd_ctx_free(&cx);
	/* A config without state_dir: the default. */
	assert_int_equal(run(&cx, &spec, ARGV("t", "--config", conf_plain), NULL, 0),
			 CMD_GO);
	assert_string_equal(cx.state_dir, CLI_DEFAULT_STATE_DIR);
	cmd_ctx_free(&cx);
	/* No -c: the default file, which need not exist. */
	if (access(CLI_DEFAULT_CONFIG, F_OK) != 0) {
		assert_int_equal(run(&cx, &spec, ARGV("t"), NULL, 0), CMD_GO);
		assert_false(cx.config_given);
		assert_string_equal(cx.state_dir, CLI_DEFAULT_STATE_DIR);
		cmd_ctx_free(&cx);
	}
}

static void test_bad_usage(void **state)
{
	struct cmd_ctx cx;

	(void)state;
	/* A missing -c file is an error; a relative --state-dir too. */
	assert_int_equal(run(&cx, &spec, ARGV("t", "-c", "/nonexistent/cordon.conf"),
			     NULL, 0), EXIT_USAGE);
	cmd_ctx_free(&cx);
	assert_int_equal(run(&cx, &spec, ARGV("t", "-c", conf, "--state-dir", "rel"),
			     NULL, 0), EXIT_USAGE);
	cmd_ctx_free(&cx);
	assert_int_equal(run(&cx, &spec, ARGV("t", "-c", conf, "--state-dir", ""),
			     NULL, 0), EXIT_USAGE);
	cmd_ctx_free(&cx);
	/* Unknown option, missing argument, operand nobody takes. */
	assert_int_equal(run(&cx, &spec, ARGV("t", "--nope"), NULL, 0), EXIT_USAGE);
	cmd_ctx_free(&cx);
	assert_int_equal(run(&cx, &spec, ARGV("t", "--value"), NULL, 0), EXIT_USAGE);
	cmd_ctx_free(&cx);
	assert_int_equal(run(&cx, &spec, ARGV("t", "-c", conf, "extra"), NULL, 0),
			 EXIT_USAGE);
	cmd_ctx_free(&cx);
	/* A group's bad value stops the parse; load is never reached. */
	assert_int_equal(run(&cx, &spec, ARGV("t", "-c", conf, "--ext", "bad"), NULL, 0),
			 EXIT_USAGE);
	assert_int_equal(ext_loaded, 0);
	cmd_ctx_free(&cx);
	/* Operands required. */
	assert_int_equal(run(&cx, &spec_operands, ARGV("t", "-c", conf), NULL, 0),
			 EXIT_USAGE);
	cmd_ctx_free(&cx);
	/* A config that does not load: exit 2, the config is never half used. */
	{
		char bad[] = "/tmp/cordon-ctx-bad.XXXXXX";
		int fd = mkstemp(bad);

		assert_true(fd >= 0);
		assert_true(write(fd, "[agent]\nmode = isolte\n", 22) == 22);
		close(fd);
		assert_int_equal(run(&cx, &spec, ARGV("t", "-c", bad), NULL, 0), EXIT_USAGE);
		assert_null(cx.state_dir);
		cmd_ctx_free(&cx);
		unlink(bad);
	}
}

static void test_options(void **state)
{
	struct cmd_ctx cx;
	int own[8] = { 0 };

	(void)state;
	assert_int_equal(run(&cx, &spec, ARGV("t", "-c", conf, "-n", "--ext", "a",
					      "--flag", "-vv", "--value", "x",
					      "--ext", "b", "--verbose"), own, 8),
			 CMD_GO);
	/* Own options in order, short ones from their letter; the rest taken. */
	assert_int_equal(own[0], 'n');
	assert_int_equal(own[1], OPT_FLAG);
	assert_int_equal(own[2], OPT_VALUE);
	assert_int_equal(own[3], 0);
	assert_int_equal(cx.verbose, 3);
	assert_int_equal(ext_seen, 2);
	assert_int_equal(ext_loaded, 1);
	assert_string_equal(ext_state_dir, "/tmp/cordon-ctx-from-config");
	cmd_ctx_free(&cx);
	/* Operands. */
	assert_int_equal(run(&cx, &spec_operands, ARGV("t", "192.0.2.1", "-c", conf,
						       "2001:db8::1"), NULL, 0), CMD_GO);
	assert_int_equal(cx.n_operands, 2);
	assert_string_equal(cx.operands[0], "192.0.2.1");
	assert_string_equal(cx.operands[1], "2001:db8::1");
	cmd_ctx_free(&cx);
	/* --help: exit 0 before the config is read (the file may be missing). */
	{
		int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);

		fflush(stdout);
		dup2(null, STDOUT_FILENO);
		assert_int_equal(run(&cx, &spec, ARGV("t", "-c", "/nonexistent", "--help"),
				     NULL, 0), EXIT_OK);
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		close(null);
		cmd_ctx_free(&cx);
	}
}

static void test_exit_input(void **state)
{
	(void)state;
	assert_int_equal(cmd_exit_input(0), EXIT_OK);
	assert_int_equal(cmd_exit_input(-EINVAL), EXIT_USAGE);
	assert_int_equal(cmd_exit_input(-ENOENT), EXIT_USAGE);
	assert_int_equal(cmd_exit_input(-EFBIG), EXIT_USAGE);
	assert_int_equal(cmd_exit_input(-EPERM), EXIT_USAGE);
	assert_int_equal(cmd_exit_input(-ENOMEM), EXIT_FAIL);
	assert_int_equal(cmd_exit_input(-EIO), EXIT_FAIL);
	assert_int_equal(cmd_exit_input(-EACCES), EXIT_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_dir_order),
		cmocka_unit_test(test_bad_usage),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_exit_input),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
