/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: finding_json() over arbitrary records and context
 * strings. It writes JSON by hand (no cJSON tree), so whatever bytes the
 * list name, instance, account or region hold, the text must parse, and
 * those strings must come back out of it unchanged.
 *
 * Input: a struct finding_rec, then up to three NUL-separated strings
 * (instance id, account id, region); a missing one is NULL.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(cJSON *o, const char *a, const char *b, const char *want)
{
	cJSON *x = cJSON_GetObjectItem(o, a);

	if (b)
		x = cJSON_GetObjectItem(x, b);
	if (!cJSON_IsString(x) || strcmp(x->valuestring, want))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct finding_rec r;
	struct finding_ctx ctx = { 0 };
	const char **slot[3] = { &ctx.instance_id, &ctx.account_id, &ctx.region };
	char *rest, *p, *json;
	size_t n;
	cJSON *o, *info;

	if (size < sizeof(r))
		return 0;
	memcpy(&r, data, sizeof(r));
	r.id[sizeof(r.id) - 1] = '\0';
	r.list_name[sizeof(r.list_name) - 1] = '\0';
	/* What finding_rec_check() lets through: families the printers know. */
	r.local.af = r.local.af & 1 ? AF_INET6 : AF_INET;
	r.remote.af = r.local.af;
	r.entry.a.af = r.entry.a.af & 1 ? AF_INET6 : AF_INET;
	r.entry.len %= (uint8_t)(addr_bits(&r.entry.a) + 1);
	n = size - sizeof(r);
	rest = malloc(n + 1);
	if (!rest)
		return 0;
	memcpy(rest, data + sizeof(r), n);
	rest[n] = '\0';
	p = rest;
	for (int i = 0; i < 3 && p < rest + n; i++) {
		*slot[i] = p;
		p += strlen(p) + 1;
	}
	json = finding_json(&r, &ctx);
	if (!json)
		abort();
	o = cJSON_Parse(json);
	if (!o)
		abort();
	same(o, "id", NULL, r.id);
	info = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "service"), "additionalInfo");
	if (!info || !cJSON_IsNumber(cJSON_GetObjectItem(info, "packets")))
		abort();
	same(o, "service", "serviceName", "cordon");
	if (strcmp(cJSON_GetObjectItem(info, "threatListName")->valuestring, r.list_name))
		abort();
	same(o, "resource", "resourceType", "Instance");
	if (ctx.instance_id &&
	    strcmp(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "resource"),
							   "instanceDetails"),
				       "instanceId")->valuestring,
		   ctx.instance_id))
		abort();
	if (ctx.account_id)
		same(o, "accountId", NULL, ctx.account_id);
	if (ctx.region)
		same(o, "region", NULL, ctx.region);
	cJSON_Delete(o);
	free(json);
	free(rest);
	return 0;
}
