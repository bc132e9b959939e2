/* SPDX-License-Identifier: MIT */
/*
 * tests/netns/sensor_inject.c: make a running process (the real sensor,
 * under its real seccomp filter, uid and descriptors) execute one system
 * call, as code an attacker got running in it would. x86-64 only.
 *
 *   sensor_inject PID NAME [ARG...]
 *
 * NAME is a syscall name from the table below; each ARG is a number, or
 * str:TEXT (a NUL-terminated string) or hex:BYTES (raw bytes), both put
 * in the process's memory (below its stack pointer, restored after) and
 * passed as a pointer. Prints "ret N" (N = -errno on failure) when the
 * process lived through the call, "killed SIG" when the call killed it.
 * Exit 0, 3 (killed), or 2 (the injection itself failed).
 *
 * How: PTRACE_SEIZE, stop at the next syscall entry, swap in our number
 * and arguments there (seccomp filters the swapped call: since Linux 4.8
 * it runs after the ptrace entry stop), read the result at the exit stop,
 * then rewind to the original syscall instruction so that the original
 * call runs as if nothing happened, and detach.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __x86_64__
int main(void)
{
	fprintf(stderr, "sensor_inject: x86-64 only\n");
	return 2;
}
#else

static const struct {
	const char *name;
	long nr;
} calls[] = {
	{ "getpid", SYS_getpid }, { "write", SYS_write }, { "sendto", SYS_sendto },
	{ "prlimit64", SYS_prlimit64 }, { "openat", SYS_openat }, { "fcntl", SYS_fcntl },
	{ "kill", SYS_kill }, { "socket", SYS_socket }, { "setsockopt", SYS_setsockopt },
	{ "dup", SYS_dup }, { "ptrace", SYS_ptrace }, { "execve", SYS_execve },
	{ "setresuid", SYS_setresuid }, { "unshare", SYS_unshare },
};

static pid_t pid;

static void die(const char *what)
{
	fprintf(stderr, "sensor_inject: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int wait_stop(void)
{
	int st;

	if (waitpid(pid, &st, __WALL) != pid)
		die("waitpid");
	if (WIFSIGNALED(st)) {
		printf("killed %d\n", WTERMSIG(st));
		exit(3);
	}
	if (WIFEXITED(st)) {
		printf("exited %d\n", WEXITSTATUS(st));
		exit(3);
	}
	return st;
}

/* Resume to the next syscall stop, passing other stops through. */
static void to_syscall_stop(void)
{
	int sig = 0;

	for (;;) {
		int st;

		if (ptrace(PTRACE_SYSCALL, pid, 0, sig))
			die("PTRACE_SYSCALL");
		st = wait_stop();
		if (WSTOPSIG(st) == (SIGTRAP | 0x80))
			return;
		/* a group stop or a signal: deliver signals, not stops */
		sig = (st >> 16) == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(st);
	}
}

/*
 * A filter that kills (SECCOMP_RET_KILL_PROCESS) skips the call, rolls
 * the registers back and forces SIGSYS: the exit stop still comes, with
 * the signal pending. Let it be delivered and report the death.
 */
static void die_if_killed(void)
{
	unsigned long long pend = 0, v;
	char path[64], line[256];
	FILE *f;
	int sig = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		die("status");
	while (fgets(line, sizeof(line), f))
		if ((sscanf(line, "SigPnd: %llx", &v) == 1 || sscanf(line, "ShdPnd: %llx", &v) == 1))
			pend |= v;
	fclose(f);
	if (!(pend & (1ull << (SIGSYS - 1))))
		return;
	for (;;) {
		int st;

		if (ptrace(PTRACE_CONT, pid, 0, sig))
			die("PTRACE_CONT");
		st = wait_stop(); /* exits once the process is dead */
		sig = (st >> 16) == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(st);
	}
}

static unsigned char data[4096];
static size_t ndata;

