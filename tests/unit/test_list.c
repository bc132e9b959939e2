/* SPDX-License-Identifier: MIT */
/* The list driver, specs, limits, file loading and the line formats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "list.h"
#include "list_impl.h" /* lst_parse_v4() */
#include "list_util.h"
#include "lists_load.h"

static char err[ERRLEN];
static char dump[4096];

static void test_format_names(void **state)
{
	enum list_format f;

	(void)state;
	assert_string_equal(list_format_name(LIST_FMT_OTX_CSV), "otx_csv");
	assert_string_equal(list_format_name(LIST_FMT_FIRE_EYE), "fire_eye");
	assert_true(list_format_from_name("PROOF_POINT", 11, &f));
	assert_int_equal(f, LIST_FMT_PROOF_POINT);
	assert_true(list_format_from_name("Alien_Vault:x", 11, &f));
	assert_int_equal(f, LIST_FMT_ALIEN_VAULT);
	assert_false(list_format_from_name("stixx", 5, &f));
	assert_false(list_format_from_name("st", 2, &f));
	assert_false(list_format_from_name("", 0, &f));
}

static void test_spec_parse(void **state)
{
	struct list_spec s;
	char big[1100];

	(void)state;
	assert_int_equal(list_spec_parse("threat.txt", LIST_THREAT, &s, err, sizeof(err)), 0);
	assert_int_equal(s.fmt, LIST_FMT_TXT);
	assert_int_equal(s.kind, LIST_THREAT);
	assert_string_equal(s.location, "threat.txt");
	assert_int_equal(list_spec_parse("STIX:/x/y.xml", LIST_TRUSTED, &s, err, sizeof(err)), 0);
	assert_int_equal(s.fmt, LIST_FMT_STIX);
	assert_int_equal(s.kind, LIST_TRUSTED);
	assert_string_equal(s.location, "/x/y.xml");
	assert_int_equal(list_spec_parse("stix:s3://b/k", LIST_THREAT, &s, err, sizeof(err)), 0);
	assert_int_equal(s.fmt, LIST_FMT_STIX);
	assert_string_equal(s.location, "s3://b/k");
	assert_int_equal(list_spec_parse("s3://b/k", LIST_THREAT, &s, err, sizeof(err)), 0);
	assert_int_equal(s.fmt, LIST_FMT_TXT);
	assert_string_equal(s.location, "s3://b/k");
	assert_int_equal(list_spec_parse("https://s3.amazonaws.com/b/l.txt?v=1", LIST_THREAT,
					 &s, err, sizeof(err)), 0);
	assert_int_equal(s.fmt, LIST_FMT_TXT);
	assert_string_equal(s.location, "https://s3.amazonaws.com/b/l.txt?v=1");
	assert_int_equal(list_spec_parse("Fire_Eye:https://h/x.csv", LIST_THREAT, &s, err,
					 sizeof(err)), 0);
	assert_int_equal(s.fmt, LIST_FMT_FIRE_EYE);
	assert_string_equal(s.location, "https://h/x.csv");
	assert_int_equal(list_spec_parse("otx_csv:./a:b.csv", LIST_THREAT, &s, err, sizeof(err)), 0);
	assert_int_equal(s.fmt, LIST_FMT_OTX_CSV);
	assert_string_equal(s.location, "./a:b.csv");
	assert_int_equal(list_spec_parse("./a:b", LIST_THREAT, &s, err, sizeof(err)), 0);
	assert_int_equal(s.fmt, LIST_FMT_TXT);
	assert_string_equal(s.location, "./a:b");
	assert_int_equal(list_spec_parse("lists/x:y.txt", LIST_THREAT, &s, err, sizeof(err)), 0);
	assert_string_equal(s.location, "lists/x:y.txt");
	assert_int_equal(list_spec_parse("/abs/x:y", LIST_THREAT, &s, err, sizeof(err)), 0);
	assert_string_equal(s.location, "/abs/x:y");

	assert_int_equal(list_spec_parse("foo:/x", LIST_THREAT, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown list format 'foo'"));
	assert_non_null(strstr(err, "txt, stix, otx_csv, alien_vault, proof_point, fire_eye"));
	assert_int_equal(list_spec_parse("", LIST_THREAT, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty list location"));
	assert_int_equal(list_spec_parse("stix:", LIST_THREAT, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty list location"));
	assert_int_equal(list_spec_parse("txt:a\nb", LIST_THREAT, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "control character"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(list_spec_parse(big, LIST_THREAT, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 1023 bytes"));
	big[1024] = '\0';
	assert_int_equal(list_spec_parse(big, LIST_THREAT, &s, err, sizeof(err)), -EINVAL);
	big[1023] = '\0';
	assert_int_equal(list_spec_parse(big, LIST_THREAT, &s, err, sizeof(err)), 0);
	assert_int_equal(strlen(s.location), 1023);
}

/* The IPv4 fast path accepts exactly what prefix_parse_n() accepts. */
static void test_v4_fast_path(void **state)
{
	static const char alpha[] = "0123456789../";
	static const char *const fixed[] = {
		"0.0.0.0", "255.255.255.255", "256.0.0.1", "01.2.3.4", "1.2.3.04",
		"1.2.3.4/0", "1.2.3.4/00", "1.2.3.4/08", "1.2.3.4/32", "1.2.3.4/33",
		"1.2.3.4/", "1.2.3", "1.2.3.4.", "1.2.3.4/8/", "1000.1.1.1", "1..2.3",
		"10.0.0.1/7", "0.0.0.0/0",
	};
	unsigned seed = 12345;
	char s[24];

	(void)state;
	for (size_t k = 0; k < 400000 + ARRAY_SIZE(fixed); k++) {
		struct cd_prefix a, b;
		bool am = false, bm = false, fast, slow;
		size_t n;

		if (k < ARRAY_SIZE(fixed)) {
			n = strlen(fixed[k]);
			memcpy(s, fixed[k], n);
		} else {
			n = 7 + (seed = seed * 1103515245 + 12345) % 12;
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245 + 12345;
				s[i] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
			}
		}
		s[n] = '\0';
		fast = lst_parse_v4(s, n, &a, &am);
		slow = !prefix_parse_n(s, n, &b, &bm);
		if (fast && (!slow || am != bm || !addr_eq(&a.a, &b.a) || a.len != b.len))
			fail_msg("fast path disagrees on '%s'", s);
		if (!fast && slow && b.a.af == AF_INET)
			fail_msg("fast path refused '%s'", s);
	}
}

/* One case for test_v6_fast_path(): fast true implies addr.c agrees. */
static bool v6_case(const char *s, size_t n)
{
	struct cd_prefix a, b;
	bool am = false, bm = false, fast, slow;

	fast = lst_parse_v6(s, n, &a, &am);
	slow = !prefix_parse_n(s, n, &b, &bm);
	if (fast && (!slow || am != bm || !addr_eq(&a.a, &b.a) || a.len != b.len))
		fail_msg("IPv6 fast path disagrees on '%.*s'", (int)n, s);
	return fast;
}

/*
 * The IPv6 fast path against inet_pton() through prefix_parse_n(): never
 * accepts what that refuses nor disagrees on a value, and takes every
 * pure-hex address (no dotted tail) that it accepts.
 */
static void test_v6_fast_path(void **state)
{
	static const char alpha[] = "0123456789abcdefABCDEF::::://.g 1";
	static const char *const fixed[] = {
		"::", "::1", "1::", "::/0", "::/128", "::/129", "1::/64", "1:/64",
		"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1::2::3", ":::", ":1::", "1:::2",
		"12345::", "abcd:ef01:2345:6789:ABCD:EF01:2345:6789", "::ffff:1.2.3.4",
		"2001:db8::/32", "2001:db8::1/32", "2001:db8::/032", "2001:db8::/", "2001:db8::/1a",
		"2001:db8::/0", "2001:db8::/00", "2001:db8::/1280", "2001:db8:", ":2001:db8::",
		"0:0:0:0:0:0:0:0", "0000:0000:0000:0000:0000:0000:0000:0000/128", "g::", "1::g",
		"::1/64/", "1:2:3:4:5:6:7:8/127", "fe80::1%eth0", "0f::Ff:/8",
	};
	unsigned seed = 4242;
	char s[64];
	size_t hits = 0;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(fixed); k++)
		v6_case(fixed[k], strlen(fixed[k]));
	assert_true(v6_case("2001:db8::/32", 13));
	assert_true(v6_case("::", 2));
	assert_false(v6_case("::ffff:1.2.3.4", 14));
	/* Random strings over the address alphabet: hostile shapes. */
	for (size_t k = 0; k < 400000; k++) {
		size_t n = 2 + (seed = seed * 1103515245 + 12345) % 46;

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			s[i] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		s[n] = '\0';
		hits += v6_case(s, n);
	}
	/* Random valid addresses, printed by inet_ntop() with random edits. */
	for (size_t k = 0; k < 200000; k++) {
		struct cd_prefix q, r;
		uint8_t bin[16];
		char t[PREFIX_STRLEN];
		bool qm = false;
		size_t n;

		for (size_t i = 0; i < 16; i++) {
			seed = seed * 1103515245 + 12345;
			/* Runs of zero groups, so "::" appears in many places. */
			bin[i] = (seed >> 16) % 3 ? 0 : (uint8_t)(seed >> 20);
		}
		memset(&q, 0, sizeof(q));
		addr_set6(&q.a, bin);
		seed = seed * 1103515245 + 12345;
		q.len = (uint8_t)((seed >> 16) % 140);
		if (q.len > 128)
			q.len = 128;
		inet_ntop(AF_INET6, bin, t, sizeof(t));
		n = strlen(t);
		if (q.len < 128)
			n += (size_t)snprintf(t + n, sizeof(t) - n, "/%u", q.len);
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 4 == 0) { /* one edit: change, cut or upper-case */
			size_t at = (seed >> 18) % n;

			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 2)
				t[at] = alpha[(seed >> 17) % (sizeof(alpha) - 1)];
			else
				n = at;
		}
		if (!n)
			continue;
		if (!v6_case(t, n) && !prefix_parse_n(t, n, &r, &qm) &&
		    r.a.af == AF_INET6 && !memchr(t, '.', n))
			fail_msg("IPv6 fast path refused '%.*s'", (int)n, t);
	}
	assert_true(hits > 0);
}

/*
 * TXT's one-scan path for bare address lines against the general path: the
 * same random lines, once as they are and once each behind a space (which
 * the one-scan path never takes), give the same entries, counts and
 * messages, or the same error.
 */
static void test_txt_fast_vs_general(void **state)
{
	static const char *const good[] = {
		"192.0.2.1", "198.51.100.0/24", "203.0.113.9/16", "2001:db8::1",
		"2001:db8:1::/48", "2001:db8::1/32", "example.com", "#c", "1.2.3.4\t# c",
		"", "\r", "::ffff:192.0.2.1", "2001:DB8::a:B",
	};
	static const char *const bad[] = {
		"256.1.1.1", "01.2.3.4", "junk!", "1.2.3.4 x", "2001:db8::g", "1.2.3.4/33",
		"2001:db8:", "1.2.3.4/", "::1:",
	};
	size_t kept = 0;
	unsigned seed = 777;
	char *a = malloc(1 << 16), *b = malloc(1 << 17);
	char ea[ERRLEN], eb[ERRLEN];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	for (int round = 0; round < 300; round++) {
		size_t na = 0, nb = 0, lines = 1 + (seed = seed * 1103515245 + 12345) % 2000;
		struct list *la = NULL, *lb = NULL;
		int ra, rb;

		for (size_t i = 0; i < lines; i++) {
			const char *pc;
			size_t k;

			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 64)
				pc = good[(seed >> 8) % ARRAY_SIZE(good)];
			else
				pc = bad[(seed >> 8) % ARRAY_SIZE(bad)];
			k = strlen(pc);
			memcpy(a + na, pc, k);
			na += k;
			b[nb++] = ' ';
			memcpy(b + nb, pc, k);
			nb += k;
			if ((seed >> 24) % 5 == 0) {
				a[na++] = '\r';
				b[nb++] = '\r';
			}
			a[na++] = '\n';
			b[nb++] = '\n';
		}
		ra = list_parse("t.txt", LIST_FMT_TXT, LIST_THREAT, a, na, NULL, &la,
				ea, sizeof(ea));
		rb = list_parse("t.txt", LIST_FMT_TXT, LIST_THREAT, b, nb, NULL, &lb,
				eb, sizeof(eb));
		assert_int_equal(ra, rb);
		if (ra) {
			assert_string_equal(ea, eb);
			continue;
		}
		assert_int_equal(la->n, lb->n);
		for (size_t i = 0; i < la->n; i++) {
			assert_true(addr_eq(&la->ent[i].pfx.a, &lb->ent[i].pfx.a));
			assert_int_equal(la->ent[i].pfx.len, lb->ent[i].pfx.len);
			assert_int_equal(la->ent[i].line, lb->ent[i].line);
		}
		kept++;
		assert_memory_equal(&la->st, &lb->st, sizeof(la->st));
		assert_int_equal(la->n_msgs, lb->n_msgs);
		assert_memory_equal(la->msgs, lb->msgs, sizeof(la->msgs));
		list_free(la);
		list_free(lb);
	}
	/* Most rounds load (some hit the bad-line threshold or the floor). */
	assert_true(kept > 100);
	free(a);
	free(b);
}

static void check_name(const char *loc, const char *name)
{
	struct list *l;

	assert_int_equal(tl_parse(LIST_FMT_TXT, loc, "203.0.113.7\n", NULL, &l, err,
				  sizeof(err)), 0);
	assert_string_equal(l->location, loc);
	assert_string_equal(l->name, name);
	list_free(l);
}

static void test_names(void **state)
{
	(void)state;
	check_name("threat.txt", "threat.txt");
	check_name("/etc/cordon/threat.txt", "threat.txt");
	check_name("s3://my-bucket/dir/MyThreatIntelSet", "MyThreatIntelSet");
	check_name("s3://my-bucket/dir/", "dir");
	check_name("https://s3.amazonaws.com/b/list.txt?X-Amz-Date=1#frag", "list.txt");
	check_name("https://h/p/x.csv#a/b", "x.csv");
	check_name("s3://bucket", "bucket");
}

static void test_txt_tricky(void **state)
{
	static const char in[] =
		"\xef\xbb\xbf# sample\r\n"
		"\r\n"
		"  203.0.113.7  \r\n"
		"198.51.100.77/25\r\n"
		"\t2001:db8:bad::1\t# C2 over IPv6\r\n"
		"malware.example.com\r\n"
		"*.example.org\r\n"
		"2001:DB8:C0::/48\r\n"
		"   # indented comment\r\n"
		"192.0.2.200/29";
	struct list *l;

	(void)state;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "t.txt", in, NULL, &l, err, sizeof(err)), 0);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), TL_SAMPLE);
	assert_int_equal(l->n, 5);
	assert_int_equal(l->st.entries, 5);
	assert_int_equal(l->st.lines, 7);
	assert_int_equal(l->st.masked, 1);
	assert_int_equal(l->st.domains, 2);
	assert_int_equal(l->st.bad, 0);
	assert_int_equal(l->ent[0].line, 3);
	assert_int_equal(l->ent[1].line, 4);
	assert_int_equal(l->ent[4].line, 10);
	assert_int_equal(l->n_msgs, 1);
	assert_string_equal(l->msgs[0],
			    "t.txt:4: '198.51.100.77/25' has host bits set; using 198.51.100.0/25");
	assert_int_equal(l->fmt, LIST_FMT_TXT);
	assert_int_equal(l->kind, LIST_THREAT);
	list_free(l);
}

static void test_txt_bad_lines(void **state)
{
	char in[4096];
	size_t o = 0;
	struct list *l;

	(void)state;
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(in + o, sizeof(in) - o, "203.0.113.%d\n", i);
	o += (size_t)snprintf(in + o, sizeof(in) - o,
			      "hello\n10.0.0.256\n10.0.0.0/33\n203.0.113.9 junk\n");
	assert_int_equal(tl_parse(LIST_FMT_TXT, "t.txt", in, NULL, &l, err, sizeof(err)), 0);
	assert_int_equal(l->n, 40);
	assert_int_equal(l->st.bad, 4);
	assert_int_equal(l->st.lines, 44);
	assert_int_equal(l->n_msgs, 4);
	assert_string_equal(l->msgs[0],
			    "t.txt:41: 'hello' is not an IP address, CIDR or domain name");
	assert_string_equal(l->msgs[1],
			    "t.txt:42: '10.0.0.256' is not an IP address, CIDR or domain name");
	assert_string_equal(l->msgs[2], "t.txt:43: '10.0.0.0/33' is not a valid CIDR");
	assert_string_equal(l->msgs[3], "t.txt:44: unexpected text after the entry: 'junk'");
	list_free(l);

	/* Only the first LIST_MSGS problems are kept; all are counted. */
	o = 0;
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(in + o, sizeof(in) - o, "%s\n",
				      i % 10 == 5 ? "bad!" : "198.51.100.1");
	assert_int_equal(tl_parse(LIST_FMT_TXT, "t.txt", in, NULL, &l, err, sizeof(err)), 0);
	assert_int_equal(l->st.bad, 10);
	assert_int_equal(l->n_msgs, LIST_MSGS);
	assert_string_equal(l->msgs[LIST_MSGS - 1], "t.txt:46: 'bad!' is not an IP address, CIDR or domain name");
	list_free(l);

	/* A NUL inside a line must not hide junk from inet_pton(). */
	assert_int_equal(list_parse("n.txt", LIST_FMT_TXT, LIST_THREAT,
				    "203.0.113.7\0junk\n203.0.113.8\n", 29, NULL, &l, err,
				    sizeof(err)), -EINVAL);
	assert_string_equal(err, "n.txt: 1 of 2 lines are not addresses (first: line 1: '203.0.113.7?junk' is not an IP address, CIDR or domain name)");
}

/*
 * A list large enough that its entries grow on huge pages (copied over
 * at every doubling from 4 MiB): every entry kept, in order, with its
 * line, and the array given back to its size.
 */
static void test_large_list(void **state)
{
	enum { N = 300000 };
	char e2[ERRLEN], *in = malloc((size_t)N * 16), want[32];
	struct list *l = NULL;
	size_t o = 0;

	(void)state;
	assert_non_null(in);
	for (uint32_t i = 0; i < N; i++)
		o += (size_t)snprintf(in + o, (size_t)N * 16 - o, "10.%u.%u.%u\n", i >> 16,
				      (i >> 8) & 255, i & 255);
	assert_int_equal(list_parse("big.txt", LIST_FMT_TXT, LIST_THREAT, in, o, NULL, &l,
				    e2, sizeof(e2)), 0);
	assert_int_equal(l->n, N);
	for (uint32_t i = 0; i < N; i += 997) {
		char got[PREFIX_STRLEN];

		snprintf(want, sizeof(want), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		assert_string_equal(prefix_ntop(&l->ent[i].pfx, got, sizeof(got)), want);
		assert_int_equal(l->ent[i].line, i + 1);
	}
	assert_int_equal(l->ent[N - 1].line, N);
	list_free(l);
	free(in);
}

static void test_threshold(void **state)
{
	struct list_limits lim;
	struct list *l = (struct list *)1;

	(void)state;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "bad.txt",
				  "203.0.113.1\n203.0.113.2\nhello\n203.0.113.3\n203.0.113.4\n"
				  "203.0.113.5\n203.0.113.6\n203.0.113.7\nworld\n203.0.113.8\n",
				  NULL, &l, err, sizeof(err)), -EINVAL);
	assert_null(l);
	assert_string_equal(err, "bad.txt: 2 of 10 lines are not addresses (first: line 3: 'hello' is not an IP address, CIDR or domain name)");

	list_limits_default(&lim);
	lim.max_bad = 1;
	lim.max_bad_pct = 100;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "bad.txt", "x!\n203.0.113.1\ny!\n", &lim, &l,
				  err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "2 of 3 lines are not addresses (first: line 1: 'x!'"));
	lim.max_bad = 2;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "bad.txt", "x!\n203.0.113.1\ny!\n", &lim, &l,
				  err, sizeof(err)), 0);
	assert_int_equal(l->n, 1);
	list_free(l);

	/* A STIX file given as txt is all bad lines: rejected, not half-read. */
	assert_int_equal(list_load_file(&(struct list_spec){ .fmt = LIST_FMT_TXT,
		.location = "tests/data/lists/threat.stix.xml" }, NULL, &l, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "lines are not addresses"));
}

