/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PKT_H
#define CORDON_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * Bounds-checked packet dissection, tcpdump style: every read goes through
 * an accessor that fails cleanly past the captured length. Pure
 * (buf, len) -> result; no allocation, no global state.
 */

enum pkt_result {
	PKT_OK = 0,     /* IP packet, fields below valid */
	PKT_SKIP,       /* not IPv4/IPv6 (ARP, LLDP, ...) */
	PKT_TRUNCATED,  /* ended before a header we needed */
	PKT_MALFORMED,  /* header fields contradict each other */
};

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

struct pkt_info {
	struct cd_addr src, dst;
	uint16_t sport, dport; /* host order; 0 unless has_ports */
	uint16_t ip_len;       /* IP total length per the header (bytes) */
	uint8_t proto;         /* upper-layer protocol (IPPROTO_*) */
	uint8_t tcp_flags;     /* PKT_TCP_* when proto is TCP and has_ports */
	uint8_t icmp_type, icmp_code;
	bool has_ports;        /* TCP/UDP header seen (first fragment) */
	bool fragment;         /* part of a fragmented datagram */
	bool nflog;            /* came through NFLOG (a dropped packet) */
	bool more_frags;       /* fragment with more to follow (MF / M bit) */
	uint16_t frag_off;     /* fragment offset in 8-byte units */
	uint32_t frag_id;      /* IPv4 identification / IPv6 fragment id */
	uint16_t nflog_group;  /* from the NFLOG header */
};

/* dlt is the pcap link type (DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW, ...). */
enum pkt_result pkt_parse(int dlt, const uint8_t *buf, size_t caplen,
			  struct pkt_info *out);
/* Whether pkt_parse() knows this link type. */
bool pkt_dlt_supported(int dlt);
const char *pkt_result_name(enum pkt_result r);

#endif
