/* SPDX-License-Identifier: MIT */
#include <cap-ng.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
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

void privsep_nodump(void)
{
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static bool is_already(uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	return !getresuid(&r, &e, &s) && !getresgid(&rg, &eg, &sg) && r == uid &&
	       e == uid && s == uid && rg == gid && eg == gid && sg == gid;
}

int privsep_can_become(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (is_already(uid, gid))
		return 0;
	capng_get_caps_process();
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID) &&
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_SETGID))
		return 0;
	util_err(err, errlen,
		 "changing to uid %u gid %u needs CAP_SETUID and CAP_SETGID "
		 "(start as root, or give the unit AmbientCapabilities=CAP_SETUID CAP_SETGID)",
		 (unsigned)uid, (unsigned)gid);
	return -EPERM;
}

/* A child's id change: no supplementary groups, then gid, then uid. */
static int set_ids(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	bool same = is_already(uid, gid);

	if (setgroups(0, NULL) < 0 && !(same && errno == EPERM))
		return util_err(err, errlen, "cannot drop supplementary groups: %s",
				strerror(errno));
	if (same)
		return 0;
	if (setresgid(gid, gid, gid) < 0)
		return util_err(err, errlen, "cannot become gid %u: %s", (unsigned)gid,
				strerror(errno));
	if (setresuid(uid, uid, uid) < 0)
		return util_err(err, errlen, "cannot become uid %u: %s", (unsigned)uid,
				strerror(errno));
	return 0;
}

/* Keep caps[] (each only if held now) across the change to uid:gid. */
static int drop_keep(uid_t uid, gid_t gid, const int *caps, size_t ncaps, char *err,
		     size_t errlen)
{
	bool held[8];
	int rc;

	capng_get_caps_process();
	for (size_t i = 0; i < ncaps && i < ARRAY_SIZE(held); i++)
		held[i] = capng_have_capability(CAPNG_PERMITTED, (unsigned)caps[i]);
	capng_clear(CAPNG_SELECT_BOTH);
	for (size_t i = 0; i < ncaps && i < ARRAY_SIZE(held); i++)
		if (held[i] &&
		    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, (unsigned)caps[i]))
			return util_err(err, errlen, "libcap-ng: cannot keep %s",
					capng_capability_to_name((unsigned)caps[i]));
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
	return 0;
}

static int drop_child(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	int rc;

	/* The bounding set first, while we may still hold CAP_SETPCAP. */
	capng_clear(CAPNG_SELECT_BOTH);
	(void)capng_apply(CAPNG_SELECT_BOUNDS);
	if ((rc = set_ids(uid, gid, err, errlen)))
		return rc;
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_CAPS))
		return util_err(err, errlen, "cannot drop capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return util_err(err, errlen, "cannot clear ambient capabilities: %s",
				strerror(errno));
	return 0;
}

/*
 * The environment names the user we are now: HOME, USER and LOGNAME from
 * its passwd entry (unset without one), and a file variable that points
 * under the former HOME (root's /root/.aws/credentials, say) is cleared,
 * so that nothing reads, or fails on, the starting user's files.
 */
static void reset_env(uid_t uid)
{
	static const char *const files[] = {
		"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_CA_BUNDLE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "SSL_CERT_FILE", "SSL_CERT_DIR",
		"CURL_HOME", "XDG_CONFIG_HOME",
	};
	const char *h = getenv("HOME");
	struct passwd *pw = getpwuid(uid);
	char old[512] = "";
	size_t n;

	if (h && strcmp(h, "/") && (!pw || strcmp(h, pw->pw_dir)))
		util_strlcpy(old, h, sizeof(old));
	n = strlen(old);
	while (n > 1 && old[n - 1] == '/')
		old[--n] = '\0';
	for (size_t i = 0; n && i < ARRAY_SIZE(files); i++) {
		const char *v = getenv(files[i]);

		if (v && !strncmp(v, old, n) && (v[n] == '/' || !v[n])) {
			log_warnx("%s=%s is under the starting user's home: cleared for uid %u",
				  files[i], v, (unsigned)uid);
			unsetenv(files[i]);
		}
	}
	if (pw && pw->pw_dir && *pw->pw_dir && pw->pw_name) {
		setenv("HOME", pw->pw_dir, 1);
		setenv("USER", pw->pw_name, 1);
		setenv("LOGNAME", pw->pw_name, 1);
	} else {
		unsetenv("HOME");
		unsetenv("USER");
		unsetenv("LOGNAME");
	}
}

