/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "findings.h"
#include "hidx.h"

/*
 * Records in a slab (hidx.h), found through two compact indexes: findings
 * by key, and groups by the key without its port ((local, remote,
 * direction, protocol): how many per-port findings it holds, and its
 * many-ports finding). Eviction is CLOCK over one byte a record (a
 * finding updated since the hand last passed gets a second chance), so
 * no list neighbours are touched; creation order, for output, is a
 * doubly linked list of record numbers in a compact array of its own.
 */
enum { M_LIVE = 1, M_KEEP = 2, M_REF = 4 };

struct findings_group {
	struct finding_key key; /* service_port 0, many 0 */
	uint32_t n;             /* per-port findings held */
	uint32_t many;          /* its many-ports finding's record + 1, or 0 */
	uint32_t hash;
	uint32_t next_free;
};

/* Per record, compact: what eviction needs without its record. */
struct order {
	uint32_t prev, next; /* creation order, record + 1, 0: none */
	uint32_t hash, group; /* its key's hash, its group + 1 */
};

struct findings {
	struct hidx idx, gidx;
	struct hidx_slab recs, groups;
	uint8_t *meta;        /* M_*, per record (hidx_zalloc(), max of them) */
	struct order *order;  /* per record (the same) */
	uint32_t head, tail;  /* creation order, record + 1 */
	uint32_t free_rec, free_group; /* record/group + 1 */
	uint32_t hand;        /* CLOCK */
	size_t n, max, nkeep;
	uint64_t hold_ns;     /* findings_set_hold() */
	uint64_t now_ns;      /* the latest first_ns given */
	uint64_t held_until;  /* new noise is held out before this */
	uint64_t mul[9];      /* key_hash(): random, odd */
	struct findings_stats st;
	void (*evict_cb)(struct finding *f, void *arg);
	void *evict_arg;
};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

struct findings *findings_new(size_t max)
{
	struct findings *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	fs->max = max ? max : 1;
	if (hidx_init(&fs->idx, fs->max) || hidx_init(&fs->gidx, fs->max) ||
	    hidx_slab_init(&fs->recs, sizeof(struct finding), fs->max) ||
	    hidx_slab_init(&fs->groups, sizeof(struct findings_group), fs->max) ||
	    !(fs->meta = hidx_zalloc(fs->max)) ||
	    !(fs->order = hidx_zalloc(fs->max * sizeof(*fs->order)))) {
		findings_free(fs);
		return NULL;
	}
	/*
	 * Keyed: a sender choosing addresses and ports cannot aim keys at
	 * one probe run (every word has a multiplier it does not know).
	 */
	if (getrandom(fs->mul, sizeof(fs->mul), GRND_NONBLOCK) != sizeof(fs->mul)) {
		uint64_t x = (uint64_t)(uintptr_t)fs ^ util_now_mono_ns();

		for (size_t i = 0; i < ARRAY_SIZE(fs->mul); i++)
			fs->mul[i] = x = mix64(x + 0x9e3779b97f4a7c15ull);
	}
	for (size_t i = 0; i < ARRAY_SIZE(fs->mul); i++)
		fs->mul[i] |= 1;
	return fs;
}

void findings_free(struct findings *fs)
{
	if (!fs)
		return;
	hidx_free(&fs->idx);
	hidx_free(&fs->gidx);
	hidx_slab_free(&fs->recs);
	hidx_slab_free(&fs->groups);
	hidx_zfree(fs->meta, fs->max);
	hidx_zfree(fs->order, fs->max * sizeof(*fs->order));
	free(fs);
}

void findings_set_hold(struct findings *fs, uint64_t ns)
{
	fs->hold_ns = ns;
	fs->held_until = 0;
}

void findings_set_now(struct findings *fs, uint64_t ns)
{
	if (ns > fs->now_ns)
		fs->now_ns = ns;
}

void findings_set_evict_cb(struct findings *fs,
			   void (*cb)(struct finding *f, void *arg), void *arg)
{
	fs->evict_cb = cb;
	fs->evict_arg = arg;
}

/*
 * Eight 32-bit words of addresses and one of the rest, each times its
 * own random odd multiplier (multiply-add, then one mix). 32-bit reads:
 * the key was just built (20-byte addresses copied as 16 + 4 bytes), and
 * a wider read across two such stores waits for them to retire instead
 * of being forwarded.
 */
