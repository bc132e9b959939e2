/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PRIVSEP_H
#define CORDON_PRIVSEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/*
 * Privilege separation in the OpenBSD manner: open what needs privilege
 * (pcap handles, the netlink socket), then drop it. Each process keeps
 * exactly the capabilities its role needs, runs as its own uid and is
 * not dumpable (docs/internals/security.md).
 */
enum privsep_role {
	PRIVSEP_SENSOR,   /* parses packets: no capabilities, seccomp */
	PRIVSEP_AWS,      /* talks to AWS: no capabilities */
	PRIVSEP_ENFORCER, /* changes nftables: CAP_NET_ADMIN only */
	/*
	 * Starts the children: CAP_NET_RAW (their capture rings) and
	 * CAP_SETUID/CAP_SETGID (their users), each when it holds it; the
	 * id changes pinned by privsep_seccomp_ids().
	 */
	PRIVSEP_SPAWNER,
};

/*
 * Become user (name or uid; NULL or "" keeps the current one) with only
 * the role's capabilities, no supplementary groups, no_new_privs and not
 * dumpable; HOME, USER and LOGNAME then name that user (unset when it has
 * no passwd entry), and AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE and
 * the like are cleared when they point under the former HOME. The gid is group_of's primary group (NULL: user's own).
 * Works when started as root and when started as another user with
 * ambient capabilities (systemd's AmbientCapabilities=), CAP_SETUID and
 * CAP_SETGID among them.
 */
__must_check int privsep_drop(enum privsep_role role, const char *user,
			      const char *group_of, char *err, size_t errlen);
/* Resolve a user name or numeric uid (gid: its primary group, else the uid). */
__must_check int privsep_lookup_user(const char *user, uid_t *uid, gid_t *gid,
				     char *err, size_t errlen);
/*
 * Can this process become uid:gid (already is, or holds CAP_SETUID and
 * CAP_SETGID)? 0, or -EPERM with err naming what is missing.
 */
__must_check int privsep_can_become(uid_t uid, gid_t gid, char *err, size_t errlen);
/* Not dumpable: no ptrace, no /proc/PID/environ or mem, no core, for anyone
 * but root. Call first thing in every process of the agent. */
void privsep_nodump(void);

/* The descriptors the sensor may write to; everything else is read-only. */
struct privsep_sensor_fds {
	int sock;   /* its channel to the parent: sendmsg/sendto only; -1: none */
	int out;    /* the slot a handed-over dump file lands in: write only */
};

/*
 * The sensor's seccomp filter: what reading a pcap ring, parsing, and
 * writing to its channel and its dump slot need, and nothing else.
 * write/writev only on stderr and f->out, sendmsg/sendto only on f->sock,
 * fcntl only to read flags; no open, dup, socket, prlimit, kill, ptrace,
 * execve: any of those kills the process.
 */
__must_check int privsep_seccomp_sensor(const struct privsep_sensor_fds *f,
					char *err, size_t errlen);
/*
 * The AWS process's filter: what libcurl, OpenSSL, its threads, its own
 * resolver and the list copies need (sockets of the Internet, Unix and
 * netlink families, files, time, memory), and nothing else: no execve,
 * fork (clone without CLONE_THREAD), ptrace, process_vm_*, kill of another
 * process, prlimit64 on another, mount, bpf, user namespace, raw or packet
 * socket; any of those kills it.
 */
__must_check int privsep_seccomp_aws(char *err, size_t errlen);
/*
 * The id filter (the spawner's, with its children's ids; the parent's,
 * with none): setresuid/setresgid are refused (EPERM) unless all three
 * ids are one of uids[]/gids[], setgroups unless it clears the list,
 * every other id change always, and so is a new user namespace (where
 * CAP_SETUID would map any uid). Everything else is allowed.
 */
__must_check int privsep_seccomp_ids(const uid_t *uids, size_t nuids,
				     const gid_t *gids, size_t ngids,
				     char *err, size_t errlen);
/*
 * Send sig to pid, a child running as uid:gid. Without CAP_KILL a process
 * may signal only its own uid's: when kill() says EPERM, a helper forked
 * for the call becomes uid:gid (which privsep_seccomp_ids() allows)
 * and sends it. 0 or -errno.
 */
__must_check int privsep_kill(pid_t pid, uid_t uid, gid_t gid, int sig);
/* Which capabilities this process holds now, e.g. "none", "net_admin". */
void privsep_describe(char *buf, size_t len);

#endif
