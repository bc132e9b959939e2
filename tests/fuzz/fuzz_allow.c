/* SPDX-License-Identifier: MIT */
/*
 * Allow entry grammar (--allow, [lockdown] allow): whatever parses must
 * format and parse back to the same entry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allow_entry a, b;
	char s[160], out[ALLOW_STRLEN], err[ERRLEN];

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (allow_parse(s, &a, err, sizeof(err)))
		return 0;
	allow_format(&a, out, sizeof(out));
	if (allow_parse(out, &b, err, sizeof(err)) ||
	    memcmp(&a, &b, sizeof(a)))
		abort();
	return 0;
}
