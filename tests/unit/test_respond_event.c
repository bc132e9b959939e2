/* SPDX-License-Identifier: MIT */
/*
 * respond_event_parse(): each kind of event read, and every way an event
 * can be wrong refused with one line that names the field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "respond_event.h"

#define FINDING(sev, res) \
	"{\"schemaVersion\":\"2.0\",\"accountId\":\"123456789012\",\"region\":\"eu-west-1\"," \
	"\"id\":\"5d41402abc4b2a76b9719d911017c592\",\"type\":\"UnauthorizedAccess:EC2/" \
	"MaliciousIPCaller.Custom\",\"severity\":" sev ",\"updatedAt\":\"2026-11-28T13:04:00.000Z\"," \
	"\"resource\":" res ",\"service\":{\"archived\":false,\"eventLastSeen\":" \
	"\"2026-11-28T13:04:30.500Z\"}}"
#define INSTANCE "{\"resourceType\":\"Instance\",\"instanceDetails\":{\"instanceId\":" \
	"\"i-0123456789abcdef0\"}}"
#define ENV(src, dt, detail) \
	"{\"version\":\"0\",\"id\":\"abc-1\",\"source\":\"" src "\",\"detail-type\":\"" dt "\"," \
	"\"account\":\"123456789012\",\"region\":\"us-east-1\",\"detail\":" detail "}"

static char err[ERRLEN];

static int parse(const char *json, struct respond_event *ev)
{
	err[0] = '\0';
	return respond_event_parse(json, strlen(json), ev, err, sizeof(err));
}

static void refused(const char *json, int want_rc, const char *want)
{
	struct respond_event ev;

	assert_int_equal(parse(json, &ev), want_rc);
	assert_string_equal(err, want);
	assert_null(ev.finding_json);
	respond_event_free(&ev);
}

static void test_gd_finding(void **state)
{
	struct respond_event ev;

	(void)state;
	assert_int_equal(parse(ENV("aws.guardduty", "GuardDuty Finding", FINDING("8.5", INSTANCE)),
			       &ev), 0);
	assert_int_equal(ev.kind, RESPOND_GD_FINDING);
	assert_string_equal(ev.id, "abc-1");
	assert_string_equal(ev.finding_id, "5d41402abc4b2a76b9719d911017c592");
	assert_string_equal(ev.type, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
	assert_true(ev.severity == 8.5);
	assert_int_equal(ev.resource, RESPOND_RES_INSTANCE);
	assert_string_equal(ev.instance, "i-0123456789abcdef0");
	/* The finding's own region wins over the envelope's. */
	assert_string_equal(ev.region, "eu-west-1");
	assert_false(ev.archived);
	/* The last activity: service.eventLastSeen, to the millisecond. */
	assert_true(ev.last_seen_ms == 1795871070500ull);
	assert_non_null(strstr(ev.finding_json, "\"id\":\"5d41402abc4b2a76b9719d911017c592\""));
	assert_string_equal(respond_kind_name(ev.kind), "guardduty-finding");
	respond_event_free(&ev);
	respond_event_free(&ev);
}

static void test_other_resources(void **state)
{
	struct respond_event ev;

	(void)state;
	assert_int_equal(parse(ENV("aws.guardduty", "GuardDuty Finding", FINDING("5",
		"{\"resourceType\":\"AccessKey\",\"accessKeyDetails\":{\"userName\":\"alice\"}}")),
			       &ev), 0);
	assert_int_equal(ev.resource, RESPOND_RES_ACCESS_KEY);
	assert_string_equal(ev.instance, "");
	respond_event_free(&ev);
	assert_int_equal(parse(ENV("aws.guardduty", "GuardDuty Finding", FINDING("5",
		"{\"resourceType\":\"S3Bucket\"}")), &ev), 0);
	assert_int_equal(ev.resource, RESPOND_RES_S3);
	respond_event_free(&ev);
	assert_int_equal(parse(ENV("aws.guardduty", "GuardDuty Finding", FINDING("5",
		"{\"resourceType\":\"EKSCluster\"}")), &ev), 0);
	assert_int_equal(ev.resource, RESPOND_RES_OTHER);
	respond_event_free(&ev);
}

static void test_others(void **state)
{
	struct respond_event ev;

	(void)state;
	assert_int_equal(parse(ENV("cordon", "cordon Release",
				   "{\"instance-id\":\"i-0123abcd\"}"), &ev), 0);
	assert_int_equal(ev.kind, RESPOND_RELEASE);
	assert_string_equal(ev.instance, "i-0123abcd");
	respond_event_free(&ev);
	assert_int_equal(parse(ENV("aws.events", "Scheduled Event", "{}"), &ev), 0);
	assert_int_equal(ev.kind, RESPOND_SCHEDULE);
	respond_event_free(&ev);
	assert_int_equal(parse(ENV("aws.s3", "Object Created", "{\"bucket\":{\"name\":"
				   "\"cordon-lists\"},\"object\":{\"key\":\"dir/threat list.txt\"}}"),
			       &ev), 0);
	assert_int_equal(ev.kind, RESPOND_OBJECT);
	assert_string_equal(ev.bucket, "cordon-lists");
	assert_string_equal(ev.key, "dir/threat list.txt");
	respond_event_free(&ev);
}

