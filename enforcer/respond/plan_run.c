/* SPDX-License-Identifier: MIT */
/*
 * A step's call through enforcer/cloud. The agent's AWS process and the
 * off-host responder both run steps here; neither has a second way of
 * doing any of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

static int snapshot(struct aws_client *c, const struct plan_call *x,
		    char out_id[NOTIFY_MSG_ID_LEN], char *err, size_t errlen)
{
	char id[CLOUD_SNAP_ID_LEN] = "";
	int ret = cloud_snapshot_volume(c, x->target, x->text ? x->text : "", x->tags, x->n_tags,
					id, err, errlen);

	util_strlcpy(out_id, id, NOTIFY_MSG_ID_LEN);
	return ret;
}

static int events(struct aws_client *c, const struct plan_call *x,
		  char out_id[NOTIFY_MSG_ID_LEN], char *err, size_t errlen)
{
	const char *bus = x->target;

	if (!x->text)
		return util_err(err, errlen, "EventBridge: no event detail");
	if (x->detail_type)
		return notify_events_put_detail(c, bus, x->detail_type, x->text, x->resource,
						out_id, err, errlen);
	return notify_events_put(c, bus, x->text, out_id, err, errlen);
}

/*
 * The original groups on the interface; with x->clear, then the spill
 * keys this write did not fill deleted, so that a forged or stale
 * cordon:original-groups-N cannot join the list a release restores.
 */
static int tag_eni(struct aws_client *c, const struct plan_call *x, char *err, size_t errlen)
{
	const char *keys[CLOUD_ORIG_TAGS_MAX];
	struct cloud_orig_tags *o;
	int ret = cloud_tag_original_groups(c, x->target, x->groups, x->n_groups, err, errlen);

	if (ret || !x->clear)
		return ret;
	o = calloc(1, sizeof(*o));
	if (!o)
		return util_err(err, errlen, "out of memory");
	ret = cloud_tags_split_groups(x->groups, x->n_groups, o, err, errlen);
	cloud_tags_orig_keys(keys);
	if (!ret && o->n < CLOUD_ORIG_TAGS_MAX)
		ret = cloud_delete_tags(c, x->target, keys + o->n, CLOUD_ORIG_TAGS_MAX - o->n, err,
					errlen);
	free(o);
	return ret;
}

int plan_call_run(struct aws_client *c, const struct plan_call *x, struct cloud_instance *inst,
		  char out_id[NOTIFY_MSG_ID_LEN], char *err, size_t errlen)
{
	out_id[0] = '\0';
	switch (x->act) {
	case PLAN_DESCRIBE:
		if (!inst)
			return util_err(err, errlen, "describe: nowhere to put the answer");
		return cloud_describe_instance(c, x->target, inst, err, errlen);
	case PLAN_SET_GROUPS:
		return cloud_set_eni_groups(c, x->target, x->groups, x->n_groups, err, errlen);
	case PLAN_TAG_ENI:
		return tag_eni(c, x, err, errlen);
	case PLAN_TAGS:
		return cloud_create_tags(c, x->target, x->tags, x->n_tags, err, errlen);
	case PLAN_PROTECT:
		return cloud_protect_instance(c, x->target, x->protect, x->stop_on_shutdown, err,
					      errlen);
	case PLAN_SNAPSHOT:
		return snapshot(c, x, out_id, err, errlen);
	case PLAN_SNS:
		if (!x->subject || !x->text)
			return util_err(err, errlen, "SNS: no message");
		return notify_sns_publish(c, x->target, x->subject, x->text, out_id, err, errlen);
	case PLAN_EVENTS:
		return events(c, x, out_id, err, errlen);
	case PLAN_SECHUB:
		if (!x->text)
			return util_err(err, errlen, "Security Hub: no finding");
		return notify_securityhub_import(c, x->account, x->region, x->text, err, errlen);
	}
	return util_err(err, errlen, "unknown isolation step %d", (int)x->act);
}
