/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws_creds.h"

void aws_creds_clear(struct aws_creds *c)
{
	if (c)
		OPENSSL_cleanse(c, sizeof(*c));
}

static int env_copy(const char *name, char *dst, size_t len, char *err, size_t errlen)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return -ENOENT;
	if (strlen(v) >= len)
		return util_err(err, errlen, "%s: value too long", name);
	util_strlcpy(dst, v, len);
	return 0;
}

int aws_creds_from_env(struct aws_creds *c, char *err, size_t errlen)
{
	int a, s, t;

	memset(c, 0, sizeof(*c));
	a = env_copy("AWS_ACCESS_KEY_ID", c->akid, sizeof(c->akid), err, errlen);
	s = env_copy("AWS_SECRET_ACCESS_KEY", c->secret, sizeof(c->secret), err, errlen);
	t = env_copy("AWS_SESSION_TOKEN", c->token, sizeof(c->token), err, errlen);
	if (a == -ENOENT && s == -ENOENT) {
		aws_creds_clear(c);
		return -ENOENT;
	}
	if (a || s || (t && t != -ENOENT)) {
		aws_creds_clear(c);
		if (a == -ENOENT || s == -ENOENT)
			return util_err(err, errlen, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
					"must be set together");
		return -EINVAL;
	}
	util_strlcpy(c->source, "environment", sizeof(c->source));
	return 0;
}
