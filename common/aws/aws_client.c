/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "aws_client.h"
#include "curl_dl.h"
#include "aws_dns.h"
#include "aws_credp.h"
#include "aws_imds.h"
#include "log.h"

#define CLIENT_DEFAULT_MAX_BODY (1024 * 1024)
/* A server Date this far from ours means our clock is wrong (SDKs: 4 min). */
#define CLIENT_SKEW_S 240

struct aws_client {
	char region[64];
	struct aws_imds *imds;
	struct aws_credp *credp;
	struct aws_retry retry;
	long long skew_s;      /* server time minus ours */
	long connect_timeout_ms, timeout_ms;
	unsigned last_attempts;
	uint64_t deadline_ms;  /* wall clock, Unix ms; 0: none */
	CURL *curl; /* kept for its connection cache */
};

int aws_client_new(const struct aws_client_opts *o, struct aws_client **out)
{
	struct aws_client *c;
	int rc;

	*out = NULL;
	/* libcurl, loaded now (curl_dl.h): -ELIBACC, logged once, without it. */
	rc = curl_dl_load(NULL, 0);
	if (rc)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->imds = aws_imds_new();
	c->credp = c->imds ? aws_credp_new(c->imds) : NULL;
	c->curl = curl_easy_init();
	if (!c->credp || !c->curl) {
		aws_client_free(c);
		return -ENOMEM;
	}
	aws_retry_init(&c->retry);
	if (o && o->max_attempts)
		c->retry.max_attempts = o->max_attempts;
	if (o && o->region)
		util_strlcpy(c->region, o->region, sizeof(c->region));
	c->connect_timeout_ms = o && o->connect_timeout_ms ? o->connect_timeout_ms : 3000;
	c->timeout_ms = o && o->timeout_ms ? o->timeout_ms : 30000;
	*out = c;
	return 0;
}

void aws_client_free(struct aws_client *c)
{
	if (!c)
		return;
	aws_credp_free(c->credp);
	aws_imds_free(c->imds);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c);
}

void aws_client_set_deadline(struct aws_client *c, uint64_t deadline_ms)
{
	c->deadline_ms = deadline_ms;
}

/* Milliseconds left before the deadline; LONG_MAX when there is none. */
static long time_left_ms(const struct aws_client *c)
{
	uint64_t now = util_now_real_ns() / 1000000ull;

	if (!c->deadline_ms)
		return LONG_MAX;
	return c->deadline_ms > now ? (long)(c->deadline_ms - now) : 0;
}

unsigned aws_client_last_attempts(const struct aws_client *c)
{
	return c->last_attempts;
}

const char *aws_client_region(struct aws_client *c, char *err, size_t errlen)
{
	struct aws_profile prof;
	char iid[64];
	const char *v;

	if (c->region[0])
		return c->region;
	if ((v = getenv("AWS_REGION")) && *v) {
		util_strlcpy(c->region, v, sizeof(c->region));
		return c->region;
	}
	if ((v = getenv("AWS_DEFAULT_REGION")) && *v) {
		util_strlcpy(c->region, v, sizeof(c->region));
		return c->region;
	}
	if (aws_profile_load(&prof, NULL, 0) != -EINVAL && prof.region[0])
		util_strlcpy(c->region, prof.region, sizeof(c->region));
	OPENSSL_cleanse(&prof, sizeof(prof));
	if (c->region[0])
		return c->region;
	if (aws_imds_disabled(c->imds)) {
		util_err(err, errlen, "no AWS region: set AWS_REGION (IMDS is disabled)");
		return NULL;
	}
	if (aws_imds_identity(c->imds, c->region, sizeof(c->region), iid, sizeof(iid),
			      err, errlen)) {
		c->region[0] = '\0';
		return NULL;
	}
	return c->region;
}

/*
 * application/x-www-form-urlencoded as botocore writes it (urlencode:
 * space as '+', unreserved bytes kept, the rest %XX). The body is signed
 * as sent, so any valid encoding works with AWS; this one also passes
 * servers that re-encode the parsed form before checking (moto).
 */
static int form_encode(struct buf *b, const char *s)
{
	int ret = 0;

	for (; *s && !ret; s++)
		ret = *s == ' ' ? buf_addc(b, '+') : aws_uri_encode(b, s, 1, false);
	return ret;
}

