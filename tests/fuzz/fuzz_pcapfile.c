/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the mapped pcap reader over arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "pcapfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcapf *pf;
	struct pcapf_rec r, again;
	char err[ERRLEN];
	volatile uint8_t sink = 0;

	if (pcapf_open_mem(data, size, &pf, err, sizeof(err)))
		return 0;
	(void)pcapf_dlt(pf);
	while (pcapf_next(pf, &r, err, sizeof(err)) == 1) {
		/* Touch the first and last byte: ASan checks the bounds. */
		if (r.caplen)
			sink ^= r.data[0] ^ r.data[r.caplen - 1];
		/* Replay's pipeline keeps only the data pointer. */
		pcapf_rec_at(pf, r.data, &again);
		if (again.caplen != r.caplen || again.len != r.len ||
		    again.ts_ns != r.ts_ns)
			abort();
	}
	(void)sink;
	pcapf_close(pf);
	return 0;
}
