/* SPDX-License-Identifier: MIT */
/*
 * EventBridge events for `cordon respond`, judged whole before anything
 * is done: a malformed, truncated, oversized or unknown event is a
 * one-line error naming the field, and nothing else happens.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "respond_event.h"

#define J(o, k) cJSON_GetObjectItemCaseSensitive(o, k)

static const struct {
	enum respond_kind kind;
	const char *source, *detail_type, *name;
} kinds[] = {
	{ RESPOND_GD_FINDING, "aws.guardduty", "GuardDuty Finding", "guardduty-finding" },
	{ RESPOND_INCIDENT, "cordon", "cordon Incident", "cordon-incident" },
	{ RESPOND_RELEASE, "cordon", "cordon Release", "cordon-release" },
	{ RESPOND_SCHEDULE, "aws.events", "Scheduled Event", "schedule" },
	{ RESPOND_OBJECT, "aws.s3", "Object Created", "object-created" },
};

const char *respond_kind_name(enum respond_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "unknown";
}

/* Shown in errors: control characters out, cut short. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	if (s[i] && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

/* A string member: required or not, capped, printable ASCII only. */
static int str_field(const cJSON *o, const char *k, const char *path, bool must, char *dst,
		     size_t len, char *err, size_t errlen)
{
	const cJSON *v = J(o, k);

	dst[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return must ? util_err(err, errlen, "event: %s: missing", path) : 0;
	if (!cJSON_IsString(v))
		return util_err(err, errlen, "event: %s: not a string", path);
	if (must && !*v->valuestring)
		return util_err(err, errlen, "event: %s: empty", path);
	if (strlen(v->valuestring) >= len)
		return util_err(err, errlen, "event: %s: longer than %zu characters", path, len - 1);
	for (const char *p = v->valuestring; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return util_err(err, errlen, "event: %s: control or non-ASCII character",
					path);
	util_strlcpy(dst, v->valuestring, len);
	return 0;
}

static bool charset(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

#define HEX "0123456789abcdef"
#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static int instance_field(const cJSON *o, const char *k, const char *path, char *dst,
			  char *err, size_t errlen)
{
	char b[40];
	size_t n;
	int ret = str_field(o, k, path, true, dst, CLOUD_ID_LEN, err, errlen);

	if (ret)
		return ret;
	n = strlen(dst);
	if (strncmp(dst, "i-", 2) || (n != 10 && n != 19) || !charset(dst + 2, HEX))
		return util_err(err, errlen, "event: %s: '%s' is not an instance id (i- and 8 or "
				"17 hex digits)", path, shown(dst, b, sizeof(b)));
	return 0;
}

static int time_field(const cJSON *o, const char *k, const char *path, uint64_t *ms,
		      char *err, size_t errlen)
{
	char t[48], b[48];
	int ret = str_field(o, k, path, false, t, sizeof(t), err, errlen);

	*ms = 0;
	if (ret || !*t)
		return ret;
	if (cloud_time_parse(t, ms))
		return util_err(err, errlen, "event: %s: '%s' is not a time (2026-01-01T00:00:00Z)",
				path, shown(t, b, sizeof(b)));
	return 0;
}

/* The finding, GuardDuty's shape (the agent's own findings have it too). */
static int read_finding(const cJSON *f, const char *at, struct respond_event *ev, char *err,
			size_t errlen)
{
	const cJSON *res, *svc, *sev, *arch;
	char path[96], b[48];
	uint64_t ms;
	int ret;

#define P(sub) (snprintf(path, sizeof(path), "%s.%s", at, sub), path)
	if (!cJSON_IsObject(f))
		return util_err(err, errlen, "event: %s: not an object", at);
	ret = str_field(f, "id", P("id"), true, ev->finding_id, sizeof(ev->finding_id), err,
			errlen);
	if (!ret && !charset(ev->finding_id, ALNUM "-_"))
		ret = util_err(err, errlen, "event: %s: '%s' is not a finding id", P("id"),
			       shown(ev->finding_id, b, sizeof(b)));
	if (!ret)
		ret = str_field(f, "type", P("type"), true, ev->type, sizeof(ev->type), err, errlen);
	if (!ret && strpbrk(ev->type, " \t"))
		ret = util_err(err, errlen, "event: %s: a finding type has no blanks", P("type"));
	if (ret)
		return ret;
	sev = J(f, "severity");
	if (!cJSON_IsNumber(sev) || !isfinite(sev->valuedouble) || sev->valuedouble < 0 ||
	    sev->valuedouble > 10)
		return util_err(err, errlen, "event: %s: %s", P("severity"),
				sev ? "not a number from 0 to 10" : "missing");
	ev->severity = sev->valuedouble;
	res = J(f, "resource");
	if (!cJSON_IsObject(res))
		return util_err(err, errlen, "event: %s: %s", P("resource"),
				res ? "not an object" : "missing");
	ret = str_field(res, "resourceType", P("resource.resourceType"), true, ev->resource_type,
			sizeof(ev->resource_type), err, errlen);
	if (ret)
		return ret;
	if (!strcmp(ev->resource_type, "Instance")) {
		ev->resource = RESPOND_RES_INSTANCE;
		ret = instance_field(J(res, "instanceDetails"), "instanceId",
				     P("resource.instanceDetails.instanceId"), ev->instance, err,
				     errlen);
	} else {
		ev->resource = !strcmp(ev->resource_type, "AccessKey") ? RESPOND_RES_ACCESS_KEY :
			       !strcmp(ev->resource_type, "S3Bucket") ? RESPOND_RES_S3 :
			       RESPOND_RES_OTHER;
	}
	/* The finding's own region and account, else the envelope's. */
	if (!ret)
		ret = str_field(f, "region", P("region"), false, b, sizeof(ev->region), err,
				errlen);
	if (!ret && *b)
		util_strlcpy(ev->region, b, sizeof(ev->region));
	if (!ret)
		ret = str_field(f, "accountId", P("accountId"), false, b, sizeof(ev->account), err,
				errlen);
	if (!ret && *b)
		util_strlcpy(ev->account, b, sizeof(ev->account));
	if (!ret)
		ret = time_field(f, "updatedAt", P("updatedAt"), &ev->last_seen_ms, err, errlen);
	if (ret)
		return ret;
	svc = J(f, "service");
	if (svc && !cJSON_IsObject(svc))
		return util_err(err, errlen, "event: %s: not an object", P("service"));
	arch = J(svc, "archived");
	if (arch && !cJSON_IsBool(arch))
		return util_err(err, errlen, "event: %s: not true or false", P("service.archived"));
	ev->archived = cJSON_IsTrue(arch);
	ret = time_field(svc, "eventLastSeen", P("service.eventLastSeen"), &ms, err, errlen);
	if (!ret && ms)
		ev->last_seen_ms = ms;
	return ret;
#undef P
}

static int read_incident(const cJSON *d, struct respond_event *ev, char *err, size_t errlen)
{
	char inst[CLOUD_ID_LEN], b[48];
	int ret;

	ret = str_field(d, "incident", "detail.incident", true, ev->incident,
			sizeof(ev->incident), err, errlen);
	if (!ret && !charset(ev->incident, ALNUM "-_.:"))
		ret = util_err(err, errlen, "event: detail.incident: '%s' is not an incident id",
			       shown(ev->incident, b, sizeof(b)));
	if (!ret)
		ret = instance_field(d, "instanceId", "detail.instanceId", inst, err, errlen);
	if (!ret)
		ret = time_field(d, "openedAt", "detail.openedAt", &ev->opened_ms, err, errlen);
	if (!ret)
		ret = read_finding(J(d, "finding"), "detail.finding", ev, err, errlen);
	if (ret)
		return ret;
	if (ev->resource != RESPOND_RES_INSTANCE || strcmp(ev->instance, inst))
		return util_err(err, errlen, "event: detail.finding.resource: not about instance "
				"%s, as detail.instanceId says", inst);
	return 0;
}

static int read_object(const cJSON *d, struct respond_event *ev, char *err, size_t errlen)
{
	char b[48];
	int ret = str_field(J(d, "bucket"), "name", "detail.bucket.name", true, ev->bucket,
			    sizeof(ev->bucket), err, errlen);

	if (!ret && (strlen(ev->bucket) < 3 || !charset(ev->bucket, "abcdefghijklmnopqrstuvwxyz"
							"0123456789.-")))
		ret = util_err(err, errlen, "event: detail.bucket.name: '%s' is not a bucket name",
			       shown(ev->bucket, b, sizeof(b)));
	if (!ret)
		ret = str_field(J(d, "object"), "key", "detail.object.key", true, ev->key,
				sizeof(ev->key), err, errlen);
	return ret;
}

/* Does the text end inside a string or an open object or array? */
static bool cut_short(const char *json, size_t len)
{
	bool in_str = false, esc = false;
	long depth = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = json[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			depth--;
		}
	}
	return in_str || depth > 0;
}

/* Where the parse stopped, for the message: a cut event ends early. */
static int json_error(const char *json, size_t len, char *err, size_t errlen)
{
	const char *at = cJSON_GetErrorPtr();
	size_t off = at && at >= json && at <= json + len ? (size_t)(at - json) : len;

	if (off >= len || cut_short(json, len))
		return util_err(err, errlen, "event: not valid JSON: it ends at byte %zu before "
				"its object is closed (truncated?)", len);
	return util_err(err, errlen, "event: not valid JSON at byte %zu", off);
}

int respond_event_parse(const char *json, size_t len, struct respond_event *ev, char *err,
			size_t errlen)
{
	char source[64], dtype[128], b1[48], b2[64];
	const char *end = NULL;
	const cJSON *detail;
	cJSON *root;
	size_t i;
	int ret;

	memset(ev, 0, sizeof(*ev));
	if (len > RESPOND_EVENT_MAX)
		return util_errc(-EFBIG, err, errlen, "event: %zu bytes, over the %d EventBridge "
				 "allows", len, RESPOND_EVENT_MAX);
	if (!len || memchr(json, '\0', len))
		return util_err(err, errlen, "event: %s", len ? "a NUL byte in it" : "empty");
	root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!root)
		return json_error(json, len, err, errlen);
	for (const char *p = end; p && p < json + len; p++)
		if (!strchr(" \t\r\n", *p)) {
			ret = util_err(err, errlen, "event: text after the JSON object at byte %zu",
				       (size_t)(p - json));
			goto out;
		}
	if (!cJSON_IsObject(root)) {
		ret = util_err(err, errlen, "event: not a JSON object");
		goto out;
	}
	ret = str_field(root, "source", "source", true, source, sizeof(source), err, errlen);
	if (!ret)
		ret = str_field(root, "detail-type", "detail-type", true, dtype, sizeof(dtype), err,
				errlen);
	if (!ret)
		ret = str_field(root, "id", "id", false, ev->id, sizeof(ev->id), err, errlen);
	if (!ret)
		ret = str_field(root, "account", "account", false, ev->account, sizeof(ev->account),
				err, errlen);
	if (!ret)
		ret = str_field(root, "region", "region", false, ev->region, sizeof(ev->region),
				err, errlen);
	if (ret)
		goto out;
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(source, kinds[i].source) && !strcmp(dtype, kinds[i].detail_type))
			break;
	if (i == ARRAY_SIZE(kinds)) {
		ret = util_errc(-ENOENT, err, errlen, "event: unknown event: source '%s', "
				"detail-type '%s'", shown(source, b1, sizeof(b1)),
				shown(dtype, b2, sizeof(b2)));
		goto out;
	}
	ev->kind = kinds[i].kind;
	detail = J(root, "detail");
	if (!cJSON_IsObject(detail)) {
		ret = util_err(err, errlen, "event: detail: %s", detail ? "not an object" :
			       "missing");
		goto out;
	}
	switch (ev->kind) {
	case RESPOND_GD_FINDING:
		ret = read_finding(detail, "detail", ev, err, errlen);
		if (!ret && !(ev->finding_json = cJSON_PrintUnformatted(detail)))
			ret = -ENOMEM;
		break;
	case RESPOND_INCIDENT:
		ret = read_incident(detail, ev, err, errlen);
		if (!ret && !(ev->finding_json = cJSON_PrintUnformatted(J(detail, "finding"))))
			ret = -ENOMEM;
		break;
	case RESPOND_RELEASE:
		ret = instance_field(detail, "instance-id", "detail.instance-id", ev->instance, err,
				     errlen);
		break;
	case RESPOND_OBJECT:
		ret = read_object(detail, ev, err, errlen);
		break;
	case RESPOND_SCHEDULE:
		break;
	}
