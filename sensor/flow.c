/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "flow.h"
#include "hidx.h"

/*
 * Records in a slab, found through a compact open-addressing index
 * (hidx.h); eviction is CLOCK over one byte a record (a flow seen again
 * since the hand last passed it gets a second chance): under a scan,
 * where every packet is a new flow, nothing but the victim is touched.
 * The hash is seeded at random per table so a sender choosing ports
 * cannot aim every flow at one probe run.
 */
enum { M_LIVE = 1, M_REF = 2 };
enum { PROBE_WAYS = 4, PROBE_VALID = 1, PROBE_SYN = 2, PROBE_FLAGS = 3 };

struct flow_table {
	struct hidx idx;
	struct hidx_slab recs;
	uint8_t *meta; /* M_*, per record (hidx_zalloc(), max of them) */
	size_t active, max;
	uint32_t hand;
	uint32_t free_rec; /* record + 1 */
	struct flow_probe *probes; /* PROBE_WAYS a line, most recent first */
	uint32_t pmask;            /* lines - 1 */
	size_t probes_len;         /* bytes (hidx_zalloc()) */
	size_t nprobes;
	uint64_t seed;
	uint64_t created, evicted;
	void (*evict_cb)(struct flow *f, void *arg);
	void *evict_arg;
};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* One side (address, port): two 64-bit words folded, one mix. */
static inline uint64_t side_hash(uint64_t seed, const struct cd_addr *a, uint16_t port)
{
	uint64_t x, y;

	memcpy(&x, a->u.b, 8);
	memcpy(&y, a->u.b + 8, 8);
	return mix64((x ^ seed) * 0x9e3779b97f4a7c15ull + (y ^ ((uint64_t)port << 48)));
}

/* Symmetric: both directions of a flow hash alike. */
static uint32_t flow_hash(const struct flow_table *t, const struct cd_addr *a,
			  uint16_t pa, const struct cd_addr *b, uint16_t pb,
			  uint8_t proto)
{
	uint64_t h = side_hash(t->seed, a, pa) + side_hash(t->seed, b, pb);

	return (uint32_t)((h ^ (h >> 32)) * 0x9e3779b1u) ^ proto;
}

/* Directional: the prober's side first. */
static uint64_t probe_hash(const struct flow_table *t, const struct cd_addr *a,
			   uint16_t pa, const struct cd_addr *b, uint16_t pb,
			   uint8_t proto)
{
	return mix64(side_hash(t->seed, a, pa) * 3 +
		     side_hash(t->seed ^ 0x5bd1e9955bd1e995ull, b, pb) + proto);
}

static inline struct flow_probe *probe_line(const struct flow_table *t, uint64_t h)
{
	return &t->probes[(size_t)((h >> 32) & t->pmask) * PROBE_WAYS];
}

struct flow_table *flow_table_new(size_t max_flows)
{
	struct flow_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (max_flows < 16)
		max_flows = 16;
	t->max = max_flows;
	/* As many probes as flows, one cache line per PROBE_WAYS. */
	while ((size_t)(t->pmask + 1) * PROBE_WAYS < max_flows && t->pmask < (1u << 28))
		t->pmask = 2 * t->pmask + 1;
	t->probes_len = ((size_t)t->pmask + 1) * PROBE_WAYS * sizeof(*t->probes);
	if (hidx_init(&t->idx, max_flows) || hidx_slab_init(&t->recs, sizeof(struct flow), max_flows) ||
	    !(t->meta = hidx_zalloc(max_flows)) || !(t->probes = hidx_zalloc(t->probes_len))) {
		flow_table_free(t);
		return NULL;
	}
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ull;
	return t;
}

static inline struct flow *rec_at(const struct flow_table *t, uint32_t r)
{
	return hidx_slab_at(&t->recs, r);
}

static void flow_release(struct flow_table *t, struct flow *f)
{
	if (t->evict_cb)
		t->evict_cb(f, t->evict_arg);
	hidx_remove(&t->idx, f->hash, f->rec);
	t->meta[f->rec] = 0;
	t->active--;
	f->next_free = t->free_rec;
	t->free_rec = f->rec + 1;
}

