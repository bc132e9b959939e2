/* SPDX-License-Identifier: MIT */
/*
 * IPv4, IPv6 (with its extension-header chain) and the few upper-layer
 * fields cordon needs: TCP/UDP ports, TCP flags, ICMP type and code.
 * Every read goes through the pkt_cur accessors of pkt_impl.h.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "pkt_impl.h"

#define PKT_TCP_FLAG_MASK (PKT_TCP_FIN | PKT_TCP_SYN | PKT_TCP_RST | \
			   PKT_TCP_PSH | PKT_TCP_ACK)

/*
 * Set one address without a memset: the bytes past an IPv4 address must
 * be zero (addr.h), and these stores are all it takes.
 */
static inline void pkt_addr4(struct cd_addr *a, const uint8_t *b)
{
	a->af = AF_INET;
	a->pad[0] = a->pad[1] = a->pad[2] = 0;
	memcpy(&a->u.w[0], b, 4);
	a->u.w[1] = a->u.w[2] = a->u.w[3] = 0;
}

static inline void pkt_addr6(struct cd_addr *a, const uint8_t *b)
{
	a->af = AF_INET6;
	a->pad[0] = a->pad[1] = a->pad[2] = 0;
	memcpy(a->u.b, b, 16);
}

/*
 * TCP (RFC 9293 3.1): ports need 4 bytes, the flags 14.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |           Checksum            |         Urgent Pointer        |
 * |                    Options (Data Offset > 5)                  |
 *
 * UDP (RFC 768): source port, destination port, length, checksum.
 * ICMP (RFC 792) and ICMPv6 (RFC 4443): type, code, checksum, ...
 */
enum pkt_result pkt_l4(struct pkt_cur *c, struct pkt_info *out)
{
	uint8_t h[14];
	unsigned doff;

	switch (out->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (!cur_bytes(c, h, 4))
			return cur_fail(c);
		out->sport = pkt_be16(h);
		out->dport = pkt_be16(h + 2);
		out->has_ports = true;
		if (out->proto == IPPROTO_UDP)
			return PKT_OK;
		if (!cur_bytes(c, h + 4, 10))
			return cur_fail(c);
		doff = h[12] >> 4;
		if (doff < 5)
			return PKT_MALFORMED;
		/* Options running past the IP payload contradict its length. */
		if (c->hdr_end && cur_left(c) < doff * 4 - sizeof(h))
			return PKT_MALFORMED;
		out->tcp_flags = h[13] & PKT_TCP_FLAG_MASK;
		return PKT_OK;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (!cur_bytes(c, h, 2))
			return cur_fail(c);
		out->icmp_type = h[0];
		out->icmp_code = h[1];
		/* An error quotes its packet after the 8-byte ICMP header. */
		if (pkt_icmp_error(out) && cur_skip(c, 6) && cur_left(c) &&
		    c->off <= UINT16_MAX) {
			out->quote_off = (uint16_t)c->off;
			out->quote_len = (uint16_t)(cur_left(c) < PKT_QUOTE_MAX ?
						    cur_left(c) : PKT_QUOTE_MAX);
		}
		return PKT_OK;
	default:
		return PKT_OK;
	}
}

/*
 * IPv4 (RFC 791 3.1).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options                    |    Padding    |
 *
 * Total length 0 is what TSO/GSO and IPv4 BIG TCP captures carry on the
 * sending host (the real length is not in the header): parse up to the
 * captured length and report ip_len 0xffff, "65535 or more".
 */
enum pkt_result pkt_ip4(struct pkt_cur *c, struct pkt_info *out)
{
	uint8_t h[20];
	size_t hlen, tot;
	uint16_t frag;

	if (!cur_bytes(c, h, sizeof(h)))
		return cur_fail(c);
	if (h[0] >> 4 != 4)
		return PKT_MALFORMED;
	pkt_addr4(&out->src, h + 12);
	pkt_addr4(&out->dst, h + 16);
	out->proto = h[9];
	hlen = (size_t)(h[0] & 0x0f) * 4;
	tot = pkt_be16(h + 2);
	if (hlen < sizeof(h))
		return PKT_MALFORMED;
	if (tot == 0) {
		out->ip_len = 0xffff;
	} else {
		if (tot < hlen)
			return PKT_MALFORMED;
		out->ip_len = (uint16_t)tot;
		cur_end_at(c, tot - sizeof(h));
	}
	frag = pkt_be16(h + 6);
	if (frag & 0x3fff) { /* MF or an offset */
		out->fragment = true;
		out->more_frags = (frag & 0x2000) != 0;
		out->frag_off = frag & 0x1fff;
		out->frag_id = pkt_be16(h + 4);
	}
	if (!cur_skip(c, hlen - sizeof(h)))
		return cur_fail(c);
	/* Later fragments carry no upper-layer header. */
	if (out->frag_off)
		return PKT_OK;
	return pkt_l4(c, out);
}