int privsep_drop(enum privsep_role role, const char *user, const char *group_of,
		 char *err, size_t errlen)
{
	uid_t uid = getuid(), guid;
	gid_t gid = getgid();
	int rc;

	if (user && *user && (rc = privsep_lookup_user(user, &uid, &gid, err, errlen)))
		return rc;
	if (group_of && *group_of &&
	    (rc = privsep_lookup_user(group_of, &guid, &gid, err, errlen)))
		return rc;
	if (role == PRIVSEP_ENFORCER) {
		static const int caps[] = { CAP_NET_ADMIN };

		capng_get_caps_process();
		if (!capng_have_capability(CAPNG_PERMITTED, CAP_NET_ADMIN))
			return util_err(err, errlen, "no CAP_NET_ADMIN to keep");
		rc = drop_keep(uid, gid, caps, ARRAY_SIZE(caps), err, errlen);
	} else if (role == PRIVSEP_SPAWNER) {
		static const int caps[] = { CAP_NET_RAW, CAP_SETUID, CAP_SETGID };

		rc = drop_keep(uid, gid, caps, ARRAY_SIZE(caps), err, errlen);
	} else {
		rc = drop_child(uid, gid, err, errlen);
	}
	if (rc)
		return rc;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return util_err(err, errlen, "no_new_privs: %s", strerror(errno));
	reset_env(uid);
	/* An id change resets it to fs.suid_dumpable; no change keeps it. */
	privsep_nodump();
	return 0;
}

int privsep_kill(pid_t pid, uid_t uid, gid_t gid, int sig)
{
	pid_t h;
	int st;

	if (pid <= 0)
		return -EINVAL;
	if (kill(pid, sig) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	h = fork();
	if (h < 0)
		return -errno;
	if (h == 0) {
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
			_exit(126);
		_exit(kill(pid, sig) ? 127 : 0);
	}
	while (waitpid(h, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EPERM;
}

void privsep_describe(char *buf, size_t len)
{
	char *s;

	capng_get_caps_process();
	s = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
	util_strlcpy(buf, s && *s ? s : "none", len);
	free(s);
}

/*
 * What the sensor process needs once its handles are open, on any
 * descriptor: reading, polling, memory, time, signals, exit. Writing,
 * sending and fcntl are added below with the descriptors or commands they
 * may name; open, dup, socket, setsockopt, prlimit64, kill, ptrace,
 * execve and everything else kill it.
 */
static const char *const sensor_syscalls[] = {
	"read", "readv", "pread64", "recvfrom", "recvmsg", "poll", "ppoll",
	"epoll_wait", "epoll_pwait", "getsockopt", "clock_gettime",
	"clock_nanosleep", "gettimeofday", "nanosleep", "mmap", "munmap",
	"mremap", "brk", "madvise", "mprotect", "close", "fstat", "newfstatat",
	"lseek", "getpid", "gettid", "getrandom", "rt_sigreturn",
	"rt_sigprocmask", "rt_sigaction", "sigaltstack", "futex", "exit",
	"exit_group", "restart_syscall", "getrusage", "sched_yield",
	"set_robust_list", "rseq", "uname", "getuid", "geteuid", "getgid",
	"getegid",
};

/* Every syscall named, without conditions (those this architecture lacks are skipped). */
static int allow_names(scmp_filter_ctx ctx, const char *const *names, size_t n, char *err,
		       size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]), rc;

		if (nr == __NR_SCMP_ERROR)
			continue;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0))) {
			util_err(err, errlen, "seccomp: %s: %s", names[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* nr allowed when its argument arg is one of vals. */
static int allow_args(scmp_filter_ctx ctx, int nr, unsigned int arg, const scmp_datum_t *vals,
		      size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				      SCMP_CMP(arg, SCMP_CMP_EQ, vals[i]));
	return rc;
}

static int allow_fd(scmp_filter_ctx ctx, const char *name, int fd)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR || fd < 0)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd));
}

/*
 * A process's filter: anything else kills it; names allowed outright,
 * then the rules with conditions (0 or -errno, err filled), then loaded.
 */
static int load_filter(const char *const *names, size_t n,
		       int (*rules)(scmp_filter_ctx ctx, const void *arg, char *err, size_t errlen),
		       const void *arg, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc;

	if (!ctx)
		return util_err(err, errlen, "seccomp_init failed");
	rc = allow_names(ctx, names, n, err, errlen);
	if (!rc)
		rc = rules(ctx, arg, err, errlen);
	if (!rc) {
		rc = seccomp_load(ctx);
		if (rc)
			util_err(err, errlen, "seccomp_load: %s", strerror(-rc));
	}
	seccomp_release(ctx);
	return rc;
}

