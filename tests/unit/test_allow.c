/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"

static void roundtrip(const char *in, const char *want, uint16_t port, uint8_t proto)
{
	struct allow_entry a, b;
	char err[ERRLEN], buf[ALLOW_STRLEN];

	assert_int_equal(allow_parse(in, &a, err, sizeof(err)), 0);
	assert_int_equal(a.port, port);
	assert_int_equal(a.proto, proto);
	assert_string_equal(allow_format(&a, buf, sizeof(buf)), want);
	/* The canonical form reads back to the same entry. */
	assert_int_equal(allow_parse(buf, &b, err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void test_ok(void **state)
{
	(void)state;
	roundtrip("192.0.2.7", "192.0.2.7", 0, 0);
	roundtrip("198.51.100.9/24", "198.51.100.0/24", 0, 0);
	roundtrip("2001:db8::/32", "2001:db8::/32", 0, 0);
	roundtrip("2001:db8::5", "2001:db8::5", 0, 0);
	roundtrip("[2001:db8::5]", "2001:db8::5", 0, 0);
	/* A bare port is TCP. */
	roundtrip("198.51.100.0/24:22", "198.51.100.0/24:tcp/22", 22, IPPROTO_TCP);
	roundtrip("203.0.113.5:65535", "203.0.113.5:tcp/65535", 65535, IPPROTO_TCP);
	roundtrip("[2001:db8::5]:22", "[2001:db8::5]:tcp/22", 22, IPPROTO_TCP);
	roundtrip("[2001:db8:1::/48]:443", "[2001:db8:1::/48]:tcp/443", 443, IPPROTO_TCP);
	/* PROTO/PORT, any case in, lower case out. */
	roundtrip("198.51.100.0/24:tcp/22", "198.51.100.0/24:tcp/22", 22, IPPROTO_TCP);
	roundtrip("198.51.100.0/24:udp/53", "198.51.100.0/24:udp/53", 53, IPPROTO_UDP);
	roundtrip("192.0.2.1:UDP/1", "192.0.2.1:udp/1", 1, IPPROTO_UDP);
	roundtrip("[2001:db8::5]:udp/53", "[2001:db8::5]:udp/53", 53, IPPROTO_UDP);
	roundtrip("[2001:db8::/48]:Tcp/8443", "[2001:db8::/48]:tcp/8443", 8443, IPPROTO_TCP);
}

/* What cordon wrote before protocols: a bare port was TCP and UDP. */
static void test_legacy(void **state)
{
	struct allow_entry *v = calloc(ALLOW_MAX, sizeof(*v));
	char err[ERRLEN], buf[ALLOW_STRLEN];
	size_t n = 0;

	(void)state;
	assert_non_null(v);
	assert_int_equal(allow_add_legacy(v, &n, "198.51.100.0/24:22", err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(allow_format(&v[0], buf, sizeof(buf)), "198.51.100.0/24:tcp/22");
	assert_string_equal(allow_format(&v[1], buf, sizeof(buf)), "198.51.100.0/24:udp/22");
	/* Named protocols and portless entries are one entry, as written. */
	assert_int_equal(allow_add_legacy(v, &n, "[2001:db8::5]:udp/53", err, sizeof(err)), 0);
	assert_int_equal(allow_add_legacy(v, &n, "192.0.2.0/24", err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_string_equal(allow_format(&v[2], buf, sizeof(buf)), "[2001:db8::5]:udp/53");
	assert_string_equal(allow_format(&v[3], buf, sizeof(buf)), "192.0.2.0/24");
	assert_int_equal(allow_add_legacy(v, &n, "192.0.2.0/33", err, sizeof(err)), -EINVAL);
	/* Room for one, not two: nothing is added. */
	n = ALLOW_MAX - 1;
	assert_int_equal(allow_add_legacy(v, &n, "192.0.2.1:22", err, sizeof(err)), -ENOSPC);
	assert_int_equal(n, ALLOW_MAX - 1);
	assert_int_equal(allow_add_legacy(v, &n, "192.0.2.1:tcp/22", err, sizeof(err)), 0);
	assert_int_equal(n, ALLOW_MAX);
	free(v);
}

static void test_bad(void **state)
{
	static const char *bad[] = {
		"", "192.0.2.7:", "192.0.2.7:0", "192.0.2.7:65536",
		"192.0.2.7:022", "192.0.2.7:22x", "192.0.2.7/33", "[192.0.2.7]:22",
		"[2001:db8::5:22", "[2001:db8::5]22", "[2001:db8::5]:", "host:22",
		"192.0.2.7:-1", "2001:db8::5:22:", " 192.0.2.7", "192.0.2.7 :22",
		"[2001:db8::5]:99999", "192.0.2.7:tcp", "192.0.2.7:tcp/", "192.0.2.7:/22",
		"192.0.2.7:sctp/22", "192.0.2.7:tcp/0", "192.0.2.7:tcp/udp/22",
		"192.0.2.7:tcp//22", "[2001:db8::5]:icmp/1", "[2001:db8::5]:tcp/",
		"192.0.2.7:tcp:22", "192.0.2.7/24/tcp/22", "2001:db8::5:tcp/22",
		"192.0.2.7:tc/22", "192.0.2.7:tcpx/22", "192.0.2.7: tcp/22",
	};
	struct allow_entry a;
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		if (allow_parse(bad[i], &a, err, sizeof(err)) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(err[0] != '\0');
	}
}

static void test_add_caps(void **state)
{
	struct allow_entry *v = calloc(ALLOW_MAX, sizeof(*v));
	char err[ERRLEN];
	size_t n = 0;

	(void)state;
	assert_non_null(v);
	for (int i = 0; i < ALLOW_MAX; i++)
		assert_int_equal(allow_add(v, &n, "192.0.2.1:22", err, sizeof(err)), 0);
	assert_int_equal(n, ALLOW_MAX);
	assert_int_equal(allow_add(v, &n, "192.0.2.1:22", err, sizeof(err)), -ENOSPC);
	assert_int_equal(n, ALLOW_MAX);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_add_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
