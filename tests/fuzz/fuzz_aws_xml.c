/* SPDX-License-Identifier: MIT */
/* AWS XML answers and errors: the path extractor and the error parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws_err.h"
#include "aws_xml.h"

static int count(void *ctx, const char *text, size_t len)
{
	size_t *n = ctx;

	/* The text must be NUL-terminated at len. */
	if (text[len] != '\0')
		__builtin_trap();
	*n += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct aws_error e;
	char out[64], err[ERRLEN];
	size_t n = 0;

	if (aws_xml_each(s, size, "instancesSet/item/instanceId", count, &n, err, sizeof(err)) == 0 &&
	    aws_xml_first(s, size, "Error/Code", out, sizeof(out), err, sizeof(err)) == 0 &&
	    strlen(out) >= sizeof(out))
		__builtin_trap();
	aws_error_parse(400, size && s[0] == '{' ? "application/json" : NULL, NULL, NULL, s, size, &e);
	for (const char *p = e.code; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			__builtin_trap();
	return 0;
}
