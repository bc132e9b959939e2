/* SPDX-License-Identifier: MIT */
/*
 * SigV4 by hand with OpenSSL rather than libcurl's CURLOPT_AWS_SIGV4:
 * curl 7.88 (Debian 12) neither sorts query parameters nor sends S3's
 * x-amz-content-sha256, and gives no access to the canonical request, so
 * it could not be checked against botocore. Here every step is a string a
 * test can compare.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "aws_sigv4.h"

#define SIGV4_ALGO "AWS4-HMAC-SHA256"
#define SIGV4_MAX_TEXT (1u << 20) /* canonical request, headers included */
#define SIGV4_MAX_HDRS 64
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const char hexdig[] = "0123456789abcdef";
static const char hexup[] = "0123456789ABCDEF";

void aws_sha256_hex(const void *data, size_t n, char out[AWS_SIGV4_HEX_LEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, n, md);
	for (size_t i = 0; i < sizeof(md); i++) {
		out[2 * i] = hexdig[md[i] >> 4];
		out[2 * i + 1] = hexdig[md[i] & 15];
	}
	out[64] = '\0';
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}

int aws_uri_encode(struct buf *b, const char *s, size_t n, bool keep_slash)
{
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[3] = { '%', hexup[c >> 4], hexup[c & 15] };

		if (unreserved(c) || (keep_slash && c == '/'))
			ret = buf_addc(b, (char)c);
		else
			ret = buf_add(b, esc, 3);
	}
	return ret;
}

/*
 * RFC 3986 5.2.4 plus what AWS (and botocore's remove_dot_segments) also
 * do: empty segments go, so "//" collapses. Used only outside S3.
 */
static int remove_dot_segments(const char *path, struct buf *out)
{
	const char **seg;
	size_t nseg = 0, len = strlen(path), cap = len / 2 + 2;
	const char *p = path;
	int ret = 0;

	if (!len)
		return buf_addc(out, '/');
	seg = calloc(cap, sizeof(*seg));
	if (!seg)
		return -ENOMEM;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg)
				nseg--;
		} else if (l && !(l == 1 && p[0] == '.')) {
			seg[nseg++] = p;
		}
		p += l;
		if (*p == '/')
			p++;
	}
	if (path[0] == '/')
		ret = buf_addc(out, '/');
	for (size_t i = 0; i < nseg && !ret; i++) {
		size_t l = strcspn(seg[i], "/");

		if (i)
			ret = buf_addc(out, '/');
		if (!ret)
			ret = buf_add(out, seg[i], l);
	}
	if (!ret && nseg && path[len - 1] == '/')
		ret = buf_addc(out, '/');
	free(seg);
	return ret;
}

struct qpair {
	char *k, *v;
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c ? c : strcmp(x->v, y->v);
}

static char *encode_dup(const char *s, bool keep_slash)
{
	struct buf b;

	buf_init(&b, SIGV4_MAX_TEXT);
	if (aws_uri_encode(&b, s, strlen(s), keep_slash) || buf_addc(&b, '\0')) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* Both the wire query and the canonical one: encoded, sorted by name, value. */
static int canonical_query(const struct aws_sigv4_req *r, struct buf *out)
{
	struct qpair *q;
	int ret = 0;

	if (!r->n_query)
		return 0;
	q = calloc(r->n_query, sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_query; i++) {
		q[i].k = encode_dup(r->query[i].name, false);
		q[i].v = encode_dup(r->query[i].value ? r->query[i].value : "", false);
		if (!q[i].k || !q[i].v) {
			ret = -ENOMEM;
			goto out;
		}
	}
	qsort(q, r->n_query, sizeof(*q), qpair_cmp);
	for (size_t i = 0; i < r->n_query && !ret; i++)
		ret = buf_addf(out, "%s%s=%s", i ? "&" : "", q[i].k, q[i].v);
out:
	for (size_t i = 0; i < r->n_query; i++) {
		free(q[i].k);
		free(q[i].v);
	}
	free(q);
	return ret;
}

struct chdr {
	char name[128];    /* lower case */
	const char *value; /* as given; trimmed when written */
	size_t idx;        /* keeps repeated headers in their order */
};

static int chdr_cmp(const void *a, const void *b)
{
	const struct chdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Python's str.split() whitespace, ASCII part (what botocore trims on). */
static bool py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Trimall: no leading/trailing blanks, inner runs become one space. */
static int add_trimmed(struct buf *b, const char *v)
{
	bool first = true;
	int ret = 0;

	while (*v && !ret) {
		size_t l;

		while (py_space((unsigned char)*v))
			v++;
		if (!*v)
			break;
		for (l = 0; v[l] && !py_space((unsigned char)v[l]); l++)
			;
		if (!first)
			ret = buf_addc(b, ' ');
		if (!ret)
			ret = buf_add(b, v, l);
		first = false;
		v += l;
	}
	return ret;
}

/* Headers SigV4 never signs (botocore's SIGNED_HEADERS_BLACKLIST). */
static bool unsigned_header(const char *lname)
{
	return !strcmp(lname, "expect") || !strcmp(lname, "user-agent") ||
	       !strcmp(lname, "x-amzn-trace-id");
}

static int chdr_push(struct chdr *h, size_t *n, const char *name, const char *value)
{
	size_t l = strlen(name);

	if (*n >= SIGV4_MAX_HDRS || l == 0 || l >= sizeof(h->name))
		return -EINVAL;
	for (size_t i = 0; i <= l; i++)
		h[*n].name[i] = (char)tolower((unsigned char)name[i]);
	h[*n].value = value ? value : "";
	h[*n].idx = *n;
	(*n)++;
	return 0;
}

static int hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int olen = 32;

	if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
		  strlen(msg), out, &olen))
		return -EINVAL;
	return 0;
}

