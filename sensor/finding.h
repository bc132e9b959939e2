/* SPDX-License-Identifier: MIT */
#ifndef CORDON_FINDING_H
#define CORDON_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "list.h"

/*
 * GuardDuty-shaped findings (DESIGN.md). One finding per (local IP,
 * remote IP, direction, protocol, service port); the service port is the
 * local port for INBOUND and the remote port for OUTBOUND. count is the
 * number of distinct flows, packets/bytes are totals.
 */

enum finding_dir { FINDING_OUTBOUND, FINDING_INBOUND };

struct finding_key {
	struct cd_addr local, remote;
	uint16_t service_port;
	uint8_t dir;   /* enum finding_dir */
	uint8_t proto; /* IPPROTO_* */
	uint8_t many;  /* 1: service_port is 0 and stands for many ports
			* (findings.h: a key that exploded under a scan) */
};

struct finding {
	struct finding_key key;
	char id[33];                 /* 32 lowercase hex + NUL; "" until
				      * findings_id() makes it */
	uint16_t local_port, remote_port; /* of the first flow */
	uint64_t count, packets, bytes;
	uint64_t first_ns, last_ns;  /* packet timestamps */
	const struct list *list;     /* the threat list that matched; NULL once
				      * the set it came from is replaced */
	char list_name[128];         /* its name, kept for the JSON */
	struct cd_prefix entry;      /* its entry */
	uint32_t line;
	bool explained;              /* list, list_name, entry, line are set
				      * (sensor_explain()) */
	bool blocked;                /* every packet so far came from NFLOG */
	bool answered;               /* the host answered (incident policy) */
	bool established;            /* a TCP handshake completed */
	uint64_t reported_ns;        /* last_ns when last reported (daemon) */
	uint8_t reported_flags;      /* flags when last reported (daemon) */
	uint32_t gen;                /* changes when the memory is reused */
	/* private: the table's (findings.c) */
	struct finding *hnext, *next_all, *prev_all, *lru_prev, *lru_next;
	struct findings_group *group;
	uint32_t hash;
	bool keep;
};

/* Where the JSON gets its context from. */
struct finding_ctx {
	const char *instance_id; /* "i-..." or NULL for "unknown" */
	const char *account_id;  /* NULL: omitted */
	const char *region;      /* NULL: omitted */
};

/* One line of JSON (no newline); caller frees with free(). NULL on ENOMEM. */
char *finding_to_json(const struct finding *f, const struct finding_ctx *ctx);
const char *finding_proto_name(uint8_t proto);

#endif
