/* SPDX-License-Identifier: MIT */
/* GuardDuty GetFindings answers and the policy on them: feeds/gd_parse.c. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gd_finding f[4];
	static const char *const globs[] = { "*.Custom", "Backdoor:*", "[" };
	char err[ERRLEN];
	size_t n = 0;

	if (gd_parse_findings((const char *)data, size, f, 4, &n, err, sizeof(err))) {
		if (n)
			__builtin_trap();
		return 0;
	}
	if (n > 4)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		if (!f[i].id[0] || strnlen(f[i].id, GD_ID_LEN) == GD_ID_LEN ||
		    f[i].n_remote > GD_MAX_REMOTE || f[i].severity != f[i].severity)
			__builtin_trap();
		for (size_t r = 0; r < f[i].n_remote; r++)
			if (strnlen(f[i].remote[r], sizeof(f[i].remote[r])) == sizeof(f[i].remote[r]))
				__builtin_trap();
		(void)gd_policy_match(&f[i], NULL, 0, 7.0);
		(void)gd_type_match(f[i].type, globs, 3);
		(void)gd_policy_match(&f[i], globs, 3, 5.0);
	}
	return 0;
}
