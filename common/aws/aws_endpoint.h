/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_ENDPOINT_H
#define CORDON_AWS_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "util.h"

/* Every service cordon calls. */
enum aws_service {
	AWS_SVC_S3,
	AWS_SVC_EC2,
	AWS_SVC_SNS,
	AWS_SVC_GUARDDUTY,
	AWS_SVC_EVENTBRIDGE,
	AWS_SVC_SECURITYHUB,
	AWS_SVC_CLOUDWATCH,  /* metrics: the agents' heartbeat */
	AWS_SVC__COUNT
};

/* "S3", "EC2", "CLOUDWATCH", ... as in messages and AWS_ENDPOINT_URL_<ID>. */
const char *aws_service_id(enum aws_service svc);
/* The SigV4 signing name: "s3", "ec2", "sns", "guardduty", "events", ... */
const char *aws_service_signing_name(enum aws_service svc);

struct aws_endpoint {
	bool https;
	bool overridden; /* from AWS_ENDPOINT_URL[_<ID>]: S3 goes path-style */
	char host[300];  /* Host header: name[:port], default port left out */
	char path[256];  /* an override URL's path, without trailing '/'; or "" */
};

/*
 * The endpoint the SDKs would use: AWS_ENDPOINT_URL_<ID>, then
 * AWS_ENDPOINT_URL (both ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
 * is true), else the public regional endpoint.
 */
__must_check int aws_endpoint_resolve(enum aws_service svc, const char *region,
				      struct aws_endpoint *ep, char *err, size_t errlen);
/* Parse "http[s]://host[:port][/path]" (no user, query or fragment). */
__must_check int aws_endpoint_parse_url(const char *url, struct aws_endpoint *ep,
					char *err, size_t errlen);
/*
 * Where an S3 object lives: virtual-hosted style (bucket.s3.REGION...) on
 * the public endpoint when the bucket name allows it, path style
 * (/bucket/key) on an overridden endpoint. Fills host (for Host and the
 * URL) and the raw, unencoded path to sign.
 */
__must_check int aws_endpoint_s3_object(const struct aws_endpoint *ep,
					const char *bucket, const char *key,
					char *host, size_t hostlen, struct buf *path);

#endif
