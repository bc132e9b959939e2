/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hidx.h"

#define HIDX_MIN_SLOTS 1024u

#define HIDX_HUGE UTIL_HUGE_PAGE

static size_t zlen(size_t len)
{
	if (len >= HIDX_HUGE_MIN)
		return (len + HIDX_HUGE - 1) & ~(size_t)(HIDX_HUGE - 1);
	return (len + 63) & ~(size_t)63;
}

static size_t huge_from = HIDX_HUGE_DEFAULT;

void hidx_huge_from(size_t len)
{
	huge_from = len < HIDX_HUGE_MIN ? HIDX_HUGE_MIN : len;
}

void *hidx_zalloc(size_t len)
{
	size_t n = zlen(len ? len : 1), extra;
	uintptr_t a, b;
	char *m;

	if (n < len)
		return NULL; /* wrapped */
	if (n < HIDX_ZMAP) {
		/* Aligned: a probe run stays within as few cache lines as can be. */
		void *p = aligned_alloc(64, n);

		if (p)
			memset(p, 0, n);
		return p;
	}
	/* Address space only: memory comes as pages are first written. */
	extra = n >= HIDX_HUGE_MIN ? HIDX_HUGE : 0;
	if (n + extra < n)
		return NULL;
	m = mmap(NULL, n + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (!extra)
		return m;
	/* Keep the aligned part only. */
	a = ((uintptr_t)m + HIDX_HUGE - 1) & ~(uintptr_t)(HIDX_HUGE - 1);
	b = (uintptr_t)m + n + extra;
	if (a > (uintptr_t)m)
		munmap(m, a - (uintptr_t)m);
	if (b > a + n)
		munmap((void *)(a + n), b - (a + n));
	if (len >= huge_from)
		util_huge_hint((void *)a, n);
	return (void *)a;
}

void hidx_zfree(void *p, size_t len)
{
	size_t n = zlen(len ? len : 1);

	if (!p)
		return;
	if (n < HIDX_ZMAP)
		free(p);
	else
		munmap(p, n);
}

static struct hidx_slot *slots_new(uint32_t n)
{
	return hidx_zalloc((size_t)n * sizeof(struct hidx_slot));
}

static void slots_free(struct hidx_slot *s, uint32_t n)
{
	hidx_zfree(s, (size_t)n * sizeof(*s));
}

int hidx_init(struct hidx *h, size_t max)
{
	uint32_t cap = 64, first;

	memset(h, 0, sizeof(*h));
	while (cap < 2 * max && cap < (1u << 31))
		cap <<= 1;
	first = cap < HIDX_MIN_SLOTS ? cap : HIDX_MIN_SLOTS;
	h->s = slots_new(first);
	if (!h->s)
		return -ENOMEM;
	h->mask = first - 1;
	h->max_slots = cap;
	return 0;
}

void hidx_free(struct hidx *h)
{
	if (h->s)
		slots_free(h->s, h->mask + 1);
	h->s = NULL;
}

void hidx_clear(struct hidx *h)
{
	memset(h->s, 0, ((size_t)h->mask + 1) * sizeof(*h->s));
	h->n = 0;
}

static void put(struct hidx_slot *s, uint32_t mask, uint32_t hash, uint32_t ref)
{
	uint32_t i = hash & mask;

	while (s[i].ref)
		i = (i + 1) & mask;
	s[i].hash = hash;
	s[i].ref = ref;
}

/* Double the slots (the table grew): every entry rehashed. */
static int grow(struct hidx *h)
{
	uint32_t n = (h->mask + 1) * 2;
	struct hidx_slot *s = slots_new(n);

	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; i <= h->mask; i++)
		if (h->s[i].ref)
			put(s, n - 1, h->s[i].hash, h->s[i].ref);
	slots_free(h->s, h->mask + 1);
	h->s = s;
	h->mask = n - 1;
	return 0;
}

int hidx_insert(struct hidx *h, uint32_t hash, uint32_t rec)
{
	if (2 * ((size_t)h->n + 1) > (size_t)h->mask + 1) {
		int rc = h->mask + 1 < h->max_slots ? grow(h) : 0;

		if (rc)
			return rc;
		/* At its largest it holds max at half load: never full. */
		if ((size_t)h->n + 1 > h->mask)
			return -ENOSPC;
	}
	put(h->s, h->mask, hash, rec + 1);
	h->n++;
	return 0;
}

void hidx_remove(struct hidx *h, uint32_t hash, uint32_t rec)
{
	struct hidx_slot *s = h->s;
	uint32_t i, j, k;

	for (i = hash & h->mask; s[i].ref; i = (i + 1) & h->mask)
		if (s[i].ref == rec + 1)
			break;
	if (!s[i].ref)
		return;
	/* Backward shift: pull later entries of the run into the hole. */
	for (j = i;;) {
		j = (j + 1) & h->mask;
		if (!s[j].ref)
			break;
		k = s[j].hash & h->mask;
		/* Stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s[i] = s[j];
		i = j;
	}
	s[i].ref = 0;
	h->n--;
}

int hidx_slab_init(struct hidx_slab *s, size_t elsize, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->stride = (elsize + 63) & ~(size_t)63;
	s->max = max > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)max;
	if (!s->max)
		s->max = 1;
	s->base = hidx_zalloc((size_t)s->max * s->stride);
	return s->base ? 0 : -ENOMEM;
}

void hidx_slab_free(struct hidx_slab *s)
{
	hidx_zfree(s->base, (size_t)s->max * s->stride);
	memset(s, 0, sizeof(*s));
}

void *hidx_slab_new(struct hidx_slab *s, uint32_t *rec)
{
	uint32_t r = s->used;

	if (r >= s->max)
		return NULL;
	s->used = r + 1;
	*rec = r;
	return hidx_slab_at(s, r);
}
