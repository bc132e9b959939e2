/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PKT_IMPL_H
#define CORDON_PKT_IMPL_H

/*
 * Private to sensor/pkt_*.c: the bounds-checked cursor every dissector
 * reads through, and the layer parsers the link layers hand over to.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"
#include "util.h"

/* Caps on loops driven by packet bytes. */
#define PKT_MAX_VLAN 4    /* 802.1Q / 802.1ad / 0x9100 tags in a row */
#define PKT_MAX_IP6_EXT 8 /* IPv6 extension headers before the upper layer */

/*
 * A window on the captured bytes. Invariant: off <= len. Every accessor
 * checks the bytes it wants against len and returns false, moving nothing,
 * when they are not all there; loads go through memcpy because packet
 * fields are not aligned.
 *
 * len starts as the captured length. A length field (IPv4 total length,
 * IPv6 payload length) may shorten it with cur_end_at(): past that point
 * the bytes are Ethernet padding or trailer, not this packet. hdr_end
 * remembers that, so running out of bytes then means the headers
 * contradict each other (PKT_MALFORMED) rather than a short snaplen
 * (PKT_TRUNCATED).
 */
struct pkt_cur {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool hdr_end;
};

static inline void cur_init(struct pkt_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->off = 0;
	c->hdr_end = false;
}

static inline size_t cur_left(const struct pkt_cur *c)
{
	return c->len - c->off;
}

static inline bool cur_skip(struct pkt_cur *c, size_t n)
{
	if (unlikely(n > cur_left(c)))
		return false;
	c->off += n;
	return true;
}

static inline bool cur_bytes(struct pkt_cur *c, void *dst, size_t n)
{
	if (unlikely(n > cur_left(c)))
		return false;
	memcpy(dst, c->p + c->off, n);
	c->off += n;
	return true;
}

static inline bool cur_u8(struct pkt_cur *c, uint8_t *v)
{
	return cur_bytes(c, v, 1);
}

/* The next byte, without moving. */
static inline bool cur_peek_u8(const struct pkt_cur *c, uint8_t *v)
{
	if (unlikely(cur_left(c) < 1))
		return false;
	*v = c->p[c->off];
	return true;
}

static inline uint16_t pkt_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t pkt_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline bool cur_be16(struct pkt_cur *c, uint16_t *v)
{
	uint8_t b[2];

	if (!cur_bytes(c, b, sizeof(b)))
		return false;
	*v = pkt_be16(b);
	return true;
}

static inline bool cur_be32(struct pkt_cur *c, uint32_t *v)
{
	uint8_t b[4];

	if (!cur_bytes(c, b, sizeof(b)))
		return false;
	*v = pkt_be32(b);
	return true;
}

/* Host byte order: NFLOG TLV headers are written by the local kernel. */
static inline bool cur_he16(struct pkt_cur *c, uint16_t *v)
{
	return cur_bytes(c, v, sizeof(*v));
}

/* The capture (not a header) stops n bytes from here, if not sooner. */
static inline void cur_clip(struct pkt_cur *c, size_t n)
{
	if (n < cur_left(c))
		c->len = c->off + n;
}

/* A length field says this packet ends n bytes from here. */
static inline void cur_end_at(struct pkt_cur *c, size_t n)
{
	if (n <= cur_left(c)) {
		c->len = c->off + n;
		c->hdr_end = true;
	}
}

/* What running out of bytes means at this point. */
static inline enum pkt_result cur_fail(const struct pkt_cur *c)
{
	return c->hdr_end ? PKT_MALFORMED : PKT_TRUNCATED;
}

/* sensor/pkt_ip.c: c is at the first byte of the IP header. */
enum pkt_result pkt_ip4(struct pkt_cur *c, struct pkt_info *out);
enum pkt_result pkt_ip6(struct pkt_cur *c, struct pkt_info *out);
/* IPv4 or IPv6 by the version nibble (DLT_RAW, NFLOG). */
enum pkt_result pkt_ip_any(struct pkt_cur *c, struct pkt_info *out);
/* c is at the first byte past the IP headers; out->proto is set. */
enum pkt_result pkt_l4(struct pkt_cur *c, struct pkt_info *out);

#endif
