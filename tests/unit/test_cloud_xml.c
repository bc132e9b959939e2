/* SPDX-License-Identifier: MIT */
/* enforcer/cloud/cloud_xml.c: DescribeInstances answers, as EC2 (API 2016-11-15) writes them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"
#include "xml_hostile.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n" \
	"<requestId>8f7724cf-496f-496e-8fe3-example</requestId><reservationSet><item>" \
	"<reservationId>r-1234567890abcdef0</reservationId><ownerId>123456789012</ownerId>" \
	"<groupSet/><instancesSet>"
#define TAIL "</instancesSet></item></reservationSet></DescribeInstancesResponse>\n"

/* Two interfaces, listed secondary first; instance-level groups differ. */
static const char two_enis[] = HEAD
	"<item><instanceId>i-1234567890abcdef0</instanceId><imageId>ami-0abcdef1234567890</imageId>"
	"<instanceState><code>16</code><name>running</name></instanceState>"
	"<privateDnsName>ip-10-0-1-10.ec2.internal</privateDnsName>"
	"<subnetId>subnet-0a1b2c3d4e5f6a7b8</subnetId><vpcId>vpc-0a1b2c3d4e5f6a7b8</vpcId>"
	"<groupSet><item><groupId>sg-instancelevel000</groupId><groupName>x</groupName></item></groupSet>"
	"<blockDeviceMapping>"
	"<item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-0aaaaaaaaaaaaaaa1</volumeId>"
	"<status>attached</status><deleteOnTermination>true</deleteOnTermination></ebs></item>"
	"<item><deviceName>/dev/sdf</deviceName><ebs><volumeId>vol-0aaaaaaaaaaaaaaa2</volumeId>"
	"<status>attached</status></ebs></item>"
	"</blockDeviceMapping>"
	"<networkInterfaceSet>"
	"<item><networkInterfaceId>eni-0bbbbbbbbbbbbbbb2</networkInterfaceId>"
	"<subnetId>subnet-0a1b2c3d4e5f6a7b8</subnetId><vpcId>vpc-0a1b2c3d4e5f6a7b8</vpcId>"
	"<description/><ownerId>123456789012</ownerId><status>in-use</status>"
	"<privateIpAddress>10.0.1.20</privateIpAddress><sourceDestCheck>true</sourceDestCheck>"
	"<groupSet><item><groupId>sg-0db000000000000db</groupId><groupName>db</groupName></item></groupSet>"
	"<attachment><attachmentId>eni-attach-0ccccccccccccccc2</attachmentId>"
	"<deviceIndex>1</deviceIndex><status>attached</status>"
	"<attachTime>2026-01-01T00:00:00.000Z</attachTime><deleteOnTermination>false</deleteOnTermination>"
	"</attachment>"
	"<privateIpAddressesSet><item><privateIpAddress>10.0.1.20</privateIpAddress><primary>true</primary>"
	"</item><item><privateIpAddress>10.0.1.21</privateIpAddress><primary>false</primary></item>"
	"</privateIpAddressesSet></item>"
	"<item><networkInterfaceId>eni-0bbbbbbbbbbbbbbb1</networkInterfaceId>"
	"<privateIpAddress>10.0.1.10</privateIpAddress>"
	"<groupSet><item><groupId>sg-0web0000000000web</groupId><groupName>web</groupName></item>"
	"<item><groupId>sg-0db000000000000db</groupId><groupName>db</groupName></item></groupSet>"
	"<attachment><attachmentId>eni-attach-0ccccccccccccccc1</attachmentId>"
	"<deviceIndex>0</deviceIndex><status>attached</status></attachment>"
	"<association><publicIp>203.0.113.50</publicIp></association>"
	"</item>"
	"</networkInterfaceSet>"
	"<tagSet><item><key>Name</key><value>web-1</value></item></tagSet>"
	"</item>" TAIL;

static int parse(const char *xml, struct cloud_instance *in, char *err)
{
	return cloud_parse_instance(xml, strlen(xml), in, err, ERRLEN);
}

