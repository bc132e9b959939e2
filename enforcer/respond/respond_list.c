/* SPDX-License-Identifier: MIT */
/*
 * A list object changed in S3 (EventBridge "Object Created"): GuardDuty
 * read the old file when its set was activated and reads the new one
 * only when activated again. Find the sets that read this object (by
 * location, whatever form it is written in) and activate them, so that
 * GuardDuty matches what the agents match.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gd_intel.h"
#include "listspec.h"
#include "log.h"
#include "respond_impl.h"
#include "s3url.h"

/* Is s3://bucket/key one of the configured lists; of which kind? */
static bool configured(const struct config_strv *l, enum list_kind kind, const char *bucket,
		       const char *key)
{
	for (size_t i = 0; i < l->n; i++) {
		struct list_spec spec;
		struct s3url u;
		char why[ERRLEN];

		if (list_spec_parse(l->v[i], kind, &spec, why, sizeof(why)) ||
		    !s3url_is_s3(spec.location) || s3url_parse(spec.location, &u, why, sizeof(why)))
			continue;
		if (!strcmp(u.bucket, bucket) && !strcmp(u.key, key))
			return true;
	}
	return false;
}

enum respond_rc respond_list_changed(struct respond *r, char *err, size_t errlen)
{
	const struct respond_event *ev = r->ev;
	const struct cordon_config *c = r->cfg;
	struct gd_intel_set sets[8];
	char detector[GD_DETECTOR_LEN];
	enum gd_intel_kind kind;
	size_t n = 0, done = 0;
	cJSON *arr;
	int ret;

	respond_rep_str(r->rep, "bucket", ev->bucket);
	respond_rep_str(r->rep, "key", ev->key);
	if (configured(&c->lists.threat, LIST_THREAT, ev->bucket, ev->key)) {
		kind = GD_INTEL_THREAT;
	} else if (configured(&c->lists.trusted, LIST_TRUSTED, ev->bucket, ev->key)) {
		kind = GD_INTEL_TRUSTED;
	} else {
		respond_result(r, "ignored", "s3://%s/%s is none of the configured lists ([lists] "
			       "threat and trusted, CORDON_LISTS_THREAT)", ev->bucket, ev->key);
		return RESPOND_OK;
	}
	respond_rep_str(r->rep, "set_kind", gd_intel_kind_name(kind));
	if (c->guardduty.detector_id)
		util_strlcpy(detector, c->guardduty.detector_id, sizeof(detector));
	else if ((ret = gd_find_detector(r->c, detector, err, errlen))) {
		respond_result(r, "failed", "%s", err);
		return RESPOND_FAILED;
	}
	respond_rep_str(r->rep, "detector", detector);
	ret = gd_intel_find(r->c, detector, kind, ev->bucket, ev->key, sets, ARRAY_SIZE(sets), &n,
			    err, errlen);
	if (ret) {
		respond_result(r, "failed", "%s", err);
		return RESPOND_FAILED;
	}
	if (!n) {
		respond_result(r, "nothing", "no GuardDuty %s of detector %s reads s3://%s/%s",
			       gd_intel_kind_name(kind), detector, ev->bucket, ev->key);
		return RESPOND_OK;
	}
	arr = cJSON_AddArrayToObject(r->rep, "sets");
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		char why[ERRLEN];

		cJSON_AddItemToArray(arr, o);
		respond_rep_str(o, "id", sets[i].id);
		respond_rep_str(o, "name", sets[i].name);
		respond_rep_str(o, "location", sets[i].location);
		respond_rep_str(o, "status_before", sets[i].status);
		if (gd_intel_activate(r->c, detector, kind, sets[i].id, why, sizeof(why))) {
			respond_rep_str(o, "error", why);
			log_warnx("respond: %s", why);
			util_strlcpy(err, why, errlen);
			continue;
		}
		respond_rep_str(o, "state", "activated");
		log_info("respond: GuardDuty %s %s (%s) activated again: it reads s3://%s/%s anew",
			 gd_intel_kind_name(kind), sets[i].id, sets[i].name, ev->bucket, ev->key);
		done++;
	}
	respond_result(r, done == n ? "reactivated" : "failed", "%zu of %zu %s(s) activated again",
		       done, n, gd_intel_kind_name(kind));
	return done == n ? RESPOND_OK : RESPOND_FAILED;
}
