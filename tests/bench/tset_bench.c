/* SPDX-License-Identifier: MIT */
/*
 * tset_bench: build a 1M-entry threat set and time it against naive
 * peers. Run by tests/bench/bench_tset.sh; every figure is the median of
 * RUNS runs. Lists are filled by hand (no list parser involved).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tset.h"

#define RUNS 5
#define NHOST4 900000
#define NPFX4 50000
#define NPFX6 45000
#define NHOST6 5000
#define NTRUST 1000
#define NPROBE (4u << 20)
#define NPOOL6 4096

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	return v[RUNS / 2];
}

static struct list *new_list(const char *name, enum list_kind kind, size_t cap)
{
	struct list *l = calloc(1, sizeof(*l));

	if (!l || !(l->ent = calloc(cap, sizeof(*l->ent)))) {
		perror("calloc");
		exit(1);
	}
	l->name = strdup(name);
	l->location = strdup(name);
	l->kind = kind;
	return l;
}

static void add(struct list *l, const struct cd_prefix *p)
{
	l->ent[l->n] = (struct list_entry){ *p, (uint32_t)l->n + 1 };
	l->n++;
}

static uint64_t pool6[NPOOL6];

static void rand6(uint8_t b[16], bool pooled)
{
	uint64_t hi = pooled ? pool6[rnd() % NPOOL6] | (rnd() & 0xffffffffu)
			     : rnd(), lo = rnd();

	for (unsigned i = 0; i < 8; i++) {
		b[i] = (uint8_t)(hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	}
}

/*
 * 900k IPv4 hosts, 50k IPv4 /16../28, 45k IPv6 /48../64 and 5k IPv6
 * hosts inside 4096 /32s, and a trusted list of 1000 of those hosts.
 */
static struct list **make_lists(size_t *nlists, uint32_t **hosts)
{
	struct list **l = calloc(4, sizeof(*l));
	struct cd_prefix p;

	l[0] = new_list("hosts4.txt", LIST_THREAT, NHOST4);
	l[1] = new_list("nets.txt", LIST_THREAT, NPFX4 + NPFX6 + NHOST6);
	l[2] = new_list("trusted.txt", LIST_TRUSTED, NTRUST);
	*hosts = malloc(NHOST4 * sizeof(**hosts));
	for (size_t i = 0; i < NPOOL6; i++)
		pool6[i] = (0x2000ull | (rnd() & 0xfff)) << 48 |
			   (rnd() & 0xffff) << 32;
	for (size_t i = 0; i < NHOST4; i++) {
		(*hosts)[i] = (uint32_t)rnd();
		addr_set4(&p.a, (*hosts)[i]);
		p.len = 32;
		add(l[0], &p);
	}
	for (size_t i = 0; i < NPFX4; i++) {
		addr_set4(&p.a, (uint32_t)rnd());
		p.len = (uint8_t)(16 + rnd() % 13);
		prefix_mask(&p);
		add(l[1], &p);
	}
	for (size_t i = 0; i < NPFX6 + NHOST6; i++) {
		uint8_t b[16];

		rand6(b, true);
		addr_set6(&p.a, b);
		p.len = (uint8_t)(i < NPFX6 ? 48 + rnd() % 17 : 128);
		prefix_mask(&p);
		add(l[1], &p);
	}
	for (size_t i = 0; i < NTRUST; i++)
		add(l[2], &l[0]->ent[rnd() % NHOST4].pfx);
	*nlists = 3;
	return l;
}

/* Peer 1: the /32s only, sorted, binary search. */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool bsearch_has(const uint32_t *v, size_t n, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == key;
}

/* Peer 2: a textbook chained hash of the /32s (one malloc per node). */
struct node {
	uint32_t key;
	struct node *next;
};

#define CHAIN_BITS 20

static struct node **chain_build(const uint32_t *v, size_t n)
{
	struct node **b = calloc(1u << CHAIN_BITS, sizeof(*b));

