/* SPDX-License-Identifier: MIT */
/*
 * Read the fields the messages need from a finding line (DESIGN.md's
 * shape; a GuardDuty finding reads the same way). Whatever is missing
 * stays empty: a message with a gap is better than no message.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "notify.h"

/* Copy a JSON string into dst, control characters as '?', capped. */
static int str_at(const cJSON *o, const char *name, char *dst, size_t dstlen,
		  char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	size_t i;

	dst[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return util_err(err, errlen, "finding: \"%s\" is not a string", name);
	util_strlcpy(dst, v->valuestring, dstlen);
	for (i = 0; dst[i]; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = '?';
	/* Don't leave half of a UTF-8 sequence at a cut. */
	if (strlen(v->valuestring) >= dstlen) {
		while (i > 0 && ((unsigned char)dst[i - 1] & 0xc0) == 0x80)
			i--;
		if (i > 0 && ((unsigned char)dst[i - 1] & 0xc0) == 0xc0)
			i--;
		dst[i] = '\0';
	}
	return 0;
}

static int num_at(const cJSON *o, const char *name, double *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return util_err(err, errlen, "finding: \"%s\" is not a number", name);
	*out = v->valuedouble;
	return 0;
}

static int u64_at(const cJSON *o, const char *name, uint64_t *out, char *err, size_t errlen)
{
	double d = 0;
	int ret = num_at(o, name, &d, err, errlen);

	if (ret)
		return ret;
	if (d < 0 || d > 9007199254740992.0)
		return util_err(err, errlen, "finding: \"%s\" out of range", name);
	*out = (uint64_t)d;
	return 0;
}

static int port_at(const cJSON *o, const char *name, int *out, char *err, size_t errlen)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, name);
	double p = -1;
	int ret;

	*out = -1;
	if (!d)
		return 0;
	ret = num_at(d, "port", &p, err, errlen);
	if (ret)
		return ret;
	if (p < -1 || p > 65535 || p != (int)p)
		return util_err(err, errlen, "finding: \"%s.port\" is not a port", name);
	*out = (int)p;
	return 0;
}

static int ip_at(const cJSON *o, const char *name, char *dst, size_t dstlen, bool *v6,
		 char *err, size_t errlen)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, name);
	int ret;

	dst[0] = '\0';
	*v6 = false;
	if (!d)
		return 0;
	ret = str_at(d, "ipAddressV4", dst, dstlen, err, errlen);
	if (!ret && !*dst) {
		ret = str_at(d, "ipAddressV6", dst, dstlen, err, errlen);
		*v6 = *dst != '\0';
	}
	return ret;
}

/* service.action.networkConnectionAction */
static int read_action(const cJSON *svc, struct notify_finding *f, char *err, size_t errlen)
{
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(svc, "action");
	const cJSON *nca = cJSON_GetObjectItemCaseSensitive(act, "networkConnectionAction");
	const cJSON *b;
	int ret;

	if (!nca)
		return 0;
	ret = str_at(nca, "connectionDirection", f->direction, sizeof(f->direction), err, errlen);
	if (!ret)
		ret = str_at(nca, "protocol", f->protocol, sizeof(f->protocol), err, errlen);
	if (!ret)
		ret = ip_at(nca, "localIpDetails", f->local_ip, sizeof(f->local_ip), &f->local_v6,
			    err, errlen);
	if (!ret)
		ret = ip_at(nca, "remoteIpDetails", f->remote_ip, sizeof(f->remote_ip),
			    &f->remote_v6, err, errlen);
	if (!ret)
		ret = port_at(nca, "localPortDetails", &f->local_port, err, errlen);
	if (!ret)
		ret = port_at(nca, "remotePortDetails", &f->remote_port, err, errlen);
	b = cJSON_GetObjectItemCaseSensitive(nca, "blocked");
	f->blocked = cJSON_IsTrue(b);
	return ret;
}

static int read_service(const cJSON *root, struct notify_finding *f, char *err, size_t errlen)
{
	const cJSON *svc = cJSON_GetObjectItemCaseSensitive(root, "service");
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(svc, "additionalInfo");
	int ret;

	if (!svc)
		return 0;
	ret = u64_at(svc, "count", &f->count, err, errlen);
	if (!ret)
		ret = str_at(svc, "eventFirstSeen", f->first_seen, sizeof(f->first_seen), err, errlen);
	if (!ret)
		ret = str_at(svc, "eventLastSeen", f->last_seen, sizeof(f->last_seen), err, errlen);
	if (!ret)
		ret = read_action(svc, f, err, errlen);
	if (ret || !info)
		return ret;
	ret = str_at(info, "threatListName", f->list_name, sizeof(f->list_name), err, errlen);
	if (!ret)
		ret = str_at(info, "threatListEntry", f->list_entry, sizeof(f->list_entry), err, errlen);
	if (!ret)
		ret = u64_at(info, "packets", &f->packets, err, errlen);
	if (!ret)
		ret = u64_at(info, "bytes", &f->bytes, err, errlen);
	return ret;
}

int notify_finding_parse(const char *json, size_t len, struct notify_finding *f, char *err,
			 size_t errlen)
{
	const cJSON *res, *idet;
	cJSON *root;
	int ret;

	memset(f, 0, sizeof(*f));
	f->local_port = f->remote_port = -1;
	if (!json || len > NOTIFY_FINDING_MAX)
		return util_err(err, errlen, "finding: missing or over %d bytes", NOTIFY_FINDING_MAX);
	root = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return util_err(err, errlen, "finding: not a JSON object");
	}
	ret = str_at(root, "id", f->id, sizeof(f->id), err, errlen);
	if (!ret && !*f->id)
		ret = util_err(err, errlen, "finding: no \"id\"");
	if (!ret)
		ret = str_at(root, "type", f->type, sizeof(f->type), err, errlen);
	if (!ret)
		ret = num_at(root, "severity", &f->severity, err, errlen);
	if (!ret)
		ret = str_at(root, "title", f->title, sizeof(f->title), err, errlen);
	if (!ret)
		ret = str_at(root, "description", f->description, sizeof(f->description), err,
			     errlen);
	if (!ret)
		ret = str_at(root, "createdAt", f->created_at, sizeof(f->created_at), err, errlen);
	if (!ret)
		ret = str_at(root, "updatedAt", f->updated_at, sizeof(f->updated_at), err, errlen);
	if (!ret)
		ret = str_at(root, "accountId", f->account, sizeof(f->account), err, errlen);
	if (!ret)
		ret = str_at(root, "region", f->region, sizeof(f->region), err, errlen);
	res = cJSON_GetObjectItemCaseSensitive(root, "resource");
	idet = cJSON_GetObjectItemCaseSensitive(res, "instanceDetails");
	if (!ret && idet)
		ret = str_at(idet, "instanceId", f->instance_id, sizeof(f->instance_id), err,
			     errlen);
	if (!ret)
		ret = read_service(root, f, err, errlen);
	cJSON_Delete(root);
	return ret;
}

void notify_actions_error(struct notify_actions *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n_errors == NOTIFY_MAX_ERRORS) {
		snprintf(a->errors[NOTIFY_MAX_ERRORS - 1], sizeof(a->errors[0]),
			 "(more errors than this message can hold; see the journal)");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(a->errors[a->n_errors++], sizeof(a->errors[0]), fmt, ap);
	va_end(ap);
}
