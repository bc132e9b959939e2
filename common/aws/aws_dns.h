/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_DNS_H
#define CORDON_AWS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "util.h"

/*
 * The AWS process's own stub resolver for endpoint names (A, then AAAA),
 * sending its queries straight to the upstream servers from its own
 * socket. Why: in a lockdown only packets of the agent's own sockets
 * leave the host. A local caching stub (systemd-resolved on 127.0.0.53,
 * the default on Amazon Linux 2023 and Ubuntu) forwards queries from its
 * own uid, so they are dropped, and letting that uid out would hand every
 * local user a DNS tunnel. Answers are pinned into libcurl
 * (CURLOPT_RESOLVE). See docs/internals/aws.md.
 */
#define AWS_DNS_MAX_SERVERS 4
#define AWS_DNS_MAX_ADDRS 8
#define AWS_DNS_NAME_MAX 253
#define AWS_DNS_MSG_MAX 1232 /* no EDNS is asked for; 512 is what comes */
#define AWS_DNS_QTYPE_A 1
#define AWS_DNS_QTYPE_AAAA 28

struct aws_dns_conf {
	struct cd_addr server[AWS_DNS_MAX_SERVERS];
	size_t n_server;
	uint16_t port;           /* 53 */
	unsigned timeout_ms;     /* per query and server; 800 */
};

/*
 * Servers: CORDON_DNS_SERVERS (comma-separated addresses) if set; else the
 * upstream servers of systemd-resolved (resolved_path, default
 * /run/systemd/resolve/resolv.conf); else resolv_path's (default
 * /etc/resolv.conf) servers that are not loopback; else the VPC resolver
 * 169.254.169.253 and fd00:ec2::253. NULL paths take the defaults.
 */
void aws_dns_conf_load(struct aws_dns_conf *c, const char *resolved_path,
		       const char *resolv_path);

/* A query for name (no trailing dot needed) into buf; its length or -errno. */
__must_check int aws_dns_query_build(uint8_t *buf, size_t cap, uint16_t id,
				     const char *name, uint16_t qtype);
/*
 * Check an answer to that query (id, question, QR, RCODE, TC) and collect
 * the addresses of qtype for name, following CNAMEs inside the answer.
 * 0 with *n >= 1; -ENOENT when the name has no such record (NXDOMAIN or
 * none of that type); -EBADMSG with err filled for anything malformed.
 */
__must_check int aws_dns_answer_parse(const uint8_t *msg, size_t len, uint16_t id,
				      const char *name, uint16_t qtype,
				      struct cd_addr *out, size_t max, size_t *n,
				      uint32_t *ttl, char *err, size_t errlen);

/*
 * Resolve name through c's servers, with a small cache (answers kept for
 * their TTL, at most 5 minutes, and used up to an hour past it when no
 * server answers). 0 with *n >= 1, or -errno with err filled.
 */
__must_check int aws_dns_resolve(const struct aws_dns_conf *c, const char *name,
				 struct cd_addr *out, size_t max, size_t *n,
				 char *err, size_t errlen);

/* The process-wide resolver the AWS client uses; NULL (default): none. */
void aws_dns_use(const struct aws_dns_conf *c);
const struct aws_dns_conf *aws_dns_current(void);

/*
 * "host:port:addr[,addr...]" for CURLOPT_RESOLVE when the process uses
 * its own resolver and host is a name; 0 with *out filled, -ENOENT when
 * not applicable (no resolver, or host is an address), -errno on failure.
 */
__must_check int aws_dns_pin(const char *host, unsigned port, char *out,
			     size_t outlen, char *err, size_t errlen);

#endif