static void test_two_enis(void **state)
{
	struct cloud_instance *in = calloc(1, sizeof(*in));
	char err[ERRLEN] = "";

	(void)state;
	assert_int_equal(parse(two_enis, in, err), 0);
	assert_string_equal(in->id, "i-1234567890abcdef0");
	assert_string_equal(in->vpc_id, "vpc-0a1b2c3d4e5f6a7b8");
	assert_string_equal(in->subnet_id, "subnet-0a1b2c3d4e5f6a7b8");
	assert_string_equal(in->state, "running");
	assert_int_equal(in->n_eni, 2);
	/* Sorted by device index: the primary first. */
	assert_string_equal(in->eni[0].id, "eni-0bbbbbbbbbbbbbbb1");
	assert_int_equal(in->eni[0].device_index, 0);
	assert_string_equal(in->eni[0].attachment_id, "eni-attach-0ccccccccccccccc1");
	assert_string_equal(in->eni[0].private_ip, "10.0.1.10");
	assert_int_equal(in->eni[0].n_groups, 2);
	assert_string_equal(in->eni[0].groups[0], "sg-0web0000000000web");
	assert_string_equal(in->eni[0].groups[1], "sg-0db000000000000db");
	assert_string_equal(in->eni[1].id, "eni-0bbbbbbbbbbbbbbb2");
	assert_int_equal(in->eni[1].device_index, 1);
	/* The primary address, not one from privateIpAddressesSet. */
	assert_string_equal(in->eni[1].private_ip, "10.0.1.20");
	/* Instance-level groups belong to no interface. */
	assert_int_equal(in->eni[1].n_groups, 1);
	assert_string_equal(in->eni[1].groups[0], "sg-0db000000000000db");
	assert_int_equal(in->n_volumes, 2);
	assert_string_equal(in->volumes[0], "vol-0aaaaaaaaaaaaaaa1");
	assert_string_equal(in->volumes[1], "vol-0aaaaaaaaaaaaaaa2");
	free(in);
}

/* An instance with n_eni interfaces of n_groups groups each. */
static char *build(size_t n_eni, size_t n_groups, const char *eni_extra)
{
	size_t cap = 4096 + n_eni * (512 + n_groups * 96);
	char *x = malloc(cap);
	size_t l;

	l = (size_t)snprintf(x, cap, "%s<item><instanceId>i-0123</instanceId><networkInterfaceSet>",
			     HEAD);
	for (size_t i = 0; i < n_eni; i++) {
		l += (size_t)snprintf(x + l, cap - l, "<item><networkInterfaceId>eni-%zu</networkInterfaceId>"
				      "<attachment><deviceIndex>%zu</deviceIndex></attachment>%s<groupSet>",
				      i, i, eni_extra);
		for (size_t g = 0; g < n_groups; g++)
			l += (size_t)snprintf(x + l, cap - l, "<item><groupId>sg-%zu</groupId></item>", g);
		l += (size_t)snprintf(x + l, cap - l, "</groupSet></item>");
	}
	snprintf(x + l, cap - l, "</networkInterfaceSet></item>%s", TAIL);
	return x;
}

static void test_caps(void **state)
{
	struct cloud_instance *in = calloc(1, sizeof(*in));
	char err[ERRLEN] = "";
	char *x;

	(void)state;
	x = build(CLOUD_MAX_ENIS, CLOUD_MAX_GROUPS, "");
	assert_int_equal(parse(x, in, err), 0);
	assert_int_equal(in->n_eni, CLOUD_MAX_ENIS);
	assert_int_equal(in->eni[15].n_groups, CLOUD_MAX_GROUPS);
	free(x);
	x = build(CLOUD_MAX_ENIS + 1, 1, "");
	assert_int_equal(parse(x, in, err), -EFBIG);
	assert_non_null(strstr(err, "more than 16 network interfaces"));
	assert_int_equal(in->n_eni, 0); /* nothing half-filled is left */
	free(x);
	x = build(1, CLOUD_MAX_GROUPS + 1, "");
	assert_int_equal(parse(x, in, err), -EFBIG);
	assert_non_null(strstr(err, "more than 16 groups"));
	free(x);
	free(in);
}

