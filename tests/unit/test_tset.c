/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tset.h"
#include "tset_testlib.h"

static enum tset_verdict look(const struct tset *t, const char *s)
{
	struct cd_addr a;
	struct tset_match m;
	enum tset_verdict v;

	if (!addr_parse(s, &a))
		fail_msg("bad address %s", s);
	v = tset_lookup(t, &a);
	/* The slow path must always agree with the fast one. */
	assert_int_equal(tset_explain(t, &a, &m), v);
	assert_int_equal(m.verdict, v);
	if (a.af == AF_INET) {
		uint8_t bv;

		assert_int_equal(tset_lookup4(t, a.u.v4), v);
		tset_lookup4_batch(t, &a.u.v4, 1, &bv);
		assert_int_equal(bv, v);
	} else {
		assert_int_equal(tset_lookup6(t, a.u.b), v);
	}
	return v;
}

/* Explain s and check list name, entry and line. */
static void explain_is(const struct tset *t, const char *s,
		       enum tset_verdict v, const char *list, const char *entry,
		       uint32_t line)
{
	struct cd_addr a;
	struct tset_match m;
	char buf[PREFIX_STRLEN];

	assert_true(addr_parse(s, &a));
	assert_int_equal(tset_explain(t, &a, &m), v);
	if (v == TSET_CLEAN) {
		assert_null(m.list);
		return;
	}
	assert_non_null(m.list);
	assert_string_equal(m.list->name, list);
	assert_string_equal(prefix_ntop(&m.entry, buf, sizeof(buf)), entry);
	assert_int_equal(m.line, line);
}

static void test_empty(void **state)
{
	struct tset *t = build(NULL, 0);
	struct list *l = MK(LIST_THREAT, "none", "192.0.2.1");
	struct tset_stats st;

	(void)state;
	assert_int_equal(look(t, "192.0.2.1"), TSET_CLEAN);
	assert_int_equal(look(t, "2001:db8::1"), TSET_CLEAN);
	assert_int_equal(look(t, "0.0.0.0"), TSET_CLEAN);
	assert_int_equal(look(t, "255.255.255.255"), TSET_CLEAN);
	tset_get_stats(t, &st);
	assert_int_equal(st.hosts4 + st.hosts6 + st.prefixes4 + st.prefixes6, 0);
	tset_free(t);
	/* A list with no entries is an empty set too. */
	l->n = 0;
	t = build(&l, 1);
	assert_int_equal(look(t, "192.0.2.1"), TSET_CLEAN);
	tset_free(t);
	tset_free(NULL);
	free_list(l);
}