static void test_empty(void **state)
{
	struct list *l;

	(void)state;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "threat.txt", "", NULL, &l, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "threat.txt: no entries");
	assert_int_equal(tl_parse(LIST_FMT_TXT, "threat.txt", "# nothing\n\n  \r\n", NULL, &l,
				  err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "threat.txt: no entries");
	assert_int_equal(tl_parse(LIST_FMT_TXT, "d.txt", "example.com\n", NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "d.txt: no entries (1 domain names"));
	assert_int_equal(list_parse("n.txt", LIST_FMT_TXT, LIST_THREAT, NULL, 0, NULL, &l, err,
				    sizeof(err)), -EINVAL);
	assert_string_equal(err, "n.txt: no entries");
	assert_int_equal(tl_parse(LIST_FMT_TXT, "u.txt", "\xff\xfe" "1\0.\0", NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "UTF-16"));
}

static void test_floor(void **state)
{
	struct list_limits lim;
	struct list *l;

	(void)state;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "wide.txt",
				  "203.0.113.7\n10.0.0.0/8\n# x\n10.0.0.0/7\n", NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_string_equal(err, "wide.txt:4: 10.0.0.0/7 is broader than the /8 floor");
	assert_int_equal(tl_parse(LIST_FMT_TXT, "wide.txt", "2001:db8::/32\n2000::/3\n", NULL,
				  &l, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "wide.txt:2: 2000::/3 is broader than the /32 floor");
	assert_int_equal(tl_parse(LIST_FMT_TXT, "wide.txt", "0.0.0.0/0\n", NULL, &l, err,
				  sizeof(err)), -EINVAL);
	assert_string_equal(err, "wide.txt:1: 0.0.0.0/0 is broader than the /8 floor");
	list_limits_default(&lim);
	lim.floor_v4 = 16;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "wide.txt", "10.0.0.0/8\n", &lim, &l, err,
				  sizeof(err)), -EINVAL);
	assert_string_equal(err, "wide.txt:1: 10.0.0.0/8 is broader than the /16 floor");
	lim.floor_v4 = 0;
	lim.floor_v6 = 0;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "wide.txt", "0.0.0.0/0\n::/0\n", &lim, &l, err,
				  sizeof(err)), 0);
	assert_int_equal(l->n, 2);
	list_free(l);
}

