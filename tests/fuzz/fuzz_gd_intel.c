/* SPDX-License-Identifier: MIT */
/* GuardDuty ThreatIntelSet / IPSet answers (feeds/gd_intel_parse.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gd_intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ids[4][GD_ID_LEN], next[256], err[ERRLEN];
	struct gd_intel_set s;
	size_t n = 0;

	for (int k = 0; k < 2; k++) {
		n = 0;
		if (gd_intel_parse_list((const char *)data, size, k ? GD_INTEL_TRUSTED :
					GD_INTEL_THREAT, ids, 4, &n, next, sizeof(next), err,
					sizeof(err)))
			continue;
		if (n > 4 || strnlen(next, sizeof(next)) == sizeof(next))
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (!*ids[i] || strspn(ids[i], "abcdefghijklmnopqrstuvwxyz0123456789") !=
					strlen(ids[i]))
				__builtin_trap();
	}
	if (!gd_intel_parse_get((const char *)data, size, &s, err, sizeof(err)))
		for (const char *p = s.location; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				__builtin_trap();
	return 0;
}
