/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PROCSD_H
#define CORDON_PROCSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "evidence.h"

/*
 * The procs helper: a small process forked before the parent drops its
 * privileges, that keeps CAP_SYS_PTRACE and nothing else, can do little
 * but read files (seccomp), and answers one question over its socketpair: which processes hold these
 * socket inodes. So the evidence names the process behind every socket
 * at lockdown, whoever owns it, while the parent (CAP_NET_ADMIN) and the
 * sensor never hold the right to look into other processes.
 * docs/internals/security.md, "Evidence and privilege", says why this one.
 */
struct procsd {
	pid_t pid;       /* 0: not running */
	int fd;          /* -1: no channel; ours, non-blocking */
	uint32_t seq;    /* of the last question */
	unsigned timeout_ms; /* for an answer; PROCSD_TIMEOUT_MS */
	char caps[64];   /* what it holds, from its hello */
};

#define PROCSD_TIMEOUT_MS 5000 /* for an answer; then what came is used */

/*
 * Fork the helper, to become user (NULL or "": stay who we are), and
 * wait for its hello. Logs the outcome; h->fd is -1 when there is no
 * helper (the evidence then names what this process may read).
 */
void procsd_start(struct procsd *h, const char *user);
/* Close the channel: the helper exits. The caller reaps it. */
void procsd_stop(struct procsd *h);
/* The child pid was reaped: true when it was the helper (then forgotten). */
bool procsd_reaped(struct procsd *h, pid_t pid);

/*
 * evidence_sockets_snapshot() with the helper naming the owners: the
 * table is read here, the holders of its sockets asked of the helper (at
 * most PROCSD_TIMEOUT_MS), or, without an answer, named by this process
 * as far as it may; the summary line says which ("ownersBy") and why
 * ("ownersNote"). h may be NULL.
 */
__must_check int procsd_snapshot(struct procsd *h, const char *path,
				 struct evidence_sock_stats *stats, char *err, size_t errlen);

/* procsd_serve.c: the helper's life, in the child after fork (chan: its end). */
__attribute__((noreturn)) void procsd_serve(int chan, const char *user);

/* procsd_confine.c, in the helper: become user with CAP_SYS_PTRACE only. */
struct procsd_confined {
	int procfd;      /* /proc */
	int sock_mnt;    /* sockfs's mount id, -1 if unknown */
	char caps[64];   /* what it kept ("sys_ptrace", "none") */
};
__must_check int procsd_confine(const char *user, int chan, struct procsd_confined *c,
				char *err, size_t errlen);

#endif
