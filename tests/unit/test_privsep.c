/* SPDX-License-Identifier: MIT */
/*
 * common/privsep.c: the parent's filter (id changes only to its
 * children's ids, no user namespace), the sensor's filter (writes by
 * descriptor, no open, no dup), privsep_kill across uids. Each case runs
 * in a forked child, since filters cannot be removed. Needs root (the
 * id changes); skipped otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privsep.h"

#define U1 64211
#define U2 64212
#define G1 64221
#define G2 64222

/* Run fn in a child; its exit status (or 128 + signal). */
static int in_child(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int parent_filter(void)
{
	static const uid_t uids[] = { U1, U2 };
	static const gid_t gids[] = { G1, G2 };
	char err[ERRLEN];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    privsep_seccomp_ids(uids, 2, gids, 2, err, sizeof(err)))
		return 100;
	return 0;
}

#define EXPECT(cond, code)                                                     \
	do {                                                                   \
		if (!(cond))                                                   \
			return code;                                           \
	} while (0)

static int refused_ids(void)
{
	EXPECT(!parent_filter(), 100);
	/* root could do each of these: the filter refuses them */
	EXPECT(setresuid(0, 0, 0) < 0 && errno == EPERM, 1);
	EXPECT(setresuid(U1, U1, 0) < 0 && errno == EPERM, 2);
	EXPECT(setresuid(U1, U2, U1) < 0 && errno == EPERM, 3);
	EXPECT(syscall(SYS_setuid, 0) < 0 && errno == EPERM, 4);
	EXPECT(syscall(SYS_setreuid, U1, U1) < 0 && errno == EPERM, 5);
	EXPECT(syscall(SYS_setfsuid, 5) < 0 && errno == EPERM, 6);
	EXPECT(setresgid(0, 0, 0) < 0 && errno == EPERM, 7);
	EXPECT(syscall(SYS_setgid, G1) < 0 && errno == EPERM, 8);
	{
		gid_t g = 0;

		EXPECT(setgroups(1, &g) < 0 && errno == EPERM, 9);
	}
	EXPECT(unshare(CLONE_NEWUSER) < 0 && errno == EPERM, 10);
	EXPECT(syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS, 11);
	/* fork (clone without CLONE_NEWUSER) still works */
	{
		pid_t p = fork();
		int st;

		if (p == 0)
			_exit(7);
		EXPECT(p > 0 && waitpid(p, &st, 0) == p && WEXITSTATUS(st) == 7, 12);
	}
	return 0;
}

static int allowed_ids(void)
{
	EXPECT(!parent_filter(), 100);
	EXPECT(setgroups(0, NULL) == 0, 1);
	EXPECT(setresgid(G2, G2, G2) == 0, 2);
	EXPECT(setresuid(U1, U1, U1) == 0, 3);
	EXPECT(getuid() == U1 && geteuid() == U1 && getgid() == G2, 4);
	return 0;
}

static void test_parent_filter(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(refused_ids), 0);
	assert_int_equal(in_child(allowed_ids), 0);
}

static int sv[2];

static int sensor_allowed(void)
{
	struct privsep_sensor_fds f = { .sock = sv[1], .out = 9 };
	char err[ERRLEN], b;

	EXPECT(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, 100);
	EXPECT(dup2(sv[1], 9) == 9, 101);
	EXPECT(!privsep_seccomp_sensor(&f, err, sizeof(err)), 102);
	EXPECT(send(sv[1], "s", 1, 0) == 1, 1);
	EXPECT(write(9, "w", 1) == 1, 2);
	EXPECT(write(STDERR_FILENO, "", 0) == 0, 3);
	EXPECT(read(sv[1], &b, 1) == 1 && b == 'p', 4);
	EXPECT(fcntl(sv[1], F_GETFL) >= 0, 5);
	return 0;
}

static int (*sensor_attack)(void);
static int attack_write(void) { return (int)write(sv[0], "x", 1); }
static int attack_sendto(void) { return (int)sendto(sv[0], "x", 1, 0, NULL, 0); }
static int attack_open(void) { return open("/etc/hostname", O_RDONLY); }
static int attack_dup(void) { return fcntl(sv[0], F_DUPFD, 9); }
static int attack_prlimit(void) { return (int)syscall(SYS_prlimit64, getppid(), RLIMIT_NOFILE, NULL, NULL); }
static int attack_setsockopt(void)
{
	int v = 1;

	return setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

static int sensor_filtered(void)
{
	struct privsep_sensor_fds f = { .sock = sv[1], .out = 9 };
	char err[ERRLEN];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || privsep_seccomp_sensor(&f, err, sizeof(err)))
		return 100;
	sensor_attack();
	return 0; /* not killed */
}

static void test_sensor_filter(void **state)
{
	int (*const attacks[])(void) = { attack_write, attack_sendto, attack_open, attack_dup,
					  attack_prlimit, attack_setsockopt };
	char b;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(write(sv[0], "p", 1), 1);
	assert_int_equal(in_child(sensor_allowed), 0);
	assert_int_equal(read(sv[0], &b, 1), 1);
	assert_int_equal(b, 's');
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		sensor_attack = attacks[i];
		if (in_child(sensor_filtered) != 128 + SIGSYS)
			fail_msg("attack %zu was not killed", i);
	}
	close(sv[0]);
	close(sv[1]);
}

static int sleeper_as_u1(void)
{
	if (setgroups(0, NULL) || setresgid(G1, G1, G1) || setresuid(U1, U1, U1))
		return 1;
	pause();
	return 2;
}

static int killer_as_u2(void)
{
	pid_t target = (pid_t)atoi(getenv("PRIVSEP_TARGET"));

	char err[ERRLEN];

	/* what the parent is: its own uid, CAP_SETUID/CAP_SETGID kept */
	if (privsep_drop(PRIVSEP_ENFORCER, "64212", NULL, err, sizeof(err)) || getuid() != U2)
		return 101;
	if (kill(target, SIGTERM) == 0 || errno != EPERM)
		return 1; /* the premise: another uid cannot be signalled */
	return privsep_kill(target, U1, G1, SIGTERM) ? 2 : 0;
}

static void test_kill_across_uids(void **state)
{
	char buf[16];
	pid_t target;
	int st;

	(void)state;
	if (geteuid() != 0)
		skip();
	target = fork();
	assert_true(target >= 0);
	if (target == 0)
		_exit(sleeper_as_u1());
	usleep(100000);
	snprintf(buf, sizeof(buf), "%d", (int)target);
	setenv("PRIVSEP_TARGET", buf, 1);
	assert_int_equal(in_child(killer_as_u2), 0);
	assert_int_equal(waitpid(target, &st, 0), target);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parent_filter),
		cmocka_unit_test(test_sensor_filter),
		cmocka_unit_test(test_kill_across_uids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
