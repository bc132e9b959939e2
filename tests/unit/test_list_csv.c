/* SPDX-License-Identifier: MIT */
/* The CSV formats: otx_csv, proof_point, fire_eye. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "list.h"
#include "list_util.h"

static char err[ERRLEN];
static char dump[4096];
static struct list_limits lenient; /* bad lines never reject the list */

static struct list *parse_ok(enum list_format fmt, const char *text,
			     const struct list_limits *lim)
{
	struct list *l = NULL;
	int rc = tl_parse(fmt, "t.csv", text, lim, &l, err, sizeof(err));

	if (rc)
		fail_msg("parse failed: %s", err);
	return l;
}

static int setup(void **state)
{
	(void)state;
	list_limits_default(&lenient);
	lenient.max_bad_pct = 100;
	return 0;
}

static void test_samples(void **state)
{
	static const struct {
		const char *file;
		enum list_format fmt;
	} s[] = {
		{ "tests/data/lists/threat.txt", LIST_FMT_TXT },
		{ "tests/data/lists/threat.stix.xml", LIST_FMT_STIX },
		{ "tests/data/lists/threat.otx.csv", LIST_FMT_OTX_CSV },
		{ "tests/data/lists/threat.alienvault.txt", LIST_FMT_ALIEN_VAULT },
		{ "tests/data/lists/threat.proofpoint.csv", LIST_FMT_PROOF_POINT },
		{ "tests/data/lists/threat.fireeye.csv", LIST_FMT_FIRE_EYE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct list_spec spec = { .fmt = s[i].fmt };
		struct list *l;

		strcpy(spec.location, s[i].file);
		if (list_load_file(&spec, NULL, &l, err, sizeof(err)))
			fail_msg("%s: %s", s[i].file, err);
		assert_string_equal(tl_dump(l, dump, sizeof(dump)), TL_SAMPLE);
		assert_int_equal(l->st.domains, 1);
		assert_int_equal(l->st.bad, 0);
		assert_int_equal(l->st.masked, 0);
		assert_int_equal(l->n_msgs, 0);
		list_free(l);
	}
}

static void test_otx(void **state)
{
	static const char in[] =
		"\xef\xbb\xbfIndicator type, Indicator, Description\r\n"
		"# exported 2026-01-01\r\n"
		"IPv4, 203.0.113.7, \"C2 server, seen \"\"twice\"\"\"\r\n"
		"CIDR,198.51.100.9/25,\"a description\r\nover two lines\"\r\n"
		"\r\n"
		"ipv6 , 2001:db8:bad::1 ,\r\n"
		"FileHash-SHA256,2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae,x\r\n"
		"URL,http://malware.example.com/a.exe,x\r\n"
		"hostname,www.malware.example.com,x\r\n"
		"Domain name,example.net,x\r\n"
		"CIDR,\"2001:db8:c0::/48\",x\r\n"
		"IPv4,malware.example.com,x\r\n"
		"IPv4\r\n"
		",203.0.113.8,x\r\n"
		"CIDR,192.0.2.200/29";
	struct list *l = parse_ok(LIST_FMT_OTX_CSV, in, &lenient);

	(void)state;
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), TL_SAMPLE);
	assert_int_equal(l->ent[1].line, 4);
	assert_int_equal(l->ent[2].line, 7);
	assert_int_equal(l->ent[4].line, 16);
	assert_int_equal(l->st.lines, 12);
	assert_int_equal(l->st.masked, 1);
	assert_int_equal(l->st.domains, 2);
	assert_int_equal(l->st.skipped, 2);
	assert_int_equal(l->st.bad, 3);
	assert_string_equal(l->msgs[0], "t.csv:4: '198.51.100.9/25' has host bits set; using 198.51.100.0/25");
	assert_string_equal(l->msgs[1], "t.csv:13: 'IPv4' indicator 'malware.example.com' is not an address");
	assert_string_equal(l->msgs[2], "t.csv:14: 1 fields, expected at least 2");
	assert_string_equal(l->msgs[3], "t.csv:15: empty indicator type");
	list_free(l);
}

