/* SPDX-License-Identifier: MIT */
/*
 * applied.bin: "CDAP" magic, version, content hash, then for each set in
 * nset_defs order its record count (u64) and records. Host byte order:
 * the file never leaves the host that wrote it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applied.h"

#define MAGIC 0x50414443u /* "CDAP" */
#define VERSION 1u
#define MAX_RECORDS (64u << 20)

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

uint64_t applied_hash(const struct nset_all *a)
{
	uint64_t h = 0x636f72646f6e2121ull;

	for (int i = 0; i < NS__COUNT; i++) {
		const struct nset_vec *v = &a->s[i];
		size_t len = v->n * v->w, k = 0;
		/* Four lanes: no multiply waits for the one before it. */
		uint64_t l[4] = { h, h ^ 1, h ^ 2, h ^ 3 };

		for (; k + 32 <= len; k += 32) {
			uint64_t w[4];

			memcpy(w, v->v + k, 32);
			l[0] = mix(l[0], w[0]);
			l[1] = mix(l[1], w[1]);
			l[2] = mix(l[2], w[2]);
			l[3] = mix(l[3], w[3]);
		}
		h = mix(mix(mix(mix(l[0], l[1]), l[2]), l[3]),
			((uint64_t)i << 56) ^ v->n);
		for (; k < len; k++)
			h = mix(h, v->v[k]);
	}
	return h ? h : 1;
}

static int path_of(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int applied_load(const char *dir, uint64_t want, struct nset_all *out)
{
	uint32_t hdr[2];
	uint64_t hash;
	char path[4096];
	FILE *f;
	int rc = -EINVAL;

	if (!want || path_of(path, sizeof(path), dir, APPLIED_FILE))
		return -ENOENT;
	f = fopen(path, "rbe");
	if (!f)
		return -ENOENT;
	if (fread(hdr, sizeof(hdr), 1, f) != 1 || hdr[0] != MAGIC ||
	    hdr[1] != VERSION || fread(&hash, sizeof(hash), 1, f) != 1 ||
	    hash != want)
		goto out;
	for (int i = 0; i < NS__COUNT; i++) {
		struct nset_vec *v = &out->s[i];
		uint64_t n;

		v->n = 0;
		if (fread(&n, sizeof(n), 1, f) != 1 || n > MAX_RECORDS)
			goto out;
		if (n > v->cap) {
			uint8_t *nv = realloc(v->v, n * v->w);

			if (!nv) {
				rc = -ENOMEM;
				goto out;
			}
			v->v = nv;
			v->cap = n;
		}
		if (n && fread(v->v, v->w, n, f) != n)
			goto out;
		v->n = n;
	}
	/* The file must be what its name says: a torn write is not. */
	if (fgetc(f) != EOF || applied_hash(out) != want)
		goto out;
	rc = 0;
out:
	fclose(f);
	if (rc)
		for (int i = 0; i < NS__COUNT; i++)
			out->s[i].n = 0;
	return rc;
}

int applied_save(const char *dir, const struct nset_all *a, uint64_t hash)
{
	uint32_t hdr[2] = { MAGIC, VERSION };
	char path[4096], tmp[4096];
	FILE *f;
	int rc = 0;

	if (path_of(path, sizeof(path), dir, APPLIED_FILE) ||
	    path_of(tmp, sizeof(tmp), dir, APPLIED_FILE ".tmp"))
		return -ENAMETOOLONG;
	f = fopen(tmp, "wbe");
	if (!f)
		return -errno;
	if (fwrite(hdr, sizeof(hdr), 1, f) != 1 ||
	    fwrite(&hash, sizeof(hash), 1, f) != 1)
		rc = -EIO;
	for (int i = 0; i < NS__COUNT && !rc; i++) {
		uint64_t n = a->s[i].n;

		if (fwrite(&n, sizeof(n), 1, f) != 1 ||
		    (n && fwrite(a->s[i].v, a->s[i].w, n, f) != n))
			rc = -EIO;
	}
	if (fclose(f) && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

void applied_forget(const char *dir)
{
	char path[4096];

	if (!path_of(path, sizeof(path), dir, APPLIED_FILE))
		unlink(path);
}
