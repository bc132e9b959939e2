/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CLOUD_LIMITS_H
#define CORDON_CLOUD_LIMITS_H

/*
 * EC2's sizes as cordon stores them, and a tag: what the API calls
 * (cloud.h) and the tag logic (cloud_tags.h) share, with no code.
 */
#define CLOUD_ID_LEN 64       /* any EC2 id cordon stores: "eni-attach-0abc..." */
#define CLOUD_MAX_ENIS 16     /* the most any instance type can attach is 15 */
#define CLOUD_MAX_GROUPS 16   /* EC2 allows at most 16 groups per interface */
#define CLOUD_MAX_VOLUMES 32
#define CLOUD_SNAP_ID_LEN 32

/* A tag; value may be "" (EC2 allows empty values), never NULL. */
struct cloud_tag {
	const char *key;
	const char *value;
};

#endif
