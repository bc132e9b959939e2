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

struct evid_ring {
	uint8_t *mem;
	size_t slot_size, nslots;
	size_t next;   /* slot the next packet goes to */
	size_t count;  /* slots in use, <= nslots */
	uint32_t snaplen;
	uint64_t window_ns;
};

int evid_ring_new(const struct evid_ring_opts *o, struct evid_ring **out)
{
	struct evid_ring_opts d = { EVID_RING_SECONDS, EVID_RING_BYTES,
				    EVID_RING_SNAPLEN };
	struct evid_ring *r;

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
	r->mem = malloc(r->nslots * r->slot_size);
	if (!r->mem) {
		free(r);
		return -ENOMEM;
	}
	/* Fault every page in now, not on the first lap at line rate. */
	memset(r->mem, 0, r->nslots * r->slot_size);
	*out = r;
	return 0;
}

void evid_ring_free(struct evid_ring *r)
{
	if (!r)
		return;
	free(r->mem);
	free(r);
}

static inline struct slot *slot_at(const struct evid_ring *r, size_t i)
{
	return (struct slot *)(void *)(r->mem + i * r->slot_size);
}

void evid_ring_add(struct evid_ring *r, uint64_t ts_ns, int dlt,
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

size_t evid_ring_count(const struct evid_ring *r)
{
	return r->count;
}

/* The i-th oldest packet. */
static const struct slot *nth(const struct evid_ring *r, size_t i)
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

static int dump_one(const struct evid_ring *r, const char *path, int dlt,
		    uint64_t cutoff, char *err, size_t errlen)
{
	pcap_t *dead = NULL;
	pcap_dumper_t *d = NULL;
	FILE *f = NULL;
	int fd, rc = 0, n = 0;

	fd = evid_file_create(path);
	if (fd < 0) {
		util_err(err, errlen, "%s: %s", path, strerror(-fd));
		return fd;
	}
	f = fdopen(fd, "w");
	dead = pcap_open_dead_with_tstamp_precision(dlt, (int)r->snaplen,
						    PCAP_TSTAMP_PRECISION_NANO);
	if (!f || !dead) {
		rc = -ENOMEM;
		goto out;
	}
	d = pcap_dump_fopen(dead, f);
	if (!d) {
		util_err(err, errlen, "%s: %s", path, pcap_geterr(dead));
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
	if (pcap_dump_flush(d) < 0 || fsync(fileno(pcap_dump_file(d))) < 0) {
		rc = errno ? -errno : -EIO;
		util_err(err, errlen, "%s: write: %s", path, strerror(-rc));
	}
out:
	if (d)
		pcap_dump_close(d);
	else if (f)
		fclose(f);
	else
		close(fd);
	if (dead)
		pcap_close(dead);
	if (rc && !(err && *err))
		util_err(err, errlen, "%s: %s", path, strerror(-rc));
	return rc ? rc : n;
}

int evid_ring_dump(const struct evid_ring *r, const char *path, char *err,
		   size_t errlen)
{
	uint16_t dlts[EVID_RING_MAX_DLTS];
	size_t ndlt = 0;
	uint64_t newest = 0, cutoff;
	char p[4096];
	int total = 0;

	if (err && errlen)
		*err = '\0';
	for (size_t i = 0; i < r->count; i++)
		if (nth(r, i)->ts_ns > newest)
			newest = nth(r, i)->ts_ns;
	cutoff = newest > r->window_ns ? newest - r->window_ns : 0;
	for (size_t i = 0; i < r->count; i++) {
		const struct slot *s = nth(r, i);
		size_t k;

		if (s->ts_ns < cutoff)
			continue;
		for (k = 0; k < ndlt && dlts[k] != s->dlt; k++)
			;
		if (k == ndlt && ndlt < EVID_RING_MAX_DLTS)
			dlts[ndlt++] = s->dlt;
	}
	if (!ndlt) /* an empty ring still leaves a (valid, empty) file */
		dlts[ndlt++] = DLT_EN10MB;
	for (size_t k = 0; k < ndlt; k++) {
		int rc = dlt_path(p, sizeof(p), path, dlts[k], k == 0);

		if (rc)
			return util_err(err, errlen, "%s: name too long", path);
		rc = dump_one(r, p, dlts[k], cutoff, err, errlen);
		if (rc < 0)
			return rc;
		total += rc;
	}
	return total;
}
