/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

uint64_t util_now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t util_now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void util_iso8601_ms(uint64_t real_ns, char buf[UTIL_TIMESTAMP_LEN])
{
	time_t t = (time_t)(real_ns / NSEC_PER_SEC);
	unsigned ms = (unsigned)(real_ns / NSEC_PER_MSEC % 1000);
	struct tm tm;

	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, UTIL_TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, UTIL_TIMESTAMP_LEN - n, ".%03uZ", ms);
}
