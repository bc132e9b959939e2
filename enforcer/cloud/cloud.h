/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CLOUD_H
#define CORDON_CLOUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_client.h"
#include "cloud_limits.h"
#include "util.h"

/*
 * Cloud isolation through the EC2 API (query protocol, API version
 * 2016-11-15): read an instance's network interfaces and their security
 * groups, swap every interface into the forensic group and back, tag,
 * protect and snapshot. Every function is one idempotent API call (or a
 * short fixed sequence), so the journal may retry any of them after a
 * crash. See docs/internals/cloud.md.
 */

#define CLOUD_NEXT_TOKEN_LEN 1024

struct cloud_eni {
	char id[CLOUD_ID_LEN];            /* "eni-..." */
	char attachment_id[CLOUD_ID_LEN]; /* "eni-attach-...", "" if none */
	int device_index;                 /* 0 = primary; -1 when not attached */
	char private_ip[48];              /* primary private address, may be "" */
	char groups[CLOUD_MAX_GROUPS][CLOUD_ID_LEN];
	size_t n_groups;
};

struct cloud_instance {
	char id[CLOUD_ID_LEN];
	char vpc_id[CLOUD_ID_LEN];
	char subnet_id[CLOUD_ID_LEN];
	char state[32];                   /* "running", "stopped", ... */
	struct cloud_eni eni[CLOUD_MAX_ENIS];
	size_t n_eni;                     /* in device-index order */
	char volumes[CLOUD_MAX_VOLUMES][CLOUD_ID_LEN]; /* attached EBS "vol-..." */
	size_t n_volumes;
};

/*
 * DescribeInstances for one instance id into out. -ENOENT when EC2 knows
 * no such instance, -EFBIG when it has more interfaces, groups or volumes
 * than the caps above (never a silently shortened list: a swap that
 * missed one interface would leave the host reachable).
 */
__must_check int cloud_describe_instance(struct aws_client *c, const char *instance_id,
					 struct cloud_instance *out, char *err, size_t errlen);

/*
 * Parse a DescribeInstances answer (the pure part of the call above);
 * exactly one instance must be in it. 0, -ENOENT (no instance), -EINVAL
 * (malformed, or more than one instance), -EFBIG (over a cap).
 */
__must_check int cloud_parse_instance(const char *xml, size_t len, struct cloud_instance *out,
				      char *err, size_t errlen);

/*
 * ModifyNetworkInterfaceAttribute: replace the interface's groups with
 * exactly groups[0..n). Setting the same set twice is harmless. n must be
 * 1..CLOUD_MAX_GROUPS (an interface always has at least one group).
 */
__must_check int cloud_set_eni_groups(struct aws_client *c, const char *eni_id,
				      const char *const groups[], size_t n,
				      char *err, size_t errlen);

/* CreateTags on one resource (instance, interface, volume, snapshot). */
__must_check int cloud_create_tags(struct aws_client *c, const char *resource_id,
				   const struct cloud_tag tags[], size_t n,
				   char *err, size_t errlen);
/* DeleteTags by key, whatever their values; absent keys are not an error. */
__must_check int cloud_delete_tags(struct aws_client *c, const char *resource_id,
				   const char *const keys[], size_t n,
				   char *err, size_t errlen);

/*
 * ModifyInstanceAttribute: DisableApiTermination = termination_protection
 * (so release can turn it off again), and when shutdown_stop, an
 * InstanceInitiatedShutdownBehavior of "stop" so that a shutdown from
 * inside the host keeps the disks for forensics. shutdown_stop false
 * leaves the behaviour as it is: cordon does not know the original.
 */
__must_check int cloud_protect_instance(struct aws_client *c, const char *instance_id,
					bool termination_protection, bool shutdown_stop,
					char *err, size_t errlen);

/*
 * CreateSnapshot of one volume, tagged at creation (TagSpecification, so
 * there is never an untagged snapshot). snap_id gets "snap-...". The
 * snapshot is only started; EC2 completes it in the background.
 */
