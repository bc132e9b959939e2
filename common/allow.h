/* SPDX-License-Identifier: MIT */
#ifndef CORDON_ALLOW_H
#define CORDON_ALLOW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "util.h"

/*
 * What a lockdown lets through besides the agent: responders' addresses
 * and systemd units. Shared by --allow, the config's [lockdown] and the
 * enforcer. An address entry is
 *
 *   ADDRESS[/LEN][:[PROTO/]PORT]     198.51.100.0/24:tcp/22, 192.0.2.7
 *   [IPV6[/LEN]][:[PROTO/]PORT]      [2001:db8::5]:udp/53
 *
 * PROTO is tcp or udp; a bare PORT means tcp. Without a port the address
 * may reach the host on every protocol and port.
 */
#define ALLOW_MAX 256
#define ALLOW_MAX_UNITS 16
#define ALLOW_UNIT_LEN 256

struct allow_entry {
	struct cd_prefix pfx;
	uint16_t port;  /* 0: every protocol and port */
	uint8_t proto;  /* IPPROTO_TCP or IPPROTO_UDP with a port, else 0 */
};

/* Returns 0 or -EINVAL with err filled. */
__must_check int allow_parse(const char *s, struct allow_entry *out,
			     char *err, size_t errlen);
/* Parse s into v[*n] (an array of ALLOW_MAX) and count it; -ENOSPC when full. */
__must_check int allow_add(struct allow_entry *v, size_t *n, const char *s,
			   char *err, size_t errlen);
/*
 * The same for what cordon wrote before protocols existed (a lockdown
 * state file): there "ADDRESS:PORT" opened TCP and UDP, so a bare port
 * adds two entries and a lockdown in force keeps what it let through.
 */
__must_check int allow_add_legacy(struct allow_entry *v, size_t *n,
				  const char *s, char *err, size_t errlen);
/* Canonical: "198.51.100.0/24:tcp/22", "[2001:db8::5]:udp/53", "192.0.2.1" */
#define ALLOW_STRLEN (PREFIX_STRLEN + 14)
const char *allow_format(const struct allow_entry *a, char *buf, size_t len);

#endif
