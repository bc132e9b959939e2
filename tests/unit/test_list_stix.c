/* SPDX-License-Identifier: MIT */
/* STIX 1.x lists through expat. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "list_util.h"
#include "xml_hostile.h"

static char err[ERRLEN];
static char dump[4096];

#define NS "xmlns:stix=\"http://stix.mitre.org/stix-1\" " \
	"xmlns:cybox=\"http://cybox.mitre.org/cybox-2\" " \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" " \
	"xmlns:AddressObject=\"http://cybox.mitre.org/objects#AddressObject-2\""

/* One observable per value, in the shape of GuardDuty's sample. */
#define OBS(cat, attrs, val) \
	"<cybox:Observable><cybox:Object>" \
	"<cybox:Properties xsi:type=\"AddressObject:AddressObjectType\" category=\"" cat "\">" \
	"<AddressObject:Address_Value" attrs ">" val "</AddressObject:Address_Value>" \
	"</cybox:Properties></cybox:Object></cybox:Observable>\n"

#define DOC(body) "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<stix:STIX_Package " NS " version=\"1.2\">\n<stix:Observables>\n" body \
	"</stix:Observables>\n</stix:STIX_Package>\n"

static struct list *parse_ok(const char *text, const struct list_limits *lim)
{
	struct list *l = NULL;
	int rc = tl_parse(LIST_FMT_STIX, "t.xml", text, lim, &l, err, sizeof(err));

	if (rc)
		fail_msg("parse failed: %s", err);
	return l;
}

static void test_sample(void **state)
{
	struct list_spec spec = { .fmt = LIST_FMT_STIX };
	struct list *l;

	(void)state;
	strcpy(spec.location, "tests/data/lists/threat.stix.xml");
	assert_int_equal(list_load_file(&spec, NULL, &l, err, sizeof(err)), 0);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), TL_SAMPLE);
	assert_int_equal(l->st.ranges, 1);
	assert_int_equal(l->st.domains, 1);
	assert_int_equal(l->st.bad, 0);
	assert_string_equal(l->name, "threat.stix.xml");
	list_free(l);
}

static void test_ranges(void **state)
{
	struct list *l;

	(void)state;
	l = parse_ok(DOC(OBS("ipv4-addr", " condition=\"InclusiveBetween\"",
			     "192.0.2.1##comma##192.0.2.10")), NULL);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)),
			    "192.0.2.1 192.0.2.2/31 192.0.2.4/30 192.0.2.8/31 192.0.2.10");
	assert_int_equal(l->n, 5);
	assert_int_equal(l->st.ranges, 1);
	assert_int_equal(l->st.lines, 1);
	assert_int_equal(l->ent[4].line, 4);
	list_free(l);

	l = parse_ok(DOC(OBS("ipv6-addr", " condition=\"InclusiveBetween\"",
			     " 2001:db8::##comma##2001:db8::ffff ")
			 OBS("ipv4-addr", " condition=\"InclusiveBetween\"",
			     "192.0.2.200##comma##192.0.2.207")), NULL);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), "2001:db8::/112 192.0.2.200/29");
	assert_int_equal(l->st.ranges, 2);
	list_free(l);
}

static void test_lists_and_categories(void **state)
{
	struct list *l;

	(void)state;
	l = parse_ok(DOC(OBS("ipv4-addr", " condition=\"Equals\" apply_condition=\"ANY\"",
			     "203.0.113.1##comma##203.0.113.2##comma##\n  198.51.100.0/24 ")
			 OBS("cidr", "", "198.51.100.201/29")
			 OBS("ipv6-net", "", "2001:db8:c0::/48")
			 OBS("ipv4-addr", " delimiter=\"|\"", "203.0.113.3|203.0.113.4")
			 OBS("e-mail", "", "bad@example.com")
			 OBS("ipv4-addr", "", "evil.example.com")
			 "<cybox:Observable><cybox:Object>"
			 "<cybox:Properties xsi:type=\"URIObj:URIObjectType\" "
			 "xmlns:URIObj=\"http://cybox.mitre.org/objects#URIObject-2\">"
			 "<URIObj:Value>http://evil.example.com/x</URIObj:Value>"
			 "</cybox:Properties></cybox:Object></cybox:Observable>\n"), NULL);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)),
			    "203.0.113.1 203.0.113.2 198.51.100.0/24 198.51.100.200/29 "
			    "2001:db8:c0::/48 203.0.113.3 203.0.113.4");
	assert_int_equal(l->st.lines, 10);
	assert_int_equal(l->st.masked, 1);
	assert_int_equal(l->st.domains, 1);
	assert_int_equal(l->st.skipped, 2);
	assert_int_equal(l->st.bad, 0);
	assert_string_equal(l->msgs[0], "t.xml:6: '198.51.100.201/29' has host bits set; using 198.51.100.200/29");
	list_free(l);
}

