/* SPDX-License-Identifier: MIT */
#ifndef CORDON_ALLOW_H
#define CORDON_ALLOW_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "util.h"

/*
 * What a lockdown lets through besides the agent: responders' addresses
 * ("ADDRESS[/LEN][:PORT]", IPv6 with a port in brackets) and systemd units.
 * Shared by --allow, the config's [lockdown] and the enforcer.
 */
#define ALLOW_MAX 256
#define ALLOW_MAX_UNITS 16
#define ALLOW_UNIT_LEN 256

struct allow_entry {
	struct cd_prefix pfx;
	uint16_t port; /* 0: every port */
};

/* Returns 0 or -EINVAL with err filled. */
__must_check int allow_parse(const char *s, struct allow_entry *out,
			     char *err, size_t errlen);
/* Parse s into v[*n] (an array of ALLOW_MAX) and count it; -ENOSPC when full. */
__must_check int allow_add(struct allow_entry *v, size_t *n, const char *s,
			   char *err, size_t errlen);
/* "198.51.100.0/24:22", "[2001:db8::5]:22", "192.0.2.1" */
#define ALLOW_STRLEN (PREFIX_STRLEN + 10)
const char *allow_format(const struct allow_entry *a, char *buf, size_t len);

#endif
