/* SPDX-License-Identifier: MIT */
/*
 * The answers the dead-agent check reads: GetMetricData
 * (cloud_heartbeat_xml.c), filtered DescribeInstances pages (cloud_list.c),
 * and the times in them (cloud_time.c). No result outside the queries
 * asked, no instance id that is not one, no list past its cap.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cloud_heartbeat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char next[CLOUD_HB_TOKEN_LEN], tok[CLOUD_NEXT_TOKEN_LEN];
	uint64_t last[4] = { 0 }, ms;
	struct cloud_brief out[4];
	char err[ERRLEN], t[64];
	size_t n = 0;

	if (!cloud_parse_metric_data((const char *)data, size, 4, last, next, err, sizeof(err)) &&
	    strnlen(next, sizeof(next)) == sizeof(next))
		__builtin_trap();
	if (!cloud_parse_instance_list((const char *)data, size, out, 4, &n, tok, err,
				       sizeof(err))) {
		if (n > 4)
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (strncmp(out[i].id, "i-", 2) ||
			    strspn(out[i].id + 2, "0123456789abcdef") != strlen(out[i].id) - 2)
				__builtin_trap();
	} else if (n) {
		__builtin_trap();
	}
	if (size < sizeof(t)) {
		memcpy(t, data, size);
		t[size] = '\0';
		if (!cloud_time_parse(t, &ms)) {
			char back[UTIL_TIMESTAMP_LEN];
			uint64_t again;

			/* What parses formats back to the same millisecond. */
			cloud_time_format(ms, back);
			if (cloud_time_parse(back, &again) || again != ms)
				__builtin_trap();
		}
	}
	return 0;
}
