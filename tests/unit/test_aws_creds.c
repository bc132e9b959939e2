/* SPDX-License-Identifier: MIT */
/* Credentials: environment, shared files, the IMDS JSON, the chain's cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws_credp.h"
#include "aws_imds.h"

#define S(x) x, strlen(x)

static void clear_env(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static void test_env(void **state)
{
	struct aws_creds c;
	char err[ERRLEN];

	(void)state;
	clear_env();
	assert_int_equal(aws_creds_from_env(&c, err, sizeof(err)), -ENOENT);
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	assert_int_equal(aws_creds_from_env(&c, err, sizeof(err)), -EINVAL);
	assert_null(strstr(err, "AKIDENV"));
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	assert_int_equal(aws_creds_from_env(&c, err, sizeof(err)), 0);
	assert_string_equal(c.akid, "AKIDENV");
	assert_string_equal(c.token, "envtoken");
	assert_int_equal(c.expires_ns, 0);
	aws_creds_clear(&c);
	assert_int_equal(c.secret[0], 0);
	clear_env();
}

static const char creds_file[] =
	"# comment\n"
	"[default]\n"
	"aws_access_key_id = AKIDDEFAULT\n"
	"aws_secret_access_key=defsecret\n"
	"\n"
	"[ci]\r\n"
	"aws_access_key_id =  AKIDCI  \r\n"
	"aws_secret_access_key = ci/secret+with=\r\n"
	"aws_session_token = tok\r\n"
	"s3 =\n"
	"  max_concurrent_requests = 10\n";

static const char config_file[] =
	"[default]\nregion = eu-west-1\n"
	"[profile ci]\nregion=us-west-2\n"
	"[ci]\nregion = wrong\n";

static void test_profile_parse(void **state)
{
	struct aws_profile p;
	char err[ERRLEN];

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(aws_profile_parse("creds", S(creds_file), "ci", false, &p, err, sizeof(err)), 0);
	assert_true(p.has_creds);
	assert_string_equal(p.creds.akid, "AKIDCI");
	assert_string_equal(p.creds.secret, "ci/secret+with=");
	assert_string_equal(p.creds.token, "tok");
	memset(&p, 0, sizeof(p));
	assert_int_equal(aws_profile_parse("cfg", S(config_file), "ci", true, &p, err, sizeof(err)), 0);
	assert_string_equal(p.region, "us-west-2");
	memset(&p, 0, sizeof(p));
	assert_int_equal(aws_profile_parse("cfg", S(config_file), "default", true, &p, err, sizeof(err)), 0);
	assert_string_equal(p.region, "eu-west-1");
	memset(&p, 0, sizeof(p));
	assert_int_equal(aws_profile_parse("creds", S(creds_file), "nope", false, &p, err, sizeof(err)), -ENOENT);
	assert_int_equal(aws_profile_parse("f", S("[default\nx=1\n"), "default", false, &p, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "f:1: unterminated section header");
	assert_int_equal(aws_profile_parse("f", S("[default]\njunk\n"), "default", false, &p, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "f:2: expected key = value");
}

static void test_profile_load(void **state)
{
	char cpath[] = "/tmp/cordon-creds.XXXXXX", fpath[] = "/tmp/cordon-cfg.XXXXXX";
	int cfd = mkstemp(cpath), ffd = mkstemp(fpath);
	struct aws_profile p;
	struct aws_creds c;
	struct aws_credp *cp;
	char err[ERRLEN];

	(void)state;
	clear_env();
	assert_true(cfd >= 0 && ffd >= 0);
	assert_int_equal(write(cfd, creds_file, strlen(creds_file)), (ssize_t)strlen(creds_file));
	assert_int_equal(write(ffd, config_file, strlen(config_file)), (ssize_t)strlen(config_file));
	close(cfd);
	close(ffd);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cpath, 1);
	setenv("AWS_CONFIG_FILE", fpath, 1);
	setenv("AWS_PROFILE", "ci", 1);
	assert_int_equal(aws_profile_load(&p, err, sizeof(err)), 0);
	assert_string_equal(p.creds.akid, "AKIDCI");
	assert_string_equal(p.region, "us-west-2");
	assert_string_equal(p.creds.source, "profile ci");

	/* The chain: the environment wins over the files. */
	cp = aws_credp_new(NULL);
	assert_int_equal(aws_credp_get(cp, &c, err, sizeof(err)), 0);
	assert_string_equal(c.akid, "AKIDCI");
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	aws_credp_invalidate(cp); /* static credentials: kept */
	assert_int_equal(aws_credp_get(cp, &c, err, sizeof(err)), 0);
	assert_string_equal(c.akid, "AKIDCI");
	aws_credp_free(cp);
	cp = aws_credp_new(NULL);
	assert_int_equal(aws_credp_get(cp, &c, err, sizeof(err)), 0);
	assert_string_equal(c.akid, "AKIDENV");
	aws_credp_free(cp);

	/* Nothing anywhere, IMDS off: a clear error. */
	clear_env();
	cp = aws_credp_new(NULL);
	assert_int_equal(aws_credp_get(cp, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "IMDS is disabled"));
	aws_credp_free(cp);
	unlink(cpath);
	unlink(fpath);
}

