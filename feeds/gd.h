/* SPDX-License-Identifier: MIT */
#ifndef CORDON_GD_H
#define CORDON_GD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_client.h"
#include "util.h"

/*
 * GuardDuty findings polling (REST-JSON): find the region's detector,
 * list the findings about this instance updated since a time, read them,
 * and decide which ones cordon acts on. See docs/internals/gd.md.
 */

#define GD_DETECTOR_LEN 64
#define GD_ID_LEN 80          /* GuardDuty's ids are 32 hex characters */
#define GD_MAX_GET 50         /* GetFindings takes at most 50 ids */
#define GD_MAX_REMOTE 8       /* remote addresses kept per finding */
#define GD_MAX_PAGES 100      /* ListFindings pages per poll, at most */
#define GD_MAX_ANSWER (8 * 1024 * 1024)

struct gd_finding {
	char id[GD_ID_LEN];
	char type[128];
	double severity;
	char title[256];
	char created_at[40], updated_at[40];
	char account[16], region[32];
	char instance_id[64];         /* "" when not about an instance */
	bool archived;
	char remote[GD_MAX_REMOTE][48]; /* IPv4 or IPv6, as GuardDuty wrote them */
	size_t n_remote;
	bool remote_truncated;        /* more than GD_MAX_REMOTE were listed */
};

/* ListDetectors: the region's detector (there is at most one). -ENOENT: none. */
__must_check int gd_find_detector(struct aws_client *c, char detector[GD_DETECTOR_LEN],
				  char *err, size_t errlen);

/*
 * ListFindings, following nextToken: unarchived findings about
 * instance_id (NULL: any) with updatedAt >= updated_since_ms, oldest
 * update first, into ids[0..*n). Stops at max ids, so a caller that
 * polls resumes from the last one's updatedAt without losing any.
 */
__must_check int gd_list_findings(struct aws_client *c, const char *detector,
				  const char *instance_id, uint64_t updated_since_ms,
				  char (*ids)[GD_ID_LEN], size_t max, size_t *n,
				  char *err, size_t errlen);

/* GetFindings for ids[0..n), n <= GD_MAX_GET, into out[0..*n_out). */
__must_check int gd_get_findings(struct aws_client *c, const char *detector,
				 const char *const ids[], size_t n, struct gd_finding *out,
				 size_t *n_out, char *err, size_t errlen);

/* The pure part: a GetFindings answer into out[0..*n) (at most max). */
__must_check int gd_parse_findings(const char *json, size_t len, struct gd_finding *out,
				   size_t max, size_t *n, char *err, size_t errlen);

/* The ListFindings request body (pure; caller frees). NULL on bad input. */
char *gd_list_body(const char *instance_id, uint64_t updated_since_ms, const char *next_token);

/* Does type match one of type_globs (fnmatch)? None given (n == 0): no. */
bool gd_type_match(const char *type, const char *const *type_globs, size_t n);
/*
 * Does this finding declare an incident ([incident] guardduty_types and
 * guardduty_min_severity, cordon.conf(5))? Never when archived; yes when
 * its type matches one of type_globs AND its severity is >= min_severity.
 * The agent's GuardDuty poll and the off-host responder both ask this.
 */
bool gd_policy_match(const struct gd_finding *f, const char *const *type_globs, size_t n,
		     double min_severity);

#endif
