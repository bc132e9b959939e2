/* SPDX-License-Identifier: MIT */
/*
 * blast: offer UDP frames on an interface as fast as this core can, for
 * `make bench` (bench_capture.sh) and nothing else: AF_PACKET with
 * PACKET_QDISC_BYPASS and sendmmsg() of 64 prebuilt frames at a time.
 * Every address is a documentation address (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24); run it only inside a namespace of your own.
 *
 * usage: blast IFACE SECONDS [LISTED_PER_MILLE [PPS [SCAN]]]
 *   LISTED_PER_MILLE of the frames come from 203.0.113.0/28 (the bench
 *   lists it), the rest between the other two /24s. PPS (0 = as fast as
 *   possible) paces the offer. SCAN 1: every frame sent gets new random
 *   ports (a port scan: endless distinct flows), else 4096 frames repeat.
 *   Prints "sent N frames in S s (R pps)".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NFRAMES 4096
#define FLEN 64
#define BATCH 64

static uint8_t frames[NFRAMES][FLEN];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void build(int listed_pm)
{
	uint64_t r = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < NFRAMES; i++) {
		uint8_t *f = frames[i], *ip = f + 14;
		uint32_t src, dst;
		uint16_t c;

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		/* Not the peer's MAC: the peer's stack drops them at once. */
		memcpy(f, "\x02\x00\x00\x00\x00\x99\x02\x00\x00\x00\x00\x01\x08\x00", 14);
		if ((int)(r % 1000) < listed_pm)
			src = 0xcb007100u | (uint32_t)(r >> 20 & 15);   /* 203.0.113.0/28 */
		else
			src = 0xc6336400u | (uint32_t)(r >> 20 & 255);  /* 198.51.100.0/24 */
		dst = 0xc0000200u | (uint32_t)(r >> 28 & 255);          /* 192.0.2.0/24 */
		ip[0] = 0x45;
		ip[2] = 0;
		ip[3] = FLEN - 14;
		ip[8] = 64;
		ip[9] = 17;
		src = htonl(src);
		dst = htonl(dst);
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
		c = csum(ip, 20);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
		ip[20] = (uint8_t)(r >> 40);
		ip[21] = (uint8_t)(r >> 48);
		ip[22] = (uint8_t)(r >> 36);
		ip[23] = (uint8_t)(r >> 44);
		ip[25] = FLEN - 34;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	uint64_t t0, end, sent = 0, pps;
	int fd, one = 1, listed_pm, scan;
	uint64_t r = 0x2545f4914f6cdd1dull;
	double secs;

	if (argc < 3) {
		fprintf(stderr, "usage: blast IFACE SECONDS [LISTED_PER_MILLE [PPS]]\n");
		return 2;
	}
	secs = atof(argv[2]);
	listed_pm = argc > 3 ? atoi(argv[3]) : 1;
	pps = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
	scan = argc > 5 && atoi(argv[5]) == 1;
	build(listed_pm);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("blast: socket");
		return 1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	sll.sll_halen = ETH_ALEN;
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "blast: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(msg, 0, sizeof(msg));
	t0 = now_ns();
	end = t0 + (uint64_t)(secs * 1e9);
	for (size_t k = 0;; k += BATCH) {
		uint64_t t = now_ns();
		int n;

		if (t >= end)
			break;
		if (pps && sent * 1000000000ull > (t - t0) * pps)
			continue; /* ahead of the pace: spin */
		for (int i = 0; i < BATCH; i++) {
			uint8_t *f = frames[(k + (size_t)i) % NFRAMES];

			if (scan) { /* UDP checksum 0: none, so ports are free */
				r ^= r << 13;
				r ^= r >> 7;
				r ^= r << 17;
				memcpy(f + 34, &r, 4);
			}
			iov[i].iov_base = f;
			iov[i].iov_len = FLEN;
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		n = sendmmsg(fd, msg, BATCH, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			perror("blast: sendmmsg");
			return 1;
		}
		sent += (uint64_t)n;
	}
	secs = (double)(now_ns() - t0) / 1e9;
	printf("sent %llu frames in %.2f s (%.0f pps)\n", (unsigned long long)sent,
	       secs, (double)sent / secs);
	return 0;
}
