/* SPDX-License-Identifier: MIT */
/*
 * The finding in other tools' shapes: an EventBridge PutEvents entry and
 * an AWS Security Finding Format (ASFF) finding for Security Hub, and
 * what those two services answer. Pure functions, so tests can compare
 * the JSON byte for byte.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "notify.h"

#define ASFF_TITLE_MAX 256
#define ASFF_DESC_MAX 1024

char *notify_events_entry(const char *bus, const char *detail_type, const char *detail_json,
			  const char *resource, char *err, size_t errlen)
{
	cJSON *root, *entries, *e, *res;
	char *out = NULL;

	root = cJSON_CreateObject();
	entries = cJSON_AddArrayToObject(root, "Entries");
	e = cJSON_CreateObject();
	if (!entries || !e || !cJSON_AddItemToArray(entries, e)) {
		cJSON_Delete(e);
		goto out;
	}
	if (!cJSON_AddStringToObject(e, "Source", "cordon") ||
	    !cJSON_AddStringToObject(e, "DetailType", detail_type) ||
	    !cJSON_AddStringToObject(e, "Detail", detail_json))
		goto out;
	if (bus && *bus && !cJSON_AddStringToObject(e, "EventBusName", bus))
		goto out;
	if (resource && *resource) {
		res = cJSON_AddArrayToObject(e, "Resources");
		if (!res || !cJSON_AddItemToArray(res, cJSON_CreateString(resource)))
			goto out;
	}
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	if (!out)
		util_err(err, errlen, "EventBridge PutEvents: out of memory");
	return out;
}

char *notify_events_body(const char *bus, const char *finding_json, char *err, size_t errlen)
{
	struct notify_finding f;
	char arn[160] = "";

	/* Refuse what is not a finding before it becomes someone's event. */
	if (notify_finding_parse(finding_json, finding_json ? strlen(finding_json) : 0, &f, err,
				 errlen))
		return NULL;
	/* Rules can match on the instance without parsing the detail. */
	if (*f.instance_id && *f.account && *f.region)
		snprintf(arn, sizeof(arn), "arn:%s:ec2:%s:%s:instance/%s",
			 notify_partition(f.region), f.region, f.account, f.instance_id);
	return notify_events_entry(bus, "Cordon Finding", finding_json, arn, err, errlen);
}

/* GuardDuty's own mapping of its 1..10 severity to ASFF labels. */
const char *notify_severity_label(double s)
{
	if (s >= 9.0)
		return "CRITICAL";
	if (s >= 7.0)
		return "HIGH";
	if (s >= 4.0)
		return "MEDIUM";
	if (s >= 1.0)
		return "LOW";
	return "INFORMATIONAL";
}

/*
 * ASFF types are "namespace/category/classifier"; GuardDuty files its
 * findings under TTPs and writes the type with '/' turned into '-'.
 */
static void asff_type(const char *type, char *out, size_t len)
{
	char t[128];

	util_strlcpy(t, *type ? type : "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
		     sizeof(t));
	for (char *p = t; *p; p++)
		if (*p == '/')
			*p = '-';
	snprintf(out, len, "TTPs/Command and Control/%s", t);
}

static bool add_str(cJSON *o, const char *k, const char *v)
{
	return cJSON_AddStringToObject(o, k, v) != NULL;
}

static bool add_capped(cJSON *o, const char *k, const char *v, size_t max)
{
	char buf[ASFF_DESC_MAX + 1];

	util_strlcpy(buf, v, max + 1 < sizeof(buf) ? max + 1 : sizeof(buf));
	return add_str(o, k, buf);
}

