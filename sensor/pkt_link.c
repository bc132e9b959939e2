/* SPDX-License-Identifier: MIT */
/*
 * Link layers: what pcap_datalink() can hand the sensor, down to the
 * first byte of the IP header. Every read goes through the pkt_cur
 * accessors of pkt_impl.h.
 */
#include <pcap/dlt.h>
#include <sys/socket.h>

#include "pkt_impl.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ1 0x9100 /* pre-802.1ad stacked tags */

#define NFULA_PAYLOAD 9
#define NLA_TYPE_MASK 0x3fff /* minus the nested and byte-order bits */

/*
 * An ethertype, after any number up to PKT_MAX_VLAN of tags:
 * | TCI (2) | next ethertype (2) |
 */
static enum pkt_result pkt_ethertype(struct pkt_cur *c, uint16_t type,
				     struct pkt_info *out)
{
	for (unsigned tags = 0;
	     type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ1;
	     tags++) {
		if (tags == PKT_MAX_VLAN)
			return PKT_MALFORMED;
		if (!cur_skip(c, 2) || !cur_be16(c, &type))
			return cur_fail(c);
	}
	switch (type) {
	case ETH_P_IPV4:
		return pkt_ip4(c, out);
	case ETH_P_IPV6:
		return pkt_ip6(c, out);
	default:
		return PKT_SKIP;
	}
}

/*
 * DLT_EN10MB, Ethernet II. An 802.3 length (< 0x0600) falls through to
 * PKT_SKIP like any other non-IP ethertype.
 * | destination MAC (6) | source MAC (6) | ethertype (2) |
 */
static enum pkt_result pkt_eth(struct pkt_cur *c, struct pkt_info *out)
{
	uint16_t type;

	if (!cur_skip(c, 12) || !cur_be16(c, &type))
		return cur_fail(c);
	return pkt_ethertype(c, type, out);
}

/*
 * DLT_LINUX_SLL, Linux cooked v1 (16 bytes):
 * | packet type (2) | ARPHRD (2) | addr len (2) | addr (8) | protocol (2) |
 * The protocol is an ethertype for the devices cordon watches; libpcap
 * puts VLAN tags back in after it.
 */
static enum pkt_result pkt_sll(struct pkt_cur *c, struct pkt_info *out)
{
	uint16_t type;

	if (!cur_skip(c, 14) || !cur_be16(c, &type))
		return cur_fail(c);
	return pkt_ethertype(c, type, out);
}

/*
 * DLT_LINUX_SLL2, Linux cooked v2 (20 bytes):
 * | protocol (2) | reserved (2) | ifindex (4) | ARPHRD (2) |
 * | packet type (1) | addr len (1) | addr (8) |
 */
static enum pkt_result pkt_sll2(struct pkt_cur *c, struct pkt_info *out)
{
	uint16_t type;

	if (!cur_be16(c, &type) || !cur_skip(c, 18))
		return cur_fail(c);
	return pkt_ethertype(c, type, out);
}

/*
 * DLT_NFLOG (tcpdump.org LINKTYPE_NFLOG): a netfilter log message.
 * | family (1) | version (1) = 0 | resource id = group (2, big endian) |
 * then TLVs, length and type in HOST byte order (libpcap swaps them in
 * savefiles from the other endianness), the length counting the 4-byte
 * TLV header but not the padding to 4 bytes:
 * | length (2) | type (2) | value (length - 4) | padding |
 * NFULA_PAYLOAD holds the packet from its network header on. Its value
 * may be shorter than the packet (nflog copy range) or cut by the
 * snaplen: both are a capture limit, not a malformed header.
 */
static enum pkt_result pkt_nflog(struct pkt_cur *c, struct pkt_info *out)
{
	uint8_t h[4];
	uint16_t tlen, ttype;
	size_t padded;

	if (!cur_bytes(c, h, sizeof(h)))
		return cur_fail(c);
	out->nflog = true;
	out->nflog_group = pkt_be16(h + 2);
	if (h[1] != 0)
		return PKT_MALFORMED;
	for (;;) {
		/* Ran out of TLVs before the payload: nothing to match on. */
		if (!cur_he16(c, &tlen) || !cur_he16(c, &ttype))
			return PKT_TRUNCATED;
		if (tlen < 4)
			return PKT_MALFORMED;
		if ((ttype & NLA_TYPE_MASK) == NFULA_PAYLOAD) {
			cur_clip(c, (size_t)tlen - 4);
			break;
		}
		padded = ((size_t)tlen + 3) / 4 * 4;
		if (!cur_skip(c, padded - 4))
			return PKT_TRUNCATED;
	}
	switch (h[0]) {
	case AF_INET:
		return pkt_ip4(c, out);
	case AF_INET6:
		return pkt_ip6(c, out);
	default: /* AF_BRIDGE, AF_UNSPEC: let the packet say */
		return pkt_ip_any(c, out);
	}
}

enum pkt_result pkt_parse(int dlt, const uint8_t *buf, size_t caplen,
			  struct pkt_info *out)
{
	struct pkt_cur c;

	*out = (struct pkt_info){ 0 };
	cur_init(&c, buf, caplen);
	switch (dlt) {
	case DLT_EN10MB:
		return pkt_eth(&c, out);
	case DLT_LINUX_SLL:
		return pkt_sll(&c, out);
	case DLT_LINUX_SLL2:
		return pkt_sll2(&c, out);
	case DLT_RAW:
		return pkt_ip_any(&c, out);
	case DLT_IPV4:
		return pkt_ip4(&c, out);
	case DLT_IPV6:
		return pkt_ip6(&c, out);
	case DLT_NFLOG:
		return pkt_nflog(&c, out);
	default:
		return PKT_SKIP;
	}
}

bool pkt_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NFLOG:
		return true;
	default:
		return false;
	}
}

const char *pkt_result_name(enum pkt_result r)
{
	switch (r) {
	case PKT_OK:
		return "ok";
	case PKT_SKIP:
		return "skip";
	case PKT_TRUNCATED:
		return "truncated";
	case PKT_MALFORMED:
		return "malformed";
	}
	return "unknown";
}