__must_check int cloud_snapshot_volume(struct aws_client *c, const char *volume_id,
				       const char *description,
				       const struct cloud_tag tags[], size_t n_tags,
				       char snap_id[CLOUD_SNAP_ID_LEN], char *err, size_t errlen);

/*
 * AWS times (cloud_time.c): "2026-01-01T00:00:00[.123]Z" -> Unix ms,
 * -EINVAL when it is not that (EC2, CloudWatch, GuardDuty and cordon's
 * own tags all write it so).
 */
__must_check int cloud_time_parse(const char *s, uint64_t *ms);
/* Unix ms -> "2026-01-01T00:00:00.123Z". */
void cloud_time_format(uint64_t ms, char out[UTIL_TIMESTAMP_LEN]);

/*
 * DescribeInstances of every instance that passes the filters (EC2's
 * names and values: "instance-state-name"="running",
 * "tag:cordon:status"="installed", "tag-key"="cordon:silent"), following
 * nextToken, 1000 a page, at most max instances (-EFBIG past it: a
 * partial list would hide instances). *out is malloc'ed (caller frees).
 */
struct cloud_filter {
	const char *name;
	const char *value;
};
struct cloud_brief {
	char id[CLOUD_ID_LEN];
	uint64_t launch_ms;       /* launchTime, Unix ms; 0 when absent */
};
__must_check int cloud_list_instances(struct aws_client *c, const struct cloud_filter *f,
				      size_t nf, size_t max, struct cloud_brief **out,
				      size_t *n, char *err, size_t errlen);
/*
 * The pure part: one page appended to out (n so far, max capacity);
 * next gets nextToken or "".
 */
__must_check int cloud_parse_instance_list(const char *xml, size_t len, struct cloud_brief *out,
					   size_t max, size_t *n, char next[CLOUD_NEXT_TOKEN_LEN],
					   char *err, size_t errlen);

/* ---- the isolation contract's tags (cloud_tags.h reads them) ---- */

struct cloud_tagset;

#define CLOUD_TAGS_MAX_RESOURCES (CLOUD_MAX_ENIS + 1) /* an instance and its interfaces */

/*
 * DescribeTags of the resources ids[0..n) (one call, filtered by
 * resource-id, following nextToken): the cordon: tags cloud_tags_add()
 * keeps, of each id into out[i] (emptied first). Tags of any other
 * resource in the answer are ignored. -EFBIG, never a partial view, when
 * the answer goes on past 8 pages.
 */
__must_check int cloud_describe_tags(struct aws_client *c, const char *const ids[], size_t n,
				     struct cloud_tagset *out, char *err, size_t errlen);

/*
 * The pure part: one DescribeTags answer page added to out[] (matched to
 * ids by resourceId). next gets the nextToken ("" on the last page).
 * 0, -EINVAL (malformed, or a tag cloud_tags_add() refuses), -EFBIG.
 */
__must_check int cloud_parse_tags(const char *xml, size_t len, const char *const ids[], size_t n,
				  struct cloud_tagset *out, char next[CLOUD_NEXT_TOKEN_LEN],
				  char *err, size_t errlen);

/*
 * Record an interface's groups on the interface itself: one CreateTags
 * of cordon:original-groups[-N] (cloud_tags_split_groups), so a retry
 * writes the same. Call it only on an interface that carries no
 * cordon:original-groups: those would be the groups from before the
 * first isolation, and its groups now are cordon's. Releases remove all
 * of them in one DeleteTags, so no stale -N key outlives a list.
 */
__must_check int cloud_tag_original_groups(struct aws_client *c, const char *eni_id,
					   const char *const groups[], size_t n,
					   char *err, size_t errlen);
/* DeleteTags of every cordon:original-groups key of the interface. */
__must_check int cloud_untag_original_groups(struct aws_client *c, const char *eni_id,
					     char *err, size_t errlen);

#endif
