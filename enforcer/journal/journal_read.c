/* SPDX-License-Identifier: MIT */
/*
 * Journal framing: record headers, CRC32C, and the reader that walks a
 * journal (file or buffer), hands out good records, and reports bad
 * bytes: followed by a good record they are "corrupt" (the reader
 * resynchronises on the next magic), at the end they are a "torn" tail.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_impl.h"

static uint32_t crc_table[256];

__attribute__((constructor)) static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t journal_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void journal_hdr_encode(uint8_t out[JOURNAL_HDR_LEN], uint32_t len,
			uint64_t seq, const void *payload)
{
	uint32_t crc;

	memcpy(out, JOURNAL_MAGIC, 4);
	out[4] = JOURNAL_VERSION;
	out[5] = 0;
	put_le(out + 6, 0, 2);
	put_le(out + 8, len, 4);
	put_le(out + 12, seq, 8);
	crc = journal_crc32c(0, out, 20);
	crc = journal_crc32c(crc, payload, len);
	put_le(out + 20, crc, 4);
}

bool journal_hdr_decode(const uint8_t in[JOURNAL_HDR_LEN], struct journal_hdr *h)
{
	if (memcmp(in, JOURNAL_MAGIC, 4))
		return false;
	h->version = in[4];
	h->flags = in[5];
	h->reserved = (uint16_t)get_le(in + 6, 2);
	h->len = (uint32_t)get_le(in + 8, 4);
	h->seq = get_le(in + 12, 8);
	h->crc = (uint32_t)get_le(in + 20, 4);
	return true;
}

/*
 * Where the bytes come from: a caller's buffer, or a file read through a
 * window that slides forward (pread, so the fd's offset is untouched).
 */
struct src {
	const uint8_t *mem;
	size_t mem_len;
	int fd;
	uint8_t *buf;
	size_t cap, have;
	uint64_t base; /* file offset of buf[0] */
	uint64_t bytes_read;
};

#if defined(UNITTEST) || defined(FUZZING)
#define SRC_CHUNK 37u /* tiny: the tests cross window edges everywhere */
#else
#define SRC_CHUNK (64u * 1024)
#endif

/* Bytes from off on, at least need of them unless the data ends first. */
static int src_get(struct src *s, uint64_t off, size_t need,
		   const uint8_t **p, size_t *avail)
{
	if (s->fd < 0) {
		*avail = off < s->mem_len ? s->mem_len - (size_t)off : 0;
		*p = *avail ? s->mem + off : NULL;
		return 0;
	}
	if (off >= s->base && off - s->base <= s->have &&
	    s->have - (off - s->base) >= need) {
		*p = s->buf + (off - s->base);
		*avail = s->have - (size_t)(off - s->base);
		return 0;
	}
	if (off >= s->base && off - s->base < s->have) {
		size_t keep = s->have - (size_t)(off - s->base);

		memmove(s->buf, s->buf + (off - s->base), keep);
		s->have = keep;
	} else {
		s->have = 0;
	}
	s->base = off;
	if (need < SRC_CHUNK)
		need = SRC_CHUNK;
	if (s->cap < need) {
		uint8_t *nb = realloc(s->buf, need);

		if (!nb)
			return -ENOMEM;
		s->buf = nb;
		s->cap = need;
	}
	while (s->have < need) {
		ssize_t n = pread(s->fd, s->buf + s->have, s->cap - s->have,
				  (off_t)(s->base + s->have));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		s->have += (size_t)n;
		s->bytes_read += (uint64_t)n;
	}
	*p = s->buf;
	*avail = s->have;
	return 0;
}

enum try { TRY_OK, TRY_BAD, TRY_EOF, TRY_NEWER };

struct cand {
	uint64_t len, seq;
	const uint8_t *payload;
	uint32_t payload_len;
	char why[96];
};

static int try_record(struct src *s, uint64_t off, struct cand *c)
{
	struct journal_hdr h;
	const uint8_t *p;
	size_t avail;
	uint32_t crc;
	int rc;

	rc = src_get(s, off, JOURNAL_HDR_LEN, &p, &avail);
	if (rc)
		return rc;
	if (!avail)
		return TRY_EOF;
	if (memcmp(p, JOURNAL_MAGIC, avail < 4 ? avail : 4)) {
		snprintf(c->why, sizeof(c->why), "bad magic");
		return TRY_BAD;
	}
	if (avail < JOURNAL_HDR_LEN) {
		snprintf(c->why, sizeof(c->why), "header cut after %zu of %d bytes",
			 avail, JOURNAL_HDR_LEN);
		return TRY_BAD;
	}
	journal_hdr_decode(p, &h);
	if (h.len > JOURNAL_MAX_RECORD) {
		snprintf(c->why, sizeof(c->why), "length %u over the cap of %u",
			 h.len, JOURNAL_MAX_RECORD);
		return TRY_BAD;
	}
	rc = src_get(s, off, JOURNAL_HDR_LEN + (size_t)h.len, &p, &avail);
	if (rc)
		return rc;
	if (avail < JOURNAL_HDR_LEN + (size_t)h.len) {
		snprintf(c->why, sizeof(c->why),
			 "record of %u bytes cut after %zu",
			 JOURNAL_HDR_LEN + h.len, avail);
		return TRY_BAD;
	}
	crc = journal_crc32c(0, p, 20);
	crc = journal_crc32c(crc, p + JOURNAL_HDR_LEN, h.len);
	if (crc != h.crc) {
		snprintf(c->why, sizeof(c->why), "checksum mismatch");
		return TRY_BAD;
	}
	if (h.version != JOURNAL_VERSION)
		return TRY_NEWER;
	if (h.flags || h.reserved || !h.seq) {
		snprintf(c->why, sizeof(c->why), "bad header fields");
		return TRY_BAD;
	}
	c->len = JOURNAL_HDR_LEN + (uint64_t)h.len;
	c->seq = h.seq;
	c->payload = p + JOURNAL_HDR_LEN;
	c->payload_len = h.len;
	return TRY_OK;
}

