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

#endif
