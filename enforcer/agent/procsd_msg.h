/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PROCSD_MSG_H
#define CORDON_PROCSD_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "evidence.h"
#include "ipc.h"

/*
 * The procs helper's channel (a SOCK_SEQPACKET socketpair that only the
 * parent and the helper hold): fixed-size messages, one per datagram,
 * checked field by field on both sides (procsd_msg_check()): the helper
 * holds a capability the parent does not, and the parent takes what the
 * helper read from hostile processes.
 *
 *   helper -> parent: HELLO once (its capabilities, or why it gave up)
 *   parent -> helper: ASK (inodes, as many as needed), then GO
 *   helper -> parent: PROC per holder (a process and up to 64 of its
 *                     sockets; one that holds more comes again), DONE
 */
enum procsd_type {
	PROCSD_HELLO = 1,
	PROCSD_ASK,
	PROCSD_GO,
	PROCSD_PROC,
	PROCSD_DONE,
};

#define PROCSD_ASK_MAX 1024
#define PROCSD_TEXT 160

struct procsd_hello {
	struct ipc_hdr h;
	int32_t pid;
	int32_t rc;               /* 0, or -errno: the helper could not confine itself */
	int32_t sock_mnt;         /* sockfs's mount id; -1: fdinfo has no "ino:" */
	uint32_t pad;
	char caps[64];            /* "sys_ptrace", "none" */
	char err[PROCSD_TEXT];
};

struct procsd_ask {
	struct ipc_hdr h;
	uint32_t seq;             /* of the question */
	uint32_t n;               /* inodes[0..n) */
	uint64_t inodes[PROCSD_ASK_MAX];
};

struct procsd_go {
	struct ipc_hdr h;
	uint32_t seq;
	uint32_t pad;
};

struct procsd_proc {
	struct ipc_hdr h;
	uint32_t seq;
	uint32_t n;               /* inodes[0..n), 1..EVID_OWNER_BATCH */
	struct evidence_proc p;
	uint64_t inodes[EVID_OWNER_BATCH];
};

struct procsd_done {
	struct ipc_hdr h;
	uint32_t seq;
	int32_t rc;               /* 0, or -errno: the scan stopped */
	uint64_t procs, fds;      /* looked at */
	uint8_t truncated;        /* a cap was reached */
	uint8_t pad[7];
	char err[PROCSD_TEXT];
};

union procsd_buf {
	struct ipc_hdr h;
	struct procsd_hello hello;
	struct procsd_ask ask;
	struct procsd_go go;
	struct procsd_proc proc;
	struct procsd_done done;
};

/*
 * NULL when buf[0..n) is a whole message that may travel that way
 * (from_helper: helper -> parent) with every field valid, else what is
 * wrong ("proc: exe not NUL-terminated").
 */
const char *procsd_msg_check(const void *buf, size_t n, bool from_helper);
/*
 * One message into buf, checked: its length, 0 when the peer closed,
 * -EAGAIN when nothing waits (flags MSG_DONTWAIT), -EBADMSG (*why says
 * what; descriptors are never accepted).
 */
__must_check ssize_t procsd_msg_recv(int fd, union procsd_buf *buf, bool from_helper,
				     int flags, const char **why);

#endif
