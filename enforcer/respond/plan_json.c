/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

/* What the journal keeps of a plan: intents' params, the description. */

static cJSON *add_groups(cJSON *p, const struct cloud_eni *e)
{
	cJSON *g = cJSON_AddArrayToObject(p, "original_groups");

	for (size_t k = 0; g && k < e->n_groups; k++)
		if (!cJSON_AddItemToArray(g, cJSON_CreateString(e->groups[k])))
			return NULL;
	return g;
}

cJSON *plan_step_params(const struct plan *plan, const struct plan_step *s)
{
	const struct cloud_instance *inst = plan->inst;
	const struct cloud_eni *e = NULL;
	cJSON *p = cJSON_CreateObject();

	if (!p || (s->act != PLAN_SET_GROUPS && s->act != PLAN_TAG_ENI))
		return p;
	if (inst && s->eni >= 0 && (size_t)s->eni < inst->n_eni)
		e = &inst->eni[s->eni];
	if (s->act == PLAN_TAG_ENI) {
		if (e && add_groups(p, e))
			return p;
		cJSON_Delete(p);
		return NULL;
	}
	/* Groups that are cordon's already are nothing to restore. */
	if (!s->convert && !s->cordons && e && !add_groups(p, e)) {
		cJSON_Delete(p);
		return NULL;
	}
	if (!cJSON_AddStringToObject(p, "groups", s->group)) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

cJSON *plan_instance_json(const struct cloud_instance *in)
{
	cJSON *o = cJSON_CreateObject(), *enis, *vols;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "instance", in->id);
	cJSON_AddStringToObject(o, "vpc", in->vpc_id);
	enis = cJSON_AddArrayToObject(o, "interfaces");
	for (size_t i = 0; enis && i < in->n_eni; i++) {
		cJSON *e = cJSON_CreateObject(), *g;

		if (!e)
			break;
		cJSON_AddStringToObject(e, "id", in->eni[i].id);
		cJSON_AddNumberToObject(e, "device_index", in->eni[i].device_index);
		g = cJSON_AddArrayToObject(e, "groups");
		for (size_t k = 0; g && k < in->eni[i].n_groups; k++)
			cJSON_AddItemToArray(g, cJSON_CreateString(in->eni[i].groups[k]));
		cJSON_AddItemToArray(enis, e);
	}
	vols = cJSON_AddArrayToObject(o, "volumes");
	for (size_t i = 0; vols && i < in->n_volumes; i++)
		cJSON_AddItemToArray(vols, cJSON_CreateString(in->volumes[i]));
	return o;
}

/* A journaled string into a fixed field: refused when it does not fit. */
static bool take(const cJSON *v, char *dst, size_t len)
{
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= len)
		return false;
	util_strlcpy(dst, v->valuestring, len);
	return true;
}

bool plan_instance_from_json(const cJSON *o, struct cloud_instance *in)
{
	const cJSON *enis = cJSON_GetObjectItemCaseSensitive(o, "interfaces"), *e;
	const cJSON *vols = cJSON_GetObjectItemCaseSensitive(o, "volumes"), *v;

	memset(in, 0, sizeof(*in));
	if (!cJSON_IsArray(enis) ||
	    !take(cJSON_GetObjectItemCaseSensitive(o, "instance"), in->id, sizeof(in->id)))
		goto bad;
	cJSON_ArrayForEach(e, enis) {
		const cJSON *g, *di = cJSON_GetObjectItemCaseSensitive(e, "device_index");
		struct cloud_eni *n;

		if (in->n_eni == CLOUD_MAX_ENIS)
			goto bad;
		n = &in->eni[in->n_eni++];
		if (!take(cJSON_GetObjectItemCaseSensitive(e, "id"), n->id, sizeof(n->id)))
			goto bad;
		n->device_index = cJSON_IsNumber(di) ? di->valueint : -1;
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(e, "groups"))
			if (n->n_groups == CLOUD_MAX_GROUPS ||
			    !take(g, n->groups[n->n_groups++], sizeof(n->groups[0])))
				goto bad;
	}
	cJSON_ArrayForEach(v, vols)
		if (in->n_volumes == CLOUD_MAX_VOLUMES ||
		    !take(v, in->volumes[in->n_volumes++], sizeof(in->volumes[0])))
			goto bad;
	return true;
bad:
	/* Never a partial view: a missed interface would stay reachable. */
	memset(in, 0, sizeof(*in));
	return false;
}
