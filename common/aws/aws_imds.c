/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "aws_http.h"
#include "aws_imds.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_TOKEN_TTL 21600
#define IMDS_MAX_BODY (64 * 1024)

struct aws_imds {
	bool disabled;
	long timeout_ms;   /* AWS_METADATA_SERVICE_TIMEOUT, seconds (1) */
	unsigned attempts; /* AWS_METADATA_SERVICE_NUM_ATTEMPTS (1) */
	char base[256];
	char token[256];
	uint64_t token_expires_ns; /* monotonic */
};

struct aws_imds *aws_imds_new(void)
{
	struct aws_imds *m = calloc(1, sizeof(*m));
	const char *v;
	uint64_t n;

	if (!m)
		return NULL;
	v = getenv("AWS_EC2_METADATA_DISABLED");
	m->disabled = v && !strcasecmp(v, "true");
	v = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	util_strlcpy(m->base, v && *v ? v : IMDS_DEFAULT, sizeof(m->base));
	/* The SDKs' knobs and defaults: one attempt, one second. */
	m->timeout_ms = 1000;
	m->attempts = 1;
	v = getenv("AWS_METADATA_SERVICE_TIMEOUT");
	if (v && !util_parse_u64(v, 1, 60, &n))
		m->timeout_ms = (long)n * 1000;
	v = getenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	if (v && !util_parse_u64(v, 1, 10, &n))
		m->attempts = (unsigned)n;
	while (*m->base && m->base[strlen(m->base) - 1] == '/')
		m->base[strlen(m->base) - 1] = '\0';
	return m;
}

void aws_imds_free(struct aws_imds *m)
{
	if (!m)
		return;
	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
}

bool aws_imds_disabled(const struct aws_imds *m)
{
	return !m || m->disabled;
}

static int imds_http(struct aws_imds *m, const char *method, const char *path,
		     const struct aws_kv *h, size_t nh, struct aws_http_resp *resp,
		     char *err, size_t errlen)
{
	char url[512];
	struct aws_http_req req = {
		.method = method, .url = url, .hdrs = h, .n_hdrs = nh,
		.max_body = IMDS_MAX_BODY, .connect_timeout_ms = m->timeout_ms,
		.timeout_ms = m->timeout_ms + 1000, .no_proxy = true,
	};
	int ret = -EIO;

	snprintf(url, sizeof(url), "%s%s", m->base, path);
	/* Only a failure to get any answer is tried again. */
	for (unsigned i = 0; i < m->attempts && ret && ret != -EFBIG && ret != -ENOMEM; i++) {
		if (i)
			aws_http_resp_free(resp);
		aws_http_resp_init(resp);
		ret = aws_http_perform(&req, resp);
	}
	if (ret)
		util_err(err, errlen, "IMDS %s %s: %s", method, path, aws_http_strerror(resp));
	return ret;
}

static int imds_token(struct aws_imds *m, char *err, size_t errlen)
{
	static const struct aws_kv h[] = {
		{ "X-aws-ec2-metadata-token-ttl-seconds", "21600" },
	};
	struct aws_http_resp resp;
	int ret;

	if (m->token[0] && util_now_mono_ns() + 60000000000ull < m->token_expires_ns)
		return 0;
	ret = imds_http(m, "PUT", "/latest/api/token", h, 1, &resp, err, errlen);
	if (!ret && resp.status != 200)
		ret = util_err(err, errlen, "IMDS PUT /latest/api/token: HTTP %ld", resp.status);
	if (!ret && (resp.body.len == 0 || resp.body.len >= sizeof(m->token)))
		ret = util_err(err, errlen, "IMDS token: bad length %zu", resp.body.len);
	if (!ret) {
		util_strlcpy(m->token, resp.body.p, sizeof(m->token));
		m->token_expires_ns = util_now_mono_ns() + IMDS_TOKEN_TTL * NSEC_PER_SEC;
	}
	buf_free_secure(&resp.body);
	aws_http_resp_free(&resp);
	return ret;
}

int aws_imds_get(struct aws_imds *m, const char *path, struct buf *out, char *err,
		 size_t errlen)
{
	struct aws_http_resp resp;
	int ret = -EINVAL;

	if (aws_imds_disabled(m))
		return util_errc(-ENOENT, err, errlen, "IMDS disabled (AWS_EC2_METADATA_DISABLED)");
	/* A 401 means our token expired or the service restarted: one more. */
	for (int tries = 0; tries < 2; tries++) {
		struct aws_kv h = { "X-aws-ec2-metadata-token", NULL };

		ret = imds_token(m, err, errlen);
		if (ret)
			return ret;
		h.value = m->token;
		ret = imds_http(m, "GET", path, &h, 1, &resp, err, errlen);
		if (!ret && resp.status == 401) {
			OPENSSL_cleanse(m->token, sizeof(m->token));
			ret = util_err(err, errlen, "IMDS GET %s: token refused (401)", path);
			buf_free_secure(&resp.body);
			aws_http_resp_free(&resp);
			continue;
		}
		if (!ret && resp.status == 404)
			ret = (util_err(err, errlen, "IMDS GET %s: not found", path), -ENOENT);
		else if (!ret && resp.status != 200)
			ret = util_err(err, errlen, "IMDS GET %s: HTTP %ld", path, resp.status);
		if (!ret)
			ret = buf_add(out, resp.body.p ? resp.body.p : "", resp.body.len);
		buf_free_secure(&resp.body);
		aws_http_resp_free(&resp);
		break;
	}
	return ret;
}