out:
	cJSON_Delete(root);
	return ret;
}

void respond_event_free(struct respond_event *ev)
{
	if (!ev)
		return;
	free(ev->finding_json);
	ev->finding_json = NULL;
}

char *respond_incident_detail(const char *incident, const char *instance_id, uint64_t opened_ms,
			      const char *finding_json, char *err, size_t errlen)
{
	cJSON *d = cJSON_CreateObject(), *f = cJSON_Parse(finding_json ? finding_json : "");
	char ts[UTIL_TIMESTAMP_LEN];
	char *out = NULL;

	if (!d || !cJSON_IsObject(f)) {
		util_err(err, errlen, "cordon Incident: the finding is not a JSON object");
		goto out;
	}
	cloud_time_format(opened_ms, ts);
	if (!cJSON_AddStringToObject(d, "incident", incident ? incident : "") ||
	    !cJSON_AddStringToObject(d, "instanceId", instance_id ? instance_id : "") ||
	    (opened_ms && !cJSON_AddStringToObject(d, "openedAt", ts)) ||
	    !cJSON_AddItemToObject(d, "finding", f)) {
		util_err(err, errlen, "cordon Incident: out of memory");
		goto out;
	}
	f = NULL;
	out = cJSON_PrintUnformatted(d);
	if (out) {
		/* Only what reads back: the agent learns of a bad id here, not off the host. */
		struct respond_event ev = { 0 };
		char *env = NULL;
		size_t n = strlen(out) + 128;

		env = malloc(n);
		if (env)
			snprintf(env, n, "{\"source\":\"cordon\",\"detail-type\":\"cordon Incident\","
				 "\"detail\":%s}", out);
		if (!env || respond_event_parse(env, strlen(env), &ev, err, errlen)) {
			free(out);
			out = NULL;
		}
		respond_event_free(&ev);
		free(env);
	}
out:
	cJSON_Delete(f);
	cJSON_Delete(d);
	return out;
}
