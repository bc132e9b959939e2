/* SPDX-License-Identifier: MIT */
/*
 * GuardDuty's ThreatIntelSet and IPSet answers, pure: List... (ids and
 * nextToken) and Get... (name, location, format, status). Hostile input
 * like any answer: every field typed, capped and printable.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gd_intel.h"

#define J(o, k) cJSON_GetObjectItemCaseSensitive(o, k)

const char *gd_intel_kind_name(enum gd_intel_kind k)
{
	return k == GD_INTEL_THREAT ? "ThreatIntelSet" : "IPSet";
}

/* Ids go into request paths: lowercase letters and digits only. */
static bool id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < GD_ID_LEN && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}

int gd_intel_parse_list(const char *json, size_t len, enum gd_intel_kind kind,
			char (*ids)[GD_ID_LEN], size_t max, size_t *n, char *next, size_t nextlen,
			char *err, size_t errlen)
{
	const char *field = kind == GD_INTEL_THREAT ? "threatIntelSetIds" : "ipSetIds";
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *arr = J(root, field), *v, *tok = J(root, "nextToken");
	int ret = 0;

	next[0] = '\0';
	if (!cJSON_IsObject(root) || !cJSON_IsArray(arr)) {
		ret = util_err(err, errlen, "GuardDuty List%ss: no \"%s\" array",
			       gd_intel_kind_name(kind), field);
		goto out;
	}
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsString(v) || !id_ok(v->valuestring)) {
			ret = util_err(err, errlen, "GuardDuty List%ss: an id is not lowercase "
				       "letters and digits", gd_intel_kind_name(kind));
			goto out;
		}
		if (*n == max) {
			ret = util_errc(-EFBIG, err, errlen, "GuardDuty List%ss: more than %zu sets",
					gd_intel_kind_name(kind), max);
			goto out;
		}
		util_strlcpy(ids[(*n)++], v->valuestring, GD_ID_LEN);
	}
	if (tok && !cJSON_IsNull(tok)) {
		if (!cJSON_IsString(tok) || strlen(tok->valuestring) >= nextlen) {
			ret = util_err(err, errlen, "GuardDuty List%ss: bad nextToken",
				       gd_intel_kind_name(kind));
			goto out;
		}
		util_strlcpy(next, tok->valuestring, nextlen);
	}
out:
	cJSON_Delete(root);
	return ret;
}

/* A required string member, printable ASCII, under cap. */
static int take(const cJSON *o, const char *k, char *dst, size_t len, char *err, size_t errlen)
{
	const cJSON *v = J(o, k);

	if (!cJSON_IsString(v) || !*v->valuestring)
		return util_err(err, errlen, "GuardDuty Get...Set: no \"%s\"", k);
	if (strlen(v->valuestring) >= len)
		return util_errc(-EFBIG, err, errlen, "GuardDuty Get...Set: \"%s\" over %zu "
				 "characters", k, len - 1);
	for (const char *p = v->valuestring; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return util_err(err, errlen, "GuardDuty Get...Set: \"%s\" holds a "
					"control or non-ASCII character", k);
	util_strlcpy(dst, v->valuestring, len);
	return 0;
}

int gd_intel_parse_get(const char *json, size_t len, struct gd_intel_set *out, char *err,
		       size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	int ret;

	memset(out->name, 0, sizeof(*out) - sizeof(out->id));
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return util_err(err, errlen, "GuardDuty Get...Set: the answer is not a JSON object");
	}
	ret = take(root, "name", out->name, sizeof(out->name), err, errlen);
	if (!ret)
		ret = take(root, "location", out->location, sizeof(out->location), err, errlen);
	if (!ret)
		ret = take(root, "format", out->format, sizeof(out->format), err, errlen);
	if (!ret)
		ret = take(root, "status", out->status, sizeof(out->status), err, errlen);
	cJSON_Delete(root);
	return ret;
}
