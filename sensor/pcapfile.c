/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "pcapfile.h"

/*
 *  Global header (24 bytes)            Record header (16 bytes)
 *  +--------------------------+        +--------------------------+
 *  | magic                 u32|        | ts seconds            u32|
 *  | major u16  | minor u16   |        | ts usec or nsec       u32|
 *  | thiszone              i32|        | captured length       u32|
 *  | sigfigs               u32|        | original length       u32|
 *  | snaplen               u32|        +--------------------------+
 *  | FCS bits | link type  u32|        | captured bytes ...       |
 *  +--------------------------+
 */
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
/* libpcap refuses records larger than this whatever the snaplen says. */
#define PCAPF_MAX_REC (256u * 1024)

#define PCAPF_BUFSZ (1u << 20)
/* A mapped file's pages behind the reader are let go in steps of this. */
#define PCAPF_DROP (32u << 20)
/*
 * And the pages ahead of it are mapped in steps of this (one madvise
 * instead of a page fault per 64 KiB of fault-around: a fault is 15-20 us
 * on a VM, a tenth of the clean replay's main thread).
 */
#define PCAPF_POPULATE (4u << 20)
#define PCAPF_AHEAD 2048

/*
 * buf[off, size) holds unread bytes. From a regular file, buf is the file
 * mapped whole (map, size), so records are never copied; if it cannot be
 * mapped, buf is ours and refilled with read(). From memory, buf is the
 * caller's and holds everything.
 */
struct pcapf {
	const uint8_t *buf;
	uint8_t *own;
	void *map;
	size_t size, off, map_len;
	size_t dropped; /* map pages before this were let go (still readable) */
	size_t populated; /* map pages before this were mapped in ahead */
	int fd; /* -1 when reading from memory or at end of file */
	bool swap, nsec;
	int dlt;
	uint64_t recno;
};

static uint32_t rd32(const struct pcapf *pf, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return pf->swap ? __builtin_bswap32(v) : v;
}

static int linktype_to_dlt(uint32_t lt)
{
	switch (lt & 0xffff) {
	case 101: /* LINKTYPE_RAW */
	case 12:
	case 14:
		return DLT_RAW;
	default:
		return (int)(lt & 0xffff);
	}
}

/* Make at least need bytes readable at buf + off, if the file has them. */
static int pcapf_fill(struct pcapf *pf, size_t need)
{
	size_t have = pf->size - pf->off;

	if (have >= need || pf->fd < 0)
		return 0;
	memmove(pf->own, pf->own + pf->off, have);
	pf->off = 0;
	pf->size = have;
	while (pf->size < need) {
		ssize_t n = read(pf->fd, pf->own + pf->size,
				 PCAPF_BUFSZ + PCAPF_MAX_REC + 16 - pf->size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			close(pf->fd);
			pf->fd = -1;
			break;
		}
		pf->size += (size_t)n;
	}
	return 0;
}

static int pcapf_init(struct pcapf *pf, char *err, size_t errlen)
{
	uint32_t magic;
	uint16_t major;
	int rc = pcapf_fill(pf, 24);

	if (rc)
		return rc;
	if (pf->size < 24)
		return -ENOTSUP;
	memcpy(&magic, pf->buf, 4);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) {
		pf->swap = false;
	} else if (__builtin_bswap32(magic) == PCAP_MAGIC_US ||
		   __builtin_bswap32(magic) == PCAP_MAGIC_NS) {
		pf->swap = true;
		magic = __builtin_bswap32(magic);
	} else {
		return -ENOTSUP; /* pcapng or not a capture: libpcap decides */
	}
	pf->nsec = magic == PCAP_MAGIC_NS;
	memcpy(&major, pf->buf + 4, 2);
	if (pf->swap)
		major = __builtin_bswap16(major);
	if (major != 2) {
		util_err(err, errlen, "unsupported pcap version %u", major);
		return -EBADMSG;
	}
	pf->dlt = linktype_to_dlt(rd32(pf, pf->buf + 20));
	pf->off = 24;
	return 0;
}

