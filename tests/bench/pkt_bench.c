/* SPDX-License-Identifier: MIT */
/*
 * pkt_bench FILE...: ns per pkt_parse() over a mix of packets, against a
 * peer that only copies the first 64 bytes of each (what any parser has
 * to touch, a floor). Each FILE is a tests/fuzz/corpus/pkt seed: one byte
 * of link type index, then the packet. Prints medians of 5 runs.
 */
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "util.h"

/* Same order as tests/fuzz/fuzz_pkt.c. */
static const int dlts[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
	DLT_IPV4, DLT_IPV6, DLT_NFLOG,
};

#define MAXPKT 64
#define ITERS 2000000
#define RUNS 5

struct sample {
	int dlt;
	size_t len;
	uint8_t buf[256];
};

static struct sample pkts[MAXPKT];
static size_t npkts;
static volatile unsigned sink;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_ns(uint64_t t[RUNS], size_t per_run)
{
	qsort(t, RUNS, sizeof(t[0]), cmp_u64);
	return (double)t[RUNS / 2] / (double)per_run;
}

static double bench_parse(size_t first, size_t n)
{
	uint64_t t[RUNS];
	struct pkt_info pi;

	for (int r = 0; r < RUNS; r++) {
		unsigned acc = 0;
		uint64_t t0 = util_now_mono_ns();

		for (size_t i = 0; i < ITERS; i++) {
			const struct sample *s = &pkts[first + i % n];

			acc += pkt_parse(s->dlt, s->buf, s->len, &pi);
			acc += pi.sport + pi.proto + pi.src.u.w[0];
		}
		t[r] = util_now_mono_ns() - t0;
		sink += acc;
	}
	return median_ns(t, ITERS);
}

static double bench_copy(void)
{
	uint64_t t[RUNS];
	uint8_t hdr[64];

	for (int r = 0; r < RUNS; r++) {
		unsigned acc = 0;
		uint64_t t0 = util_now_mono_ns();

		for (size_t i = 0; i < ITERS; i++) {
			const struct sample *s = &pkts[i % npkts];
			size_t n = s->len < sizeof(hdr) ? s->len : sizeof(hdr);

			memcpy(hdr, s->buf, n);
			__asm__ volatile("" : : "r"(hdr) : "memory");
			acc += hdr[n - 1];
		}
		t[r] = util_now_mono_ns() - t0;
		sink += acc;
	}
	return median_ns(t, ITERS);
}

int main(int argc, char **argv)
{
	size_t common = SIZE_MAX;
	double mix, one, peer;

	for (int i = 1; i < argc && npkts < MAXPKT; i++) {
		uint8_t raw[sizeof(pkts[0].buf) + 1];
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(raw, 1, sizeof(raw), f);
		fclose(f);
		if (n < 2)
			continue;
		pkts[npkts].dlt = dlts[raw[0] % ARRAY_SIZE(dlts)];
		pkts[npkts].len = n - 1;
		memcpy(pkts[npkts].buf, raw + 1, n - 1);
		if (strstr(argv[i], "eth_ip4_tcp"))
			common = npkts;
		npkts++;
	}
	if (!npkts || common == SIZE_MAX) {
		fprintf(stderr, "usage: pkt_bench SEED... (with eth_ip4_tcp)\n");
		return 1;
	}
	mix = bench_parse(0, npkts);
	one = bench_parse(common, 1);
	peer = bench_copy();
	printf("pkt_parse, mix of %zu packet kinds:  %6.1f ns/packet\n", npkts, mix);
	printf("pkt_parse, Ethernet/IPv4/TCP only:  %6.1f ns/packet\n", one);
	printf("peer memcpy of 64 header bytes:     %6.1f ns/packet\n", peer);
	printf("ratio pkt_parse mix / memcpy peer:  %6.1fx\n", mix / peer);
	return 0;
}