static uint32_t key_hash(const struct findings *fs, const struct finding_key *k)
{
	const uint32_t *l = k->local.u.w, *r = k->remote.u.w;
	const uint64_t *m = fs->mul;
	uint64_t h;

	h = l[0] * m[0] + l[1] * m[1] + l[2] * m[2] + l[3] * m[3] + r[0] * m[4] +
	    r[1] * m[5] + r[2] * m[6] + r[3] * m[7] +
	    ((uint64_t)k->service_port << 24 | (uint64_t)k->dir << 16 |
	     (uint64_t)k->proto << 8 | k->many) * m[8];
	return (uint32_t)mix64(h);
}

static bool key_eq(const struct finding_key *a, const struct finding_key *b)
{
	return a->dir == b->dir && a->proto == b->proto &&
	       a->service_port == b->service_port && a->many == b->many &&
	       addr_eq(&a->local, &b->local) && addr_eq(&a->remote, &b->remote);
}

static inline struct finding *rec_at(const struct findings *fs, uint32_t r)
{
	return hidx_slab_at(&fs->recs, r);
}

static inline struct findings_group *group_at(const struct findings *fs, uint32_t g)
{
	return hidx_slab_at(&fs->groups, g);
}

struct findings_hasher {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

struct findings_hasher *findings_hasher_new(void)
{
	struct findings_hasher *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (!h->md || !h->ctx) {
		findings_hasher_free(h);
		return NULL;
	}
	return h;
}

void findings_hasher_free(struct findings_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}

/* SHA-256 of buf; the one-shot form when h is NULL or fails. */
static void sha256(struct findings_hasher *h, const uint8_t *buf, size_t n,
		   uint8_t md[EVP_MAX_MD_SIZE])
{
	unsigned mdlen = 0;

	if (h && EVP_DigestInit_ex2(h->ctx, h->md, NULL) &&
	    EVP_DigestUpdate(h->ctx, buf, n) && EVP_DigestFinal_ex(h->ctx, md, &mdlen))
		return;
	EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL);
}

/*
 * The id names the key and when it was first seen: stable for the same
 * key within a run, different for the same key seen again another day,
 * and reproducible for a replayed capture (golden tests).
 */
const char *findings_id_with(struct finding *f, struct findings_hasher *h)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	uint8_t buf[64];
	size_t n = 0;
	static const char hex[] = "0123456789abcdef";

	if (f->has_id)
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
	sha256(h, buf, n, md);
	for (int i = 0; i < 16; i++) {
		f->id[2 * i] = hex[md[i] >> 4];
		f->id[2 * i + 1] = hex[md[i] & 15];
	}
	f->id[32] = '\0';
	f->has_id = true;
	return f->id;
}

const char *findings_id(struct finding *f)
{
	return findings_id_with(f, NULL);
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17; /* TCP, UDP */
}


static struct finding *lookup(const struct findings *fs, const struct finding_key *k,
			      uint32_t h)
{
	const struct hidx *x = &fs->idx;

	for (uint32_t i = hidx_home(x, h); x->s[i].ref; i = hidx_step(x, i))
		if (x->s[i].hash == h) {
			struct finding *f = rec_at(fs, x->s[i].ref - 1);

			if (key_eq(&f->key, k))
				return f;
		}
	return NULL;
}

static uint32_t group_find(const struct findings *fs, const struct finding_key *gk,
			   uint32_t gh)
{
	const struct hidx *x = &fs->gidx;

	for (uint32_t i = hidx_home(x, gh); x->s[i].ref; i = hidx_step(x, i))
		if (x->s[i].hash == gh && key_eq(&group_at(fs, x->s[i].ref - 1)->key, gk))
			return x->s[i].ref;
	return 0;
}

static void group_key(const struct finding_key *k, struct finding_key *gk)
{
	*gk = *k;
	gk->service_port = 0;
	gk->many = 0;
}

/* A new group, or 0 when memory runs out. */
static uint32_t group_new(struct findings *fs, const struct finding_key *gk, uint32_t gh)
{
	struct findings_group *g;
	uint32_t r;

	if (fs->free_group) {
		r = fs->free_group - 1;
		g = group_at(fs, r);
		fs->free_group = g->next_free;
	} else if (!(g = hidx_slab_new(&fs->groups, &r))) {
		return 0;
	}
	if (hidx_insert(&fs->gidx, gh, r)) {
		g->next_free = fs->free_group;
		fs->free_group = r + 1;
		return 0;
	}
	memset(g, 0, sizeof(*g));
	g->key = *gk;
	g->hash = gh;
	return r + 1;
}

/* Drop g once it holds nothing. */
static void group_put(struct findings *fs, uint32_t gref)
{
	struct findings_group *g = group_at(fs, gref - 1);

	if (g->n || g->many)
		return;
	hidx_remove(&fs->gidx, g->hash, gref - 1);
	g->next_free = fs->free_group;
	fs->free_group = gref;
}

