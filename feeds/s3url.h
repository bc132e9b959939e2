/* SPDX-License-Identifier: MIT */
#ifndef CORDON_S3URL_H
#define CORDON_S3URL_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/*
 * An S3 object named the ways a GuardDuty ThreatIntelSet location may be:
 *   s3://bucket/key
 *   https://s3.amazonaws.com/bucket/key
 *   https://s3.REGION.amazonaws.com/bucket/key    (and s3-REGION)
 *   https://bucket.s3.amazonaws.com/key
 *   https://bucket.s3.REGION.amazonaws.com/key    (and s3-REGION)
 * Keys in https:// forms are percent-decoded; an s3:// key is taken as is.
 */
struct s3url {
	char bucket[64];
	char key[1024];
	char region[32]; /* "" when the location does not say */
};

/* Does loc name an S3 object (any form above)? */
bool s3url_is_s3(const char *loc);
/* 0 or -EINVAL with "LOCATION: why" in err. */
__must_check int s3url_parse(const char *loc, struct s3url *out, char *err, size_t errlen);

#endif
