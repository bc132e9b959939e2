/* SPDX-License-Identifier: MIT */
/*
 * The ring of recent packet headers: fixed-size slots in one block taken
 * (and touched) up front, so the per-packet path is one bounded memcpy.
 * Dumped through libpcap's savefile writer (nanosecond pcap).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "evidence.h"

struct slot {
	uint64_t ts_ns;
	uint32_t len;    /* on the wire */
	uint16_t caplen; /* kept, <= snaplen */
	uint16_t dlt;
	uint8_t data[];
};

struct evidence_ring {
	uint8_t *mem;
	size_t mem_size, slot_size, nslots;
	size_t next;   /* slot the next packet goes to */
	size_t count;  /* slots in use, <= nslots */
	uint32_t snaplen;
	uint64_t window_ns;
};

int evidence_ring_new(const struct evidence_ring_opts *o, struct evidence_ring **out)
{
	struct evidence_ring_opts d = { EVID_RING_SECONDS, EVID_RING_BYTES,
				    EVID_RING_SNAPLEN };
	struct evidence_ring *r;

	*out = NULL;
	if (!o)
		o = &d;
	if (o->snaplen < 16 || o->snaplen > 65535 || !o->seconds)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->snaplen = o->snaplen;
	r->window_ns = (uint64_t)o->seconds * 1000000000ull;
	r->slot_size = (sizeof(struct slot) + o->snaplen + 7) & ~(size_t)7;
	r->nslots = o->max_bytes / r->slot_size;
	if (!r->nslots) {
		free(r);
		return -EINVAL;
	}
	r->mem_size = r->nslots * r->slot_size;
	r->mem = mmap(NULL, r->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->mem == MAP_FAILED) {
		free(r);
		return -ENOMEM;
	}
	/* Huge pages where the kernel allows: fewer TLB misses per lap. */
	madvise(r->mem, r->mem_size, MADV_HUGEPAGE);
	/* Fault every page in now, not on the first lap at line rate. */
	memset(r->mem, 0, r->mem_size);
	*out = r;
	return 0;
}

void evidence_ring_free(struct evidence_ring *r)
{
	if (!r)
		return;
	munmap(r->mem, r->mem_size);
	free(r);
}

static inline struct slot *slot_at(const struct evidence_ring *r, size_t i)
{
	return (struct slot *)(void *)(r->mem + i * r->slot_size);
}

void evidence_ring_add(struct evidence_ring *r, uint64_t ts_ns, int dlt,
		   const uint8_t *data, uint32_t caplen, uint32_t len)
{
	struct slot *s = slot_at(r, r->next);
	uint32_t n = caplen < r->snaplen ? caplen : r->snaplen;

	s->ts_ns = ts_ns;
	s->len = len;
	s->caplen = (uint16_t)n;
	s->dlt = (uint16_t)dlt;
	memcpy(s->data, data, n);
	if (++r->next == r->nslots)
		r->next = 0;
	if (r->count < r->nslots)
		r->count++;
}

size_t evidence_ring_count(const struct evidence_ring *r)
{
	return r->count;
}

/* The i-th oldest packet. */
static const struct slot *nth(const struct evidence_ring *r, size_t i)
{
	size_t first = r->count < r->nslots ? 0 : r->next;
	size_t k = first + i;

	return slot_at(r, k >= r->nslots ? k - r->nslots : k);
}