static int sensor_rules(scmp_filter_ctx ctx, const void *arg, char *err, size_t errlen)
{
	static const scmp_datum_t fcntl_cmds[] = { F_GETFL, F_GETFD };
	const struct privsep_sensor_fds *f = arg;
	int rc;

	/*
	 * Writes by descriptor: the log (stderr), the dump slot, the channel.
	 * Not the capture sockets: a write there is a raw frame on the wire,
	 * past nftables. The descriptors cannot move (no dup, no fcntl
	 * F_DUPFD), so a number here names the same file for the process's life.
	 */
	if ((rc = allow_fd(ctx, "write", STDERR_FILENO)) ||
	    (rc = allow_fd(ctx, "writev", STDERR_FILENO)) ||
	    (rc = allow_fd(ctx, "write", f->out)) ||
	    (rc = allow_fd(ctx, "writev", f->out)) ||
	    (rc = allow_fd(ctx, "sendmsg", f->sock)) ||
	    (rc = allow_fd(ctx, "sendto", f->sock))) {
		util_err(err, errlen, "seccomp: write rules: %s", strerror(-rc));
		return rc;
	}
	if ((rc = allow_args(ctx, SCMP_SYS(fcntl), 1, fcntl_cmds, ARRAY_SIZE(fcntl_cmds))))
		util_err(err, errlen, "seccomp: fcntl: %s", strerror(-rc));
	return rc;
}

int privsep_seccomp_sensor(const struct privsep_sensor_fds *f, char *err,
			   size_t errlen)
{
	return load_filter(sensor_syscalls, ARRAY_SIZE(sensor_syscalls), sensor_rules, f, err,
			   errlen);
}

/*
 * What the AWS process calls (libcurl, OpenSSL, glibc's threads and
 * stdio, aws_dns, sync's list copies); arguments are checked below for
 * socket, clone, ioctl, prlimit64, tgkill and fcntl.
 */
static const char *const aws_syscalls[] = {
	/* files: list copies under state_dir/lists, CA bundle, config */
	"read", "readv", "pread64", "write", "writev", "pwrite64", "openat",
	"close", "close_range", "fstat", "newfstatat", "statx", "lseek",
	"fsync", "fdatasync", "fchmod", "fchmodat", "renameat", "renameat2",
	"rename", "unlinkat", "unlink", "mkdirat", "getdents64", "readlink",
	"readlinkat", "faccessat", "faccessat2", "access", "ftruncate", "mkdir",
	"rmdir", "chmod", "link", "utimensat",
	"fstatfs", "statfs", "fadvise64", "umask", "getcwd", "flock",
	"fchown", "fchownat", "linkat", "dup", "dup2", "dup3",
	/* sockets: AWS APIs, IMDS, DNS; the channel */
	"connect", "bind", "getsockname",
	"getpeername", "setsockopt", "getsockopt", "sendto", "recvfrom",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
	"socketpair", "pipe", "pipe2", "eventfd2", "poll", "ppoll", "select",
	"pselect6", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2",
	/* memory, threads, time, signals, ids, exit */
	"mmap", "munmap", "mremap", "mprotect", "madvise", "brk", "futex",
	"set_robust_list", "get_robust_list", "rseq", "set_tid_address",
	"membarrier", "sched_yield", "sched_getaffinity", "getrandom",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "sigaltstack", "restart_syscall", "getpid", "gettid",
	"getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
	"getresgid", "getgroups", "capget", "uname", "sysinfo", "getrusage", "prctl",
	"exit", "exit_group",
};

static int aws_rules(scmp_filter_ctx ctx, const void *arg, char *err, size_t errlen)
{
	static const scmp_datum_t families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	static const scmp_datum_t ioctls[] = { FIONREAD, FIONBIO, TCGETS };
	static const scmp_datum_t fcntl_cmds[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD,
						   F_DUPFD_CLOEXEC };
	int rc;

	(void)arg;
	/* No raw or packet socket (no capability anyway), no other family. */
	rc = allow_args(ctx, SCMP_SYS(socket), 0, families, ARRAY_SIZE(families));
	if (!rc)
		rc = allow_args(ctx, SCMP_SYS(ioctl), 1, ioctls, ARRAY_SIZE(ioctls));
	if (!rc)
		rc = allow_args(ctx, SCMP_SYS(fcntl), 1, fcntl_cmds, ARRAY_SIZE(fcntl_cmds));
	/*
	 * Threads only: no user namespace, and no process of its own (a
	 * fork outlived the AWS process, its restarts and the agent, with
	 * the one uid whose traffic passes a lockdown); clone3's flags are
	 * out of reach.
	 */
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_NEWUSER,
					      CLONE_THREAD));
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* Only itself: its own limits (glibc, sanitizers), its own threads. */
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1,
				      SCMP_A0(SCMP_CMP_EQ, 0));
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (rc)
		util_err(err, errlen, "seccomp: argument rules: %s", strerror(-rc));
	return rc;
}

int privsep_seccomp_aws(char *err, size_t errlen)
{
	return load_filter(aws_syscalls, ARRAY_SIZE(aws_syscalls), aws_rules, NULL, err, errlen);
}

