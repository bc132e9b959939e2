/* SPDX-License-Identifier: MIT */
/*
 * enforcer/cloud/cloud_tags.c and cloud_tags_xml.c: the isolation
 * contract's tags. Original groups split over 256-character values and
 * put back together; what others may have written is refused whole;
 * an instance's state; DescribeTags answers as EC2 writes them.
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

#include "cloud.h"
#include "cloud_tags.h"

/* A group id of exactly len (>= 5) characters: "sg-" then digits. */
static void make_group(char *out, size_t len, unsigned seed)
{
	memcpy(out, "sg-", 3);
	for (size_t i = 3; i < len; i++)
		out[i] = (char)('0' + (seed + i) % 10);
	out[len] = '\0';
	/* Unique per seed: the seed in the last digits. */
	snprintf(out + len - 2, 3, "%02u", seed % 100);
}

/* Split, then load what CreateTags would write into a set, then join. */
static void round_trip(const char *const *g, size_t n, size_t want_tags)
{
	static struct cloud_orig_tags o;
	static struct cloud_tagset ts;
	char back[CLOUD_MAX_GROUPS][CLOUD_ID_LEN], err[ERRLEN] = "";
	size_t nb = 99;

	assert_int_equal(cloud_tags_split_groups(g, n, &o, err, sizeof(err)), 0);
	assert_int_equal(o.n, want_tags);
	memset(&ts, 0, sizeof(ts));
	/* Last first: the order tags come back in is not theirs. */
	for (size_t i = o.n; i-- > 0;) {
		assert_true(strlen(o.value[i]) <= CLOUD_TAG_VALUE_MAX);
		assert_true(o.value[i][0] != ',' && o.value[i][strlen(o.value[i]) - 1] != ',');
		assert_int_equal(cloud_tags_add(&ts, o.key[i], o.value[i], err, sizeof(err)), 1);
	}
	assert_int_equal(cloud_tags_join_groups(&ts, back, &nb, err, sizeof(err)), 0);
	assert_int_equal(nb, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(back[i], g[i]);
}

static void test_split_small(void **state)
{
	static struct cloud_orig_tags o;
	const char *g[] = { "sg-0web0000000000web", "sg-0db000000000000db" };
	char err[ERRLEN] = "";

	(void)state;
	assert_int_equal(cloud_tags_split_groups(g, 2, &o, err, sizeof(err)), 0);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.key[0], "cordon:original-groups");
	assert_string_equal(o.value[0], "sg-0web0000000000web,sg-0db000000000000db");
	round_trip(g, 2, 1);
	/* EC2's own limit: 16 ids of 20 characters are 335: two tags. */
	{
		char ids[16][32];
		const char *p[16];

		for (unsigned i = 0; i < 16; i++) {
			make_group(ids[i], 20, i);
			p[i] = ids[i];
		}
		round_trip(p, 16, 2);
		assert_int_equal(cloud_tags_split_groups(p, 16, &o, err, sizeof(err)), 0);
		assert_string_equal(o.key[1], "cordon:original-groups-2");
		/* 12 ids and 11 commas: 251; a 13th would make 272. */
		assert_int_equal(strlen(o.value[0]), 12 * 20 + 11);
	}
}

/* A value of exactly 256 stays one tag; one more character spills. */
static void test_split_exactly_256(void **state)
{
	static struct cloud_orig_tags o;
	char a[CLOUD_ID_LEN], b[CLOUD_ID_LEN], c[CLOUD_ID_LEN], d[CLOUD_ID_LEN];
	char e[CLOUD_ID_LEN];
	const char *g[5] = { a, b, c, d, e };
	char err[ERRLEN] = "";

	(void)state;
	/* 63 + 63 + 63 + 58 + 5 = 252, and 4 commas: 256. */
	make_group(a, 63, 1);
	make_group(b, 63, 2);
	make_group(c, 63, 3);
	make_group(d, 58, 4);
	make_group(e, 5, 5);
	assert_int_equal(cloud_tags_split_groups(g, 5, &o, err, sizeof(err)), 0);
	assert_int_equal(o.n, 1);
	assert_int_equal(strlen(o.value[0]), 256);
	round_trip(g, 5, 1);
	/* The last id one character longer: 257, so it starts the second tag. */
	make_group(e, 6, 5);
	assert_int_equal(cloud_tags_split_groups(g, 5, &o, err, sizeof(err)), 0);
	assert_int_equal(o.n, 2);
	assert_int_equal(strlen(o.value[0]), 63 * 3 + 58 + 3);
	assert_string_equal(o.key[1], "cordon:original-groups-2");
	assert_string_equal(o.value[1], e);
	round_trip(g, 5, 2);
}

