/* SPDX-License-Identifier: MIT */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

/*
 * Two chained hash tables: findings by key, and groups by the key without
 * its port ((local, remote, direction, protocol): how many per-port
 * findings it holds, and its many-ports finding). Two LRU lists, one per
 * class (noise, kept), most recent at the head, and a list in creation
 * order for output. Evicted findings and groups go to free lists.
 */
struct findings_group {
	struct finding_key key; /* service_port 0, many 0 */
	uint32_t hash, n;       /* n: per-port findings held */
	struct finding *many;
	struct findings_group *hnext;
};

struct lru {
	struct finding *head, *tail;
};

struct findings {
	struct finding **buckets;
	struct findings_group **gbuckets;
	size_t nbuckets, n, max;
	struct finding *head, *tail; /* creation order */
	struct lru lru[2];           /* [0] noise, [1] kept */
	struct finding *free_f;
	struct findings_group *free_g;
	struct findings_stats st;
	void (*evict_cb)(struct finding *f, void *arg);
	void *evict_arg;
};

struct findings *findings_new(size_t max)
{
	struct findings *fs = calloc(1, sizeof(*fs));
	size_t nb = 64;

	if (!fs)
		return NULL;
	/* Twice the findings: short chains, as few cache misses as can be. */
	while (nb < 2 * max && nb < (1u << 21))
		nb <<= 1;
	fs->buckets = calloc(nb, sizeof(*fs->buckets));
	fs->gbuckets = calloc(nb, sizeof(*fs->gbuckets));
	if (!fs->buckets || !fs->gbuckets) {
		findings_free(fs);
		return NULL;
	}
	fs->nbuckets = nb;
	fs->max = max ? max : 1;
	return fs;
}

void findings_free(struct findings *fs)
{
	struct finding *f, *next;
	struct findings_group *g, *gnext;

	if (!fs)
		return;
	for (f = fs->head; f; f = next) {
		next = f->next_all;
		free(f);
	}
	for (f = fs->free_f; f; f = next) {
		next = f->hnext;
		free(f);
	}
	for (size_t i = 0; fs->gbuckets && i < fs->nbuckets; i++)
		for (g = fs->gbuckets[i]; g; g = gnext) {
			gnext = g->hnext;
			free(g);
		}
	for (g = fs->free_g; g; g = gnext) {
		gnext = g->hnext;
		free(g);
	}
	free(fs->buckets);
	free(fs->gbuckets);
	free(fs);
}

void findings_set_evict_cb(struct findings *fs,
			   void (*cb)(struct finding *f, void *arg), void *arg)
{
	fs->evict_cb = cb;
	fs->evict_arg = arg;
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* Four words of addresses and one of the rest, one multiply each. */
static uint32_t key_hash(const struct finding_key *k)
{
	uint64_t w[4], h;

	memcpy(&w[0], k->local.u.b, 8);
	memcpy(&w[1], k->local.u.b + 8, 8);
	memcpy(&w[2], k->remote.u.b, 8);
	memcpy(&w[3], k->remote.u.b + 8, 8);
	h = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^
	    (w[2] * 0x165667b19e3779f9ull) ^ (w[3] * 0x27d4eb2f165667c5ull) ^
	    ((uint64_t)k->service_port << 24 | (uint64_t)k->dir << 16 |
	     (uint64_t)k->proto << 8 | k->many);
	return (uint32_t)mix64(h);
}

static bool key_eq(const struct finding_key *a, const struct finding_key *b)
{
	return a->dir == b->dir && a->proto == b->proto &&
	       a->service_port == b->service_port && a->many == b->many &&
	       addr_eq(&a->local, &b->local) && addr_eq(&a->remote, &b->remote);
}

/*
 * The id names the key and when it was first seen: stable for the same
 * key within a run, different for the same key seen again another day,
 * and reproducible for a replayed capture (golden tests).
 */
const char *findings_id(struct finding *f)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	uint8_t buf[64];
	size_t n = 0;
	static const char hex[] = "0123456789abcdef";

	if (f->id[0])
		return f->id;

	memcpy(buf + n, f->key.local.u.b, 16), n += 16;
	memcpy(buf + n, f->key.remote.u.b, 16), n += 16;
	buf[n++] = f->key.local.af;
	buf[n++] = f->key.dir;
	buf[n++] = f->key.proto;
	buf[n++] = (uint8_t)(f->key.service_port >> 8);
	buf[n++] = (uint8_t)f->key.service_port;
	memcpy(buf + n, &f->first_ns, 8), n += 8;
	if (f->key.many)
		buf[n++] = 'M'; /* never the id of a real port 0 */
	EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 16; i++) {
		f->id[2 * i] = hex[md[i] >> 4];
		f->id[2 * i + 1] = hex[md[i] & 15];
	}
	f->id[32] = '\0';
	return f->id;
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17; /* TCP, UDP */
}

