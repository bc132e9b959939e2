/* SPDX-License-Identifier: MIT */
/* S3 list locations in every ThreatIntelSet form. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "s3url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char loc[2048], err[ERRLEN];
	struct s3url u;

	if (size >= sizeof(loc))
		return 0;
	memcpy(loc, data, size);
	loc[size] = '\0';
	if (s3url_parse(loc, &u, err, sizeof(err)) == 0) {
		/* What it accepts is usable: a bucket, a key, no NUL inside. */
		if (strlen(u.bucket) < 3 || !u.key[0] || strchr(u.bucket, '/'))
			__builtin_trap();
	}
	return 0;
}