/* The next magic at or after from, or the end of the data (*found false). */
static int find_magic(struct src *s, uint64_t from, uint64_t *at, bool *found)
{
	for (;;) {
		const uint8_t *p, *m;
		size_t avail;
		int rc = src_get(s, from, SRC_CHUNK, &p, &avail);

		if (rc)
			return rc;
		if (avail < 4) {
			*at = from + avail;
			*found = false;
			return 0;
		}
		m = memmem(p, avail, JOURNAL_MAGIC, 4);
		if (m) {
			*at = from + (uint64_t)(m - p);
			*found = true;
			return 0;
		}
		from += avail - 3;
	}
}

static int emit_bad(struct journal_scan *sc, enum journal_rec_kind kind,
		    uint64_t off, uint64_t end, const char *why,
		    journal_rec_fn fn, void *arg)
{
	struct journal_rec r = { .kind = kind, .off = off, .len = end - off,
				 .why = why };

	if (kind == JOURNAL_REC_TORN) {
		sc->torn = true;
		sc->torn_off = off;
		sc->torn_bytes = end - off;
	} else {
		if (!sc->corrupt)
			sc->first_corrupt_off = off;
		sc->corrupt++;
		sc->corrupt_bytes += end - off;
	}
	return fn ? fn(&r, arg) : 0;
}

static int scan(struct src *s, uint64_t from, journal_rec_fn fn, void *arg,
		struct journal_scan *sc, char *err, size_t errlen)
{
	uint64_t off = from, bad_off = 0;
	char bad_why[96] = "";
	bool bad = false, found;
	int rc;

	memset(sc, 0, sizeof(*sc));
	for (;;) {
		struct cand c;

		rc = try_record(s, off, &c);
		if (rc < 0) {
			util_err(err, errlen, "journal: read at offset %llu: %s",
				 (unsigned long long)off, strerror(-rc));
			return rc;
		}
		if (rc == TRY_NEWER) {
			util_err(err, errlen,
				 "journal: record at offset %llu has a newer format "
				 "(written by a newer cordon)", (unsigned long long)off);
			return -EPROTONOSUPPORT;
		}
		if (rc == TRY_EOF) {
			sc->size = off;
			if (bad)
				return emit_bad(sc, JOURNAL_REC_TORN, bad_off, off,
						bad_why, fn, arg);
			return 0;
		}
		if (rc == TRY_BAD) {
			if (!bad) {
				bad = true;
				bad_off = off;
				memcpy(bad_why, c.why, sizeof(bad_why));
			}
			rc = find_magic(s, off + 1, &off, &found);
			if (rc) {
				util_err(err, errlen, "journal: read: %s",
					 strerror(-rc));
				return rc;
			}
			continue;
		}
		if (bad) {
			bad = false;
			rc = emit_bad(sc, JOURNAL_REC_CORRUPT, bad_off, off,
				      bad_why, fn, arg);
			if (rc)
				return rc;
		}
		if (c.seq <= sc->last_seq)
			sc->seq_backwards++;
		sc->last_seq = c.seq > sc->last_seq ? c.seq : sc->last_seq;
		sc->records++;
		sc->good_end = off + c.len;
		if (fn) {
			struct journal_rec r = {
				.kind = JOURNAL_REC_OK, .off = off, .len = c.len,
				.seq = c.seq, .payload = (const char *)c.payload,
				.payload_len = c.payload_len,
			};

			rc = fn(&r, arg);
			if (rc)
				return rc;
		}
		off += c.len;
	}
}

int journal_read_mem(const uint8_t *buf, size_t len, journal_rec_fn fn,
		     void *arg, struct journal_scan *sc, char *err, size_t errlen)
{
	struct src s = { .mem = buf, .mem_len = len, .fd = -1 };

	return scan(&s, 0, fn, arg, sc, err, errlen);
}

int journal_read_fd_from(int fd, uint64_t from, journal_rec_fn fn, void *arg,
			 struct journal_scan *sc, char *err, size_t errlen)
{
	struct src s = { .fd = fd };
	int rc = scan(&s, from, fn, arg, sc, err, errlen);

	sc->bytes_read = s.bytes_read;
	free(s.buf);
	return rc;
}

int journal_read_fd(int fd, journal_rec_fn fn, void *arg,
		    struct journal_scan *sc, char *err, size_t errlen)
{
	return journal_read_fd_from(fd, 0, fn, arg, sc, err, errlen);
}

int journal_read(const char *dir, journal_rec_fn fn, void *arg,
		 struct journal_scan *sc, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rc;

	memset(sc, 0, sizeof(*sc));
	if (snprintf(path, sizeof(path), "%s/" JOURNAL_FILE, dir) >= (int)sizeof(path))
		return util_err(err, errlen, "state directory %s: name too long", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		util_err(err, errlen, "%s: %s", path,
			 errno == ELOOP ? "is a symlink, refused" : strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return util_err(err, errlen, "%s: not a regular file", path);
	}
	rc = journal_read_fd(fd, fn, arg, sc, err, errlen);
	close(fd);
	return rc;
}
