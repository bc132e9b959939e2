/* SPDX-License-Identifier: MIT */
#ifndef CORDON_SENSOR_H
#define CORDON_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"
#include "findings.h"
#include "flow.h"
#include "pkt.h"
#include "tset.h"

/*
 * The per-packet pipeline: parse, look both addresses up in the threat
 * set, and for a packet that touches a listed address (and no trusted
 * one) track its flow and fold it into a finding. Single-threaded; the
 * live sensor and `cordon replay` drive the same code.
 */

/*
 * New unanswered inbound contacts do not push out ones updated within
 * this (findings.h): a flood of listed sources is counted, not churned.
 */
#define SENSOR_NOISE_HOLD_NS (60ull * 1000000000ull)

struct sensor_opts {
	size_t max_flows;    /* bounded flow table (default 65536) */
	size_t max_findings; /* bounded findings table (default 65536) */
	uint64_t noise_hold_ns; /* findings_set_hold() (default 60 s) */
};

struct sensor_stats {
	uint64_t packets;     /* handed to sensor_packet() */
	uint64_t ip;          /* parsed as IPv4/IPv6 */
	uint64_t skipped;     /* not IP */
	uint64_t truncated;
	uint64_t malformed;
	uint64_t matched;     /* touched a threat address, no trusted one */
	uint64_t trusted;     /* touched a trusted address (never a finding) */
	uint64_t lost;        /* matched but no room for flow or finding */
	uint64_t evicted;     /* findings evicted to make room (findings.h) */
	uint64_t held;        /* new noise held out (findings.h, the hold) */
	uint64_t reassembled; /* later fragments given their first's ports */
};

/* What one matched packet did, for the daemon's incident policy. */
struct sensor_event {
	struct finding *finding;
	struct flow *flow;   /* NULL for a probe (flow.h): nothing answered yet */
	bool new_finding;
	bool new_flow;       /* a new flow or probe */
};

struct sensor;

void sensor_opts_default(struct sensor_opts *o);
struct sensor *sensor_new(const struct sensor_opts *o);
void sensor_free(struct sensor *s);
/*
 * Use this threat set from now on (NULL: match nothing). The sensor does
 * not own it. Flows are forgotten because their cached verdicts may have
 * changed; findings stay.
 */
void sensor_set_tset(struct sensor *s, const struct tset *t);
/* Returns true when the packet matched (ev filled, may be NULL). */
bool sensor_packet(struct sensor *s, int dlt, const uint8_t *buf,
		   size_t caplen, uint64_t ts_ns, struct sensor_event *ev);
/*
 * The same for many frames at once, as replay has them: addresses of a
 * group are looked up together so the set's cache misses overlap.
 * Returns how many matched.
 */
struct sensor_frame {
	const uint8_t *buf;
	uint32_t caplen;
	uint64_t ts_ns;
};
#define SENSOR_BATCH 32
size_t sensor_batch(struct sensor *s, int dlt, const struct sensor_frame *fr,
		    size_t n);
/*
 * Before the set exists (replay builds it on another core), or on another
 * thread: parse frames and keep what the lookups need: 9 bytes a frame,
 * and the two IPv6 addresses appended to pre6 (room for n more at *n6,
 * pre[i].src is the index). It only writes its arguments: the parse
 * counters go to *st, which sensor_count_pre() adds to the sensor's
 * (once, on the sensor's thread). Once the set is there,
 * sensor_pre_lookup() turns each kind into a verdict (it only reads the
 * set and what was kept, and writes the caller's vcache: any thread, any
 * order), and sensor_pre_finish(),
 * called in frame order with the same frames, finishes those that hit
 * exactly as sensor_batch() would have: same verdicts, same findings,
 * same order. sensor_batch_pre() is the two in turn.
 */
enum { SENSOR_PRE_DONE, SENSOR_PRE_V4, SENSOR_PRE_OTHER };
#define SENSOR_PRE_HIT 0x10 /* after the lookup: | source verdict << 2 | destination's */
struct sensor_pre {
	uint32_t src, dst; /* IPv4, network order (SENSOR_PRE_V4); src: pre6 index (OTHER) */
};
struct sensor_pre6 {
	uint8_t src[16], dst[16];
};
void sensor_prescan(struct sensor_stats *st, int dlt, const struct sensor_frame *fr,
		    size_t n, struct sensor_pre *pre, uint8_t *kind,
		    struct sensor_pre6 *pre6, size_t *n6);
void sensor_count_pre(struct sensor *s, const struct sensor_stats *st);
/*
 * Each thread that calls sensor_pre_lookup() keeps one of these, zeroed
 * before its first call with a set: the verdicts of recent addresses (a
 * flow's packets repeat theirs), so most lookups never reach the set.
 */
#define SENSOR_VC4_BITS 12
#define SENSOR_VC6_BITS 10
struct sensor_vc6 {
	uint64_t hi, lo; /* the address as stored, bytes in memory order */
	uint8_t v;       /* verdict + 1; 0: empty */
};
struct sensor_vcache {
	uint64_t e4[1u << SENSOR_VC4_BITS]; /* address << 8 | verdict + 1; 0: empty */
	struct sensor_vc6 e6[1u << SENSOR_VC6_BITS];
};
void sensor_pre_lookup(const struct tset *t, struct sensor_vcache *vc,
		       const struct sensor_pre *pre,
		       const struct sensor_pre6 *pre6, uint8_t *kind, size_t n);
size_t sensor_pre_finish(struct sensor *s, int dlt,
			 const struct sensor_frame *fr, const uint8_t *kind,
			 size_t n);
size_t sensor_batch_pre(struct sensor *s, int dlt,
			const struct sensor_frame *fr, const struct sensor_pre *pre,
			const struct sensor_pre6 *pre6, uint8_t *kind, size_t n);
/*
 * Fill f's list, list_name, entry and line from the set in use, once
 * (done lazily: under a scan most findings are evicted unseen). Call
 * before reading them; sensor_set_tset() fills every pending one first.
 */
void sensor_explain(struct sensor *s, struct finding *f);
/* Ask for what sensor_explain(s, f) will read: tset_explain_prefetch(). */
void sensor_explain_prefetch(const struct sensor *s, const struct finding *f, int stage);
/* The counters (evicted and held read from the findings table now). */
const struct sensor_stats *sensor_get_stats(struct sensor *s);
struct findings *sensor_findings(struct sensor *s);
struct flow_table *sensor_flows(struct sensor *s);

#endif