static void test_refused(void **state)
{
	static const struct {
		const char *xml;
		int ret;
		const char *why;
	} bad[] = {
		{ HEAD TAIL, -ENOENT, "no instance" },
		{ "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>", -ENOENT,
		  "no instance" },
		{ HEAD "<item><instanceId>i-1</instanceId></item><item><instanceId>i-2</instanceId></item>"
		  TAIL, -EINVAL, "more than one instance" },
		{ HEAD "<item><vpcId>vpc-1</vpcId></item>" TAIL, -EINVAL, "without instanceId" },
		{ HEAD "<item><instanceId>i-1 x</instanceId></item>" TAIL, -EINVAL,
		  "instanceId holds unexpected characters" },
		{ HEAD "<item><instanceId>i-1&amp;x</instanceId></item>" TAIL, -EINVAL,
		  "unexpected characters" },
		{ HEAD "<item><instanceId>i-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "</instanceId></item>" TAIL, -EFBIG, "instanceId too long" },
		{ HEAD "<item><instanceId>i-1</instanceId><networkInterfaceSet><item><privateIpAddress>"
		  "10.0.0.1</privateIpAddress></item></networkInterfaceSet></item>" TAIL, -EINVAL,
		  "without networkInterfaceId" },
		{ HEAD "<item><instanceId>i-1</instanceId><networkInterfaceSet>"
		  "<item><networkInterfaceId>eni-1</networkInterfaceId></item>"
		  "<item><networkInterfaceId>eni-1</networkInterfaceId></item>"
		  "</networkInterfaceSet></item>" TAIL, -EINVAL, "listed twice" },
		{ HEAD "<item><instanceId>i-1</instanceId><networkInterfaceSet><item>"
		  "<networkInterfaceId>eni-1</networkInterfaceId><attachment><deviceIndex>999"
		  "</deviceIndex></attachment></item></networkInterfaceSet></item>" TAIL, -EINVAL,
		  "deviceIndex" },
		{ "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>", -EINVAL,
		  "DOCTYPE is not allowed" },
		{ HEAD "<item><instanceId>i-1</instanceId>", -EINVAL, "XML line" },
		{ "", -EINVAL, "XML line" },
	};
	struct cloud_instance *in = calloc(1, sizeof(*in));

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char err[ERRLEN] = "";
		int ret = parse(bad[i].xml, in, err);

		if (ret != bad[i].ret || !strstr(err, bad[i].why))
			fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i, ret, err, bad[i].ret,
				 bad[i].why);
		assert_string_equal(in->id, "");
	}
	free(in);
}

static void test_deep_and_long(void **state)
{
	struct cloud_instance *in = calloc(1, sizeof(*in));
	char err[ERRLEN] = "";
	char *x = malloc(64 * 1024);
	size_t l = 0;

	(void)state;
	/* Nesting past the cap is refused, not overflowed. */
	l += (size_t)sprintf(x, "<r>");
	for (int i = 0; i < 40; i++)
		l += (size_t)sprintf(x + l, "<a>");
	for (int i = 0; i < 40; i++)
		l += (size_t)sprintf(x + l, "</a>");
	sprintf(x + l, "</r>");
	assert_int_equal(parse(x, in, err), -EFBIG);
	/* Long text in an element cordon does not read is fine. */
	l = (size_t)sprintf(x, "%s<item><instanceId>i-1</instanceId><description>", HEAD);
	memset(x + l, 'd', 5000);
	l += 5000;
	sprintf(x + l, "</description></item>%s", TAIL);
	assert_int_equal(parse(x, in, err), 0);
	assert_string_equal(in->id, "i-1");
	free(x);
	free(in);
}

/* The expat hardening (common/xmlsafe.c) holds for DescribeInstances. */
static void test_hostile(void **state)
{
	struct cloud_instance *in = calloc(1, sizeof(*in));
	char err[ERRLEN] = "", *deep = xml_deep(100000);

	(void)state;
	assert_int_equal(parse(XML_BILLION_LAUGHS, in, err), -EINVAL);
	assert_string_equal(err, "DescribeInstances XML line 2: DOCTYPE is not allowed "
			    "(a DTD: entity expansion risk)");
	assert_int_equal(parse(XML_PARAM_ENTITIES, in, err), -EINVAL);
	assert_int_equal(parse(XML_EXTERNAL_ENTITY, in, err), -EINVAL);
	assert_int_equal(parse(deep, in, err), -EFBIG);
	assert_string_equal(err, "DescribeInstances XML line 1: XML nested deeper than 32 "
			    "elements");
	assert_string_equal(in->id, "");
	free(deep);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_enis),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_deep_and_long),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
