/* SPDX-License-Identifier: MIT */
#ifndef CORDON_GD_INTEL_H
#define CORDON_GD_INTEL_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_client.h"
#include "gd.h"

/*
 * GuardDuty's copies of cordon's lists: a threat list is a ThreatIntelSet,
 * a trusted list an IPSet. GuardDuty reads the file when the set is
 * activated and not again: after the object changes, the set must be
 * activated again (UpdateThreatIntelSet / UpdateIPSet, activate true) so
 * that GuardDuty matches what the agents match. REST-JSON, API
 * 2017-11-28. See docs/internals/respond.md.
 */

enum gd_intel_kind {
	GD_INTEL_THREAT,   /* ThreatIntelSet: /detector/ID/threatintelset */
	GD_INTEL_TRUSTED,  /* IPSet:          /detector/ID/ipset */
};

#define GD_INTEL_MAX 64    /* sets a detector may hold: 6 of each, a few more */

struct gd_intel_set {
	char id[GD_ID_LEN];
	char name[301];        /* the API's Name: at most 300 */
	char location[301];
	char format[16];       /* TXT, STIX, ... */
	char status[16];       /* ACTIVE, INACTIVE, ACTIVATING, ... */
};

/* "ThreatIntelSet" or "IPSet", for messages. */
const char *gd_intel_kind_name(enum gd_intel_kind k);

/*
 * Every set of that kind whose location names s3://bucket/key (any of
 * the forms s3url.h reads), through List... then Get... of each, into
 * out[0..*n). 0 with *n == 0 when none does.
 */
__must_check int gd_intel_find(struct aws_client *c, const char *detector,
			       enum gd_intel_kind kind, const char *bucket, const char *key,
			       struct gd_intel_set *out, size_t max, size_t *n,
			       char *err, size_t errlen);

/* Update... with {"activate": true}: GuardDuty reads the file again. */
__must_check int gd_intel_activate(struct aws_client *c, const char *detector,
				   enum gd_intel_kind kind, const char *set_id,
				   char *err, size_t errlen);

/* The pure parts: a List... answer (ids, nextToken) and a Get... answer. */
__must_check int gd_intel_parse_list(const char *json, size_t len, enum gd_intel_kind kind,
				     char (*ids)[GD_ID_LEN], size_t max, size_t *n,
				     char *next, size_t nextlen, char *err, size_t errlen);
__must_check int gd_intel_parse_get(const char *json, size_t len, struct gd_intel_set *out,
				    char *err, size_t errlen);

#endif