/* 16 ids of 63 characters: 4 per tag (255), so 4 tags; 9 of them need 3. */
static void test_split_three_and_four(void **state)
{
	char ids[16][CLOUD_ID_LEN];
	const char *p[16];

	(void)state;
	for (unsigned i = 0; i < 16; i++) {
		make_group(ids[i], 63, i);
		p[i] = ids[i];
	}
	round_trip(p, 9, 3);
	round_trip(p, 16, 4);
}

static void test_split_refuses(void **state)
{
	static struct cloud_orig_tags o;
	const char *bad[] = { "sg-1", "sg-x,y" };
	const char *dup[] = { "sg-1", "sg-2", "sg-1" };
	const char *notsg[] = { "vpc-1" };
	const char *many[17];
	char err[ERRLEN] = "";

	(void)state;
	assert_int_equal(cloud_tags_split_groups(bad, 2, &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "original groups: id 2 \"sg-x,y\" is not a security group id");
	assert_int_equal(o.n, 0);
	assert_int_equal(cloud_tags_split_groups(dup, 3, &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "original groups: sg-1 listed twice");
	assert_int_equal(cloud_tags_split_groups(notsg, 1, &o, err, sizeof(err)), -EINVAL);
	assert_int_equal(cloud_tags_split_groups(notsg, 0, &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "original groups: 0 ids (1..16 allowed)");
	for (int i = 0; i < 17; i++)
		many[i] = "sg-1";
	assert_int_equal(cloud_tags_split_groups(many, 17, &o, err, sizeof(err)), -EINVAL);
}

/* A set from key=value pairs. */
static void set_of(struct cloud_tagset *ts, const char *const *kv)
{
	char err[ERRLEN] = "";

	memset(ts, 0, sizeof(*ts));
	for (; *kv; kv += 2)
		assert_true(cloud_tags_add(ts, kv[0], kv[1], err, sizeof(err)) >= 0);
}

/* Join what a stranger wrote: expect -EINVAL and this error, nothing out. */
static void join_refused(const char *const *kv, const char *want)
{
	static struct cloud_tagset ts;
	char g[CLOUD_MAX_GROUPS][CLOUD_ID_LEN], err[ERRLEN] = "";
	size_t n = 99;

	set_of(&ts, kv);
	assert_int_equal(cloud_tags_join_groups(&ts, g, &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(n, 0);
	assert_string_equal(err, want);
}

static void test_join_refuses(void **state)
{
	(void)state;
	join_refused((const char *[]){ "cordon:original-groups", "", NULL },
		     "tag cordon:original-groups is empty");
	join_refused((const char *[]){ "cordon:original-groups", "sg-1,,sg-2", NULL },
		     "tag cordon:original-groups: \"sg-1,,sg-2\" is not a comma-separated list of "
		     "security group ids");
	join_refused((const char *[]){ "cordon:original-groups", "sg-1,", NULL },
		     "tag cordon:original-groups: \"sg-1,\" is not a comma-separated list of "
		     "security group ids");
	join_refused((const char *[]){ "cordon:original-groups", "sg-1, sg-2", NULL },
		     "tag cordon:original-groups: \"sg-1, sg-2\" is not a comma-separated list of "
		     "security group ids");
	join_refused((const char *[]){ "cordon:original-groups", "sg-1\nsg-2", NULL },
		     "tag cordon:original-groups: \"sg-1?sg-2\" is not a comma-separated list of "
		     "security group ids");
	/* A gap: -3 without -2. The first tag alone would be a partial list. */
	join_refused((const char *[]){ "cordon:original-groups", "sg-1",
				       "cordon:original-groups-3", "sg-3", NULL },
		     "tag cordon:original-groups-2 is missing while 2 original-groups tags are "
		     "there");
	join_refused((const char *[]){ "cordon:original-groups-2", "sg-2", NULL },
		     "tag cordon:original-groups is missing while 1 original-groups tags are there");
	join_refused((const char *[]){ "cordon:original-groups", "sg-1",
				       "cordon:original-groups-1", "sg-2", NULL },
		     "tag cordon:original-groups-1: not a key cordon writes (cordon:original-groups, "
		     "cordon:original-groups-2 .. cordon:original-groups-8)");
	join_refused((const char *[]){ "cordon:original-groups", "sg-1",
				       "cordon:original-groups-02", "sg-2", NULL },
		     "tag cordon:original-groups-02: not a key cordon writes (cordon:original-groups, "
		     "cordon:original-groups-2 .. cordon:original-groups-8)");
	join_refused((const char *[]){ "cordon:original-groups", "sg-1",
				       "cordon:original-groups-9", "sg-2", NULL },
		     "tag cordon:original-groups-9: not a key cordon writes (cordon:original-groups, "
		     "cordon:original-groups-2 .. cordon:original-groups-8)");
	join_refused((const char *[]){ "cordon:original-groupsX", "sg-1", NULL },
		     "tag cordon:original-groupsX: not a key cordon writes (cordon:original-groups, "
		     "cordon:original-groups-2 .. cordon:original-groups-8)");
	join_refused((const char *[]){ "cordon:original-groups", "sg-1,sg-2",
				       "cordon:original-groups-2", "sg-1", NULL },
		     "tag cordon:original-groups-2: sg-1 listed twice");
	join_refused((const char *[]){ "cordon:original-groups",
				       "sg-1,sg-2,sg-3,sg-4,sg-5,sg-6,sg-7,sg-8,sg-9",
				       "cordon:original-groups-2",
				       "sg-10,sg-11,sg-12,sg-13,sg-14,sg-15,sg-16,sg-17", NULL },
		     "tag cordon:original-groups-2: more than 16 groups in all");
}

static void test_join_absent_and_add(void **state)
{
	static struct cloud_tagset ts;
	char g[CLOUD_MAX_GROUPS][CLOUD_ID_LEN], err[ERRLEN] = "", big[300];
	size_t n = 99;

	(void)state;
	/* No original-groups at all: not an error, nothing to restore. */
	set_of(&ts, (const char *[]){ "Name", "web-1", "cordon:status", "isolated",
				      "cordon:note", "anything", NULL });
	assert_int_equal(cloud_tags_join_groups(&ts, g, &n, err, sizeof(err)), -ENOENT);
	assert_int_equal(n, 0);
	/* Only the keys cordon reads are kept. */
	assert_int_equal(ts.n, 1);
	assert_null(cloud_tags_get(&ts, "Name"));
	assert_null(cloud_tags_get(&ts, "cordon:note"));
	assert_string_equal(cloud_tags_get(&ts, "cordon:status"), "isolated");
	assert_int_equal(cloud_tags_add(&ts, "cordon:status", "released", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "tag cordon:status: there twice");
	/* Over 256 bytes (EC2 counts characters): kept empty, broken for every reader. */
	memset(big, 'x', 257);
	big[257] = '\0';
	assert_int_equal(cloud_tags_add(&ts, "cordon:incident", big, err, sizeof(err)), 1);
	assert_string_equal(cloud_tags_get(&ts, "cordon:incident"), "");
	/* A stranger's long value under a key cordon does not read is no error. */
	assert_int_equal(cloud_tags_add(&ts, "Owner", big, err, sizeof(err)), 0);
	big[256] = '\0';
	assert_int_equal(cloud_tags_add(&ts, "cordon:finding", big, err, sizeof(err)), 1);
}

/*
 * Tags the host itself may write (cordon:* on its instance, cordon:
 * original-groups* on its interfaces before any isolation) never make the
 * read fail: 17 keys under cordon:original-groups filled the set (-EFBIG)
 * and a long value under a read key was -EINVAL, and either made the whole
 * DescribeTags fail, so the off-host responder did not isolate the host.
 * The first odd key is kept for the join to name; the rest are dropped.
 */
static void test_hostile_keys(void **state)
{
	static struct cloud_tagset ts;
	char g[CLOUD_MAX_GROUPS][CLOUD_ID_LEN], err[ERRLEN] = "", key[200], uni[600] = "";
	struct cloud_isolation iso;
	size_t n;

	(void)state;
	memset(&ts, 0, sizeof(ts));
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "cordon:original-groups-x%d", i);
		assert_true(cloud_tags_add(&ts, key, "sg-0e0e", err, sizeof(err)) >= 0);
	}
	/* 140 bytes of key (70 two-byte characters: within EC2's 128) */
	snprintf(key, sizeof(key), "cordon:original-groups-");
	for (int i = 0; i < 60; i++)
		strcat(key, "\xc3\xa9");
	assert_int_equal(cloud_tags_add(&ts, key, "sg-1", err, sizeof(err)), 0);
	for (int i = 0; i < 200; i++)
		strcat(uni, "\xc3\xa9"); /* 200 characters, 400 bytes */
	assert_int_equal(cloud_tags_add(&ts, CLOUD_TAG_FINDING, uni, err, sizeof(err)), 1);
	assert_int_equal(cloud_tags_add(&ts, CLOUD_TAG_STATUS, "isolated", err, sizeof(err)), 1);
	assert_int_equal(cloud_tags_add(&ts, CLOUD_TAG_INCIDENT, "inc-1", err, sizeof(err)), 1);
	assert_int_equal(cloud_tags_add(&ts, CLOUD_TAG_ORIG, "sg-1", err, sizeof(err)), 1);
	assert_int_equal(ts.n, 5);
	assert_int_equal(cloud_tags_join_groups(&ts, g, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cordon:original-groups-x0"));
	/* the finding is broken, so the state is refused as a whole, as before */
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), -EINVAL);
}

static void test_isolation(void **state)
{
	static struct cloud_tagset ts;
	struct cloud_isolation iso;
	char err[ERRLEN] = "";

	(void)state;
	set_of(&ts, (const char *[]){ "cordon:incident", "inc-20261128T130000Z-0a1b",
				      "cordon:status", "isolated",
				      "cordon:finding", "5d41402abc4b2a76b9719d911017c592", NULL });
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), 0);
	assert_int_equal(iso.status, CLOUD_STATUS_ISOLATED);
	assert_string_equal(iso.incident, "inc-20261128T130000Z-0a1b");
	assert_string_equal(iso.finding, "5d41402abc4b2a76b9719d911017c592");
	assert_string_equal(iso.released_at, "");

	set_of(&ts, (const char *[]){ "cordon:status", "released", "cordon:released",
				      "inc-7 2026-11-28T14:00:00.000Z", NULL });
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), 0);
	assert_int_equal(iso.status, CLOUD_STATUS_RELEASED);
	assert_string_equal(iso.released_incident, "inc-7");
	assert_string_equal(iso.released_at, "2026-11-28T14:00:00.000Z");
	assert_string_equal(cloud_tags_status_name(iso.status), "released");

	set_of(&ts, (const char *[]){ "cordon:released", "2026-11-28T14:00:00.000Z", NULL });
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), 0);
	assert_int_equal(iso.status, CLOUD_STATUS_NONE);
	assert_string_equal(iso.released_incident, "");
	assert_string_equal(iso.released_at, "2026-11-28T14:00:00.000Z");

	set_of(&ts, (const char *[]){ "cordon:status", "installed", NULL });
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), 0);
	assert_int_equal(iso.status, CLOUD_STATUS_INSTALLED);
	/* What firmware/user-data.sh writes when the install fails. */
	set_of(&ts, (const char *[]){ "cordon:status", "install-failed", NULL });
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), 0);
	assert_int_equal(iso.status, CLOUD_STATUS_INSTALL_FAILED);
	assert_string_equal(cloud_tags_status_name(iso.status), "install-failed");
	set_of(&ts, (const char *[]){ NULL });
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), 0);
	assert_int_equal(iso.status, CLOUD_STATUS_NONE);
	assert_string_equal(cloud_tags_status_name(iso.status), "none");

	set_of(&ts, (const char *[]){ "cordon:status", "Isolated", NULL });
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tag cordon:status: \"Isolated\" is none of installed, "
				 "install-failed, isolated, released");
	set_of(&ts, (const char *[]){ "cordon:status", "isolated", "cordon:incident",
				      "inc 7\t", NULL });
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tag cordon:incident: \"inc 7?\" is not an id");
	assert_int_equal(iso.status, CLOUD_STATUS_NONE);
	set_of(&ts, (const char *[]){ "cordon:released", "a b c", NULL });
	assert_int_equal(cloud_tags_isolation(&ts, &iso, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tag cordon:released: \"a b c\" is not \"[INCIDENT ]TIME\"");
}

