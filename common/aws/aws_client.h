/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_CLIENT_H
#define CORDON_AWS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_endpoint.h"
#include "aws_err.h"
#include "aws_http.h"
#include "aws_retry.h"
#include "aws_sigv4.h"
#include "buf.h"
#include "util.h"

/*
 * The AWS client every part of cordon shares: credentials chain, region,
 * endpoints, SigV4, standard-mode retries and clock-skew correction around
 * one signed HTTP exchange (aws_client_call). Service helpers (aws_s3.c,
 * and the daemon's EC2/SNS/GuardDuty calls) only describe requests.
 * See docs/internals/aws.md.
 */
struct aws_client;

struct aws_client_opts {
	const char *region;       /* NULL: AWS_REGION, AWS_DEFAULT_REGION, profile, IMDS */
	unsigned max_attempts;    /* 0: AWS_MAX_ATTEMPTS or 3 */
	long connect_timeout_ms;  /* 0: 3000 */
	long timeout_ms;          /* 0: 30000, per attempt */
};

/* Cheap: nothing is fetched until the first call needs it. */
__must_check int aws_client_new(const struct aws_client_opts *o, struct aws_client **out);
void aws_client_free(struct aws_client *c);
/* Resolve (once) and return the region, or NULL with err filled. */
const char *aws_client_region(struct aws_client *c, char *err, size_t errlen);

/* One API call, described. Strings are borrowed for the call's length. */
struct aws_call {
	enum aws_service svc;
	const char *op;           /* "GetObject": for messages */
	const char *what;         /* "s3://b/k": for messages, may be NULL */
	const char *method;
	const char *region;       /* NULL: the client's */
	const char *s3_bucket;    /* S3: bucket and key pick host and path */
	const char *s3_key;
	const char *path;         /* others: raw path, "/" when NULL */
	const struct aws_kv *query;
	size_t n_query;
	const struct aws_kv *hdrs; /* sent and signed */
	size_t n_hdrs;
	const void *body;
	size_t body_len;
	size_t max_body;          /* response cap (0: 1 MiB) */
};

/*
 * Sign and send with retries. 0 when the last answer was 2xx or 304
 * (resp holds it); otherwise a negative errno (-EACCES for 401/403,
 * -ENOENT for 404, -ETIMEDOUT, -EFBIG, -EIO), aws_err filled when AWS
 * answered, and one line in err: "S3 GetObject s3://b/k: AccessDenied: ...".
 * resp must be aws_http_resp_init'ed; free it with aws_http_resp_free.
 */
__must_check int aws_client_call(struct aws_client *c, const struct aws_call *call,
				 struct aws_http_resp *resp, struct aws_error *aws_err,
				 char *err, size_t errlen);

/*
 * A wall-clock time (Unix ms; 0: none) no call may run past: no attempt
 * starts, and no retry waits, when it would end after it; an attempt's
 * timeout is cut to what is left. For a Lambda handler, whose
 * invocation ends at a known time (the caller leaves its own margin).
 */
void aws_client_set_deadline(struct aws_client *c, uint64_t deadline_ms);

/* Attempts the last aws_client_call made (for tests and logs). */
unsigned aws_client_last_attempts(const struct aws_client *c);

/*
 * Query protocol (EC2, SNS): append "k=v" pairs to a form body,
 * encoded as botocore does (space as '+', "&" between pairs).
 */
__must_check int aws_form_add(struct buf *body, const char *k, const char *v);

#endif
