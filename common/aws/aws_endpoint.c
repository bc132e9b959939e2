/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_endpoint.h"

static const struct {
	const char *id;      /* AWS_ENDPOINT_URL_<id> */
	const char *signing; /* SigV4 service name */
	const char *prefix;  /* public host name prefix */
} services[AWS_SVC__COUNT] = {
	[AWS_SVC_S3] = { "S3", "s3", "s3" },
	[AWS_SVC_EC2] = { "EC2", "ec2", "ec2" },
	[AWS_SVC_SNS] = { "SNS", "sns", "sns" },
	[AWS_SVC_GUARDDUTY] = { "GUARDDUTY", "guardduty", "guardduty" },
	[AWS_SVC_EVENTBRIDGE] = { "EVENTBRIDGE", "events", "events" },
	[AWS_SVC_SECURITYHUB] = { "SECURITYHUB", "securityhub", "securityhub" },
	/* Service id "CloudWatch": AWS_ENDPOINT_URL_CLOUDWATCH, signed "monitoring". */
	[AWS_SVC_CLOUDWATCH] = { "CLOUDWATCH", "monitoring", "monitoring" },
};

const char *aws_service_id(enum aws_service svc)
{
	return svc < AWS_SVC__COUNT ? services[svc].id : "?";
}

const char *aws_service_signing_name(enum aws_service svc)
{
	return svc < AWS_SVC__COUNT ? services[svc].signing : "?";
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);

	return v && !strcasecmp(v, "true");
}

/* Host names and region names: letters, digits, '-', '.'; no "..". */
static bool dns_ok(const char *s, size_t n)
{
	if (!n || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && c != '.')
			return false;
		if (c == '.' && i + 1 < n && s[i + 1] == '.')
			return false;
	}
	return true;
}

int aws_endpoint_parse_url(const char *url, struct aws_endpoint *ep, char *err,
			   size_t errlen)
{
	const char *h, *end, *port = NULL;
	size_t hn;

	memset(ep, 0, sizeof(*ep));
	if (!strncasecmp(url, "https://", 8)) {
		ep->https = true;
		h = url + 8;
	} else if (!strncasecmp(url, "http://", 7)) {
		h = url + 7;
	} else {
		return util_err(err, errlen, "endpoint URL '%.80s': not http:// or https://", url);
	}
	end = h + strcspn(h, "/?#");
	if (*end == '?' || *end == '#' || strchr(end, '?') || strchr(end, '#') ||
	    memchr(h, '@', (size_t)(end - h)))
		return util_err(err, errlen, "endpoint URL '%.80s': only scheme, host, port and path allowed", url);
	if (*h == '[') { /* IPv6 literal */
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (!rb)
			return util_err(err, errlen, "endpoint URL '%.80s': bad IPv6 host", url);
		for (const char *p = h + 1; p < rb; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return util_err(err, errlen, "endpoint URL '%.80s': bad IPv6 host", url);
		hn = (size_t)(rb + 1 - h);
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return util_err(err, errlen, "endpoint URL '%.80s': bad host", url);
			port = rb + 2;
		}
	} else {
		const char *colon = memchr(h, ':', (size_t)(end - h));

		hn = (size_t)((colon ? colon : end) - h);
		if (!dns_ok(h, hn))
			return util_err(err, errlen, "endpoint URL '%.80s': bad host", url);
		if (colon)
			port = colon + 1;
	}
	if (port) {
		char pbuf[8];
		uint64_t pv;
		size_t pn = (size_t)(end - port);

		if (!pn || pn >= sizeof(pbuf))
			return util_err(err, errlen, "endpoint URL '%.80s': bad port", url);
		memcpy(pbuf, port, pn);
		pbuf[pn] = '\0';
		if (util_parse_u64(pbuf, 1, 65535, &pv))
			return util_err(err, errlen, "endpoint URL '%.80s': bad port", url);
		if (pv == (ep->https ? 443u : 80u))
			port = NULL; /* the Host header leaves a default port out */
	}
	if (hn + (port ? (size_t)(end - port) + 1 : 0) >= sizeof(ep->host))
		return util_err(err, errlen, "endpoint URL '%.80s': host too long", url);
	memcpy(ep->host, h, hn);
	ep->host[hn] = '\0';
	if (port) {
		size_t l = strlen(ep->host);

		ep->host[l] = ':';
		memcpy(ep->host + l + 1, port, (size_t)(end - port));
		ep->host[l + 1 + (size_t)(end - port)] = '\0';
	}
	/* The path is signed as given: keep it to plain characters. */
	for (const char *p = end; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/-_.~", *p))
			return util_err(err, errlen, "endpoint URL '%.80s': unsupported character in path", url);
	if (strlen(end) >= sizeof(ep->path))
		return util_err(err, errlen, "endpoint URL '%.80s': path too long", url);
	util_strlcpy(ep->path, end, sizeof(ep->path));
	while (*ep->path && ep->path[strlen(ep->path) - 1] == '/')
		ep->path[strlen(ep->path) - 1] = '\0';
	ep->overridden = true;
	return 0;
}

int aws_endpoint_resolve(enum aws_service svc, const char *region,
			 struct aws_endpoint *ep, char *err, size_t errlen)
{
	char name[64];
	const char *url = NULL;
	int n;

	if (svc >= AWS_SVC__COUNT)
		return -EINVAL;
	if (!env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
		snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", services[svc].id);
		url = getenv(name);
		if (!url || !*url) {
			util_strlcpy(name, "AWS_ENDPOINT_URL", sizeof(name));
			url = getenv(name);
		}
	}
	if (url && *url) {
		int ret = aws_endpoint_parse_url(url, ep, err, errlen);

		if (ret && err && errlen) {
			char tmp[ERRLEN];

			util_strlcpy(tmp, err, sizeof(tmp));
			util_err(err, errlen, "%s: %s", name, tmp);
		}
		return ret;
	}
	memset(ep, 0, sizeof(*ep));
	if (!region || !dns_ok(region, strlen(region)) || strlen(region) > 40)
		return util_err(err, errlen, "AWS region '%.60s' is not valid", region ? region : "");
	ep->https = true;
	n = snprintf(ep->host, sizeof(ep->host), "%s.%s.amazonaws.com%s",
		     services[svc].prefix, region, !strncmp(region, "cn-", 3) ? ".cn" : "");
	if (n < 0 || (size_t)n >= sizeof(ep->host))
		return -EINVAL;
	return 0;
}

/*
 * Virtual-hosted style needs a name that is a valid DNS label run and has
 * no dot (a dot breaks the *.s3 certificate): otherwise path style.
 */
static bool s3_virtual_ok(const char *b)
{
	size_t n = strlen(b);

	if (n < 3 || n > 63 || strchr(b, '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)b[i]) && !isdigit((unsigned char)b[i]) && b[i] != '-')
			return false;
	return b[0] != '-' && b[n - 1] != '-';
}

int aws_endpoint_s3_object(const struct aws_endpoint *ep, const char *bucket,
			   const char *key, char *host, size_t hostlen, struct buf *path)
{
	int n, ret;

	if (!*bucket || strchr(bucket, '/'))
		return -EINVAL;
	if (!ep->overridden && s3_virtual_ok(bucket)) {
		n = snprintf(host, hostlen, "%s.%s", bucket, ep->host);
		ret = buf_addf(path, "/%s", key);
	} else {
		n = snprintf(host, hostlen, "%s", ep->host);
		ret = buf_addf(path, "%s/%s/%s", ep->path, bucket, key);
	}
	if (n < 0 || (size_t)n >= hostlen)
		return -EINVAL;
	return ret;
}
