/* SPDX-License-Identifier: MIT */
/* Standard-mode retry decisions, backoff and quota; S3 checksums. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "aws_checksum.h"
#include "aws_retry.h"

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(aws_retry_classify(200, 0, NULL), AWS_RETRY_NO);
	assert_int_equal(aws_retry_classify(304, 0, NULL), AWS_RETRY_NO);
	assert_int_equal(aws_retry_classify(500, 0, "InternalError"), AWS_RETRY_TRANSIENT);
	assert_int_equal(aws_retry_classify(502, 0, NULL), AWS_RETRY_TRANSIENT);
	assert_int_equal(aws_retry_classify(503, 0, "SlowDown"), AWS_RETRY_THROTTLE);
	assert_int_equal(aws_retry_classify(504, 0, NULL), AWS_RETRY_TRANSIENT);
	assert_int_equal(aws_retry_classify(501, 0, "NotImplemented"), AWS_RETRY_NO);
	assert_int_equal(aws_retry_classify(503, 0, "RequestLimitExceeded"), AWS_RETRY_THROTTLE);
	assert_int_equal(aws_retry_classify(400, 0, "Throttled"), AWS_RETRY_THROTTLE);
	assert_int_equal(aws_retry_classify(400, 0, "ThrottlingException"), AWS_RETRY_THROTTLE);
	assert_int_equal(aws_retry_classify(429, 0, "TooManyRequestsException"), AWS_RETRY_THROTTLE);
	assert_int_equal(aws_retry_classify(403, 0, "AccessDenied"), AWS_RETRY_NO);
	assert_int_equal(aws_retry_classify(404, 0, "NoSuchKey"), AWS_RETRY_NO);
	assert_int_equal(aws_retry_classify(400, 0, "ValidationException"), AWS_RETRY_NO);
	assert_int_equal(aws_retry_classify(403, 0, "RequestTimeTooSkewed"), AWS_RETRY_SKEW);
	assert_int_equal(aws_retry_classify(403, 0, "SignatureDoesNotMatch"), AWS_RETRY_SKEW);
	assert_int_equal(aws_retry_classify(400, 0, "ExpiredToken"), AWS_RETRY_EXPIRED);
	assert_int_equal(aws_retry_classify(0, CURLE_OPERATION_TIMEDOUT, NULL), AWS_RETRY_TIMEOUT);
	assert_int_equal(aws_retry_classify(0, CURLE_COULDNT_CONNECT, NULL), AWS_RETRY_TRANSIENT);
	assert_int_equal(aws_retry_classify(0, CURLE_PARTIAL_FILE, NULL), AWS_RETRY_TRANSIENT);
	assert_int_equal(aws_retry_classify(0, CURLE_PEER_FAILED_VERIFICATION, NULL), AWS_RETRY_NO);
	assert_int_equal(aws_retry_classify(0, CURLE_WRITE_ERROR, NULL), AWS_RETRY_NO);
}

static void test_backoff_and_quota(void **state)
{
	struct aws_retry r;
	int taken = 0;

	(void)state;
	unsetenv("AWS_MAX_ATTEMPTS");
	aws_retry_init(&r);
	assert_int_equal(r.max_attempts, 3);
	for (int i = 0; i < 1000; i++) {
		assert_true(aws_retry_delay_ms(&r, 1) <= 1000);
		assert_true(aws_retry_delay_ms(&r, 3) <= 4000);
		assert_true(aws_retry_delay_ms(&r, 30) <= 20000);
	}
	while (aws_retry_take(&r, AWS_RETRY_TRANSIENT))
		taken++;
	assert_int_equal(taken, AWS_RETRY_QUOTA / AWS_RETRY_COST);
	aws_retry_refund(&r, AWS_RETRY_TRANSIENT);
	assert_true(aws_retry_take(&r, AWS_RETRY_TRANSIENT));
	assert_false(aws_retry_take(&r, AWS_RETRY_TIMEOUT));
	for (int i = 0; i < 2000; i++)
		aws_retry_refund(&r, AWS_RETRY_NO);
	assert_int_equal(r.quota, AWS_RETRY_QUOTA);
	setenv("AWS_MAX_ATTEMPTS", "5", 1);
	aws_retry_init(&r);
	assert_int_equal(r.max_attempts, 5);
	setenv("AWS_MAX_ATTEMPTS", "junk", 1);
	aws_retry_init(&r);
	assert_int_equal(r.max_attempts, 3);
	unsetenv("AWS_MAX_ATTEMPTS");
}

/* Check values of "123456789" for each CRC, and SHA-256 of "". */
static void test_checksums(void **state)
{
	char err[ERRLEN];

	(void)state;
	assert_int_equal(aws_cksum_verify(AWS_CKSUM_CRC32, "123456789", 9, "y/Q5Jg==", err, sizeof(err)), 0);
	assert_int_equal(aws_cksum_verify(AWS_CKSUM_CRC32C, "123456789", 9, "4waSgw==", err, sizeof(err)), 0);
	assert_int_equal(aws_cksum_verify(AWS_CKSUM_CRC64NVME, "123456789", 9, "rosUhgp5mIg=", err, sizeof(err)), 0);
	assert_int_equal(aws_cksum_verify(AWS_CKSUM_SHA256, "", 0,
					  "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", err, sizeof(err)), 0);
	assert_int_equal(aws_cksum_verify(AWS_CKSUM_SHA1, "abc", 3, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", err, sizeof(err)), 0);
	assert_int_equal(aws_cksum_verify(AWS_CKSUM_CRC32, "123456780", 9, "y/Q5Jg==", err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "crc32 mismatch"));
	assert_int_equal(aws_cksum_verify(AWS_CKSUM_SHA256, "", 0, "short", err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff_and_quota),
		cmocka_unit_test(test_checksums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
