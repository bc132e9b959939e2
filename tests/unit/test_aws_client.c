/* SPDX-License-Identifier: MIT */
/*
 * The client's offline behaviour (form encoding, errors before anything
 * is sent). With `--call SVC OP METHOD PATH BODY [Name:Value]...` the
 * binary instead makes one real call with the environment's credentials
 * and endpoints and prints "HTTP STATUS" and the body: tests/aws uses it
 * to prove the client against moto (EC2, SNS, EventBridge, Security Hub)
 * and the fake GuardDuty.
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

#include "aws_client.h"

static void test_form(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(aws_form_add(&b, "Action", "Publish"), 0);
	assert_int_equal(aws_form_add(&b, "Message", "a b+c&d=é~"), 0);
	assert_string_equal(buf_str(&b), "Action=Publish&Message=a+b%2Bc%26d%3D%C3%A9~");
	buf_free(&b);
}

static void test_errors_before_sending(void **state)
{
	struct aws_client *c;
	struct aws_http_resp resp;
	struct aws_call call = {
		.svc = AWS_SVC_EC2, .op = "DescribeInstances", .method = "POST", .path = "/",
	};
	char err[ERRLEN];

	(void)state;
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	assert_int_equal(aws_client_new(NULL, &c), 0);
	aws_http_resp_init(&resp);
	assert_int_not_equal(aws_client_call(c, &call, &resp, NULL, err, sizeof(err)), 0);
	assert_string_equal(err, "EC2 DescribeInstances: no AWS region: set AWS_REGION (IMDS is disabled)");
	setenv("AWS_REGION", "eu-west-1", 1);
	aws_client_free(c);
	assert_int_equal(aws_client_new(NULL, &c), 0);
	assert_int_equal(aws_client_call(c, &call, &resp, NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "EC2 DescribeInstances: no AWS credentials"));
	assert_int_equal(aws_client_last_attempts(c), 1);
	aws_http_resp_free(&resp);
	aws_client_free(c);
	aws_client_free(NULL);
}

/* A deadline that has passed: no request goes out, the error says why. */
static void test_deadline_passed(void **state)
{
	struct aws_client *c;
	struct aws_http_resp resp;
	struct aws_call call = {
		.svc = AWS_SVC_CLOUDWATCH, .op = "GetMetricData", .method = "POST", .path = "/",
	};
	char err[ERRLEN];

	(void)state;
	setenv("AWS_REGION", "eu-west-1", 1);
	/* Port 9 on loopback: were anything sent, the error would be a refusal. */
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9", 1);
	assert_int_equal(aws_client_new(NULL, &c), 0);
	aws_client_set_deadline(c, util_now_real_ns() / 1000000ull + 500);
	aws_http_resp_init(&resp);
	assert_int_equal(aws_client_call(c, &call, &resp, NULL, err, sizeof(err)), -ETIMEDOUT);
	assert_string_equal(err, "CLOUDWATCH GetMetricData: no time left before the deadline");
	assert_int_equal(resp.status, 0);
	aws_client_set_deadline(c, 0);
	assert_int_not_equal(aws_client_call(c, &call, &resp, NULL, err, sizeof(err)), -ETIMEDOUT);
	aws_http_resp_free(&resp);
	aws_client_free(c);
	unsetenv("AWS_ENDPOINT_URL");
}

static int svc_from_name(const char *s, enum aws_service *out)
{
	for (int i = 0; i < AWS_SVC__COUNT; i++)
		if (!strcasecmp(s, aws_service_id(i))) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

static int run_call(int argc, char **argv)
{
	struct aws_kv h[16];
	struct aws_call call = { .op = argv[3], .method = argv[4], .path = argv[5] };
	struct aws_http_resp resp;
	struct aws_client *c;
	struct aws_error e;
	char err[ERRLEN];
	size_t nh = 0;
	int ret, i = 6;

	if (svc_from_name(argv[2], &call.svc)) {
		fprintf(stderr, "unknown service %s\n", argv[2]);
		return 2;
	}
	if (i < argc && argv[i][0]) { /* "" for no body */
		call.body = argv[i];
		call.body_len = strlen(argv[i]);
	}
	for (i++; i < argc && nh < 16; i++) {
		char *colon = strchr(argv[i], ':');

		if (!colon) {
			fprintf(stderr, "%s: expected Name:Value\n", argv[i]);
			return 2;
		}
		*colon = '\0';
		h[nh++] = (struct aws_kv){ argv[i], colon + 1 };
	}
	call.hdrs = h;
	call.n_hdrs = nh;
	if (aws_client_new(NULL, &c))
		return 1;
	aws_http_resp_init(&resp);
	ret = aws_client_call(c, &call, &resp, &e, err, sizeof(err));
	if (ret)
		printf("ERROR %s\n", err);
	else
		printf("HTTP %ld\n%s\n", resp.status, buf_str(&resp.body));
	printf("ATTEMPTS %u\n", aws_client_last_attempts(c));
	aws_http_resp_free(&resp);
	aws_client_free(c);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_errors_before_sending),
		cmocka_unit_test(test_deadline_passed),
	};

	if (argc >= 6 && !strcmp(argv[1], "--call"))
		return run_call(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
