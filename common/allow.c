/* SPDX-License-Identifier: MIT */
/*
 * Allow entry grammar, shared by --allow and the config's [lockdown] allow:
 *
 *   ADDRESS[/LEN][:PORT]          192.0.2.7, 198.51.100.0/24:22
 *   IPV6[/LEN]                    2001:db8::/32 (no port without brackets)
 *   [IPV6[/LEN]][:PORT]           [2001:db8::5]:22, [2001:db8::/48]:22
 *
 * PORT is 1..65535 and means "this port on the host" (TCP and UDP).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "allow.h"
#include "util.h"

#define ALLOW_MAXLEN 128

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (!*s || strlen(s) > 5 || (s[0] == '0'))
		return -EINVAL;
	if (util_parse_u64(s, 1, 65535, &v))
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int allow_parse(const char *s, struct allow_entry *out, char *err,
		size_t errlen)
{
	const char *pfx = s, *port = NULL;
	size_t pfxlen;
	char buf[ALLOW_MAXLEN];

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return util_err(err, errlen, "allow entry: empty");
	if (strlen(s) >= ALLOW_MAXLEN)
		return util_err(err, errlen, "allow entry '%.40s...': too long", s);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return util_err(err, errlen,
					"allow entry '%s': missing ']'", s);
		pfx = s + 1;
		pfxlen = (size_t)(close - pfx);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return util_err(err, errlen,
					"allow entry '%s': junk after ']'", s);
	} else {
		const char *colon = strchr(s, ':');

		/* One colon: IPv4 with a port. More: a bare IPv6 prefix. */
		if (colon && !strchr(colon + 1, ':'))
			port = colon + 1;
		pfxlen = port ? (size_t)(colon - s) : strlen(s);
	}
	memcpy(buf, pfx, pfxlen);
	buf[pfxlen] = '\0';
	if (prefix_parse(buf, &out->pfx, NULL))
		return util_err(err, errlen,
				"allow entry '%s': bad address or prefix '%s'",
				s, buf);
	if (s[0] == '[' && out->pfx.a.af != AF_INET6)
		return util_err(err, errlen,
				"allow entry '%s': brackets are for IPv6 only", s);
	if (port && parse_port(port, &out->port))
		return util_err(err, errlen,
				"allow entry '%s': bad port '%s' (1-65535)", s,
				port);
	return 0;
}

const char *allow_format(const struct allow_entry *a, char *buf, size_t len)
{
	char p[PREFIX_STRLEN];

	prefix_ntop(&a->pfx, p, sizeof(p));
	if (!a->port)
		snprintf(buf, len, "%s", p);
	else if (a->pfx.a.af == AF_INET6)
		snprintf(buf, len, "[%s]:%u", p, a->port);
	else
		snprintf(buf, len, "%s:%u", p, a->port);
	return buf;
}

int allow_add(struct allow_entry *v, size_t *n, const char *s, char *err,
	      size_t errlen)
{
	int rc;

	if (*n >= ALLOW_MAX) {
		util_err(err, errlen, "allow entry '%s': more than %d entries",
			 s, ALLOW_MAX);
		return -ENOSPC;
	}
	rc = allow_parse(s, &v[*n], err, errlen);
	if (rc)
		return rc;
	(*n)++;
	return 0;
}
