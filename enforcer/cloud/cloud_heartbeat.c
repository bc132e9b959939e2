/* SPDX-License-Identifier: MIT */
/*
 * CloudWatch calls for the agents' heartbeat (query protocol, members
 * flattened as Name.member.N as botocore's query serializer writes them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud_heartbeat.h"

#define CW_VERSION "2010-08-01"
#define CW_MAX_FORM (512 * 1024)      /* 500 queries of ~400 bytes */
#define CW_MAX_ANSWER (8 * 1024 * 1024)
#define CW_MAX_PAGES 64               /* NextToken pages per batch */

static const struct aws_kv form_hdr[] = {
	{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
};

static bool instance_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 2 && n < CLOUD_ID_LEN && !strncmp(s, "i-", 2) &&
	       strspn(s + 2, "0123456789abcdef") == n - 2;
}

/* Its callers: AWS_ACTION(cloudwatch:PutMetricData) AWS_ACTION(cloudwatch:GetMetricData) */
static int cw_call(struct aws_client *c, const char *op, const char *what, struct buf *form,
		   struct aws_http_resp *resp, char *err, size_t errlen)
{
	struct aws_call call = {
		.svc = AWS_SVC_CLOUDWATCH,
		.op = op,
		.what = what,
		.method = "POST", .path = "/",
		.hdrs = form_hdr, .n_hdrs = ARRAY_SIZE(form_hdr),
		.body = form->p, .body_len = form->len,
		.max_body = CW_MAX_ANSWER,
	};

	return aws_client_call(c, &call, resp, NULL, err, errlen);
}

int cloud_put_heartbeat(struct aws_client *c, const char *instance_id, char *err, size_t errlen)
{
	struct aws_http_resp resp;
	char ts[UTIL_TIMESTAMP_LEN];
	struct buf f;
	int ret;

	if (!instance_id_ok(instance_id))
		return util_err(err, errlen, "CloudWatch PutMetricData: bad instance id");
	util_iso8601_ms(util_now_real_ns(), ts);
	buf_init(&f, 4096);
	aws_http_resp_init(&resp);
	ret = aws_form_add(&f, "Action", "PutMetricData");
	if (!ret)
		ret = aws_form_add(&f, "Version", CW_VERSION);
	if (!ret)
		ret = aws_form_add(&f, "Namespace", CLOUD_HB_NAMESPACE);
	if (!ret)
		ret = aws_form_add(&f, "MetricData.member.1.MetricName", CLOUD_HB_METRIC);
	if (!ret)
		ret = aws_form_add(&f, "MetricData.member.1.Dimensions.member.1.Name",
				   CLOUD_HB_DIMENSION);
	if (!ret)
		ret = aws_form_add(&f, "MetricData.member.1.Dimensions.member.1.Value",
				   instance_id);
	if (!ret)
		ret = aws_form_add(&f, "MetricData.member.1.Timestamp", ts);
	if (!ret)
		ret = aws_form_add(&f, "MetricData.member.1.Value", "1");
	if (!ret)
		ret = aws_form_add(&f, "MetricData.member.1.Unit", "Count");
	if (ret)
		util_err(err, errlen, "CloudWatch PutMetricData: cannot build the request");
	else
		ret = cw_call(c, "PutMetricData", instance_id, &f, &resp, err, errlen);
	aws_http_resp_free(&resp);
	buf_free(&f);
	return ret;
}

/* MetricDataQueries.member.N.<rest> = v */
static int q_add(struct buf *f, size_t n, const char *rest, const char *v)
{
	char k[128];

	snprintf(k, sizeof(k), "MetricDataQueries.member.%zu.%s", n, rest);
	return aws_form_add(f, k, v);
}

