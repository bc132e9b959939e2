/* SPDX-License-Identifier: MIT */
/*
 * The pure parts of the responder's fleet calls: GetMetricData answers
 * (the last heartbeat of each instance), filtered DescribeInstances pages
 * (ids and launch times) and AWS times.
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

#include "cloud_heartbeat.h"

static char err[ERRLEN];

static void test_time(void **state)
{
	char out[UTIL_TIMESTAMP_LEN];
	uint64_t ms;

	(void)state;
	assert_int_equal(cloud_time_parse("2026-11-28T13:04:30.500Z", &ms), 0);
	assert_true(ms == 1795871070500ull);
	assert_int_equal(cloud_time_parse("2026-11-28T13:04:30Z", &ms), 0);
	assert_true(ms == 1795871070000ull);
	assert_int_equal(cloud_time_parse("2026-11-28T13:04:30.123456789Z", &ms), 0);
	assert_true(ms == 1795871070123ull);
	cloud_time_format(1795871070500ull, out);
	assert_string_equal(out, "2026-11-28T13:04:30.500Z");
	assert_int_equal(cloud_time_parse("2026-02-31T00:00:00Z", &ms), -EINVAL);
	assert_int_equal(cloud_time_parse("2026-11-28T13:04:30", &ms), -EINVAL);
	assert_int_equal(cloud_time_parse("2026-11-28T13:04:30.Z", &ms), -EINVAL);
	assert_int_equal(cloud_time_parse("2026-11-28 13:04:30Z", &ms), -EINVAL);
	assert_int_equal(cloud_time_parse("2026-11-28T13:04:30+01:00", &ms), -EINVAL);
	assert_int_equal(cloud_time_parse("1969-12-31T23:59:59Z", &ms), -EINVAL);
	assert_int_equal(cloud_time_parse(NULL, &ms), -EINVAL);
	assert_int_equal(cloud_time_parse("9026-11-28T13:00:00Z", &ms), -EINVAL);
}

#define MD_HEAD "<GetMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">" \
	"<GetMetricDataResult><MetricDataResults>"
#define MD_TAIL "</MetricDataResults>%s</GetMetricDataResult><ResponseMetadata><RequestId>x" \
	"</RequestId></ResponseMetadata></GetMetricDataResponse>"

static void test_metric_data(void **state)
{
	static const char xml[] = MD_HEAD
		"<member><Id>h0</Id><Label>AgentHeartbeat</Label><Timestamps>"
		"<member>2026-11-28T13:03:00Z</member><member>2026-11-28T13:04:00Z</member>"
		"</Timestamps><Values><member>1.0</member><member>2.0</member></Values>"
		"<StatusCode>Complete</StatusCode></member>"
		/* Timestamps before the Id: the result is settled when it closes. */
		"<member><Timestamps><member>2026-11-28T12:00:00Z</member></Timestamps>"
		"<Values><member>1.0</member></Values><Id>h2</Id></member>"
		"<member><Id>h1</Id><Timestamps/><Values/></member>"
		"</MetricDataResults><NextToken>tok-2</NextToken></GetMetricDataResult>"
		"</GetMetricDataResponse>";
	uint64_t last[3] = { 0, 0, 1795868400000ull + 1 };
	char next[CLOUD_HB_TOKEN_LEN];

	(void)state;
	assert_int_equal(cloud_parse_metric_data(xml, strlen(xml), 3, last, next, err,
						 sizeof(err)), 0);
	assert_true(last[0] == 1795871040000ull);   /* the latest of two */
	assert_true(last[1] == 0);                  /* silent */
	assert_true(last[2] == 1795868400000ull + 1); /* a later page's later time stays */
	assert_string_equal(next, "tok-2");
}

