/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "util.h"

size_t util_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

static int verr(int rc, char *err, size_t errlen, const char *fmt, va_list ap)
{
	int saved = errno;

	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	errno = saved;
	return rc;
}

int util_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = verr(-EINVAL, err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

int util_errc(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = verr(rc, err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

const char *util_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

int util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void util_huge_hint(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t a = ((uintptr_t)p + UTIL_HUGE_PAGE - 1) & ~(uintptr_t)(UTIL_HUGE_PAGE - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(uintptr_t)(UTIL_HUGE_PAGE - 1);

	if (p && b > a)
		(void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}

uint64_t util_now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t util_now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

/* Two digits of v < 100. */
static char *put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

/*
 * What gmtime_r() and strftime("%Y-%m-%dT%H:%M:%S") then ".%03uZ" gave,
 * without them (a replay prints two per finding): days to a civil date
 * by Howard Hinnant's days_from_civil inverse. uint64_t nanoseconds end
 * in 2554, so the year always has four digits.
 */
void util_iso8601_ms(uint64_t real_ns, char buf[UTIL_TIMESTAMP_LEN])
{
	uint64_t secs = real_ns / NSEC_PER_SEC;
	unsigned ms = (unsigned)(real_ns / NSEC_PER_MSEC % 1000);
	unsigned sod = (unsigned)(secs % 86400);
	uint64_t z = secs / 86400 + 719468; /* days since 0000-03-01 */
	uint64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned day = doy - (153 * mp + 2) / 5 + 1;
	unsigned mon = mp < 10 ? mp + 3 : mp - 9;
	unsigned year = (unsigned)(era * 400) + yoe + (mon <= 2);
	char *o = buf;

	o = put2(o, year / 100);
	o = put2(o, year % 100);
	*o++ = '-';
	o = put2(o, mon);
	*o++ = '-';
	o = put2(o, day);
	*o++ = 'T';
	o = put2(o, sod / 3600);
	*o++ = ':';
	o = put2(o, sod / 60 % 60);
	*o++ = ':';
	o = put2(o, sod % 60);
	*o++ = '.';
	*o++ = (char)('0' + ms / 100);
	o = put2(o, ms % 100);
	*o++ = 'Z';
	*o = '\0';
}
