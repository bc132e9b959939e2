/* SPDX-License-Identifier: MIT */
/* list_parse() of an otx_csv list on anything; see fuzz_list.h. */
#include <stdint.h>

#include "fuzz_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_list_one(LIST_FMT_OTX_CSV, data, size);
}