static void order_unlink(struct findings *fs, uint32_t r)
{
	struct order *o = &fs->order[r];

	if (o->prev)
		fs->order[o->prev - 1].next = o->next;
	else
		fs->head = o->next;
	if (o->next)
		fs->order[o->next - 1].prev = o->prev;
	else
		fs->tail = o->prev;
}

static void order_append(struct findings *fs, uint32_t r)
{
	fs->order[r].prev = fs->tail;
	fs->order[r].next = 0;
	if (fs->tail)
		fs->order[fs->tail - 1].next = r + 1;
	else
		fs->head = r + 1;
	fs->tail = r + 1;
}

static void evict(struct findings *fs, uint32_t r)
{
	struct finding *f = rec_at(fs, r);
	struct findings_group *g = group_at(fs, f->group - 1);

	if (fs->evict_cb)
		fs->evict_cb(f, fs->evict_arg);
	hidx_remove(&fs->idx, fs->order[r].hash, r);
	order_unlink(fs, r);
	if (f->key.many)
		g->many = 0;
	else
		g->n--;
	group_put(fs, f->group);
	f->gen++; /* every cached pointer to it is stale now */
	fs->nkeep -= (fs->meta[r] & M_KEEP) != 0;
	fs->meta[r] = 0;
	fs->order[r].next = fs->free_rec;
	fs->free_rec = r + 1;
	fs->n--;
	fs->st.evicted++;
}

/* A record to fill (hot part zeroed, generation kept), or NULL. */
static struct finding *alloc_finding(struct findings *fs)
{
	struct finding *f;
	uint32_t r, gen = 0;

	if (fs->free_rec) {
		r = fs->free_rec - 1;
		fs->free_rec = fs->order[r].next;
		f = rec_at(fs, r);
		gen = f->gen;
	} else {
		f = hidx_slab_new(&fs->recs, &r);
		if (!f)
			return NULL;
	}
	/* The cold part (id, list details) is made lazily: left as it is. */
	memset(f, 0, offsetof(struct finding, id));
	f->gen = gen;
	f->owner = fs;
	f->rec = r;
	return f;
}

static void free_finding(struct findings *fs, struct finding *f)
{
	fs->order[f->rec].next = fs->free_rec;
	fs->free_rec = f->rec + 1;
}

/* CLOCK: the next live record of this class not updated since the hand last passed. */
static uint32_t clock_victim(struct findings *fs, uint8_t class)
{
	for (;;) {
		uint32_t i = fs->hand;
		uint8_t m = fs->meta[i];

		fs->hand = i + 1 >= fs->recs.used ? 0 : i + 1;
		if (!(m & M_LIVE) || (m & M_KEEP) != class)
			continue;
		if (m & M_REF) {
			fs->meta[i] = m & (uint8_t)~M_REF;
			continue;
		}
		return i;
	}
}

/* New noise is being held out (noise_held() said so, and still would). */
static bool holding(const struct findings *fs)
{
	return fs->n >= fs->max && fs->now_ns < fs->held_until;
}

/*
 * Whether new noise finds the table full of noise within the hold. Asks
 * the CLOCK hand for its candidate (as eviction would: referenced bits
 * passed are cleared; the hand stops at the candidate) and, when that
 * one was updated within the hold, says so in O(1) until it may go.
 * Approximate like CLOCK: an older record elsewhere waits for the hand.
 */
static bool noise_held(struct findings *fs)
{
	struct finding *v;
	uint64_t last, now = fs->now_ns;
	uint32_t r;

	if (!fs->hold_ns || fs->n < fs->max || fs->n == fs->nkeep)
		return false;
	if (holding(fs))
		return true;
	r = clock_victim(fs, 0);
	fs->hand = r; /* a peek: eviction, or the next look, starts at it */
	v = rec_at(fs, r);
	last = v->last_ns;
	/* Later than now: just updated, unless the clock went back a hold. */
	if (last > now ? last - now > fs->hold_ns : now - last >= fs->hold_ns)
		return false;
	fs->held_until = (last > now ? now : last) + fs->hold_ns;
	return true;
}

/*
 * Make room for one more: false when there is none for this class. A
 * noise finding goes first; a kept one only to make room for a kept one.
 */
static bool make_room(struct findings *fs, bool keep, bool *evicted)
{
	*evicted = false;
	if (fs->n < fs->max)
		return true;
	if (fs->n > fs->nkeep)
		evict(fs, clock_victim(fs, 0));
	else if (keep && fs->nkeep)
		evict(fs, clock_victim(fs, M_KEEP));
	else
		return false;
	*evicted = true;
	return true;
}

