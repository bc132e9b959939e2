/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "s3url.h"

/* S3 bucket naming rules (general purpose buckets), 3 to 63 bytes. */
static bool bucket_ok(const char *b, size_t n)
{
	if (n < 3 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)b[i]) && !isdigit((unsigned char)b[i]) &&
		    b[i] != '-' && b[i] != '.')
			return false;
	return isalnum((unsigned char)b[0]) && isalnum((unsigned char)b[n - 1]);
}

static bool region_ok(const char *r, size_t n)
{
	if (!n || n >= sizeof(((struct s3url *)0)->region))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)r[i]) && !isdigit((unsigned char)r[i]) && r[i] != '-')
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int set_key(struct s3url *u, const char *k, bool decode)
{
	size_t o = 0;

	for (; *k; k++) {
		char c = *k;

		if (decode && c == '%') {
			int h = hexval(k[1]), l = h < 0 ? -1 : hexval(k[2]);

			if (h < 0 || l < 0)
				return -EINVAL;
			c = (char)(h * 16 + l);
			k += 2;
		}
		if (c == '\0' || o + 1 >= sizeof(u->key))
			return -EINVAL;
		u->key[o++] = c;
	}
	u->key[o] = '\0';
	return o ? 0 : -EINVAL;
}

/*
 * Split an amazonaws.com host into what precedes "s3": "" for the
 * path-style forms, "bucket." for virtual-hosted ones, and the region.
 */
static int parse_host(const char *h, size_t n, struct s3url *u, size_t *bucket_len)
{
	static const char suffix[] = ".amazonaws.com";
	const char *s3;
	size_t sl = sizeof(suffix) - 1, rest;

	if (n > 3 && !strncasecmp(h + n - 3, ".cn", 3))
		n -= 3;
	if (n <= sl || strncasecmp(h + n - sl, suffix, sl))
		return -EINVAL;
	n -= sl; /* h[0..n) is "[bucket.]s3[.-REGION]" */
	if (n >= 2 && !strncmp(h, "s3", 2) && (n == 2 || h[2] == '.' || h[2] == '-')) {
		s3 = h;
		*bucket_len = 0;
	} else {
		/* The last ".s3." or ".s3-" (bucket names may contain dots). */
		s3 = NULL;
		for (size_t i = n; i-- > 0;)
			if (h[i] == '.' && i + 3 <= n && !strncmp(h + i + 1, "s3", 2) &&
			    (i + 3 == n || h[i + 3] == '.' || h[i + 3] == '-')) {
				s3 = h + i + 1;
				break;
			}
		if (!s3)
			return -EINVAL;
		*bucket_len = (size_t)(s3 - h) - 1;
	}
	rest = n - (size_t)(s3 - h) - 2;
	if (rest) {
		const char *r = s3 + 3;
		size_t rl = rest - 1;

		/* "s3.dualstack.REGION" and "s3-external-1" are S3 too. */
		if (rl > 10 && !strncmp(r, "dualstack.", 10))
			r += 10, rl -= 10;
		if (rl == 10 && !strncmp(r, "external-1", 10)) {
			util_strlcpy(u->region, "us-east-1", sizeof(u->region));
			return 0;
		}
		if (!region_ok(r, rl))
			return -EINVAL;
		memcpy(u->region, r, rl);
		u->region[rl] = '\0';
	}
	return 0;
}

int s3url_parse(const char *loc, struct s3url *u, char *err, size_t errlen)
{
	const char *p, *slash;
	size_t bl;

	memset(u, 0, sizeof(*u));
	if (!strncmp(loc, "s3://", 5)) {
		p = loc + 5;
		slash = strchr(p, '/');
		if (!slash || !bucket_ok(p, (size_t)(slash - p)))
			return util_err(err, errlen, "%.200s: expected s3://BUCKET/KEY", loc);
		memcpy(u->bucket, p, (size_t)(slash - p));
		if (set_key(u, slash + 1, false))
			return util_err(err, errlen, "%.200s: empty or too long key", loc);
		return 0;
	}
	if (strncasecmp(loc, "https://", 8))
		return util_err(err, errlen, "%.200s: not an S3 location (s3:// or https://)", loc);
	p = loc + 8;
	slash = p + strcspn(p, "/?#");
	if (*slash != '/' || strpbrk(slash, "?#"))
		return util_err(err, errlen, "%.200s: expected https://HOST/PATH without query", loc);
	if (parse_host(p, (size_t)(slash - p), u, &bl))
		return util_err(err, errlen, "%.200s: not an S3 endpoint host", loc);
	if (bl) { /* virtual-hosted: the bucket is in the host */
		if (!bucket_ok(p, bl))
			return util_err(err, errlen, "%.200s: bad bucket name", loc);
		memcpy(u->bucket, p, bl);
		p = slash + 1;
	} else {
		const char *b = slash + 1, *e = strchr(b, '/');

		if (!e || !bucket_ok(b, (size_t)(e - b)))
			return util_err(err, errlen, "%.200s: expected https://s3.../BUCKET/KEY", loc);
		memcpy(u->bucket, b, (size_t)(e - b));
		p = e + 1;
	}
	if (set_key(u, p, true))
		return util_err(err, errlen, "%.200s: empty, too long or badly encoded key", loc);
	return 0;
}

bool s3url_is_s3(const char *loc)
{
	struct s3url u;

	return s3url_parse(loc, &u, NULL, 0) == 0;
}
