/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_endpoint.h"

static void clear_env(void)
{
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	for (int s = 0; s < AWS_SVC__COUNT; s++) {
		char n[64];

		snprintf(n, sizeof(n), "AWS_ENDPOINT_URL_%s", aws_service_id(s));
		unsetenv(n);
	}
}

static void test_public(void **state)
{
	struct aws_endpoint ep;
	struct buf p;
	char host[300], err[ERRLEN];

	(void)state;
	clear_env();
	assert_int_equal(aws_endpoint_resolve(AWS_SVC_EC2, "eu-west-1", &ep, err, sizeof(err)), 0);
	assert_string_equal(ep.host, "ec2.eu-west-1.amazonaws.com");
	assert_true(ep.https);
	assert_false(ep.overridden);
	assert_int_equal(aws_endpoint_resolve(AWS_SVC_EVENTBRIDGE, "cn-north-1", &ep, err, sizeof(err)), 0);
	assert_string_equal(ep.host, "events.cn-north-1.amazonaws.com.cn");
	assert_string_equal(aws_service_signing_name(AWS_SVC_EVENTBRIDGE), "events");
	assert_int_equal(aws_endpoint_resolve(AWS_SVC_CLOUDWATCH, "us-east-2", &ep, err, sizeof(err)), 0);
	assert_string_equal(ep.host, "monitoring.us-east-2.amazonaws.com");
	assert_string_equal(aws_service_signing_name(AWS_SVC_CLOUDWATCH), "monitoring");
	assert_string_equal(aws_service_id(AWS_SVC_CLOUDWATCH), "CLOUDWATCH");
	assert_int_not_equal(aws_endpoint_resolve(AWS_SVC_S3, "us-east-1/x", &ep, err, sizeof(err)), 0);

	/* S3: virtual-hosted when the bucket allows it, else path style. */
	assert_int_equal(aws_endpoint_resolve(AWS_SVC_S3, "us-west-2", &ep, err, sizeof(err)), 0);
	buf_init(&p, 4096);
	assert_int_equal(aws_endpoint_s3_object(&ep, "my-bucket", "a/b c", host, sizeof(host), &p), 0);
	assert_string_equal(host, "my-bucket.s3.us-west-2.amazonaws.com");
	assert_string_equal(buf_str(&p), "/a/b c");
	buf_reset(&p);
	assert_int_equal(aws_endpoint_s3_object(&ep, "my.bucket", "k", host, sizeof(host), &p), 0);
	assert_string_equal(host, "s3.us-west-2.amazonaws.com");
	assert_string_equal(buf_str(&p), "/my.bucket/k");
	buf_free(&p);
}

static void test_override(void **state)
{
	struct aws_endpoint ep;
	struct buf p;
	char host[300], err[ERRLEN];

	(void)state;
	clear_env();
	setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:4566/", 1);
	setenv("AWS_ENDPOINT_URL_SNS", "http://localhost:80/sns", 1);
	assert_int_equal(aws_endpoint_resolve(AWS_SVC_S3, "us-east-1", &ep, err, sizeof(err)), 0);
	assert_string_equal(ep.host, "127.0.0.1:4566");
	assert_true(ep.overridden);
	buf_init(&p, 4096);
	assert_int_equal(aws_endpoint_s3_object(&ep, "bkt", "k", host, sizeof(host), &p), 0);
	assert_string_equal(host, "127.0.0.1:4566");
	assert_string_equal(buf_str(&p), "/bkt/k");
	buf_free(&p);
	assert_int_equal(aws_endpoint_resolve(AWS_SVC_SNS, "us-east-1", &ep, err, sizeof(err)), 0);
	assert_string_equal(ep.host, "localhost"); /* default port left out */
	assert_string_equal(ep.path, "/sns");
	assert_false(ep.https);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	assert_int_equal(aws_endpoint_resolve(AWS_SVC_SNS, "us-east-1", &ep, err, sizeof(err)), 0);
	assert_string_equal(ep.host, "sns.us-east-1.amazonaws.com");
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	setenv("AWS_ENDPOINT_URL_GUARDDUTY", "ftp://x", 1);
	assert_int_equal(aws_endpoint_resolve(AWS_SVC_GUARDDUTY, "us-east-1", &ep, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "AWS_ENDPOINT_URL_GUARDDUTY"));
	clear_env();
}

static void test_parse_url(void **state)
{
	static const char *bad[] = {
		"https://", "https://a@b", "https://h:0", "https://h:99999", "https://h?x=1",
		"https://h/p#f", "https://h/a b", "https://[zz]:1", "https://h..x", "h:1",
	};
	struct aws_endpoint ep;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(aws_endpoint_parse_url("https://[::1]:8443/x/", &ep, err, sizeof(err)), 0);
	assert_string_equal(ep.host, "[::1]:8443");
	assert_string_equal(ep.path, "/x");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(aws_endpoint_parse_url(bad[i], &ep, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_parse_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
