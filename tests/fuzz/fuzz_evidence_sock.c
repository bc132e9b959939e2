/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the /proc/net/{tcp,udp}[6] line parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct evidence_sock_line l;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (!evidence_sock_parse(line, &l) &&
	    (l.lport > 65535 || l.rport > 65535 || !memchr(l.local, 0, sizeof(l.local)) ||
	     !memchr(l.remote, 0, sizeof(l.remote))))
		abort();
	free(line);
	return 0;
}
