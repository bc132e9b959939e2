/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/wait.h>

#include "aws_dns.h"

/* An answer builder: the query (echoed as the question), then records. */
struct msg {
	uint8_t b[AWS_DNS_MSG_MAX];
	size_t n;
};

static void put16(struct msg *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)(v >> 8);
	m->b[m->n++] = (uint8_t)v;
}

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		size_t l = strcspn(name, ".");

		m->b[m->n++] = (uint8_t)l;
		memcpy(m->b + m->n, name, l);
		m->n += l;
		name += l;
		if (*name == '.')
			name++;
	}
	m->b[m->n++] = 0;
}

static void answer(struct msg *m, uint16_t id, const char *qname, uint16_t qtype,
		   unsigned rcode, unsigned ancount)
{
	int q = aws_dns_query_build(m->b, sizeof(m->b), id, qname, qtype);

	assert_true(q > 12);
	m->n = (size_t)q;
	m->b[2] |= 0x80; /* QR */
	m->b[3] = (uint8_t)(0x80 | rcode);
	m->b[6] = (uint8_t)(ancount >> 8);
	m->b[7] = (uint8_t)ancount;
}

/* A record whose owner is a pointer to the question's name (offset 12). */
static void rr_ptr_owner(struct msg *m, uint16_t type, uint32_t ttl, const void *rd,
			 uint16_t rdlen)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, ttl >> 16);
	put16(m, ttl & 0xffff);
	put16(m, rdlen);
	memcpy(m->b + m->n, rd, rdlen);
	m->n += rdlen;
}

static int parse(const struct msg *m, uint16_t id, const char *name, uint16_t qtype,
		 struct cd_addr *out, size_t *n, char *err)
{
	uint32_t ttl = 0;

	return aws_dns_answer_parse(m->b, m->n, id, name, qtype, out, AWS_DNS_MAX_ADDRS, n,
				    &ttl, err, ERRLEN);
}

static void test_query(void **state)
{
	uint8_t b[300];
	int n;

	(void)state;
	n = aws_dns_query_build(b, sizeof(b), 0x1234, "ec2.us-east-1.amazonaws.com", 1);
	assert_int_equal(n, 12 + 29 + 4);
	assert_int_equal(b[0], 0x12);
	assert_int_equal(b[1], 0x34);
	assert_int_equal(b[2], 0x01); /* RD */
	assert_int_equal(b[5], 1);
	assert_memory_equal(b + 12, "\003ec2\011us-east-1\011amazonaws\003com\000", 29);
	assert_int_equal(aws_dns_query_build(b, sizeof(b), 1, "a..b", 1), -EINVAL);
	assert_int_equal(aws_dns_query_build(b, sizeof(b), 1, "", 1), -EINVAL);
	assert_int_equal(aws_dns_query_build(b, sizeof(b), 1, "bad name", 1), -EINVAL);
	assert_int_equal(aws_dns_query_build(b, 20, 1, "ec2.amazonaws.com", 1), -EINVAL);
}