static void test_otx_layouts(void **state)
{
	struct list *l;

	(void)state;
	/* No header: type and value are the first two columns. */
	l = parse_ok(LIST_FMT_OTX_CSV, "IPv4,203.0.113.7,x\nCIDR,198.51.100.0/25\n", NULL);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), "203.0.113.7 198.51.100.0/25");
	assert_int_equal(l->st.lines, 2);
	list_free(l);
	/* Columns found by name, in any order. */
	l = parse_ok(LIST_FMT_OTX_CSV,
		     "Description,Indicator,Indicator Type\n\"x, y\",203.0.113.7,IPv4\n", NULL);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), "203.0.113.7");
	assert_int_equal(l->st.lines, 1);
	list_free(l);
}

static void test_proof_point(void **state)
{
	static const char in[] =
		"ip, category, score, first_seen, last_seen, ports (|)\n"
		"203.0.113.7, 1, 100, 2000-01-01, 2000-01-01, 80|443\n"
		"198.51.100.0/25, 1, 100, 2000-01-01, 2000-01-01,\n"
		"  \"2001:db8:bad::1\" , 1, 100, 2000-01-01, 2000-01-01,\n"
		"malware.example.com, 1, 100, 2000-01-01, 2000-01-01,\n"
		"# comment\n"
		"2001:db8:c0::/48,1,100,2000-01-01,2000-01-01,\n"
		"nope!, 1, 100, 2000-01-01, 2000-01-01,\n"
		"192.0.2.200/29\n";
	struct list *l = parse_ok(LIST_FMT_PROOF_POINT, in, &lenient);

	(void)state;
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), TL_SAMPLE);
	assert_int_equal(l->st.lines, 7);
	assert_int_equal(l->st.domains, 1);
	assert_int_equal(l->st.bad, 1);
	assert_string_equal(l->msgs[0], "t.csv:8: 'nope!' is not an IP address, CIDR or domain name");
	list_free(l);

	/* GuardDuty's entity-list header names the first column "domain". */
	l = parse_ok(LIST_FMT_PROOF_POINT,
		     "domain, category, score, first_seen, last_seen, ports (|)\n"
		     "198.51.100.1, 1, 100, 2000-01-01, 2000-01-01,\n"
		     "203.0.113.1, 1, 100, 2000-01-01, 2000-01-01, 80\n", NULL);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), "198.51.100.1 203.0.113.1");
	assert_int_equal(l->st.lines, 2);
	list_free(l);
	/* No header at all is fine too. */
	l = parse_ok(LIST_FMT_PROOF_POINT, "198.51.100.1,1,100\n", NULL);
	assert_int_equal(l->n, 1);
	list_free(l);
}

static void test_fire_eye(void **state)
{
	static const char in[] =
		"\"ip\",title,port,\"CIDR\",domain,md5\n"
		"203.0.113.7,\"C2, \"\"Ursnif\"\"\",443,,,\n"
		",\"Scanner\nrange\",,198.51.100.0/25,,\n"
		"2001:db8:bad::1,x,,2001:db8:c0::/48,,\n"
		",\"only a domain\",,,malware.example.com,\n"
		",\"only a hash\",,,,d41d8cd98f00b204e9800998ecf8427e\n"
		"203.0.113.8,short\n"
		"bad ip,x,,,,\n"
		"  , x , , 192.0.2.200/29 , ,\n";
	struct list *l = parse_ok(LIST_FMT_FIRE_EYE, in, &lenient);

	(void)state;
	/* cidr before ip within a row */
	assert_string_equal(tl_dump(l, dump, sizeof(dump)),
			    "203.0.113.7 198.51.100.0/25 2001:db8:c0::/48 2001:db8:bad::1 192.0.2.200/29");
	assert_int_equal(l->ent[1].line, 3);
	assert_int_equal(l->ent[2].line, 5);
	assert_int_equal(l->ent[4].line, 10);
	assert_int_equal(l->st.lines, 8);
	assert_int_equal(l->st.domains, 1);
	assert_int_equal(l->st.skipped, 1);
	assert_int_equal(l->st.bad, 2);
	assert_string_equal(l->msgs[0], "t.csv:8: 2 fields, the header has the address at field 4");
	assert_string_equal(l->msgs[1], "t.csv:9: 'bad ip' is not an IP address, CIDR or domain name");
	list_free(l);
}

