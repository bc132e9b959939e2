/* SPDX-License-Identifier: MIT */
/*
 * common/privsep.c: the parent's filter (id changes only to its
 * children's ids, no user namespace), the sensor's filter (writes by
 * descriptor, no open, no dup), the AWS process's filter (what libcurl,
 * threads and list copies need work; execve, ptrace, a packet socket,
 * kill, prlimit64 on another process, a user namespace kill it),
 * privsep_kill across uids. Each case runs
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
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cap-ng.h>

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

	/* what the spawner is: the agent's uid, CAP_SETUID/CAP_SETGID kept */
	if (privsep_drop(PRIVSEP_SPAWNER, "64212", NULL, err, sizeof(err)) || getuid() != U2)
		return 101;
	if (kill(target, SIGTERM) == 0 || errno != EPERM)
		return 1; /* the premise: another uid cannot be signalled */
	return privsep_kill(target, U1, G1, SIGTERM) ? 2 : 0;
}

/* ---- the AWS process's filter ---- */

static void *thread_main(void *arg)
{
	return arg;
}

/* What the AWS process does, under its filter: 0 when all of it works. */
static int aws_allowed(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char err[ERRLEN], path[64], path2[80];
	int l = socket(AF_INET, SOCK_STREAM, 0), s, fd, u;
	pthread_t t;
	void *ret;

	/* A server of its own, before the filter (listen is not in it). */
	EXPECT(l >= 0 && !bind(l, (void *)&a, sizeof(a)) && !listen(l, 1) &&
	       !getsockname(l, (void *)&a, &alen), 100);
	EXPECT(!prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) && !privsep_seccomp_aws(err, sizeof(err)), 101);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	EXPECT(s >= 0, 1);
	EXPECT(fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) == 0, 2);
	EXPECT(connect(s, (void *)&a, sizeof(a)) == 0 || errno == EINPROGRESS, 3);
	EXPECT(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)) == 0, 4);
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	EXPECT(u >= 0 && socket(AF_UNIX, SOCK_SEQPACKET, 0) >= 0, 5);
	snprintf(path, sizeof(path), "/tmp/cordon-privsep-%d", (int)getpid());
	snprintf(path2, sizeof(path2), "%s.new", path);
	fd = open(path2, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	EXPECT(fd >= 0 && write(fd, "x", 1) == 1 && fsync(fd) == 0 && fchmod(fd, 0640) == 0 &&
	       close(fd) == 0, 6);
	EXPECT(rename(path2, path) == 0 && unlink(path) == 0, 7);
	EXPECT(pthread_create(&t, NULL, thread_main, path) == 0 && pthread_join(t, &ret) == 0 &&
	       ret == path, 8);
	EXPECT(getrandom(path, 8, 0) == 8, 9);
	return 0;
}

static int (*aws_attack)(void);
static int aws_execve(void)
{
	char *argv[] = { "/bin/true", NULL };

	return execve(argv[0], argv, argv + 1);
}
static int aws_ptrace(void) { return (int)syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0); }
static int aws_packet(void) { return socket(AF_PACKET, SOCK_RAW, 0); }
static int aws_kill(void) { return kill(getppid(), 0); }
static int aws_prlimit(void) { return (int)syscall(SYS_prlimit64, getppid(), RLIMIT_NOFILE, NULL, NULL); }
static int aws_userns(void) { return unshare(CLONE_NEWUSER); }
static int aws_clone_userns(void) { return (int)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0); }
static int aws_vm_read(void) { return (int)syscall(SYS_process_vm_readv, getppid(), NULL, 0, NULL, 0, 0); }
/* A process of its own (glibc's fork is clone without CLONE_THREAD). */
static int aws_fork(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return pid;
}

static int aws_filtered(void)
{
	char err[ERRLEN];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || privsep_seccomp_aws(err, sizeof(err)))
		return 100;
	aws_attack();
	return 0; /* it lived: the filter let the call through */
}

static void test_aws_filter(void **state)
{
	int (*const attacks[])(void) = { aws_execve, aws_ptrace, aws_packet, aws_kill,
					 aws_prlimit, aws_userns, aws_clone_userns, aws_vm_read,
					 aws_fork };

	(void)state;
	assert_int_equal(in_child(aws_allowed), 0);
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		aws_attack = attacks[i];
		if (in_child(aws_filtered) != 128 + SIGSYS)
			fail_msg("AWS filter: attack %zu was not killed", i);
	}
}

