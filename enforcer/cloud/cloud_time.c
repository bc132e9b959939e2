/* SPDX-License-Identifier: MIT */
/* AWS's ISO 8601 times, strictly: what EC2, CloudWatch and GuardDuty write. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cloud.h"

static bool digits(const char *s, size_t n, unsigned *out)
{
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

int cloud_time_parse(const char *s, uint64_t *ms)
{
	unsigned y, mo, d, h, mi, sec, frac = 0, scale = 1000;
	struct tm tm = { 0 };
	size_t n = s ? strlen(s) : 0, i = 19;
	time_t t;

	*ms = 0;
	/* YYYY-MM-DDTHH:MM:SS */
	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
	    !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
	    !digits(s + 17, 2, &sec))
		return -EINVAL;
	if (s[i] == '.') {
		/* Up to nanoseconds; milliseconds kept. */
		for (i++; i < n && s[i] >= '0' && s[i] <= '9' && i < 30; i++) {
			if (scale > 1) {
				scale /= 10;
				frac += (unsigned)(s[i] - '0') * scale;
			}
		}
		if (s[i - 1] == '.')
			return -EINVAL;
	}
	/* Past 2400 the nanoseconds of util_iso8601_ms would overflow. */
	if (i != n - 1 || (s[i] != 'Z' && s[i] != 'z') || y < 1970 || y > 2400 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)sec;
	t = timegm(&tm);
	if (t < 0 || tm.tm_mday != (int)d) /* 31 February */
		return -EINVAL;
	*ms = (uint64_t)t * 1000 + frac;
	return 0;
}

void cloud_time_format(uint64_t ms, char out[UTIL_TIMESTAMP_LEN])
{
	util_iso8601_ms(ms * 1000000ull, out);
}
