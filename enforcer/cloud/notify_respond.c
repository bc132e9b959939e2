/* SPDX-License-Identifier: MIT */
/*
 * The off-host responder's messages, in the incident message's manner:
 * the first line says what happened, then the facts, the console link,
 * and what cordon did or why it did nothing. Plain text for SNS e-mail.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "notify.h"

#define J(o, k) cJSON_GetObjectItemCaseSensitive(o, k)

/* What the readable message uses of a finding; "" when absent. */
struct gdf {
	char id[80], type[128], title[256], description[1024];
	char account[16], region[32], updated[40], first[40], last[40];
	double severity;
	char resource_type[32], instance[64];
	char user[128], key[64], user_type[32];    /* accessKeyDetails */
	char bucket[128];                          /* s3BucketDetails[0] */
	char api[128], service[128];               /* awsApiCallAction */
	char remote[48], country[64], org[128];
	char direction[16], protocol[16];          /* networkConnectionAction */
	int port;
	char list[128];                            /* additionalInfo.threatListName */
	long count;
};

/* A string (cleaned of control characters, capped), or "". */
static void str(const cJSON *o, const char *k, char *dst, size_t len)
{
	const cJSON *v = J(o, k);

	dst[0] = '\0';
	if (!cJSON_IsString(v))
		return;
	util_strlcpy(dst, v->valuestring, len);
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static void remote_of(const cJSON *rid, struct gdf *f)
{
	str(rid, "ipAddressV4", f->remote, sizeof(f->remote));
	if (!*f->remote)
		str(rid, "ipAddressV6", f->remote, sizeof(f->remote));
	str(J(rid, "country"), "countryName", f->country, sizeof(f->country));
	str(J(rid, "organization"), "asnOrg", f->org, sizeof(f->org));
}

static int gdf_read(const char *json, struct gdf *f, char *err, size_t errlen)
{
	cJSON *root = cJSON_Parse(json ? json : "");
	const cJSON *res, *svc, *act, *api, *nca, *v;

	memset(f, 0, sizeof(*f));
	f->port = -1;
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return util_err(err, errlen, "GuardDuty message: the finding is not a JSON object");
	}
	str(root, "id", f->id, sizeof(f->id));
	str(root, "type", f->type, sizeof(f->type));
	str(root, "title", f->title, sizeof(f->title));
	str(root, "description", f->description, sizeof(f->description));
	str(root, "accountId", f->account, sizeof(f->account));
	str(root, "region", f->region, sizeof(f->region));
	str(root, "updatedAt", f->updated, sizeof(f->updated));
	v = J(root, "severity");
	f->severity = cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : 0;
	res = J(root, "resource");
	str(res, "resourceType", f->resource_type, sizeof(f->resource_type));
	str(J(res, "instanceDetails"), "instanceId", f->instance, sizeof(f->instance));
	str(J(res, "accessKeyDetails"), "userName", f->user, sizeof(f->user));
	str(J(res, "accessKeyDetails"), "accessKeyId", f->key, sizeof(f->key));
	str(J(res, "accessKeyDetails"), "userType", f->user_type, sizeof(f->user_type));
	str(cJSON_GetArrayItem(J(res, "s3BucketDetails"), 0), "name", f->bucket, sizeof(f->bucket));
	svc = J(root, "service");
	str(svc, "eventFirstSeen", f->first, sizeof(f->first));
	str(svc, "eventLastSeen", f->last, sizeof(f->last));
	v = J(svc, "count");
	f->count = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e12 ?
		   (long)v->valuedouble : 0;
	str(J(svc, "additionalInfo"), "threatListName", f->list, sizeof(f->list));
	act = J(svc, "action");
	api = J(act, "awsApiCallAction");
	nca = J(act, "networkConnectionAction");
	if (api) {
		str(api, "api", f->api, sizeof(f->api));
		str(api, "serviceName", f->service, sizeof(f->service));
		remote_of(J(api, "remoteIpDetails"), f);
	} else if (nca) {
		str(nca, "connectionDirection", f->direction, sizeof(f->direction));
		str(nca, "protocol", f->protocol, sizeof(f->protocol));
		remote_of(J(nca, "remoteIpDetails"), f);
		v = J(J(nca, !strcmp(f->direction, "INBOUND") ? "localPortDetails" :
			    "remotePortDetails"), "port");
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 65535)
			f->port = (int)v->valuedouble;
	}
	cJSON_Delete(root);
	if (!*f->id || !*f->type)
		return util_err(err, errlen, "GuardDuty message: the finding has no id or type");
	return 0;
}

static const char *or_unknown(const char *s)
{
	return *s ? s : "unknown";
}

