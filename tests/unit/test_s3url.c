/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "s3url.h"

static void ok(const char *loc, const char *b, const char *k, const char *r)
{
	struct s3url u;
	char err[ERRLEN];

	if (s3url_parse(loc, &u, err, sizeof(err)))
		fail_msg("%s: %s", loc, err);
	assert_string_equal(u.bucket, b);
	assert_string_equal(u.key, k);
	assert_string_equal(u.region, r);
}

static void test_forms(void **state)
{
	(void)state;
	ok("s3://my-bucket/MyThreatIntelSet", "my-bucket", "MyThreatIntelSet", "");
	ok("s3://my-bucket/dir/a b%20+.txt", "my-bucket", "dir/a b%20+.txt", "");
	ok("https://s3.amazonaws.com/my-bucket/list.txt", "my-bucket", "list.txt", "");
	ok("https://my-bucket.s3.amazonaws.com/dir/list.txt", "my-bucket", "dir/list.txt", "");
	ok("https://s3.eu-west-1.amazonaws.com/my-bucket/l", "my-bucket", "l", "eu-west-1");
	ok("https://s3-eu-west-1.amazonaws.com/my-bucket/l", "my-bucket", "l", "eu-west-1");
	ok("https://my.dotted.bucket.s3.us-west-2.amazonaws.com/a%20b%2Bc", "my.dotted.bucket",
	   "a b+c", "us-west-2");
	ok("https://b12.s3-us-gov-west-1.amazonaws.com/k", "b12", "k", "us-gov-west-1");
	ok("https://s3.cn-north-1.amazonaws.com.cn/bkt/k", "bkt", "k", "cn-north-1");
	ok("https://s3.dualstack.ap-south-1.amazonaws.com/bkt/k", "bkt", "k", "ap-south-1");
	ok("https://s3-external-1.amazonaws.com/bkt/k", "bkt", "k", "us-east-1");
	ok("HTTPS://s3.amazonaws.com/bkt/k", "bkt", "k", "");
}

static void test_bad(void **state)
{
	static const char *bad[] = {
		"s3://", "s3://bucket", "s3://bucket/", "s3://BUCKET/k", "s3://b/k", "s3:///k",
		"http://s3.amazonaws.com/b/k", "https://example.com/b/k",
		"https://s3.amazonaws.com/bkt", "https://s3.amazonaws.com/bkt/",
		"https://s3.amazonaws.com/bkt/k?versionId=1", "https://bkt.s3.amazonaws.com/",
		"https://s3.amazonaws.com/bkt/a%2", "https://s3.amazonaws.com/bkt/a%00b",
		"https://s3.EU.amazonaws.com/bkt/k", "https://evil.com/.s3.amazonaws.com/k",
		"https://s3.amazonaws.com.evil.com/bkt/k", "/etc/passwd", "",
	};
	struct s3url u;
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (s3url_parse(bad[i], &u, err, sizeof(err)) == 0)
			fail_msg("accepted %s", bad[i]);
		assert_false(s3url_is_s3(bad[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
