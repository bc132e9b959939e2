/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the procs helper channel's validator, both ways. The
 * first byte picks the direction and whether the bytes go in as they are
 * or as a message of a known type and its exact size (so that the field
 * checks are reached); a message it accepts must be one the reader can use.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procsd_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t sizes[] = {
	0, sizeof(struct procsd_hello), sizeof(struct procsd_ask), sizeof(struct procsd_go),
	sizeof(struct procsd_proc), sizeof(struct procsd_done),
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union procsd_buf *b;
	bool from_helper;
	uint8_t mode;
	size_t n;

	if (size < 1)
		return 0;
	mode = data[0];
	data++, size--;
	from_helper = mode & 1;
	b = calloc(1, sizeof(*b));
	if (!b)
		return 0;
	n = size < sizeof(*b) ? size : sizeof(*b);
	memcpy(b, data, n);
	if (mode & 2) { /* shaped: a known type at its exact size */
		uint32_t t = 1 + (uint32_t)((mode >> 2) % 5);

		n = sizes[t];
		b->h.type = t;
		b->h.len = (uint32_t)n;
	}
	if (!procsd_msg_check(b, n, from_helper)) {
		if (b->h.len != n || b->h.type < PROCSD_HELLO || b->h.type > PROCSD_DONE)
			abort();
		if (b->h.type == PROCSD_PROC &&
		    (!from_helper || b->proc.n < 1 || b->proc.n > EVID_OWNER_BATCH ||
		     strnlen(b->proc.p.exe, sizeof(b->proc.p.exe)) == sizeof(b->proc.p.exe) ||
		     strnlen(b->proc.p.cmdline, sizeof(b->proc.p.cmdline)) == sizeof(b->proc.p.cmdline) ||
		     strnlen(b->proc.p.comm, sizeof(b->proc.p.comm)) == sizeof(b->proc.p.comm)))
			abort();
		if (b->h.type == PROCSD_ASK && (from_helper || b->ask.n > PROCSD_ASK_MAX))
			abort();
		if (b->h.type == PROCSD_DONE &&
		    strnlen(b->done.err, sizeof(b->done.err)) == sizeof(b->done.err))
			abort();
	}
	free(b);
	return 0;
}