void flow_table_clear(struct flow_table *t)
{
	for (uint32_t r = 0; r < t->recs.used; r++)
		if (t->meta[r] & M_LIVE)
			flow_release(t, rec_at(t, r));
	/* None held: every line is zeroes already (and maybe never touched). */
	if (t->nprobes)
		memset(t->probes, 0, t->probes_len);
	t->nprobes = 0;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	if (t->meta && t->probes)
		flow_table_clear(t);
	hidx_free(&t->idx);
	hidx_slab_free(&t->recs);
	hidx_zfree(t->meta, t->max);
	hidx_zfree(t->probes, t->probes_len);
	free(t);
}

void flow_table_set_evict_cb(struct flow_table *t,
			     void (*cb)(struct flow *f, void *arg), void *arg)
{
	t->evict_cb = cb;
	t->evict_arg = arg;
}

void flow_table_stats(const struct flow_table *t, struct flow_stats *st)
{
	st->created = t->created;
	st->evicted = t->evicted;
	st->active = t->active + t->nprobes;
	st->max = t->max;
}

static bool side_eq(const struct cd_addr *a, uint16_t pa, const struct cd_addr *b,
		    uint16_t pb)
{
	return pa == pb && addr_eq(a, b);
}

/* CLOCK: the next flow not seen since the hand last passed. */
static struct flow *clock_victim(struct flow_table *t)
{
	for (;;) {
		uint32_t i = t->hand;
		uint8_t m = t->meta[i];

		t->hand = i + 1 >= t->recs.used ? 0 : i + 1;
		if (!(m & M_LIVE))
			continue;
		if (m & M_REF) {
			t->meta[i] = m & (uint8_t)~M_REF;
			continue;
		}
		return rec_at(t, i);
	}
}

static struct flow *flow_alloc(struct flow_table *t)
{
	struct flow *f;
	uint32_t r;

	if (t->free_rec) {
		f = rec_at(t, t->free_rec - 1);
		t->free_rec = f->next_free;
		return f;
	}
	if (t->active >= t->max) {
		t->evicted++;
		flow_release(t, clock_victim(t));
		f = rec_at(t, t->free_rec - 1);
		t->free_rec = f->next_free;
		return f;
	}
	f = hidx_slab_new(&t->recs, &r);
	if (f)
		f->rec = r;
	return f;
}

