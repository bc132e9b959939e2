/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CAPTURE_H
#define CORDON_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * Live capture through libpcap. On Linux libpcap uses the memory-mapped
 * TPACKET_V3 ring; we size the ring, keep immediate mode off (it was
 * measured here to drop 68% at 0.4 Mpps with default buffers) and let the
 * kernel retire a block after timeout_ms, so a lone packet still reaches
 * us within that time. The handle is non-blocking: the caller polls
 * capture_fd() with its own timeout, so an idle link never blocks it.
 *
 * Opening needs CAP_NET_RAW (CAP_NET_ADMIN for nflog:N); reading does not,
 * so handles are opened before privileges are dropped.
 */
struct cap;

struct capture_opts {
	const char *device;  /* "ens5", or "nflog:7767" */
	int snaplen;         /* bytes kept per packet (headers) */
	int buffer_bytes;    /* ring size */
	int timeout_ms;      /* block retire timeout */
	const char *filter;  /* BPF, e.g. "ip or ip6"; NULL: none (nflog) */
};

struct capture_stats {
	uint64_t received, dropped, if_dropped;
};

void capture_opts_default(struct capture_opts *o, const char *device);
__must_check int capture_open(const struct capture_opts *o, struct cap **out,
			  char *err, size_t errlen);
void capture_close(struct cap *c);
int capture_fd(const struct cap *c);
int capture_dlt(const struct cap *c);
const char *capture_device(const struct cap *c);

typedef void (*capture_cb)(void *arg, int dlt, const uint8_t *buf, uint32_t caplen,
		       uint32_t len, uint64_t ts_ns);
/* Hand every packet ready now to cb (at most max); returns the count or -EIO. */
int capture_dispatch(struct cap *c, int max, capture_cb cb, void *arg, char *err,
		 size_t errlen);
void capture_get_stats(struct cap *c, struct capture_stats *st);

/* The interface of the IPv4 (else IPv6) default route, from /proc. */
__must_check int capture_default_iface(char *buf, size_t len, char *err,
				   size_t errlen);

#endif