/*
 * The agent drops to its user with HOME still /root: the default shared
 * files are unreadable and count as absent (the chain goes on), while a
 * file named by the environment stays an error.
 */
static void test_profile_unreadable_home(void **state)
{
	char home[] = "/tmp/cordon-home.XXXXXX", path[600];
	pid_t pid;
	int st, fd;

	(void)state;
	clear_env();
	assert_non_null(mkdtemp(home));
	snprintf(path, sizeof(path), "%s/.aws", home);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.aws/credentials", home);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, creds_file, strlen(creds_file)), (ssize_t)strlen(creds_file));
	close(fd);
	assert_int_equal(chmod(home, 0700), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct aws_profile p;
		char err[ERRLEN];

		if (getuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(10);
		unsetenv("AWS_SHARED_CREDENTIALS_FILE");
		unsetenv("AWS_CONFIG_FILE");
		setenv("HOME", home, 1);
		if (aws_profile_load(&p, err, sizeof(err)) != -ENOENT)
			_exit(11);
		setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
		if (aws_profile_load(&p, err, sizeof(err)) != -EACCES || !strstr(err, path))
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.aws", home);
	rmdir(path);
	rmdir(home);
}

static void test_imds_json(void **state)
{
	struct aws_creds c;
	char region[32], iid[32], err[ERRLEN];

	(void)state;
	assert_int_equal(aws_imds_parse_creds(S("{\"Code\":\"Success\",\"LastUpdated\":"
		"\"2026-01-01T00:00:00Z\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAX\","
		"\"SecretAccessKey\":\"sec\",\"Token\":\"tok\",\"Expiration\":\"2026-01-01T06:00:00Z\"}"),
		&c, err, sizeof(err)), 0);
	assert_string_equal(c.akid, "ASIAX");
	assert_string_equal(c.token, "tok");
	assert_int_equal(c.expires_ns, 1767247200ull * 1000000000ull);
	assert_int_equal(aws_imds_parse_creds(S("{\"Code\":\"AssumeRoleUnauthorizedAccess\"}"),
					      &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "AssumeRoleUnauthorizedAccess"));
	assert_int_equal(aws_imds_parse_creds(S("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\","
		"\"Expiration\":\"tomorrow\"}"), &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(c.secret[0], 0); /* wiped on failure */
	assert_int_equal(aws_imds_parse_creds(S("[1]"), &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(aws_imds_parse_identity(S("{\"region\":\"eu-north-1\",\"instanceId\":"
		"\"i-0abc\"}"), region, sizeof(region), iid, sizeof(iid), err, sizeof(err)), 0);
	assert_string_equal(region, "eu-north-1");
	assert_string_equal(iid, "i-0abc");
	assert_int_equal(aws_imds_parse_identity(S("{\"region\":7}"), region, sizeof(region), iid,
						 sizeof(iid), err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_profile_parse),
		cmocka_unit_test(test_profile_load),
		cmocka_unit_test(test_profile_unreadable_home),
		cmocka_unit_test(test_imds_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
