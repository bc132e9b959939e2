/* SPDX-License-Identifier: MIT */
/*
 * A step of the plan as its one call (pure): what every runner sends,
 * the same wherever it runs.
 */
#include <stdio.h>
#include <string.h>

#include "plan.h"

static void tag(struct plan_call *x, const char *key, const char *value)
{
	if (x->n_tags < PLAN_MAX_TAGS && value && *value)
		x->tags[x->n_tags++] = (struct cloud_tag){ key, value };
}

bool plan_call_of(const struct plan *p, const struct plan_step *s, struct plan_call *x)
{
	const struct cloud_instance *in = p->inst;
	const char *instance = in ? in->id : "";

	memset(x, 0, sizeof(*x));
	x->act = s->act;
	x->target = s->target;
	switch (s->act) {
	case PLAN_SET_GROUPS:
		x->groups[0] = s->group;
		x->n_groups = 1;
		break;
	case PLAN_TAG_ENI:
		/* Its groups before cordon, on the interface itself. */
		if (!in || s->eni < 0 || (size_t)s->eni >= in->n_eni || !in->eni[s->eni].n_groups)
			return false;
		for (size_t k = 0; k < in->eni[s->eni].n_groups && k < CLOUD_MAX_GROUPS; k++)
			x->groups[k] = in->eni[s->eni].groups[k];
		x->n_groups = in->eni[s->eni].n_groups;
		x->clear = s->clear;
		break;
	case PLAN_TAGS:
		tag(x, CLOUD_TAG_INCIDENT, p->incident);
		tag(x, CLOUD_TAG_STATUS, "isolated");
		tag(x, CLOUD_TAG_FINDING, p->finding);
		break;
	case PLAN_PROTECT:
		x->protect = x->stop_on_shutdown = true;
		break;
	case PLAN_SNAPSHOT:
		tag(x, CLOUD_TAG_INCIDENT, p->incident);
		tag(x, "cordon:instance", instance);
		snprintf(x->desc, sizeof(x->desc), "cordon evidence, incident %s%s%s", p->incident,
			 *instance ? ", instance " : "", instance);
		x->text = x->desc;
		break;
	}
	return true;
}
