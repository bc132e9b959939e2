/* SPDX-License-Identifier: MIT */
#ifndef CORDON_UTIL_H
#define CORDON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __must_check __attribute__((warn_unused_result))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#ifdef UNITTEST
#define UNITTEST_STATIC
#else
#define UNITTEST_STATIC static
#endif

/* Error buffers handed to parsers (Redis anet style). */
#define ERRLEN 256

/* strlcpy semantics: always NUL-terminates, returns strlen(src). */
size_t util_strlcpy(char *dst, const char *src, size_t size);
/* snprintf into err (may be NULL); always returns -EINVAL for chaining. */
/*
 * Fill err (one line) and return -EINVAL, or rc with util_errc(); both
 * leave errno as they found it, so a caller may still report it.
 */
int util_err(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);
int util_errc(int rc, char *err, size_t errlen, const char *fmt, ...) __printf(4, 5);
/* Base name of a path, without copying (points into path). */
const char *util_basename(const char *path);
/* Parse an unsigned decimal in [min,max]; false on junk or overflow. */
__must_check int util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Monotonic and wall clocks in nanoseconds. */
uint64_t util_now_mono_ns(void);
uint64_t util_now_real_ns(void);
/*
 * Offer the whole 2 MiB pages inside [p, p + len) to transparent huge
 * pages (MADV_HUGEPAGE; nothing where there are none): a large array
 * filled by a loader then takes a page fault per 2 MiB, not per 4 KiB.
 */
#define UTIL_HUGE_PAGE (2u << 20)
void util_huge_hint(void *p, size_t len);
/* ISO 8601 UTC with milliseconds, as GuardDuty writes: 2026-01-01T00:00:00.000Z */
/* Time units (as the kernel names them). */
#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_USEC 1000ull
#define MSEC_PER_SEC 1000ull

#define UTIL_TIMESTAMP_LEN 32
#define UTIL_TIMESTAMP_CHARS 24 /* what util_iso8601_ms() writes, without the NUL */
void util_iso8601_ms(uint64_t real_ns, char buf[UTIL_TIMESTAMP_LEN]);

#endif
