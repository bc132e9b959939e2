/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_S3_H
#define CORDON_AWS_S3_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_checksum.h"
#include "aws_client.h"
#include "buf.h"

struct aws_s3_get {
	const char *bucket;
	const char *key;
	const char *region;        /* NULL: the client's */
	const char *if_none_match; /* the ETag we hold, or NULL */
	size_t max_bytes;          /* body cap */
};

struct aws_s3_obj {
	bool not_modified;  /* 304: body empty, nothing to parse */
	struct buf body;    /* owned */
	char etag[256];
	bool checksum_checked;
	char checksum_algo[16]; /* which one was verified, "" when none */
};

void aws_s3_obj_init(struct aws_s3_obj *o);
void aws_s3_obj_free(struct aws_s3_obj *o);

/*
 * GetObject, conditional on if_none_match, asking for checksums. The
 * body's length must equal Content-Length, and a full-object checksum S3
 * returns must match; otherwise -EBADMSG. Other failures as
 * aws_client_call. err: "S3 GetObject s3://b/k: why".
 */
__must_check int aws_s3_get_object(struct aws_client *c, const struct aws_s3_get *g,
				   struct aws_s3_obj *out, char *err, size_t errlen);

#endif
