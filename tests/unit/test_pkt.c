/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "pkt.h"

/*
 * Packets are built byte by byte here, field by field in wire order, so
 * each test reads like the header diagrams in sensor/pkt_ip.c.
 */
struct b {
	uint8_t d[1024];
	size_t n;
};

static void p8(struct b *b, unsigned v)
{
	assert_true(b->n < sizeof(b->d));
	b->d[b->n++] = (uint8_t)v;
}

static void p16(struct b *b, unsigned v)
{
	p8(b, v >> 8);
	p8(b, v & 0xff);
}

/* Host byte order (NFLOG TLV headers). */
static void p16h(struct b *b, unsigned v)
{
	uint16_t h = (uint16_t)v;

	assert_true(b->n + 2 <= sizeof(b->d));
	memcpy(b->d + b->n, &h, 2);
	b->n += 2;
}

static void p32(struct b *b, uint32_t v)
{
	p16(b, v >> 16);
	p16(b, v & 0xffff);
}

static void pzero(struct b *b, size_t n)
{
	while (n--)
		p8(b, 0);
}

static void pmem(struct b *b, const void *m, size_t n)
{
	assert_true(b->n + n <= sizeof(b->d));
	memcpy(b->d + b->n, m, n);
	b->n += n;
}

static void set16(struct b *b, size_t at, unsigned v)
{
	b->d[at] = (uint8_t)(v >> 8);
	b->d[at + 1] = (uint8_t)v;
}

static void eth(struct b *b, unsigned type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

	pmem(b, macs, sizeof(macs));
	p16(b, type);
}

static void vlan(struct b *b, unsigned vid, unsigned type)
{
	p16(b, vid);
	p16(b, type);
}

static const uint8_t A4[4] = { 192, 0, 2, 1 };
static const uint8_t B4[4] = { 198, 51, 100, 2 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t B6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };

/* IPv4 with optlen bytes of options; call ip4_fin() once the payload is in. */
static size_t ip4(struct b *b, unsigned proto, size_t optlen, unsigned frag)
{
	size_t at = b->n;

	p8(b, 0x40 | (unsigned)(5 + optlen / 4));
	p8(b, 0);
	p16(b, 0);          /* total length, ip4_fin() */
	p16(b, 0x1234);     /* identification */
	p16(b, frag);
	p8(b, 64);
	p8(b, proto);
	p16(b, 0);          /* checksum: nobody checks */
	pmem(b, A4, 4);
	pmem(b, B4, 4);
	for (size_t i = 0; i < optlen; i++)
		p8(b, 1);   /* NOP */
	return at;
}

static void ip4_fin(struct b *b, size_t at)
{
	set16(b, at + 2, (unsigned)(b->n - at));
}

static size_t ip6(struct b *b, unsigned nh)
{
	size_t at = b->n;

	p32(b, 0x60000000);
	p16(b, 0);          /* payload length, ip6_fin() */
	p8(b, nh);
	p8(b, 64);
	pmem(b, A6, 16);
	pmem(b, B6, 16);
	return at;
}

static void ip6_fin(struct b *b, size_t at)
{
	set16(b, at + 4, (unsigned)(b->n - at - 40));
}

/* Hop-by-hop, routing, destination options: (len8 + 1) * 8 bytes. */
static void ext6(struct b *b, unsigned nh, unsigned len8)
{
	p8(b, nh);
	p8(b, len8);
	pzero(b, (len8 + 1) * 8 - 2);
}

static void frag6(struct b *b, unsigned nh, unsigned off8, unsigned m)
{
	p8(b, nh);
	p8(b, 0);
	p16(b, off8 << 3 | m);
	p32(b, 0xcafe0001);
}

static void ah(struct b *b, unsigned nh, unsigned len)
{
	p8(b, nh);
	p8(b, len);
	pzero(b, (len + 2) * 4 - 2);
}

static void tcp(struct b *b, unsigned flags, unsigned doff)
{
	p16(b, 40000);
	p16(b, 443);
	p32(b, 1);
	p32(b, 0);
	p8(b, doff << 4);
	p8(b, flags);
	p16(b, 65535);
	p32(b, 0);
	for (unsigned i = 5; i < doff; i++)
		p32(b, 0x01010101);
}

static void udp(struct b *b)
{
	p16(b, 5353);
	p16(b, 53);
	p16(b, 8);
	p16(b, 0);
}

/* Parse from a heap copy of exactly len bytes, so ASan sees any overread. */
static enum pkt_result parse_n(int dlt, const struct b *b, size_t len,
			       struct pkt_info *pi)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum pkt_result r;

	assert_non_null(copy);
	memcpy(copy, b->d, len);
	r = pkt_parse(dlt, copy, len, pi);
	free(copy);
	return r;
}

static enum pkt_result parse(int dlt, const struct b *b, struct pkt_info *pi)
{
	return parse_n(dlt, b, b->n, pi);
}

static void assert_addr(const struct cd_addr *a, const char *want)
{
	char buf[ADDR_STRLEN];

	assert_int_not_equal(a->af, 0);
	assert_string_equal(addr_ntop(a, buf, sizeof(buf)), want);
}

