/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_SIGV4_H
#define CORDON_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "util.h"

/*
 * AWS Signature Version 4, pure: no network, no clock, no allocation
 * outside the output buffers. Given a request and a time it builds the
 * canonical request, the string to sign, the signature and the headers to
 * send, exactly as botocore does (tests/aws/test_sigv4.sh compares them).
 * See docs/internals/aws.md.
 */

/* A name/value pair: a header, or a query parameter before encoding. */
struct aws_kv {
	const char *name;
	const char *value;
};

struct aws_sigv4_req {
	const char *method;          /* "GET", "POST", ... */
	const char *host;            /* Host header: name[:port], no default port */
	const char *path;            /* raw, not percent-encoded; NULL or "" is "/" */
	const struct aws_kv *query;  /* raw names and values, any order */
	size_t n_query;
	const struct aws_kv *hdrs;   /* headers sent, all of them signed */
	size_t n_hdrs;
	const void *body;
	size_t body_len;
	/* NULL: hex SHA-256 of the body; or e.g. "UNSIGNED-PAYLOAD". */
	const char *payload_hash;
	/*
	 * S3 rules: the path is encoded once and never normalised, and the
	 * payload hash is sent and signed as x-amz-content-sha256.
	 */
	bool s3;
};

struct aws_sigv4_key {
	const char *akid;
	const char *secret;
	const char *token; /* session token or NULL */
};

#define AWS_SIGV4_DATE_LEN 17 /* 20260101T000000Z + NUL */
#define AWS_SIGV4_HEX_LEN 65

struct aws_sigv4_out {
	struct buf target;        /* what goes after the host: /path?query */
	struct buf creq;          /* canonical request */
	struct buf sts;           /* string to sign */
	struct buf authorization; /* Authorization header value */
	char amz_date[AWS_SIGV4_DATE_LEN];
	char payload_hash[AWS_SIGV4_HEX_LEN + 32];
	char signature[AWS_SIGV4_HEX_LEN];
};

/*
 * Sign r for region/service at time when (UTC seconds). On success out
 * holds what to send besides the caller's own headers: X-Amz-Date,
 * Authorization, X-Amz-Security-Token (k->token) and, for S3,
 * X-Amz-Content-SHA256 (out->payload_hash). The caller frees out with
 * aws_sigv4_out_free() in every case. Returns 0, -EINVAL or -ENOMEM.
 */
__must_check int aws_sigv4_sign(const struct aws_sigv4_req *r, const char *region,
				const char *service, const struct aws_sigv4_key *k,
				time_t when, struct aws_sigv4_out *out);
void aws_sigv4_out_init(struct aws_sigv4_out *out);
/* Wipes and frees (the canonical request can hold the session token). */
void aws_sigv4_out_free(struct aws_sigv4_out *out);

/*
 * RFC 3986 percent-encoding as SigV4 wants it: unreserved bytes stay,
 * every other byte becomes %XX (upper case); '/' stays when keep_slash.
 */
__must_check int aws_uri_encode(struct buf *b, const char *s, size_t n, bool keep_slash);
/* Lower-case hex SHA-256 of data. */
void aws_sha256_hex(const void *data, size_t n, char out[AWS_SIGV4_HEX_LEN]);

#endif
