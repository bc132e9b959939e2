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
};

struct finding {
	struct finding_key key;
	char id[33];                 /* 32 lowercase hex + NUL */
	uint16_t local_port, remote_port; /* of the first flow */
	uint64_t count, packets, bytes;
	uint64_t first_ns, last_ns;  /* packet timestamps */
	const struct list *list;     /* the threat list that matched; NULL once
				      * the set it came from is replaced */
	char list_name[128];         /* its name, kept for the JSON */
	struct cd_prefix entry;      /* its entry */
	uint32_t line;
	bool blocked;                /* every packet so far came from NFLOG */
	bool answered;               /* the host answered (incident policy) */
	bool established;            /* a TCP handshake completed */
	uint64_t reported_ns;        /* last_ns when last reported (sensor) */
	uint8_t reported_flags;      /* flags when last reported (sensor) */
	bool report_new;             /* its first report is owed (parent busy) */
	bool report_next;            /* report its next packet at once (re-armed) */
	/* private */
	struct finding *hnext, *next_all;
	uint32_t hash;
};

struct findings;

struct findings *findings_new(size_t max);
void findings_free(struct findings *fs);

/*
 * Find or create the finding for key; *created says which. Returns NULL
 * when the table is full (max) or memory runs out; the caller counts that.
 */
struct finding *findings_get(struct findings *fs, const struct finding_key *k,
			     uint64_t first_ns, bool *created);
size_t findings_count(const struct findings *fs);
/* Iterate in creation order. */
struct finding *findings_first(const struct findings *fs);
struct finding *findings_next(const struct finding *f);

/*
 * A finding as one fixed, self-contained struct (no pointers): what the
 * sensor sends the parent (sensor/sensord.h) and what the JSON is made
 * from. Strings are NUL-terminated within their arrays.
 */
struct finding_rec {
	char id[33];
	uint8_t dir, proto;          /* enum finding_dir, IPPROTO_* */
	uint8_t blocked, answered, established; /* 0 or 1 */
	struct cd_addr local, remote;
	uint16_t local_port, remote_port, service_port;
	uint32_t line;
	uint64_t count, packets, bytes, first_ns, last_ns;
	char list_name[128];
	struct cd_prefix entry;
};

void finding_rec_of(const struct finding *f, struct finding_rec *out);
/*
 * What a receiver checks before it uses a record from another process:
 * terminated strings, an id of 32 lowercase hex digits, known direction,
 * address families, ports and prefix length in range. 0 or -EINVAL.
 */
__must_check int finding_rec_check(const struct finding_rec *r, char *err, size_t errlen);

/* Where the JSON gets its context from. */
struct finding_ctx {
	const char *instance_id; /* "i-..." or NULL for "unknown" */
	const char *account_id;  /* NULL: omitted */
	const char *region;      /* NULL: omitted */
};

/*
 * The finding as one line of JSON (DESIGN.md; no newline): the one
 * serialiser. The agent makes it once per finding update and passes the
 * same text to the findings file, the journal, SNS, EventBridge, Security
 * Hub and the evidence. Caller frees with free(). NULL on ENOMEM.
 */
char *finding_json(const struct finding_rec *r, const struct finding_ctx *ctx);
/* finding_json() of a table entry (cordon replay). */
char *finding_to_json(const struct finding *f, const struct finding_ctx *ctx);

struct gd_finding;
/*
 * A GuardDuty finding that opened an incident, in the same shape (the
 * fields the messages read), for the journal and the messages. instance
 * NULL or "": the finding's own. Caller frees; NULL on ENOMEM.
 */
char *finding_gd_json(const struct gd_finding *g, const char *instance);
const char *finding_proto_name(uint8_t proto);

#endif