static void assert_v4(const struct pkt_info *pi)
{
	struct cd_addr z;

	assert_addr(&pi->src, "192.0.2.1");
	assert_addr(&pi->dst, "198.51.100.2");
	/* addr.h: the bytes past an IPv4 address are zero. */
	memset(&z, 0, sizeof(z));
	assert_memory_equal(pi->src.u.b + 4, z.u.b + 4, 12);
	assert_memory_equal(pi->src.pad, z.pad, 3);
}

static void assert_v6(const struct pkt_info *pi)
{
	assert_addr(&pi->src, "2001:db8::1");
	assert_addr(&pi->dst, "2001:db8:1::2");
}

/* Ethernet / IPv4 / TCP SYN, the common case. */
static size_t eth_ip4_tcp(struct b *b, unsigned flags)
{
	size_t at;

	eth(b, 0x0800);
	at = ip4(b, IPPROTO_TCP, 0, 0x4000 /* DF */);
	tcp(b, flags, 5);
	ip4_fin(b, at);
	return at;
}

/* Parse and read the quote from one exact heap copy (ASan sees overreads). */
static enum pkt_result quote_of(int dlt, const struct b *b, struct pkt_info *pi,
				struct pkt_quote *q)
{
	uint8_t *copy = malloc(b->n);
	enum pkt_result r;

	assert_non_null(copy);
	memcpy(copy, b->d, b->n);
	assert_int_equal(pkt_parse(dlt, copy, b->n, pi), PKT_OK);
	r = pkt_quote(copy, b->n, pi, q);
	free(copy);
	return r;
}

/* Ethernet / IPv4 / ICMP type/code, header done; returns the IP offset. */
static size_t icmp4_hdr(struct b *b, unsigned type, unsigned code)
{
	size_t at;

	eth(b, 0x0800);
	at = ip4(b, IPPROTO_ICMP, 0, 0);
	p8(b, type);
	p8(b, code);
	pzero(b, 6);
	return at;
}

/*
 * ICMP errors quote the packet they are about (RFC 792, RFC 4443): the
 * sensor counts the error with it (sensor.md, "Spoofed contacts"). The
 * quote is outside input like the rest: cut, lying or nested quotes fail
 * cleanly.
 */
static void test_icmp_quote(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	struct pkt_quote q;
	size_t at, in;

	(void)state;
	/* Port unreachable quoting a whole UDP packet. */
	at = icmp4_hdr(&b, 3, 3);
	in = ip4(&b, IPPROTO_UDP, 0, 0);
	udp(&b);
	ip4_fin(&b, in);
	ip4_fin(&b, at);
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_OK);
	assert_true(pkt_icmp_error(&pi));
	assert_int_equal(pi.quote_off, 14 + 20 + 8);
	assert_int_equal(pi.quote_len, 28);
	assert_addr(&q.src, "192.0.2.1");
	assert_addr(&q.dst, "198.51.100.2");
	assert_int_equal(q.proto, IPPROTO_UDP);
	assert_true(q.has_ports);
	assert_int_equal(q.sport, 5353);
	assert_int_equal(q.dport, 53);
	/* Ethernet padding after the IP packet is not quoted. */
	pzero(&b, 20);
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_OK);
	assert_int_equal(pi.quote_len, 28);

	/* RFC 792's 8 bytes of TCP: the ports, not the flags. */
	b.n = 0;
	at = icmp4_hdr(&b, 11, 0);
	in = ip4(&b, IPPROTO_TCP, 0, 0);
	tcp(&b, PKT_TCP_SYN, 5);
	ip4_fin(&b, in);
	b.n = in + 28;
	ip4_fin(&b, at);
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_OK);
	assert_true(q.has_ports);
	assert_int_equal(q.sport, 40000);
	assert_int_equal(q.dport, 443);
	/* Two bytes of it: no ports, and that is a truncated quote. */
	b.n = in + 22;
	ip4_fin(&b, at);
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_TRUNCATED);
	/* The quoted IP header cut. */
	b.n = in + 12;
	ip4_fin(&b, at);
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_TRUNCATED);
	/* Nothing quoted at all. */
	b.n = in;
	ip4_fin(&b, at);
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_SKIP);

	/* Lying quotes: IHL 4, total length below the header, IPv6 in ICMPv4. */
	for (int lie = 0; lie < 3; lie++) {
		b.n = 0;
		at = icmp4_hdr(&b, 3, 1);
		in = ip4(&b, IPPROTO_UDP, 0, 0);
		udp(&b);
		ip4_fin(&b, in);
		if (lie == 0)
			b.d[in] = 0x44;
		else if (lie == 1)
			set16(&b, in + 2, 12);
		else
			b.d[in] = 0x65;
		ip4_fin(&b, at);
		assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_MALFORMED);
	}

	/* An error quoting an error: read one level deep, not followed. */
	b.n = 0;
	at = icmp4_hdr(&b, 3, 3);
	in = ip4(&b, IPPROTO_ICMP, 0, 0);
	p8(&b, 3);
	p8(&b, 3);
	pzero(&b, 6);
	ip4(&b, IPPROTO_UDP, 0, 0);
	udp(&b);
	ip4_fin(&b, in);
	ip4_fin(&b, at);
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_OK);
	assert_int_equal(q.proto, IPPROTO_ICMP);
	assert_false(q.has_ports);

	/* Echo request and reply: not errors, nothing quoted. */
	for (unsigned type = 0; type <= 8; type += 8) {
		b.n = 0;
		at = icmp4_hdr(&b, type, 0);
		ip4(&b, IPPROTO_UDP, 0, 0);
		udp(&b);
		ip4_fin(&b, at);
		assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_SKIP);
		assert_false(pkt_icmp_error(&pi));
		assert_int_equal(pi.quote_off, 0);
	}

	/* ICMPv6 port unreachable quoting IPv6 / UDP. */
	b.n = 0;
	eth(&b, 0x86dd);
	at = ip6(&b, IPPROTO_ICMPV6);
	p8(&b, 1);
	p8(&b, 4);
	pzero(&b, 6);
	in = ip6(&b, IPPROTO_UDP);
	udp(&b);
	ip6_fin(&b, in);
	ip6_fin(&b, at);
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_OK);
	assert_v6(&pi);
	assert_addr(&q.src, "2001:db8::1");
	assert_int_equal(q.proto, IPPROTO_UDP);
	assert_int_equal(q.dport, 53);
	/* An IPv4 quote in ICMPv6 lies. */
	b.d[in] = 0x45;
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_MALFORMED);
	/* A quoted extension chain longer than PKT_QUOTE_MAX: cut, capped. */
	b.n = 0;
	eth(&b, 0x86dd);
	at = ip6(&b, IPPROTO_ICMPV6);
	p8(&b, 2);
	p8(&b, 0);
	pzero(&b, 6);
	in = ip6(&b, 0);
	ext6(&b, IPPROTO_UDP, 40); /* 328 bytes */
	udp(&b);
	ip6_fin(&b, in);
	ip6_fin(&b, at);
	assert_int_equal(quote_of(DLT_EN10MB, &b, &pi, &q), PKT_TRUNCATED);
	assert_int_equal(pi.quote_len, PKT_QUOTE_MAX);
}