int aws_form_add(struct buf *body, const char *k, const char *v)
{
	int ret = 0;

	if (body->len)
		ret = buf_addc(body, '&');
	if (!ret)
		ret = form_encode(body, k);
	if (!ret)
		ret = buf_addc(body, '=');
	if (!ret)
		ret = form_encode(body, v);
	return ret;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Server time from an RFC 7231 Date header; -1 when absent or bad. */
static time_t http_date(const char *s)
{
	struct tm tm = { 0 };
	const char *end;

	if (!s)
		return -1;
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return end && !*end ? timegm(&tm) : (time_t)-1;
}

/*
 * With the process's own resolver (aws_dns_use), the endpoint's name is
 * resolved by it and pinned for libcurl; a name it cannot resolve falls
 * back to the system resolver (which works whenever no lockdown is on).
 */
static int pin_host(const char *hostport, bool https, char *pin, size_t pinlen,
		    char *err, size_t errlen)
{
	char name[AWS_DNS_NAME_MAX + 1], derr[ERRLEN];
	const char *colon = strrchr(hostport, ':');
	unsigned port = https ? 443 : 80;
	size_t n = colon && hostport[0] != '[' ? (size_t)(colon - hostport) : strlen(hostport);
	int rc;

	pin[0] = '\0';
	if (!aws_dns_current() || n >= sizeof(name) || hostport[0] == '[')
		return 0;
	memcpy(name, hostport, n);
	name[n] = '\0';
	if (colon && hostport[0] != '[') {
		uint64_t v;

		if (util_parse_u64(colon + 1, 1, 65535, &v))
			return util_err(err, errlen, "endpoint host '%.80s': bad port", hostport);
		port = (unsigned)v;
	}
	rc = aws_dns_pin(name, port, pin, pinlen, derr, sizeof(derr));
	if (rc && rc != -ENOENT) {
		static uint64_t last_warn;
		uint64_t now = util_now_mono_ns();

		/* Once a minute at most: every call would say the same. */
		if (now - last_warn > 60ull * NSEC_PER_SEC || !last_warn)
			log_warnx("%s; trying the system resolver", derr);
		last_warn = now;
	}
	if (rc)
		pin[0] = '\0';
	return 0;
}

/* One signed attempt. */
static int attempt(struct aws_client *c, const struct aws_call *call, const char *region,
		   struct aws_http_resp *resp, char *err, size_t errlen)
{
	struct aws_kv *h = NULL;
	struct aws_endpoint ep;
	struct aws_creds cr;
	struct aws_sigv4_out so;
	struct buf path, url;
	char host[400], pin[600] = "";
	size_t nh = 0;
	int ret;

	aws_sigv4_out_init(&so);
	buf_init(&path, 8192);
	buf_init(&url, 16384);
	memset(&cr, 0, sizeof(cr));
	ret = aws_endpoint_resolve(call->svc, region, &ep, err, errlen);
	if (ret)
		goto out;
	if (call->svc == AWS_SVC_S3 && call->s3_bucket) {
		ret = aws_endpoint_s3_object(&ep, call->s3_bucket, call->s3_key ? call->s3_key : "",
					     host, sizeof(host), &path);
	} else {
		util_strlcpy(host, ep.host, sizeof(host));
		ret = buf_addf(&path, "%s%s", ep.path, call->path ? call->path : "/");
	}
	if (ret) {
		util_err(err, errlen, "%s %s: bad bucket or path", aws_service_id(call->svc), call->op);
		goto out;
	}
	ret = aws_credp_get(c->credp, &cr, err, errlen);
	if (ret)
		goto out;
	{
		struct aws_sigv4_req r = {
			.method = call->method, .host = host, .path = path.p,
			.query = call->query, .n_query = call->n_query,
			.hdrs = call->hdrs, .n_hdrs = call->n_hdrs,
			.body = call->body, .body_len = call->body_len,
			.s3 = call->svc == AWS_SVC_S3,
		};
		struct aws_sigv4_key k = { cr.akid, cr.secret, cr.token[0] ? cr.token : NULL };

		ret = aws_sigv4_sign(&r, region, aws_service_signing_name(call->svc), &k,
				     time(NULL) + (time_t)c->skew_s, &so);
	}
	if (ret) {
		util_err(err, errlen, "%s %s: cannot sign the request", aws_service_id(call->svc), call->op);
		goto out;
	}
	h = calloc(call->n_hdrs + 4, sizeof(*h));
	if (!h) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < call->n_hdrs; i++)
		h[nh++] = call->hdrs[i];
	h[nh++] = (struct aws_kv){ "X-Amz-Date", so.amz_date };
	if (cr.token[0])
		h[nh++] = (struct aws_kv){ "X-Amz-Security-Token", cr.token };
	if (call->svc == AWS_SVC_S3)
		h[nh++] = (struct aws_kv){ "X-Amz-Content-SHA256", so.payload_hash };
	h[nh++] = (struct aws_kv){ "Authorization", buf_str(&so.authorization) };
	ret = buf_addf(&url, "%s://%s%s", ep.https ? "https" : "http", host, buf_str(&so.target));
	if (ret)
		goto out;
	ret = pin_host(host, ep.https, pin, sizeof(pin), err, errlen);
	if (ret)
		goto out;
	{
		long left = time_left_ms(c);
		struct aws_http_req req = {
			.method = call->method, .url = url.p, .hdrs = h, .n_hdrs = nh,
			.body = call->body, .body_len = call->body_len,
			.max_body = call->max_body ? call->max_body : CLIENT_DEFAULT_MAX_BODY,
			.connect_timeout_ms = c->connect_timeout_ms < left ? c->connect_timeout_ms : left,
			.timeout_ms = c->timeout_ms < left ? c->timeout_ms : left,
			.resolve = pin[0] ? pin : NULL,
		};

		ret = aws_http_perform_on(c->curl, &req, resp);
	}
out:
	free(h);
	aws_creds_clear(&cr);
	aws_sigv4_out_free(&so);
	buf_free(&path);
	buf_free(&url);
	return ret;
}