/*
 * The parent's filter is "allow all but", with arguments matched against
 * sets of values, which libseccomp cannot say in a default-allow filter;
 * so it is a short classic BPF program.
 */
#if defined(__x86_64__)
#define PS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define PS_ARCH AUDIT_ARCH_AARCH64
#endif

#if __BYTE_ORDER == __LITTLE_ENDIAN
#define ARG_LO(i) (offsetof(struct seccomp_data, args[i]))
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args[i]) + 4)
#endif

#define PS_MAX_INS 160

struct bpf_out {
	struct sock_filter ins[PS_MAX_INS];
	size_t n;
	bool full;
};

static void emit(struct bpf_out *b, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (b->n == PS_MAX_INS) {
		b->full = true;
		return;
	}
	b->ins[b->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

#define RET(b, v) emit(b, BPF_RET | BPF_K, v, 0, 0)
#define LD(b, off) emit(b, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(off), 0, 0)
#define EPERM_RET (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/* nr: all three arguments equal one of ids[], else EPERM. Ends in a return. */
static void emit_ids(struct bpf_out *b, long nr, const uint32_t *ids, size_t n)
{
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, (uint8_t)(7 * n + 1));
	for (size_t i = 0; i < n; i++) {
		LD(b, ARG_LO(0));
		emit(b, BPF_JMP | BPF_JEQ | BPF_K, ids[i], 0, 5);
		LD(b, ARG_LO(1));
		emit(b, BPF_JMP | BPF_JEQ | BPF_K, ids[i], 0, 3);
		LD(b, ARG_LO(2));
		emit(b, BPF_JMP | BPF_JEQ | BPF_K, ids[i], 0, 1);
		RET(b, SECCOMP_RET_ALLOW);
	}
	RET(b, EPERM_RET);
}

/* nr: refused (EPERM) when the flags in argument 0 ask for a user namespace. */
static void emit_no_userns(struct bpf_out *b, long nr)
{
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 4);
	LD(b, ARG_LO(0));
	emit(b, BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1);
	RET(b, EPERM_RET);
	RET(b, SECCOMP_RET_ALLOW);
}

static void emit_refuse(struct bpf_out *b, long nr, uint32_t ret)
{
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1);
	RET(b, ret);
}

int privsep_seccomp_ids(const uid_t *uids, size_t nuids, const gid_t *gids,
			   size_t ngids, char *err, size_t errlen)
{
#ifdef PS_ARCH
	static const long refused[] = {
		__NR_setuid, __NR_setreuid, __NR_setfsuid,
		__NR_setgid, __NR_setregid, __NR_setfsgid,
	};
	struct bpf_out *b = calloc(1, sizeof(*b));
	uint32_t u[4] = { 0 }, g[4] = { 0 };
	struct sock_fprog prog;
	int rc = 0;

	if (!b)
		return util_err(err, errlen, "seccomp: out of memory");
	if (nuids > ARRAY_SIZE(u) || ngids > ARRAY_SIZE(g)) {
		rc = util_err(err, errlen, "seccomp: more than 4 ids");
		goto out;
	}
	for (size_t i = 0; i < nuids; i++)
		u[i] = (uint32_t)uids[i];
	for (size_t i = 0; i < ngids; i++)
		g[i] = (uint32_t)gids[i];
	LD(b, offsetof(struct seccomp_data, arch));
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, PS_ARCH, 1, 0);
	RET(b, SECCOMP_RET_KILL_PROCESS);
	LD(b, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	/* x32 syscalls share the arch value: none of ours are. */
	emit(b, BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	RET(b, SECCOMP_RET_KILL_PROCESS);
#endif
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
		emit_refuse(b, refused[i], EPERM_RET);
	/* glibc falls back to clone(2), whose flags we can read. */
	emit_refuse(b, __NR_clone3, SECCOMP_RET_ERRNO | ENOSYS);
	/* setgroups(0, ...) only: clearing the list. */
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, __NR_setgroups, 0, 4);
	LD(b, ARG_LO(0));
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
	RET(b, SECCOMP_RET_ALLOW);
	RET(b, EPERM_RET);
	emit_ids(b, __NR_setresuid, u, nuids);
	emit_ids(b, __NR_setresgid, g, ngids);
	emit_no_userns(b, __NR_unshare);
	emit_no_userns(b, __NR_clone);
	RET(b, SECCOMP_RET_ALLOW);
	if (b->full) {
		rc = util_err(err, errlen, "seccomp: parent filter too long");
		goto out;
	}
	prog.len = (unsigned short)b->n;
	prog.filter = b->ins;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		rc = util_err(err, errlen, "seccomp (parent): %s", strerror(errno));
out:
	free(b);
	return rc;
#else
	(void)uids, (void)nuids, (void)gids, (void)ngids;
	return util_err(err, errlen, "seccomp (parent): unsupported architecture");
#endif
}