static void test_eth_ipv4_tcp(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;

	(void)state;
	eth_ip4_tcp(&b, PKT_TCP_SYN);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_v4(&pi);
	assert_int_equal(pi.proto, IPPROTO_TCP);
	assert_true(pi.has_ports);
	assert_int_equal(pi.sport, 40000);
	assert_int_equal(pi.dport, 443);
	assert_int_equal(pi.tcp_flags, PKT_TCP_SYN);
	assert_int_equal(pi.ip_len, 40);
	assert_false(pi.fragment);
	assert_false(pi.nflog);

	/* Flags outside PKT_TCP_* (ECE, CWR, URG) are masked off. */
	b.n = 0;
	eth_ip4_tcp(&b, PKT_TCP_SYN | 0xe0);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_int_equal(pi.tcp_flags, PKT_TCP_SYN);

	/* Ethernet padding past the IP total length is ignored. */
	b.n = 0;
	eth(&b, 0x0800);
	size_t at = ip4(&b, IPPROTO_UDP, 0, 0);
	udp(&b);
	ip4_fin(&b, at);
	pzero(&b, 18);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_int_equal(pi.proto, IPPROTO_UDP);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.ip_len, 28);
}

static void test_vlan(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;
	static const unsigned outer[] = { 0x8100, 0x88a8, 0x9100 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(outer); i++) {
		/* single tag */
		b.n = 0;
		eth(&b, outer[i]);
		vlan(&b, 100, 0x0800);
		at = ip4(&b, IPPROTO_TCP, 0, 0);
		tcp(&b, PKT_TCP_ACK, 5);
		ip4_fin(&b, at);
		assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
		assert_v4(&pi);
		assert_int_equal(pi.tcp_flags, PKT_TCP_ACK);

		/* QinQ: outer S-tag then C-tag */
		b.n = 0;
		eth(&b, outer[i]);
		vlan(&b, 10, 0x8100);
		vlan(&b, 20, 0x86dd);
		at = ip6(&b, IPPROTO_UDP);
		udp(&b);
		ip6_fin(&b, at);
		assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
		assert_v6(&pi);
		assert_int_equal(pi.dport, 53);
	}

	/* PKT_MAX_VLAN tags is fine, one more is not */
	b.n = 0;
	eth(&b, 0x88a8);
	vlan(&b, 1, 0x8100);
	vlan(&b, 2, 0x8100);
	vlan(&b, 3, 0x8100);
	vlan(&b, 4, 0x0800);
	at = ip4(&b, IPPROTO_UDP, 0, 0);
	udp(&b);
	ip4_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	b.n = 0;
	eth(&b, 0x88a8);
	for (int i = 0; i < 4; i++)
		vlan(&b, 1, 0x8100);
	vlan(&b, 5, 0x0800);
	at = ip4(&b, IPPROTO_UDP, 0, 0);
	udp(&b);
	ip4_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);

	/* A tag cut short */
	b.n = 0;
	eth(&b, 0x8100);
	p16(&b, 7);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_TRUNCATED);
}

