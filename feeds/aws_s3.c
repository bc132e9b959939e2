/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws_s3.h"

void aws_s3_obj_init(struct aws_s3_obj *o)
{
	memset(o, 0, sizeof(*o));
	buf_init(&o->body, 0);
}

void aws_s3_obj_free(struct aws_s3_obj *o)
{
	if (o)
		buf_free(&o->body);
}

/* Check what S3 told us about the body against the body itself. */
static int verify(const struct aws_http_resp *resp, struct aws_s3_obj *o,
		  const char *what, char *err, size_t errlen)
{
	const char *cl = aws_http_header(resp, "content-length");
	const char *type = aws_http_header(resp, "x-amz-checksum-type");
	char name[64], why[ERRLEN];
	uint64_t n;

	if (!cl || util_parse_u64(cl, 0, UINT64_MAX, &n))
		return util_errc(-EBADMSG, err, errlen, "S3 GetObject %s: no valid Content-Length", what);
	if (n != o->body.len)
		return util_errc(-EBADMSG, err, errlen, "S3 GetObject %s: body is %zu bytes, "
				"Content-Length says %llu", what, o->body.len,
				(unsigned long long)n);
	/* A multipart object's composite checksum covers parts, not the body. */
	if (type && !strcasecmp(type, "COMPOSITE"))
		return 0;
	for (int a = 0; a < AWS_CKSUM__COUNT; a++) {
		const char *v;
		int ret;

		snprintf(name, sizeof(name), "x-amz-checksum-%s", aws_cksum_name(a));
		v = aws_http_header(resp, name);
		if (!v || strchr(v, '-'))
			continue;
		ret = aws_cksum_verify(a, buf_str(&o->body), o->body.len, v, why, sizeof(why));
		if (ret)
			return util_err(err, errlen, "S3 GetObject %s: %s", what, why),
			       ret == -EINVAL ? -EBADMSG : ret;
		o->checksum_checked = true;
		util_strlcpy(o->checksum_algo, aws_cksum_name(a), sizeof(o->checksum_algo));
		return 0;
	}
	return 0;
}

/* The region S3 says a bucket lives in, when it answered for the wrong one. */
static bool bucket_region(const struct aws_http_resp *resp, char *out, size_t outlen)
{
	const char *r = aws_http_header(resp, "x-amz-bucket-region");
	size_t n;

	if (resp->status != 301 && resp->status != 307 && resp->status != 400)
		return false;
	if (!r || !*r || (n = strlen(r)) >= outlen || n > 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return false;
	util_strlcpy(out, r, outlen);
	return true;
}

int aws_s3_get_object(struct aws_client *c, const struct aws_s3_get *g,
		      struct aws_s3_obj *out, char *err, size_t errlen)
{
	struct aws_kv h[2];
	size_t nh = 0;
	char what[1200], region[64] = "";
	struct aws_http_resp resp;
	const char *etag;
	int ret;

	snprintf(what, sizeof(what), "s3://%s/%s", g->bucket, g->key);
	h[nh++] = (struct aws_kv){ "x-amz-checksum-mode", "ENABLED" };
	if (g->if_none_match && *g->if_none_match)
		h[nh++] = (struct aws_kv){ "If-None-Match", g->if_none_match };
	aws_http_resp_init(&resp);
	/* A bucket in another region than we guessed: S3 names the right one
	 * (x-amz-bucket-region) and we ask again there, once, as the SDKs do. */
	for (int tries = 0; tries < 2; tries++) {
		struct aws_call call = {
			.svc = AWS_SVC_S3, .op = "GetObject", .what = what,
			.method = "GET", .region = region[0] ? region : g->region,
			.s3_bucket = g->bucket, .s3_key = g->key,
			.hdrs = h, .n_hdrs = nh, .max_body = g->max_bytes,
		};

		ret = aws_client_call(c, &call, &resp, NULL, err, errlen);
		if (!ret || tries || !bucket_region(&resp, region, sizeof(region)) ||
		    (call.region && !strcmp(call.region, region)))
			break;
	}
	if (ret)
		goto out;
	etag = aws_http_header(&resp, "etag");
	util_strlcpy(out->etag, etag ? etag : "", sizeof(out->etag));
	if (resp.status == 304) {
		out->not_modified = true;
		if (!etag)
			util_strlcpy(out->etag, g->if_none_match, sizeof(out->etag));
		goto out;
	}
	buf_free(&out->body);
	out->body = resp.body;
	buf_init(&resp.body, 0);
	ret = verify(&resp, out, what, err, errlen);
out:
	aws_http_resp_free(&resp);
	return ret;
}
