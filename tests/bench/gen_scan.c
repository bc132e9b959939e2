/* SPDX-License-Identifier: MIT */
/*
 * gen_scan: two captures of the same shape for bench_scan.sh, and the
 * list that makes one of them a scan:
 *   SCAN   NPKT TCP SYNs from NSRC distinct listed sources to random ports
 *          of 192.0.2.10 (every packet a new flow, most a new finding)
 *   CLEAN  the same packets from sources on no list
 *   LIST   the NSRC listed sources, one /32 a line
 * Listed sources have the top bit set, clean ones clear: never listed.
 *
 * usage: gen_scan SCAN CLEAN LIST NPKT NSRC
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void put_hdr(FILE *f)
{
	uint32_t h[6] = { 0xa1b23c4d, 2 | 4u << 16, 0, 0, 65535, 1 };

	fwrite(h, sizeof(h), 1, f);
}

static void put_pkt(FILE *f, uint32_t src, uint16_t sport, uint16_t dport,
		    uint64_t ts)
{
	uint8_t b[54] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0 };
	uint32_t rec[4] = { (uint32_t)(ts / 1000000000u), (uint32_t)(ts % 1000000000u),
			    sizeof(b), sizeof(b) };
	uint32_t s = htonl(src), d = htonl(0xc000020au);

	b[14] = 0x45;
	b[17] = 40;
	b[22] = 64;
	b[23] = 6;
	memcpy(b + 26, &s, 4);
	memcpy(b + 30, &d, 4);
	b[34] = (uint8_t)(sport >> 8);
	b[35] = (uint8_t)sport;
	b[36] = (uint8_t)(dport >> 8);
	b[37] = (uint8_t)dport;
	b[46] = 5 << 4;
	b[47] = 0x02; /* SYN */
	fwrite(rec, sizeof(rec), 1, f);
	fwrite(b, sizeof(b), 1, f);
}

int main(int argc, char **argv)
{
	FILE *fs, *fc, *fl;
	uint32_t *src;
	unsigned long npkt, nsrc;

	if (argc != 6) {
		fprintf(stderr, "usage: gen_scan SCAN CLEAN LIST NPKT NSRC\n");
		return 2;
	}
	npkt = strtoul(argv[4], NULL, 10);
	nsrc = strtoul(argv[5], NULL, 10);
	src = malloc(nsrc * sizeof(*src));
	fs = fopen(argv[1], "wb");
	fc = fopen(argv[2], "wb");
	fl = fopen(argv[3], "w");
	if (!src || !nsrc || !fs || !fc || !fl) {
		perror("gen_scan");
		return 1;
	}
	/* Distinct: a multiplicative walk over the 31-bit space. */
	for (unsigned long i = 0; i < nsrc; i++) {
		struct in_addr a;

		src[i] = 0x80000000u | (uint32_t)((i + 1) * 2654435761u & 0x7fffffffu);
		a.s_addr = htonl(src[i]);
		fprintf(fl, "%s\n", inet_ntoa(a));
	}
	put_hdr(fs);
	put_hdr(fc);
	for (unsigned long i = 0; i < npkt; i++) {
		uint64_t r = rnd();
		uint32_t s = src[r % nsrc];
		uint16_t sport = (uint16_t)(1024 + (r >> 20) % 60000);
		uint16_t dport = (uint16_t)(1 + (r >> 40) % 65535);
		uint64_t ts = 1767225600000000000ull + i * 1000u;

		put_pkt(fs, s, sport, dport, ts);
		put_pkt(fc, s & 0x7fffffffu, sport, dport, ts);
	}
	if (fclose(fs) || fclose(fc) || fclose(fl)) {
		perror("gen_scan");
		return 1;
	}
	free(src);
	return 0;
}
