/* SPDX-License-Identifier: MIT */
/*
 * gen_traffic: write a large synthetic capture and a matching threat list
 * for `make bench`. Mixed IPv4/IPv6, plain and 802.1Q-tagged Ethernet,
 * TCP/UDP/ICMP, drawn from a pool of flows so that the flow/verdict
 * caches see realistic reuse; a share of the flows talk to listed hosts.
 *
 * usage: gen_traffic PCAP LIST NPACKETS NHOSTS NPREFIXES
 *   LIST gets NHOSTS random IPv4 /32 and NPREFIXES prefixes (IPv4 /16-/28
 *   and IPv6 /48-/64, about half each), every line a distinct entry.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct flow {
	int v6, vlan, proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

static size_t frame(const struct flow *f, int reply, uint8_t *b, uint16_t *iplen)
{
	size_t n = 12, l4;
	const uint8_t *s = reply ? f->dst : f->src, *d = reply ? f->src : f->dst;
	uint16_t sp = reply ? f->dport : f->sport, dp = reply ? f->sport : f->dport;

	memcpy(b, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	if (f->vlan) {
		put16(b + n, 0x8100);
		put16(b + n + 2, 7);
		n += 4;
	}
	put16(b + n, f->v6 ? 0x86dd : 0x0800);
	n += 2;
	*iplen = (uint16_t)(60 + rnd() % 1400);
	if (f->v6) {
		memset(b + n, 0, 40);
		b[n] = 0x60;
		put16(b + n + 4, *iplen - 40);
		b[n + 6] = (uint8_t)f->proto;
		b[n + 7] = 64;
		memcpy(b + n + 8, s, 16);
		memcpy(b + n + 24, d, 16);
		n += 40;
	} else {
		memset(b + n, 0, 20);
		b[n] = 0x45;
		put16(b + n + 2, *iplen);
		b[n + 8] = 64;
		b[n + 9] = (uint8_t)f->proto;
		memcpy(b + n + 12, s, 4);
		memcpy(b + n + 16, d, 4);
		n += 20;
	}
	l4 = f->proto == 6 ? 20 : 8;
	memset(b + n, 0, l4);
	if (f->proto == 1 || f->proto == 58) {
		b[n] = f->proto == 1 ? (reply ? 0 : 8) : (reply ? 129 : 128);
	} else {
		put16(b + n, sp);
		put16(b + n + 2, dp);
		if (f->proto == 6) {
			b[n + 12] = 0x50;
			b[n + 13] = reply ? 0x10 : 0x18;
		}
	}
	return n + l4;
}

static void rand_v4(uint8_t *a)
{
	uint32_t v;

	do
		v = (uint32_t)rnd();
	while ((v >> 24) == 0 || (v >> 24) == 127 || (v >> 24) >= 224);
	v = htonl(v);
	memcpy(a, &v, 4);
}

int main(int argc, char **argv)
{
	FILE *pf, *lf;
	long npk, nhosts, npfx, nflows = 50000;
	struct flow *flows;
	uint8_t buf[128];

	if (argc != 6) {
		fprintf(stderr, "usage: %s PCAP LIST NPACKETS NHOSTS NPREFIXES\n", argv[0]);
		return 2;
	}
	npk = atol(argv[3]);
	nhosts = atol(argv[4]);
	npfx = atol(argv[5]);
	pf = fopen(argv[1], "wb");
	lf = fopen(argv[2], "w");
	flows = calloc((size_t)nflows, sizeof(*flows));
	if (!pf || !lf || !flows)
		return 1;
	setvbuf(pf, NULL, _IOFBF, 1 << 20);
	setvbuf(lf, NULL, _IOFBF, 1 << 20);

	/* The list: hosts first (some reused as flow targets below). */
	uint8_t (*listed)[4] = calloc((size_t)nhosts + 1, 4);
	for (long i = 0; i < nhosts; i++) {
		rand_v4(listed[i]);
		fprintf(lf, "%u.%u.%u.%u\n", listed[i][0], listed[i][1],
			listed[i][2], listed[i][3]);
	}
	for (long i = 0; i < npfx; i++) {
		if (i % 2 == 0) {
			uint8_t a[4];
			unsigned len = 16 + (unsigned)(rnd() % 13);
			uint32_t v;

			rand_v4(a);
			memcpy(&v, a, 4);
			v = htonl(ntohl(v) & (0xffffffffu << (32 - len)));
			memcpy(a, &v, 4);
			fprintf(lf, "%u.%u.%u.%u/%u\n", a[0], a[1], a[2], a[3], len);
		} else {
			unsigned len = 48 + (unsigned)(rnd() % 17);
			uint64_t hi = 0x20010db800000000ull | (rnd() & 0xffffffffull);

			hi &= len >= 64 ? ~0ull : ~0ull << (64 - len);
			fprintf(lf, "%x:%x:%x:%x::/%u\n", (unsigned)(hi >> 48),
				(unsigned)(hi >> 32) & 0xffff,
				(unsigned)(hi >> 16) & 0xffff, (unsigned)hi & 0xffff, len);
		}
	}

	for (long i = 0; i < nflows; i++) {
		struct flow *f = &flows[i];
		unsigned r = (unsigned)(rnd() % 100);

		f->v6 = r < 20;
		f->vlan = rnd() % 10 == 0;
		r = (unsigned)(rnd() % 100);
		f->proto = r < 70 ? 6 : r < 95 ? 17 : (f->v6 ? 58 : 1);
		f->sport = (uint16_t)(32768 + rnd() % 28000);
		f->dport = (uint16_t)(r % 3 == 0 ? 443 : r % 3 == 1 ? 80 : 53);
		if (f->v6) {
			memcpy(f->src, "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0\0\x10", 16);
			memcpy(f->dst, "\x20\x01\x0d\xb8", 4);
			for (int k = 4; k < 16; k++)
				f->dst[k] = (uint8_t)rnd();
		} else {
			memcpy(f->src, "\xc0\x00\x02\x0a", 4);
			/* 1% of IPv4 flows go to a listed host. */
			if (nhosts && rnd() % 100 == 0)
				memcpy(f->dst, listed[rnd() % (uint64_t)nhosts], 4);
			else
				rand_v4(f->dst);
		}
	}

	uint32_t hdr[6] = { 0xa1b23c4d, 0x00040002, 0, 0, 96, 1 };
	fwrite(hdr, 4, 6, pf);
	uint64_t ts = 1767225600ull * 1000000000ull;
	for (long i = 0; i < npk; i++) {
		/* Skewed popularity: a few flows carry most packets. */
		long fi = (long)(rnd() % (uint64_t)nflows);
		if (rnd() % 4)
			fi %= 2000;
		uint16_t iplen;
		size_t n = frame(&flows[fi], rnd() % 3 == 0, buf, &iplen);
		uint32_t rec[4];
		size_t wire = n - (flows[fi].v6 ? 40 : 20) - (flows[fi].proto == 6 ? 20 : 8) + iplen;

		ts += 200 + rnd() % 2000;
		rec[0] = (uint32_t)(ts / 1000000000ull);
		rec[1] = (uint32_t)(ts % 1000000000ull);
		rec[2] = (uint32_t)n;
		rec[3] = (uint32_t)(wire > n ? wire : n);
		fwrite(rec, 4, 4, pf);
		fwrite(buf, 1, n, pf);
	}
	free(listed);
	free(flows);
	return fclose(pf) || fclose(lf);
}
