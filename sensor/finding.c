/* SPDX-License-Identifier: MIT */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"

struct findings {
	struct finding **buckets;
	size_t nbuckets, n, max;
	struct finding *head, *tail;
};

struct findings *findings_new(size_t max)
{
	struct findings *fs = calloc(1, sizeof(*fs));
	size_t nb = 64;

	if (!fs)
		return NULL;
	while (nb < max && nb < (1u << 20))
		nb <<= 1;
	fs->buckets = calloc(nb, sizeof(*fs->buckets));
	if (!fs->buckets) {
		free(fs);
		return NULL;
	}
	fs->nbuckets = nb;
	fs->max = max;
	return fs;
}

void findings_free(struct findings *fs)
{
	struct finding *f, *next;

	if (!fs)
		return;
	for (f = fs->head; f; f = next) {
		next = f->next_all;
		free(f);
	}
	free(fs->buckets);
	free(fs);
}

static uint32_t key_hash(const struct finding_key *k)
{
	/* FNV-1a over the packed key: findings are few, the table is small. */
	const uint8_t *parts[2] = { k->local.u.b, k->remote.u.b };
	uint32_t h = 2166136261u;

	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[p][i]) * 16777619u;
	h = (h ^ k->service_port) * 16777619u;
	h = (h ^ k->dir) * 16777619u;
	h = (h ^ k->proto) * 16777619u;
	return h;
}

static bool key_eq(const struct finding_key *a, const struct finding_key *b)
{
	return a->dir == b->dir && a->proto == b->proto &&
	       a->service_port == b->service_port &&
	       addr_eq(&a->local, &b->local) && addr_eq(&a->remote, &b->remote);
}

/*
 * The id names the key and when it was first seen: stable for the same
 * key within a run, different for the same key seen again another day,
 * and reproducible for a replayed capture (golden tests).
 */
static void finding_make_id(struct finding *f)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	uint8_t buf[64];
	size_t n = 0;
	static const char hex[] = "0123456789abcdef";

	memcpy(buf + n, f->key.local.u.b, 16), n += 16;
	memcpy(buf + n, f->key.remote.u.b, 16), n += 16;
	buf[n++] = f->key.local.af;
	buf[n++] = f->key.dir;
	buf[n++] = f->key.proto;
	buf[n++] = (uint8_t)(f->key.service_port >> 8);
	buf[n++] = (uint8_t)f->key.service_port;
	memcpy(buf + n, &f->first_ns, 8), n += 8;
	EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 16; i++) {
		f->id[2 * i] = hex[md[i] >> 4];
		f->id[2 * i + 1] = hex[md[i] & 15];
	}
	f->id[32] = '\0';
}

struct finding *findings_get(struct findings *fs, const struct finding_key *k,
			     uint64_t first_ns, bool *created)
{
	uint32_t h = key_hash(k);
	struct finding *f;

	for (f = fs->buckets[h & (fs->nbuckets - 1)]; f; f = f->hnext)
		if (f->hash == h && key_eq(&f->key, k)) {
			*created = false;
			return f;
		}
	if (fs->n >= fs->max)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = *k;
	f->hash = h;
	f->first_ns = f->last_ns = first_ns;
	f->blocked = true;
	finding_make_id(f);
	f->hnext = fs->buckets[h & (fs->nbuckets - 1)];
	fs->buckets[h & (fs->nbuckets - 1)] = f;
	if (fs->tail)
		fs->tail->next_all = f;
	else
		fs->head = f;
	fs->tail = f;
	fs->n++;
	*created = true;
	return f;
}

size_t findings_count(const struct findings *fs)
{
	return fs->n;
}

struct finding *findings_first(const struct findings *fs)
{
	return fs->head;
}

struct finding *findings_next(const struct finding *f)
{
	return f->next_all;
}