/* Whatever the producer calls its prefixes, or if it uses none. */
static void test_namespaces(void **state)
{
	struct list *l;

	(void)state;
	l = parse_ok("<?xml version=\"1.0\"?>\n"
		     "<Package xmlns=\"http://stix.mitre.org/stix-1\" "
		     "xmlns:c=\"http://cybox.mitre.org/cybox-2\" "
		     "xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" "
		     "xmlns:a=\"http://cybox.mitre.org/objects#AddressObject-2\" "
		     "xmlns:s=\"http://cybox.mitre.org/objects#SocketAddressObject-1\" "
		     "xmlns:d=\"http://cybox.mitre.org/objects#DomainNameObject-1\">\n"
		     "<c:Properties i:type=\"a:AddressObjectType\" category=\"ipv4-addr\">"
		     "<a:Address_Value>203.0.113.7</a:Address_Value></c:Properties>\n"
		     "<c:Properties i:type=\"s:SocketAddressObjectType\"><s:IP_Address category=\"ipv6-addr\">"
		     "<a:Address_Value condition=\"Equals\">2001:db8:bad::1</a:Address_Value>"
		     "</s:IP_Address></c:Properties>\n"
		     "<c:Properties i:type=\"d:DomainNameObjectType\">"
		     "<d:Value>malware.example.com</d:Value></c:Properties>\n"
		     "</Package>\n", NULL);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), "203.0.113.7 2001:db8:bad::1");
	assert_int_equal(l->ent[1].line, 4);
	assert_int_equal(l->st.domains, 1);
	list_free(l);

	l = parse_ok("<STIX_Package><Properties category=\"ipv4-addr\">"
		     "<Address_Value>198.51.100.0/25</Address_Value></Properties></STIX_Package>",
		     NULL);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), "198.51.100.0/25");
	list_free(l);
}

static void test_bad_values(void **state)
{
	struct list_limits lim;
	struct list *l;

	(void)state;
	list_limits_default(&lim);
	lim.max_bad_pct = 100;
	l = parse_ok(DOC(OBS("ipv4-addr", "", "203.0.113.7")
			 OBS("ipv4-addr", " condition=\"InclusiveBetween\"", "192.0.2.1")
			 OBS("ipv4-addr", " condition=\"InclusiveBetween\"",
			     "192.0.2.9##comma##192.0.2.1")
			 OBS("ipv4-addr", " condition=\"InclusiveBetween\"",
			     "192.0.2.1##comma##2001:db8::1")
			 OBS("ipv4-addr", " condition=\"InclusiveBetween\"",
			     "192.0.2.0/24##comma##192.0.2.255")
			 OBS("ipv4-addr", " condition=\"StartsWith\"", "192.0.2.")
			 OBS("ipv4-addr", "", "")
			 OBS("ipv4-addr", "", "not an address")), &lim);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->st.bad, 7);
	assert_int_equal(l->st.lines, 8);
	assert_int_equal(l->n_msgs, LIST_MSGS);
	assert_string_equal(l->msgs[0], "t.xml:5: InclusiveBetween needs two addresses, found 1");
	assert_string_equal(l->msgs[1], "t.xml:6: range starts after it ends");
	assert_string_equal(l->msgs[2], "t.xml:7: range mixes IPv4 and IPv6");
	assert_string_equal(l->msgs[3], "t.xml:8: range bound '192.0.2.0/24' is not an IP address");
	assert_string_equal(l->msgs[4], "t.xml:9: condition 'StartsWith' is not supported ('192.0.2.')");
	list_free(l);
}

/* Found by fuzz_list_stix: an empty element has no text buffer at all. */
static void test_empty_elements(void **state)
{
	struct list_limits lim;
	struct list *l;

	(void)state;
	list_limits_default(&lim);
	lim.max_bad_pct = 100;
	l = parse_ok("<a category=\"ipv4-addr\">\n"
		     "<Address_Value condition=\"InclusiveBetween\"/>\n"
		     "<Address_Value/>\n<Address_Value> ##comma## </Address_Value>\n"
		     "<Address_Value>203.0.113.7</Address_Value></a>", &lim);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->st.bad, 3);
	assert_string_equal(l->msgs[0], "t.xml:2: InclusiveBetween needs two addresses, found 0");
	assert_string_equal(l->msgs[1], "t.xml:3: empty Address_Value");
	assert_string_equal(l->msgs[2], "t.xml:4: empty Address_Value");
	list_free(l);
}

