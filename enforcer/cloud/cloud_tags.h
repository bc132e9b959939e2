/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CLOUD_TAGS_H
#define CORDON_CLOUD_TAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud_limits.h"
#include "util.h"

/*
 * The cloud isolation contract's tags (DESIGN.md), pure: no AWS call, so
 * the agent (its own tags through IMDS), the off-host release (EC2
 * DescribeTags) and the tests read them the same way.
 *
 *   on each isolated interface
 *     cordon:original-groups     "sg-1,sg-2,..." (whole ids, comma-separated)
 *     cordon:original-groups-2   the list continued past 256 characters, -3, ...
 *   on the instance
 *     cordon:incident            the incident id
 *     cordon:status              installed | install-failed (user-data) |
 *                                isolated | released
 *     cordon:released            "[INCIDENT ]TIME" after a release
 *     cordon:finding             the finding id (the agent's, informative)
 *     cordon:silent              TIME the responder told of a silent agent
 *     cordon:followed            finding ids the responder sent a follow-up for
 *
 * See docs/internals/cloud.md.
 */

#define CLOUD_TAG_ORIG "cordon:original-groups"
#define CLOUD_TAG_INCIDENT "cordon:incident"
#define CLOUD_TAG_STATUS "cordon:status"
#define CLOUD_TAG_RELEASED "cordon:released"
#define CLOUD_TAG_FINDING "cordon:finding"
/* Set by the off-host responder when it told of a silent agent (time). */
#define CLOUD_TAG_SILENT "cordon:silent"
/* The GuardDuty findings the responder followed up on, newest first, comma-separated. */
#define CLOUD_TAG_FOLLOWED "cordon:followed"

#define CLOUD_TAG_KEY_MAX 128     /* EC2's limits, in bytes here: cordon's */
#define CLOUD_TAG_VALUE_MAX 256   /* own tags are ASCII */
#define CLOUD_ORIG_TAGS_MAX 8     /* cordon:original-groups .. -8: 16 ids of 63 need 4 */
#define CLOUD_TAGSET_MAX 16       /* the known cordon: keys of one resource */

/*
 * The cordon: tags of one resource that cordon reads. Every other key is
 * left out on the way in (a resource may carry 50 tags of anything), so
 * the set stays small and a stranger's tag can neither fill it nor make
 * a read fail.
 */
struct cloud_tagset {
	size_t n;
	struct cloud_tagkv {
		char key[CLOUD_TAG_KEY_MAX + 1];
		char value[CLOUD_TAG_VALUE_MAX + 1];
	} t[CLOUD_TAGSET_MAX];
};

/*
 * Add key=value if cordon reads that key (1, "taken"), or skip it (0).
 * -EINVAL when a known key is there twice or its value is over 256
 * bytes; -EFBIG when the set is full. err names the key.
 */
__must_check int cloud_tags_add(struct cloud_tagset *ts, const char *key, const char *value,
				char *err, size_t errlen);
/* The value of key, or NULL when the resource does not carry it. */
const char *cloud_tags_get(const struct cloud_tagset *ts, const char *key);

/* The interface tags for one group list, ready for CreateTags. */
struct cloud_orig_tags {
	size_t n;                                      /* 1..CLOUD_ORIG_TAGS_MAX */
	char key[CLOUD_ORIG_TAGS_MAX][32];             /* cordon:original-groups[-N] */
	char value[CLOUD_ORIG_TAGS_MAX][CLOUD_TAG_VALUE_MAX + 1];
};

/*
 * Split groups[0..n) into as few tag values as fit 256 characters each,
 * cut only between two ids. -EINVAL (err says why) when n is 0 or over
 * 16, an id is not "sg-" and letters or digits, or an id is listed twice.
 */
__must_check int cloud_tags_split_groups(const char *const groups[], size_t n,
					 struct cloud_orig_tags *out, char *err, size_t errlen);

/*
 * Reassemble an interface's original groups from its tags. -ENOENT when
 * it carries no cordon:original-groups (cordon did not isolate it, or a
 * release restored it); -EINVAL when what it carries cannot be trusted:
 * a gap in the numbering, a key cordon does not write, an empty or
 * malformed value, a bad or repeated id, more than 16 ids. Nothing is
 * returned then (*n = 0): a partial list must never be restored.
 */
__must_check int cloud_tags_join_groups(const struct cloud_tagset *ts,
					char groups[CLOUD_MAX_GROUPS][CLOUD_ID_LEN],
					size_t *n, char *err, size_t errlen);

/* The keys an interface may carry, for DeleteTags after a restore. */
void cloud_tags_orig_keys(const char *keys[CLOUD_ORIG_TAGS_MAX]);

enum cloud_status {
	CLOUD_STATUS_NONE,        /* no cordon:status tag */
	CLOUD_STATUS_INSTALLED,
	CLOUD_STATUS_INSTALL_FAILED,  /* firmware/user-data.sh could not install cordon */
	CLOUD_STATUS_ISOLATED,
	CLOUD_STATUS_RELEASED,
};

/* An instance's isolation state, from its tags. */
struct cloud_isolation {
	enum cloud_status status;
	char incident[CLOUD_ID_LEN];          /* cordon:incident, or "" */
	char finding[CLOUD_ID_LEN];           /* cordon:finding, or "" */
	char released_at[40];                     /* cordon:released's time, or "" */
	char released_incident[CLOUD_ID_LEN]; /* ... and its incident, or "" */
};

/*
 * Read the instance's state. -EINVAL when cordon:status is not one of
 * the four words, or an id or time is not a plain token (err names the
 * tag and shows the value cleaned of control characters).
 */
__must_check int cloud_tags_isolation(const struct cloud_tagset *ts, struct cloud_isolation *out,
				      char *err, size_t errlen);
/* "installed", "install-failed", "isolated", "released", or "none". */
const char *cloud_tags_status_name(enum cloud_status s);

#endif
