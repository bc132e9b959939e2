/* SPDX-License-Identifier: MIT */
/* EC2 DescribeInstances answers: enforcer/cloud/cloud_xml.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every id that comes out is a bounded, clean token. */
static void check_id(const char *s, size_t cap)
{
	size_t l = strnlen(s, cap);

	if (l == cap)
		__builtin_trap();
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cloud_instance in;
	char err[ERRLEN];
	int ret;

	ret = cloud_parse_instance((const char *)data, size, &in, err, sizeof(err));
	if (ret) {
		if (in.n_eni || in.n_volumes || in.id[0])
			__builtin_trap(); /* nothing half-filled on failure */
		return 0;
	}
	if (!in.id[0] || in.n_eni > CLOUD_MAX_ENIS || in.n_volumes > CLOUD_MAX_VOLUMES)
		__builtin_trap();
	check_id(in.id, sizeof(in.id));
	for (size_t i = 0; i < in.n_eni; i++) {
		if (!in.eni[i].id[0] || in.eni[i].n_groups > CLOUD_MAX_GROUPS)
			__builtin_trap();
		/* Sorted: attached interfaces by index, unattached (-1) last. */
		if (i && (unsigned)in.eni[i - 1].device_index > (unsigned)in.eni[i].device_index)
			__builtin_trap();
		check_id(in.eni[i].id, sizeof(in.eni[i].id));
		for (size_t g = 0; g < in.eni[i].n_groups; g++)
			check_id(in.eni[i].groups[g], sizeof(in.eni[i].groups[g]));
	}
	return 0;
}