/*
 * IPv6 (RFC 8200 3) and its extension headers (RFC 8200 4, RFC 7045).
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * |                   Source Address (128 bits)                   |
 * |                Destination Address (128 bits)                 |
 *
 * Generic extension header (hop-by-hop 0, routing 43, destination
 * options 60, HIP 139, shim6 140), length in 8-octet units not counting
 * the first 8; AH (51, RFC 4302) counts 4-octet units minus 2:
 * | Next Header | Hdr Ext Len | ... |
 *
 * Fragment (44), always 8 octets:
 * | Next Header |  Reserved   |    Fragment Offset    |Res|M|
 * |                        Identification                   |
 *
 * ESP (50), no next header (59), mobility (135) and anything unknown end
 * the walk: out->proto is that value and there are no ports.
 *
 * Payload length 0 with anything but "no next header" following is a
 * jumbogram (RFC 2675) or a BIG TCP/GSO capture: parse up to the captured
 * length and report ip_len 0xffff, "65535 or more".
 */
static enum pkt_result pkt_ip6_ext(struct pkt_cur *c, struct pkt_info *out)
{
	uint8_t h[8];
	uint16_t offlg;

	for (unsigned n = 0;; n++) {
		switch (out->proto) {
		case 0:
		case 43:
		case 60:
		case 139:
		case 140:
			if (n == PKT_MAX_IP6_EXT)
				return PKT_MALFORMED;
			if (!cur_bytes(c, h, 2))
				return cur_fail(c);
			if (!cur_skip(c, (size_t)(h[1] + 1) * 8 - 2))
				return cur_fail(c);
			break;
		case IPPROTO_AH:
			if (n == PKT_MAX_IP6_EXT)
				return PKT_MALFORMED;
			if (!cur_bytes(c, h, 2))
				return cur_fail(c);
			if (!cur_skip(c, (size_t)(h[1] + 2) * 4 - 2))
				return cur_fail(c);
			break;
		case IPPROTO_FRAGMENT:
			if (n == PKT_MAX_IP6_EXT)
				return PKT_MALFORMED;
			if (!cur_bytes(c, h, 8))
				return cur_fail(c);
			offlg = pkt_be16(h + 2);
			/* An atomic fragment (offset 0, M clear) is a whole packet. */
			if (offlg & 0xfff9) {
				out->fragment = true;
				out->more_frags = offlg & 1;
				out->frag_off = offlg >> 3;
				out->frag_id = pkt_be32(h + 4);
			}
			if (out->frag_off) {
				out->proto = h[0];
				return PKT_OK;
			}
			break;
		default:
			return pkt_l4(c, out);
		}
		out->proto = h[0];
	}
}

enum pkt_result pkt_ip6(struct pkt_cur *c, struct pkt_info *out)
{
	uint8_t h[40];
	size_t plen;

	if (!cur_bytes(c, h, sizeof(h)))
		return cur_fail(c);
	if (h[0] >> 4 != 6)
		return PKT_MALFORMED;
	pkt_addr6(&out->src, h + 8);
	pkt_addr6(&out->dst, h + 24);
	out->proto = h[6];
	plen = pkt_be16(h + 4);
	if (plen == 0 && out->proto != IPPROTO_NONE) {
		out->ip_len = 0xffff;
	} else {
		out->ip_len = plen > 0xffff - sizeof(h) ? 0xffff
							: (uint16_t)(plen + sizeof(h));
		cur_end_at(c, plen);
	}
	return pkt_ip6_ext(c, out);
}

enum pkt_result pkt_ip_any(struct pkt_cur *c, struct pkt_info *out)
{
	uint8_t v;

	if (!cur_peek_u8(c, &v))
		return cur_fail(c);
	switch (v >> 4) {
	case 4:
		return pkt_ip4(c, out);
	case 6:
		return pkt_ip6(c, out);
	default:
		return PKT_MALFORMED;
	}
}

enum pkt_result pkt_quote(const uint8_t *buf, size_t caplen,
			  const struct pkt_info *p, struct pkt_quote *q)
{
	struct pkt_info in = { 0 };
	struct pkt_cur c;
	enum pkt_result r;

	memset(q, 0, sizeof(*q));
	if (!p->quote_off || !pkt_icmp_error(p) || p->quote_len > PKT_QUOTE_MAX ||
	    (size_t)p->quote_off + p->quote_len > caplen)
		return PKT_SKIP;
	cur_init(&c, buf + p->quote_off, p->quote_len);
	/*
	 * The quote is parsed as a packet of its own, one level deep: an
	 * error quoting an error is not followed further (the inner
	 * quote_off is never read).
	 */
	r = p->src.af == AF_INET ? pkt_ip4(&c, &in) : pkt_ip6(&c, &in);
	/* Only the ports of the transport header may be missing. */
	if (r != PKT_OK && !(r == PKT_TRUNCATED && in.has_ports))
		return r;
	q->src = in.src;
	q->dst = in.dst;
	q->proto = in.proto;
	q->has_ports = in.has_ports;
	q->sport = in.sport;
	q->dport = in.dport;
	return PKT_OK;
}
