/* SPDX-License-Identifier: MIT */
#ifndef CORDON_JOURNAL_H
#define CORDON_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * The incident journal, STATE_DIR/journal: an append-only file of
 * checksummed records, each one compact JSON object. Every action of an
 * incident is written (and fdatasync'ed) BEFORE it is tried, so a restart
 * replays what is not marked done and `cordon release` finds what the
 * world looked like before cordon touched it. docs/internals/journal.md
 * describes the format and the recovery rules.
 */
struct cJSON;

#define JOURNAL_FILE "journal"
#define JOURNAL_LOCK_FILE "journal.lock"
#define JOURNAL_HDR_LEN 24
#define JOURNAL_MAX_RECORD (1u << 20)  /* payload bytes */
#define JOURNAL_MAX_INCIDENTS 1024     /* closed ones beyond are forgotten */
#define JOURNAL_MAX_ACTIONS 4096       /* per incident */
#define JOURNAL_ID_LEN 64
#define JOURNAL_NAME_LEN 48
#define JOURNAL_KEY_LEN 256            /* "action:target" */
#define JOURNAL_TEXT_LEN 256

/* ---- reading: framing only ---- */

enum journal_rec_kind {
	JOURNAL_REC_OK,      /* a good record */
	JOURNAL_REC_CORRUPT, /* bad bytes with a good record after them */
	JOURNAL_REC_TORN,    /* bad bytes at the end: a torn last append */
};

struct journal_rec {
	enum journal_rec_kind kind;
	uint64_t off, len;   /* file offset and length (header included) */
	uint64_t seq;        /* OK only */
	const char *payload; /* OK only: JSON text, not NUL-terminated, valid
			      * during the callback only */
	uint32_t payload_len;
	const char *why;     /* CORRUPT and TORN: the first thing found wrong */
};

/* Return 0 to go on; a negative value stops the read and is returned. */
typedef int (*journal_rec_fn)(const struct journal_rec *r, void *arg);

struct journal_scan {
	uint64_t records;          /* good records */
	uint64_t last_seq;
	uint64_t good_end;         /* offset just past the last good record */
	uint64_t size;             /* bytes read */
	uint64_t corrupt;          /* bad regions in the middle */
	uint64_t corrupt_bytes;
	uint64_t first_corrupt_off;
	uint64_t seq_backwards;    /* records whose seq did not grow */
	bool torn;                 /* bad bytes after the last good record */
	uint64_t torn_off, torn_bytes;
	bool truncated;            /* journal_open() cut the torn tail */
	bool tail_kept;            /* tail too long to be one torn append: kept */
	uint64_t bytes_read;       /* file reads only: bytes this read took */
};

/*
 * Read every record of the journal in DIR (a missing file reads as empty)
 * without locking: a writer's append in progress reads as a torn tail.
 * 0, -EPROTONOSUPPORT (a record of a newer format), -errno, or fn's value.
 */
__must_check int journal_read(const char *dir, journal_rec_fn fn, void *arg,
			      struct journal_scan *scan, char *err,
			      size_t errlen);
__must_check int journal_read_fd(int fd, journal_rec_fn fn, void *arg,
				 struct journal_scan *scan, char *err,
				 size_t errlen);
/* From offset from on (a record boundary); offsets in scan are absolute. */
__must_check int journal_read_fd_from(int fd, uint64_t from, journal_rec_fn fn, void *arg,
				      struct journal_scan *scan, char *err, size_t errlen);
/* Same over a buffer (fuzzing, tests). */
__must_check int journal_read_mem(const uint8_t *buf, size_t len,
				  journal_rec_fn fn, void *arg,
				  struct journal_scan *scan, char *err,
				  size_t errlen);
/* CRC32C (Castagnoli), as used for the record checksum. */
uint32_t journal_crc32c(uint32_t crc, const void *buf, size_t len);

/* ---- the model built by replaying the records ---- */

enum journal_astate { JOURNAL_INTENT, JOURNAL_DONE, JOURNAL_FAILED };

struct journal_action {
	char key[JOURNAL_KEY_LEN];      /* "ec2_modify_eni:eni-0abc", unique per incident */
	char action[JOURNAL_NAME_LEN];  /* "ec2_modify_eni" */
	const char *target;             /* into key, after the ':' */
	enum journal_astate state;      /* the latest record's */
	unsigned attempts;              /* intents seen, or the highest "attempt" */
	struct cJSON *params;           /* the FIRST intent's params (the world
					 * before cordon touched it), or NULL */
	struct cJSON *result;           /* the latest done's result, or NULL */
	char error[JOURNAL_TEXT_LEN];   /* the latest failure */
	char at[UTIL_TIMESTAMP_LEN];    /* the latest record's time */
	uint64_t seq;                   /* the latest record's sequence number */
};

struct journal_incident {
	char id[JOURNAL_ID_LEN];
	unsigned findings_joined;       /* finding_joined records */
	char opened_at[UTIL_TIMESTAMP_LEN], closed_at[UTIL_TIMESTAMP_LEN];
	char reason[JOURNAL_TEXT_LEN], close_reason[JOURNAL_TEXT_LEN];
	char status[JOURNAL_NAME_LEN];  /* "open", incident_status values, "closed" */
	bool closed;
	bool implicit;                  /* actions seen without an incident_open */
	struct cJSON *finding;          /* or NULL */
	struct journal_action *actions; /* in the order of their first record */
	size_t n_actions, cap_actions;
};

/* Owned by the caller; journal_state_free() releases what it holds. */
struct journal_state {
	struct journal_incident *inc;   /* in the order they were opened */
	size_t n_inc, cap_inc;
	struct journal_scan scan;
	uint64_t invalid;               /* good checksum, unusable JSON or fields */
	uint64_t unknown;               /* record types this version ignores */
	uint64_t dropped;               /* closed incidents forgotten (cap) */
	char first_invalid[ERRLEN];     /* why the first invalid record was */
};

/*
 * Replay STATE_DIR/journal into st (zeroed first: free what it held;
 * empty again on failure). A missing journal gives
 * an empty state. Torn and corrupt records are counted in st->scan, never
 * fatal; invalid JSON in a good record is counted in st->invalid.
 */
__must_check int journal_state_load(const char *dir, struct journal_state *st,
				    char *err, size_t errlen);
/* Apply one record (already parsed). 0, or -EINVAL (counted, err says why). */
int journal_state_apply(struct journal_state *st, uint64_t seq,
			const struct cJSON *rec, char *err, size_t errlen);
void journal_state_free(struct journal_state *st);
/* The most recently opened incident that is not closed, or NULL. */
const struct journal_incident *journal_state_open_incident(const struct journal_state *st);
const struct journal_incident *journal_state_incident(const struct journal_state *st,
						      const char *id);
const struct journal_action *journal_state_action(const struct journal_state *st,
						  const char *incident,
						  const char *action,
						  const char *target);
/*
 * Actions with an intent and no done (state INTENT or FAILED) of open
 * incidents (incident NULL: every open incident), in journal order. Fills
 * up to max pointers and returns how many there are in all. The pointers
 * are valid until st changes.
 */
size_t journal_pending(const struct journal_state *st, const char *incident,
		       const struct journal_action **out, size_t max);
const char *journal_astate_name(enum journal_astate s);

/* ---- writing ---- */

struct journal;

/*
 * Open STATE_DIR/journal for appending (creating DIR 0700 and the file
 * 0600, refusing a symlink or anything but a regular file) and take the
 * writer lock, STATE_DIR/journal.lock, held until journal_close(). Waits
 * up to lock_timeout_ms for another writer (0: don't wait, <0: forever),
 * then fails with -EWOULDBLOCK naming the holder's pid (the lock is per
 * open, so a second journal_open() in the same process waits too). The
 * journal is replayed into st (may be NULL; zeroed first, so free what it
 * held; freed again on failure), which the appends then keep current; st
 * must outlive j. A torn last record is cut off (st->scan.truncated, or
 * journal_scan_info()); corruption in the middle is reported, not fatal.
 */
__must_check int journal_open(const char *dir, int lock_timeout_ms,
			      struct journal_state *st, struct journal **out,
			      char *err, size_t errlen);
/*
 * The same for a writer that stays open for its whole life (the agent):
 * the writer lock is taken only around each write and never waited for,
 * so that `cordon release` gets in at any time. Before writing, the
 * records other writers appended meanwhile are read (only those bytes)
 * and applied to st, so st always holds the whole journal. A record that
 * finds the lock held is queued in memory, applied to st at once, and
 * written at the next chance (journal_sync(), the next append), except
 * an intent: that fails with -EWOULDBLOCK and nothing is written. st is
 * required.
 */
__must_check int journal_attach(const char *dir, struct journal_state *st,
				struct journal **out, char *err, size_t errlen);
/*
 * Read what other writers appended since the last look (no lock; only
 * the new bytes) and apply it to st. 1 when st changed, 0 when nothing
 * was new, -errno.
 */
__must_check int journal_refresh(struct journal *j);
/*
 * Write what is queued and make every record written so far durable
 * (fdatasync). 0, -EWOULDBLOCK (attached, lock held: try again later),
 * -errno. Cheap when there is nothing to do.
 */
__must_check int journal_sync(struct journal *j);
/* Records written but not yet durable, or queued. */
bool journal_dirty(const struct journal *j);
/* journal_sync() (best effort), then close and unlock. NULL is a no-op. */
void journal_close(struct journal *j);
/*
 * In a child after fork(): let go of the descriptors (the lock is shared
 * with the parent's) and the memory, write nothing. NULL is a no-op.
 */
void journal_abandon(struct journal *j);
const struct journal_scan *journal_scan_info(const struct journal *j);
/* Why the last append failed, one line. */
const char *journal_error(const struct journal *j);

/* What the writer cost, for tests and status. */
struct journal_stats {
	uint64_t appends;     /* records written to the file */
	uint64_t syncs;       /* fdatasync calls */
	uint64_t bytes_read;  /* read back from the file: at open, and since */
	uint64_t replays;     /* whole-file re-reads after the open */
	uint64_t queued;      /* records that waited for the lock */
};
const struct journal_stats *journal_stats(const struct journal *j);

/*
 * Append one record (a JSON object with at least "type" and "incident";
 * "at" is added when missing): one write(2), so the record survives the
 * writer's death at once. Durable (fdatasync) with the next intent, with
 * journal_sync(), or at journal_close(): an intent is durable before its
 * helper returns, so the action it announces may be tried. 0 or -errno.
 * After a failed fdatasync the journal refuses appends (-EIO): close and
 * reopen it, which replays and cuts what may be torn.
 */
__must_check int journal_append(struct journal *j, const struct cJSON *rec);

/* The records the daemon and `cordon release` write. 0 or -errno. */
/* finding: one JSON object as text (finding_json()), written as it is; may be NULL. */
__must_check int journal_incident_open(struct journal *j, const char *incident,
				       const char *reason, const char *finding);
/* A finding that joined an open incident (written lazily, counted per incident). */
__must_check int journal_finding_joined(struct journal *j, const char *incident,
					const char *finding_id);
__must_check int journal_incident_status(struct journal *j, const char *incident,
					 const char *status);
__must_check int journal_incident_close(struct journal *j, const char *incident,
					const char *reason);
/*
 * action: [a-z0-9_]+; target: what it acts on ("eni-0abc"); params may be
 * NULL. The intent is durable when this returns 0 (fdatasync of it and of
 * everything before it).
 */
__must_check int journal_action_intent(struct journal *j, const char *incident,
				       const char *action, const char *target,
				       const struct cJSON *params);
__must_check int journal_action_done(struct journal *j, const char *incident,
				     const char *action, const char *target,
				     const struct cJSON *result);
__must_check int journal_action_failed(struct journal *j, const char *incident,
				       const char *action, const char *target,
				       const char *error, unsigned attempt);

#endif
