/* SPDX-License-Identifier: MIT */
/*
 * applied.bin: "CDAP" magic, version, content hash, then for each set in
 * nset_defs order its record count (u64) and records. Host byte order:
 * the file never leaves the host that wrote it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applied.h"
#include "fileio.h"

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

int applied_load(const char *dir, uint64_t want, struct nset_all *out)
{
	uint32_t hdr[2];
	uint64_t hash;
	FILE *f = NULL;
	int dfd, fd, rc = -EINVAL;

	if (!want)
		return -ENOENT;
	dfd = fileio_dir_open(dir, 0);
	if (dfd < 0)
		return -ENOENT;
	fd = fileio_open(dfd, APPLIED_FILE, O_RDONLY, 0);
	close(dfd);
	if (fd >= 0)
		f = fdopen(fd, "rb");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
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
	struct fileio_tmp t;
	int dfd, rc;

	dfd = fileio_dir_open(dir, 0);
	if (dfd < 0)
		return dfd;
	rc = fileio_tmp_open(&t, dfd, APPLIED_FILE, 0600);
	if (!rc)
		rc = fileio_tmp_write(&t, hdr, sizeof(hdr));
	if (!rc)
		rc = fileio_tmp_write(&t, &hash, sizeof(hash));
	for (int i = 0; i < NS__COUNT && !rc; i++) {
		uint64_t n = a->s[i].n;

		rc = fileio_tmp_write(&t, &n, sizeof(n));
		if (!rc && n)
			rc = fileio_tmp_write(&t, a->s[i].v, a->s[i].w * n);
	}
	if (rc)
		fileio_tmp_abort(&t);
	else
		rc = fileio_tmp_commit(&t, 0);
	close(dfd);
	return rc;
}

void applied_forget(const char *dir)
{
	int dfd = fileio_dir_open(dir, 0), rc;

	if (dfd < 0)
		return;
	/* No fsync: a file that comes back after a crash fails its hash check. */
	rc = fileio_unlink(dfd, APPLIED_FILE, FILEIO_NOSYNC);
	(void)rc; /* best effort: a file left behind only costs a dump */
	close(dfd);
}
