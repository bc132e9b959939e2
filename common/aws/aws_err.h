/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_ERR_H
#define CORDON_AWS_ERR_H

#include <stddef.h>

#include "util.h"

/*
 * What AWS said went wrong, from whichever shape the service answers in:
 * XML (S3 <Error>, EC2 <Response><Errors><Error>, SNS <ErrorResponse>),
 * JSON ("__type"/"code" and "message", any case) or the
 * x-amzn-ErrorType header. Texts are cleaned to printable ASCII.
 */
struct aws_error {
	long status;
	char code[96];
	char message[300];
	char request_id[96];
};

/* Fill e from an error response; never fails (code "HTTP 503" at worst). */
void aws_error_parse(long status, const char *content_type, const char *errtype_hdr,
		     const char *request_id_hdr, const char *body, size_t len,
		     struct aws_error *e);
/* "AccessDenied: Access Denied" (the code alone when no message). */
void aws_error_str(const struct aws_error *e, char *out, size_t outlen);

#endif