uint32_t findings_hash(const struct findings *fs, const struct finding_key *k)
{
	return key_hash(fs, k);
}

void findings_prefetch_h(const struct findings *fs, const struct finding_key *k,
			 uint32_t h)
{
	struct finding_key gk;

	hidx_prefetch(&fs->idx, h);
	if (holding(fs))
		return; /* a new key's group is read only if it is made */
	group_key(k, &gk);
	hidx_prefetch(&fs->gidx, key_hash(fs, &gk));
}

void findings_prefetch_victims(const struct findings *fs, size_t n)
{
	uint32_t r = fs->hand;

	if (fs->n < fs->max || !fs->recs.used || holding(fs))
		return;
	for (size_t i = 0; i < n; i++) {
		if (fs->meta[r] & M_LIVE) {
			hidx_prefetch(&fs->idx, fs->order[r].hash);
			__builtin_prefetch(group_at(fs, fs->order[r].group - 1));
		}
		r = r + 1 >= fs->recs.used ? 0 : r + 1;
	}
}

struct finding *findings_at(const struct findings *fs, uint32_t ref)
{
	return ref && ref <= fs->recs.used ? rec_at(fs, ref - 1) : NULL;
}

void findings_prefetch_ref(const struct findings *fs, uint32_t ref)
{
	const char *f = (const char *)findings_at(fs, ref);

	if (f) {
		__builtin_prefetch(f);
		__builtin_prefetch(f + 64);
	}
}

struct finding *findings_get(struct findings *fs, const struct finding_key *k,
			     uint64_t first_ns, bool keep, bool *created)
{
	return findings_get_h(fs, k, key_hash(fs, k), first_ns, keep, created);
}

struct finding *findings_get_h(struct findings *fs, const struct finding_key *k,
			       uint32_t h, uint64_t first_ns, bool keep, bool *created)
{
	struct finding_key key, gk;
	struct findings_group *g = NULL;
	struct finding *f;
	uint32_t gh, gref;
	bool evicted;

	*created = false;
	findings_set_now(fs, first_ns);
	f = lookup(fs, k, h);
	if (f)
		return f;
	if (!keep && noise_held(fs)) {
		fs->st.held++;
		return NULL;
	}
	key = *k; /* copied only now: the caller has just written it */
	group_key(&key, &gk);
	gh = key_hash(fs, &gk);
	gref = group_find(fs, &gk, gh);
	if (gref && !key.many && has_ports(key.proto) &&
	    group_at(fs, gref - 1)->n >= FINDINGS_PORTS_MAX) {
		/* This key exploded: its new ports go to one finding. */
		fs->st.merged++;
		g = group_at(fs, gref - 1);
		if (g->many)
			return rec_at(fs, g->many - 1);
		key.service_port = 0;
		key.many = 1;
		h = key_hash(fs, &key);
	}
	if (!make_room(fs, keep, &evicted)) {
		fs->st.refused++;
		return NULL;
	}
	/* Evicting may have emptied (and freed) this very group. */
	if (evicted)
		gref = group_find(fs, &gk, gh);
	f = alloc_finding(fs);
	if (!f)
		return NULL;
	if (!gref && !(gref = group_new(fs, &gk, gh))) {
		free_finding(fs, f);
		return NULL;
	}
	if (hidx_insert(&fs->idx, h, f->rec)) {
		free_finding(fs, f);
		group_put(fs, gref);
		return NULL;
	}
	g = group_at(fs, gref - 1);
	if (key.many)
		g->many = f->rec + 1;
	else
		g->n++;
	f->group = gref;
	fs->order[f->rec].hash = h;
	fs->order[f->rec].group = gref;
	f->key = key;
	f->first_ns = f->last_ns = first_ns;
	f->blocked = true;
	fs->meta[f->rec] = M_LIVE | (keep ? M_KEEP : 0);
	fs->nkeep += keep;
	order_append(fs, f->rec);
	fs->n++;
	fs->st.created++;
	*created = true;
	return f;
}

void findings_touch(struct findings *fs, struct finding *f, bool keep)
{
	uint8_t *m = &fs->meta[f->rec];

	if (keep && !(*m & M_KEEP)) {
		*m |= M_KEEP;
		fs->nkeep++;
	}
	*m |= M_REF;
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
	return fs->head ? rec_at(fs, fs->head - 1) : NULL;
}

struct finding *findings_next(const struct finding *f)
{
	const struct findings *fs = f->owner;
	uint32_t next = fs->order[f->rec].next;

	return next ? rec_at(fs, next - 1) : NULL;
}
