/* SPDX-License-Identifier: MIT */
/* IMDS role credentials JSON and the instance identity document. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws_imds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct aws_creds c;
	char region[64], iid[64], err[ERRLEN];

	if (aws_imds_parse_creds(s, size, &c, err, sizeof(err)) == 0) {
		if (!c.akid[0] || !c.secret[0] || !c.expires_ns)
			__builtin_trap();
	} else if (c.secret[0]) {
		__builtin_trap(); /* a failed parse leaves no secret behind */
	}
	if (aws_imds_parse_identity(s, size, region, sizeof(region), iid, sizeof(iid), err,
				    sizeof(err)) == 0 && (!region[0] || !iid[0]))
		__builtin_trap();
	return 0;
}
