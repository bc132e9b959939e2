/* SPDX-License-Identifier: MIT */
/*
 * The GuardDuty calls (REST-JSON, camelCase on the wire): ListDetectors,
 * ListFindings with nextToken, GetFindings. Parsing lives in gd_parse.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gd.h"

static const struct aws_kv json_hdr[] = {
	{ "Content-Type", "application/json" },
};

/* Detector ids are hex; anything else would change the request path. */
static bool detector_ok(const char *d)
{
	size_t l = d ? strlen(d) : 0;

	return l > 0 && l < GD_DETECTOR_LEN &&
	       strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789") == l;
}

static cJSON *answer(const struct aws_http_resp *resp, const char *op, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(buf_str(&resp->body), resp->body.len);

	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		util_err(err, errlen, "GuardDuty %s: the answer is not a JSON object", op);
		return NULL;
	}
	return root;
}

int gd_find_detector(struct aws_client *c, char detector[GD_DETECTOR_LEN], char *err,
		     size_t errlen)
{
	struct aws_http_resp resp;
	const cJSON *first;
	cJSON *root = NULL;
	int ret;

	detector[0] = '\0';
	aws_http_resp_init(&resp);
	{
		struct aws_call call = {
			.svc = AWS_SVC_GUARDDUTY,
			.op = "ListDetectors",
			.method = "GET", .path = "/detector",
			.max_body = 64 * 1024,
		};

		ret = aws_client_call(c, &call, &resp, NULL, err, errlen);
	}
	if (ret)
		goto out;
	root = answer(&resp, "ListDetectors", err, errlen);
	if (!root) {
		ret = -EBADMSG;
		goto out;
	}
	first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "detectorIds"), 0);
	if (!first) {
		ret = -ENOENT;
		util_err(err, errlen, "GuardDuty ListDetectors: no detector in this region");
	} else if (!cJSON_IsString(first) || !detector_ok(first->valuestring)) {
		ret = -EBADMSG;
		util_err(err, errlen, "GuardDuty ListDetectors: detector id is not hex");
	} else {
		util_strlcpy(detector, first->valuestring, GD_DETECTOR_LEN);
	}
out:
	cJSON_Delete(root);
	aws_http_resp_free(&resp);
	return ret;
}

/* One ListFindings page: ids appended, next token (or "") into next. */
static int list_page(struct aws_client *c, const char *path, const char *body,
		     char (*ids)[GD_ID_LEN], size_t max, size_t *n, char *next, size_t nextlen,
		     char *err, size_t errlen)
{
	struct aws_http_resp resp;
	const cJSON *arr, *v, *tok;
	cJSON *root = NULL;
	int ret;

	next[0] = '\0';
	aws_http_resp_init(&resp);
	{
		struct aws_call call = {
			.svc = AWS_SVC_GUARDDUTY,
			.op = "ListFindings",
			.method = "POST", .path = path,
			.hdrs = json_hdr, .n_hdrs = ARRAY_SIZE(json_hdr),
			.body = body, .body_len = strlen(body),
			.max_body = 256 * 1024,
		};

		ret = aws_client_call(c, &call, &resp, NULL, err, errlen);
	}
	if (ret)
		goto out;
	root = answer(&resp, "ListFindings", err, errlen);
	arr = cJSON_GetObjectItemCaseSensitive(root, "findingIds");
	if (!root || !cJSON_IsArray(arr)) {
		ret = util_err(err, errlen, "GuardDuty ListFindings: no \"findingIds\" array");
		goto out;
	}
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsString(v) || !*v->valuestring ||
		    strlen(v->valuestring) >= GD_ID_LEN ||
		    strspn(v->valuestring, "abcdefghijklmnopqrstuvwxyz0123456789") !=
			    strlen(v->valuestring)) {
			ret = util_err(err, errlen, "GuardDuty ListFindings: a finding id is not hex");
			goto out;
		}
		if (*n == max)
			goto out; /* the caller resumes from the last one */
		util_strlcpy(ids[(*n)++], v->valuestring, GD_ID_LEN);
	}
	tok = cJSON_GetObjectItemCaseSensitive(root, "nextToken");
	if (cJSON_IsString(tok) && *tok->valuestring) {
		if (strlen(tok->valuestring) >= nextlen) {
			ret = util_err(err, errlen, "GuardDuty ListFindings: nextToken too long");
			goto out;
		}
		util_strlcpy(next, tok->valuestring, nextlen);
	}
out:
	cJSON_Delete(root);
	aws_http_resp_free(&resp);
	return ret;
}

int gd_list_findings(struct aws_client *c, const char *detector, const char *instance_id,
		     uint64_t updated_since_ms, char (*ids)[GD_ID_LEN], size_t max, size_t *n,
		     char *err, size_t errlen)
{
	char path[128], token[2048] = "", prev[2048] = "";
	int ret = 0;

	*n = 0;
	if (!detector_ok(detector))
		return util_err(err, errlen, "GuardDuty ListFindings: bad detector id");
	snprintf(path, sizeof(path), "/detector/%s/findings", detector);
	for (unsigned page = 0; page < GD_MAX_PAGES && *n < max; page++) {
		char *body = gd_list_body(instance_id, updated_since_ms, *token ? token : NULL);

		if (!body)
			return -ENOMEM;
		ret = list_page(c, path, body, ids, max, n, token, sizeof(token), err, errlen);
		free(body);
		if (ret || !*token)
			break;
		/* A server that hands back the same token would loop forever. */
		if (!strcmp(token, prev)) {
			ret = util_err(err, errlen, "GuardDuty ListFindings: nextToken repeats");
			break;
		}
		util_strlcpy(prev, token, sizeof(prev));
	}
	if (ret)
		*n = 0;
	return ret;
}

int gd_get_findings(struct aws_client *c, const char *detector, const char *const ids[],
		    size_t n, struct gd_finding *out, size_t *n_out, char *err, size_t errlen)
{
	struct aws_http_resp resp;
	cJSON *root, *arr;
	char path[128];
	char *body = NULL;
	int ret;

	*n_out = 0;
	if (!detector_ok(detector))
		return util_err(err, errlen, "GuardDuty GetFindings: bad detector id");
	if (!n || n > GD_MAX_GET)
		return util_err(err, errlen, "GuardDuty GetFindings: %zu ids (1..%d)", n,
				GD_MAX_GET);
	snprintf(path, sizeof(path), "/detector/%s/findings/get", detector);
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "findingIds");
	for (size_t i = 0; arr && i < n; i++)
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(ids[i])))
			arr = NULL;
	if (arr)
		body = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!body)
		return -ENOMEM;
	aws_http_resp_init(&resp);
	{
		struct aws_call call = {
			.svc = AWS_SVC_GUARDDUTY,
			.op = "GetFindings",
			.method = "POST", .path = path,
			.hdrs = json_hdr, .n_hdrs = ARRAY_SIZE(json_hdr),
			.body = body, .body_len = strlen(body),
			.max_body = GD_MAX_ANSWER,
		};

		ret = aws_client_call(c, &call, &resp, NULL, err, errlen);
	}
	if (!ret)
		ret = gd_parse_findings(buf_str(&resp.body), resp.body.len, out, n, n_out, err,
					errlen);
	aws_http_resp_free(&resp);
	free(body);
	return ret;
}