static void test_non_ip(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	static const unsigned types[] = { 0x0806 /* ARP */, 0x88cc /* LLDP */,
					  0x8847 /* MPLS */, 0x0026 /* 802.3 */ };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		b.n = 0;
		eth(&b, types[i]);
		pzero(&b, 28);
		assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_SKIP);
		assert_int_equal(pi.src.af, 0);
	}
	/* ARP behind a VLAN tag */
	b.n = 0;
	eth(&b, 0x8100);
	vlan(&b, 3, 0x0806);
	pzero(&b, 28);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_SKIP);
}

static void test_sll(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;

	(void)state;
	/* v1: packet type, ARPHRD_ETHER, addr len, addr, protocol */
	p16(&b, 0);
	p16(&b, 1);
	p16(&b, 6);
	pzero(&b, 8);
	p16(&b, 0x0800);
	at = ip4(&b, IPPROTO_UDP, 0, 0);
	udp(&b);
	ip4_fin(&b, at);
	assert_int_equal(parse(DLT_LINUX_SLL, &b, &pi), PKT_OK);
	assert_v4(&pi);
	assert_int_equal(pi.sport, 5353);

	/* v1 with the VLAN tag libpcap puts back */
	b.n = 0;
	p16(&b, 4);
	p16(&b, 1);
	p16(&b, 6);
	pzero(&b, 8);
	p16(&b, 0x8100);
	vlan(&b, 42, 0x86dd);
	at = ip6(&b, IPPROTO_TCP);
	tcp(&b, PKT_TCP_RST, 5);
	ip6_fin(&b, at);
	assert_int_equal(parse(DLT_LINUX_SLL, &b, &pi), PKT_OK);
	assert_v6(&pi);
	assert_int_equal(pi.tcp_flags, PKT_TCP_RST);

	/* v1 ARP */
	b.n = 0;
	pzero(&b, 14);
	p16(&b, 0x0806);
	pzero(&b, 28);
	assert_int_equal(parse(DLT_LINUX_SLL, &b, &pi), PKT_SKIP);

	/* v2: protocol, reserved, ifindex, ARPHRD, type, addr len, addr */
	b.n = 0;
	p16(&b, 0x86dd);
	p16(&b, 0);
	p32(&b, 2);
	p16(&b, 1);
	p8(&b, 0);
	p8(&b, 6);
	pzero(&b, 8);
	at = ip6(&b, IPPROTO_TCP);
	tcp(&b, PKT_TCP_FIN | PKT_TCP_ACK, 5);
	ip6_fin(&b, at);
	assert_int_equal(parse(DLT_LINUX_SLL2, &b, &pi), PKT_OK);
	assert_v6(&pi);
	assert_int_equal(pi.tcp_flags, PKT_TCP_FIN | PKT_TCP_ACK);
	assert_int_equal(pi.ip_len, 60);

	/* cooked headers cut short */
	assert_int_equal(parse_n(DLT_LINUX_SLL2, &b, 19, &pi), PKT_TRUNCATED);
	assert_int_equal(parse_n(DLT_LINUX_SLL, &b, 15, &pi), PKT_TRUNCATED);
}

static void test_raw(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;

	(void)state;
	at = ip4(&b, IPPROTO_TCP, 0, 0);
	tcp(&b, PKT_TCP_SYN | PKT_TCP_ACK, 5);
	ip4_fin(&b, at);
	assert_int_equal(parse(DLT_RAW, &b, &pi), PKT_OK);
	assert_v4(&pi);
	assert_int_equal(parse(DLT_IPV4, &b, &pi), PKT_OK);
	assert_v4(&pi);
	assert_int_equal(parse(DLT_IPV6, &b, &pi), PKT_MALFORMED);

	b.n = 0;
	at = ip6(&b, IPPROTO_UDP);
	udp(&b);
	ip6_fin(&b, at);
	assert_int_equal(parse(DLT_RAW, &b, &pi), PKT_OK);
	assert_v6(&pi);
	assert_int_equal(parse(DLT_IPV6, &b, &pi), PKT_OK);
	assert_int_equal(parse(DLT_IPV4, &b, &pi), PKT_MALFORMED);

	b.d[0] = 0x50; /* version 5 */
	assert_int_equal(parse(DLT_RAW, &b, &pi), PKT_MALFORMED);
	assert_int_equal(parse_n(DLT_RAW, &b, 0, &pi), PKT_TRUNCATED);
}

/* NFLOG TLV: host-order length (without padding) and type, value, padding. */
static void tlv(struct b *b, unsigned type, const void *v, size_t len)
{
	p16h(b, (unsigned)(len + 4));
	p16h(b, type);
	pmem(b, v, len);
	while (b->n % 4)
		p8(b, 0);
}

static void nflog_hdr(struct b *b, unsigned family, unsigned group)
{
	static const uint8_t pkthdr[4] = { 0x08, 0x00, 1, 0 };
	static const char prefix[] = "cordon-drop"; /* 12 with NUL: no pad */
	static const char prefix2[] = "x";          /* 2 with NUL: 2 of pad */
	static const uint8_t mark[4] = { 0, 0, 0, 7 };

	p8(b, family);
	p8(b, 0);
	p16(b, group);
	tlv(b, 1, pkthdr, sizeof(pkthdr));
	tlv(b, 10, prefix, sizeof(prefix));
	tlv(b, 10, prefix2, sizeof(prefix2));
	tlv(b, 2, mark, sizeof(mark));
}