static void test_answers(void **state)
{
	struct cd_addr a[AWS_DNS_MAX_ADDRS];
	char err[ERRLEN], s[ADDR_STRLEN];
	uint8_t v4a[4] = { 192, 0, 2, 10 }, v4b[4] = { 192, 0, 2, 11 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	struct msg m;
	size_t n;

	(void)state;
	answer(&m, 7, "s3.amazonaws.com", 1, 0, 2);
	rr_ptr_owner(&m, 1, 60, v4a, 4);
	rr_ptr_owner(&m, 1, 30, v4b, 4);
	assert_int_equal(parse(&m, 7, "S3.Amazonaws.com.", 1, a, &n, err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(addr_ntop(&a[1], s, sizeof(s)), "192.0.2.11");

	/* A CNAME chain inside the answer is followed; unrelated names skipped. */
	answer(&m, 8, "sns.us-east-1.amazonaws.com", 1, 0, 3);
	{
		struct msg t = { .n = 0 };

		put_name(&t, "sns.cell-1.example");
		rr_ptr_owner(&m, 5, 60, t.b, (uint16_t)t.n);
	}
	put_name(&m, "other.example");
	put16(&m, 1); put16(&m, 1); put16(&m, 0); put16(&m, 60); put16(&m, 4);
	memcpy(m.b + m.n, v4b, 4);
	m.n += 4;
	put_name(&m, "sns.cell-1.example");
	put16(&m, 1); put16(&m, 1); put16(&m, 0); put16(&m, 60); put16(&m, 4);
	memcpy(m.b + m.n, v4a, 4);
	m.n += 4;
	assert_int_equal(parse(&m, 8, "sns.us-east-1.amazonaws.com", 1, a, &n, err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(addr_ntop(&a[0], s, sizeof(s)), "192.0.2.10");

	answer(&m, 9, "v6.example", 28, 0, 1);
	rr_ptr_owner(&m, 28, 60, v6, 16);
	assert_int_equal(parse(&m, 9, "v6.example", 28, a, &n, err), 0);
	assert_string_equal(addr_ntop(&a[0], s, sizeof(s)), "2001:db8::7");
}

static void test_refusals(void **state)
{
	struct cd_addr a[AWS_DNS_MAX_ADDRS];
	uint8_t v4[4] = { 192, 0, 2, 10 };
	char err[ERRLEN];
	struct msg m;
	size_t n;

	(void)state;
	answer(&m, 7, "s3.amazonaws.com", 1, 3, 0);
	assert_int_equal(parse(&m, 7, "s3.amazonaws.com", 1, a, &n, err), -ENOENT);
	assert_non_null(strstr(err, "no such name"));
	answer(&m, 7, "s3.amazonaws.com", 1, 2, 0);
	assert_int_equal(parse(&m, 7, "s3.amazonaws.com", 1, a, &n, err), -EBADMSG);
	assert_non_null(strstr(err, "server failure"));
	answer(&m, 7, "s3.amazonaws.com", 1, 0, 1);
	rr_ptr_owner(&m, 1, 60, v4, 4);
	assert_int_equal(parse(&m, 8, "s3.amazonaws.com", 1, a, &n, err), -EBADMSG); /* id */
	assert_int_equal(parse(&m, 7, "s4.amazonaws.com", 1, a, &n, err), -EBADMSG); /* question */
	assert_int_equal(parse(&m, 7, "s3.amazonaws.com", 28, a, &n, err), -EBADMSG); /* qtype */
	m.b[2] |= 0x02; /* TC */
	assert_int_equal(parse(&m, 7, "s3.amazonaws.com", 1, a, &n, err), -EBADMSG);
	assert_non_null(strstr(err, "truncated"));
	m.b[2] &= (uint8_t)~0x82; /* a query, not an answer */
	assert_int_equal(parse(&m, 7, "s3.amazonaws.com", 1, a, &n, err), -EBADMSG);
	/* Cut short, at every length. */
	answer(&m, 7, "s3.amazonaws.com", 1, 0, 1);
	rr_ptr_owner(&m, 1, 60, v4, 4);
	for (size_t cut = 0; cut < m.n; cut++) {
		struct msg t = m;

		t.n = cut;
		assert_int_not_equal(parse(&t, 7, "s3.amazonaws.com", 1, a, &n, err), 0);
	}
	/* An A record of the wrong length is not an address; nothing left. */
	answer(&m, 7, "s3.amazonaws.com", 1, 0, 1);
	rr_ptr_owner(&m, 1, 60, v4, 3);
	assert_int_equal(parse(&m, 7, "s3.amazonaws.com", 1, a, &n, err), -ENOENT);
	/* A compression loop ends. */
	answer(&m, 7, "s3.amazonaws.com", 1, 0, 1);
	put16(&m, 0xc000 | (uint16_t)m.n);
	put16(&m, 1); put16(&m, 1); put16(&m, 0); put16(&m, 60); put16(&m, 4);
	memcpy(m.b + m.n, v4, 4);
	m.n += 4;
	assert_int_equal(parse(&m, 7, "s3.amazonaws.com", 1, a, &n, err), -EBADMSG);
	/* More addresses than room: the first ones, no overflow. */
	answer(&m, 7, "s3.amazonaws.com", 1, 0, 20);
	for (int i = 0; i < 20; i++)
		rr_ptr_owner(&m, 1, 60, v4, 4);
	assert_int_equal(parse(&m, 7, "s3.amazonaws.com", 1, a, &n, err), 0);
	assert_int_equal(n, AWS_DNS_MAX_ADDRS);
}

static void test_conf(void **state)
{
	char p1[] = "/tmp/cordon-dns1.XXXXXX", p2[] = "/tmp/cordon-dns2.XXXXXX";
	int f1 = mkstemp(p1), f2 = mkstemp(p2);
	struct aws_dns_conf c;
	char s[ADDR_STRLEN];
	static const char resolved[] = "# resolved's upstream\nnameserver 192.0.2.53\n"
				       "nameserver 2001:db8::53\nsearch ec2.internal\n";
	static const char stub[] = "nameserver 127.0.0.53\noptions edns0\n";

	(void)state;
	assert_true(f1 >= 0 && f2 >= 0);
	assert_int_equal(write(f1, resolved, sizeof(resolved) - 1), (ssize_t)sizeof(resolved) - 1);
	assert_int_equal(write(f2, stub, sizeof(stub) - 1), (ssize_t)sizeof(stub) - 1);
	close(f1);
	close(f2);
	unsetenv("CORDON_DNS_SERVERS");
	/* With a stub: resolved's upstream servers, never the stub. */
	aws_dns_conf_load(&c, p1, p2);
	assert_int_equal(c.n_server, 2);
	assert_string_equal(addr_ntop(&c.server[0], s, sizeof(s)), "192.0.2.53");
	assert_string_equal(addr_ntop(&c.server[1], s, sizeof(s)), "2001:db8::53");
	/* Only the stub known: the VPC resolver. */
	aws_dns_conf_load(&c, "/nonexistent", p2);
	assert_int_equal(c.n_server, 2);
	assert_string_equal(addr_ntop(&c.server[0], s, sizeof(s)), "169.254.169.253");
	/* Without a stub: resolv.conf's servers. */
	aws_dns_conf_load(&c, "/nonexistent", p1);
	assert_int_equal(c.n_server, 2);
	setenv("CORDON_DNS_SERVERS", "198.51.100.53, 127.0.0.1,bad", 1);
	aws_dns_conf_load(&c, p1, p2);
	assert_int_equal(c.n_server, 1);
	assert_string_equal(addr_ntop(&c.server[0], s, sizeof(s)), "198.51.100.53");
	unsetenv("CORDON_DNS_SERVERS");
	unlink(p1);
	unlink(p2);
}

/* A real exchange with a local server on loopback (the test plays it). */
static void test_resolve_loopback(void **state)
{
	int srv = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sa);
	struct aws_dns_conf c;
	struct cd_addr a[4];
	char err[ERRLEN], s[ADDR_STRLEN];
	size_t n;
	pid_t pid;

	(void)state;
	assert_true(srv >= 0);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(srv, (struct sockaddr *)&sa, &sl), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t q[600];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(srv, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		uint8_t v4[4] = { 192, 0, 2, 44 };
		struct msg m;

		if (r < 12)
			_exit(1);
		memcpy(m.b, q, (size_t)r);
		m.n = (size_t)r;
		m.b[2] |= 0x80;
		m.b[3] = 0x80;
		m.b[7] = 1;
		rr_ptr_owner(&m, 1, 60, v4, 4);
		/* First a forged answer with another id, then the real one. */
		m.b[0] ^= 0xff;
		sendto(srv, m.b, m.n, 0, (struct sockaddr *)&from, fl);
		m.b[0] ^= 0xff;
		sendto(srv, m.b, m.n, 0, (struct sockaddr *)&from, fl);
		_exit(0);
	}
	memset(&c, 0, sizeof(c));
	/* aws_dns_conf_load refuses loopback servers; a test may set one. */
	addr_set4(&c.server[0], htonl(0x7f000001));
	c.n_server = 1;
	c.port = ntohs(sa.sin_port);
	c.timeout_ms = 2000;
	assert_int_equal(aws_dns_resolve(&c, "lists.lab.test", a, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(addr_ntop(&a[0], s, sizeof(s)), "192.0.2.44");
	/* Cached: no server needed any more. */
	c.n_server = 0;
	assert_int_equal(aws_dns_resolve(&c, "lists.lab.test", a, 4, &n, err, sizeof(err)), 0);
	aws_dns_use(&c);
	{
		char pin[200];

		assert_int_equal(aws_dns_pin("lists.lab.test", 8443, pin, sizeof(pin), err,
					     sizeof(err)), 0);
		assert_string_equal(pin, "lists.lab.test:8443:192.0.2.44");
		assert_int_equal(aws_dns_pin("192.0.2.1", 443, pin, sizeof(pin), err,
					     sizeof(err)), -ENOENT);
	}
	aws_dns_use(NULL);
	close(srv);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_resolve_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