static int status_errno(long status)
{
	if (status == 401 || status == 403)
		return -EACCES;
	if (status == 404)
		return -ENOENT;
	return -EIO;
}

int aws_client_call(struct aws_client *c, const struct aws_call *call,
		    struct aws_http_resp *resp, struct aws_error *aws_err, char *err,
		    size_t errlen)
{
	enum aws_retry_kind last = AWS_RETRY_NO;
	bool skew_fixed = false, creds_renewed = false;
	const char *region = call->region;
	char prefix[400], why[ERRLEN];
	struct aws_error e;
	unsigned n;
	int ret = -EIO;

	snprintf(prefix, sizeof(prefix), "%s %s%s%s", aws_service_id(call->svc), call->op,
		 call->what ? " " : "", call->what ? call->what : "");
	memset(&e, 0, sizeof(e));
	c->last_attempts = 0;
	if (!region && !(region = aws_client_region(c, why, sizeof(why))))
		return util_err(err, errlen, "%s: %s", prefix, why);

	for (n = 1;; n++) {
		enum aws_retry_kind kind;

		c->last_attempts = n;
		aws_http_resp_free(resp);
		aws_http_resp_init(resp);
		why[0] = '\0';
		/* Under a second left: no attempt could finish (retries check below). */
		if (n == 1 && time_left_ms(c) < 1000)
			return util_err(err, errlen, "%s: no time left before the deadline", prefix),
			       -ETIMEDOUT;
		ret = attempt(c, call, region, resp, why, sizeof(why));
		if (ret && !resp->status && !resp->curl_code)
			/* Failed before sending: endpoint, credentials, signing. */
			return util_errc(ret, err, errlen, "%s: %s", prefix, why);
		if (!ret && ((resp->status >= 200 && resp->status < 300) || resp->status == 304)) {
			aws_retry_refund(&c->retry, last);
			return 0;
		}
		if (resp->status) {
			aws_error_parse(resp->status, aws_http_header(resp, "content-type"),
					aws_http_header(resp, "x-amzn-errortype"),
					aws_http_header(resp, "x-amz-request-id"),
					buf_str(&resp->body), resp->body.len, &e);
			aws_error_str(&e, why, sizeof(why));
			ret = status_errno(resp->status);
		} else {
			util_strlcpy(why, aws_http_strerror(resp), sizeof(why));
		}
		kind = aws_retry_classify(resp->status, resp->curl_code, resp->status ? e.code : NULL);
		if (kind == AWS_RETRY_SKEW) {
			time_t server = http_date(aws_http_header(resp, "date"));
			long long d = server < 0 ? 0 : (long long)server - (long long)time(NULL);

			/* Only a clock that really is off is corrected, once. */
			if (!skew_fixed && (d > CLIENT_SKEW_S || d < -CLIENT_SKEW_S)) {
				c->skew_s = d;
				skew_fixed = true;
				continue;
			}
			kind = AWS_RETRY_NO;
		} else if (kind == AWS_RETRY_EXPIRED) {
			if (!creds_renewed) {
				aws_credp_invalidate(c->credp);
				creds_renewed = true;
				continue;
			}
			kind = AWS_RETRY_NO;
		}
		if (kind == AWS_RETRY_NO || n >= c->retry.max_attempts)
			break;
		if (!aws_retry_take(&c->retry, kind))
			break; /* the quota is spent: an outage, not a blip */
		last = kind;
		{
			unsigned d = aws_retry_delay_ms(&c->retry, n);

			/* A wait that ends past the deadline leaves no attempt after it. */
			if ((long)d + 1000 > time_left_ms(c)) {
				char tmp[ERRLEN];

				util_strlcpy(tmp, why, sizeof(tmp));
				snprintf(why, sizeof(why), "%.200s; no time left before the "
					 "deadline to retry", tmp);
				break;
			}
			sleep_ms(d);
		}
	}
	if (aws_err)
		*aws_err = e;
	if (n > 1)
		return util_errc(ret, err, errlen, "%s: %s (after %u attempts)", prefix, why, n);
	return util_errc(ret, err, errlen, "%s: %s", prefix, why);
}