static int derive_signature(const struct aws_sigv4_key *k, const char *date8,
			    const char *region, const char *service,
			    const char *sts, char sig[AWS_SIGV4_HEX_LEN])
{
	unsigned char a[32], b[32];
	char day[9];
	struct buf key;
	int ret;

	/* The key is scoped to the day: YYYYMMDD, not the whole timestamp. */
	memcpy(day, date8, 8);
	day[8] = '\0';
	buf_init(&key, 4096);
	ret = buf_addf(&key, "AWS4%s", k->secret);
	if (!ret)
		ret = hmac(key.p, key.len, day, a);
	if (!ret)
		ret = hmac(a, 32, region, b);
	if (!ret)
		ret = hmac(b, 32, service, a);
	if (!ret)
		ret = hmac(a, 32, "aws4_request", b);
	if (!ret)
		ret = hmac(b, 32, sts, a);
	if (!ret) {
		for (size_t i = 0; i < 32; i++) {
			sig[2 * i] = hexdig[a[i] >> 4];
			sig[2 * i + 1] = hexdig[a[i] & 15];
		}
		sig[64] = '\0';
	}
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	buf_free_secure(&key);
	return ret;
}

void aws_sigv4_out_init(struct aws_sigv4_out *out)
{
	memset(out, 0, sizeof(*out));
	buf_init(&out->target, SIGV4_MAX_TEXT);
	buf_init(&out->creq, SIGV4_MAX_TEXT);
	buf_init(&out->sts, 4096);
	buf_init(&out->authorization, 8192);
}

void aws_sigv4_out_free(struct aws_sigv4_out *out)
{
	if (!out)
		return;
	buf_free_secure(&out->target);
	buf_free_secure(&out->creq);
	buf_free_secure(&out->sts);
	buf_free_secure(&out->authorization);
}

/* Headers the signer owns: a caller's copy would be silently replaced. */
static bool reserved_header(const char *lname, bool s3)
{
	return !strcmp(lname, "authorization") || !strcmp(lname, "x-amz-date") ||
	       !strcmp(lname, "date") || !strcmp(lname, "x-amz-security-token") ||
	       (s3 && !strcmp(lname, "x-amz-content-sha256"));
}