/* An argument: a number, or bytes placed at base + offset. */
static unsigned long long arg(const char *s, unsigned long long base)
{
	size_t off = ndata;

	if (!strncmp(s, "str:", 4)) {
		size_t n = strlen(s + 4) + 1;

		if (ndata + n > sizeof(data))
			exit(2);
		memcpy(data + ndata, s + 4, n);
		ndata += (n + 7) & ~(size_t)7;
		return base + off;
	}
	if (!strncmp(s, "hex:", 4)) {
		for (s += 4; s[0] && s[1] && ndata < sizeof(data); s += 2) {
			unsigned v;

			if (sscanf(s, "%2x", &v) != 1)
				exit(2);
			data[ndata++] = (unsigned char)v;
		}
		ndata = (ndata + 7) & ~(size_t)7;
		return base + off;
	}
	return strtoull(s, NULL, 0);
}

int main(int argc, char **argv)
{
	struct user_regs_struct saved, r;
	unsigned long long a[6] = { 0 }, base;
	long nr = -1, saved_words[sizeof(data) / 8];
	int n = 0;

	if (argc < 3 || argc > 9) {
		fprintf(stderr, "usage: sensor_inject PID NAME [ARG...]\n");
		return 2;
	}
	pid = (pid_t)atoi(argv[1]);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(calls[i].name, argv[2]))
			nr = calls[i].nr;
	if (nr < 0) {
		fprintf(stderr, "sensor_inject: unknown syscall %s\n", argv[2]);
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD))
		die("PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0))
		die("PTRACE_INTERRUPT");
	wait_stop();
	/*
	 * Stop by stop to a syscall entry (rax is -ENOSYS there, a result at
	 * an exit) that is not the restart of the call we interrupted.
	 */
	for (;;) {
		to_syscall_stop();
		if (ptrace(PTRACE_GETREGS, pid, 0, &saved))
			die("GETREGS");
		if (saved.orig_rax != SYS_restart_syscall && saved.rax == (unsigned long long)-ENOSYS)
			break;
	}
	errno = 0;
	if ((ptrace(PTRACE_PEEKTEXT, pid, saved.rip - 2, 0) & 0xffff) != 0x050f || errno)
		die("no syscall instruction before rip");
	base = (saved.rsp - 512 - sizeof(data)) & ~7ull;
	for (int i = 3; i < argc; i++)
		a[n++] = arg(argv[i], base);
	for (size_t i = 0; i < ndata / 8; i++) {
		errno = 0;
		saved_words[i] = ptrace(PTRACE_PEEKDATA, pid, base + 8 * i, 0);
		if (errno)
			die("PEEKDATA (stack)");
		if (ptrace(PTRACE_POKEDATA, pid, base + 8 * i, *(long *)(data + 8 * i)))
			die("POKEDATA");
	}
	r = saved;
	r.orig_rax = (unsigned long long)nr;
	r.rdi = a[0], r.rsi = a[1], r.rdx = a[2], r.r10 = a[3], r.r8 = a[4], r.r9 = a[5];
	if (ptrace(PTRACE_SETREGS, pid, 0, &r))
		die("SETREGS");
	to_syscall_stop(); /* the exit stop, unless the filter killed it */
	die_if_killed();
	if (ptrace(PTRACE_GETREGS, pid, 0, &r))
		die("GETREGS (exit)");
	printf("ret %lld\n", (long long)r.rax);
	for (size_t i = 0; i < ndata / 8; i++)
		if (ptrace(PTRACE_POKEDATA, pid, base + 8 * i, saved_words[i]))
			die("POKEDATA (restore)");
	/* Back to the original call, as it was before we took its place. */
	saved.rip -= 2;
	saved.rax = saved.orig_rax;
	if (ptrace(PTRACE_SETREGS, pid, 0, &saved))
		die("SETREGS (restore)");
	if (ptrace(PTRACE_DETACH, pid, 0, 0))
		die("DETACH");
	return 0;
}
#endif
