/* SPDX-License-Identifier: MIT */
#ifndef CORDON_LIST_H
#define CORDON_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "listspec.h"

/*
 * Threat and trusted lists in every format GuardDuty accepts for a
 * ThreatIntelSet / IPSet. See docs/internals/lists.md.
 */
struct list_limits {
	uint8_t floor_v4;      /* reject entries shorter than this (8) */
	uint8_t floor_v6;      /* (32) */
	size_t max_bytes;      /* whole list (256 MiB) */
	size_t max_entries;    /* (16M) */
	size_t max_bad;        /* reject when more bad lines than this... */
	unsigned max_bad_pct;  /* ...or more than this percent of lines */
};

void list_limits_default(struct list_limits *lim);

struct list_entry {
	struct cd_prefix pfx;
	uint32_t line; /* 1-based line (or record) in the source */
};

#define LIST_MSGS 5
#define LIST_MSGLEN 200

struct list_stats {
	size_t lines;    /* lines (records) read */
	size_t entries;  /* entries kept, ranges expanded */
	size_t bad;      /* lines that were neither entries nor skippable */
	size_t masked;   /* CIDRs whose host bits were set (warning) */
	size_t domains;  /* domain names skipped */
	size_t ranges;   /* STIX ranges expanded */
	size_t skipped;  /* other non-address indicators skipped (URL, hash...) */
};

struct list {
	char *location;    /* owned */
	char *name;        /* owned: base name, used as threatListName */
	enum list_format fmt;
	enum list_kind kind;
	struct list_entry *ent; /* owned, in source order */
	size_t n;
	struct list_stats st;
	/* First LIST_MSGS problems ("FILE:LINE: why"), for the caller to show. */
	char msgs[LIST_MSGS][LIST_MSGLEN];
	size_t n_msgs;
};

/*
 * Parse a whole list held in memory. On success *out is a new list the
 * caller frees with list_free(). On failure returns -EINVAL (bad input),
 * -EFBIG (over a cap) or -ENOMEM, writes one line naming the location,
 * line and reason into err, and leaves *out NULL.
 */
__must_check int list_parse(const char *location, enum list_format fmt,
			    enum list_kind kind, const char *buf, size_t len,
			    const struct list_limits *lim, struct list **out,
			    char *err, size_t errlen);
/* Read spec->location as a local file and list_parse() it. */
__must_check int list_load_file(const struct list_spec *spec,
				const struct list_limits *lim,
				struct list **out, char *err, size_t errlen);
void list_free(struct list *l);

#endif
