/* SPDX-License-Identifier: MIT */
/*
 * The credential chain (aws_credp.h): the environment, the shared files,
 * then IMDS, with a cache that refreshes before expiry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws_credp.h"
#include "aws_imds.h"

struct aws_credp {
	struct aws_imds *imds; /* not owned */
	struct aws_creds cur;
	bool have;
};

struct aws_credp *aws_credp_new(struct aws_imds *imds)
{
	struct aws_credp *p = calloc(1, sizeof(*p));

	if (p)
		p->imds = imds;
	return p;
}

void aws_credp_free(struct aws_credp *p)
{
	if (!p)
		return;
	aws_creds_clear(&p->cur);
	free(p);
}

void aws_credp_invalidate(struct aws_credp *p)
{
	/* Static credentials cannot get better by asking again; only
	 * expiring ones are dropped. */
	if (p->have && p->cur.expires_ns)
		p->have = false;
}

static bool fresh(const struct aws_creds *c)
{
	return !c->expires_ns ||
	       util_now_real_ns() + AWS_CREDS_REFRESH_S * NSEC_PER_SEC < c->expires_ns;
}

static bool usable(const struct aws_creds *c)
{
	return !c->expires_ns || util_now_real_ns() < c->expires_ns;
}

static int chain(struct aws_credp *p, struct aws_creds *out, char *err, size_t errlen)
{
	struct aws_profile prof;
	char perr[ERRLEN] = "";
	int ret;

	ret = aws_creds_from_env(out, err, errlen);
	if (ret != -ENOENT)
		return ret;
	ret = aws_profile_load(&prof, perr, sizeof(perr));
	if (!ret)
		*out = prof.creds;
	OPENSSL_cleanse(&prof, sizeof(prof));
	if (ret != -ENOENT) {
		if (ret)
			util_err(err, errlen, "%s", perr);
		return ret;
	}
	if (aws_imds_disabled(p->imds))
		return util_errc(-ENOENT, err, errlen, "no AWS credentials: none in the environment or "
				"shared files, and IMDS is disabled");
	ret = aws_imds_creds(p->imds, out, err, errlen);
	return ret;
}

int aws_credp_get(struct aws_credp *p, struct aws_creds *out, char *err, size_t errlen)
{
	struct aws_creds next;
	int ret;

	if (p->have && fresh(&p->cur)) {
		*out = p->cur;
		return 0;
	}
	ret = chain(p, &next, err, errlen);
	if (ret) {
		aws_creds_clear(&next);
		/* Static stability: keep using credentials that still work
		 * when the refresh fails (IMDS briefly down). */
		if (p->have && usable(&p->cur)) {
			*out = p->cur;
			return 0;
		}
		return ret;
	}
	aws_creds_clear(&p->cur);
	p->cur = next;
	p->have = true;
	aws_creds_clear(&next);
	*out = p->cur;
	return 0;
}