static void test_nflog(void **state)
{
	struct b b = { 0 }, pkt = { 0 };
	struct pkt_info pi;
	size_t at;

	(void)state;
	at = ip4(&pkt, IPPROTO_TCP, 0, 0);
	tcp(&pkt, PKT_TCP_SYN, 5);
	ip4_fin(&pkt, at);
	nflog_hdr(&b, AF_INET, 5);
	tlv(&b, 9, pkt.d, pkt.n);
	assert_int_equal(parse(DLT_NFLOG, &b, &pi), PKT_OK);
	assert_true(pi.nflog);
	assert_int_equal(pi.nflog_group, 5);
	assert_v4(&pi);
	assert_int_equal(pi.dport, 443);
	assert_int_equal(pi.tcp_flags, PKT_TCP_SYN);

	/* nflog copy range: the payload TLV holds only the first 30 bytes */
	b.n = 0;
	nflog_hdr(&b, AF_INET, 0x1234);
	tlv(&b, 9, pkt.d, 30);
	assert_int_equal(parse(DLT_NFLOG, &b, &pi), PKT_TRUNCATED);
	assert_int_equal(pi.nflog_group, 0x1234);
	assert_v4(&pi);
	assert_true(pi.has_ports);
	assert_int_equal(pi.sport, 40000);

	/* IPv6, and the payload type with the byte-order bit set */
	pkt.n = 0;
	at = ip6(&pkt, IPPROTO_ICMPV6);
	p8(&pkt, 128);
	p8(&pkt, 0);
	p16(&pkt, 0);
	p32(&pkt, 0);
	ip6_fin(&pkt, at);
	b.n = 0;
	nflog_hdr(&b, AF_INET6, 65535);
	tlv(&b, 0x4000 | 9, pkt.d, pkt.n);
	assert_int_equal(parse(DLT_NFLOG, &b, &pi), PKT_OK);
	assert_int_equal(pi.nflog_group, 65535);
	assert_v6(&pi);
	assert_int_equal(pi.icmp_type, 128);

	/* AF_UNSPEC: the version nibble decides */
	b.d[0] = AF_UNSPEC;
	assert_int_equal(parse(DLT_NFLOG, &b, &pi), PKT_OK);
	assert_v6(&pi);
	/* family says IPv4, packet is IPv6 */
	b.d[0] = AF_INET;
	assert_int_equal(parse(DLT_NFLOG, &b, &pi), PKT_MALFORMED);

	/* no payload TLV: nothing to match on */
	b.n = 0;
	nflog_hdr(&b, AF_INET, 1);
	assert_int_equal(parse(DLT_NFLOG, &b, &pi), PKT_TRUNCATED);
	assert_true(pi.nflog);
	assert_int_equal(pi.src.af, 0);

	/* a TLV shorter than its own header */
	b.n = 0;
	p8(&b, AF_INET);
	p8(&b, 0);
	p16(&b, 1);
	p16h(&b, 3);
	p16h(&b, 9);
	assert_int_equal(parse(DLT_NFLOG, &b, &pi), PKT_MALFORMED);

	/* unknown version */
	b.n = 0;
	nflog_hdr(&b, AF_INET, 1);
	b.d[1] = 1;
	assert_int_equal(parse(DLT_NFLOG, &b, &pi), PKT_MALFORMED);

	/* a TLV running past the capture */
	b.n = 0;
	nflog_hdr(&b, AF_INET, 1);
	p16h(&b, 200);
	p16h(&b, 10);
	pzero(&b, 8);
	assert_int_equal(parse(DLT_NFLOG, &b, &pi), PKT_TRUNCATED);
}

static void test_ipv4_options(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;

	(void)state;
	for (size_t opt = 4; opt <= 40; opt += 36) {
		b.n = 0;
		eth(&b, 0x0800);
		at = ip4(&b, IPPROTO_TCP, opt, 0);
		tcp(&b, PKT_TCP_PSH | PKT_TCP_ACK, 8);
		ip4_fin(&b, at);
		assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
		assert_v4(&pi);
		assert_int_equal(pi.dport, 443);
		assert_int_equal(pi.tcp_flags, PKT_TCP_PSH | PKT_TCP_ACK);
		assert_int_equal(pi.ip_len, 20 + opt + 32);
		/* cut inside the options: addresses still there */
		assert_int_equal(parse_n(DLT_EN10MB, &b, 14 + 20 + opt - 1, &pi),
				 PKT_TRUNCATED);
		assert_v4(&pi);
		assert_false(pi.has_ports);
	}
}