/* Network: Source is the side that opened the connection. */
static bool add_network(cJSON *root, const struct notify_finding *f)
{
	bool in = !strcmp(f->direction, "INBOUND");
	const char *sip = in ? f->remote_ip : f->local_ip, *dip = in ? f->local_ip : f->remote_ip;
	bool sv6 = in ? f->remote_v6 : f->local_v6, dv6 = in ? f->local_v6 : f->remote_v6;
	int sport = in ? f->remote_port : f->local_port, dport = in ? f->local_port : f->remote_port;
	cJSON *n;

	if (!*f->direction)
		return true;
	n = cJSON_AddObjectToObject(root, "Network");
	if (!n || !add_str(n, "Direction", in ? "IN" : "OUT"))
		return false;
	if (*f->protocol && !add_str(n, "Protocol", f->protocol))
		return false;
	if (*sip && !add_str(n, sv6 ? "SourceIpV6" : "SourceIpV4", sip))
		return false;
	if (sport >= 0 && !cJSON_AddNumberToObject(n, "SourcePort", sport))
		return false;
	if (*dip && !add_str(n, dv6 ? "DestinationIpV6" : "DestinationIpV4", dip))
		return false;
	if (dport >= 0 && !cJSON_AddNumberToObject(n, "DestinationPort", dport))
		return false;
	return true;
}

static bool add_resource(cJSON *root, const struct notify_finding *f, const char *account,
			 const char *region)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "Resources"), *r = cJSON_CreateObject();
	char arn[200];

	if (!arr || !r || !cJSON_AddItemToArray(arr, r)) {
		cJSON_Delete(r);
		return false;
	}
	snprintf(arn, sizeof(arn), "arn:%s:ec2:%s:%s:instance/%s", notify_partition(region),
		 region, account, *f->instance_id ? f->instance_id : "unknown");
	return add_str(r, "Type", "AwsEc2Instance") && add_str(r, "Id", arn) &&
	       add_str(r, "Partition", notify_partition(region)) && add_str(r, "Region", region);
}

static bool add_fields(cJSON *root, const struct notify_finding *f)
{
	cJSON *pf = cJSON_AddObjectToObject(root, "ProductFields");
	char n[32];

	if (!pf)
		return false;
	if (*f->list_name && !add_str(pf, "cordon/threatListName", f->list_name))
		return false;
	if (*f->list_entry && !add_str(pf, "cordon/threatListEntry", f->list_entry))
		return false;
	snprintf(n, sizeof(n), "%llu", (unsigned long long)f->count);
	if (!add_str(pf, "cordon/count", n))
		return false;
	snprintf(n, sizeof(n), "%llu", (unsigned long long)f->packets);
	if (!add_str(pf, "cordon/packets", n))
		return false;
	snprintf(n, sizeof(n), "%llu", (unsigned long long)f->bytes);
	return add_str(pf, "cordon/bytes", n) && add_str(pf, "cordon/findingId", f->id);
}

static bool fill(cJSON *root, const struct notify_finding *f, const char *account,
		 const char *region)
{
	char product[160], id[200], type[200], sev[32];
	cJSON *types, *s;

	snprintf(product, sizeof(product), "arn:%s:securityhub:%s:%s:product/%s/default",
		 notify_partition(region), region, account, account);
	/* Unique per product: the same cordon finding updates, never duplicates. */
	snprintf(id, sizeof(id), "cordon/%s/%s/%s", region, account, f->id);
	asff_type(f->type, type, sizeof(type));
	snprintf(sev, sizeof(sev), "%g", f->severity);
	if (!add_str(root, "SchemaVersion", "2018-10-08") || !add_str(root, "Id", id) ||
	    !add_str(root, "ProductArn", product) || !add_str(root, "GeneratorId", "cordon") ||
	    !add_str(root, "AwsAccountId", account))
		return false;
	types = cJSON_AddArrayToObject(root, "Types");
	if (!types || !cJSON_AddItemToArray(types, cJSON_CreateString(type)))
		return false;
	if (!add_str(root, "CreatedAt", f->created_at) ||
	    !add_str(root, "UpdatedAt", *f->updated_at ? f->updated_at : f->created_at))
		return false;
	if (*f->first_seen && !add_str(root, "FirstObservedAt", f->first_seen))
		return false;
	if (*f->last_seen && !add_str(root, "LastObservedAt", f->last_seen))
		return false;
	s = cJSON_AddObjectToObject(root, "Severity");
	if (!s || !add_str(s, "Label", notify_severity_label(f->severity)) ||
	    !add_str(s, "Original", sev))
		return false;
	if (!add_capped(root, "Title", *f->title ? f->title : "cordon finding", ASFF_TITLE_MAX) ||
	    !add_capped(root, "Description", *f->description ? f->description :
			*f->title ? f->title : "cordon finding", ASFF_DESC_MAX))
		return false;
	return add_resource(root, f, account, region) && add_network(root, f) &&
	       add_fields(root, f);
}

