/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws_http.h"
#include "util.h"

#define HTTP_MAX_HEADER_LINE 8192

void aws_http_resp_init(struct aws_http_resp *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, 0);
}

/* The request headers hold the signature and maybe a session token. */
static void slist_free_secure(struct curl_slist **l)
{
	for (struct curl_slist *s = *l; s; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(*l);
	*l = NULL;
}

void aws_http_resp_free(struct aws_http_resp *r)
{
	if (!r)
		return;
	buf_free(&r->body);
	slist_free_secure(&r->slist);
	curl_slist_free_all(r->pins);
	r->pins = NULL;
}

const char *aws_http_header(const struct aws_http_resp *r, const char *name)
{
	for (size_t i = 0; i < r->n_hdr; i++)
		if (!strcasecmp(r->hdr[i].name, name))
			return r->hdr[i].value;
	return NULL;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct aws_http_resp *r = ud;

	if (buf_add(&r->body, p, sz * n)) {
		r->too_big = r->body.len + sz * n > r->body.max;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct aws_http_resp *r = ud;
	size_t len = sz * n, nl, vl;
	const char *colon, *v;
	struct aws_http_hdr *h;

	if (len > HTTP_MAX_HEADER_LINE)
		return 0;
	/* A new status line (after 100 Continue or a proxy): start over. */
	if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
		r->n_hdr = 0;
		return len;
	}
	colon = memchr(p, ':', len);
	if (!colon || r->n_hdr == AWS_HTTP_MAX_HDRS)
		return len;
	nl = (size_t)(colon - p);
	if (!nl || nl >= AWS_HTTP_HDR_NAME)
		return len;
	v = colon + 1;
	vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	h = &r->hdr[r->n_hdr++];
	for (size_t i = 0; i < nl; i++)
		h->name[i] = (char)tolower((unsigned char)p[i]);
	h->name[nl] = '\0';
	if (vl >= AWS_HTTP_HDR_VALUE)
		vl = AWS_HTTP_HDR_VALUE - 1;
	memcpy(h->value, v, vl);
	h->value[vl] = '\0';
	return len;
}

/*
 * TLS roots when neither the request nor AWS_CA_BUNDLE names them:
 * SSL_CERT_FILE, else the first bundle present of the distributions' usual
 * places. libcurl's built-in default is its build system's (Debian's), which
 * Amazon Linux lacks: the self-contained bundle and the Lambda zip run there.
 */
static const char *default_ca(void)
{
	static const char *const known[] = {
		"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Alpine */
		"/etc/pki/tls/certs/ca-bundle.crt",   /* Amazon Linux, Fedora, RHEL */
		"/etc/ssl/ca-bundle.pem",             /* SUSE */
		"/etc/ssl/cert.pem",                  /* Arch, Alpine */
	};
	const char *env = getenv("SSL_CERT_FILE");

	if (env && *env)
		return env;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (!access(known[i], R_OK))
			return known[i];
	return NULL;
}

int aws_http_setup(CURL *h, const struct aws_http_req *req, struct aws_http_resp *resp)
{
	const char *ca = req->ca_bundle ? req->ca_bundle : getenv("AWS_CA_BUNDLE");
	struct buf line;
	int ret = 0;

	buf_init(&resp->body, req->max_body);
	buf_init(&line, 16384);
	for (size_t i = 0; i < req->n_hdrs && !ret; i++) {
		struct curl_slist *s;

		buf_reset(&line);
		ret = buf_addf(&line, "%s: %s", req->hdrs[i].name, req->hdrs[i].value);
		if (ret)
			break;
		s = curl_slist_append(resp->slist, line.p);
		if (!s)
			ret = -ENOMEM;
		else
			resp->slist = s;
	}
	/* No "Expect: 100-continue" round trip, no silent decompression
	 * (lengths and checksums are about the bytes S3 stored). */
	if (!ret) {
		struct curl_slist *s = curl_slist_append(resp->slist, "Expect:");

		if (!s)
			ret = -ENOMEM;
		else
			resp->slist = s;
	}
	buf_free_secure(&line);
	if (ret)
		return ret;

	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (!ca || !*ca)
		ca = default_ca();
	if (ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms ? req->connect_timeout_ms : 3000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : 30000L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cordon/0.1");
	if (req->no_proxy)
		curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, resp->slist);
	if (req->resolve) {
		struct curl_slist *p = curl_slist_append(NULL, req->resolve);

		if (!p)
			return -ENOMEM;
		resp->pins = p;
		curl_easy_setopt(h, CURLOPT_RESOLVE, resp->pins);
	}
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, resp->curl_err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	if (!strcmp(req->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(req->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body || !strcmp(req->method, "POST") || !strcmp(req->method, "PUT")) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)req->body_len);
		}
	}
	return 0;
}

void aws_http_done(CURL *h, CURLcode rc, struct aws_http_resp *resp)
{
	long status = 0;

	resp->curl_code = (int)rc;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	resp->status = rc == CURLE_OK ? status : 0;
	if (rc != CURLE_OK && !resp->curl_err[0])
		util_strlcpy(resp->curl_err, curl_easy_strerror(rc), sizeof(resp->curl_err));
	slist_free_secure(&resp->slist);
	curl_slist_free_all(resp->pins);
	resp->pins = NULL;
}

int aws_http_perform_on(CURL *h, const struct aws_http_req *req, struct aws_http_resp *resp)
{
	CURLcode rc;
	int ret;

	curl_easy_reset(h);
	ret = aws_http_setup(h, req, resp);
	if (ret)
		return ret;
	rc = curl_easy_perform(h);
	aws_http_done(h, rc, resp);
	if (resp->too_big)
		return -EFBIG;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return -ETIMEDOUT;
	if (rc == CURLE_OUT_OF_MEMORY)
		return -ENOMEM;
	return rc == CURLE_OK ? 0 : -EIO;
}

int aws_http_perform(const struct aws_http_req *req, struct aws_http_resp *resp)
{
	CURL *h = curl_easy_init();
	int ret;

	if (!h)
		return -ENOMEM;
	ret = aws_http_perform_on(h, req, resp);
	curl_easy_cleanup(h);
	return ret;
}

const char *aws_http_strerror(const struct aws_http_resp *resp)
{
	if (resp->too_big)
		return "response body over its size cap";
	return resp->curl_err[0] ? resp->curl_err : "no response";
}
