/* SPDX-License-Identifier: MIT */
/*
 * GuardDuty ThreatIntelSets and IPSets: find the ones that read a given
 * S3 object, and activate them again after it changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "gd_intel.h"
#include "s3url.h"

#define INTEL_MAX_PAGES 16

static const struct aws_kv json_hdr[] = {
	{ "Content-Type", "application/json" },
};

static const char *path_word(enum gd_intel_kind k)
{
	return k == GD_INTEL_THREAT ? "threatintelset" : "ipset";
}

/* Ids go into request paths: lowercase letters and digits only. */
static bool id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < GD_ID_LEN && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}

/*
 * Its callers: AWS_ACTION(guardduty:ListThreatIntelSets) AWS_ACTION(guardduty:GetThreatIntelSet)
 * AWS_ACTION(guardduty:UpdateThreatIntelSet) AWS_ACTION(guardduty:ListIPSets)
 * AWS_ACTION(guardduty:GetIPSet) AWS_ACTION(guardduty:UpdateIPSet)
 */
static int intel_call(struct aws_client *c, const char *op, const char *method, const char *path,
		const struct aws_kv *q, size_t nq, const char *body, struct aws_http_resp *resp,
		char *err, size_t errlen)
{
	struct aws_call call = {
		.svc = AWS_SVC_GUARDDUTY,
		.op = op,
		.method = method, .path = path,
		.query = q, .n_query = nq,
		.hdrs = body ? json_hdr : NULL, .n_hdrs = body ? ARRAY_SIZE(json_hdr) : 0,
		.body = body, .body_len = body ? strlen(body) : 0,
		.max_body = 256 * 1024,
	};

	aws_http_resp_init(resp);
	return aws_client_call(c, &call, resp, NULL, err, errlen);
}

static int list_all(struct aws_client *c, const char *detector, enum gd_intel_kind kind,
		    char (*ids)[GD_ID_LEN], size_t max, size_t *n, char *err, size_t errlen)
{
	char path[160], op[32], token[1024] = "", next[1024];
	int ret = 0;

	snprintf(path, sizeof(path), "/detector/%s/%s", detector, path_word(kind));
	snprintf(op, sizeof(op), "List%ss", gd_intel_kind_name(kind));
	for (unsigned page = 0; page < INTEL_MAX_PAGES; page++) {
		struct aws_kv q[2] = { { "maxResults", "50" }, { "nextToken", token } };
		struct aws_http_resp resp;

		ret = intel_call(c, op, "GET", path, q, *token ? 2 : 1, NULL, &resp, err, errlen);
		if (!ret)
			ret = gd_intel_parse_list(buf_str(&resp.body), resp.body.len, kind, ids, max,
						  n, next, sizeof(next), err, errlen);
		aws_http_resp_free(&resp);
		if (ret || !*next)
			return ret;
		if (!strcmp(next, token))
			return util_err(err, errlen, "GuardDuty %s: nextToken repeats", op);
		util_strlcpy(token, next, sizeof(token));
	}
	return util_err(err, errlen, "GuardDuty %s: more than %d pages", op, INTEL_MAX_PAGES);
}

/* Does a set's location name the same object? Any form; region ignored. */
static bool same_object(const char *location, const char *bucket, const char *key)
{
	struct s3url u;
	char why[ERRLEN];

	if (s3url_parse(location, &u, why, sizeof(why)))
		return false;
	return !strcmp(u.bucket, bucket) && !strcmp(u.key, key);
}

int gd_intel_find(struct aws_client *c, const char *detector, enum gd_intel_kind kind,
		  const char *bucket, const char *key, struct gd_intel_set *out, size_t max,
		  size_t *n, char *err, size_t errlen)
{
	char (*ids)[GD_ID_LEN] = calloc(GD_INTEL_MAX, GD_ID_LEN);
	size_t n_ids = 0;
	int ret;

	*n = 0;
	if (!ids)
		return -ENOMEM;
	if (!id_ok(detector)) {
		ret = util_err(err, errlen, "GuardDuty: bad detector id");
		goto out;
	}
	ret = list_all(c, detector, kind, ids, GD_INTEL_MAX, &n_ids, err, errlen);
	for (size_t i = 0; !ret && i < n_ids; i++) {
		struct aws_http_resp resp;
		struct gd_intel_set s;
		char path[200], op[32];

		snprintf(path, sizeof(path), "/detector/%s/%s/%s", detector, path_word(kind),
			 ids[i]);
		snprintf(op, sizeof(op), "Get%s", gd_intel_kind_name(kind));
		ret = intel_call(c, op, "GET", path, NULL, 0, NULL, &resp, err, errlen);
		if (!ret) {
			util_strlcpy(s.id, ids[i], sizeof(s.id));
			ret = gd_intel_parse_get(buf_str(&resp.body), resp.body.len, &s, err,
						 errlen);
		}
		aws_http_resp_free(&resp);
		if (!ret && same_object(s.location, bucket, key) && *n < max)
			out[(*n)++] = s;
	}
out:
	free(ids);
	return ret;
}

int gd_intel_activate(struct aws_client *c, const char *detector, enum gd_intel_kind kind,
		      const char *set_id, char *err, size_t errlen)
{
	struct aws_http_resp resp;
	char path[200], op[32];
	int ret;

	if (!id_ok(detector) || !id_ok(set_id))
		return util_err(err, errlen, "GuardDuty Update%s: bad detector or set id",
				gd_intel_kind_name(kind));
	snprintf(path, sizeof(path), "/detector/%s/%s/%s", detector, path_word(kind), set_id);
	snprintf(op, sizeof(op), "Update%s", gd_intel_kind_name(kind));
	ret = intel_call(c, op, "POST", path, NULL, 0, "{\"activate\":true}", &resp, err, errlen);
	aws_http_resp_free(&resp);
	return ret;
}
