/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

struct cap {
	pcap_t *p;
	int fd, dlt;
	char device[64];
	capture_cb cb;
	void *arg;
	/* pcap_stats() counters are 32-bit and wrap: keep 64-bit totals. */
	uint32_t last_recv, last_drop, last_ifdrop;
	uint32_t ts_scale; /* tv_usec units to nanoseconds */
	struct capture_stats total;
};

void capture_opts_default(struct capture_opts *o, const char *device)
{
	o->device = device;
	o->snaplen = 256;
	o->buffer_bytes = 32 << 20;
	o->timeout_ms = 1;
	o->filter = strncmp(device, "nflog:", 6) ? "ip or ip6" : NULL;
}

int capture_open(const struct capture_opts *o, struct cap **out, char *err,
	     size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct cap *c;
	int rc = -EIO;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	util_strlcpy(c->device, o->device, sizeof(c->device));
	c->p = pcap_create(o->device, ebuf);
	if (!c->p) {
		util_err(err, errlen, "capture on %s: %s", o->device, ebuf);
		goto fail;
	}
	if (pcap_set_snaplen(c->p, o->snaplen) || pcap_set_promisc(c->p, 0) ||
	    pcap_set_timeout(c->p, o->timeout_ms) ||
	    pcap_set_buffer_size(c->p, o->buffer_bytes) ||
	    pcap_set_immediate_mode(c->p, 0)) {
		util_err(err, errlen, "capture on %s: cannot set options", o->device);
		goto fail;
	}
	/* Nanoseconds where the device has them (not nflog): see ts_scale. */
	(void)pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(c->p);
	if (rc < 0) {
		util_err(err, errlen, "capture on %s: %s%s%s", o->device,
			 pcap_statustostr(rc), *pcap_geterr(c->p) ? ": " : "",
			 pcap_geterr(c->p));
		rc = rc == PCAP_ERROR_PERM_DENIED ? -EPERM :
		     rc == PCAP_ERROR_NO_SUCH_DEVICE ? -ENODEV : -EIO;
		goto fail;
	}
	if (o->filter) {
		if (pcap_compile(c->p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) ||
		    pcap_setfilter(c->p, &prog)) {
			util_err(err, errlen, "capture on %s: filter '%s': %s",
				 o->device, o->filter, pcap_geterr(c->p));
			pcap_freecode(&prog);
			rc = -EINVAL;
			goto fail;
		}
		pcap_freecode(&prog);
	}
	if (pcap_setnonblock(c->p, 1, ebuf) < 0) {
		util_err(err, errlen, "capture on %s: %s", o->device, ebuf);
		rc = -EIO;
		goto fail;
	}
	c->ts_scale = pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO ?
			      1 : 1000;
	c->fd = pcap_get_selectable_fd(c->p);
	c->dlt = pcap_datalink(c->p);
	if (c->fd < 0) {
		util_err(err, errlen, "capture on %s: no selectable descriptor",
			 o->device);
		rc = -EIO;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	capture_close(c);
	return rc;
}

void capture_close(struct cap *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p);
	free(c);
}

int capture_fd(const struct cap *c)
{
	return c->fd;
}

int capture_dlt(const struct cap *c)
{
	return c->dlt;
}

const char *capture_device(const struct cap *c)
{
	return c->device;
}

static void capture_pcap_cb(u_char *user, const struct pcap_pkthdr *h,
			const u_char *bytes)
{
	struct cap *c = (struct cap *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
		      (uint64_t)h->ts.tv_usec * c->ts_scale;

	c->cb(c->arg, c->dlt, bytes, h->caplen, h->len, ts);
}

int capture_dispatch(struct cap *c, int max, capture_cb cb, void *arg, char *err,
		 size_t errlen)
{
	int n;

	c->cb = cb;
	c->arg = arg;
	n = pcap_dispatch(c->p, max, capture_pcap_cb, (u_char *)c);
	if (n == PCAP_ERROR) {
		util_err(err, errlen, "capture on %s: %s", c->device,
			 pcap_geterr(c->p));
		return -EIO;
	}
	return n < 0 ? 0 : n;
}

void capture_get_stats(struct cap *c, struct capture_stats *st)
{
	struct pcap_stat ps;

	if (pcap_stats(c->p, &ps) == 0) {
		c->total.received += (uint32_t)(ps.ps_recv - c->last_recv);
		c->total.dropped += (uint32_t)(ps.ps_drop - c->last_drop);
		c->total.if_dropped += (uint32_t)(ps.ps_ifdrop - c->last_ifdrop);
		c->last_recv = ps.ps_recv;
		c->last_drop = ps.ps_drop;
		c->last_ifdrop = ps.ps_ifdrop;
	}
	*st = c->total;
}

int capture_default_iface(char *buf, size_t len, char *err, size_t errlen)
{
	char line[512], ifname[IF_NAMESIZE + 1];
	unsigned long dest, flags;
	FILE *f = fopen("/proc/net/route", "re");
	int found = 0;

	if (f) {
		/* Iface Destination Gateway Flags ...; the default has dest 0. */
		while (!found && fgets(line, sizeof(line), f))
			if (sscanf(line, "%16s %lx %*x %lx", ifname, &dest, &flags) == 3 &&
			    dest == 0 && (flags & 1))
				found = 1;
		fclose(f);
	}
	if (!found && (f = fopen("/proc/net/ipv6_route", "re"))) {
		char d[33];
		unsigned plen;

		/* dest plen src plen nexthop metric refcnt use flags iface */
		while (!found && fgets(line, sizeof(line), f))
			if (sscanf(line, "%32s %x %*s %*x %*s %*x %*x %*x %*x %16s",
				   d, &plen, ifname) == 3 &&
			    plen == 0 && !strcmp(d, "00000000000000000000000000000000") &&
			    strcmp(ifname, "lo"))
				found = 1;
		fclose(f);
	}
	if (!found)
		return util_err(err, errlen,
				"no default route: name the interface ([agent] interface)");
	util_strlcpy(buf, ifname, len);
	return 0;
}
