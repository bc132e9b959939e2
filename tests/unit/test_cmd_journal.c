/* SPDX-License-Identifier: MIT */
/* `cordon journal`: what it prints and its exit status. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "journal.h"

static char dir[64];
static char out[1 << 16];

/* Run `cordon journal ARGS --state-dir dir`, stdout into out. */
static int run(const char *a1)
{
	char tmpl[] = "/tmp/cordon-jcmd-out.XXXXXX";
	char name[] = "journal", sd[] = "--state-dir", arg[32] = "";
	char *argv[5] = { name, sd, dir, arg, NULL };
	int fd = mkstemp(tmpl), saved, rc;
	ssize_t n;

	assert_true(fd >= 0);
	if (a1)
		snprintf(arg, sizeof(arg), "%s", a1);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	rc = cmd_journal(a1 ? 4 : 3, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmpl);
	return rc;
}

static off_t fsize(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_cmd(void **state)
{
	char path[PATH_MAX], err[ERRLEN];
	struct journal *j;
	cJSON *p = cJSON_Parse("{\"groups\":[\"sg-0aaa\"]}");
	off_t end2;
	int fd;

	(void)state;
	strcpy(dir, "/tmp/cordon-jcmd.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/" JOURNAL_FILE, dir);
	assert_int_equal(run(NULL), 0); /* no journal yet: empty, fine */
	assert_non_null(strstr(out, "0 records"));

	assert_int_equal(journal_open(dir, 0, NULL, &j, err, sizeof(err)), 0);
	assert_int_equal(journal_incident_open(j, "inc-9", "test", NULL), 0);
	assert_int_equal(journal_action_intent(j, "inc-9", "ec2_modify_eni", "eni-1", p), 0);
	end2 = fsize(path);
	assert_int_equal(journal_action_intent(j, "inc-9", "sns_publish", "topic", NULL), 0);
	journal_close(j);
	assert_int_equal(run(NULL), 0);
	assert_non_null(strstr(out, "#2 "));
	assert_non_null(strstr(out, "open incident inc-9"));
	assert_non_null(strstr(out, "pending ec2_modify_eni:eni-1 (intent"));
	assert_int_equal(run("--json"), 0);
	assert_non_null(strstr(out, "{\"seq\":1,\"offset\":0,\"record\":{\"type\":\"incident_open\""));
	assert_non_null(strstr(out, "\"open_incident\":\"inc-9\",\"pending\":2}}"));

	/* torn tail: reported, exit 0 */
	assert_int_equal(truncate(path, fsize(path) - 3), 0);
	assert_int_equal(run(NULL), 0);
	assert_non_null(strstr(out, "torn last record"));
	/* the next writer cuts it and goes on */
	assert_int_equal(journal_open(dir, 0, NULL, &j, err, sizeof(err)), 0);
	assert_true(journal_scan_info(j)->truncated);
	assert_int_equal(journal_action_done(j, "inc-9", "sns_publish", "topic", NULL), 0);
	journal_close(j);
	assert_int_equal(run(NULL), 0);
	assert_null(strstr(out, "torn"));
	/* damage in the middle: exit 1 */
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "X", 1, end2 - 5), 1);
	close(fd);
	assert_int_equal(run("--json"), 1);
	assert_non_null(strstr(out, "\"corrupt\":\"checksum mismatch\""));
	assert_int_equal(run("--bogus"), 2);
	/* without --state-dir: the config's [agent] state_dir */
	{
		char conf[PATH_MAX + 16], name[] = "journal", c[] = "-c";
		char *argv[4] = { name, c, conf, NULL };
		FILE *fp;
		int saved, null = open("/dev/null", O_WRONLY);

		snprintf(conf, sizeof(conf), "%s/cordon.conf", dir);
		fp = fopen(conf, "w");
		assert_non_null(fp);
		fprintf(fp, "[agent]\nstate_dir = %s\n", dir);
		fclose(fp);
		fflush(stdout);
		saved = dup(STDOUT_FILENO);
		dup2(null, STDOUT_FILENO);
		assert_int_equal(cmd_journal(3, argv), 1); /* it found the damage */
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		close(null);
	}
	cJSON_Delete(p);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
