/* SPDX-License-Identifier: MIT */
/*
 * Where things live for a person: the partition a region belongs to (for
 * ARNs) and console links to the instance and a GuardDuty finding. The
 * links take the partition's console host and the region as a query
 * parameter, the form that works in every partition with a console:
 *
 *   https://console.aws.amazon.com/ec2/home?region=R#InstanceDetails:instanceId=I
 *   https://console.aws.amazon.com/guardduty/home?region=R#/findings?macros=current&fId=ID
 *
 * (the GuardDuty fragment is the one GuardDuty writes itself, in the
 * SourceUrl of the findings it sends to Security Hub).
 */
#include <stdio.h>
#include <string.h>

#include "notify.h"

static const struct {
	const char *prefix;    /* of the region name */
	const char *partition;
	const char *console;   /* NULL: no public console */
} partitions[] = {
	{ "cn-", "aws-cn", "console.amazonaws.cn" },
	{ "us-gov-", "aws-us-gov", "console.amazonaws-us-gov.com" },
	{ "us-isob-", "aws-iso-b", NULL },
	{ "us-isof-", "aws-iso-f", NULL },
	{ "us-iso-", "aws-iso", NULL },
	{ "eu-isoe-", "aws-iso-e", NULL },
};

static size_t part_of(const char *region)
{
	for (size_t i = 0; region && i < ARRAY_SIZE(partitions); i++)
		if (!strncmp(region, partitions[i].prefix, strlen(partitions[i].prefix)))
			return i;
	return ARRAY_SIZE(partitions);
}

const char *notify_partition(const char *region)
{
	size_t i = part_of(region);

	return i < ARRAY_SIZE(partitions) ? partitions[i].partition : "aws";
}

/* Letters, digits and '-' only: what goes into a URL unencoded. */
static bool url_token(const char *s, size_t max)
{
	size_t l = s ? strlen(s) : 0;

	if (!l || l > max)
		return false;
	for (size_t i = 0; i < l; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static const char *console_host(const char *region)
{
	size_t i = part_of(region);

	return i < ARRAY_SIZE(partitions) ? partitions[i].console : "console.aws.amazon.com";
}

static size_t make_link(char *out, size_t len, const char *region, const char *id, bool gd)
{
	const char *host;
	int n;

	out[0] = '\0';
	if (!url_token(region, 31) || !url_token(id, 79) || !(host = console_host(region)))
		return 0;
	if (gd)
		n = snprintf(out, len, "https://%s/guardduty/home?region=%s"
			     "#/findings?macros=current&fId=%s", host, region, id);
	else
		n = snprintf(out, len, "https://%s/ec2/home?region=%s#InstanceDetails:instanceId=%s",
			     host, region, id);
	if (n < 0 || (size_t)n >= len) {
		out[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

size_t notify_link_instance(char *out, size_t len, const char *region, const char *instance_id)
{
	return make_link(out, len, region, instance_id, false);
}

size_t notify_link_gd_finding(char *out, size_t len, const char *region, const char *finding_id)
{
	return make_link(out, len, region, finding_id, true);
}