char *notify_asff_build(const char *account, const char *region, const char *finding_json,
			char *err, size_t errlen)
{
	struct notify_finding f;
	cJSON *root;
	char *out = NULL;

	if (notify_finding_parse(finding_json, finding_json ? strlen(finding_json) : 0, &f, err,
				 errlen))
		return NULL;
	if (!account || !*account)
		account = f.account;
	if (!region || !*region)
		region = f.region;
	if (!*account || !*region || strlen(account) != 12 || strspn(account, "0123456789") != 12) {
		util_err(err, errlen, "ASFF: account (12 digits) and region are required");
		return NULL;
	}
	if (!*f.created_at) {
		util_err(err, errlen, "ASFF: finding %s has no createdAt", f.id);
		return NULL;
	}
	root = cJSON_CreateObject();
	if (root && fill(root, &f, account, region))
		out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!out)
		util_err(err, errlen, "ASFF: out of memory");
	return out;
}

/* The 200 answer as a JSON object (caller deletes), NULL if it is not one. */
static cJSON *answer(const char *json, size_t len, const char *what, char *err, size_t errlen)
{
	cJSON *root = len <= NOTIFY_FINDING_MAX ? cJSON_ParseWithLength(json, len) : NULL;

	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		util_err(err, errlen, "%s: the answer is not a JSON object", what);
		return NULL;
	}
	return root;
}

static double number(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *string(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

int notify_events_answer(const char *json, size_t len, char event_id[NOTIFY_MSG_ID_LEN],
			 char *err, size_t errlen)
{
	cJSON *root = answer(json, len, "EventBridge PutEvents", err, errlen);
	const cJSON *e;
	int ret = 0;

	if (!root)
		return -EBADMSG;
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "Entries"), 0);
	if (number(root, "FailedEntryCount") > 0 || *string(e, "ErrorCode")) {
		util_err(err, errlen, "EventBridge PutEvents: entry refused: %.60s: %.120s",
			 *string(e, "ErrorCode") ? string(e, "ErrorCode") : "unknown",
			 string(e, "ErrorMessage"));
		ret = -EIO;
	} else if (!*string(e, "EventId")) {
		util_err(err, errlen, "EventBridge PutEvents: no EventId in the answer");
		ret = -EBADMSG;
	} else if (event_id) {
		util_strlcpy(event_id, string(e, "EventId"), NOTIFY_MSG_ID_LEN);
	}
	cJSON_Delete(root);
	return ret;
}

int notify_securityhub_answer(const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = answer(json, len, "Security Hub BatchImportFindings", err, errlen);
	const cJSON *ff;
	int ret = 0;

	if (!root)
		return -EBADMSG;
	ff = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "FailedFindings"), 0);
	if (number(root, "FailedCount") > 0 || ff) {
		util_err(err, errlen, "Security Hub BatchImportFindings: finding refused: "
			 "%.60s: %.120s", *string(ff, "ErrorCode") ? string(ff, "ErrorCode") :
			 "unknown", string(ff, "ErrorMessage"));
		ret = -EIO;
	} else if (number(root, "SuccessCount") < 1) {
		util_err(err, errlen, "Security Hub BatchImportFindings: SuccessCount is not 1");
		ret = -EBADMSG;
	}
	cJSON_Delete(root);
	return ret;
}
