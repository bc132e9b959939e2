/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_IMDS_H
#define CORDON_AWS_IMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_creds.h"
#include "buf.h"
#include "util.h"

/*
 * The instance metadata service, IMDSv2 only: PUT a session token, then
 * GET with it; a 401 means the token is gone and one new token is tried.
 * AWS_EC2_METADATA_DISABLED=true turns it off, and
 * AWS_EC2_METADATA_SERVICE_ENDPOINT moves it (tests).
 */
struct aws_imds;

struct aws_imds *aws_imds_new(void);
void aws_imds_free(struct aws_imds *m);
bool aws_imds_disabled(const struct aws_imds *m);

/* GET a metadata path ("/latest/meta-data/..."), body capped at 64 KiB. */
__must_check int aws_imds_get(struct aws_imds *m, const char *path, struct buf *out,
			      char *err, size_t errlen);
/* The instance role's credentials. */
__must_check int aws_imds_creds(struct aws_imds *m, struct aws_creds *out,
				char *err, size_t errlen);
/* Region and instance id from the instance identity document. */
__must_check int aws_imds_identity(struct aws_imds *m, char *region, size_t rlen,
				   char *instance_id, size_t ilen, char *err, size_t errlen);

/* Parsers, pure (fuzzed): the role credentials JSON, the identity document. */
__must_check int aws_imds_parse_creds(const char *buf, size_t len, struct aws_creds *out,
				      char *err, size_t errlen);
__must_check int aws_imds_parse_identity(const char *buf, size_t len, char *region,
					 size_t rlen, char *instance_id, size_t ilen,
					 char *err, size_t errlen);

#endif