static void test_floor_and_mask(void **state)
{
	struct list *l;

	(void)state;
	assert_int_equal(tl_parse(LIST_FMT_STIX, "wide.xml",
				  DOC(OBS("ipv4-addr", "", "203.0.113.7")
				      OBS("ipv4-addr", " condition=\"InclusiveBetween\"",
					  "0.0.0.0##comma##255.255.255.255")),
				  NULL, &l, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "wide.xml:5: 0.0.0.0/0 is broader than the /8 floor");
	l = parse_ok(DOC(OBS("cidr", "", "198.51.100.77/25")), NULL);
	assert_int_equal(l->st.masked, 1);
	assert_string_equal(l->msgs[0], "t.xml:4: '198.51.100.77/25' has host bits set; using 198.51.100.0/25");
	list_free(l);
}

static void test_malformed(void **state)
{
	struct list *l;

	(void)state;
	assert_int_equal(tl_parse(LIST_FMT_STIX, "m.xml",
				  "<?xml version=\"1.0\"?>\n<a>\n<b></a>\n", NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_string_equal(err, "m.xml:3: XML error: mismatched tag (column 6)");
	assert_null(l);
	assert_int_equal(tl_parse(LIST_FMT_STIX, "m.xml", "", NULL, &l, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "m.xml:1: XML error: no element found (column 1)");
	assert_int_equal(tl_parse(LIST_FMT_STIX, "m.xml", "203.0.113.7\n", NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "m.xml:1: XML error: syntax error"));
	assert_int_equal(tl_parse(LIST_FMT_STIX, "h.xml", "<html><p>hi</p></html>", NULL, &l,
				  err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "h.xml: no entries (no CybOX Address_Value in this STIX document)");
	assert_int_equal(tl_parse(LIST_FMT_STIX, "u.xml",
				  "<a><Address_Value>1.2.3.4</Address_Value>&nope;</a>", NULL, &l,
				  err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "undefined entity"));
}

static void test_hostile(void **state)
{
	char deep[2048];
	size_t o = 0;
	struct list *l;

	(void)state;
	assert_int_equal(tl_parse(LIST_FMT_STIX, "lol.xml",
				  "<?xml version=\"1.0\"?>\n"
				  "<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
				  " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n"
				  "<lolz>&lol2;</lolz>\n", NULL, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "lol.xml:2: DOCTYPE is not allowed"));
	assert_int_equal(tl_parse(LIST_FMT_STIX, "xxe.xml",
				  "<?xml version=\"1.0\"?>\n"
				  "<!DOCTYPE a SYSTEM \"file:///etc/passwd\">\n"
				  "<a><Address_Value>203.0.113.7</Address_Value></a>\n", NULL, &l,
				  err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "DOCTYPE is not allowed"));
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "<e>");
	assert_int_equal(tl_parse(LIST_FMT_STIX, "deep.xml", deep, NULL, &l, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "deep.xml:1: XML nested deeper than 64 elements");
}

/* The expat hardening (common/xmlsafe.c) holds for STIX lists. */
static void test_hostile_shared(void **state)
{
	char *deep = xml_deep(100000);
	struct list *l = NULL;

	(void)state;
	assert_int_equal(tl_parse(LIST_FMT_STIX, "lol.xml", XML_BILLION_LAUGHS, NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_string_equal(err, "lol.xml:2: DOCTYPE is not allowed (a DTD: entity "
			    "expansion risk)");
	assert_null(l);
	assert_int_equal(tl_parse(LIST_FMT_STIX, "pe.xml", XML_PARAM_ENTITIES, NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_int_equal(tl_parse(LIST_FMT_STIX, "xxe.xml", XML_EXTERNAL_ENTITY, NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "xxe.xml:1: DOCTYPE is not allowed"));
	assert_int_equal(tl_parse(LIST_FMT_STIX, "deep.xml", deep, NULL, &l, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "deep.xml:1: XML nested deeper than 64 elements");
	free(deep);
}

/* expat reads UTF-16 itself, so a STIX file saved that way still works. */
static void test_utf16(void **state)
{
	static const char doc[] = "<a category=\"ipv4-addr\">\n"
				  "<Address_Value>203.0.113.7</Address_Value></a>\n";
	char w[2 * sizeof(doc) + 2];
	struct list *l;
	size_t n = 0;

	(void)state;
	w[n++] = (char)0xff;
	w[n++] = (char)0xfe;
	for (size_t i = 0; i < sizeof(doc) - 1; i++) {
		w[n++] = doc[i];
		w[n++] = 0;
	}
	assert_int_equal(list_parse("w.xml", LIST_FMT_STIX, LIST_THREAT, w, n, NULL, &l, err,
				    sizeof(err)), 0);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), "203.0.113.7");
	assert_int_equal(l->ent[0].line, 2);
	list_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_lists_and_categories),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_empty_elements),
		cmocka_unit_test(test_floor_and_mask),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_hostile_shared),
		cmocka_unit_test(test_utf16),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