	for (size_t i = 0; i < n; i++) {
		struct node *x = malloc(sizeof(*x));
		uint32_t h = (v[i] * 2654435761u) >> (32 - CHAIN_BITS);

		x->key = v[i];
		x->next = b[h];
		b[h] = x;
	}
	return b;
}

static bool chain_has(struct node *const *b, uint32_t key)
{
	for (const struct node *x = b[(key * 2654435761u) >> (32 - CHAIN_BITS)];
	     x; x = x->next)
		if (x->key == key)
			return true;
	return false;
}

/* Thread CPU time: the build VM is shared, and time spent descheduled
 * is not the set's. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile size_t sink;

enum how { TSET, TSET_BATCH, BSEARCH, CHAIN, NHOW };

struct peers {
	const struct tset *t;
	const uint32_t *sorted;
	struct node **chain;
	uint8_t *out;
};

/* One timed pass over the probes; ns per lookup. */
static double time4(enum how how, const struct peers *p, const uint32_t *a)
{
	double t0 = now_ns();
	size_t hits = 0;

	switch (how) {
	case TSET:
		for (size_t i = 0; i < NPROBE; i++)
			hits += tset_lookup4(p->t, a[i]) != TSET_CLEAN;
		break;
	case TSET_BATCH:
		tset_lookup4_batch(p->t, a, NPROBE, p->out);
		for (size_t i = 0; i < NPROBE; i++)
			hits += p->out[i] != TSET_CLEAN;
		break;
	case BSEARCH:
		for (size_t i = 0; i < NPROBE; i++)
			hits += bsearch_has(p->sorted, NHOST4, ntohl(a[i]));
		break;
	default:
		for (size_t i = 0; i < NPROBE; i++)
			hits += chain_has(p->chain, ntohl(a[i]));
		break;
	}
	sink += hits;
	return (now_ns() - t0) / NPROBE;
}

static double time6(const struct tset *t, const uint8_t (*a)[16])
{
	double t0 = now_ns();
	size_t hits = 0;

	for (size_t i = 0; i < NPROBE; i++)
		hits += tset_lookup6(t, a[i]) != TSET_CLEAN;
	sink += hits;
	return (now_ns() - t0) / NPROBE;
}

/* Probe addresses: clean ones (checked against the set), hit_pct % from
 * the host list. */
static uint32_t *probes4(const struct tset *t, const uint32_t *hosts,
			 unsigned hit_pct)
{
	uint32_t *a = malloc(NPROBE * sizeof(*a));

	for (size_t i = 0; i < NPROBE; i++) {
		if (rnd() % 100 < hit_pct) {
			a[i] = hosts[rnd() % NHOST4];
			continue;
		}
		do
			a[i] = (uint32_t)rnd();
		while (tset_lookup4(t, a[i]) != TSET_CLEAN);
	}
	return a;
}

static void free_lists(struct list **l, size_t nlists)
{
	for (size_t i = 0; i < nlists; i++) {
		free(l[i]->ent);
		free(l[i]->name);
		free(l[i]->location);
		free(l[i]);
	}
	free(l);
}

static void free_chain(struct node **chain)
{
	for (size_t i = 0; i < (1u << CHAIN_BITS); i++)
		while (chain[i]) {
			struct node *x = chain[i];

			chain[i] = x->next;
			free(x);
		}
	free(chain);
}

static const char *const how_name[NHOW] = {
	"tset", "tset batch", "bsearch (/32 only)", "chained hash (/32 only)",
};

/* Medians per method and of the per-run ratios against each peer: the
 * methods run interleaved, so a noisy neighbour hits them alike. */