/* path, or path with ".dltN" put before a ".pcap" suffix. */
static int dlt_path(char *buf, size_t len, const char *path, int dlt, bool first)
{
	size_t n = strlen(path);
	int w;

	if (first)
		w = snprintf(buf, len, "%s", path);
	else if (n >= 5 && !strcmp(path + n - 5, ".pcap"))
		w = snprintf(buf, len, "%.*s.dlt%d.pcap", (int)(n - 5), path, dlt);
	else
		w = snprintf(buf, len, "%s.dlt%d", path, dlt);
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

/* Oldest timestamp still inside the window. */
static uint64_t window_cutoff(const struct evidence_ring *r)
{
	uint64_t newest = 0;

	for (size_t i = 0; i < r->count; i++)
		if (nth(r, i)->ts_ns > newest)
			newest = nth(r, i)->ts_ns;
	return newest > r->window_ns ? newest - r->window_ns : 0;
}

size_t evidence_ring_dlts(const struct evidence_ring *r, int *dlts, size_t max)
{
	uint64_t cutoff = window_cutoff(r);
	size_t n = 0;

	for (size_t i = 0; i < r->count; i++) {
		const struct slot *s = nth(r, i);
		size_t k;

		if (s->ts_ns < cutoff)
			continue;
		for (k = 0; k < n && dlts[k] != s->dlt; k++)
			;
		if (k == n && n < max)
			dlts[n++] = s->dlt;
	}
	return n;
}

/* A stdio stream that write(2)s to a descriptor it does not own. */
static ssize_t fd_write(void *cookie, const char *buf, size_t size)
{
	int fd = *(const int *)cookie;
	size_t done = 0;

	while (done < size) {
		ssize_t w = write(fd, buf + done, size - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int fd_close(void *cookie)
{
	(void)cookie;
	return 0;
}

/*
 * Only write(2) on fd: the sensor process may call this under its seccomp
 * filter on a file its parent opened, which allows neither dup nor
 * fcntl(F_DUPFD) (either could move a capture socket onto a writable
 * descriptor). No fsync here.
 */
static int dump_fd(const struct evidence_ring *r, int fd, int dlt, uint64_t cutoff,
		   char *err, size_t errlen)
{
	cookie_io_functions_t io = { .write = fd_write, .close = fd_close };
	pcap_dumper_t *d = NULL;
	pcap_t *dead = NULL;
	FILE *f = NULL;
	int rc = 0, n = 0;

	f = fopencookie(&fd, "w", io);
	dead = pcap_open_dead_with_tstamp_precision(dlt, (int)r->snaplen,
						    PCAP_TSTAMP_PRECISION_NANO);
	if (!f || !dead) {
		rc = -ENOMEM;
		util_err(err, errlen, "ring dump: out of memory");
		goto out;
	}
	d = pcap_dump_fopen(dead, f);
	if (!d) {
		util_err(err, errlen, "ring dump, link type %d: %s", dlt,
			 pcap_geterr(dead));
		rc = -EINVAL;
		goto out;
	}
	f = NULL; /* the dumper owns it now */
	for (size_t i = 0; i < r->count; i++) {
		const struct slot *s = nth(r, i);
		struct pcap_pkthdr h;

		if (s->dlt != (uint16_t)dlt || s->ts_ns < cutoff)
			continue;
		h.ts.tv_sec = (time_t)(s->ts_ns / 1000000000ull);
		h.ts.tv_usec = (suseconds_t)(s->ts_ns % 1000000000ull);
		h.caplen = s->caplen;
		h.len = s->len > s->caplen ? s->len : s->caplen;
		pcap_dump((u_char *)d, &h, s->data);
		n++;
	}
	if (pcap_dump_flush(d) < 0) {
		rc = errno ? -errno : -EIO;
		util_err(err, errlen, "ring dump: write: %s", strerror(-rc));
	}
out:
	if (d)
		pcap_dump_close(d);
	else if (f)
		fclose(f);
	if (dead)
		pcap_close(dead);
	return rc ? rc : n;
}

int evidence_ring_dump_fd(const struct evidence_ring *r, int fd, int dlt, char *err,
		      size_t errlen)
{
	return dump_fd(r, fd, dlt, window_cutoff(r), err, errlen);
}

int evidence_ring_dump(const struct evidence_ring *r, const char *path, char *err,
		   size_t errlen)
{
	int dlts[EVID_RING_MAX_DLTS];
	size_t ndlt = evidence_ring_dlts(r, dlts, ARRAY_SIZE(dlts));
	uint64_t cutoff = window_cutoff(r);
	char p[4096];
	int total = 0;

	if (!ndlt) /* an empty ring still leaves a (valid, empty) file */
		dlts[ndlt++] = DLT_EN10MB;
	for (size_t k = 0; k < ndlt; k++) {
		int fd, rc = dlt_path(p, sizeof(p), path, dlts[k], k == 0);

		if (rc)
			return util_err(err, errlen, "%s: name too long", path);
		fd = evidence_file_create(p);
		if (fd < 0) {
			util_err(err, errlen, "%s: %s", p, strerror(-fd));
			return fd;
		}
		rc = dump_fd(r, fd, dlts[k], cutoff, err, errlen);
		if (rc >= 0 && fsync(fd) < 0) {
			rc = -errno;
			util_err(err, errlen, "%s: fsync: %s", p, strerror(errno));
		}
		close(fd);
		if (rc < 0)
			return rc;
		total += rc;
	}
	return total;
}
