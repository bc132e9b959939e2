/* SPDX-License-Identifier: MIT */
#ifndef CORDON_FLOW_H
#define CORDON_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "pkt.h"

/*
 * Flow tracking for traffic that touches a listed address. Clean traffic
 * costs two set lookups and no state; only matched packets reach this
 * table. The table is bounded: when full, a flow not seen since the CLOCK
 * hand last passed it is evicted (its finding keeps the totals). See
 * docs/internals/sensor.md.
 */

/* A flow is one 5-tuple, both directions. Side 0 is the initiator. */
struct flow_key {
	struct cd_addr addr[2];
	uint16_t port[2];
	uint8_t proto;
};

enum flow_flags {
	FLOW_SYN = 1 << 0,      /* initiator sent SYN without ACK */
	FLOW_SYNACK = 1 << 1,   /* responder answered the SYN */
	FLOW_ESTAB = 1 << 2,    /* initiator ACKed the SYN-ACK: handshake done
				 * (seen mid-stream: the responder went on) */
	FLOW_REPLIED = 1 << 3,  /* responder sent anything but a RST */
	FLOW_MIDSTREAM = 1 << 4, /* TCP flow first seen without its SYN */
	FLOW_PROMOTED = 1 << 5,  /* made from a probe (below) when the host
				  * answered: side 0, the prober, is remote */
	FLOW_ANSWER_FIRST = 1 << 6 /* first seen: the responder's SYN-ACK or
				    * ICMP reply (its request's probe or flow
				    * was dropped): side 0 is that packet's
				    * destination */
};

struct flow {
	struct flow_key key;       /* addr[0]/port[0]: initiator */
	uint64_t first_ns, last_ns;
	uint64_t packets, bytes;
	uint32_t flags;            /* enum flow_flags */
	uint8_t remote_side;       /* which side is the listed address */
	uint32_t finding_ref;      /* its finding (findings_at()), 0: none; */
	uint32_t finding_gen;      /* stale unless its gen is still this */
	/* private */
	uint32_t hash, rec, next_free;
};

/*
 * A probe: an inbound packet's 5-tuple from a listed source that no flow
 * knows and the host has not answered (under a scan, nearly every
 * packet). It needs no flow: the finding records it. A probe is 16 bytes
 * in a set-associative table of 4 to a cache line, sized like the flow
 * table; it tells a retransmission from a new flow (the finding's count)
 * and, when the host answers, flow_track() makes it a flow with the
 * prober as initiator. A full line drops its least recently seen probe
 * (counted as evicted).
 */
struct flow_probe {
	uint64_t tag;         /* 5-tuple hash | flags; 0: empty (private) */
	uint32_t finding_ref; /* as in struct flow */
	uint32_t finding_gen;
};

struct flow_table;

struct flow_stats {
	uint64_t created, evicted; /* flows and probes */
	size_t active, max;        /* flows and probes held; each bound */
};

struct flow_table *flow_table_new(size_t max_flows);
void flow_table_free(struct flow_table *t);

/*
 * Find the flow of this packet, or create it with the packet's sender as
 * initiator (DESIGN.md's direction rule: a SYN without ACK names the
 * initiator; otherwise the first captured packet's sender), unless the
 * packet answers a probe: then the flow is made from the probe, the
 * prober as initiator, FLOW_PROMOTED set, the probe's finding kept, and
 * *created is true too. *from_init is true when the packet goes
 * initiator -> responder. Returns NULL only when memory runs out. The
 * flow's packet/byte/flag accounting is done here.
 */
struct flow *flow_track(struct flow_table *t, const struct pkt_info *p,
			uint64_t ts_ns, bool *created, bool *from_init);
/*
 * p's flow and probe hashes, made once for the prefetch and the lookups
 * below (a batch hashes its packets before it looks any up).
 */
struct flow_hashes {
	uint64_t probe;
	uint32_t flow;
};
void flow_hashes(const struct flow_table *t, const struct pkt_info *p,
		 struct flow_hashes *h);
/*
 * The flow of this packet (h: its flow_hashes()) if there is one
 * (accounted as flow_track() does), else NULL.
 */
struct flow *flow_find(struct flow_table *t, const struct pkt_info *p,
		       const struct flow_hashes *h, uint64_t ts_ns, bool *from_init);
/*
 * The flow of this 5-tuple (either direction) if there is one, nothing
 * accounted, else NULL: for a packet counted against a flow it is not
 * part of (an ICMP error quoting it, a RST refusing it).
 */
struct flow *flow_peek(struct flow_table *t, const struct pkt_info *p);
/*
 * The probe of this packet (h: its flow_hashes()), its sender the
 * prober: found, or made (*created). Call only when flow_find() found no
 * flow. Never NULL.
 */
struct flow_probe *flow_probe(struct flow_table *t, const struct pkt_info *p,
			      const struct flow_hashes *h, bool *created);
/*
 * Ask for the cache lines flow_find/flow_track(p) and flow_probe(p) will
 * read first, by p's hashes (a batch prefetches all of its packets
 * before it looks any up).
 */
void flow_prefetch(const struct flow_table *t, const struct flow_hashes *h);
/*
 * A little later (the index line being there by then): ask for the
 * record the index names first for this flow hash.
 */
void flow_prefetch_rec(const struct flow_table *t, uint32_t hash);
/* That record's finding_ref (0: none), later still: a hint to prefetch by. */
uint32_t flow_finding_hint(const struct flow_table *t, uint32_t hash);
/* Called for a flow about to be evicted (finding bookkeeping). */
void flow_table_set_evict_cb(struct flow_table *t,
			     void (*cb)(struct flow *f, void *arg), void *arg);
void flow_table_stats(const struct flow_table *t, struct flow_stats *st);
/* Remove every flow and probe (e.g. when the threat set changes). */
void flow_table_clear(struct flow_table *t);

#endif