static void test_metric_data_refused(void **state)
{
	uint64_t last[2];
	char next[CLOUD_HB_TOKEN_LEN], xml[1024];

	(void)state;
	snprintf(xml, sizeof(xml), MD_HEAD "<member><Id>h2</Id></member>" MD_TAIL, "");
	assert_int_equal(cloud_parse_metric_data(xml, strlen(xml), 2, last, next, err,
						 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "result Id 'h2' is none of the queries"));
	snprintf(xml, sizeof(xml), MD_HEAD "<member><Timestamps><member>x</member></Timestamps>"
		 "<Id>h0</Id></member>" MD_TAIL, "");
	assert_int_equal(cloud_parse_metric_data(xml, strlen(xml), 2, last, next, err,
						 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "timestamp 'x' is not a time"));
	snprintf(xml, sizeof(xml), MD_HEAD "<member><Timestamps/></member>" MD_TAIL, "");
	assert_int_equal(cloud_parse_metric_data(xml, strlen(xml), 2, last, next, err,
						 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a result without an Id"));
	snprintf(xml, sizeof(xml), "<!DOCTYPE x [<!ENTITY a \"b\">]>" MD_HEAD MD_TAIL, "");
	assert_int_equal(cloud_parse_metric_data(xml, strlen(xml), 2, last, next, err,
						 sizeof(err)), -EINVAL);
	assert_string_equal(next, "");
	snprintf(xml, sizeof(xml), MD_HEAD "<member><Id>h0</Id>");
	assert_int_not_equal(cloud_parse_metric_data(xml, strlen(xml), 2, last, next, err,
						     sizeof(err)), 0);
}

#define DI_ITEM(id, t) "<item><instanceId>" id "</instanceId><launchTime>" t "</launchTime>" \
	"<networkInterfaceSet><item><attachment><attachTime>2020-01-01T00:00:00Z</attachTime>" \
	"</attachment></item></networkInterfaceSet></item>"

static void test_instance_list(void **state)
{
	static const char page1[] = "<DescribeInstancesResponse><reservationSet><item>"
		"<instancesSet>" DI_ITEM("i-0123456789abcdef0", "2026-11-28T13:00:00.000Z")
		DI_ITEM("i-0fedcba9", "2026-11-28T12:00:00Z") "</instancesSet></item>"
		"</reservationSet><nextToken>page-2</nextToken></DescribeInstancesResponse>";
	static const char page2[] = "<DescribeInstancesResponse><reservationSet><item>"
		"<instancesSet>" DI_ITEM("i-0aaaaaaa", "2026-11-28T11:00:00Z") "</instancesSet>"
		"</item></reservationSet></DescribeInstancesResponse>";
	struct cloud_brief out[3];
	char next[CLOUD_NEXT_TOKEN_LEN];
	size_t n = 0;

	(void)state;
	assert_int_equal(cloud_parse_instance_list(page1, strlen(page1), out, 3, &n, next, err,
						   sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(next, "page-2");
	assert_string_equal(out[0].id, "i-0123456789abcdef0");
	assert_true(out[0].launch_ms == 1795870800000ull);
	assert_string_equal(out[1].id, "i-0fedcba9");
	assert_int_equal(cloud_parse_instance_list(page2, strlen(page2), out, 3, &n, next, err,
						   sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(next, "");
	assert_string_equal(out[2].id, "i-0aaaaaaa");
	/* Full: never a shortened list. */
	assert_int_equal(cloud_parse_instance_list(page2, strlen(page2), out, 3, &n, next, err,
						   sizeof(err)), -EFBIG);
	assert_string_equal(err, "DescribeInstances: more than 3 instances");
	assert_int_equal(n, 3);
}

static void test_instance_list_refused(void **state)
{
	static const char bad_id[] = "<DescribeInstancesResponse><reservationSet><item>"
		"<instancesSet>" DI_ITEM("i-xyz", "2026-11-28T13:00:00Z") "</instancesSet>"
		"</item></reservationSet></DescribeInstancesResponse>";
	static const char no_time[] = "<DescribeInstancesResponse><reservationSet><item>"
		"<instancesSet><item><instanceId>i-01234567</instanceId></item></instancesSet>"
		"</item></reservationSet></DescribeInstancesResponse>";
	struct cloud_brief out[3];
	char next[CLOUD_NEXT_TOKEN_LEN];
	size_t n = 0;

	(void)state;
	assert_int_equal(cloud_parse_instance_list(bad_id, strlen(bad_id), out, 3, &n, next, err,
						   sizeof(err)), -EINVAL);
	assert_string_equal(err, "DescribeInstances: instanceId 'i-xyz' is not an instance id");
	assert_int_equal(cloud_parse_instance_list(no_time, strlen(no_time), out, 3, &n, next,
						   err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "DescribeInstances: 1 instances but 0 launch times");
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_metric_data),
		cmocka_unit_test(test_metric_data_refused),
		cmocka_unit_test(test_instance_list),
		cmocka_unit_test(test_instance_list_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
