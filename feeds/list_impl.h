/* SPDX-License-Identifier: MIT */
#ifndef CORDON_LIST_IMPL_H
#define CORDON_LIST_IMPL_H

/*
 * Internal to feeds/list*.c: the driver (list.c) owns the list being built
 * and enforces every limit; the format parsers only walk their syntax and
 * hand tokens or prefixes to the lst_* helpers below.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "list.h"

struct lst {
	struct list *l;
	const struct list_limits *lim;
	size_t cap;          /* slots allocated in l->ent */
	size_t rec;          /* records seen (== l->st.lines) */
	size_t bad_rec;      /* record last counted bad, so it counts once */
	uint32_t first_bad_line;
	char first_bad[LIST_MSGLEN]; /* why the first bad record was bad */
	char *err;
	size_t errlen;
};

/*
 * A format parser walks buf (BOM already removed) and returns 0, or
 * -errno after lst_fail() wrote err: the whole list is then rejected.
 */
typedef int (*lst_parse_fn)(struct lst *c, const char *buf, size_t len);
__must_check int lst_parse_txt(struct lst *c, const char *buf, size_t len);
__must_check int lst_parse_alien_vault(struct lst *c, const char *buf, size_t len);
__must_check int lst_parse_stix(struct lst *c, const char *buf, size_t len);
__must_check int lst_parse_otx_csv(struct lst *c, const char *buf, size_t len);
__must_check int lst_parse_proof_point(struct lst *c, const char *buf, size_t len);
__must_check int lst_parse_fire_eye(struct lst *c, const char *buf, size_t len);

/* One physical line, CR stripped. Line numbers saturate at UINT32_MAX. */
struct lst_line {
	const char *p;
	size_t n;
	uint32_t no;
};
bool lst_next_line(const char *buf, size_t len, size_t *pos, struct lst_line *ln);
void lst_trim(const char **s, size_t *n);
bool lst_ieq(const char *s, size_t n, const char *lit);

enum lst_tok { LST_TOK_ADDR, LST_TOK_DOMAIN, LST_TOK_BAD };
/* Classify a trimmed token; for an address fills *p and *masked. */
enum lst_tok lst_classify(const char *s, size_t n, struct cd_prefix *p,
			  bool *masked);
/*
 * The fast paths alone: a plain IPv4 or IPv6 address or CIDR without the
 * copy and inet_pton() of prefix_parse_n(). true only where that accepts
 * the token with the same result; false decides nothing.
 */
bool lst_fast_addr(const char *s, size_t n, struct cd_prefix *p, bool *masked);
#ifdef UNITTEST
/* The IPv4 fast path of lst_classify(), checked against addr.c by tests. */
bool lst_parse_v4(const char *s, size_t n, struct cd_prefix *p, bool *masked);
/* The IPv6 fast path (hex groups, "::", "/len"), checked the same way. */
bool lst_parse_v6(const char *s, size_t n, struct cd_prefix *p, bool *masked);
#endif
/* Printable, capped copy of hostile text for a message, in quotes. */
const char *lst_quote(const char *s, size_t n, char *buf, size_t len);

/* Count one record (a line, CSV row or STIX value). */
void lst_record(struct lst *c);
/*
 * Take one token of the current record: an address is added (a masked
 * CIDR warns), a domain name is counted, anything else is a bad record.
 * Returns 0 or a fatal -errno (floor, cap, memory).
 */
__must_check int lst_take(struct lst *c, const char *s, size_t n, uint32_t line);
/* Add a prefix: checks the safety floor and the entry cap. */
__must_check int lst_add(struct lst *c, const struct cd_prefix *p, uint32_t line);
/* The current record is bad (counted once per record). */
void lst_bad(struct lst *c, uint32_t line, const char *fmt, ...) __printf(3, 4);
/* A warning that does not reject anything (kept in l->msgs). */
void lst_warn(struct lst *c, uint32_t line, const char *fmt, ...) __printf(3, 4);
/* Reject the whole list: "LOCATION:LINE: why" (line 0: no line). */
int lst_fail(struct lst *c, int rc, uint32_t line, const char *fmt, ...)
	__printf(4, 5);

/*
 * Read a whole file, at most cap bytes (-EFBIG beyond), into a malloc'd
 * buffer; with mapped non-NULL, a regular file that fileio_private() says
 * no one else can write is mapped instead where it can be (*mapped true:
 * munmap(*out, *outlen), not free).
 */
__must_check int lst_read_file(const char *path, size_t cap, char **out,
			       size_t *outlen, bool *mapped, char *err, size_t errlen);

/* s3://, http:// or https:// (anything "scheme://"), not a local file. */

#endif