/* One batch of ids (at most CLOUD_HB_BATCH), results into last_ms[0..n). */
static int batch(struct aws_client *c, const char *const ids[], size_t n, const char *start,
		 const char *end, unsigned period_s, uint64_t last_ms[], char *err, size_t errlen)
{
	char *token = calloc(2, CLOUD_HB_TOKEN_LEN), *next = token + CLOUD_HB_TOKEN_LEN;
	char period[16];
	int ret = 0;

	if (!token)
		return -ENOMEM;
	snprintf(period, sizeof(period), "%u", period_s);
	for (unsigned page = 0; !ret; page++) {
		struct aws_http_resp resp;
		struct buf f;

		if (page == CW_MAX_PAGES) {
			ret = util_err(err, errlen, "CloudWatch GetMetricData: more than %d pages",
				       CW_MAX_PAGES);
			break;
		}
		buf_init(&f, CW_MAX_FORM);
		aws_http_resp_init(&resp);
		ret = aws_form_add(&f, "Action", "GetMetricData");
		if (!ret)
			ret = aws_form_add(&f, "Version", CW_VERSION);
		if (!ret)
			ret = aws_form_add(&f, "StartTime", start);
		if (!ret)
			ret = aws_form_add(&f, "EndTime", end);
		/* Latest first: the one datapoint that matters comes first. */
		if (!ret)
			ret = aws_form_add(&f, "ScanBy", "TimestampDescending");
		for (size_t i = 0; !ret && i < n; i++) {
			char id[24];

			snprintf(id, sizeof(id), "h%zu", i);
			ret = q_add(&f, i + 1, "Id", id);
			if (!ret)
				ret = q_add(&f, i + 1, "MetricStat.Metric.Namespace",
					    CLOUD_HB_NAMESPACE);
			if (!ret)
				ret = q_add(&f, i + 1, "MetricStat.Metric.MetricName",
					    CLOUD_HB_METRIC);
			if (!ret)
				ret = q_add(&f, i + 1, "MetricStat.Metric.Dimensions.member.1.Name",
					    CLOUD_HB_DIMENSION);
			if (!ret)
				ret = q_add(&f, i + 1, "MetricStat.Metric.Dimensions.member.1.Value",
					    ids[i]);
			if (!ret)
				ret = q_add(&f, i + 1, "MetricStat.Period", period);
			if (!ret)
				ret = q_add(&f, i + 1, "MetricStat.Stat", "SampleCount");
			if (!ret)
				ret = q_add(&f, i + 1, "ReturnData", "true");
		}
		if (!ret && *token)
			ret = aws_form_add(&f, "NextToken", token);
		if (ret)
			util_err(err, errlen, "CloudWatch GetMetricData: cannot build the request");
		else
			ret = cw_call(c, "GetMetricData", ids[0], &f, &resp, err, errlen);
		if (!ret)
			ret = cloud_parse_metric_data(buf_str(&resp.body), resp.body.len, n, last_ms,
						      next, err, errlen);
		aws_http_resp_free(&resp);
		buf_free(&f);
		if (ret || !*next)
			break;
		memcpy(token, next, CLOUD_HB_TOKEN_LEN);
	}
	free(token);
	return ret;
}

int cloud_get_heartbeats(struct aws_client *c, const char *const ids[], size_t n,
			 uint64_t start_ms, uint64_t end_ms, unsigned period_s, uint64_t last_ms[],
			 char *err, size_t errlen)
{
	char start[UTIL_TIMESTAMP_LEN], end[UTIL_TIMESTAMP_LEN];
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		last_ms[i] = 0;
		if (!instance_id_ok(ids[i]))
			return util_err(err, errlen, "CloudWatch GetMetricData: id %zu is not an "
					"instance id", i + 1);
	}
	/* Standard-resolution metrics: periods of whole minutes. */
	if (end_ms <= start_ms || !period_s || period_s % 60)
		return util_err(err, errlen, "CloudWatch GetMetricData: bad window or period");
	cloud_time_format(start_ms, start);
	cloud_time_format(end_ms, end);
	for (size_t off = 0; !ret && off < n; off += CLOUD_HB_BATCH) {
		size_t k = n - off < CLOUD_HB_BATCH ? n - off : CLOUD_HB_BATCH;

		ret = batch(c, ids + off, k, start, end, period_s, last_ms + off, err, errlen);
	}
	return ret;
}
