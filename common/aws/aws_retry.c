/* SPDX-License-Identifier: MIT */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "aws_retry.h"
#include "util.h"

#define RETRY_MAX_ATTEMPTS_CAP 10

void aws_retry_init(struct aws_retry *r)
{
	const char *env = getenv("AWS_MAX_ATTEMPTS");
	uint64_t v;

	r->max_attempts = 3;
	if (env && !util_parse_u64(env, 1, RETRY_MAX_ATTEMPTS_CAP, &v))
		r->max_attempts = (unsigned)v;
	r->base_ms = 1000;
	r->cap_ms = 20000;
	r->quota = AWS_RETRY_QUOTA;
	if (getrandom(&r->rng, sizeof(r->rng), GRND_NONBLOCK) != sizeof(r->rng))
		r->rng = util_now_mono_ns() ^ (uint64_t)getpid();
	r->rng |= 1;
}

static bool in(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(code, *list))
			return true;
	return false;
}

/* botocore's standard-mode lists, with EC2's and SNS's own names. */
static const char *const throttling[] = {
	"Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottledException", "TooManyRequestsException",
	"ProvisionedThroughputExceededException", "TransactionInProgressException",
	"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
	"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException", "Throttled", NULL,
};
static const char *const transient[] = {
	"RequestTimeout", "RequestTimeoutException", "InternalError",
	"InternalFailure", "ServiceUnavailable", NULL,
};
static const char *const skew[] = {
	"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
	"InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", NULL,
};
static const char *const expired[] = {
	"ExpiredToken", "ExpiredTokenException", "RequestExpiredToken", NULL,
};

enum aws_retry_kind aws_retry_classify(long status, int curl_code, const char *code)
{
	if (status == 0) {
		switch (curl_code) {
		case CURLE_OPERATION_TIMEDOUT:
			return AWS_RETRY_TIMEOUT;
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_PARTIAL_FILE:
		case CURLE_GOT_NOTHING:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
			return AWS_RETRY_TRANSIENT;
		default:
			/* TLS verification failures, a body over its cap, ... */
			return AWS_RETRY_NO;
		}
	}
	if (status < 300 || status == 304)
		return AWS_RETRY_NO;
	if (code && in(code, throttling))
		return AWS_RETRY_THROTTLE;
	if (code && in(code, expired))
		return AWS_RETRY_EXPIRED;
	if (code && in(code, skew))
		return AWS_RETRY_SKEW;
	if (status == 500 || status == 502 || status == 503 || status == 504)
		return AWS_RETRY_TRANSIENT;
	if (code && in(code, transient))
		return AWS_RETRY_TRANSIENT;
	return AWS_RETRY_NO;
}

bool aws_retry_take(struct aws_retry *r, enum aws_retry_kind kind)
{
	int cost = kind == AWS_RETRY_TIMEOUT ? AWS_RETRY_TIMEOUT_COST : AWS_RETRY_COST;

	if (r->quota < cost)
		return false;
	r->quota -= cost;
	return true;
}

void aws_retry_refund(struct aws_retry *r, enum aws_retry_kind last_retry)
{
	int back = 1;

	if (last_retry == AWS_RETRY_TIMEOUT)
		back = AWS_RETRY_TIMEOUT_COST;
	else if (last_retry != AWS_RETRY_NO)
		back = AWS_RETRY_COST;
	r->quota += back;
	if (r->quota > AWS_RETRY_QUOTA)
		r->quota = AWS_RETRY_QUOTA;
}

/* xorshift64*: jitter only needs to spread hosts, not to be secret. */
static uint64_t next_rand(struct aws_retry *r)
{
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 2685821657736338717ull;
}

unsigned aws_retry_delay_ms(struct aws_retry *r, unsigned n)
{
	uint64_t ceil = r->base_ms;

	for (unsigned i = 1; i < n && ceil < r->cap_ms; i++)
		ceil *= 2;
	if (ceil > r->cap_ms)
		ceil = r->cap_ms;
	return (unsigned)(next_rand(r) % (ceil + 1));
}