/* The agent's detail as it builds it reads back as the same incident. */
static void test_incident_round_trip(void **state)
{
	struct respond_event ev;
	char *detail, *env;
	size_t n;

	(void)state;
	detail = respond_incident_detail("inc-20261128T130000Z-1a2b3c", "i-0123456789abcdef0",
					 1795870800000ull, FINDING("5", INSTANCE), err, sizeof(err));
	assert_non_null(detail);
	n = strlen(detail) + 100;
	env = malloc(n);
	assert_non_null(env);
	snprintf(env, n, "{\"source\":\"cordon\",\"detail-type\":\"cordon Incident\","
		 "\"detail\":%s}", detail);
	assert_int_equal(parse(env, &ev), 0);
	assert_int_equal(ev.kind, RESPOND_INCIDENT);
	assert_string_equal(ev.incident, "inc-20261128T130000Z-1a2b3c");
	assert_string_equal(ev.instance, "i-0123456789abcdef0");
	assert_true(ev.opened_ms == 1795870800000ull);
	assert_string_equal(ev.finding_id, "5d41402abc4b2a76b9719d911017c592");
	respond_event_free(&ev);
	free(env);
	free(detail);
	/* What would not read back is refused where it is made, on the host. */
	assert_null(respond_incident_detail("inc 1", "i-0123456789abcdef0", 0,
					    FINDING("5", INSTANCE), err, sizeof(err)));
	assert_string_equal(err, "event: detail.incident: 'inc 1' is not an incident id");
	assert_null(respond_incident_detail("inc-1", "i-0123456789abcdef0", 0, "[]", err,
					    sizeof(err)));
}

static void test_refused(void **state)
{
	char *big = malloc(RESPOND_EVENT_MAX + 2);

	(void)state;
	refused("", -EINVAL, "event: empty");
	refused("{\"source\":\"aws.guardduty\",\"detail-type\":\"GuardDuty Fi", -EINVAL,
		"event: not valid JSON: it ends at byte 53 before its object is closed (truncated?)");
	refused("{\"source\":\"x\" \"detail-type\":\"y\"}", -EINVAL,
		"event: not valid JSON at byte 14");
	refused("{\"source\":\"x\",\"detail-type\":\"y\",\"detail\":{}} []", -EINVAL,
		"event: text after the JSON object at byte 45");
	refused("[1,2]", -EINVAL, "event: not a JSON object");
	refused("{\"detail-type\":\"y\"}", -EINVAL, "event: source: missing");
	refused("{\"source\":7,\"detail-type\":\"y\"}", -EINVAL, "event: source: not a string");
	refused(ENV("aws.ec2", "EC2 Instance State-change Notification", "{}"), -ENOENT,
		"event: unknown event: source 'aws.ec2', detail-type 'EC2 Instance State-change "
		"Notification'");
	refused("{\"source\":\"cordon\",\"detail-type\":\"cordon Release\"}", -EINVAL,
		"event: detail: missing");
	refused(ENV("cordon", "cordon Release", "{\"instance-id\":\"i-0123abcd\\n\"}"), -EINVAL,
		"event: detail.instance-id: control or non-ASCII character");
	refused(ENV("cordon", "cordon Release", "{\"instance-id\":\"i-../etc\"}"), -EINVAL,
		"event: detail.instance-id: 'i-../etc' is not an instance id (i- and 8 or 17 hex "
		"digits)");
	refused(ENV("aws.guardduty", "GuardDuty Finding", FINDING("11", INSTANCE)), -EINVAL,
		"event: detail.severity: not a number from 0 to 10");
	refused(ENV("aws.guardduty", "GuardDuty Finding", FINDING("\"8\"", INSTANCE)), -EINVAL,
		"event: detail.severity: not a number from 0 to 10");
	refused(ENV("aws.guardduty", "GuardDuty Finding", FINDING("8", "{\"resourceType\":"
		"\"Instance\"}")), -EINVAL,
		"event: detail.resource.instanceDetails.instanceId: missing");
	refused(ENV("aws.guardduty", "GuardDuty Finding", "{\"id\":\"a b\"}"), -EINVAL,
		"event: detail.id: 'a b' is not a finding id");
	refused(ENV("aws.s3", "Object Created", "{\"bucket\":{\"name\":\"Bad_Bucket\"},"
		"\"object\":{\"key\":\"k\"}}"), -EINVAL,
		"event: detail.bucket.name: 'Bad_Bucket' is not a bucket name");
	refused(ENV("cordon", "cordon Incident", "{\"incident\":\"inc-1\",\"instanceId\":"
		"\"i-0123456789abcdef0\",\"finding\":" FINDING("5", "{\"resourceType\":\"Instance\","
		"\"instanceDetails\":{\"instanceId\":\"i-0123456789abcdef1\"}}") "}"), -EINVAL,
		"event: detail.finding.resource: not about instance i-0123456789abcdef0, as "
		"detail.instanceId says");
	refused(ENV("aws.guardduty", "GuardDuty Finding", "{\"id\":\"x\",\"type\":\"t\","
		"\"severity\":1,\"resource\":{\"resourceType\":\"S3Bucket\"},\"updatedAt\":"
		"\"yesterday\"}"), -EINVAL,
		"event: detail.updatedAt: 'yesterday' is not a time (2026-01-01T00:00:00Z)");
	assert_non_null(big);
	memset(big, ' ', RESPOND_EVENT_MAX + 1);
	big[RESPOND_EVENT_MAX + 1] = '\0';
	refused(big, -EFBIG, "event: 262145 bytes, over the 262144 EventBridge allows");
	free(big);
	/* A NUL inside is not text. */
	{
		struct respond_event ev;

		assert_int_equal(respond_event_parse("{\"a\":1}\0{}", 9, &ev, err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, "event: a NUL byte in it");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gd_finding),
		cmocka_unit_test(test_other_resources),
		cmocka_unit_test(test_others),
		cmocka_unit_test(test_incident_round_trip),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