static int parse_time(const char *s, uint64_t *ns)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	time_t t;

	if (!end)
		return -EINVAL;
	if (*end == '.') /* fractional seconds */
		for (end++; isdigit((unsigned char)*end); end++)
			;
	if (strcmp(end, "Z") && strcmp(end, "+00:00"))
		return -EINVAL;
	t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*ns = (uint64_t)t * NSEC_PER_SEC;
	return 0;
}

static int json_str(const cJSON *o, const char *name, char *out, size_t outlen,
		    bool required, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v && !required)
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return util_err(err, errlen, "field '%s' missing or not a string", name);
	if (strlen(v->valuestring) >= outlen)
		return util_err(err, errlen, "field '%s' too long", name);
	util_strlcpy(out, v->valuestring, outlen);
	return 0;
}

int aws_imds_parse_creds(const char *buf, size_t len, struct aws_creds *out, char *err,
			 size_t errlen)
{
	char code[64] = "", exp[64] = "";
	cJSON *o = cJSON_ParseWithLength(buf, len);
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return util_err(err, errlen, "IMDS credentials: not a JSON object");
	}
	ret = json_str(o, "Code", code, sizeof(code), false, err, errlen);
	if (!ret && code[0] && strcmp(code, "Success"))
		ret = util_err(err, errlen, "IMDS credentials: Code %s", code);
	if (!ret)
		ret = json_str(o, "AccessKeyId", out->akid, sizeof(out->akid), true, err, errlen);
	if (!ret)
		ret = json_str(o, "SecretAccessKey", out->secret, sizeof(out->secret), true, err, errlen);
	if (!ret)
		ret = json_str(o, "Token", out->token, sizeof(out->token), false, err, errlen);
	if (!ret)
		ret = json_str(o, "Expiration", exp, sizeof(exp), true, err, errlen);
	if (!ret && parse_time(exp, &out->expires_ns))
		ret = util_err(err, errlen, "IMDS credentials: bad Expiration '%.40s'", exp);
	util_strlcpy(out->source, "imds", sizeof(out->source));
	/* cJSON holds copies of the secret: wipe them before freeing. */
	if (o) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "SecretAccessKey");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "Token");

		if (cJSON_IsString(s))
			OPENSSL_cleanse(s->valuestring, strlen(s->valuestring));
		if (cJSON_IsString(t))
			OPENSSL_cleanse(t->valuestring, strlen(t->valuestring));
	}
	cJSON_Delete(o);
	if (ret)
		aws_creds_clear(out);
	return ret;
}

int aws_imds_parse_identity(const char *buf, size_t len, char *region, size_t rlen,
			    char *instance_id, size_t ilen, char *err, size_t errlen)
{
	cJSON *o = cJSON_ParseWithLength(buf, len);
	int ret;

	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return util_err(err, errlen, "IMDS identity document: not a JSON object");
	}
	ret = json_str(o, "region", region, rlen, true, err, errlen);
	if (!ret)
		ret = json_str(o, "instanceId", instance_id, ilen, true, err, errlen);
	cJSON_Delete(o);
	return ret;
}

int aws_imds_creds(struct aws_imds *m, struct aws_creds *out, char *err, size_t errlen)
{
	static const char base[] = "/latest/meta-data/iam/security-credentials/";
	char path[256], role[128];
	struct buf b;
	size_t n;
	int ret;

	buf_init(&b, IMDS_MAX_BODY);
	ret = aws_imds_get(m, base, &b, err, errlen);
	if (ret)
		goto out;
	/* The first line is the role name. */
	n = strcspn(buf_str(&b), "\r\n");
	if (!n || n >= sizeof(role)) {
		ret = util_err(err, errlen, "IMDS: no instance role");
		goto out;
	}
	memcpy(role, b.p, n);
	role[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)role[i]) && !strchr("+=,.@_-", role[i])) {
			ret = util_err(err, errlen, "IMDS: bad role name");
			goto out;
		}
	snprintf(path, sizeof(path), "%s%s", base, role);
	buf_reset(&b);
	ret = aws_imds_get(m, path, &b, err, errlen);
	if (!ret)
		ret = aws_imds_parse_creds(buf_str(&b), b.len, out, err, errlen);
out:
	buf_free_secure(&b);
	return ret;
}

int aws_imds_identity(struct aws_imds *m, char *region, size_t rlen, char *instance_id,
		      size_t ilen, char *err, size_t errlen)
{
	struct buf b;
	int ret;

	buf_init(&b, IMDS_MAX_BODY);
	ret = aws_imds_get(m, "/latest/dynamic/instance-identity/document", &b, err, errlen);
	if (!ret)
		ret = aws_imds_parse_identity(buf_str(&b), b.len, region, rlen, instance_id,
					      ilen, err, errlen);
	buf_free(&b);
	return ret;
}
