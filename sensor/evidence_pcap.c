/* SPDX-License-Identifier: MIT */
/*
 * The incident's own flows, written from the moment it opens: nanosecond
 * pcap through libpcap's savefile writer, rotated at a size cap, with a
 * cap on the number of files so a flood can't fill the disk.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "evidence.h"

struct evidence_pcap {
	pcap_t *dead;
	pcap_dumper_t *d;
	char dir[PATH_MAX], base[64];
	uint64_t max_bytes, dropped;
	uint32_t snaplen;
	unsigned max_files, index; /* index: files opened so far */
	int err;                   /* sticky: first write error */
};

static int file_close(struct evidence_pcap *p)
{
	int rc = 0;

	if (!p->d)
		return 0;
	if (pcap_dump_flush(p->d) < 0 || fsync(fileno(pcap_dump_file(p->d))) < 0)
		rc = errno ? -errno : -EIO;
	pcap_dump_close(p->d);
	p->d = NULL;
	return rc;
}

static int file_next(struct evidence_pcap *p, char *err, size_t errlen)
{
	char path[PATH_MAX + 80];
	FILE *f;
	int fd;

	/* After a restart the files of the first run stay; go on after them. */
	do {
		snprintf(path, sizeof(path), "%s/%s-%03u.pcap", p->dir, p->base,
			 p->index);
		fd = evidence_file_create(path);
	} while (fd == -EEXIST && ++p->index < p->max_files);
	if (fd == -EEXIST) {
		p->index = p->max_files;
		return 0; /* all taken: what comes is counted as dropped */
	}
	if (fd < 0) {
		util_err(err, errlen, "%s: %s", path, strerror(-fd));
		return fd;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	p->d = pcap_dump_fopen(p->dead, f);
	if (!p->d) {
		util_err(err, errlen, "%s: %s", path, pcap_geterr(p->dead));
		fclose(f);
		return -EINVAL;
	}
	p->index++;
	return 0;
}

static bool base_ok(const char *s)
{
	if (!*s || *s == '.' || strlen(s) >= 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

int evidence_pcap_open(const char *dir, const char *base, int dlt, uint32_t snaplen,
		   uint64_t max_bytes, unsigned max_files, struct evidence_pcap **out,
		   char *err, size_t errlen)
{
	struct evidence_pcap *p;
	int rc;

	*out = NULL;
	if (!base_ok(base) || !max_files || max_bytes < 4096 || !snaplen ||
	    snaplen > 262144)
		return util_err(err, errlen, "evidence pcap %s: bad name or limits",
				base);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (util_strlcpy(p->dir, dir, sizeof(p->dir)) >= sizeof(p->dir)) {
		free(p);
		return util_err(err, errlen, "%s: name too long", dir);
	}
	util_strlcpy(p->base, base, sizeof(p->base));
	p->max_bytes = max_bytes;
	p->max_files = max_files;
	p->snaplen = snaplen;
	p->dead = pcap_open_dead_with_tstamp_precision(dlt, (int)snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!p->dead) {
		free(p);
		return -ENOMEM;
	}
	rc = file_next(p, err, errlen);
	if (rc) {
		pcap_close(p->dead);
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int evidence_pcap_write(struct evidence_pcap *p, uint64_t ts_ns, const uint8_t *data,
		    uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr h;

	if (p->err)
		return p->err;
	if (caplen > p->snaplen)
		caplen = p->snaplen;
	if (p->d && (uint64_t)pcap_dump_ftell64(p->d) + 16 + caplen > p->max_bytes) {
		p->err = file_close(p);
		if (p->err)
			return p->err;
		if (p->index < p->max_files) {
			p->err = file_next(p, NULL, 0);
			if (p->err)
				return p->err;
		}
	}
	if (!p->d) {
		p->dropped++;
		return 0;
	}
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ull);
	h.caplen = caplen;
	h.len = len > caplen ? len : caplen;
	pcap_dump((u_char *)p->d, &h, data);
	return 0;
}

uint64_t evidence_pcap_dropped(const struct evidence_pcap *p)
{
	return p->dropped;
}

int evidence_pcap_close(struct evidence_pcap *p)
{
	int rc;

	if (!p)
		return 0;
	rc = file_close(p);
	pcap_close(p->dead);
	if (!rc)
		rc = p->err;
	free(p);
	return rc;
}
