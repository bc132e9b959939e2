/* SPDX-License-Identifier: MIT */
/* XML extraction and AWS error parsing (S3, EC2, SNS, JSON protocols). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_err.h"
#include "aws_xml.h"
#include "xml_hostile.h"

#define S(x) x, strlen(x)

static void parse(const char *body, const char *ctype, const char *hdr, struct aws_error *e)
{
	aws_error_parse(400, ctype, hdr, NULL, body, strlen(body), e);
}

static void test_errors(void **state)
{
	struct aws_error e;
	char s[400];

	(void)state;
	parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
	      "<Message>Access Denied</Message><RequestId>R1</RequestId></Error>", NULL, NULL, &e);
	assert_string_equal(e.code, "AccessDenied");
	assert_string_equal(e.message, "Access Denied");
	assert_string_equal(e.request_id, "R1");
	aws_error_str(&e, s, sizeof(s));
	assert_string_equal(s, "AccessDenied: Access Denied");

	/* EC2 */
	parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error>"
	      "<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
	      "</Error></Errors><RequestID>abc</RequestID></Response>", NULL, NULL, &e);
	assert_string_equal(e.code, "RequestLimitExceeded");
	assert_string_equal(e.request_id, "abc");

	/* SNS, with a namespace */
	parse("<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error>"
	      "<Type>Sender</Type><Code>Throttled</Code><Message>Rate exceeded</Message>"
	      "</Error><RequestId>x</RequestId></ErrorResponse>", NULL, NULL, &e);
	assert_string_equal(e.code, "Throttled");
	assert_string_equal(e.message, "Rate exceeded");

	/* JSON 1.1 (EventBridge) and REST-JSON (GuardDuty) */
	parse("{\"__type\":\"com.amazonaws.events#ThrottlingException\",\"message\":\"slow\"}",
	      "application/x-amz-json-1.1", NULL, &e);
	assert_string_equal(e.code, "ThrottlingException");
	assert_string_equal(e.message, "slow");
	parse("{\"Message\":\"The request is rejected\",\"__type\":\"BadRequestException\"}",
	      "application/json", "BadRequestException:http://internal.amazon.com/", &e);
	assert_string_equal(e.code, "BadRequestException");
	assert_string_equal(e.message, "The request is rejected");

	/* Nothing usable: the status, and control characters cleaned. */
	parse("<html>oops", NULL, NULL, &e);
	assert_string_equal(e.code, "HTTP 400");
	parse("<Error><Code>X\nY\xc3\xa9</Code></Error>", NULL, NULL, &e);
	assert_string_equal(e.code, "X Y??");
	aws_error_str(&e, s, sizeof(s));
	assert_string_equal(s, "X Y??");
	parse("<Error><Code>X\x01</Code></Error>", NULL, NULL, &e); /* not XML */
	assert_string_equal(e.code, "HTTP 400");
}

struct collect {
	char all[256];
	int n;
};

static int add(void *ctx, const char *text, size_t len)
{
	struct collect *c = ctx;

	(void)len;
	strcat(c->all, text);
	strcat(c->all, ";");
	c->n++;
	return 0;
}

static void test_each_and_refusals(void **state)
{
	const char *ec2 = "<DescribeInstancesResponse><reservationSet><item><instancesSet>"
			  "<item><instanceId>i-1</instanceId></item><item><instanceId>i-2"
			  "</instanceId></item></instancesSet></item></reservationSet>"
			  "</DescribeInstancesResponse>";
	struct collect c = { "", 0 };
	char out[32], err[ERRLEN];

	(void)state;
	assert_int_equal(aws_xml_each(S(ec2), "instancesSet/item/instanceId", add, &c, err,
				      sizeof(err)), 0);
	assert_string_equal(c.all, "i-1;i-2;");
	assert_int_equal(aws_xml_first(S(ec2), "NoSuch", out, sizeof(out), err, sizeof(err)), -ENOENT);
	assert_int_equal(aws_xml_first(S("<a><b>x</a>"), "b", out, sizeof(out), err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "XML line 1"));
	/* Billion laughs and external entities: no DTD at all. */
	assert_int_equal(aws_xml_first(S("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>"), "a", out,
				       sizeof(out), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "DTD"));
	/* Truncation of a long text into a small out is safe. */
	assert_int_equal(aws_xml_first(S("<a>0123456789012345678901234567890123456789</a>"), "a",
				       out, 8, err, sizeof(err)), 0);
	assert_string_equal(out, "0123456");
	assert_int_equal(aws_xml_first(S("<a></a>"), "a", out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "");
}

static int nop(void *ctx, const char *text, size_t len)
{
	(void)ctx, (void)text, (void)len;
	return 0;
}

/* The expat hardening (common/xmlsafe.c) holds for AWS answers. */
static void test_hostile(void **state)
{
	char out[64], err[ERRLEN], *deep = xml_deep(100000);

	(void)state;
	assert_int_equal(aws_xml_first(S(XML_BILLION_LAUGHS), "Code", out, sizeof(out), err,
				       sizeof(err)), -EINVAL);
	assert_string_equal(err, "XML line 2: DOCTYPE is not allowed (a DTD: entity expansion risk)");
	assert_int_equal(aws_xml_each(S(XML_PARAM_ENTITIES), "x", nop, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(aws_xml_each(S(XML_EXTERNAL_ENTITY), "x", nop, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "DOCTYPE is not allowed"));
	assert_int_equal(aws_xml_first(S(deep), "a", out, sizeof(out), err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "XML line 1: XML nested deeper than 32 elements");
	free(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_each_and_refusals),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
