/* SPDX-License-Identifier: MIT */
/*
 * The procs helper's confinement, in this order: the user and only
 * CAP_SYS_PTRACE (no bounding set, no ambient, no_new_privs, not
 * dumpable, killed with its parent); what it needs opened (/proc, sockfs's
 * mount id); seccomp: reading what it opens (open read-only), writing
 * only to its channel (and stderr), and the memory a C program needs.
 * ptrace(2), process_vm_readv, pidfd_getfd, kill, socket, execve: the
 * process dies.
 *
 * CAP_SYS_PTRACE passes the ptrace access check that /proc/PID/fdinfo and
 * /proc/PID/exe make, and nothing more: with no DAC capability the
 * owner-only files (environ, mem, fd/) stay closed, and the filter
 * forbids the system calls through which the capability would read or
 * steer another process. No Landlock: a Landlock domain may not pass the
 * ptrace access check on a process outside it, which is the one thing
 * this process is for.
 */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "privsep.h"
#include "procsd.h"

static int drop(const char *user, char *err, size_t errlen)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	bool ptrace_cap;
	int rc;

	if (user && *user && (rc = privsep_lookup_user(user, &uid, &gid, err, errlen)))
		return rc;
	capng_get_caps_process();
	ptrace_cap = capng_have_capability(CAPNG_PERMITTED, CAP_SYS_PTRACE);
	capng_clear(CAPNG_SELECT_BOTH);
	/* Without it (a unit that does not grant it) we still answer, for what is ours. */
	if (ptrace_cap &&
	    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_PTRACE))
		return util_err(err, errlen, "libcap-ng: cannot keep CAP_SYS_PTRACE");
	if (geteuid() == 0 && uid != 0) {
		rc = capng_change_id((int)uid, (int)gid,
				     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
		if (rc)
			return util_err(err, errlen, "cannot become uid %u (libcap-ng %d)",
					(unsigned)uid, rc);
	} else if (capng_apply(CAPNG_SELECT_BOTH) && capng_apply(CAPNG_SELECT_CAPS)) {
		return util_err(err, errlen, "cannot drop capabilities");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return util_err(err, errlen, "cannot clear ambient capabilities: %s",
				strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return util_err(err, errlen, "no_new_privs: %s", strerror(errno));
	/* After the id change, which resets both. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return util_err(err, errlen, "prctl: %s", strerror(errno));
	return 0;
}

/* Allowed on any descriptor. */
static const char *const any_fd[] = {
	"read", "readv", "pread64", "recvfrom", "recvmsg", "getdents64", "readlinkat",
	"close", "fstat", "newfstatat", "statx", "lseek", "brk", "mmap", "munmap",
	"mremap", "madvise", "mprotect", "futex", "clock_gettime", "gettimeofday",
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getrandom",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
	"restart_syscall", "set_robust_list", "rseq", "sched_yield", "exit",
	"exit_group",
};

static int rule(scmp_filter_ctx ctx, const char *name, unsigned n, struct scmp_arg_cmp a)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture */
	return n ? seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, a)
		 : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

static int filter(int chan, char *err, size_t errlen)
{
	static const char *const writes[] = { "write", "writev", "sendto", "sendmsg" };
	static const int fcntls[] = { F_GETFD, F_SETFD, F_GETFL };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	struct scmp_arg_cmp none = { 0 };
	int rc = 0;

	if (!ctx)
		return util_err(err, errlen, "seccomp_init failed");
	for (size_t i = 0; !rc && i < ARRAY_SIZE(any_fd); i++)
		rc = rule(ctx, any_fd[i], 0, none);
	/* Writes only to the channel, and stderr (a sanitizer's report). */
	for (size_t i = 0; !rc && i < ARRAY_SIZE(writes); i++)
		rc = rule(ctx, writes[i], 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)chan));
	for (size_t i = 0; !rc && i < 2; i++)
		rc = rule(ctx, writes[i], 1, SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO));
	for (size_t i = 0; !rc && i < ARRAY_SIZE(fcntls); i++)
		rc = rule(ctx, "fcntl", 1, SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntls[i]));
	/* Open to read only: what the agent's user may read, no more (no DAC capability). */
	if (!rc)
		rc = rule(ctx, "openat", 1,
			  SCMP_A2(SCMP_CMP_MASKED_EQ,
				  O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_PATH, O_RDONLY));
	if (!rc)
		rc = seccomp_load(ctx);
	if (rc)
		util_err(err, errlen, "seccomp: %s", strerror(-rc));
	seccomp_release(ctx);
	return rc;
}

int procsd_confine(const char *user, int chan, struct procsd_confined *c, char *err,
		   size_t errlen)
{
	int rc;

	c->procfd = -1;
	c->sock_mnt = -1;
	util_strlcpy(c->caps, "?", sizeof(c->caps));
	if ((rc = drop(user, err, errlen)))
		return rc;
	privsep_describe(c->caps, sizeof(c->caps));
	c->procfd = evidence_proc_open(NULL, err, errlen);
	if (c->procfd < 0)
		return c->procfd;
	/* Made now: socket(2) is refused from here on. */
	rc = evidence_sockfs_mnt(c->procfd);
	c->sock_mnt = rc >= 0 ? rc : -1;
	return filter(chan, err, errlen);
}
