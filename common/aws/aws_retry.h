/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_RETRY_H
#define CORDON_AWS_RETRY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The AWS SDKs' "standard" retry mode: a few attempts, full-jitter
 * exponential backoff, and a retry quota shared by every call of a client
 * so that an outage does not turn into a retry storm.
 */
enum aws_retry_kind {
	AWS_RETRY_NO,        /* success, or an error retrying cannot fix */
	AWS_RETRY_TRANSIENT, /* 500/502/503/504, connection errors */
	AWS_RETRY_TIMEOUT,   /* the transfer timed out (costs more quota) */
	AWS_RETRY_THROTTLE,  /* throttling error codes */
	AWS_RETRY_SKEW,      /* our clock is off: correct it, retry once */
	AWS_RETRY_EXPIRED,   /* credentials expired: fetch new ones, retry once */
};

struct aws_retry {
	unsigned max_attempts; /* 3, or AWS_MAX_ATTEMPTS */
	unsigned base_ms;      /* 1000 */
	unsigned cap_ms;       /* 20000 */
	int quota;             /* 500 tokens */
	uint64_t rng;          /* jitter state */
};

#define AWS_RETRY_QUOTA 500
#define AWS_RETRY_COST 5
#define AWS_RETRY_TIMEOUT_COST 10

void aws_retry_init(struct aws_retry *r);
/*
 * Classify an attempt: status 0 means no HTTP response (curl_code says
 * why), code is the AWS error code or NULL.
 */
enum aws_retry_kind aws_retry_classify(long status, int curl_code, const char *code);
/* Take quota for one more attempt; false when it has run out. */
bool aws_retry_take(struct aws_retry *r, enum aws_retry_kind kind);
/* After a success: give back what a retried call took, or 1 token. */
void aws_retry_refund(struct aws_retry *r, enum aws_retry_kind last_retry);
/* Sleep before attempt n (n >= 1 retries done): random in [0, min(cap, base*2^(n-1))]. */
unsigned aws_retry_delay_ms(struct aws_retry *r, unsigned n);

#endif
