/* SPDX-License-Identifier: MIT */
/*
 * list_parse() of a txt list on anything; see fuzz_list.h. The input's
 * first line also goes through list_spec_parse() as a "[FORMAT:]LOCATION".
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_list.h"

static void fuzz_spec(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;
	struct list_spec spec;
	char arg[1200], err[ERRLEN] = "";

	if (n >= sizeof(arg))
		n = sizeof(arg) - 1;
	memcpy(arg, data, n);
	arg[n] = '\0';
	if (list_spec_parse(arg, LIST_TRUSTED, &spec, err, sizeof(err))) {
		FUZZ_CHECK(err[0]);
		return;
	}
	FUZZ_CHECK(spec.location[0] && strlen(spec.location) < sizeof(spec.location));
	FUZZ_CHECK((unsigned)spec.fmt < LIST_FMT__COUNT && spec.kind == LIST_TRUSTED);
	FUZZ_CHECK(list_format_name(spec.fmt)[0] != '?');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_spec(data, size);
	return fuzz_list_one(LIST_FMT_TXT, data, size);
}
