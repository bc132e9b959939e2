/* SPDX-License-Identifier: MIT */
/*
 * Allow entry grammar, shared by --allow and the config's [lockdown] allow:
 *
 *   ADDRESS[/LEN][:[PROTO/]PORT]  192.0.2.7, 198.51.100.0/24:tcp/22
 *   IPV6[/LEN]                    2001:db8::/32 (no port without brackets)
 *   [IPV6[/LEN]][:[PROTO/]PORT]   [2001:db8::5]:udp/53, [2001:db8::/48]:22
 *
 * PORT is 1..65535 on the host; PROTO is tcp or udp (any case), tcp when
 * left out. allow_format() always writes the protocol.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "allow.h"
#include "util.h"

#define ALLOW_MAXLEN 128

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = { { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP } };

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

/* "[PROTO/]PORT"; *bare tells whether PROTO was left out. */
static int parse_proto_port(const char *s, const char *entry,
			    struct allow_entry *out, bool *bare, char *err,
			    size_t errlen)
{
	const char *slash = strchr(s, '/'), *port = s;

	*bare = !slash;
	out->proto = IPPROTO_TCP;
	if (slash) {
		size_t n = (size_t)(slash - s), i;

		for (i = 0; i < ARRAY_SIZE(protos); i++)
			if (n == strlen(protos[i].name) &&
			    !strncasecmp(s, protos[i].name, n))
				break;
		if (i == ARRAY_SIZE(protos))
			return util_err(err, errlen,
					"allow entry '%s': protocol '%.*s' is not tcp or udp",
					entry, (int)(n > 16 ? 16 : n), s);
		out->proto = protos[i].proto;
		port = slash + 1;
	}
	if (parse_port(port, &out->port))
		return util_err(err, errlen, "allow entry '%s': bad port '%s' (1-65535)",
				entry, port);
	return 0;
}

static int parse_entry(const char *s, struct allow_entry *out, bool *bare,
		       char *err, size_t errlen)
{
	const char *pfx = s, *port = NULL;
	size_t pfxlen;
	char buf[ALLOW_MAXLEN];

	memset(out, 0, sizeof(*out));
	*bare = false;
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
	if (port)
		return parse_proto_port(port, s, out, bare, err, errlen);
	return 0;
}

int allow_parse(const char *s, struct allow_entry *out, char *err,
		size_t errlen)
{
	bool bare;

	return parse_entry(s, out, &bare, err, errlen);
}

const char *allow_format(const struct allow_entry *a, char *buf, size_t len)
{
	const char *proto = a->proto == IPPROTO_UDP ? "udp" : "tcp";
	char p[PREFIX_STRLEN];

	prefix_ntop(&a->pfx, p, sizeof(p));
	if (!a->port)
		snprintf(buf, len, "%s", p);
	else if (a->pfx.a.af == AF_INET6)
		snprintf(buf, len, "[%s]:%s/%u", p, proto, a->port);
	else
		snprintf(buf, len, "%s:%s/%u", p, proto, a->port);
	return buf;
}

static int full(const char *s, char *err, size_t errlen)
{
	util_err(err, errlen, "allow entry '%s': more than %d entries", s,
		 ALLOW_MAX);
	return -ENOSPC;
}

int allow_add(struct allow_entry *v, size_t *n, const char *s, char *err,
	      size_t errlen)
{
	int rc;

	if (*n >= ALLOW_MAX)
		return full(s, err, errlen);
	rc = allow_parse(s, &v[*n], err, errlen);
	if (rc)
		return rc;
	(*n)++;
	return 0;
}

int allow_add_legacy(struct allow_entry *v, size_t *n, const char *s,
		     char *err, size_t errlen)
{
	struct allow_entry a;
	bool bare;
	int rc;

	rc = parse_entry(s, &a, &bare, err, errlen);
	if (rc)
		return rc;
	if (*n + (bare ? 2 : 1) > ALLOW_MAX)
		return full(s, err, errlen);
	/* memcpy: the enforcer compares entries bytewise, padding included. */
	memcpy(&v[(*n)++], &a, sizeof(a));
	if (bare) {
		a.proto = IPPROTO_UDP;
		memcpy(&v[(*n)++], &a, sizeof(a));
	}
	return 0;
}
