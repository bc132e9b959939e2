/* SPDX-License-Identifier: MIT */
/*
 * One step of an isolation plan, through enforcer/cloud. The agent's AWS
 * process and the off-host responder both call this; neither has a
 * second way of doing any of it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "isolate.h"

static int tag_instance(const struct isolate_ctx *x, const struct isolate_plan *p,
			struct isolate_step *s, char *err, size_t errlen)
{
	struct cloud_tag tags[3] = {
		{ CLOUD_TAG_INCIDENT, p->incident },
		{ CLOUD_TAG_STATUS, "isolated" },
		{ CLOUD_TAG_FINDING, p->finding },
	};

	return cloud_create_tags(x->c, s->target, tags, *p->finding ? 3 : 2, err, errlen);
}

static int snapshot(const struct isolate_ctx *x, const struct isolate_plan *p,
		    struct isolate_step *s, char *err, size_t errlen)
{
	struct cloud_tag tags[2] = {
		{ CLOUD_TAG_INCIDENT, p->incident },
		{ "cordon:instance", p->instance },
	};
	char desc[200], id[CLOUD_SNAP_ID_LEN];
	int ret;

	snprintf(desc, sizeof(desc), "cordon evidence, incident %s, instance %s", p->incident,
		 p->instance);
	ret = cloud_snapshot_volume(x->c, s->target, desc, tags, 2, id, err, errlen);
	if (!ret)
		util_strlcpy(s->out_id, id, sizeof(s->out_id));
	return ret;
}

static int run(const struct isolate_ctx *x, const struct isolate_plan *p, struct isolate_step *s,
	       char *err, size_t errlen)
{
	const char *groups[CLOUD_MAX_GROUPS];

	for (size_t i = 0; i < s->n_groups && i < CLOUD_MAX_GROUPS; i++)
		groups[i] = s->groups[i];
	switch (s->act) {
	case ISO_TAG_ENI:
		return cloud_tag_original_groups(x->c, s->target, groups, s->n_groups, err, errlen);
	case ISO_TAG_INSTANCE:
		return tag_instance(x, p, s, err, errlen);
	case ISO_SNS:
		if (!x->sns_topic || !*x->sns_topic || !x->subject || !x->text)
			return util_err(err, errlen, "SNS: no topic or no message");
		return notify_sns_publish(x->c, x->sns_topic, x->subject, x->text, s->out_id, err,
					  errlen);
	case ISO_EVENTS:
		return notify_events_put(x->c, x->events_bus, x->finding_json, s->out_id, err,
					 errlen);
	case ISO_SECHUB:
		return notify_securityhub_import(x->c, x->account, x->region, x->finding_json, err,
						 errlen);
	case ISO_PROTECT:
		return cloud_protect_instance(x->c, s->target, true, true, err, errlen);
	case ISO_SNAPSHOT:
		return snapshot(x, p, s, err, errlen);
	case ISO_CONVERT:
	case ISO_FORENSIC:
		return cloud_set_eni_groups(x->c, s->target, groups, s->n_groups, err, errlen);
	}
	return util_err(err, errlen, "unknown isolation step %d", (int)s->act);
}

int isolate_step_run(const struct isolate_ctx *x, const struct isolate_plan *p,
		     struct isolate_step *s, char *err, size_t errlen)
{
	int ret;

	s->out_id[0] = '\0';
	s->error[0] = '\0';
	ret = run(x, p, s, err, errlen);
	if (ret) {
		s->state = ISO_FAILED;
		util_strlcpy(s->error, err, sizeof(s->error));
		return ret;
	}
	s->state = ISO_DONE;
	return 0;
}
