/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "flow.h"

/*
 * Chained hash table sized to a power of two >= 2 * max, plus an LRU list
 * (most recent at the head). The hash is seeded at random per table so a
 * sender choosing ports cannot aim every flow at one bucket.
 */
struct flow_table {
	struct flow **buckets;
	size_t nbuckets; /* power of two */
	size_t active, max;
	struct flow *lru_head, *lru_tail;
	struct flow *free_list;
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

struct flow_table *flow_table_new(size_t max_flows)
{
	struct flow_table *t = calloc(1, sizeof(*t));
	size_t n = 64;

	if (!t)
		return NULL;
	if (max_flows < 16)
		max_flows = 16;
	while (n < max_flows * 2)
		n <<= 1;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->nbuckets = n;
	t->max = max_flows;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ull;
	return t;
}

static void lru_unlink(struct flow_table *t, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		t->lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_push_head(struct flow_table *t, struct flow *f)
{
	f->lru_prev = NULL;
	f->lru_next = t->lru_head;
	if (t->lru_head)
		t->lru_head->lru_prev = f;
	t->lru_head = f;
	if (!t->lru_tail)
		t->lru_tail = f;
}

static void bucket_unlink(struct flow_table *t, struct flow *f)
{
	struct flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
}

static void flow_release(struct flow_table *t, struct flow *f)
{
	if (t->evict_cb)
		t->evict_cb(f, t->evict_arg);
	bucket_unlink(t, f);
	lru_unlink(t, f);
	t->active--;
	f->hnext = t->free_list;
	t->free_list = f;
}

void flow_table_clear(struct flow_table *t)
{
	while (t->lru_tail)
		flow_release(t, t->lru_tail);
}

void flow_table_free(struct flow_table *t)
{
	struct flow *f;

	if (!t)
		return;
	flow_table_clear(t);
	while ((f = t->free_list)) {
		t->free_list = f->hnext;
		free(f);
	}
	free(t->buckets);
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
	st->active = t->active;
	st->max = t->max;
}

static bool side_eq(const struct cd_addr *a, uint16_t pa, const struct cd_addr *b,
		    uint16_t pb)
{
	return pa == pb && addr_eq(a, b);
}

static struct flow *flow_alloc(struct flow_table *t)
{
	struct flow *f = t->free_list;

	if (f) {
		t->free_list = f->hnext;
		return f;
	}
	if (t->active >= t->max && t->lru_tail) {
		t->evicted++;
		flow_release(t, t->lru_tail);
		f = t->free_list;
		t->free_list = f->hnext;
		return f;
	}
	return malloc(sizeof(*f));
}

static void flow_account(struct flow *f, const struct pkt_info *p,
			 uint64_t ts_ns, bool from_init)
{
	uint8_t fl = p->tcp_flags;

	f->packets++;
	f->bytes += p->ip_len;
	if (ts_ns > f->last_ns)
		f->last_ns = ts_ns;
	if (!from_init)
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
}

struct flow *flow_track(struct flow_table *t, const struct pkt_info *p,
			uint64_t ts_ns, bool *created, bool *from_init)
{
	uint16_t sp = p->has_ports ? p->sport : 0;
	uint16_t dp = p->has_ports ? p->dport : 0;
	uint32_t h = flow_hash(t, &p->src, sp, &p->dst, dp, p->proto);
	struct flow *f;

	for (f = t->buckets[h & (t->nbuckets - 1)]; f; f = f->hnext) {
		if (f->hash != h || f->key.proto != p->proto)
			continue;
		if (side_eq(&f->key.addr[0], f->key.port[0], &p->src, sp) &&
		    side_eq(&f->key.addr[1], f->key.port[1], &p->dst, dp))
			*from_init = true;
		else if (side_eq(&f->key.addr[1], f->key.port[1], &p->src, sp) &&
			 side_eq(&f->key.addr[0], f->key.port[0], &p->dst, dp))
			*from_init = false;
		else
			continue;
		*created = false;
		if (f != t->lru_head) {
			lru_unlink(t, f);
			lru_push_head(t, f);
		}
		flow_account(f, p, ts_ns, *from_init);
		return f;
	}

	f = flow_alloc(t);
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->key.addr[0] = p->src;
	f->key.addr[1] = p->dst;
	f->key.port[0] = sp;
	f->key.port[1] = dp;
	f->key.proto = p->proto;
	f->hash = h;
	f->first_ns = f->last_ns = ts_ns;
	if (p->proto == IPPROTO_TCP && p->has_ports) {
		if ((p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN)
			f->flags |= FLOW_SYN;
		else
			f->flags |= FLOW_MIDSTREAM;
	}
	f->hnext = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = f;
	lru_push_head(t, f);
	t->active++;
	t->created++;
	*created = true;
	*from_init = true;
	flow_account(f, p, ts_ns, true);
	return f;
}
