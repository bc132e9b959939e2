/* SPDX-License-Identifier: MIT */
#ifndef CORDON_SYNC_H
#define CORDON_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "util.h"

/*
 * Keeping threat and trusted lists in force from S3 (or local files).
 * A downloaded list is parsed and validated completely before it replaces
 * the last good copy in STATE_DIR/lists/ (temp file, fsync, rename); any
 * failure keeps the last good copy and says why. See docs/internals/aws.md.
 */
struct aws_client;

enum sync_result {
	SYNC_UPDATED,   /* a new version was fetched, validated and stored */
	SYNC_UNCHANGED, /* S3 said 304: nothing was parsed */
	SYNC_LOADED,    /* a local file, read and parsed */
	SYNC_FAILED,    /* see reason; the last good copy (if any) stays */
};

struct sync_opts {
	const char *state_dir;
	struct aws_client *client;    /* used for S3 locations; not owned */
	const struct list_limits *lim; /* NULL: defaults */
	/* Hand back a list even when nothing new was parsed (304, failure):
	 * the stored last good copy, parsed from disk. */
	bool need_list;
};

struct sync_status {
	enum sync_result res;
	bool in_force;         /* a list is in force: fresh or last good */
	bool from_last_good;   /* what is in force is the stored copy */
	size_t entries;        /* of the list in force */
	char etag[256];        /* of the list in force, "" for local files */
	char checksum[16];     /* the S3 checksum verified, "" when none */
	char reason[ERRLEN];   /* why, for SYNC_FAILED */
};

const char *sync_result_name(enum sync_result r);

/* Where the last good copy of spec lives: STATE_DIR/lists/<hash>.body. */
__must_check int sync_stored_path(const char *state_dir, const struct list_spec *spec,
				  char *body, size_t len);

/*
 * Sync one list. *out gets a new list (caller frees) when one was parsed:
 * a fresh version, a local file, or (need_list) the stored last good copy
 * after a 304 or a failure. Otherwise *out is NULL and whatever the caller
 * already holds stays in force. Returns 0 when a list is in force
 * (st->in_force), else a negative errno; st is filled either way.
 */
__must_check int sync_list(const struct sync_opts *o, const struct list_spec *spec,
			   struct list **out, struct sync_status *st);

/*
 * When the daemon should sync next, in milliseconds: the first time a
 * random point in [0, interval) so that a fleet started at once spreads
 * its fetches out, then interval +- 10 %.
 */
uint64_t sync_next_delay_ms(unsigned interval_s, bool first);

/*
 * A lists_fetch_fn (lists_load.h) for commands that take S3 locations
 * without a state directory: one verified GetObject. arg is a struct
 * aws_client *, or NULL to make one for the call.
 */
int sync_fetch(const struct list_spec *spec, size_t cap, char **buf, size_t *len,
	       char *err, size_t errlen, void *arg);

#endif
