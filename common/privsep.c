/* SPDX-License-Identifier: MIT */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "privsep.h"

int privsep_lookup_user(const char *user, uid_t *uid, gid_t *gid, char *err,
			size_t errlen)
{
	struct passwd *pw;
	uint64_t v;

	if (!util_parse_u64(user, 0, UINT32_MAX - 1, &v)) {
		*uid = (uid_t)v;
		pw = getpwuid(*uid);
		*gid = pw ? pw->pw_gid : (gid_t)v;
		return 0;
	}
	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		return util_err(err, errlen, "user '%s' does not exist", user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int privsep_drop(enum privsep_role role, const char *user, char *err,
		 size_t errlen)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	int rc;

	if (user && *user && (rc = privsep_lookup_user(user, &uid, &gid, err, errlen)))
		return rc;
	capng_clear(CAPNG_SELECT_BOTH);
	if (role == PRIVSEP_ENFORCER &&
	    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			 CAP_NET_ADMIN))
		return util_err(err, errlen, "libcap-ng: cannot keep CAP_NET_ADMIN");
	if (geteuid() == 0 && uid != 0) {
		/* capng_change_id keeps what we selected across setresuid. */
		rc = capng_change_id((int)uid, (int)gid,
				     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
		if (rc)
			return util_err(err, errlen,
					"cannot become uid %u (libcap-ng %d)",
					(unsigned)uid, rc);
	} else if (capng_apply(CAPNG_SELECT_BOTH)) {
		/* Not root: drop what we have; bounding needs CAP_SETPCAP. */
		if (capng_apply(CAPNG_SELECT_CAPS))
			return util_err(err, errlen, "cannot drop capabilities");
	}
	if (role != PRIVSEP_ENFORCER &&
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return util_err(err, errlen, "cannot clear ambient capabilities: %s",
				strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return util_err(err, errlen, "no_new_privs: %s", strerror(errno));
	return 0;
}

void privsep_describe(char *buf, size_t len)
{
	char *s;

	capng_get_caps_process();
	s = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
	util_strlcpy(buf, s && *s ? s : "none", len);
	free(s);
}

/* What the sensor process needs once its handles are open. */
static const char *const sensor_syscalls[] = {
	"read", "readv", "pread64", "write", "writev", "sendto", "sendmsg",
	"recvfrom", "recvmsg", "poll", "ppoll", "epoll_wait", "epoll_pwait",
	"getsockopt", "setsockopt", "clock_gettime", "clock_nanosleep",
	"gettimeofday", "nanosleep", "mmap", "munmap", "mremap", "brk",
	"madvise", "mprotect", "close", "fstat", "newfstatat",
	"statx", "lseek", "fcntl", "getpid", "gettid", "getrandom",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
	"futex", "exit", "exit_group", "restart_syscall",
	"getrusage", "sched_yield", "prlimit64", "set_robust_list",
	"rseq", "uname", "timerfd_settime", "timerfd_gettime", "getuid",
	"geteuid", "getgid", "getegid",
};

int privsep_seccomp_sensor(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = 0;

	if (!ctx)
		return util_err(err, errlen, "seccomp_init failed");
	for (size_t i = 0; i < ARRAY_SIZE(sensor_syscalls); i++) {
		int nr = seccomp_syscall_resolve_name(sensor_syscalls[i]);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc) {
			util_err(err, errlen, "seccomp: %s: %s", sensor_syscalls[i],
				 strerror(-rc));
			goto out;
		}
	}
	/* Files (synced lists) may be opened to read, never to write. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
			      SCMP_A2(SCMP_CMP_MASKED_EQ,
				      O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND,
				      O_RDONLY));
	if (rc) {
		util_err(err, errlen, "seccomp: openat: %s", strerror(-rc));
		goto out;
	}
	rc = seccomp_load(ctx);
	if (rc)
		util_err(err, errlen, "seccomp_load: %s", strerror(-rc));
out:
	seccomp_release(ctx);
	return rc;
}
