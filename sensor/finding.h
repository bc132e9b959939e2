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

/*
 * Hot fields first (the first two cache lines: what a packet reads and
 * writes); id and the list details after them are made lazily and are
 * valid only once has_id / explained say so (a reused record keeps the
 * old bytes there).
 */
struct finding {
	struct finding_key key;
	uint16_t local_port, remote_port; /* of the first flow */
	uint32_t gen;                /* changes when the memory is reused */
	uint64_t count, packets, bytes;
	uint64_t first_ns, last_ns;  /* packet timestamps */
	uint64_t reported_ns;        /* last_ns when last reported (sensor) */
	bool blocked;                /* every packet so far came from NFLOG */
	bool answered;               /* the host answered (incident policy) */
	bool established;            /* a TCP handshake completed */
	bool explained;              /* list, list_name, entry, line are set
				      * (sensor_explain()) */
	bool has_id;                 /* id is made (findings_id()) */
	uint8_t reported_flags;      /* flags when last reported (sensor) */
	bool report_new;             /* its first report is owed (parent busy,
				      * or over the noise rate) */
	bool report_next;            /* report its next packet at once (re-armed) */
	/* private: the table's (findings.c) */
	struct findings *owner;
	uint32_t rec, group;
	/* cold */
	char id[33];                 /* 32 lowercase hex + NUL */
	uint32_t line;
	const struct list *list;     /* the threat list that matched; NULL once
				      * the set it came from is replaced */
	struct cd_prefix entry;      /* its entry */
	/*
	 * Its name ("" for none): the list's own while its set is in use,
	 * then the sensor's copy (sensor_set_tset()); a pointer, not the
	 * 128 bytes it was, so that a finding takes four cache lines, not
	 * six (65 536 findings: 16 MB of records, not 25).
	 */
	const char *list_name;
};

/*
 * A finding as one fixed, self-contained struct (no pointers): what the
 * sensor sends the parent (sensor/sensord.h) and what the JSON is made
 * from. Strings are NUL-terminated within their arrays. many: the
 * finding stands for many service ports of one remote (findings.h), its
 * service_port is 0.
 */
struct finding_rec {
	char id[33];
	uint8_t dir, proto;          /* enum finding_dir, IPPROTO_* */
	uint8_t blocked, answered, established, many; /* 0 or 1 */
	struct cd_addr local, remote;
	uint16_t local_port, remote_port, service_port;
	uint32_t line;
	uint64_t count, packets, bytes, first_ns, last_ns;
	char list_name[128];
	struct cd_prefix entry;
};

/*
 * f as a record. Its id and list details are made on first use: call
 * findings_id() and sensor_explain() on f first (an empty id fails
 * finding_rec_check()).
 */
void finding_rec_of(const struct finding *f, struct finding_rec *out);
/*
 * What a receiver checks before it uses a record from another process:
 * terminated strings, an id of 32 lowercase hex digits, known direction,
 * address families, ports and prefix length in range, service port 0
 * for a many-ports finding. 0 or -EINVAL.
 */
__must_check int finding_rec_check(const struct finding_rec *r, char *err, size_t errlen);

/*
 * Whether an INBOUND finding shows the host took part in a way a blind
 * spoofer (who never sees the host's packets) cannot bring about: the
 * incident policy's inbound_answered reads this (docs/internals/sensor.md,
 * "Spoofed contacts"). TCP: a completed handshake (a SYN-ACK alone is
 * the kernel's answer to anyone's SYN). ICMP: never (the kernel answers
 * pings itself). UDP and other protocols: any answer (it cannot be told
 * from an answer to a spoofed packet; public UDP services set
 * inbound_answered off).
 */
bool finding_rec_engaged(const struct finding_rec *r);

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
/* finding_json() of a table entry (cordon replay), made as finding_rec_of() says. */
char *finding_to_json(const struct finding *f, const struct finding_ctx *ctx);
struct buf;
/*
 * The same text appended to b (common/buf.h; no newline), for a writer
 * of many: no allocation once b has grown. 0, -ENOMEM or -EFBIG (b's
 * cap; the room made is the worst case, several KB).
 */
__must_check int finding_json_add(struct buf *b, const struct finding_rec *r,
				  const struct finding_ctx *ctx);
__must_check int finding_to_json_add(struct buf *b, const struct finding *f,
				     const struct finding_ctx *ctx);
/*
 * A number as cJSON 1.7 prints it ("%d" when the int it keeps is exact,
 * else "%1.15g", or "%1.17g" when that does not read back; "null" for
 * NaN and infinities), into out; returns its length.
 */
size_t finding_json_number(double d, char out[32]);

struct gd_finding;
/*
 * A GuardDuty finding that opened an incident, in the same shape (the
 * fields the messages read), for the journal and the messages. instance
 * NULL or "": the finding's own. Caller frees; NULL on ENOMEM.
 */
char *finding_gd_json(const struct gd_finding *g, const char *instance);
const char *finding_proto_name(uint8_t proto);

#endif
