/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: cordon.conf through inih and our line reader
 * (config_load_mem), then the round trip config_print() promises: what
 * loads prints as a file that loads again and prints the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print(const struct cordon_config *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	config_print(c, f);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cordon_config a, b;
	char err[ERRLEN], *pa, *pb;
	size_t la, lb;

	if (config_load_mem(&a, "fuzz.conf", (const char *)data, size, err,
			    sizeof(err)))
		return 0;
	pa = print(&a, &la);
	if (config_load_mem(&b, "printed.conf", pa, la, err, sizeof(err))) {
		fprintf(stderr, "printed config does not load: %s\n%s", err, pa);
		abort();
	}
	pb = print(&b, &lb);
	if (la != lb || memcmp(pa, pb, la)) {
		fprintf(stderr, "round trip differs:\n%s\n---\n%s", pa, pb);
		abort();
	}
	free(pa);
	free(pb);
	config_free(&a);
	config_free(&b);
	return 0;
}