/* ---- DescribeTags answers ---- */

#define DT_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<DescribeTagsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">" \
	"<requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId><tagSet>"
#define DT_ITEM(r, t, k, v) "<item><resourceId>" r "</resourceId><resourceType>" t \
	"</resourceType><key>" k "</key><value>" v "</value></item>"

static const char *const ids[] = { "i-0123456789abcdef0", "eni-0bbbbbbbbbbbbbbb1",
				   "eni-0bbbbbbbbbbbbbbb2" };

static void test_parse_tags(void **state)
{
	static struct cloud_tagset out[3];
	char next[CLOUD_NEXT_TOKEN_LEN], err[ERRLEN] = "";
	char g[CLOUD_MAX_GROUPS][CLOUD_ID_LEN];
	size_t n;
	const char *xml = DT_HEAD
		DT_ITEM("i-0123456789abcdef0", "instance", "Name", "web &amp; db")
		DT_ITEM("i-0123456789abcdef0", "instance", "cordon:status", "isolated")
		DT_ITEM("i-0123456789abcdef0", "instance", "cordon:incident", "inc-7")
		DT_ITEM("eni-0bbbbbbbbbbbbbbb2", "network-interface", "cordon:original-groups-2",
			"sg-0db000000000000db")
		DT_ITEM("eni-0bbbbbbbbbbbbbbb2", "network-interface", "cordon:original-groups",
			"sg-0web0000000000web")
		DT_ITEM("eni-0other0000000000", "network-interface", "cordon:original-groups",
			"sg-0000000000000000x")
		"<item><resourceId>eni-0bbbbbbbbbbbbbbb1</resourceId>"
		"<resourceType>network-interface</resourceType><key>cordon:empty</key><value/></item>"
		"</tagSet><nextToken>tok+/=1</nextToken></DescribeTagsResponse>";

	(void)state;
	memset(out, 0, sizeof(out));
	assert_int_equal(cloud_parse_tags(xml, strlen(xml), ids, 3, out, next, err, sizeof(err)),
			 0);
	assert_string_equal(next, "tok+/=1");
	assert_int_equal(out[0].n, 2);
	assert_string_equal(cloud_tags_get(&out[0], "cordon:status"), "isolated");
	assert_int_equal(out[1].n, 0);
	assert_int_equal(out[2].n, 2);
	assert_int_equal(cloud_tags_join_groups(&out[2], g, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(g[0], "sg-0web0000000000web");
	assert_string_equal(g[1], "sg-0db000000000000db");

	/* The last page has no nextToken; an empty value reads as "". */
	memset(out, 0, sizeof(out));
	xml = DT_HEAD "<item><resourceId>i-0123456789abcdef0</resourceId><key>cordon:status</key>"
		"<value/></item></tagSet></DescribeTagsResponse>";
	assert_int_equal(cloud_parse_tags(xml, strlen(xml), ids, 3, out, next, err, sizeof(err)),
			 0);
	assert_string_equal(next, "");
	assert_string_equal(cloud_tags_get(&out[0], "cordon:status"), "");
}

static void parse_refused(const char *xml, int want, const char *why)
{
	static struct cloud_tagset out[3];
	char next[CLOUD_NEXT_TOKEN_LEN], err[ERRLEN] = "";

	memset(out, 0, sizeof(out));
	assert_int_equal(cloud_parse_tags(xml, strlen(xml), ids, 3, out, next, err, sizeof(err)),
			 want);
	if (!strstr(err, why))
		fail_msg("err \"%s\" does not say \"%s\"", err, why);
	assert_string_equal(next, "");
}

static void test_parse_tags_refuses(void **state)
{
	static char big[4096];

	(void)state;
	parse_refused("<DescribeInstancesResponse/>", -EINVAL, "is not a DescribeTags answer");
	parse_refused(DT_HEAD "<item><resourceId>i-1</resourceId><value>x</value></item>"
		      "</tagSet></DescribeTagsResponse>", -EINVAL, "a tag without key");
	parse_refused(DT_HEAD "<item><key>k</key></item></tagSet></DescribeTagsResponse>",
		      -EINVAL, "a tag without resourceId");
	parse_refused(DT_HEAD DT_ITEM("i-0123456789abcdef0", "instance", "cordon:status", "a")
		      DT_ITEM("i-0123456789abcdef0", "instance", "cordon:status", "b")
		      "</tagSet></DescribeTagsResponse>", -EINVAL,
		      "i-0123456789abcdef0: tag cordon:status: there twice");
	parse_refused("<!DOCTYPE x [<!ENTITY a \"b\">]><DescribeTagsResponse/>", -EINVAL,
		      "DOCTYPE is not allowed");
	parse_refused(DT_HEAD "<item>", -EINVAL, "DescribeTags XML line");
	snprintf(big, sizeof(big), DT_HEAD "<item><resourceId>i-1</resourceId><key>k</key><value>"
		 "%01200d</value></item></tagSet></DescribeTagsResponse>", 0);
	parse_refused(big, -EFBIG, "a text over 1099 bytes");
	snprintf(big, sizeof(big), DT_HEAD "</tagSet><nextToken>%01030d</nextToken>"
		 "</DescribeTagsResponse>", 0);
	parse_refused(big, -EFBIG, "nextToken over 1023 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_small),
		cmocka_unit_test(test_split_exactly_256),
		cmocka_unit_test(test_split_three_and_four),
		cmocka_unit_test(test_split_refuses),
		cmocka_unit_test(test_join_refuses),
		cmocka_unit_test(test_join_absent_and_add),
		cmocka_unit_test(test_hostile_keys),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_parse_tags),
		cmocka_unit_test(test_parse_tags_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
