/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PCAPFILE_H
#define CORDON_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * A reader for classic pcap files (the four magics: micro- and nanosecond,
 * either byte order) that hands out records in batches straight from the
 * file mapped whole (or, if it cannot be mapped, one large read buffer).
 * It exists because libpcap's offline reader makes two fread() calls per
 * packet, which costs more than cordon's own work per packet. pcapng,
 * pipes and anything else go through libpcap (pcapf_open() returns
 * -ENOTSUP for them).
 */
struct pcapf;

struct pcapf_rec {
	const uint8_t *data; /* into the reader's buffer: valid until the next call */
	uint32_t caplen, len;
	uint64_t ts_ns;
};

/* 0, -ENOTSUP (not classic pcap or not a regular file), or -errno. */
__must_check int pcapf_open(const char *path, struct pcapf **out, char *err,
			    size_t errlen);
/* Same, over a caller's buffer (fuzzing, tests). buf must outlive pf. */
__must_check int pcapf_open_mem(const uint8_t *buf, size_t len,
				struct pcapf **out, char *err, size_t errlen);
void pcapf_close(struct pcapf *pf);
/*
 * Mapped (or from memory): records stay readable until pcapf_close(), and
 * the reader can go back (pcapf_tell/pcapf_seek). Pages behind the reader
 * are unmapped in 32 MiB steps (page cache: read again, they fault in).
 */
bool pcapf_mapped(const struct pcapf *pf);
struct pcapf_pos {
	size_t off;
	uint64_t recno;
};
void pcapf_tell(const struct pcapf *pf, struct pcapf_pos *pos);
/* Back to a position told before; -ESPIPE when not mapped. */
__must_check int pcapf_seek(struct pcapf *pf, const struct pcapf_pos *pos);
/* The pcap DLT for the file's link type (LINKTYPE_RAW 101 -> DLT_RAW). */
int pcapf_dlt(const struct pcapf *pf);
/*
 * A mapped reader lets the pages behind it go as it reads, in 32 MiB
 * steps (they stay in the page cache: a record read again faults back
 * in). A caller that reads records again lets [from, to) go once done
 * with pcapf_release() (whole pages inside only; any thread).
 */
void pcapf_release(const struct pcapf *pf, const uint8_t *from, const uint8_t *to);
/*
 * And maps [from, to) back in at once before reading many records of it
 * again (one system call, not a page fault per 64 KiB; a hint: pages it
 * cannot map fault in as read).
 */
void pcapf_reread(const struct pcapf *pf, const uint8_t *from, const uint8_t *to);
/*
 * The record whose data a mapped reader handed out before (r->data of an
 * earlier pcapf_next_batch()), again: the mapping keeps it readable, so
 * a caller may keep just the pointer. Only reads pf: any thread.
 */
void pcapf_rec_at(const struct pcapf *pf, const uint8_t *data,
		  struct pcapf_rec *r);
/*
 * Next record: 1 with *r filled, 0 at a clean end of file, -EBADMSG for
 * a damaged or truncated record (err says where; the records before it
 * were good).
 */
__must_check int pcapf_next(struct pcapf *pf, struct pcapf_rec *r, char *err,
			    size_t errlen);
/*
 * Up to max records at once, all valid until the next call: the count,
 * 0 at a clean end, or -EBADMSG once the good records before the damage
 * have been returned.
 */
__must_check int pcapf_next_batch(struct pcapf *pf, struct pcapf_rec *r,
				  int max, char *err, size_t errlen);

#endif