int pcapf_open_mem(const uint8_t *buf, size_t len, struct pcapf **out,
		   char *err, size_t errlen)
{
	struct pcapf *pf = calloc(1, sizeof(*pf));
	int rc;

	*out = NULL;
	if (!pf)
		return -ENOMEM;
	pf->buf = buf;
	pf->size = len;
	pf->fd = -1;
	rc = pcapf_init(pf, err, errlen);
	if (rc) {
		free(pf);
		return rc;
	}
	*out = pf;
	return 0;
}

int pcapf_open(const char *path, struct pcapf **out, char *err, size_t errlen)
{
	struct pcapf *pf;
	struct stat st;
	int rc;

	*out = NULL;
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pf->fd < 0) {
		rc = -errno;
		goto fail;
	}
	/* Pipes and devices go to libpcap, which can sniff any format. */
	if (fstat(pf->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = -ENOTSUP;
		goto fail;
	}
	posix_fadvise(pf->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	/* Mapped only when no one else can truncate it under us (SIGBUS). */
	if (st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX && fileio_private(&st)) {
		pf->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			       pf->fd, 0);
		if (pf->map == MAP_FAILED) {
			pf->map = NULL;
		} else {
			pf->map_len = (size_t)st.st_size;
			madvise(pf->map, pf->map_len, MADV_SEQUENTIAL);
			close(pf->fd);
			pf->fd = -1;
			pf->buf = pf->map;
			pf->size = pf->map_len;
			rc = pcapf_init(pf, err, errlen);
			if (rc)
				goto fail;
			*out = pf;
			return 0;
		}
	}
	pf->own = malloc(PCAPF_BUFSZ + PCAPF_MAX_REC + 16);
	if (!pf->own) {
		rc = -ENOMEM;
		goto fail;
	}
	pf->buf = pf->own;
	rc = pcapf_init(pf, err, errlen);
	if (rc)
		goto fail;
	*out = pf;
	return 0;
fail:
	pcapf_close(pf);
	return rc;
}

void pcapf_close(struct pcapf *pf)
{
	if (!pf)
		return;
	if (pf->fd >= 0)
		close(pf->fd);
	if (pf->map)
		munmap(pf->map, pf->map_len);
	free(pf->own);
	free(pf);
}

bool pcapf_mapped(const struct pcapf *pf)
{
	return pf->fd < 0 && !pf->own;
}

void pcapf_tell(const struct pcapf *pf, struct pcapf_pos *pos)
{
	pos->off = pf->off;
	pos->recno = pf->recno;
}

/*
 * Pages of the mapped file that were read are unmapped: they stay in the
 * page cache and fault in again if read again (pcapf_seek()), and the
 * process does not hold the whole file resident.
 */
static void pcapf_drop_behind(struct pcapf *pf)
{
	size_t upto = pf->off;

	if (!pf->map || upto < pf->dropped + PCAPF_DROP)
		return;
	upto &= ~(size_t)(PCAPF_DROP - 1);
	madvise((uint8_t *)pf->map + pf->dropped, upto - pf->dropped, MADV_DONTNEED);
	pf->dropped = upto;
}

void pcapf_release(const struct pcapf *pf, const uint8_t *from, const uint8_t *to)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)pf->map, hi = lo + pf->map_len, a, b;

	/*
	 * Only whole pages of our own mapping: MADV_DONTNEED elsewhere would
	 * zero the process's heap or reset its relocations.
	 */
	if (!pf->map || !from || !to || (uintptr_t)from < lo || (uintptr_t)to > hi)
		return;
	a = ((uintptr_t)from + pg - 1) & ~(pg - 1);
	b = (uintptr_t)to & ~(pg - 1);
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

void pcapf_reread(const struct pcapf *pf, const uint8_t *from, const uint8_t *to)
{
#ifdef MADV_POPULATE_READ
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)pf->map, hi = lo + pf->map_len, a;

	if (!pf->map || !from || !to || (uintptr_t)from < lo || (uintptr_t)to > hi ||
	    to <= from)
		return;
	a = (uintptr_t)from & ~(pg - 1);
	(void)madvise((void *)a, (uintptr_t)to - a, MADV_POPULATE_READ);
#else
	(void)pf;
	(void)from;
	(void)to;
#endif
}

