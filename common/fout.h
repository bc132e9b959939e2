/* SPDX-License-Identifier: MIT */
#ifndef CORDON_FOUT_H
#define CORDON_FOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What goes into the findings file, decided before anything is written
 * (issue 11 item 2: a scan rewrote changed findings every second, 262 MB
 * in 22 s). Two bounds hold whatever the traffic:
 * - rate: a token bucket of rate bytes per second, burst bytes deep.
 *   Each class of record may only use the bucket down to its floor:
 *   routine updates (counters moved) the upper half, new findings the
 *   upper three quarters, key records (OUTBOUND or answered: what the
 *   incident policy reads) all of it. A scan's flood of new inbound
 *   findings cannot starve the host's own connection to a C2. What does
 *   not fit is dropped and counted, never queued.
 * - size: once the file would pass max_file bytes it is rotated (the
 *   caller renames it to FILE.1, replacing the previous FILE.1, and opens
 *   a new one): the disk holds at most 2 * max_file of findings.
 * Pure logic with the clock passed in: the caller does the file work.
 */
struct fout_opts {
	uint64_t rate;     /* bytes per second (> 0) */
	uint64_t burst;    /* bucket depth in bytes (>= the largest record) */
	uint64_t max_file; /* rotate before the file passes this (0: never) */
};

#define FOUT_RATE (256u << 10)
#define FOUT_BURST (2u << 20)
#define FOUT_MAX_FILE (64u << 20)

struct fout_stats {
	uint64_t written, written_bytes;
	uint64_t dropped, dropped_bytes; /* over the rate */
	uint64_t rotations;
};

struct fout {
	struct fout_opts o;
	uint64_t tokens_milli; /* bytes * 1000: exact refill at any rate */
	uint64_t last_ns;
	uint64_t file_bytes, last_len;
	struct fout_stats st;
};

enum fout_class {
	FOUT_UPDATE, /* a finding's counters moved */
	FOUT_NEW,    /* a new finding, or a change of its flags */
	FOUT_KEY,    /* the same, OUTBOUND or answered by the host */
};

enum fout_verdict {
	FOUT_DROP,         /* over the rate: counted, write nothing */
	FOUT_WRITE,        /* write the record */
	FOUT_ROTATE_WRITE, /* rotate the file (and reopen it), write, then
			    * call fout_rotated() */
};

void fout_opts_default(struct fout_opts *o);
/* file_bytes: the size of the file as opened (appending). Bucket full. */
void fout_init(struct fout *fo, const struct fout_opts *o, uint64_t file_bytes,
	       uint64_t now_ns);
/* One record of len bytes (newline included) at now_ns (monotonic). */
enum fout_verdict fout_decide(struct fout *fo, size_t len,
			      enum fout_class cls, uint64_t now_ns);
/* The caller rotated the file and wrote the record into the new one. */
void fout_rotated(struct fout *fo);
/* The file was reopened by someone else's rotation (SIGHUP): its size. */
void fout_reopened(struct fout *fo, uint64_t file_bytes);

#endif
