/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_HTTP_H
#define CORDON_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "aws_sigv4.h"
#include "buf.h"
#include "util.h"

/*
 * One HTTP exchange over libcurl, nothing AWS-specific: no signing, no
 * retries. The request and response are plain structs so that the same
 * exchange can be driven by curl_easy_perform() now (aws_http_perform)
 * or by a curl multi loop later (aws_http_setup + aws_http_done).
 */

#define AWS_HTTP_MAX_HDRS 48
#define AWS_HTTP_HDR_NAME 64
#define AWS_HTTP_HDR_VALUE 512

struct aws_http_req {
	const char *method;
	const char *url;
	const struct aws_kv *hdrs; /* sent as given */
	size_t n_hdrs;
	const void *body;
	size_t body_len;
	size_t max_body;           /* response body cap; over it: -EFBIG */
	long connect_timeout_ms;   /* 0: 3000 */
	long timeout_ms;           /* whole exchange; 0: 30000 */
	const char *ca_bundle;     /* NULL: AWS_CA_BUNDLE, SSL_CERT_FILE, a known bundle */
	bool no_proxy;             /* the metadata service is never proxied */
	const char *resolve;       /* "host:port:addr,..." pinned (aws_dns.h), or NULL */
};

struct aws_http_hdr {
	char name[AWS_HTTP_HDR_NAME]; /* lower case */
	char value[AWS_HTTP_HDR_VALUE];
};

struct aws_http_resp {
	long status;          /* 0: no HTTP response at all */
	int curl_code;        /* CURLcode of the transfer */
	char curl_err[CURL_ERROR_SIZE];
	bool too_big;         /* body passed max_body */
	struct buf body;
	struct aws_http_hdr hdr[AWS_HTTP_MAX_HDRS];
	size_t n_hdr;
	struct curl_slist *slist; /* request headers, owned until done */
	struct curl_slist *pins;  /* CURLOPT_RESOLVE entries, owned until done */
};

void aws_http_resp_init(struct aws_http_resp *r);
void aws_http_resp_free(struct aws_http_resp *r);
/* Case-insensitive; NULL when absent. */
const char *aws_http_header(const struct aws_http_resp *r, const char *name);

/* Configure an easy handle for req; resp collects the answer. */
__must_check int aws_http_setup(CURL *h, const struct aws_http_req *req,
				struct aws_http_resp *resp);
/* After the transfer (easy or multi): status, curl code, message. */
void aws_http_done(CURL *h, CURLcode rc, struct aws_http_resp *resp);
/*
 * Run req to completion. 0 when an HTTP response arrived (any status),
 * -EFBIG over the cap, -ETIMEDOUT, -EIO for other transfer failures
 * (resp->curl_err says which), -ENOMEM.
 */
__must_check int aws_http_perform(const struct aws_http_req *req,
				  struct aws_http_resp *resp);
/*
 * The same on a caller's easy handle, reset first: its connection cache
 * survives, so a client's calls to one endpoint share a TLS session.
 */
__must_check int aws_http_perform_on(CURL *h, const struct aws_http_req *req,
				     struct aws_http_resp *resp);
/* A one-line description of a failed transfer, for messages. */
const char *aws_http_strerror(const struct aws_http_resp *resp);

#endif