int aws_sigv4_sign(const struct aws_sigv4_req *r, const char *region,
		   const char *service, const struct aws_sigv4_key *k,
		   time_t when, struct aws_sigv4_out *out)
{
	struct chdr *h = NULL;
	struct buf path, signed_hdrs;
	const char *payload = NULL;
	char crhash[AWS_SIGV4_HEX_LEN];
	bool have_host = false;
	size_t nh = 0;
	struct tm tm;
	int ret;

	buf_init(&path, SIGV4_MAX_TEXT);
	buf_init(&signed_hdrs, 8192);
	if (!r->method || !r->host || !*r->host || !region || !service || !k ||
	    !k->akid || !k->secret || !gmtime_r(&when, &tm))
		return -EINVAL;
	strftime(out->amz_date, sizeof(out->amz_date), "%Y%m%dT%H%M%SZ", &tm);

	h = calloc(SIGV4_MAX_HDRS, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_hdrs; i++) {
		ret = chdr_push(h, &nh, r->hdrs[i].name, r->hdrs[i].value);
		if (ret)
			goto out;
		if (reserved_header(h[nh - 1].name, r->s3)) {
			ret = -EINVAL;
			goto out;
		}
		if (unsigned_header(h[nh - 1].name)) {
			nh--;
			continue;
		}
		if (!strcmp(h[nh - 1].name, "host"))
			have_host = true;
		if (!strcmp(h[nh - 1].name, "x-amz-content-sha256"))
			payload = h[nh - 1].value;
	}

	/* The payload hash: S3 sends it as a header; others may ask for it. */
	if (!payload)
		payload = r->payload_hash;
	if (payload)
		util_strlcpy(out->payload_hash, payload, sizeof(out->payload_hash));
	else if (r->body_len)
		aws_sha256_hex(r->body, r->body_len, out->payload_hash);
	else
		util_strlcpy(out->payload_hash, EMPTY_SHA256, sizeof(out->payload_hash));

	ret = 0;
	if (!have_host)
		ret = chdr_push(h, &nh, "host", r->host);
	if (!ret)
		ret = chdr_push(h, &nh, "x-amz-date", out->amz_date);
	if (!ret && k->token && *k->token)
		ret = chdr_push(h, &nh, "x-amz-security-token", k->token);
	if (!ret && r->s3)
		ret = chdr_push(h, &nh, "x-amz-content-sha256", out->payload_hash);
	if (ret)
		goto out;
	qsort(h, nh, sizeof(*h), chdr_cmp);

	/* The path on the wire is encoded once; outside S3 it is signed
	 * normalised and encoded a second time, as AWS specifies. */
	ret = aws_uri_encode(&out->target, r->path && *r->path ? r->path : "/",
			     strlen(r->path && *r->path ? r->path : "/"), true);
	if (ret)
		goto out;
	if (r->s3) {
		ret = buf_add(&path, out->target.p, out->target.len);
	} else {
		struct buf norm;

		buf_init(&norm, SIGV4_MAX_TEXT);
		ret = remove_dot_segments(out->target.p, &norm);
		if (!ret)
			ret = aws_uri_encode(&path, norm.p, norm.len, true);
		buf_free(&norm);
	}
	if (ret)
		goto out;

	ret = buf_addf(&out->creq, "%s\n%s\n", r->method, path.p);
	if (!ret && r->n_query) {
		size_t at = out->creq.len;

		ret = canonical_query(r, &out->creq);
		if (!ret)
			ret = buf_addc(&out->target, '?');
		if (!ret)
			ret = buf_add(&out->target, out->creq.p + at, out->creq.len - at);
	}
	if (!ret)
		ret = buf_addc(&out->creq, '\n');
	for (size_t i = 0; i < nh && !ret; i++) {
		bool first = !i || strcmp(h[i - 1].name, h[i].name);
		bool last = i + 1 == nh || strcmp(h[i + 1].name, h[i].name);

		if (first) {
			ret = buf_addf(&out->creq, "%s:", h[i].name);
			if (!ret && signed_hdrs.len)
				ret = buf_addc(&signed_hdrs, ';');
			if (!ret)
				ret = buf_adds(&signed_hdrs, h[i].name);
		} else {
			ret = buf_addc(&out->creq, ',');
		}
		if (!ret)
			ret = add_trimmed(&out->creq, h[i].value);
		if (!ret && last)
			ret = buf_addc(&out->creq, '\n');
	}
	if (!ret)
		ret = buf_addf(&out->creq, "\n%s\n%s", buf_str(&signed_hdrs),
			       out->payload_hash);
	if (ret)
		goto out;

	aws_sha256_hex(out->creq.p, out->creq.len, crhash);
	ret = buf_addf(&out->sts, SIGV4_ALGO "\n%s\n%.8s/%s/%s/aws4_request\n%s",
		       out->amz_date, out->amz_date, region, service, crhash);
	if (!ret)
		ret = derive_signature(k, out->amz_date, region, service, out->sts.p,
				       out->signature);
	if (!ret)
		ret = buf_addf(&out->authorization,
			       SIGV4_ALGO " Credential=%s/%.8s/%s/%s/aws4_request, "
			       "SignedHeaders=%s, Signature=%s",
			       k->akid, out->amz_date, region, service,
			       buf_str(&signed_hdrs), out->signature);
out:
	if (ret == -EFBIG)
		ret = -EINVAL;
	free(h);
	buf_free(&path);
	buf_free(&signed_hdrs);
	return ret;
}
