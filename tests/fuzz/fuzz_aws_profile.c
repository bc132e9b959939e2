/* SPDX-License-Identifier: MIT */
/* The shared credentials and config files (INI). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws_creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct aws_profile p;
	char err[ERRLEN];

	memset(&p, 0, sizeof(p));
	if (aws_profile_parse("f", s, size, "default", false, &p, err, sizeof(err)) == 0 &&
	    p.has_creds && (!p.creds.akid[0] || !p.creds.secret[0]))
		__builtin_trap();
	memset(&p, 0, sizeof(p));
	if (aws_profile_parse("f", s, size, "ci", true, &p, err, sizeof(err)) == 0 &&
	    strlen(p.region) >= sizeof(p.region))
		__builtin_trap();
	return 0;
}