int pcapf_seek(struct pcapf *pf, const struct pcapf_pos *pos)
{
	if (!pcapf_mapped(pf) || pos->off > pf->size)
		return -ESPIPE;
	pf->off = pos->off;
	pf->recno = pos->recno;
	if (pf->dropped > pf->off)
		pf->dropped = pf->off & ~(size_t)(PCAPF_DROP - 1);
	pf->populated = 0;
	return 0;
}

int pcapf_dlt(const struct pcapf *pf)
{
	return pf->dlt;
}

void pcapf_rec_at(const struct pcapf *pf, const uint8_t *data,
		  struct pcapf_rec *r)
{
	const uint8_t *h = data - 16;
	uint32_t frac = rd32(pf, h + 4);

	r->ts_ns = (uint64_t)rd32(pf, h) * 1000000000ull +
		   (pf->nsec ? frac : (uint64_t)frac * 1000u);
	r->caplen = rd32(pf, h + 8);
	r->len = rd32(pf, h + 12);
	r->data = data;
}

/* 1 and *r when a whole record is buffered, 0 when not, -EBADMSG. */
static int pcapf_take(struct pcapf *pf, struct pcapf_rec *r, char *err,
		      size_t errlen)
{
	size_t have = pf->size - pf->off;
	const uint8_t *h = pf->buf + pf->off;
	uint32_t caplen;

	if (have < 16)
		return 0;
	caplen = rd32(pf, h + 8);
	if (caplen > PCAPF_MAX_REC) {
		util_err(err, errlen, "record %llu: captured length %u is too large",
			 (unsigned long long)pf->recno + 1, caplen);
		return -EBADMSG;
	}
	if (have - 16 < caplen)
		return 0;
	pf->recno++;
	/* Records are read in file order: ask for the lines ahead (the
	 * hardware prefetcher stops at every page boundary). */
	__builtin_prefetch(h + PCAPF_AHEAD);
	pcapf_rec_at(pf, h + 16, r);
	pf->off += 16 + (size_t)caplen;
	return 1;
}

/* Map the next pages of a mapped file in before they are read. */
static void pcapf_populate_ahead(struct pcapf *pf)
{
#ifdef MADV_POPULATE_READ
	size_t from, to;

	if (!pf->map || pf->off + PCAPF_POPULATE / 2 < pf->populated ||
	    pf->populated >= pf->map_len)
		return;
	from = pf->populated > pf->off ? pf->populated : pf->off & ~(size_t)(PCAPF_POPULATE - 1);
	to = (pf->off & ~(size_t)(PCAPF_POPULATE - 1)) + 2 * PCAPF_POPULATE;
	if (to > pf->map_len)
		to = pf->map_len;
	/* Only a hint: where the kernel cannot (before 5.14), pages fault in. */
	(void)madvise((uint8_t *)pf->map + from, to - from, MADV_POPULATE_READ);
	pf->populated = to;
#else
	(void)pf;
#endif
}

int pcapf_next_batch(struct pcapf *pf, struct pcapf_rec *r, int max, char *err,
		     size_t errlen)
{
	int n = 0, rc;

	/* Records handed out before stay valid: drop only up to here. */
	pcapf_drop_behind(pf);
	pcapf_populate_ahead(pf);
	while (n < max) {
		rc = pcapf_take(pf, &r[n], err, errlen);
		if (rc < 0)
			return n ? n : rc;
		if (rc == 1) {
			n++;
			continue;
		}
		/* Records handed out point into the buffer: refill only empty. */
		if (n)
			return n;
		rc = pcapf_fill(pf, 16);
		if (!rc && pf->size - pf->off >= 16)
			rc = pcapf_fill(pf, 16 + (size_t)rd32(pf, pf->buf + pf->off + 8));
		if (rc) {
			util_err(err, errlen, "read: %s", strerror(-rc));
			return -EBADMSG;
		}
		rc = pcapf_take(pf, &r[0], err, errlen);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (pf->off == pf->size)
				return 0;
			util_err(err, errlen,
				 "record %llu: truncated (capture ends %zu bytes into it)",
				 (unsigned long long)pf->recno + 1, pf->size - pf->off);
			pf->off = pf->size;
			return -EBADMSG;
		}
		n = 1;
	}
	return n;
}

int pcapf_next(struct pcapf *pf, struct pcapf_rec *r, char *err, size_t errlen)
{
	return pcapf_next_batch(pf, r, 1, err, errlen);
}