static void flow_account(struct flow *f, const struct pkt_info *p,
			 uint64_t ts_ns, bool from_init)
{
	uint8_t fl = p->tcp_flags;

	f->packets++;
	f->bytes += p->ip_len;
	if (ts_ns > f->last_ns)
		f->last_ns = ts_ns;
	/* A responder's RST refuses: it answers nothing (sensor.md). */
	if (!from_init && !(p->proto == IPPROTO_TCP && (fl & PKT_TCP_RST)))
		f->flags |= FLOW_REPLIED;
	if (p->proto != IPPROTO_TCP || !p->has_ports)
		return;
	if (!from_init && (fl & (PKT_TCP_SYN | PKT_TCP_ACK)) ==
				  (PKT_TCP_SYN | PKT_TCP_ACK) &&
	    (f->flags & FLOW_SYN))
		f->flags |= FLOW_SYNACK;
	else if (from_init && (f->flags & FLOW_SYNACK) &&
		 (fl & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_ACK)
		f->flags |= FLOW_ESTAB;
	/*
	 * Seen mid-stream: a responder that goes on (not a RST, not a SYN)
	 * holds the connection, so its handshake completed before we saw it.
	 */
	else if (!from_init && (f->flags & FLOW_MIDSTREAM) &&
		 (fl & (PKT_TCP_SYN | PKT_TCP_RST | PKT_TCP_ACK)) == PKT_TCP_ACK)
		f->flags |= FLOW_ESTAB;
}

void flow_hashes(const struct flow_table *t, const struct pkt_info *p,
		 struct flow_hashes *h)
{
	uint16_t sp = p->has_ports ? p->sport : 0;
	uint16_t dp = p->has_ports ? p->dport : 0;

	h->flow = flow_hash(t, &p->src, sp, &p->dst, dp, p->proto);
	h->probe = probe_hash(t, &p->src, sp, &p->dst, dp, p->proto);
}

void flow_prefetch(const struct flow_table *t, const struct flow_hashes *h)
{
	hidx_prefetch(&t->idx, h->flow);
	__builtin_prefetch(probe_line(t, h->probe));
}

/* The record the home slot of hash names when its hash matches, or NULL. */
static const struct flow *home_rec(const struct flow_table *t, uint32_t hash)
{
	const struct hidx_slot *s = &t->idx.s[hidx_home(&t->idx, hash)];

	return s->ref && s->hash == hash ? rec_at(t, s->ref - 1) : NULL;
}

void flow_prefetch_rec(const struct flow_table *t, uint32_t hash)
{
	const char *f = (const char *)home_rec(t, hash);

	/* The key, then the counters and flags the packet updates. */
	if (f) {
		__builtin_prefetch(f);
		__builtin_prefetch(f + 64);
	}
}

uint32_t flow_finding_hint(const struct flow_table *t, uint32_t hash)
{
	const struct flow *f = home_rec(t, hash);

	return f ? f->finding_ref : 0;
}

static struct flow *lookup(struct flow_table *t, const struct pkt_info *p,
			   uint16_t sp, uint16_t dp, uint32_t h, uint64_t ts_ns,
			   bool account, bool *from_init)
{
	const struct hidx *x = &t->idx;
	struct flow *f;

	for (uint32_t i = hidx_home(x, h); x->s[i].ref; i = hidx_step(x, i)) {
		if (x->s[i].hash != h)
			continue;
		f = rec_at(t, x->s[i].ref - 1);
		if (f->key.proto != p->proto)
			continue;
		if (side_eq(&f->key.addr[0], f->key.port[0], &p->src, sp) &&
		    side_eq(&f->key.addr[1], f->key.port[1], &p->dst, dp))
			*from_init = true;
		else if (side_eq(&f->key.addr[1], f->key.port[1], &p->src, sp) &&
			 side_eq(&f->key.addr[0], f->key.port[0], &p->dst, dp))
			*from_init = false;
		else
			continue;
		if (!account)
			return f;
		t->meta[f->rec] |= M_REF;
		flow_account(f, p, ts_ns, *from_init);
		return f;
	}
	return NULL;
}

struct flow *flow_find(struct flow_table *t, const struct pkt_info *p,
		       const struct flow_hashes *h, uint64_t ts_ns, bool *from_init)
{
	uint16_t sp = p->has_ports ? p->sport : 0;
	uint16_t dp = p->has_ports ? p->dport : 0;

	return lookup(t, p, sp, dp, h->flow, ts_ns, true, from_init);
}

struct flow *flow_peek(struct flow_table *t, const struct pkt_info *p)
{
	uint16_t sp = p->has_ports ? p->sport : 0;
	uint16_t dp = p->has_ports ? p->dport : 0;
	bool from_init;

	return lookup(t, p, sp, dp, flow_hash(t, &p->src, sp, &p->dst, dp, p->proto),
		      0, false, &from_init);
}

static bool probe_match(uint64_t tag, uint64_t h)
{
	return tag && (tag & ~(uint64_t)PROBE_FLAGS) == (h & ~(uint64_t)PROBE_FLAGS);
}

struct flow_probe *flow_probe(struct flow_table *t, const struct pkt_info *p,
			      const struct flow_hashes *hs, bool *created)
{
	uint64_t h = hs->probe;
	struct flow_probe *l = probe_line(t, h), hit;
	int i;

	for (i = 0; i < PROBE_WAYS; i++)
		if (probe_match(l[i].tag, h))
			break;
	if (i < PROBE_WAYS) {
		/* Most recent first, within its one cache line. */
		hit = l[i];
		memmove(&l[1], &l[0], (size_t)i * sizeof(*l));
		l[0] = hit;
		*created = false;
		return l;
	}
	if (l[PROBE_WAYS - 1].tag)
		t->evicted++;
	else
		t->nprobes++;
	memmove(&l[1], &l[0], (PROBE_WAYS - 1) * sizeof(*l));
	memset(l, 0, sizeof(*l));
	l->tag = (h & ~(uint64_t)PROBE_FLAGS) | PROBE_VALID;
	if (p->proto == IPPROTO_TCP && p->has_ports &&
	    (p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN)
		l->tag |= PROBE_SYN;
	t->created++;
	*created = true;
	return l;
}

/* The probe this packet answers, taken out of its line: false if none. */
static bool probe_take(struct flow_table *t, const struct pkt_info *p, uint16_t sp,
		       uint16_t dp, struct flow_probe *out)
{
	uint64_t h = probe_hash(t, &p->dst, dp, &p->src, sp, p->proto);
	struct flow_probe *l = probe_line(t, h);

	for (int i = 0; i < PROBE_WAYS; i++)
		if (probe_match(l[i].tag, h)) {
			*out = l[i];
			memmove(&l[i], &l[i + 1], (size_t)(PROBE_WAYS - 1 - i) * sizeof(*l));
			memset(&l[PROBE_WAYS - 1], 0, sizeof(*l));
			t->nprobes--;
			return true;
		}
	return false;
}

struct flow *flow_track(struct flow_table *t, const struct pkt_info *p,
			uint64_t ts_ns, bool *created, bool *from_init)
{
	uint16_t sp = p->has_ports ? p->sport : 0;
	uint16_t dp = p->has_ports ? p->dport : 0;
	uint32_t h = flow_hash(t, &p->src, sp, &p->dst, dp, p->proto), rec;
	struct flow_probe pr;
	bool answer, reply, resp;
	struct flow *f;

	f = lookup(t, p, sp, dp, h, ts_ns, true, from_init);
	if (f) {
		*created = false;
		return f;
	}
	answer = t->nprobes && probe_take(t, p, sp, dp, &pr);
	/*
	 * A SYN-ACK answers a SYN, an echo reply a request, whether or not
	 * its probe is still here (a flood can push a probe out of its line
	 * within a round trip): its sender is the responder, not an initiator.
	 */
	reply = !answer && ((p->proto == IPPROTO_TCP && p->has_ports &&
			      (p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) ==
				      (PKT_TCP_SYN | PKT_TCP_ACK)) ||
			     pkt_icmp_reply(p));
	f = flow_alloc(t);
	if (!f)
		return NULL;
	rec = f->rec;
	if (hidx_insert(&t->idx, h, rec)) {
		f->next_free = t->free_rec;
		t->free_rec = rec + 1;
		return NULL;
	}
	memset(f, 0, sizeof(*f));
	f->rec = rec;
	resp = answer || reply; /* the sender is side 1 */
	f->key.addr[resp] = p->src;
	f->key.addr[!resp] = p->dst;
	f->key.port[resp] = sp;
	f->key.port[!resp] = dp;
	f->key.proto = p->proto;
	f->hash = h;
	f->first_ns = f->last_ns = ts_ns;
	if (p->proto == IPPROTO_TCP && p->has_ports) {
		bool syn = answer ? (pr.tag & PROBE_SYN) != 0 :
			   reply || (p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;

		f->flags |= syn ? FLOW_SYN : FLOW_MIDSTREAM;
	}
	if (answer) {
		f->flags |= FLOW_PROMOTED;
		f->finding_ref = pr.finding_ref;
		f->finding_gen = pr.finding_gen;
	} else {
		t->created++; /* a promoted probe was counted as made */
		if (reply)
			f->flags |= FLOW_ANSWER_FIRST;
	}
	t->meta[rec] = M_LIVE;
	t->active++;
	*created = true;
	*from_init = !resp;
	flow_account(f, p, ts_ns, !resp);
	return f;
}
