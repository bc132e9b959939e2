/* SPDX-License-Identifier: MIT */
/* feeds/gd_parse.c: GetFindings answers, the ListFindings body, the policy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gd.h"

/* Shapes from botocore's guardduty service model (camelCase on the wire). */
static const char answer[] =
	"{\"findings\":[{"
	"\"accountId\":\"123456789012\",\"arn\":\"arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/f1\","
	"\"confidence\":0,\"createdAt\":\"2026-11-28T10:00:00.000Z\",\"description\":\"d\","
	"\"id\":\"0ac5a3e0b6f2c2d2e5a1f0c0c0c0c0c1\",\"partition\":\"aws\",\"region\":\"us-east-1\","
	"\"resource\":{\"resourceType\":\"Instance\",\"instanceDetails\":{\"instanceId\":\"i-0123456789abcdef0\","
	"\"networkInterfaces\":[{\"privateIpAddress\":\"10.0.0.5\"}]}},"
	"\"schemaVersion\":\"2.0\",\"service\":{\"action\":{\"actionType\":\"NETWORK_CONNECTION\","
	"\"networkConnectionAction\":{\"blocked\":false,\"connectionDirection\":\"OUTBOUND\","
	"\"localPortDetails\":{\"port\":39677,\"portName\":\"Unknown\"},\"protocol\":\"TCP\","
	"\"remoteIpDetails\":{\"city\":{\"cityName\":\"x\"},\"ipAddressV4\":\"203.0.113.7\","
	"\"organization\":{\"asn\":\"0\"}},\"remotePortDetails\":{\"port\":443,\"portName\":\"HTTPS\"}}},"
	"\"archived\":false,\"count\":4,\"detectorId\":\"d\",\"eventFirstSeen\":\"2026-11-28T10:00:00.000Z\","
	"\"eventLastSeen\":\"2026-11-28T10:05:00.000Z\",\"resourceRole\":\"ACTOR\",\"serviceName\":\"guardduty\"},"
	"\"severity\":8,\"title\":\"EC2 instance i-0123456789abcdef0 is communicating with a disallowed IP address.\","
	"\"type\":\"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom\",\"updatedAt\":\"2026-11-28T10:05:00.000Z\"},"
	"{\"id\":\"0ac5a3e0b6f2c2d2e5a1f0c0c0c0c0c2\",\"type\":\"Recon:EC2/PortProbeUnprotectedPort\","
	"\"severity\":2.5,\"updatedAt\":\"2026-11-28T11:00:00.000Z\","
	"\"service\":{\"archived\":true,\"action\":{\"actionType\":\"PORT_PROBE\",\"portProbeAction\":{"
	"\"blocked\":false,\"portProbeDetails\":["
	"{\"localPortDetails\":{\"port\":22},\"remoteIpDetails\":{\"ipAddressV4\":\"198.51.100.1\"}},"
	"{\"localPortDetails\":{\"port\":23},\"remoteIpDetails\":{\"ipAddressV4\":\"198.51.100.1\"}},"
	"{\"localPortDetails\":{\"port\":80},\"remoteIpDetails\":{\"ipAddressV6\":\"2001:db8::1\"}}]}}}},"
	"{\"id\":\"0ac5a3e0b6f2c2d2e5a1f0c0c0c0c0c3\",\"type\":\"UnauthorizedAccess:IAMUser/TorIPCaller\","
	"\"severity\":5,\"resource\":{\"resourceType\":\"AccessKey\"},"
	"\"service\":{\"action\":{\"actionType\":\"AWS_API_CALL\",\"awsApiCallAction\":{\"api\":\"GetObject\","
	"\"remoteIpDetails\":{\"ipAddressV4\":\"192.0.2.99\"}}}}}"
	"]}";