/* " (Country, Org)" after an address, or "". */
static void where_from(const struct gdf *f, char *out, size_t len)
{
	out[0] = '\0';
	if (*f->country && *f->org)
		snprintf(out, len, " (%s, %s)", f->country, f->org);
	else if (*f->country || *f->org)
		snprintf(out, len, " (%s)", *f->country ? f->country : f->org);
}

/* One sentence on what happened, the way round that it happened. */
static int what(struct buf *t, const struct gdf *f)
{
	char from[220], list[160] = "";

	where_from(f, from, sizeof(from));
	if (*f->list)
		snprintf(list, sizeof(list), " (threat list %s)", f->list);
	if (*f->user || *f->key)
		return buf_addf(t, "The AWS credentials of %s (access key %s%s%s) called %s%s%s from "
				"%s%s, an address on a threat list%s.", or_unknown(f->user),
				or_unknown(f->key), *f->user_type ? ", " : "", f->user_type,
				*f->service ? f->service : "", *f->service ? " " : "",
				or_unknown(f->api), or_unknown(f->remote), from, list);
	if (*f->bucket)
		return buf_addf(t, "%s on S3 bucket %s was called from %s%s, an address on a threat "
				"list%s.", or_unknown(f->api), f->bucket, or_unknown(f->remote),
				from, list);
	if (*f->instance) {
		char on[64] = "";

		if (f->port >= 0 && *f->protocol)
			snprintf(on, sizeof(on), " on %s port %d", f->protocol, f->port);
		if (!strcmp(f->direction, "INBOUND"))
			return buf_addf(t, "%s%s, an address on a threat list%s, reached instance "
					"%s%s.", or_unknown(f->remote), from, list, f->instance, on);
		return buf_addf(t, "Instance %s contacted %s%s, an address on a threat list%s%s%s.",
				f->instance, or_unknown(f->remote), from, list, *on ? "," : "", on);
	}
	return buf_addf(t, "%s", *f->title ? f->title : f->type);
}

static int finding_block(struct buf *t, const struct gdf *f)
{
	char l[NOTIFY_LINK_LEN];
	int ret = buf_addf(t, "GUARDDUTY\n"
			   "  Type:           %s\n"
			   "  Severity:       %g (%s)\n"
			   "  Title:          %s\n", f->type, f->severity,
			   notify_severity_label(f->severity), or_unknown(f->title));

	if (!ret && *f->description)
		ret = buf_addf(t, "  Description:    %s\n", f->description);
	if (!ret && *f->remote)
		ret = buf_addf(t, "  Remote address: %s\n", f->remote);
	if (!ret && *f->direction) {
		char port[24] = "";

		if (f->port >= 0)
			snprintf(port, sizeof(port), " port %d", f->port);
		ret = buf_addf(t, "  Direction:      %s%s%s%s\n", f->direction,
			       *f->protocol ? ", " : "", f->protocol, port);
	}
	if (!ret && (*f->first || *f->last))
		ret = buf_addf(t, "  Seen:           %s to %s (%ld time%s)\n", or_unknown(f->first),
			       or_unknown(f->last), f->count, f->count == 1 ? "" : "s");
	if (!ret)
		ret = buf_addf(t, "  Account:        %s, region %s\n", or_unknown(f->account),
			       or_unknown(f->region));
	if (!ret)
		ret = buf_addf(t, "  Finding:        %s\n", f->id);
	if (!ret && notify_link_gd_finding(l, sizeof(l), f->region, f->id))
		ret = buf_addf(t, "                  %s\n", l);
	if (!ret && *f->instance && notify_link_instance(l, sizeof(l), f->region, f->instance))
		ret = buf_addf(t, "  Instance:       %s\n                  %s\n", f->instance, l);
	return ret;
}

int notify_gd_text(const char *finding_json, const char *why, char subject[NOTIFY_SUBJECT_MAX + 1],
		   struct buf *text, char *err, size_t errlen)
{
	const char *who;
	struct gdf f;
	int ret;

	subject[0] = '\0';
	ret = gdf_read(finding_json, &f, err, errlen);
	if (ret)
		return ret;
	who = *f.user ? f.user : *f.bucket ? f.bucket : *f.instance ? f.instance : f.resource_type;
	notify_subject_printf(subject, "GuardDuty: %s - %s", f.type, or_unknown(who));
	ret = what(text, &f);
	if (!ret)
		ret = buf_addf(text, "\n\n%s\n\n", why && *why ? why :
			       "cordon changed nothing for this finding.");
	if (!ret)
		ret = finding_block(text, &f);
	if (!ret && (*f.user || *f.key))
		ret = buf_addf(text, "\nIf the call was not yours: deactivate access key %s, and "
			       "look at what else it did (CloudTrail).\n", or_unknown(f.key));
	if (ret)
		util_err(err, errlen, "GuardDuty message: over %zu bytes", text->max);
	return ret;
}

