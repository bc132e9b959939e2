/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the /proc/PID/fdinfo/N and /proc/PID/status parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	uint64_t ino = 0;
	uint32_t uid;
	int mnt = -1;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!evidence_fdinfo_parse(text, &ino, &mnt) && mnt < 0)
		abort();
	(void)evidence_status_uid(text, &uid);
	free(text);
	return 0;
}
