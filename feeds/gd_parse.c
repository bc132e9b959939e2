/* SPDX-License-Identifier: MIT */
/*
 * GuardDuty answers are hostile input like any other: the GetFindings
 * parser reads only what cordon uses, checks every type, caps every
 * string, and keeps at most GD_MAX_REMOTE addresses per finding.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gd.h"

#define J(o, k) cJSON_GetObjectItemCaseSensitive(o, k)

/* Copy a string member, printable ASCII only ("" when absent). */
static int str_at(const cJSON *o, const char *k, char *dst, size_t len, bool must,
		  size_t idx, char *err, size_t errlen)
{
	const cJSON *v = J(o, k);

	dst[0] = '\0';
	if (!v || cJSON_IsNull(v)) {
		if (must)
			return util_err(err, errlen, "GetFindings: finding %zu has no \"%s\"", idx, k);
		return 0;
	}
	if (!cJSON_IsString(v) || !v->valuestring)
		return util_err(err, errlen, "GetFindings: finding %zu: \"%s\" is not a string",
				idx, k);
	if (strlen(v->valuestring) >= len) {
		if (must)
			return util_errc(-EFBIG, err, errlen, "GetFindings: finding %zu: \"%s\" over %zu "
					"characters", idx, k, len - 1);
		/* A long title is cut, not refused. */
	}
	if (must && !*v->valuestring)
		return util_err(err, errlen, "GetFindings: finding %zu: \"%s\" is empty", idx, k);
	util_strlcpy(dst, v->valuestring, len);
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return 0;
}

static void add_remote(struct gd_finding *f, const cJSON *details)
{
	const char *keys[] = { "ipAddressV4", "ipAddressV6" };

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		const cJSON *v = J(details, keys[k]);
		const char *s;
		bool dup = false;

		if (!cJSON_IsString(v) || !(s = v->valuestring) || !*s || strlen(s) >= 48 ||
		    strspn(s, "0123456789abcdefABCDEF.:") != strlen(s))
			continue;
		for (size_t i = 0; i < f->n_remote; i++)
			dup |= !strcmp(f->remote[i], s);
		if (dup)
			continue;
		if (f->n_remote == GD_MAX_REMOTE) {
			f->remote_truncated = true;
			continue;
		}
		util_strlcpy(f->remote[f->n_remote++], s, sizeof(f->remote[0]));
	}
}

/* Every place GuardDuty puts a remote address for the actions we know. */
static void read_remotes(struct gd_finding *f, const cJSON *action)
{
	const cJSON *pp, *d;

	add_remote(f, J(J(action, "networkConnectionAction"), "remoteIpDetails"));
	add_remote(f, J(J(action, "awsApiCallAction"), "remoteIpDetails"));
	pp = J(J(action, "portProbeAction"), "portProbeDetails");
	if (cJSON_IsArray(pp)) {
		size_t i = 0;

		cJSON_ArrayForEach(d, pp) {
			/* A port scan can list thousands; a few hundred suffice. */
			if (i++ == 1000)
				break;
			add_remote(f, J(d, "remoteIpDetails"));
		}
	}
}

static int read_one(const cJSON *o, size_t idx, struct gd_finding *f, char *err, size_t errlen)
{
	const cJSON *sev = J(o, "severity"), *svc = J(o, "service"), *arch;
	int ret;

	memset(f, 0, sizeof(*f));
	if (!cJSON_IsObject(o))
		return util_err(err, errlen, "GetFindings: finding %zu is not an object", idx);
	ret = str_at(o, "id", f->id, sizeof(f->id), true, idx, err, errlen);
	if (!ret)
		ret = str_at(o, "type", f->type, sizeof(f->type), true, idx, err, errlen);
	if (!ret)
		ret = str_at(o, "title", f->title, sizeof(f->title), false, idx, err, errlen);
	if (!ret)
		ret = str_at(o, "createdAt", f->created_at, sizeof(f->created_at), false, idx, err,
			     errlen);
	if (!ret)
		ret = str_at(o, "updatedAt", f->updated_at, sizeof(f->updated_at), false, idx, err,
			     errlen);
	if (!ret)
		ret = str_at(o, "accountId", f->account, sizeof(f->account), false, idx, err,
			     errlen);
	if (!ret)
		ret = str_at(o, "region", f->region, sizeof(f->region), false, idx, err, errlen);
	if (!ret)
		ret = str_at(J(J(o, "resource"), "instanceDetails"), "instanceId", f->instance_id,
			     sizeof(f->instance_id), false, idx, err, errlen);
	if (ret)
		return ret;
	if (!cJSON_IsNumber(sev) || !isfinite(sev->valuedouble) || sev->valuedouble < 0 ||
	    sev->valuedouble > 100)
		return util_err(err, errlen, "GetFindings: finding %s: no valid \"severity\"",
				f->id);
	f->severity = sev->valuedouble;
	arch = J(svc, "archived");
	if (arch && !cJSON_IsBool(arch))
		return util_err(err, errlen, "GetFindings: finding %s: \"service.archived\" is "
				"not a boolean", f->id);
	f->archived = cJSON_IsTrue(arch);
	read_remotes(f, J(svc, "action"));
	return 0;
}

