/* SPDX-License-Identifier: MIT */
#ifndef CORDON_ENFORCE_H
#define CORDON_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "allow.h"
#include "config.h"
#include "util.h"

/*
 * The local enforcer: cordon's own nftables table `inet cordon`, changed
 * only through libnftnl + libmnl batches. See docs/internals/enforcer.md.
 *
 * Every function here is one atomic transaction (or none when nothing
 * changes), needs CAP_NET_ADMIN, and fills err with one line on failure.
 */
struct list;

#define ENFORCE_MAX_SAFE 16
#define ENFORCE_USER_LEN 64
#define ENFORCE_DEFAULT_NFLOG_GROUP 7767
#define ENFORCE_DEFAULT_CT_MARK 0x00c0d000u /* one or more bits of ct mark */


struct enforce_opts {
	const char *state_dir;      /* lockdown state file lives here */
	uint16_t nflog_group;       /* drops are logged to this NFLOG group */
	uint8_t floor_v4, floor_v6; /* refuse threat entries shorter than these */
	/* Responders' allowlist: never blocked; reachable in lockdown. */
	struct allow_entry allow[ALLOW_MAX];
	size_t n_allow;
	/* systemd units whose sockets keep working in lockdown (cgroupv2). */
	char units[ALLOW_MAX_UNITS][ALLOW_UNIT_LEN];
	size_t n_units;
	/* The agent's user: NAME or UID; its own flows survive lockdown. */
	char agent_user[ENFORCE_USER_LEN];
	/* Addresses never blocked besides loopback and the metadata service:
	 * the VPC resolver (.2) and other DNS servers, when known. */
	struct cd_addr safe[ENFORCE_MAX_SAFE];
	size_t n_safe;
	bool resolv_conf;           /* also never block /etc/resolv.conf's servers */
	const char *resolv_path;    /* default /etc/resolv.conf */
	uint32_t ct_mark;           /* ct mark bit(s) that tag the agent's flows */
	/*
	 * Isolate mode: an outbound packet to a listed address locks the
	 * host down in the kernel at once (see nft.h, NFT_TRIP_SET); user
	 * space makes it durable with enforce_lockdown() right after.
	 */
	bool trip;
	const char *cgroup_root;    /* default /sys/fs/cgroup */
};

/* What one call did; filled by enforce_lists(). */
struct enforce_report {
	size_t threat_hosts, threat_nets;   /* elements wanted, after merging */
	size_t trusted_hosts, trusted_nets;
	size_t added, removed;              /* set elements sent */
	size_t messages;                    /* netlink messages in the batch */
	size_t bytes;                       /* bytes in the batch */
	bool sent;                          /* false: the kernel already held it */
	uint64_t elapsed_ns;                /* call to last ack */
};

void enforce_opts_default(struct enforce_opts *o);

/*
 * Bring the kernel's threat/trusted/allow sets to exactly these lists: one
 * transaction, the delta against what the kernel holds; nothing sent when
 * nothing changed. Creates the table/chains if absent and keeps a lockdown
 * recorded in the state directory in force.
 */
__must_check int enforce_lists(struct list *const *lists, size_t nlists,
			       const struct enforce_opts *o,
			       struct enforce_report *rep, char *err,
			       size_t errlen);
/*
 * Forensic lockdown: state file first, then one small transaction. The
 * kernel is locked down whatever the disk says: when the state file
 * cannot be written (full disk and no reserve left), the call still locks
 * the kernel, returns the write's error, and enforce_lockdown_owed() says
 * so until a later enforce_lockdown() (or a release) succeeds.
 */
__must_check int enforce_lockdown(const struct enforce_opts *o,
				  const char *reason, char *err, size_t errlen);
/* This process locked the kernel down but still owes the state file. */
bool enforce_lockdown_owed(void);
/* Lift the lockdown: one transaction, then the state file goes. */
__must_check int enforce_release(const struct enforce_opts *o, char *err,
				 size_t errlen);
/* 1 when the kernel tripped the lockdown by itself, 0 when not, -errno. */
__must_check int enforce_tripped(char *err, size_t errlen);
/*
 * 1 when table inet cordon is there with cordon's skeleton (its input
 * chain's signed first rule), 0 when it is not (deleted, or a ruleset
 * flush: `nft flush ruleset`, nftables.service), -errno.
 */
__must_check int enforce_table_present(char *err, size_t errlen);
/* Remove table inet cordon entirely (absent is fine). */
__must_check int enforce_unload(char *err, size_t errlen);

/* Where the last lockdown/release call spent its time. */
struct enforce_timing {
	uint64_t state_ns;  /* writing the state file (lockdown: before the fsync) */
	uint64_t sync_ns;   /* lockdown: the state file's fsync, after the kernel */
	uint64_t ack_real_ns; /* lockdown: wall clock when the kernel acked */
	uint64_t kernel_ns; /* reading the table, one transaction, its acks */
	size_t messages;    /* netlink messages in that transaction */
};
void enforce_last_timing(struct enforce_timing *t);


#endif