/* The parent: CAP_NET_ADMIN alone, no id change (it had CAP_SETUID). */
static int enforcer_no_setid(void)
{
	char err[ERRLEN];

	if (privsep_drop(PRIVSEP_ENFORCER, "64212", NULL, err, sizeof(err)) || getuid() != U2)
		return 101;
	capng_get_caps_process();
	EXPECT(capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN), 1);
	EXPECT(!capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) &&
	       !capng_have_capability(CAPNG_PERMITTED, CAP_SETGID) &&
	       !capng_have_capability(CAPNG_PERMITTED, CAP_NET_RAW), 2);
	EXPECT(setresuid(U1, U1, U1) < 0 && errno == EPERM, 3);
	return 0;
}

static int spawner_caps(void)
{
	char err[ERRLEN];

	if (privsep_drop(PRIVSEP_SPAWNER, "64212", NULL, err, sizeof(err)) || getuid() != U2)
		return 101;
	capng_get_caps_process();
	EXPECT(capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) &&
	       capng_have_capability(CAPNG_PERMITTED, CAP_SETGID) &&
	       capng_have_capability(CAPNG_PERMITTED, CAP_NET_RAW), 1);
	EXPECT(!capng_have_capability(CAPNG_PERMITTED, CAP_NET_ADMIN), 2);
	return 0;
}

static void test_roles(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(enforcer_no_setid), 0);
	assert_int_equal(in_child(spawner_caps), 0);
}

/*
 * Started by root from a shell: after the drop, HOME, USER and LOGNAME
 * name the new user, and files under root's home are forgotten.
 */
static int env_as_nobody(void)
{
	char err[ERRLEN];
	const char *v;

	setenv("HOME", "/root/", 1);
	setenv("USER", "root", 1);
	setenv("LOGNAME", "root", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/root/.aws/credentials", 1);
	setenv("AWS_CONFIG_FILE", "/root/.aws/config", 1);
	setenv("SSL_CERT_FILE", "/rootless/ca.pem", 1); /* not under /root */
	setenv("CURL_HOME", "/root", 1);
	if (privsep_drop(PRIVSEP_AWS, "nobody", NULL, err, sizeof(err)))
		return 101;
	EXPECT((v = getenv("HOME")) && !strcmp(v, getpwnam("nobody")->pw_dir), 1);
	EXPECT((v = getenv("USER")) && !strcmp(v, "nobody"), 2);
	EXPECT((v = getenv("LOGNAME")) && !strcmp(v, "nobody"), 3);
	EXPECT(!getenv("AWS_SHARED_CREDENTIALS_FILE") && !getenv("AWS_CONFIG_FILE"), 4);
	EXPECT(!getenv("CURL_HOME"), 5);
	EXPECT((v = getenv("SSL_CERT_FILE")) && !strcmp(v, "/rootless/ca.pem"), 6);
	return 0;
}

/* A uid without a passwd entry: no HOME at all (the SDKs' default files go). */
static int env_as_numeric(void)
{
	char err[ERRLEN];

	setenv("HOME", "/root", 1);
	setenv("USER", "root", 1);
	setenv("AWS_CONFIG_FILE", "/etc/cordon/aws-config", 1); /* the operator's: kept */
	if (privsep_drop(PRIVSEP_AWS, "64212", NULL, err, sizeof(err)))
		return 101;
	EXPECT(!getenv("HOME") && !getenv("USER") && !getenv("LOGNAME"), 1);
	EXPECT(getenv("AWS_CONFIG_FILE") && !strcmp(getenv("AWS_CONFIG_FILE"), "/etc/cordon/aws-config"), 2);
	return 0;
}

static void test_env(void **state)
{
	(void)state;
	if (geteuid() != 0 || !getpwnam("nobody") || getpwuid(U2))
		skip();
	assert_int_equal(in_child(env_as_nobody), 0);
	assert_int_equal(in_child(env_as_numeric), 0);
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
		cmocka_unit_test(test_aws_filter),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_kill_across_uids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
