/* SPDX-License-Identifier: MIT */
/*
 * Allow entry grammar (--allow, [lockdown] allow, the lockdown state
 * file): whatever parses must format and parse back to the same entry;
 * the state file's reading of an old bare port gives entries that do too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct allow_entry *a)
{
	char out[ALLOW_STRLEN], err[ERRLEN];
	struct allow_entry b;

	allow_format(a, out, sizeof(out));
	if (allow_parse(out, &b, err, sizeof(err)) || memcmp(a, &b, sizeof(b)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allow_entry a, v[ALLOW_MAX];
	char s[160], err[ERRLEN];
	size_t n = ALLOW_MAX - 2;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (allow_add_legacy(v, &n, s, err, sizeof(err)) == 0) {
		if (n != ALLOW_MAX - 1 && n != ALLOW_MAX)
			abort();
		for (size_t i = ALLOW_MAX - 2; i < n; i++)
			roundtrip(&v[i]);
	}
	if (allow_parse(s, &a, err, sizeof(err)))
		return 0;
	if (a.port && a.proto != IPPROTO_TCP && a.proto != IPPROTO_UDP)
		abort();
	roundtrip(&a);
	return 0;
}
