/* SPDX-License-Identifier: MIT */
/* GuardDuty ThreatIntelSet / IPSet answers (feeds/gd_intel_parse.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gd_intel.h"

static char err[ERRLEN];

static void test_list(void **state)
{
	static const char threat[] = "{\"threatIntelSetIds\":[\"1a2b\",\"3c4d\"],\"nextToken\":\"50\"}";
	static const char ipset[] = "{\"ipSetIds\":[\"5e6f\"]}";
	static const char bad[] = "{\"ipSetIds\":[\"../x\"]}";
	char ids[4][GD_ID_LEN], next[64];
	size_t n = 0;

	(void)state;
	assert_int_equal(gd_intel_parse_list(threat, strlen(threat), GD_INTEL_THREAT, ids, 4, &n,
					     next, sizeof(next), err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[1], "3c4d");
	assert_string_equal(next, "50");
	assert_int_equal(gd_intel_parse_list(ipset, strlen(ipset), GD_INTEL_TRUSTED, ids, 4, &n,
					     next, sizeof(next), err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ids[2], "5e6f");
	assert_string_equal(next, "");
	/* The other kind's field is not this kind's. */
	n = 0;
	assert_int_equal(gd_intel_parse_list(ipset, strlen(ipset), GD_INTEL_THREAT, ids, 4, &n,
					     next, sizeof(next), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "GuardDuty ListThreatIntelSets: no \"threatIntelSetIds\" array");
	assert_int_equal(gd_intel_parse_list(bad, strlen(bad), GD_INTEL_TRUSTED, ids, 4, &n, next,
					     sizeof(next), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "GuardDuty ListIPSets: an id is not lowercase letters and digits");
	n = 4;
	assert_int_equal(gd_intel_parse_list(ipset, strlen(ipset), GD_INTEL_TRUSTED, ids, 4, &n,
					     next, sizeof(next), err, sizeof(err)), -EFBIG);
}

static void test_get(void **state)
{
	static const char ok[] = "{\"name\":\"MyThreatIntelSet\",\"format\":\"TXT\",\"location\":"
		"\"https://s3.amazonaws.com/b/k.txt\",\"status\":\"ACTIVE\",\"tags\":{\"a\":\"b\"}}";
	static const char noloc[] = "{\"name\":\"n\",\"format\":\"TXT\",\"status\":\"ACTIVE\"}";
	static const char ctl[] = "{\"name\":\"n\\u0001\",\"format\":\"TXT\",\"location\":\"l\","
		"\"status\":\"ACTIVE\"}";
	struct gd_intel_set s = { .id = "1a2b" };

	(void)state;
	assert_int_equal(gd_intel_parse_get(ok, strlen(ok), &s, err, sizeof(err)), 0);
	assert_string_equal(s.id, "1a2b");
	assert_string_equal(s.name, "MyThreatIntelSet");
	assert_string_equal(s.location, "https://s3.amazonaws.com/b/k.txt");
	assert_string_equal(s.format, "TXT");
	assert_string_equal(s.status, "ACTIVE");
	assert_int_equal(gd_intel_parse_get(noloc, strlen(noloc), &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "GuardDuty Get...Set: no \"location\"");
	assert_int_equal(gd_intel_parse_get(ctl, strlen(ctl), &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "GuardDuty Get...Set: \"name\" holds a control or non-ASCII character");
	assert_int_equal(gd_intel_parse_get("[]", 2, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(gd_intel_kind_name(GD_INTEL_TRUSTED), "IPSet");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