static void lru_unlink(struct lru *l, struct finding *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_push(struct lru *l, struct finding *f)
{
	f->lru_prev = NULL;
	f->lru_next = l->head;
	if (l->head)
		l->head->lru_prev = f;
	l->head = f;
	if (!l->tail)
		l->tail = f;
}

static struct findings_group *group_find(const struct findings *fs,
					 const struct finding_key *gk,
					 uint32_t gh)
{
	struct findings_group *g;

	for (g = fs->gbuckets[gh & (fs->nbuckets - 1)]; g; g = g->hnext)
		if (g->hash == gh && key_eq(&g->key, gk))
			return g;
	return NULL;
}

static void group_key(const struct finding_key *k, struct finding_key *gk)
{
	*gk = *k;
	gk->service_port = 0;
	gk->many = 0;
}

static void group_put(struct findings *fs, struct findings_group *g)
{
	struct findings_group **pp;

	if (g->n || g->many)
		return;
	pp = &fs->gbuckets[g->hash & (fs->nbuckets - 1)];
	while (*pp && *pp != g)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = g->hnext;
	g->hnext = fs->free_g;
	fs->free_g = g;
}

static void evict(struct findings *fs, struct finding *f)
{
	struct finding **pp = &fs->buckets[f->hash & (fs->nbuckets - 1)];

	if (fs->evict_cb)
		fs->evict_cb(f, fs->evict_arg);
	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	if (f->prev_all)
		f->prev_all->next_all = f->next_all;
	else
		fs->head = f->next_all;
	if (f->next_all)
		f->next_all->prev_all = f->prev_all;
	else
		fs->tail = f->prev_all;
	lru_unlink(&fs->lru[f->keep], f);
	if (f->key.many)
		f->group->many = NULL;
	else
		f->group->n--;
	group_put(fs, f->group);
	f->gen++; /* every cached pointer to it is stale now */
	f->hnext = fs->free_f;
	fs->free_f = f;
	fs->n--;
	fs->st.evicted++;
}

static struct finding *alloc_finding(struct findings *fs)
{
	struct finding *f = fs->free_f;
	uint32_t gen;

	if (!f)
		return calloc(1, sizeof(*f));
	fs->free_f = f->hnext;
	gen = f->gen;
	memset(f, 0, sizeof(*f));
	f->gen = gen;
	return f;
}

/* Make room for one more: false when there is none for this class. */
static bool make_room(struct findings *fs, bool keep)
{
	struct finding *victim;

	if (fs->n < fs->max)
		return true;
	victim = fs->lru[0].tail;
	if (!victim && keep)
		victim = fs->lru[1].tail;
	if (!victim)
		return false;
	evict(fs, victim);
	return true;
}

struct finding *findings_get(struct findings *fs, const struct finding_key *k,
			     uint64_t first_ns, bool keep, bool *created)
{
	struct finding_key key = *k, gk;
	struct findings_group *g;
	struct finding *f;
	uint32_t h = key_hash(&key), gh;

	*created = false;
	for (f = fs->buckets[h & (fs->nbuckets - 1)]; f; f = f->hnext)
		if (f->hash == h && key_eq(&f->key, &key))
			return f;
	group_key(&key, &gk);
	gh = key_hash(&gk);
	g = group_find(fs, &gk, gh);
	if (g && !key.many && has_ports(key.proto) && g->n >= FINDINGS_PORTS_MAX) {
		/* This key exploded: its new ports go to one finding. */
		fs->st.merged++;
		if (g->many)
			return g->many;
		key.service_port = 0;
		key.many = 1;
		h = key_hash(&key);
	}
	if (!make_room(fs, keep)) {
		fs->st.refused++;
		return NULL;
	}
	/* Evicting may have emptied (and freed) this very group. */
	g = group_find(fs, &gk, gh);
	f = alloc_finding(fs);
	if (!f)
		return NULL;
	if (!g) {
		g = fs->free_g;
		if (g)
			fs->free_g = g->hnext;
		else
			g = malloc(sizeof(*g));
		if (!g) {
			f->hnext = fs->free_f;
			fs->free_f = f;
			return NULL;
		}
		memset(g, 0, sizeof(*g));
		g->key = gk;
		g->hash = gh;
		g->hnext = fs->gbuckets[gh & (fs->nbuckets - 1)];
		fs->gbuckets[gh & (fs->nbuckets - 1)] = g;
	}
	if (key.many)
		g->many = f;
	else
		g->n++;
	f->group = g;
	f->key = key;
	f->hash = h;
	f->first_ns = f->last_ns = first_ns;
	f->blocked = true;
	f->keep = keep;
	f->hnext = fs->buckets[h & (fs->nbuckets - 1)];
	fs->buckets[h & (fs->nbuckets - 1)] = f;
	f->prev_all = fs->tail;
	if (fs->tail)
		fs->tail->next_all = f;
	else
		fs->head = f;
	fs->tail = f;
	lru_push(&fs->lru[keep], f);
	fs->n++;
	fs->st.created++;
	*created = true;
	return f;
}

void findings_touch(struct findings *fs, struct finding *f, bool keep)
{
	if (keep && !f->keep) {
		lru_unlink(&fs->lru[0], f);
		f->keep = true;
		lru_push(&fs->lru[1], f);
		return;
	}
	if (fs->lru[f->keep].head != f) {
		lru_unlink(&fs->lru[f->keep], f);
		lru_push(&fs->lru[f->keep], f);
	}
}

size_t findings_count(const struct findings *fs)
{
	return fs->n;
}

void findings_get_stats(const struct findings *fs, struct findings_stats *st)
{
	*st = fs->st;
	st->active = fs->n;
	st->max = fs->max;
}

struct finding *findings_first(const struct findings *fs)
{
	return fs->head;
}

struct finding *findings_next(const struct finding *f)
{
	return f->next_all;
}
