/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_CHECKSUM_H
#define CORDON_AWS_CHECKSUM_H

#include <stddef.h>

#include "util.h"

/*
 * S3 object checksums (x-amz-checksum-ALGO: base64 of the digest), for
 * full-object checksums: CRC32, CRC32C, CRC64NVME, SHA1, SHA256.
 */
enum aws_cksum { AWS_CKSUM_CRC32, AWS_CKSUM_CRC32C, AWS_CKSUM_CRC64NVME,
		 AWS_CKSUM_SHA1, AWS_CKSUM_SHA256, AWS_CKSUM__COUNT };

/* "crc32", ... as in the header name after x-amz-checksum-. */
const char *aws_cksum_name(enum aws_cksum a);
/*
 * 0 when data's digest equals the base64 value, -EBADMSG when it differs
 * (err says expected and actual), -EINVAL for a value that is not base64
 * of the right length.
 */
__must_check int aws_cksum_verify(enum aws_cksum a, const void *data, size_t n,
				  const char *b64, char *err, size_t errlen);

#endif