static void report4(const char *what, double r[RUNS][NHOW])
{
	double v[RUNS];

	printf("  %-17s", what);
	for (int h = 0; h < NHOW; h++) {
		for (int i = 0; i < RUNS; i++)
			v[i] = r[i][h];
		printf("%s%s %.1f", h ? "  " : "", how_name[h], median(v));
	}
	printf("\n");
	for (int peer = BSEARCH; peer < NHOW; peer++) {
		double x[RUNS], y[RUNS];

		for (int i = 0; i < RUNS; i++) {
			x[i] = r[i][peer] / r[i][TSET];
			y[i] = r[i][peer] / r[i][TSET_BATCH];
		}
		printf("  %-17stset vs naive %s: %.2fx faster (batch %.2fx)\n",
		       "", how_name[peer], median(x), median(y));
	}
}

int main(void)
{
	size_t nlists, total = 0, entries;
	uint32_t *hosts, *sorted, *clean, *hit1;
	uint8_t (*a6)[16], (*a6p)[16];
	struct list **l = make_lists(&nlists, &hosts);
	double build[RUNS], rc[RUNS][NHOW], rh[RUNS][NHOW], r6[RUNS], r6p[RUNS];
	struct tset_stats st;
	struct peers p;
	struct tset *t = NULL;
	char err[ERRLEN];

	for (size_t i = 0; i < nlists; i++)
		total += l[i]->n;
	sorted = malloc(NHOST4 * sizeof(*sorted));
	for (size_t i = 0; i < NHOST4; i++)
		sorted[i] = ntohl(hosts[i]);
	qsort(sorted, NHOST4, sizeof(*sorted), cmp_u32);
	a6 = malloc(NPROBE * sizeof(*a6));
	a6p = malloc(NPROBE * sizeof(*a6p));
	for (size_t i = 0; i < NPROBE; i++) {
		rand6(a6[i], false);
		rand6(a6p[i], true);
	}
	p = (struct peers){ NULL, sorted, chain_build(sorted, NHOST4),
			    malloc(NPROBE) };
	t = tset_build(l, nlists, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "tset_build: %s\n", err);
		return 1;
	}
	clean = probes4(t, hosts, 0);
	hit1 = probes4(t, hosts, 1);
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		tset_free(t);
		t = tset_build(l, nlists, err, sizeof(err));
		build[r] = (now_ns() - t0) / 1e6;
		if (!t) {
			fprintf(stderr, "tset_build: %s\n", err);
			return 1;
		}
		p.t = t;
		time4(TSET, &p, clean); /* warm-up: fault in, fill caches */
		for (int h = 0; h < NHOW; h++) {
			rc[r][h] = time4((enum how)h, &p, clean);
			rh[r][h] = time4((enum how)h, &p, hit1);
		}
		r6[r] = time6(t, (const uint8_t (*)[16])a6);
		r6p[r] = time6(t, (const uint8_t (*)[16])a6p);
	}
	tset_get_stats(t, &st);
	entries = st.hosts4 + st.hosts6 + st.prefixes4 + st.prefixes6;
	printf("entries  %zu in %zu lists, %zu distinct (IPv4 %zu hosts + %zu prefixes /16../28, IPv6 %zu hosts + %zu prefixes /48../64)\n",
	       total, nlists, entries, st.hosts4, st.prefixes4, st.hosts6,
	       st.prefixes6);
	printf("build    %.1f ms CPU (median of %d)\n", median(build), RUNS);
	printf("memory   %.1f MiB, %.1f bytes/entry\n", st.bytes / 1048576.0,
	       (double)st.bytes / (double)entries);
	printf("lookup, CPU ns each (median of %d interleaved runs of %u addresses):\n",
	       RUNS, NPROBE);
	report4("IPv4 clean", rc);
	report4("IPv4 1% hits", rh);
	printf("  %-17stset %.1f\n", "IPv6 random", median(r6));
	printf("  %-17stset %.1f\n", "IPv6 listed /32s", median(r6p));

	tset_free(t);
	free_lists(l, nlists);
	free_chain(p.chain);
	free(p.out);
	free(hosts);
	free(sorted);
	free(clean);
	free(hit1);
	free(a6);
	free(a6p);
	return 0;
}