static void test_ipv4_fragments(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;

	(void)state;
	/* first fragment: MF, offset 0, ports */
	eth(&b, 0x0800);
	at = ip4(&b, IPPROTO_UDP, 0, 0x2000);
	udp(&b);
	pzero(&b, 16);
	ip4_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_true(pi.fragment);
	assert_true(pi.more_frags);
	assert_int_equal(pi.frag_off, 0);
	assert_int_equal(pi.frag_id, 0x1234);
	assert_true(pi.has_ports);
	assert_int_equal(pi.dport, 53);

	/* middle fragment: MF, offset 3 (24 bytes), no ports */
	b.n = 0;
	eth(&b, 0x0800);
	at = ip4(&b, IPPROTO_UDP, 0, 0x2000 | 3);
	pzero(&b, 24);
	ip4_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_v4(&pi);
	assert_true(pi.fragment);
	assert_true(pi.more_frags);
	assert_int_equal(pi.frag_off, 3);
	assert_int_equal(pi.proto, IPPROTO_UDP);
	assert_false(pi.has_ports);
	assert_int_equal(pi.sport, 0);

	/* last fragment: no MF, offset 6, even with only the IP header */
	b.n = 0;
	eth(&b, 0x0800);
	at = ip4(&b, IPPROTO_TCP, 0, 6);
	ip4_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_true(pi.fragment);
	assert_false(pi.more_frags);
	assert_int_equal(pi.frag_off, 6);
	assert_false(pi.has_ports);

	/* a tiny first fragment that cannot hold the TCP flags (RFC 1858) */
	b.n = 0;
	eth(&b, 0x0800);
	at = ip4(&b, IPPROTO_TCP, 0, 0x2000);
	p16(&b, 1025);
	p16(&b, 22);
	p32(&b, 0);
	ip4_fin(&b, at);
	pzero(&b, 20); /* Ethernet padding must not be taken for TCP */
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);
	assert_true(pi.has_ports);
	assert_int_equal(pi.dport, 22);
}

static void test_ipv4_malformed(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;

	(void)state;
	at = eth_ip4_tcp(&b, PKT_TCP_SYN);
	b.d[at] = 0x44; /* IHL 4 */
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);
	b.d[at] = 0x4f; /* IHL 15 > total length 40 */
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);
	b.d[at] = 0x45;
	set16(&b, at + 2, 19); /* total length < 20 */
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);
	set16(&b, at + 2, 30); /* TCP header past the total length */
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);
	b.d[at] = 0x65; /* version 6 behind ethertype IPv4 */
	set16(&b, at + 2, 40);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);
	b.d[at] = 0x45;

	/* total length > captured: a short snaplen, not an error */
	set16(&b, at + 2, 1500);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_int_equal(pi.ip_len, 1500);
	/* total length 0: a TSO / BIG TCP capture */
	set16(&b, at + 2, 0);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_int_equal(pi.ip_len, 0xffff);
	assert_int_equal(pi.tcp_flags, PKT_TCP_SYN);
}

static void test_tcp_malformed(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;

	(void)state;
	for (unsigned doff = 0; doff < 5; doff++) {
		b.n = 0;
		eth(&b, 0x0800);
		at = ip4(&b, IPPROTO_TCP, 0, 0);
		tcp(&b, PKT_TCP_SYN, 5);
		b.d[b.n - 8] = (uint8_t)(doff << 4);
		ip4_fin(&b, at);
		assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);
	}
	/* data offset 15 but only 20 bytes of TCP in the datagram */
	b.d[b.n - 8] = 0xf0;
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);
	/* ... fine when the capture, not the header, is short */
	set16(&b, at + 2, 1500);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);

	/* cut after the ports: ports are there, flags are not */
	b.n = 0;
	eth_ip4_tcp(&b, PKT_TCP_SYN);
	assert_int_equal(parse_n(DLT_EN10MB, &b, 14 + 20 + 4, &pi), PKT_TRUNCATED);
	assert_true(pi.has_ports);
	assert_int_equal(pi.sport, 40000);
	assert_int_equal(pi.tcp_flags, 0);
	assert_int_equal(parse_n(DLT_EN10MB, &b, 14 + 20 + 13, &pi), PKT_TRUNCATED);
	assert_int_equal(parse_n(DLT_EN10MB, &b, 14 + 20 + 14, &pi), PKT_OK);
	assert_int_equal(pi.tcp_flags, PKT_TCP_SYN);
}

static void test_icmp(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;

	(void)state;
	eth(&b, 0x0800);
	at = ip4(&b, IPPROTO_ICMP, 0, 0);
	p8(&b, 3);      /* destination unreachable */
	p8(&b, 13);     /* administratively prohibited */
	p16(&b, 0);
	p32(&b, 0);
	ip4_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_int_equal(pi.proto, IPPROTO_ICMP);
	assert_int_equal(pi.icmp_type, 3);
	assert_int_equal(pi.icmp_code, 13);
	assert_false(pi.has_ports);
	assert_int_equal(parse_n(DLT_EN10MB, &b, 14 + 20 + 1, &pi), PKT_TRUNCATED);

	b.n = 0;
	eth(&b, 0x86dd);
	at = ip6(&b, IPPROTO_ICMPV6);
	p8(&b, 135);    /* neighbour solicitation */
	p8(&b, 0);
	p16(&b, 0);
	pzero(&b, 20);
	ip6_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_int_equal(pi.proto, IPPROTO_ICMPV6);
	assert_int_equal(pi.icmp_type, 135);
	assert_int_equal(pi.icmp_code, 0);
}