int gd_parse_findings(const char *json, size_t len, struct gd_finding *out, size_t max,
		      size_t *n, char *err, size_t errlen)
{
	const cJSON *arr, *o;
	cJSON *root;
	int ret = 0;

	*n = 0;
	if (len > GD_MAX_ANSWER)
		return util_errc(-EFBIG, err, errlen, "GetFindings: answer over %d bytes", GD_MAX_ANSWER);
	root = cJSON_ParseWithLength(json, len);
	arr = J(root, "findings");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(arr)) {
		ret = util_err(err, errlen, "GetFindings: the answer has no \"findings\" array");
		goto out;
	}
	cJSON_ArrayForEach(o, arr) {
		if (*n == max) {
			ret = util_err(err, errlen, "GetFindings: more than the %zu findings asked for",
				       max);
			goto out;
		}
		ret = read_one(o, *n + 1, &out[*n], err, errlen);
		if (ret)
			goto out;
		(*n)++;
	}
out:
	if (ret)
		*n = 0;
	cJSON_Delete(root);
	return ret;
}

char *gd_list_body(const char *instance_id, uint64_t updated_since_ms, const char *next_token)
{
	cJSON *root = cJSON_CreateObject(), *crit, *c, *sort, *arr;
	char *out = NULL;

	crit = cJSON_AddObjectToObject(cJSON_AddObjectToObject(root, "findingCriteria"),
				       "criterion");
	if (!crit)
		goto out;
	/* equals/greaterThanOrEqual: the current names (eq/gte are deprecated). */
	if (instance_id) {
		c = cJSON_AddObjectToObject(crit, "resource.instanceDetails.instanceId");
		arr = cJSON_AddArrayToObject(c, "equals");
		if (!arr || !cJSON_AddItemToArray(arr, cJSON_CreateString(instance_id)))
			goto out;
	}
	c = cJSON_AddObjectToObject(crit, "updatedAt");
	if (!c || !cJSON_AddNumberToObject(c, "greaterThanOrEqual", (double)updated_since_ms))
		goto out;
	c = cJSON_AddObjectToObject(crit, "service.archived");
	arr = cJSON_AddArrayToObject(c, "equals");
	if (!arr || !cJSON_AddItemToArray(arr, cJSON_CreateString("false")))
		goto out;
	sort = cJSON_AddObjectToObject(root, "sortCriteria");
	if (!sort || !cJSON_AddStringToObject(sort, "attributeName", "updatedAt") ||
	    !cJSON_AddStringToObject(sort, "orderBy", "ASC") ||
	    !cJSON_AddNumberToObject(root, "maxResults", 50))
		goto out;
	if (next_token && !cJSON_AddStringToObject(root, "nextToken", next_token))
		goto out;
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return out;
}

bool gd_type_match(const char *type, const char *const *type_globs, size_t n)
{
	for (size_t i = 0; type && i < n; i++)
		if (type_globs[i] && !fnmatch(type_globs[i], type, 0))
			return true;
	return false;
}

bool gd_policy_match(const struct gd_finding *f, const char *const *type_globs, size_t n,
		     double min_severity)
{
	return !f->archived && gd_type_match(f->type, type_globs, n) &&
	       f->severity >= min_severity;
}
