/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CLOUD_HEARTBEAT_H
#define CORDON_CLOUD_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>

#include "aws_client.h"
#include "cloud.h"

/*
 * The agent's heartbeat (DESIGN.md): CloudWatch metric namespace
 * "cordon", name "AgentHeartbeat", dimension InstanceId, value 1, one
 * PutMetricData a heartbeat_interval; and the off-host responder's side,
 * GetMetricData over many instances at once (500 queries a call, the
 * API's limit). Query protocol, API version 2010-08-01. See
 * docs/internals/respond.md.
 */

#define CLOUD_HB_NAMESPACE "cordon"
#define CLOUD_HB_METRIC "AgentHeartbeat"
#define CLOUD_HB_DIMENSION "InstanceId"
#define CLOUD_HB_BATCH 500          /* MetricDataQueries per GetMetricData */

/* PutMetricData of one heartbeat (value 1, unit Count, now) for instance_id. */
__must_check int cloud_put_heartbeat(struct aws_client *c, const char *instance_id,
				     char *err, size_t errlen);

/*
 * The last heartbeat of each of ids[0..n) in [start_ms, end_ms] (Unix
 * ms) into last_ms[i], 0 when it sent none in that window. One
 * GetMetricData per 500 ids (SampleCount over period_s, latest first),
 * following NextToken. Ids must be instance ids; -EINVAL otherwise.
 */
__must_check int cloud_get_heartbeats(struct aws_client *c, const char *const ids[], size_t n,
				      uint64_t start_ms, uint64_t end_ms, unsigned period_s,
				      uint64_t last_ms[], char *err, size_t errlen);

/*
 * The pure part: one GetMetricData answer. For each result whose Id is
 * "hN" with N < n, last_ms[N] becomes the latest of its timestamps with
 * a value > 0 (kept when already later). next gets NextToken ("" on the
 * last page). 0, -EINVAL (malformed, an unknown Id, a bad timestamp),
 * -EFBIG (over a cap).
 */
#define CLOUD_HB_TOKEN_LEN 2048
__must_check int cloud_parse_metric_data(const char *xml, size_t len, size_t n,
					 uint64_t last_ms[], char next[CLOUD_HB_TOKEN_LEN],
					 char *err, size_t errlen);

#endif
