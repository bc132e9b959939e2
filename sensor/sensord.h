/* SPDX-License-Identifier: MIT */
#ifndef CORDON_SENSORD_H
#define CORDON_SENSORD_H

#include <stdint.h>

#include "addr.h"
#include "capture.h"
#include "finding.h"
#include "ipc.h"

/*
 * The sensor process of `cordon run`: it owns the pcap handles the spawner
 * opened for it alone, drops every privilege (no capabilities, seccomp), parses
 * packets, and reports findings to the parent over its socketpair. It
 * never writes anything but that socket and the descriptors it is handed.
 */
enum {
	IPC_S_LISTS = 100,  /* parent -> sensor: load these lists (one fd each) */
	IPC_S_DUMP,         /* parent -> sensor: write the ring to the fd */
	IPC_S_REARM,        /* parent -> sensor: report every finding's next packet */
	IPC_S_HELLO = 200,  /* sensor -> parent: privileges dropped, running */
	IPC_S_LISTS_DONE,
	IPC_S_FINDING,
	IPC_S_STATS,
	IPC_S_DUMP_DONE,
};

#define SENSORD_MAX_LISTS 32
/* Capture handles: the agent's interfaces (8 at most) and NFLOG. */
#define SENSORD_MAX_CAPS 9

/*
 * Both directions of the channel, each type with its validator
 * (sensord_ipc.c): what ipc_recv() is given on either side.
 */
extern const struct ipc_chan sensord_ipc_to_sensor; /* parent -> sensor */
extern const struct ipc_chan sensord_ipc_to_parent; /* sensor -> parent */

struct ipc_s_lists {
	struct ipc_hdr h;
	uint32_t n;
	struct {
		uint8_t kind, fmt;
		char path[512]; /* the file the fd was opened from (for messages) */
		char name[128]; /* threatListName */
	} l[SENSORD_MAX_LISTS];
};

struct ipc_s_lists_done {
	struct ipc_hdr h;
	int32_t rc;
	uint64_t entries;
	char err[256];
};

struct ipc_s_hello {
	struct ipc_hdr h;
	int32_t pid;
	char caps[64];
};

/*
 * A finding, new or changed (flags, or once a second its counters): the
 * one form a finding has between the processes. The parent checks it with
 * finding_rec_check() and makes its JSON once (finding_json()).
 */
struct ipc_s_finding {
	struct ipc_hdr h;
	struct finding_rec f;
	uint8_t is_new;      /* first report of this finding */
	uint64_t trigger_ns; /* capture time of the packet that sent it; 0: a sweep */
};

struct ipc_s_stats {
	struct ipc_hdr h;
	uint64_t received, dropped, if_dropped; /* kernel, all handles */
	uint64_t packets, ip, matched, trusted, skipped, truncated, malformed, lost;
	uint64_t findings, flows;
	uint64_t deferred;   /* finding reports that waited for a busy parent */
	uint64_t findings_evicted; /* to make room (sensor/findings.h) */
	uint64_t findings_held;    /* new noise held out (findings.h) */
	uint64_t findings_unreported; /* new noise findings over the sensor's
				       * report rate (sensord.c) */
};

/* With an fd attached: a new, empty file for the packets of one DLT. */
struct ipc_s_dump {
	struct ipc_hdr h;
	int32_t dlt;
};

struct ipc_s_rearm {
	struct ipc_hdr h;
};

struct ipc_s_dump_done {
	struct ipc_hdr h;
	int32_t dlt;
	int32_t rc;       /* packets written, or -errno */
	char err[200];
};

struct sensord_opts {
	const char *user;     /* drop to this user (name or uid) */
	int max_flows, max_findings;
	uint64_t noise_hold_ms; /* sensor.h: noise_hold_ns */
	bool no_seccomp;      /* tests under sanitizers that need more syscalls */
	uint32_t evidence_seconds; /* pre-trigger ring window (0: no ring) */
	size_t evidence_bytes;     /* ring memory cap */
};

/* Runs in the child after fork(); never returns. */
__attribute__((noreturn)) void sensord_main(int sock, struct cap **caps,
					    size_t ncaps,
					    const struct sensord_opts *o);

#endif
