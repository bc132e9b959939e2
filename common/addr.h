/* SPDX-License-Identifier: MIT */
#ifndef CORDON_ADDR_H
#define CORDON_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util.h"

/*
 * An IPv4 or IPv6 address. IPv4 lives in the first four bytes of b[] in
 * network order (u.v4 reads it as one word); the rest is zero so that
 * memcmp() and hashing over the whole union are well defined.
 */
struct cd_addr {
	uint8_t af; /* AF_INET or AF_INET6 */
	uint8_t pad[3];
	union {
		uint32_t v4; /* network byte order */
		uint8_t b[16];
		uint32_t w[4];
	} u;
};

struct cd_prefix {
	struct cd_addr a; /* host bits always zero */
	uint8_t len;      /* 0..32 or 0..128 */
};

#define ADDR_STRLEN 46    /* INET6_ADDRSTRLEN */
#define PREFIX_STRLEN 50  /* address + "/128" */

static inline unsigned addr_bits(const struct cd_addr *a)
{
	return a->af == AF_INET ? 32 : 128;
}

void addr_set4(struct cd_addr *a, uint32_t v4_be);
void addr_set6(struct cd_addr *a, const uint8_t b[16]);
/* Strict: a bare address, no brackets, no spaces, no zone. */
__must_check bool addr_parse(const char *s, struct cd_addr *out);
/* Parse the first n bytes of s (not NUL-terminated). */
__must_check bool addr_parse_n(const char *s, size_t n, struct cd_addr *out);
/* inet_ntop()'s text; "?" when it does not fit in len. */
const char *addr_ntop(const struct cd_addr *a, char *buf, size_t len);
/* The same text into out, NUL-terminated; returns its length. */
size_t addr_fmt(const struct cd_addr *a, char out[ADDR_STRLEN]);
int addr_cmp(const struct cd_addr *x, const struct cd_addr *y);
bool addr_eq(const struct cd_addr *x, const struct cd_addr *y);

/*
 * "ADDR" or "ADDR/LEN". Host bits are cleared; *masked (may be NULL) says
 * whether any were set. Returns 0 or -EINVAL.
 */
__must_check int prefix_parse(const char *s, struct cd_prefix *out, bool *masked);
__must_check int prefix_parse_n(const char *s, size_t n, struct cd_prefix *out,
			 bool *masked);
/* Host prefixes print without "/32" or "/128". */
const char *prefix_ntop(const struct cd_prefix *p, char *buf, size_t len);
void prefix_mask(struct cd_prefix *p);
bool prefix_contains(const struct cd_prefix *p, const struct cd_addr *a);
bool prefix_is_host(const struct cd_prefix *p);
/* Order by family, address, then length (shorter first). */
int prefix_cmp(const struct cd_prefix *x, const struct cd_prefix *y);
/* Last address inside p. */
void prefix_last(const struct cd_prefix *p, struct cd_addr *out);

/*
 * The minimal list of prefixes covering exactly [lo, hi] (same family,
 * lo <= hi). Calls fn for each in ascending order; stops and returns fn's
 * value when it is non-zero. Returns -EINVAL for a bad range.
 */
typedef int (*prefix_cb)(const struct cd_prefix *p, void *arg);
__must_check int prefix_range(const struct cd_addr *lo, const struct cd_addr *hi,
		       prefix_cb fn, void *arg);

#endif