static void test_caps(void **state)
{
	struct list_limits lim;
	struct list *l;

	(void)state;
	list_limits_default(&lim);
	assert_int_equal(lim.floor_v4, 8);
	assert_int_equal(lim.floor_v6, 32);
	assert_int_equal(lim.max_bytes, 256u << 20);
	assert_int_equal(lim.max_entries, 16u << 20);
	lim.max_entries = 3;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "big.txt",
				  "203.0.113.1\n203.0.113.2\n203.0.113.3\n203.0.113.4\n", &lim,
				  &l, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "big.txt:4: more than 3 entries (the entry cap)");
	lim.max_entries = 4;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "big.txt",
				  "203.0.113.1\n203.0.113.2\n203.0.113.3\n203.0.113.4\n", &lim,
				  &l, err, sizeof(err)), 0);
	list_free(l);
	lim.max_bytes = 20;
	assert_int_equal(tl_parse(LIST_FMT_TXT, "big.txt", "203.0.113.1\n203.0.113.2\n", &lim,
				  &l, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "big.txt: 24 bytes is over the 20-byte list size cap");
}

static void test_alien_vault(void **state)
{
	static const char in[] =
		"# AlienVault reputation\r\n"
		"203.0.113.7#4#2#Malicious Host#US##0.0,0.0#3\r\n"
		" 198.51.100.9/25#4#2#Scanning Host#IN#Gurgaon#28.46,77.03#3\r\n"
		"\r\n"
		"2001:db8:bad::1#4#2##CN#Guangzhou#23.11,113.25#3\r\n"
		"www.test.org#4#2#Malicious Host#CA#Brossard#45.46,-73.48#3\r\n"
		"2001:db8:c0::/48\r\n"
		"192.0.2.200/29#4#2#Malicious Host#US##0.0,0.0#3\r\n"
		"not an ip#4#2#x#US##0,0#3\r\n";
	struct list_limits lim;
	struct list *l;

	(void)state;
	list_limits_default(&lim);
	lim.max_bad_pct = 50;
	assert_int_equal(tl_parse(LIST_FMT_ALIEN_VAULT, "av.txt", in, &lim, &l, err,
				  sizeof(err)), 0);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), TL_SAMPLE);
	assert_int_equal(l->st.lines, 7);
	assert_int_equal(l->st.masked, 1);
	assert_int_equal(l->st.domains, 1);
	assert_int_equal(l->st.bad, 1);
	assert_true(tl_has_msg(l, "av.txt:3: '198.51.100.9/25' has host bits set"));
	assert_true(tl_has_msg(l, "av.txt:9: 'not an ip' is not an IP address"));
	assert_int_equal(l->ent[2].line, 5);
	list_free(l);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A fresh directory (dir: its mkdtemp template) holding name with text. */
