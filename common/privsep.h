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
 * exactly the capabilities its role needs.
 */
enum privsep_role {
	PRIVSEP_SENSOR,   /* parses packets: no capabilities, seccomp */
	PRIVSEP_AWS,      /* talks to AWS: no capabilities */
	PRIVSEP_ENFORCER, /* changes nftables: CAP_NET_ADMIN only */
};

/*
 * Become user (name or uid; NULL or "" keeps the current one) with only
 * the role's capabilities, no supplementary groups, and no_new_privs.
 * Works when started as root and when started as the user with ambient
 * capabilities (systemd's AmbientCapabilities=).
 */
__must_check int privsep_drop(enum privsep_role role, const char *user,
			      char *err, size_t errlen);
/* Resolve a user name or numeric uid. */
__must_check int privsep_lookup_user(const char *user, uid_t *uid, gid_t *gid,
				     char *err, size_t errlen);
/*
 * The sensor's seccomp filter: what reading a pcap ring, parsing, reading
 * list files and writing to its pipe need, and nothing else (execve,
 * socket, connect, ptrace, ... are refused by killing the process).
 */
__must_check int privsep_seccomp_sensor(char *err, size_t errlen);
/* Which capabilities this process holds now, e.g. "none", "net_admin". */
void privsep_describe(char *buf, size_t len);

#endif
