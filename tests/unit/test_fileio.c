/* SPDX-License-Identifier: MIT */
/*
 * common/fileio.c: the state directory's files are never reached through
 * a symlink (issue 11 item 12). Every test plants links at the names a
 * writer uses, pointing at a canary file, and checks the canary after.
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
#include <sys/stat.h>

#include "fileio.h"

#define CANARY_TEXT "canary: must not change\n"

struct fx {
	char dir[64];    /* the "state directory" */
	char canary[96]; /* a file outside it */
	char other[96];  /* a directory outside it */
	int dfd;
};

static const char *pathf(struct fx *f, const char *fmt, ...) __printf(2, 3);
static const char *pathf(struct fx *f, const char *fmt, ...)
{
	static char buf[4][256];
	static int i;
	char rel[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", f->dir, rel);
	return buf[i];
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void canary_intact(struct fx *f)
{
	struct stat st;

	assert_string_equal(slurp(f->canary), CANARY_TEXT);
	assert_int_equal(stat(f->canary, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_nlink, 1); /* no hard link left to it */
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cordon-ut-fileio.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->canary, sizeof(f->canary), "%s.canary", f->dir);
	snprintf(f->other, sizeof(f->other), "%s.other", f->dir);
	put(f->canary, CANARY_TEXT, 0644);
	chmod(f->canary, 0644);
	if (mkdir(f->other, 0755) < 0)
		return -1;
	f->dfd = fileio_dir_open(f->dir, 0);
	*state = f;
	return f->dfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[300];

	close(f->dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s'", f->dir, f->canary, f->other);
	free(f);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_replace(void **state)
{
	struct fx *f = *state;
	struct stat st;

	assert_int_equal(fileio_replace(f->dfd, "a.txt", "one\n", 4, 0600, 0), 0);
	assert_string_equal(slurp(pathf(f, "a.txt")), "one\n");
	assert_int_equal(fileio_replace(f->dfd, "a.txt", "two\n", 4, 0600, FILEIO_NOSYNC), 0);
	assert_string_equal(slurp(pathf(f, "a.txt")), "two\n");
	assert_int_equal(stat(pathf(f, "a.txt"), &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);
	/* no temp file left behind */
	assert_int_equal(fileio_exists(f->dfd, "a.txt"), 0);
	assert_int_equal(fileio_exists(f->dfd, ".a.txt.tmp.1"), -ENOENT);
	errno = 0;
	assert_int_equal(access(pathf(f, ".a.txt.tmp.%ld", (long)getpid()), F_OK), -1);
	assert_int_equal(errno, ENOENT);
	/* names are names, not paths */
	assert_int_equal(fileio_replace(f->dfd, "../x", "x", 1, 0600, 0), -EINVAL);
	assert_int_equal(fileio_replace(f->dfd, "", "x", 1, 0600, 0), -EINVAL);
}

/* A link at the final name is replaced, never written through. */
static void test_link_at_name(void **state)
{
	struct fx *f = *state;
	struct stat st;

	assert_int_equal(symlink(f->canary, pathf(f, "lockdown")), 0);
	assert_int_equal(fileio_replace(f->dfd, "lockdown", "locked=1\n", 9, 0600, 0), 0);
	canary_intact(f);
	assert_int_equal(lstat(pathf(f, "lockdown"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(slurp(pathf(f, "lockdown")), "locked=1\n");
}

/* A link planted at the temp name (the pid is guessable) is not followed. */
static void test_link_at_tmp(void **state)
{
	struct fx *f = *state;
	const char *tmp = pathf(f, ".applied.bin.tmp.%ld", (long)getpid());

	assert_int_equal(symlink(f->canary, tmp), 0);
	assert_int_equal(fileio_replace(f->dfd, "applied.bin", "data", 4, 0600, 0), 0);
	canary_intact(f);
	assert_string_equal(slurp(pathf(f, "applied.bin")), "data");
	assert_int_equal(access(tmp, F_OK), -1);
	/* a dangling link there: still no file made where it points */
	assert_int_equal(symlink(pathf(f, "../%s", "nowhere-made"), tmp), 0);
	assert_int_equal(fileio_replace(f->dfd, "applied.bin", "more", 4, 0600, 0), 0);
	assert_int_equal(access(pathf(f, "../nowhere-made"), F_OK), -1);
}

static void test_open_refuses(void **state)
{
	struct fx *f = *state;
	char *text = NULL;
	size_t len;
	int fd;

	assert_int_equal(symlink(f->canary, pathf(f, "daemon.json")), 0);
	assert_int_equal(fileio_open(f->dfd, "daemon.json", O_RDONLY, 0), -ELOOP);
	assert_int_equal(fileio_open(f->dfd, "daemon.json", O_WRONLY | O_APPEND | O_CREAT,
				     0600), -ELOOP);
	assert_int_equal(fileio_read_all(f->dfd, "daemon.json", 1024, &text, &len), -ELOOP);
	assert_int_equal(fileio_exists(f->dfd, "daemon.json"), -ELOOP);
	assert_string_equal(fileio_strerror(-ELOOP), "a symlink, refused");
	/* A FIFO must not hang a reader (nor a writer). */
	assert_int_equal(mkfifo(pathf(f, "fifo"), 0600), 0);
	assert_int_equal(fileio_open(f->dfd, "fifo", O_RDONLY, 0), -ENXIO);
	assert_int_equal(fileio_open(f->dfd, "fifo", O_WRONLY | O_APPEND, 0), -ENXIO);
	/* A hard link to a file elsewhere: not written, not truncated. */
	assert_int_equal(link(f->canary, pathf(f, "findings.json")), 0);
	assert_int_equal(fileio_open(f->dfd, "findings.json", O_WRONLY | O_APPEND, 0), -ENXIO);
	assert_int_equal(fileio_open(f->dfd, "findings.json", O_WRONLY | O_TRUNC, 0), -ENXIO);
	assert_string_equal(slurp(f->canary), CANARY_TEXT);
	assert_int_equal(unlink(pathf(f, "findings.json")), 0);
	canary_intact(f);
	/* the ordinary cases work */
	fd = fileio_open(f->dfd, "findings.json", O_WRONLY | O_APPEND | O_CREAT, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	fd = fileio_open_path(pathf(f, "findings.json"), O_WRONLY | O_APPEND, 0);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "y\n", 2), 2);
	close(fd);
	assert_int_equal(fileio_read_all(f->dfd, "findings.json", 1024, &text, &len), 0);
	assert_int_equal(len, 4);
	assert_string_equal(text, "x\ny\n");
	free(text);
	assert_int_equal(fileio_read_all(f->dfd, "findings.json", 3, &text, &len), -EFBIG);
	assert_null(text);
	assert_int_equal(fileio_read_all(f->dfd, "absent", 3, &text, &len), -ENOENT);
}

static void test_dirs(void **state)
{
	struct fx *f = *state;
	int fd;

	/* a planted "lists" link to a directory elsewhere */
	assert_int_equal(symlink(f->other, pathf(f, "lists")), 0);
	assert_int_equal(fileio_subdir(f->dfd, "lists", 0700), -ELOOP);
	assert_int_equal(fileio_subdir(f->dfd, "lists", 0), -ELOOP);
	assert_int_equal(fileio_dir_open(pathf(f, "lists"), 0700), -ELOOP);
	assert_int_equal(fileio_replace_path(pathf(f, "lists/x.body"), "x", 1, 0600, 0),
			 -ELOOP);
	assert_int_equal(fileio_open_path(pathf(f, "lists/x.body"),
					  O_WRONLY | O_CREAT | O_EXCL, 0600), -ELOOP);
	assert_int_equal(access(pathf(f, "../%s/x.body", strrchr(f->other, '/') + 1), F_OK),
			 -1);
	/* made when absent, opened when present */
	fd = fileio_subdir(f->dfd, "evidence", 0700);
	assert_true(fd >= 0);
	assert_int_equal(fileio_replace(fd, "manifest.json", "{}", 2, 0600, 0), 0);
	close(fd);
	fd = fileio_subdir(f->dfd, "evidence", 0);
	assert_true(fd >= 0);
	close(fd);
	assert_string_equal(slurp(pathf(f, "evidence/manifest.json")), "{}");
	assert_int_equal(fileio_subdir(f->dfd, "absent", 0), -ENOENT);
}

/* fchownat(AT_SYMLINK_NOFOLLOW): the link changes owner, the target not. */
static void test_chown(void **state)
{
	struct fx *f = *state;
	struct stat st;

	if (geteuid() != 0)
		skip(); /* chown to another uid needs root; tests/run.sh runs as root */
	assert_int_equal(symlink(f->canary, pathf(f, "metrics.prom")), 0);
	assert_int_equal(fileio_chown(f->dfd, "metrics.prom", 4242, 4242), 0);
	assert_int_equal(lstat(pathf(f, "metrics.prom"), &st), 0);
	assert_int_equal(st.st_uid, 4242);
	canary_intact(f);
	assert_int_equal(fileio_chown(f->dfd, NULL, 4242, 4242), 0);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_uid, 4242);
}

static void test_reserve(void **state)
{
	struct fx *f = *state;
	struct stat st;

	assert_int_equal(fileio_reserve(f->dfd, "lockdown.reserve", 10000, 0600), 0);
	assert_int_equal(stat(pathf(f, "lockdown.reserve"), &st), 0);
	assert_int_equal(st.st_size, 10000);
	assert_true(st.st_blocks * 512 >= 10000); /* written, not a hole */
	/* present and ours: left as it is */
	assert_int_equal(fileio_reserve(f->dfd, "lockdown.reserve", 10000, 0600), 0);
	assert_int_equal(fileio_replace_reserved(f->dfd, "lockdown.reserve", "lockdown",
						 "locked=1\n", 9, 0), 0);
	assert_string_equal(slurp(pathf(f, "lockdown")), "locked=1\n");
	assert_int_equal(access(pathf(f, "lockdown.reserve"), F_OK), -1);
	/* used up: the next replace through it fails, a new reserve can be made */
	assert_int_equal(fileio_replace_reserved(f->dfd, "lockdown.reserve", "lockdown",
						 "x", 1, 0), -ENOENT);
	assert_int_equal(fileio_reserve(f->dfd, "lockdown.reserve", 100, 0600), 0);
	assert_int_equal(fileio_replace_reserved(f->dfd, "lockdown.reserve", "lockdown",
						 CANARY_TEXT CANARY_TEXT CANARY_TEXT
						 CANARY_TEXT CANARY_TEXT, 125, 0), -ENOSPC);
	/* a link planted as the reserve is neither written nor renamed */
	assert_int_equal(unlink(pathf(f, "lockdown.reserve")), 0);
	assert_int_equal(symlink(f->canary, pathf(f, "lockdown.reserve")), 0);
	assert_int_equal(fileio_replace_reserved(f->dfd, "lockdown.reserve", "lockdown",
						 "x", 1, 0), -ELOOP);
	canary_intact(f);
	assert_int_equal(fileio_reserve(f->dfd, "lockdown.reserve", 100, 0600), 0);
	assert_int_equal(lstat(pathf(f, "lockdown.reserve"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	canary_intact(f);
}

static void test_unlink_sync(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fileio_unlink(f->dfd, "absent", 0), 0);
	assert_int_equal(symlink(f->canary, pathf(f, "lockdown")), 0);
	assert_int_equal(fileio_sync(f->dfd, "lockdown"), -ELOOP);
	assert_int_equal(fileio_unlink(f->dfd, "lockdown", 0), 0);
	canary_intact(f);
	assert_int_equal(fileio_replace(f->dfd, "lockdown", "x", 1, 0600, FILEIO_NOSYNC), 0);
	assert_int_equal(fileio_sync(f->dfd, "lockdown"), 0);
	assert_int_equal(fileio_sync_dir(f->dfd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_at_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_at_tmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_sync, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
