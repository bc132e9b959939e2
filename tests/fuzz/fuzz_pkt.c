/* SPDX-License-Identifier: MIT */
/*
 * pkt_parse() on anything. The first byte picks the link type (modulo the
 * list below), the rest is the captured packet; libFuzzer hands over an
 * exact-size heap copy, so ASan flags any read past caplen. A few
 * invariants of struct pkt_info are checked on every result, and the
 * packet an ICMP error quotes is read too (pkt_quote()).
 */
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pkt.h"

/* Keep in step with tests/fuzz/gen_pkt_corpus.py. */
static const int dlts[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
	DLT_IPV4, DLT_IPV6, DLT_NFLOG,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_addr(const struct cd_addr *a)
{
	static const uint8_t zero[12];

	if (a->af == 0)
		return;
	if (a->af != AF_INET && a->af != AF_INET6)
		abort();
	if (a->af == AF_INET && memcmp(a->u.b + 4, zero, 12) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info pi;
	struct pkt_quote q;
	enum pkt_result r;
	int dlt;

	if (size < 1)
		return 0;
	dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	r = pkt_parse(dlt, data + 1, size - 1, &pi);
	if (r > PKT_MALFORMED || !pkt_result_name(r))
		abort();
	check_addr(&pi.src);
	check_addr(&pi.dst);
	if (pi.src.af != pi.dst.af)
		abort();
	if (r == PKT_OK && pi.src.af == 0)
		abort();
	if (pi.has_ports && pi.proto != IPPROTO_TCP && pi.proto != IPPROTO_UDP)
		abort();
	if (pi.has_ports && pi.frag_off != 0)
		abort();
	if (pi.tcp_flags & ~0x1f)
		abort();
	if (pi.nflog != (dlt == DLT_NFLOG && size - 1 >= 4))
		abort();
	if (r != PKT_OK)
		return 0;
	if (pi.quote_off && (!pkt_icmp_error(&pi) || !pi.quote_len ||
			     pi.quote_len > PKT_QUOTE_MAX ||
			     (size_t)pi.quote_off + pi.quote_len > size - 1))
		abort();
	r = pkt_quote(data + 1, size - 1, &pi, &q);
	if (r > PKT_MALFORMED || (r == PKT_SKIP) != (pi.quote_off == 0))
		abort();
	if (r == PKT_OK) {
		check_addr(&q.src);
		check_addr(&q.dst);
		if (q.src.af != pi.src.af || q.dst.af != pi.src.af)
			abort();
		if (q.has_ports && q.proto != IPPROTO_TCP && q.proto != IPPROTO_UDP)
			abort();
	}
	return 0;
}