int notify_isolated_followup_text(const char *finding_json, const char *incident_id,
				  size_t finished, char subject[NOTIFY_SUBJECT_MAX + 1],
				  struct buf *text, char *err, size_t errlen)
{
	struct gdf f;
	int ret;

	subject[0] = '\0';
	ret = gdf_read(finding_json, &f, err, errlen);
	if (ret)
		return ret;
	notify_subject_printf(subject, "cordon: %s already isolated - GuardDuty: %s",
			      or_unknown(f.instance), f.type);
	ret = buf_addf(text, "Instance %s is already isolated (incident %s). GuardDuty published "
		       "another finding about it; it joins that incident.\n\n",
		       or_unknown(f.instance), *incident_id ? incident_id : "unknown");
	if (!ret)
		ret = what(text, &f);
	if (!ret)
		ret = buf_adds(text, "\n\n");
	if (!ret)
		ret = finding_block(text, &f);
	if (!ret && finished)
		ret = buf_addf(text, "\nThe isolation had %zu step%s left undone (the instance's "
			       "agent may have lost the API midway); cordon respond did %s now.\n",
			       finished, finished == 1 ? "" : "s", finished == 1 ? "it" : "them");
	else if (!ret)
		ret = buf_adds(text, "\nNothing was changed: the instance stays isolated as it "
			       "was.\n");
	if (!ret && *f.instance && *f.region)
		ret = buf_addf(text, "\nTo release it once the investigation is done:\n\n"
			       "    cordon release --instance-id %s --region %s\n", f.instance,
			       f.region);
	if (ret)
		util_err(err, errlen, "follow-up message: over %zu bytes", text->max);
	return ret;
}

int notify_silent_text(const struct notify_silent *s, size_t n, const char *const recovered[],
		       size_t n_recovered, const char *region, long silent_for_s, bool isolate,
		       char subject[NOTIFY_SUBJECT_MAX + 1], struct buf *text, char *err,
		       size_t errlen)
{
	char l[NOTIFY_LINK_LEN];
	int ret = 0;

	if (n)
		notify_subject_printf(subject, "cordon: %zu agent%s silent%s%s", n,
				      n == 1 ? "" : "s", n == 1 ? " on " : "",
				      n == 1 ? s[0].instance_id : "");
	else
		notify_subject_printf(subject, "cordon: %zu agent%s heard again", n_recovered,
				      n_recovered == 1 ? "" : "s");
	if (n)
		ret = buf_addf(text, "cordon's agent on %zu instance%s published no heartbeat for "
			       "%ld s or more (CloudWatch metric cordon/AgentHeartbeat). An agent "
			       "stops when it is killed, its unit masked or the host is taken over: "
			       "look before you trust these hosts.\n\n", n, n == 1 ? "" : "s",
			       silent_for_s);
	for (size_t i = 0; !ret && i < n; i++) {
		const struct notify_silent *x = &s[i];

		if (x->never_heard)
			ret = buf_addf(text, "  - %s: no heartbeat in the last day either: its agent "
				       "may not publish one (an older agent, or [agent] "
				       "heartbeat_interval = 0), so it was not isolated", x->instance_id);
		else
			ret = buf_addf(text, "  - %s: last heartbeat %s", x->instance_id,
				       *x->last_seen ? x->last_seen : "unknown");
		if (!ret && isolate && !x->never_heard)
			ret = x->isolated ? buf_addf(text, "; ISOLATED (incident %s)", x->incident_id) :
			      buf_addf(text, "; isolation FAILED: %s", *x->error ? x->error :
				       "unknown");
		if (!ret)
			ret = buf_adds(text, "\n");
		if (!ret && notify_link_instance(l, sizeof(l), region, x->instance_id))
			ret = buf_addf(text, "    %s\n", l);
	}
	if (!ret && n && !isolate)
		ret = buf_adds(text, "\nNothing was changed. To isolate one from anywhere, tag it "
			       "cordon:status=isolated (its agent, if alive, locks the host down) or "
			       "let cordon respond isolate dead agents ([respond] dead_agent_action "
			       "= isolate).\n");
	if (!ret && n && isolate)
		ret = buf_addf(text, "\nEach isolated instance's interfaces are in the forensic "
			       "group, their groups from before recorded on them. To release one:\n\n"
			       "    cordon release --instance-id INSTANCE --region %s\n",
			       *region ? region : "REGION");
	if (!ret && n_recovered)
		ret = buf_addf(text, "%sHeard again since the last message (no longer silent):\n",
			       n ? "\n" : "");
	for (size_t i = 0; !ret && i < n_recovered; i++)
		ret = buf_addf(text, "  - %s\n", recovered[i]);
	if (ret)
		util_err(err, errlen, "silent agents message: over %zu bytes", text->max);
	return ret;
}
