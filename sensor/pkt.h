/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PKT_H
#define CORDON_PKT_H

#include <netinet/in.h>
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
	uint16_t quote_off;    /* ICMP error: where the packet it quotes
				* starts in buf (0: none; pkt_quote()) */
	uint16_t quote_len;    /* its bytes there, at most PKT_QUOTE_MAX */
};

/* The bytes of a quoted packet pkt_quote() reads, at most. */
#define PKT_QUOTE_MAX 256

/*
 * ICMP errors (IPv4 types 3, 4, 5, 11, 12; ICMPv6 types 1-4): sent about
 * a packet, never the start of a conversation.
 */
static inline bool pkt_icmp_error(const struct pkt_info *p)
{
	if (p->frag_off) /* a later fragment: no ICMP header */
		return false;
	if (p->proto == IPPROTO_ICMP)
		return p->icmp_type == 3 || p->icmp_type == 4 || p->icmp_type == 5 ||
		       p->icmp_type == 11 || p->icmp_type == 12;
	return p->proto == IPPROTO_ICMPV6 && p->icmp_type >= 1 && p->icmp_type <= 4;
}

/*
 * ICMP replies (IPv4 echo 0, timestamp 14, information 16, address mask
 * 18; ICMPv6 echo 129): only ever sent to a request.
 */
static inline bool pkt_icmp_reply(const struct pkt_info *p)
{
	if (p->frag_off)
		return false;
	if (p->proto == IPPROTO_ICMP)
		return p->icmp_type == 0 || p->icmp_type == 14 || p->icmp_type == 16 ||
		       p->icmp_type == 18;
	return p->proto == IPPROTO_ICMPV6 && p->icmp_type == 129;
}

/* What an ICMP error says it is about: the start of the packet it quotes. */
struct pkt_quote {
	struct cd_addr src, dst;
	uint16_t sport, dport; /* host order; 0 unless has_ports */
	uint8_t proto;
	bool has_ports;
};

/*
 * The packet ICMP error p quotes (buf, caplen: what p was parsed from).
 * Its IP header must be whole, of p's IP version, and agree with itself;
 * its ports count when their 4 bytes were quoted (RFC 792 quotes only 8
 * bytes of the transport header). PKT_OK, PKT_SKIP (p quotes nothing),
 * PKT_TRUNCATED or PKT_MALFORMED (*q is then not to be used).
 */
enum pkt_result pkt_quote(const uint8_t *buf, size_t caplen,
			  const struct pkt_info *p, struct pkt_quote *q);

/* dlt is the pcap link type (DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW, ...). */
enum pkt_result pkt_parse(int dlt, const uint8_t *buf, size_t caplen,
			  struct pkt_info *out);
/* Whether pkt_parse() knows this link type. */
bool pkt_dlt_supported(int dlt);
const char *pkt_result_name(enum pkt_result r);

#endif