/* GuardDuty's own FIRE_EYE sample (entity list), spaces and all. */
static void test_fire_eye_guardduty_sample(void **state)
{
	static const char in[] =
		"reportId, title, threatScape, audience, intelligenceType, publishDate, reportLink, webLink, emailIdentifier, senderAddress, senderName, sourceDomain, sourceIp, subject, recipient, emailLanguage, fileName, fileSize, fuzzyHash, fileIdentifier, md5, sha1, sha256, description, fileType, packer, userAgent, registry, fileCompilationDateTime, filePath, asn, cidr, domain, domainTimeOfLookup, networkIdentifier, ip, port, protocol, registrantEmail, registrantName, networkType, url, malwareFamily, malwareFamilyId, actor, actorId, observationTime\n"
		"\n"
		"01-00000001, Example, Test, Operational, threat, 1494944400, https://www.example.com/report/01-00000001, https://www.example.com/report/01-00000001, , , , , , , , , , , , , , , , , , , , , , , , 192.0.2.0/24, , , Related, , , , , , network, , Ursnif, 21a14673-0d94-46d3-89ab-8281a0466099, , , 1494944400\n"
		"\n"
		"01-00000002, Example, Test, Operational, threat, 1494944400, https://www.example.com/report/01-00000002, https://www.example.com/report/01-00000002, , , , , , , , , , , , , , , , , , , , , , , , , , , Related, 198.51.100.1, , , , , network, , Ursnif, 12ab7bc4-62ed-49fa-99e3-14b92afc41bf, , ,1494944400\n"
		"\n"
		" 01-00000002, Malicious domain observed in test, Test, Operational, threat, 1494944400, https://www.example.com/report/01-00000002,https://www.example.com/report/01-00000002,,,,,,,,,,,,,,,,,,,,,,,, 203.0.113.0/24, example.com,, Related, 203.0.113.0, 8080, UDP,,, network,, Ursnif, fc13984c-c767-40c9-8329-f4c59557f73b,,, 1494944400\n";
	struct list *l = parse_ok(LIST_FMT_FIRE_EYE, in, NULL);

	(void)state;
	assert_string_equal(tl_dump(l, dump, sizeof(dump)),
			    "192.0.2.0/24 198.51.100.1 203.0.113.0/24 203.0.113.0");
	assert_int_equal(l->st.lines, 3);
	assert_int_equal(l->ent[3].line, 7);
	list_free(l);
}

static void test_fire_eye_no_columns(void **state)
{
	struct list *l;

	(void)state;
	assert_int_equal(tl_parse(LIST_FMT_FIRE_EYE, "f.csv",
				  "# iSIGHT export\nreportId,title,sourceIp,domain\n1,x,203.0.113.7,\n",
				  NULL, &l, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "f.csv:2: no 'ip' or 'cidr' column in the header (is this a FireEye iSIGHT CSV?)");
	assert_int_equal(tl_parse(LIST_FMT_FIRE_EYE, "f.csv", "ip,cidr\n", NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_string_equal(err, "f.csv: no entries");
}

static void test_broken_quotes(void **state)
{
	struct list *l;

	(void)state;
	l = parse_ok(LIST_FMT_PROOF_POINT,
		     "203.0.113.7,1\n\"203.0.113.8\"x,1\n203.0.113.9,1\n\"203.0.113.10,1\n203.0.113.11,1\n",
		     &lenient);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), "203.0.113.7 203.0.113.9");
	assert_int_equal(l->st.bad, 2);
	assert_int_equal(l->st.lines, 4);
	assert_string_equal(l->msgs[0], "t.csv:2: text after a closing quote");
	assert_string_equal(l->msgs[1], "t.csv:4: unterminated quoted field");
	list_free(l);
}

static void test_threshold(void **state)
{
	struct list *l;

	(void)state;
	/* A txt list handed over as CSV: every row is bad. */
	assert_int_equal(tl_parse(LIST_FMT_OTX_CSV, "x.csv", "203.0.113.7\n198.51.100.1\n",
				  NULL, &l, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "x.csv: 2 of 2 lines are not addresses (first: line 1: 1 fields, expected at least 2)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_otx),
		cmocka_unit_test(test_otx_layouts),
		cmocka_unit_test(test_proof_point),
		cmocka_unit_test(test_fire_eye),
		cmocka_unit_test(test_fire_eye_guardduty_sample),
		cmocka_unit_test(test_fire_eye_no_columns),
		cmocka_unit_test(test_broken_quotes),
		cmocka_unit_test(test_threshold),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
