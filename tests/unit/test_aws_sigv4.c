/* SPDX-License-Identifier: MIT */
/*
 * SigV4 unit tests. With `--vectors FILE` the binary instead prints our
 * canonical request, string to sign and signature for every vector, in
 * the format tests/aws/sigv4_botocore.py prints botocore's: the two are
 * diffed by tests/aws/test_sigv4.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws_sigv4.h"

static time_t parse_amz_date(const char *s)
{
	struct tm tm = { 0 };

	if (!strptime(s, "%Y%m%dT%H%M%SZ", &tm))
		return (time_t)-1;
	return timegm(&tm);
}

static const struct aws_sigv4_key vanilla_key = {
	.akid = "AKIDEXAMPLE",
	.secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

/* aws-sig-v4-test-suite "get-vanilla". */
static void test_vanilla(void **state)
{
	struct aws_sigv4_req r = {
		.method = "GET", .host = "example.amazonaws.com", .path = "/",
	};
	struct aws_sigv4_out o;

	(void)state;
	aws_sigv4_out_init(&o);
	assert_int_equal(aws_sigv4_sign(&r, "us-east-1", "service", &vanilla_key,
					parse_amz_date("20150830T123600Z"), &o), 0);
	assert_string_equal(o.signature,
			    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	assert_string_equal(buf_str(&o.authorization),
			    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
			    "service/aws4_request, SignedHeaders=host;x-amz-date, "
			    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	assert_string_equal(buf_str(&o.target), "/");
	aws_sigv4_out_free(&o);
}

static void test_uri_encode(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(aws_uri_encode(&b, "a b+c~d%/é", strlen("a b+c~d%/é"), true), 0);
	assert_string_equal(buf_str(&b), "a%20b%2Bc~d%25/%C3%A9");
	buf_reset(&b);
	assert_int_equal(aws_uri_encode(&b, "/-_.", 4, false), 0);
	assert_string_equal(buf_str(&b), "%2F-_.");
	buf_free(&b);
}

/* The wire target is the sorted, encoded query: what the server re-signs. */
static void test_target_and_s3(void **state)
{
	static const struct aws_kv q[] = { { "b", "2" }, { "a", "x y" }, { "b", "1" } };
	static const struct aws_kv h[] = { { "x-amz-checksum-mode", "ENABLED" } };
	struct aws_sigv4_req r = {
		.method = "GET", .host = "127.0.0.1:9000", .path = "/bkt/a b//c",
		.query = q, .n_query = 3, .hdrs = h, .n_hdrs = 1, .s3 = true,
	};
	struct aws_sigv4_key k = { "AKID", "SECRET", "TOKEN" };
	struct aws_sigv4_out o;

	(void)state;
	aws_sigv4_out_init(&o);
	assert_int_equal(aws_sigv4_sign(&r, "us-east-1", "s3", &k, 0, &o), 0);
	assert_string_equal(buf_str(&o.target), "/bkt/a%20b//c?a=x%20y&b=1&b=2");
	assert_non_null(strstr(buf_str(&o.creq), "\n/bkt/a%20b//c\n"));
	assert_non_null(strstr(buf_str(&o.creq), "x-amz-content-sha256:e3b0c442"));
	assert_non_null(strstr(buf_str(&o.authorization),
			       "SignedHeaders=host;x-amz-checksum-mode;x-amz-content-sha256;"
			       "x-amz-date;x-amz-security-token,"));
	assert_string_equal(o.amz_date, "19700101T000000Z");
	aws_sigv4_out_free(&o);
}

static void test_reserved_headers(void **state)
{
	static const struct aws_kv h[] = { { "Authorization", "x" } };
	struct aws_sigv4_req r = {
		.method = "GET", .host = "h", .path = "/", .hdrs = h, .n_hdrs = 1,
	};
	struct aws_sigv4_out o;

	(void)state;
	aws_sigv4_out_init(&o);
	assert_int_equal(aws_sigv4_sign(&r, "us-east-1", "s3", &vanilla_key, 0, &o), -EINVAL);
	aws_sigv4_out_free(&o);
	r.n_hdrs = 0;
	r.host = "";
	aws_sigv4_out_init(&o);
	assert_int_equal(aws_sigv4_sign(&r, "us-east-1", "s3", &vanilla_key, 0, &o), -EINVAL);
	aws_sigv4_out_free(&o);
}

/* ---- the botocore comparison driver ---- */

static const char *jstr(const cJSON *o, const char *name, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static size_t jpairs(const cJSON *o, const char *name, struct aws_kv *kv, size_t max)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, name), *p;
	size_t n = 0;

	cJSON_ArrayForEach(p, arr) {
		if (n == max || cJSON_GetArraySize(p) != 2)
			break;
		kv[n].name = cJSON_GetArrayItem(p, 0)->valuestring;
		kv[n].value = cJSON_GetArrayItem(p, 1)->valuestring;
		n++;
	}
	return n;
}

static int run_vectors(const char *file)
{
	static char text[1 << 20];
	struct aws_kv q[32], h[32];
	cJSON *all, *v;
	size_t n;
	FILE *f = fopen(file, "r");
	int rc = 0;

	if (!f) {
		perror(file);
		return 2;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	all = cJSON_Parse(text);
	if (!all) {
		fprintf(stderr, "%s: bad JSON\n", file);
		return 2;
	}
	cJSON_ArrayForEach(v, all) {
		const char *body = jstr(v, "body", "");
		struct aws_sigv4_req r = {
			.method = jstr(v, "method", "GET"),
			.host = jstr(v, "host", ""),
			.path = jstr(v, "path", "/"),
			.body = body,
			.body_len = strlen(body),
			.s3 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "s3")),
		};
		struct aws_sigv4_key k = {
			.akid = jstr(v, "akid", ""),
			.secret = jstr(v, "secret", ""),
			.token = jstr(v, "token", NULL),
		};
		struct aws_sigv4_out o;

		r.query = q;
		r.n_query = jpairs(v, "query", q, 32);
		r.hdrs = h;
		r.n_hdrs = jpairs(v, "headers", h, 32);
		aws_sigv4_out_init(&o);
		printf("== %s\n", jstr(v, "name", "?"));
		if (aws_sigv4_sign(&r, jstr(v, "region", ""), jstr(v, "service", ""), &k,
				   parse_amz_date(jstr(v, "date", "")), &o)) {
			printf("ERROR\n");
			rc = 1;
		} else {
			printf("CREQ\n%s\nSTS\n%s\nSIG %s\nAUTH %s\n", buf_str(&o.creq),
			       buf_str(&o.sts), o.signature, buf_str(&o.authorization));
		}
		aws_sigv4_out_free(&o);
	}
	cJSON_Delete(all);
	return rc;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vanilla),
		cmocka_unit_test(test_uri_encode),
		cmocka_unit_test(test_target_and_s3),
		cmocka_unit_test(test_reserved_headers),
	};

	if (argc == 3 && !strcmp(argv[1], "--vectors"))
		return run_vectors(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
