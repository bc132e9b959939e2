/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

const char *plan_act_name(uint8_t act, bool convert)
{
	switch (act) {
	case PLAN_DESCRIBE: return "ec2_describe";
	case PLAN_SET_GROUPS: return convert ? "ec2_convert_eni" : "ec2_isolate_eni";
	case PLAN_TAGS: return "ec2_tag";
	case PLAN_UNTAG: return "ec2_untag";
	case PLAN_PROTECT: return "ec2_protect";
	case PLAN_SNAPSHOT: return "ec2_snapshot";
	case PLAN_SNS: return "sns_publish";
	case PLAN_EVENTS: return "events_put";
	case PLAN_SECHUB: return "securityhub_import";
	}
	return "unknown";
}

bool plan_act_tells(uint8_t act)
{
	return act == PLAN_SNS || act == PLAN_EVENTS || act == PLAN_SECHUB;
}

static struct plan_step *add(struct plan *p, uint8_t act, const char *target, bool convert)
{
	struct plan_step *s;

	if (p->n == PLAN_MAX)
		return NULL;
	s = &p->s[p->n++];
	memset(s, 0, sizeof(*s));
	s->act = act;
	s->convert = convert;
	s->eni = -1;
	util_strlcpy(s->action, plan_act_name(act, convert), sizeof(s->action));
	util_strlcpy(s->target, target ? target : "", sizeof(s->target));
	return s;
}

static void add_groups(struct plan *p, const struct cloud_instance *in, size_t i,
		       const char *group, bool convert)
{
	struct plan_step *s = add(p, PLAN_SET_GROUPS, in->eni[i].id, convert);

	if (s) {
		util_strlcpy(s->group, group, sizeof(s->group));
		s->eni = (int)i;
	}
}

void plan_build(const struct plan_cfg *c, const struct cloud_instance *inst,
		struct plan *out)
{
	bool ec2 = c->forensic_sg && *c->forensic_sg;

	memset(out, 0, sizeof(*out));
	if (ec2) {
		add(out, PLAN_DESCRIBE, c->instance_id, false);
		if (!inst)
			return;
		for (size_t i = 0; i < inst->n_eni; i++) {
			if (c->conversion_sg && *c->conversion_sg)
				add_groups(out, inst, i, c->conversion_sg, true);
			add_groups(out, inst, i, c->forensic_sg, false);
		}
		if (c->tag_instance)
			add(out, PLAN_TAGS, c->instance_id, false);
		if (c->termination_protection)
			add(out, PLAN_PROTECT, c->instance_id, false);
		for (size_t i = 0; c->snapshot_volumes && i < inst->n_volumes; i++)
			add(out, PLAN_SNAPSHOT, inst->volumes[i], false);
	}
	if (c->sns_topic && *c->sns_topic)
		add(out, PLAN_SNS, c->sns_topic, false);
	if (c->events_bus)
		add(out, PLAN_EVENTS, c->events_bus, false);
	if (c->securityhub)
		add(out, PLAN_SECHUB, c->finding_id, false);
	out->complete = true;
}

size_t plan_tags(const struct plan_step *s, const char *incident_id, const char *finding_id,
		 struct cloud_tag out[PLAN_MAX_TAGS])
{
	size_t n = 0;

	if (s->act != PLAN_TAGS && s->act != PLAN_SNAPSHOT)
		return 0;
	out[n++] = (struct cloud_tag){ "cordon:incident", incident_id };
	if (s->act == PLAN_TAGS) {
		out[n++] = (struct cloud_tag){ "cordon:status", "isolated" };
		out[n++] = (struct cloud_tag){ "cordon:finding", finding_id ? finding_id : "" };
	}
	return n;
}

void plan_snapshot_description(const char *incident_id, char *buf, size_t len)
{
	snprintf(buf, len, "cordon evidence, incident %s", incident_id);
}

cJSON *plan_step_params(const struct plan_step *s, const struct cloud_instance *inst)
{
	cJSON *p = cJSON_CreateObject(), *g;

	if (!p || s->act != PLAN_SET_GROUPS)
		return p;
	if (!s->convert && inst && s->eni >= 0 && (size_t)s->eni < inst->n_eni) {
		const struct cloud_eni *e = &inst->eni[s->eni];

		g = cJSON_AddArrayToObject(p, "original_groups");
		for (size_t k = 0; g && k < e->n_groups; k++)
			cJSON_AddItemToArray(g, cJSON_CreateString(e->groups[k]));
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
