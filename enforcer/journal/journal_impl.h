/* SPDX-License-Identifier: MIT */
#ifndef CORDON_JOURNAL_IMPL_H
#define CORDON_JOURNAL_IMPL_H

#include "journal.h"

/*
 * Record header, little-endian (docs/internals/journal.md):
 *
 *   0      4        5      6          8          12             20       24
 *   +------+--------+------+----------+----------+--------------+--------+
 *   | magic| version| flags| reserved | length   | sequence     | crc32c |
 *   +------+--------+------+----------+----------+--------------+--------+
 *
 * crc32c covers bytes 0..19 and the payload. 0xC0 never occurs in UTF-8,
 * so the magic does not turn up inside the JSON text cJSON writes.
 */
#define JOURNAL_MAGIC "\xc0\xde" "JR"
#define JOURNAL_VERSION 1

struct journal_hdr {
	uint8_t version, flags;
	uint16_t reserved;
	uint32_t len;
	uint64_t seq;
	uint32_t crc;
};

void journal_hdr_encode(uint8_t out[JOURNAL_HDR_LEN], uint32_t len,
			uint64_t seq, const void *payload);
/* Checks the magic only; the caller checks length, checksum, version. */
bool journal_hdr_decode(const uint8_t in[JOURNAL_HDR_LEN], struct journal_hdr *h);
/* Field checks shared by the writer (before it writes) and the replay. */
int journal_rec_check(const struct cJSON *rec, char *err, size_t errlen);
/* journal_open(): replay what fd holds into st (zeroed first). */
int journal_state_replay_fd(int fd, struct journal_state *st, char *err,
			    size_t errlen);

/*
 * Apply the records from offset from on to st as it is (what another
 * writer appended); sc gets that part's scan (absolute offsets).
 */
int journal_state_follow_fd(int fd, uint64_t from, struct journal_state *st,
			    struct journal_scan *sc, char *err, size_t errlen);
/* journal_lock.c: the writer lock (timeout_ms: 0 don't wait, <0 forever). */
int journal_lock_open(const char *dir, int *out, char *err, size_t errlen);
int journal_lock_wait(int fd, int timeout_ms);
int journal_lock_take(int fd, int timeout_ms, char *err, size_t errlen);
/* Fill err naming the holder; returns -EWOULDBLOCK. */
int journal_lock_busy(int fd, int timeout_ms, char *err, size_t errlen);
void journal_lock_note_pid(int fd);
/* Append one record given as text (compact JSON); see journal_append(). */
int journal_append_text(struct journal *j, const char *text, bool durable);

#endif