static void test_ipv6_chain(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;

	(void)state;
	/* hop-by-hop, routing, destination options, first fragment, TCP */
	eth(&b, 0x86dd);
	at = ip6(&b, 0);
	ext6(&b, 43, 0);
	ext6(&b, 60, 2);
	ext6(&b, 44, 1);
	frag6(&b, IPPROTO_TCP, 0, 1);
	tcp(&b, PKT_TCP_SYN, 5);
	ip6_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_v6(&pi);
	assert_int_equal(pi.proto, IPPROTO_TCP);
	assert_true(pi.fragment);
	assert_true(pi.more_frags);
	assert_int_equal(pi.frag_off, 0);
	assert_int_equal(pi.frag_id, 0xcafe0001);
	assert_true(pi.has_ports);
	assert_int_equal(pi.dport, 443);
	assert_int_equal(pi.tcp_flags, PKT_TCP_SYN);
	assert_int_equal(pi.ip_len, b.n - 14);
	/* every cut inside the chain is TRUNCATED with the addresses kept */
	for (size_t n = 14 + 40; n < b.n - 20 + 14; n++) {
		assert_int_equal(parse_n(DLT_EN10MB, &b, n, &pi), PKT_TRUNCATED);
		assert_v6(&pi);
	}

	/* a later fragment: proto from the fragment header, no ports */
	b.n = 0;
	eth(&b, 0x86dd);
	at = ip6(&b, 0);
	ext6(&b, 44, 0);
	frag6(&b, IPPROTO_UDP, 181, 0);
	pzero(&b, 32);
	ip6_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_true(pi.fragment);
	assert_false(pi.more_frags);
	assert_int_equal(pi.frag_off, 181);
	assert_int_equal(pi.proto, IPPROTO_UDP);
	assert_false(pi.has_ports);

	/* an atomic fragment (RFC 6946) is a whole packet */
	b.n = 0;
	eth(&b, 0x86dd);
	at = ip6(&b, 44);
	frag6(&b, IPPROTO_UDP, 0, 0);
	udp(&b);
	ip6_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_false(pi.fragment);
	assert_true(pi.has_ports);

	/* AH: (len + 2) * 4 bytes */
	b.n = 0;
	eth(&b, 0x86dd);
	at = ip6(&b, IPPROTO_AH);
	ah(&b, IPPROTO_TCP, 4);
	tcp(&b, PKT_TCP_ACK, 5);
	ip6_fin(&b, at);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
	assert_int_equal(pi.proto, IPPROTO_TCP);
	assert_int_equal(pi.sport, 40000);

	/* an extension header running past the payload length */
	set16(&b, at + 4, 10);
	assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_MALFORMED);
	assert_v6(&pi);
}

static void test_ipv6_stops(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;
	size_t at;
	static const unsigned stop[] = { IPPROTO_ESP, IPPROTO_NONE, 135, 253 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(stop); i++) {
		b.n = 0;
		eth(&b, 0x86dd);
		at = ip6(&b, 60);
		ext6(&b, stop[i], 0);
		p32(&b, 0x11223344); /* would be ports if misread */
		pzero(&b, 20);
		ip6_fin(&b, at);
		assert_int_equal(parse(DLT_EN10MB, &b, &pi), PKT_OK);
		assert_int_equal(pi.proto, stop[i]);
		assert_false(pi.has_ports);
	}

	/* no next header right away, payload length 0 */
	b.n = 0;
	at = ip6(&b, IPPROTO_NONE);
	assert_int_equal(parse(DLT_IPV6, &b, &pi), PKT_OK);
	assert_int_equal(pi.proto, IPPROTO_NONE);
	assert_int_equal(pi.ip_len, 40);

	/* PKT_MAX_IP6_EXT (8) extension headers pass, 9 do not */
	for (unsigned n = 8; n <= 9; n++) {
		b.n = 0;
		at = ip6(&b, 60);
		for (unsigned i = 1; i < n; i++)
			ext6(&b, 60, 0);
		ext6(&b, IPPROTO_UDP, 0);
		udp(&b);
		ip6_fin(&b, at);
		assert_int_equal(parse(DLT_IPV6, &b, &pi),
				 n == 8 ? PKT_OK : PKT_MALFORMED);
	}
	/* ... whichever kind the ninth is */
	static const unsigned ninth[] = { IPPROTO_AH, IPPROTO_FRAGMENT };
	for (size_t i = 0; i < ARRAY_SIZE(ninth); i++) {
		b.n = 0;
		at = ip6(&b, 60);
		for (unsigned n = 1; n < 8; n++)
			ext6(&b, 60, 0);
		ext6(&b, ninth[i], 0);
		pzero(&b, 32);
		ip6_fin(&b, at);
		assert_int_equal(parse(DLT_IPV6, &b, &pi), PKT_MALFORMED);
	}

	/* AH cut short */
	b.n = 0;
	at = ip6(&b, IPPROTO_AH);
	ah(&b, IPPROTO_TCP, 4);
	ip6_fin(&b, at);
	assert_int_equal(parse_n(DLT_IPV6, &b, 41, &pi), PKT_TRUNCATED);
	assert_int_equal(parse_n(DLT_IPV6, &b, 60, &pi), PKT_TRUNCATED);
	assert_int_equal(pi.proto, IPPROTO_AH);
}