static void test_hosts(void **state)
{
	struct list *l = MK(LIST_THREAT, "bad.txt", "192.0.2.1", "2001:db8::1",
			    "0.0.0.0", "255.255.255.255", "::",
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	struct tset *t = build(&l, 1);
	struct tset_stats st;

	(void)state;
	assert_int_equal(look(t, "192.0.2.1"), TSET_THREAT);
	assert_int_equal(look(t, "192.0.2.2"), TSET_CLEAN);
	assert_int_equal(look(t, "192.0.2.0"), TSET_CLEAN);
	assert_int_equal(look(t, "2001:db8::1"), TSET_THREAT);
	assert_int_equal(look(t, "2001:db8::2"), TSET_CLEAN);
	assert_int_equal(look(t, "0.0.0.0"), TSET_THREAT);
	assert_int_equal(look(t, "0.0.0.1"), TSET_CLEAN);
	assert_int_equal(look(t, "255.255.255.255"), TSET_THREAT);
	assert_int_equal(look(t, "255.255.255.254"), TSET_CLEAN);
	assert_int_equal(look(t, "::"), TSET_THREAT);
	assert_int_equal(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
			 TSET_THREAT);
	assert_int_equal(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"),
			 TSET_CLEAN);
	explain_is(t, "2001:db8::1", TSET_THREAT, "bad.txt", "2001:db8::1", 20);
	explain_is(t, "255.255.255.255", TSET_THREAT, "bad.txt", "255.255.255.255", 40);
	tset_get_stats(t, &st);
	assert_int_equal(st.hosts4, 3);
	assert_int_equal(st.hosts6, 3);
	assert_int_equal(st.prefixes4 + st.prefixes6, 0);
	assert_true(st.bytes > 65536 * 4);
	tset_free(t);
	free_list(l);
}

static void test_families(void **state)
{
	struct list *l = MK(LIST_THREAT, "bad.txt", "192.0.2.1", "0.0.0.0/0",
			    "2001:db8:5::/48");
	struct list *l6 = MK(LIST_THREAT, "v6.txt", "::ffff:c000:201");
	struct tset *t = build(&l, 1), *t6 = build(&l6, 1);

	(void)state;
	/* An IPv6 address never matches an IPv4 entry, even a mapped one. */
	assert_int_equal(look(t, "::ffff:c000:201"), TSET_CLEAN);
	assert_int_equal(look(t, "::ffff:c000:202"), TSET_CLEAN);
	assert_int_equal(look(t, "2001:db8:5::1"), TSET_THREAT);
	assert_int_equal(look(t, "2001:db8:6::1"), TSET_CLEAN);
	assert_int_equal(look(t, "203.0.113.9"), TSET_THREAT);
	assert_int_equal(look(t6, "192.0.2.1"), TSET_CLEAN);
	assert_int_equal(look(t6, "::ffff:c000:201"), TSET_THREAT);
	tset_free(t);
	tset_free(t6);
	free_list(l);
	free_list(l6);
}

static void test_prefix_lengths(void **state)
{
	char s[PREFIX_STRLEN + 8];

	(void)state;
	/* Every length, alone in a set: inside, both edges, just outside. */
	for (unsigned len = 0; len <= 32; len++) {
		const char *p[1] = { s };
		struct list *l;
		struct tset *t;
		uint32_t base = 0xcb007100u & (len ? UINT32_MAX << (32 - len) : 0);
		uint32_t last = base | (len == 32 ? 0 : UINT32_MAX >> len);
		struct cd_addr a;

		snprintf(s, sizeof(s), "203.0.113.0/%u", len);
		l = mk_list(LIST_THREAT, "p.txt", p, 1);
		t = build(&l, 1);
		addr_set4(&a, htonl(base));
		assert_int_equal(tset_lookup(t, &a), TSET_THREAT);
		addr_set4(&a, htonl(last));
		assert_int_equal(tset_lookup(t, &a), TSET_THREAT);
		addr_set4(&a, htonl(0xcb007142u));
		assert_int_equal(tset_lookup(t, &a), len <= 25 ? TSET_THREAT : TSET_CLEAN);
		if (len) {
			addr_set4(&a, htonl(base - 1));
			assert_int_equal(tset_lookup(t, &a), TSET_CLEAN);
			addr_set4(&a, htonl(last + 1));
			assert_int_equal(tset_lookup(t, &a), TSET_CLEAN);
		}
		tset_free(t);
		free_list(l);
	}
	for (unsigned len = 0; len <= 128; len += (len < 30 ? 7 : 1)) {
		const char *p[1] = { s };
		struct list *l;
		struct tset *t;
		struct cd_prefix pf;
		struct cd_addr a;

		snprintf(s, sizeof(s), "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff/%u", len);
		l = mk_list(LIST_THREAT, "p6.txt", p, 1);
		t = build(&l, 1);
		pf = l->ent[0].pfx;
		a = pf.a;
		assert_int_equal(tset_lookup(t, &a), TSET_THREAT);
		prefix_last(&pf, &a);
		assert_int_equal(tset_lookup(t, &a), TSET_THREAT);
		if (len) {
			/* Flip the last bit of the prefix: just outside. */
			a = pf.a;
			a.u.b[(len - 1) / 8] ^= (uint8_t)(0x80 >> ((len - 1) % 8));
			assert_int_equal(tset_lookup(t, &a), TSET_CLEAN);
		}
		tset_free(t);
		free_list(l);
	}
}

static void test_longest(void **state)
{
	struct list *l[2] = {
		MK(LIST_THREAT, "a.txt", "198.51.0.0/16", "198.51.100.0/24",
		   "2001:db8::/32", "2001:db8:1::/48"),
		MK(LIST_THREAT, "b.txt", "198.51.100.128/25", "198.51.100.200",
		   "10.0.0.0/8", "2001:db8:1:2::/64", "2001:db8:1:2::9"),
	};
	struct tset *t = build(l, 2);

	(void)state;
	explain_is(t, "198.51.100.200", TSET_THREAT, "b.txt", "198.51.100.200", 20);
	explain_is(t, "198.51.100.201", TSET_THREAT, "b.txt", "198.51.100.128/25", 10);
	explain_is(t, "198.51.100.1", TSET_THREAT, "a.txt", "198.51.100.0/24", 20);
	explain_is(t, "198.51.7.1", TSET_THREAT, "a.txt", "198.51.0.0/16", 10);
	explain_is(t, "10.255.255.255", TSET_THREAT, "b.txt", "10.0.0.0/8", 30);
	explain_is(t, "11.0.0.0", TSET_CLEAN, NULL, NULL, 0);
	explain_is(t, "2001:db8:1:2::9", TSET_THREAT, "b.txt", "2001:db8:1:2::9", 50);
	explain_is(t, "2001:db8:1:2::8", TSET_THREAT, "b.txt", "2001:db8:1:2::/64", 40);
	explain_is(t, "2001:db8:1:3::8", TSET_THREAT, "a.txt", "2001:db8:1::/48", 40);
	explain_is(t, "2001:db8:2::", TSET_THREAT, "a.txt", "2001:db8::/32", 30);
	explain_is(t, "2001:db9::", TSET_CLEAN, NULL, NULL, 0);
	tset_free(t);
	free_list(l[0]);
	free_list(l[1]);
}

static void test_trusted_wins(void **state)
{
	struct list *l[3] = {
		MK(LIST_THREAT, "threat.txt", "192.0.2.77", "198.51.0.0/16",
		   "203.0.113.0/24", "2001:db8::/32", "2001:db8:7::7"),
		MK(LIST_TRUSTED, "trusted.txt", "192.0.2.0/24", "198.51.100.7",
		   "2001:db8:7::/48", "2001:db8:1::1"),
		MK(LIST_THREAT, "later.txt", "203.0.113.0/24", "203.0.113.5",
		   "192.0.2.0/24"),
	};
	struct tset *t = build(l, 3);

	(void)state;
	/* Trusted /24 around a threat /32: trusted, and explain says so. */
	explain_is(t, "192.0.2.77", TSET_TRUSTED, "trusted.txt", "192.0.2.0/24", 10);
	assert_int_equal(look(t, "192.0.2.78"), TSET_TRUSTED);
	/* Trusted /32 inside a threat /16: only that address. */
	explain_is(t, "198.51.100.7", TSET_TRUSTED, "trusted.txt", "198.51.100.7", 20);
	explain_is(t, "198.51.100.8", TSET_THREAT, "threat.txt", "198.51.0.0/16", 20);
	explain_is(t, "198.51.100.6", TSET_THREAT, "threat.txt", "198.51.0.0/16", 20);
	/* Same /24 in two threat lists: the first list given. */
	explain_is(t, "203.0.113.1", TSET_THREAT, "threat.txt", "203.0.113.0/24", 30);
	explain_is(t, "203.0.113.5", TSET_THREAT, "later.txt", "203.0.113.5", 20);
	/* IPv6 the same. */
	explain_is(t, "2001:db8:7::7", TSET_TRUSTED, "trusted.txt", "2001:db8:7::/48", 30);
	explain_is(t, "2001:db8:1::1", TSET_TRUSTED, "trusted.txt", "2001:db8:1::1", 40);
	explain_is(t, "2001:db8:1::2", TSET_THREAT, "threat.txt", "2001:db8::/32", 40);
	assert_int_equal(look(t, "2001:db8:8::7"), TSET_THREAT);
	tset_free(t);
	for (size_t i = 0; i < 3; i++)
		free_list(l[i]);
}

/* NAT64 (64:ff9b::/96): the IPv4 address inside is what is listed. */
static void test_nat64(void **state)
{
	struct list *l[2] = {
		MK(LIST_THREAT, "threat.txt", "203.0.113.0/24", "198.51.100.9",
		   "64:ff9b::c000:263"),
		MK(LIST_TRUSTED, "trusted.txt", "203.0.113.5"),
	};
	struct tset *t = build(l, 2);

	(void)state;
	explain_is(t, "64:ff9b::203.0.113.7", TSET_THREAT, "threat.txt", "203.0.113.0/24", 10);
	explain_is(t, "64:ff9b::198.51.100.9", TSET_THREAT, "threat.txt", "198.51.100.9", 20);
	assert_int_equal(look(t, "64:ff9b::198.51.100.10"), TSET_CLEAN);
	/* Trusted IPv4 wins over the threat /24, through NAT64 too. */
	explain_is(t, "64:ff9b::203.0.113.5", TSET_TRUSTED, "trusted.txt", "203.0.113.5", 10);
	/* An IPv6 entry in the prefix itself still counts. */
	assert_int_equal(look(t, "64:ff9b::192.0.2.99"), TSET_THREAT);
	/* Not the well-known prefix: no embedding. */
	assert_int_equal(look(t, "64:ff9c::203.0.113.7"), TSET_CLEAN);
	assert_int_equal(look(t, "2001:db8::cb00:7107"), TSET_CLEAN);
	tset_free(t);
	for (size_t i = 0; i < 2; i++)
		free_list(l[i]);
}

static void test_trusted_short(void **state)
{
	/* A trusted /0 (below any floor) makes everything of its family
	 * trusted; a trusted prefix shorter than /32 for IPv6 too. */
	struct list *l[2] = {
		MK(LIST_THREAT, "t.txt", "192.0.2.1", "10.0.0.0/8",
		   "2001:db8::1", "2001:db8::/32", "3000::/4"),
		MK(LIST_TRUSTED, "ok.txt", "0.0.0.0/0", "2000::/3"),
	};
	struct tset *t = build(l, 2);

	(void)state;
	explain_is(t, "192.0.2.1", TSET_TRUSTED, "ok.txt", "0.0.0.0/0", 10);
	assert_int_equal(look(t, "10.1.2.3"), TSET_TRUSTED);
	explain_is(t, "2001:db8::1", TSET_TRUSTED, "ok.txt", "2000::/3", 20);
	assert_int_equal(look(t, "3000::1"), TSET_TRUSTED);
	assert_int_equal(look(t, "4000::1"), TSET_CLEAN);
	tset_free(t);
	l[1]->kind = LIST_THREAT;
	t = build(l, 2);
	explain_is(t, "2001:db8::1", TSET_THREAT, "t.txt", "2001:db8::1", 30);
	explain_is(t, "3000::1", TSET_THREAT, "t.txt", "3000::/4", 50);
	explain_is(t, "2fff::1", TSET_THREAT, "ok.txt", "2000::/3", 20);
	explain_is(t, "4000::1", TSET_CLEAN, NULL, NULL, 0);
	explain_is(t, "8.8.8.8", TSET_THREAT, "ok.txt", "0.0.0.0/0", 10);
	tset_free(t);
	free_list(l[0]);
	free_list(l[1]);
}

static void test_trusted_deep6(void **state)
{
	/* A threat prefix shorter than /32 around trusted /40../128s. */
	struct list *l[2] = {
		MK(LIST_THREAT, "t.txt", "2001::/16", "2001:db8:7700::1"),
		MK(LIST_TRUSTED, "ok.txt", "2001:db8:9::/64", "2001:db8:8::1",
		   "2001:db8:7700::/40"),
	};
	struct tset *t = build(l, 2);

	(void)state;
	explain_is(t, "2001:db8:9::5", TSET_TRUSTED, "ok.txt", "2001:db8:9::/64", 10);
	explain_is(t, "2001:db8:8::1", TSET_TRUSTED, "ok.txt", "2001:db8:8::1", 20);
	explain_is(t, "2001:db8:77ff::1", TSET_TRUSTED, "ok.txt", "2001:db8:7700::/40", 30);
	explain_is(t, "2001:db8:7700::1", TSET_TRUSTED, "ok.txt", "2001:db8:7700::/40", 30);
	explain_is(t, "2001:db8:8::2", TSET_THREAT, "t.txt", "2001::/16", 10);
	explain_is(t, "2001:db8:9:1::", TSET_THREAT, "t.txt", "2001::/16", 10);
	explain_is(t, "2001:db9::", TSET_THREAT, "t.txt", "2001::/16", 10);
	explain_is(t, "2002::", TSET_CLEAN, NULL, NULL, 0);
	assert_int_equal(look(t, "2001:db8:9::5"), TSET_TRUSTED);
	assert_int_equal(look(t, "2001:db8:8::1"), TSET_TRUSTED);
	assert_int_equal(look(t, "2001:db8:7700::1"), TSET_TRUSTED);
	assert_int_equal(look(t, "2001:db8:8::2"), TSET_THREAT);
	tset_free(t);
	free_list(l[0]);
	free_list(l[1]);
}

static void test_duplicates(void **state)
{
	struct list *l[3] = {
		MK(LIST_THREAT, "one.txt", "192.0.2.9", "192.0.2.9",
		   "198.51.100.0/24"),
		MK(LIST_THREAT, "two.txt", "192.0.2.9", "198.51.100.0/24"),
		MK(LIST_TRUSTED, "ok.txt", "203.0.113.1", "203.0.113.1"),
	};
	struct list *l2[2] = { l[1], l[0] };
	struct tset *t = build(l, 3);
	struct tset_stats st;

	(void)state;
	explain_is(t, "192.0.2.9", TSET_THREAT, "one.txt", "192.0.2.9", 10);
	explain_is(t, "198.51.100.3", TSET_THREAT, "one.txt", "198.51.100.0/24", 30);
	explain_is(t, "203.0.113.1", TSET_TRUSTED, "ok.txt", "203.0.113.1", 10);
	tset_get_stats(t, &st);
	assert_int_equal(st.hosts4, 2);
	assert_int_equal(st.prefixes4, 1);
	tset_free(t);
	t = build(l2, 2);
	explain_is(t, "192.0.2.9", TSET_THREAT, "two.txt", "192.0.2.9", 10);
	explain_is(t, "198.51.100.3", TSET_THREAT, "two.txt", "198.51.100.0/24", 20);
	tset_free(t);
	for (size_t i = 0; i < 3; i++)
		free_list(l[i]);
}

static void test_bad_entry(void **state)
{
	struct list *l = MK(LIST_THREAT, "bad.txt", "192.0.2.1", "192.0.2.2");
	char err[ERRLEN] = "";

	(void)state;
	l->ent[1].pfx.len = 33;
	assert_null(tset_build(&l, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "bad.txt:20"));
	free_list(l);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_prefix_lengths),
		cmocka_unit_test(test_longest),
		cmocka_unit_test(test_trusted_wins),
		cmocka_unit_test(test_nat64),
		cmocka_unit_test(test_trusted_short),
		cmocka_unit_test(test_trusted_deep6),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bad_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
