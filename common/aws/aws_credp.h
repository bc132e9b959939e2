/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_CREDP_H
#define CORDON_AWS_CREDP_H

#include "aws_creds.h"

struct aws_imds;

/*
 * The chain, with caching: credentials are fetched once and again only
 * when they come within AWS_CREDS_REFRESH_S of their expiry, or after
 * aws_credp_invalidate() (the server said they expired).
 */
#define AWS_CREDS_REFRESH_S (15 * 60)

struct aws_credp;

/* imds may be NULL (then the chain stops at the files); not owned. */
struct aws_credp *aws_credp_new(struct aws_imds *imds);
void aws_credp_free(struct aws_credp *p);
/* A copy of usable credentials in out (clear it after use). */
__must_check int aws_credp_get(struct aws_credp *p, struct aws_creds *out,
			       char *err, size_t errlen);
void aws_credp_invalidate(struct aws_credp *p);

#endif