static void test_ipv6_jumbo(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;

	(void)state;
	/* payload length 0, hop-by-hop with the jumbo payload option */
	ip6(&b, 0);
	p8(&b, IPPROTO_UDP);
	p8(&b, 0);
	p8(&b, 0xc2);
	p8(&b, 4);
	p32(&b, 70000);
	udp(&b);
	assert_int_equal(parse(DLT_IPV6, &b, &pi), PKT_OK);
	assert_int_equal(pi.ip_len, 0xffff);
	assert_int_equal(pi.dport, 53);

	/* BIG TCP / GSO: payload length 0 straight into TCP */
	b.n = 0;
	ip6(&b, IPPROTO_TCP);
	tcp(&b, PKT_TCP_ACK, 5);
	assert_int_equal(parse(DLT_IPV6, &b, &pi), PKT_OK);
	assert_int_equal(pi.ip_len, 0xffff);
	assert_int_equal(pi.tcp_flags, PKT_TCP_ACK);

	/* the largest payload length saturates ip_len */
	b.n = 0;
	ip6(&b, IPPROTO_UDP);
	udp(&b);
	set16(&b, 4, 0xffff);
	assert_int_equal(parse(DLT_IPV6, &b, &pi), PKT_OK);
	assert_int_equal(pi.ip_len, 0xffff);
}

/*
 * Cut a full packet at every length: never a crash or an overread (the
 * copy is exactly caplen bytes on the heap), TRUNCATED until the fields
 * are all there, OK after, and addresses as soon as the IP header is in.
 */
static void truncate_all(int dlt, const struct b *b, size_t ip_at, size_t ok_at,
			 bool v6)
{
	struct pkt_info pi;
	size_t need = ip_at + (v6 ? 40 : 20);

	for (size_t n = 0; n <= b->n; n++) {
		enum pkt_result r = parse_n(dlt, b, n, &pi);

		assert_int_equal(r, n >= ok_at ? PKT_OK : PKT_TRUNCATED);
		if (n >= need) {
			if (v6)
				assert_v6(&pi);
			else
				assert_v4(&pi);
		} else {
			assert_int_equal(pi.src.af, 0);
		}
	}
}

static void test_truncation(void **state)
{
	struct b b = { 0 }, pkt = { 0 };
	size_t at;

	(void)state;
	eth_ip4_tcp(&b, PKT_TCP_SYN);
	truncate_all(DLT_EN10MB, &b, 14, 14 + 20 + 14, false);

	b.n = 0;
	eth(&b, 0x88a8);
	vlan(&b, 1, 0x8100);
	vlan(&b, 2, 0x86dd);
	at = ip6(&b, 0);
	ext6(&b, IPPROTO_TCP, 0);
	tcp(&b, PKT_TCP_SYN, 6);
	ip6_fin(&b, at);
	truncate_all(DLT_EN10MB, &b, 22, 22 + 40 + 8 + 14, true);

	b.n = 0;
	at = ip4(&b, IPPROTO_UDP, 8, 0);
	udp(&b);
	ip4_fin(&b, at);
	truncate_all(DLT_RAW, &b, 0, 28 + 4, false);

	at = ip4(&pkt, IPPROTO_ICMP, 0, 0);
	p8(&pkt, 8);
	p8(&pkt, 0);
	p16(&pkt, 0);
	p32(&pkt, 0);
	ip4_fin(&pkt, at);
	b.n = 0;
	nflog_hdr(&b, AF_INET, 3);
	size_t ip_at = b.n + 4;
	tlv(&b, 9, pkt.d, pkt.n);
	truncate_all(DLT_NFLOG, &b, ip_at, ip_at + 20 + 2, false);
}

static void test_misc(void **state)
{
	struct b b = { 0 };
	struct pkt_info pi;

	(void)state;
	assert_true(pkt_dlt_supported(DLT_EN10MB));
	assert_true(pkt_dlt_supported(DLT_LINUX_SLL));
	assert_true(pkt_dlt_supported(DLT_LINUX_SLL2));
	assert_true(pkt_dlt_supported(DLT_RAW));
	assert_true(pkt_dlt_supported(DLT_IPV4));
	assert_true(pkt_dlt_supported(DLT_IPV6));
	assert_true(pkt_dlt_supported(DLT_NFLOG));
	assert_false(pkt_dlt_supported(DLT_NULL));
	assert_false(pkt_dlt_supported(DLT_IEEE802_11_RADIO));
	assert_string_equal(pkt_result_name(PKT_OK), "ok");
	assert_string_equal(pkt_result_name(PKT_SKIP), "skip");
	assert_string_equal(pkt_result_name(PKT_TRUNCATED), "truncated");
	assert_string_equal(pkt_result_name(PKT_MALFORMED), "malformed");

	eth_ip4_tcp(&b, PKT_TCP_SYN);
	assert_int_equal(parse(DLT_NULL, &b, &pi), PKT_SKIP);
	for (int dlt = 0; dlt < 300; dlt++)
		if (pkt_dlt_supported(dlt))
			assert_int_equal(pkt_parse(dlt, NULL, 0, &pi), PKT_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_ipv4_tcp),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_non_ip),
		cmocka_unit_test(test_sll),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_nflog),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv4_malformed),
		cmocka_unit_test(test_tcp_malformed),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_ipv6_chain),
		cmocka_unit_test(test_ipv6_stops),
		cmocka_unit_test(test_ipv6_jumbo),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_icmp_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