static void test_parse(void **state)
{
	struct gd_finding f[4];
	char err[ERRLEN] = "";
	size_t n = 0;

	(void)state;
	assert_int_equal(gd_parse_findings(answer, strlen(answer), f, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(f[0].id, "0ac5a3e0b6f2c2d2e5a1f0c0c0c0c0c1");
	assert_string_equal(f[0].type, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
	assert_true(f[0].severity == 8.0);
	assert_string_equal(f[0].instance_id, "i-0123456789abcdef0");
	assert_string_equal(f[0].created_at, "2026-11-28T10:00:00.000Z");
	assert_string_equal(f[0].updated_at, "2026-11-28T10:05:00.000Z");
	assert_string_equal(f[0].account, "123456789012");
	assert_false(f[0].archived);
	assert_int_equal(f[0].n_remote, 1);
	assert_string_equal(f[0].remote[0], "203.0.113.7");
	assert_true(f[1].archived);
	assert_true(f[1].severity == 2.5);
	assert_int_equal(f[1].n_remote, 2); /* 198.51.100.1 once */
	assert_string_equal(f[1].remote[0], "198.51.100.1");
	assert_string_equal(f[1].remote[1], "2001:db8::1");
	assert_string_equal(f[2].instance_id, "");
	assert_int_equal(f[2].n_remote, 1);
	assert_string_equal(f[2].remote[0], "192.0.2.99");
	/* More findings than asked for is an error, not an overflow. */
	assert_int_equal(gd_parse_findings(answer, strlen(answer), f, 2, &n, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(n, 0);
}

static void test_remote_cap(void **state)
{
	char json[4096];
	struct gd_finding f;
	char err[ERRLEN] = "";
	size_t n, l;

	(void)state;
	l = (size_t)snprintf(json, sizeof(json), "{\"findings\":[{\"id\":\"a\",\"type\":\"t\",\"severity\":1,"
			     "\"service\":{\"action\":{\"portProbeAction\":{\"portProbeDetails\":[");
	for (int i = 0; i < 12; i++)
		l += (size_t)snprintf(json + l, sizeof(json) - l, "%s{\"remoteIpDetails\":{\"ipAddressV4\":\"198.51.100.%d\"}}",
				      i ? "," : "", i);
	/* Junk where an address should be is skipped. */
	snprintf(json + l, sizeof(json) - l, ",{\"remoteIpDetails\":{\"ipAddressV4\":\"<script>\"}}]}}}}]}");
	assert_int_equal(gd_parse_findings(json, strlen(json), &f, 1, &n, err, sizeof(err)), 0);
	assert_int_equal(f.n_remote, GD_MAX_REMOTE);
	assert_true(f.remote_truncated);
	assert_string_equal(f.remote[7], "198.51.100.7");
}

static void test_refused(void **state)
{
	static const struct {
		const char *json;
		const char *why;
	} bad[] = {
		{ "", "no \"findings\" array" },
		{ "{\"findings\":{}}", "no \"findings\" array" },
		{ "{\"findings\":[1]}", "not an object" },
		{ "{\"findings\":[{\"type\":\"t\",\"severity\":1}]}", "has no \"id\"" },
		{ "{\"findings\":[{\"id\":\"a\",\"severity\":1}]}", "has no \"type\"" },
		{ "{\"findings\":[{\"id\":\"a\",\"type\":\"t\"}]}", "no valid \"severity\"" },
		{ "{\"findings\":[{\"id\":\"a\",\"type\":\"t\",\"severity\":\"8\"}]}", "no valid \"severity\"" },
		{ "{\"findings\":[{\"id\":\"a\",\"type\":\"t\",\"severity\":1e999}]}", "no valid \"severity\"" },
		{ "{\"findings\":[{\"id\":\"\",\"type\":\"t\",\"severity\":1}]}", "\"id\" is empty" },
		{ "{\"findings\":[{\"id\":7,\"type\":\"t\",\"severity\":1}]}", "\"id\" is not a string" },
		{ "{\"findings\":[{\"id\":\"a\",\"type\":\"t\",\"severity\":1,\"service\":{\"archived\":\"no\"}}]}",
		  "not a boolean" },
		{ "{\"findings\":[{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		  "\"type\":\"t\",\"severity\":1}]}", "over 79 characters" },
	};
	struct gd_finding f[2];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char err[ERRLEN] = "";
		size_t n = 9;
		int ret = gd_parse_findings(bad[i].json, strlen(bad[i].json), f, 2, &n, err, sizeof(err));

		if (!ret || !strstr(err, bad[i].why) || n)
			fail_msg("case %zu: got %d \"%s\", want \"%s\"", i, ret, err, bad[i].why);
	}
}

static void test_list_body(void **state)
{
	char *b = gd_list_body("i-0123456789abcdef0", 1780000000000ULL, NULL);

	(void)state;
	assert_string_equal(b, "{\"findingCriteria\":{\"criterion\":{"
			       "\"resource.instanceDetails.instanceId\":{\"equals\":[\"i-0123456789abcdef0\"]},"
			       "\"updatedAt\":{\"greaterThanOrEqual\":1780000000000},"
			       "\"service.archived\":{\"equals\":[\"false\"]}}},"
			       "\"sortCriteria\":{\"attributeName\":\"updatedAt\",\"orderBy\":\"ASC\"},"
			       "\"maxResults\":50}");
	free(b);
	b = gd_list_body(NULL, 0, "tok\"en");
	assert_null(strstr(b, "instanceId"));
	assert_non_null(strstr(b, "\"nextToken\":\"tok\\\"en\""));
	free(b);
}

/*
 * cordon.conf(5): a finding declares an incident when its type matches
 * [incident] guardduty_types AND its severity is >= guardduty_min_severity.
 */
static void test_policy(void **state)
{
	static const char *const def[] = { "*.Custom" };   /* the configuration's default */
	const char *globs[] = { "Backdoor:EC2/*", "*:EC2/TorClient" };
	struct gd_finding f;

	(void)state;
	memset(&f, 0, sizeof(f));
	/* The tutorial's finding, at GuardDuty's Medium: an incident from a minimum of 5 ... */
	strcpy(f.type, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
	f.severity = 5;
	assert_true(gd_policy_match(&f, def, 1, 5));
	/* ... not from the default minimum of 7: a matching type below it is none. */
	assert_false(gd_policy_match(&f, def, 1, 7));
	f.severity = 7;
	assert_true(gd_policy_match(&f, def, 1, 7));
	f.severity = 6.9;
	assert_false(gd_policy_match(&f, def, 1, 7));
	/* High severity of a type that matches no pattern: no incident (not OR). */
	strcpy(f.type, "Recon:EC2/PortProbeUnprotectedPort");
	f.severity = 8.9;
	assert_false(gd_policy_match(&f, def, 1, 7));
	strcpy(f.type, "Backdoor:EC2/C&CActivity.B");
	assert_false(gd_policy_match(&f, def, 1, 7));
	assert_true(gd_policy_match(&f, globs, 2, 7));
	f.severity = 1;
	assert_false(gd_policy_match(&f, globs, 2, 7));
	/* Archived: never. */
	f.severity = 9;
	f.archived = true;
	assert_false(gd_policy_match(&f, globs, 2, 7));
	f.archived = false;
	strcpy(f.type, "UnauthorizedAccess:EC2/TorClient");
	assert_true(gd_policy_match(&f, globs, 2, 7));
	/* Patterns given replace the default; none given ("Empty: none"): nothing matches. */
	strcpy(f.type, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
	assert_false(gd_policy_match(&f, globs, 2, 7));
	assert_false(gd_policy_match(&f, NULL, 0, 7));
	assert_true(gd_type_match(f.type, def, 1));
	assert_false(gd_type_match(f.type, NULL, 0));
	assert_false(gd_type_match(NULL, def, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_remote_cap),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_list_body),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
