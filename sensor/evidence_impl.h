/* SPDX-License-Identifier: MIT */
#ifndef CORDON_EVIDENCE_IMPL_H
#define CORDON_EVIDENCE_IMPL_H

#include <netinet/in.h>

#include "evidence.h"

/* One line of /proc/net/{tcp,tcp6,udp,udp6}, parsed (fuzzed on its own). */
struct evidence_sock_line {
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	unsigned lport, rport, state, uid;
	unsigned long long inode;
};

/* 0, or -EINVAL for the column titles or a line that isn't a socket. */
int evidence_sock_parse(const char *line, struct evidence_sock_line *l);

/*
 * /proc/PID/fdinfo/N: its "ino:" and "mnt_id:" lines. 0, -ENOENT when
 * one is missing ("ino:" came with Linux 5.14), -EINVAL when a value is
 * not a number.
 */
int evidence_fdinfo_parse(const char *text, uint64_t *ino, int *mnt_id);
/* /proc/PID/status: the effective uid (second field of "Uid:"). 0 or -EINVAL. */
int evidence_status_uid(const char *text, uint32_t *uid);

#endif