static void file_in_tmpdir(char *dir, char *path, size_t n, const char *name,
			   const char *text)
{
	assert_non_null(mkdtemp(dir));
	snprintf(path, n, "%s/%s", dir, name);
	write_file(path, text);
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/cordon-list-test.XXXXXX", path[128], fifo[128];
	struct list_limits lim;
	struct list_spec spec = { .fmt = LIST_FMT_TXT, .kind = LIST_TRUSTED };
	struct list *l;
	pid_t pid;
	int status;

	(void)state;
	file_in_tmpdir(dir, path, sizeof(path), "trusted.txt", "203.0.113.50\n2001:db8:bad::50\n");
	snprintf(spec.location, sizeof(spec.location), "%s", path);
	assert_int_equal(list_load_file(&spec, NULL, &l, err, sizeof(err)), 0);
	assert_string_equal(tl_dump(l, dump, sizeof(dump)), "203.0.113.50 2001:db8:bad::50");
	assert_string_equal(l->name, "trusted.txt");
	assert_int_equal(l->kind, LIST_TRUSTED);
	list_free(l);

	list_limits_default(&lim);
	lim.max_bytes = 10;
	assert_int_equal(list_load_file(&spec, &lim, &l, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "trusted.txt: 30 bytes is over the 10-byte list size cap"));
	assert_null(l);

	snprintf(spec.location, sizeof(spec.location), "%s/missing.txt", dir);
	assert_int_equal(list_load_file(&spec, NULL, &l, err, sizeof(err)), -ENOENT);
	snprintf(path, sizeof(path), "%s/missing.txt: No such file or directory", dir);
	assert_string_equal(err, path);

	snprintf(spec.location, sizeof(spec.location), "%s", dir);
	assert_int_equal(list_load_file(&spec, NULL, &l, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "Is a directory"));

	snprintf(spec.location, sizeof(spec.location), "s3://bucket/key");
	assert_int_equal(list_load_file(&spec, NULL, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "s3://bucket/key: not a local file"));

	/* A pipe has no size: the cap applies to what is read. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	for (int big = 0; big < 2; big++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int fd = open(fifo, O_WRONLY);

			for (int i = 0; i < (big ? 20000 : 1); i++)
				if (write(fd, "203.0.113.7\n198.51.100.0/25\n", 28) != 28)
					break;
			_exit(0);
		}
		snprintf(spec.location, sizeof(spec.location), "%s", fifo);
		lim.max_bytes = 100000;
		if (!big) {
			assert_int_equal(list_load_file(&spec, &lim, &l, err, sizeof(err)), 0);
			assert_int_equal(l->n, 2);
			list_free(l);
		} else {
			assert_int_equal(list_load_file(&spec, &lim, &l, err, sizeof(err)), -EFBIG);
			assert_non_null(strstr(err, "more than 100000 bytes"));
		}
		waitpid(pid, &status, 0);
	}
	unlink(fifo);
	snprintf(path, sizeof(path), "%s/trusted.txt", dir);
	unlink(path);
	rmdir(dir);
}

/*
 * A list someone else can write is read, not mapped: truncated while it
 * is parsed it would otherwise kill the reader with SIGBUS. Owned by us
 * and writable only by us (or root's), it is mapped.
 */
static void test_read_file_not_mapped(void **state)
{
	char dir[] = "/tmp/cordon-list-test.XXXXXX", path[128], *buf;
	struct stat st;
	bool mapped;
	size_t len;

	(void)state;
	file_in_tmpdir(dir, path, sizeof(path), "threat.txt", "203.0.113.50\n");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(fileio_private(&st));
	assert_int_equal(lst_read_file(path, 1000, &buf, &len, &mapped, err, sizeof(err)), 0);
	assert_true(mapped);
	assert_int_equal(len, 13);
	munmap(buf, len);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(chmod(path, i ? 0646 : 0664), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_false(fileio_private(&st));
		assert_int_equal(lst_read_file(path, 1000, &buf, &len, &mapped, err,
					       sizeof(err)), 0);
		assert_false(mapped);
		assert_int_equal(len, 13);
		assert_memory_equal(buf, "203.0.113.50\n", 13);
		free(buf);
	}
	/* Another owner (not root): read, even when only it can write. */
	st.st_uid = geteuid() ? 0 : 65534;
	st.st_mode = S_IFREG | 0644;
	assert_true(fileio_private(&st) == (st.st_uid == 0));
	st.st_uid = geteuid() + 1;
	assert_false(fileio_private(&st));
	unlink(path);
	rmdir(dir);
}

static int fake_fetch(const struct list_spec *spec, size_t cap, char **buf, size_t *len,
		      char *e, size_t elen, void *arg)
{
	(void)cap;
	(void)arg;
	if (strstr(spec->location, "denied"))
		return util_err(e, elen, "%s: AccessDenied", spec->location);
	*buf = strdup("203.0.113.7\n");
	*len = strlen(*buf);
	return 0;
}

static void test_lists_load(void **state)
{
	struct list_spec specs[4];
	struct lists ls;
	char line[256];

	(void)state;
	assert_int_equal(list_spec_parse("tests/data/lists/threat.txt", LIST_THREAT, &specs[0],
					 err, sizeof(err)), 0);
	assert_int_equal(list_spec_parse("txt:/nonexistent/x.txt", LIST_THREAT, &specs[1], err,
					 sizeof(err)), 0);
	assert_int_equal(list_spec_parse("s3://b/MyThreatIntelSet", LIST_THREAT, &specs[2],
					 err, sizeof(err)), 0);
	assert_int_equal(list_spec_parse("s3://b/denied", LIST_THREAT, &specs[3], err,
					 sizeof(err)), 0);

	assert_int_equal(lists_load(&ls, specs, 3, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(ls.n, 3);
	assert_int_equal(ls.n_failed, 2);
	assert_non_null(ls.v[0].l);
	assert_int_equal(ls.v[0].rc, 0);
	assert_string_equal(ls.v[0].err, "");
	assert_null(ls.v[1].l);
	assert_string_equal(ls.v[1].err, "/nonexistent/x.txt: No such file or directory");
	assert_null(ls.v[2].l);
	assert_non_null(strstr(ls.v[2].err, "s3://b/MyThreatIntelSet: remote lists"));
	assert_int_equal(lists_entries(&ls), 5);
	lists_describe(ls.v[0].l, line, sizeof(line));
	assert_string_equal(line, "threat.txt: 5 entries (txt; 1 domain skipped)");
	lists_free(&ls);
	assert_null(ls.v);
	lists_free(&ls);

	assert_int_equal(lists_load(&ls, specs + 2, 2, NULL, fake_fetch, NULL), -EINVAL);
	assert_non_null(ls.v[0].l);
	assert_string_equal(ls.v[0].l->name, "MyThreatIntelSet");
	assert_string_equal(ls.v[1].err, "s3://b/denied: AccessDenied");
	lists_free(&ls);

	assert_int_equal(lists_load(&ls, specs, 0, NULL, NULL, NULL), 0);
	assert_int_equal(ls.n, 0);
	lists_free(&ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_large_list),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_v4_fast_path),
		cmocka_unit_test(test_v6_fast_path),
		cmocka_unit_test(test_txt_fast_vs_general),
		cmocka_unit_test(test_txt_tricky),
		cmocka_unit_test(test_txt_bad_lines),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_alien_vault),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_read_file_not_mapped),
		cmocka_unit_test(test_lists_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
