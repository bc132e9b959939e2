/* SPDX-License-Identifier: MIT */
/*
 * One nftables transaction: BEGIN, messages, END, built in memory pages
 * and handed to the kernel in a single sendmsg(), because nfnetlink
 * commits or aborts a batch only when BEGIN and END arrive in the same
 * buffer. Element lists are split into messages of at most 64 KiB (their
 * nested attribute has a 16-bit length). Every message asks for an ack,
 * and every ack is read back: a lost error means a lost decision.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>

#include "nft.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

uint32_t nft_seq(void)
{
	return (uint32_t)time(NULL) << 8;
}

static char *batch_room(struct nft_batch *b, size_t room)
{
	struct nft_page *pg;

	if (b->oom)
		return NULL;
	pg = b->npages ? &b->pages[b->npages - 1] : NULL;
	if (!pg || b->page_size - pg->len < room) {
		if (b->npages == b->cap_pages) {
			size_t cap = b->cap_pages ? b->cap_pages * 2 : 16;
			struct nft_page *np = realloc(b->pages, cap * sizeof(*np));

			if (!np)
				goto oom;
			b->pages = np;
			b->cap_pages = cap;
		}
		pg = &b->pages[b->npages];
		pg->buf = malloc(b->page_size);
		if (!pg->buf)
			goto oom;
		/* Zeroed so attribute padding never carries stale bytes. */
		memset(pg->buf, 0, b->page_size);
		pg->len = 0;
		b->npages++;
	}
	return pg->buf + pg->len;
oom:
	b->oom = true;
	return NULL;
}

static void batch_commit(struct nft_batch *b, const struct nlmsghdr *nlh)
{
	struct nft_page *pg = &b->pages[b->npages - 1];
	size_t len = MNL_ALIGN(nlh->nlmsg_len);

	pg->len += len;
	b->bytes += len;
}

int nft_batch_init(struct nft_batch *b, uint32_t seq)
{
	char *p;

	memset(b, 0, sizeof(*b));
	b->msg_max = NFT_MSG_MAX;
	b->page_size = NFT_PAGE_SIZE;
	b->seq0 = seq;
	b->seq = seq + 1;
	p = batch_room(b, 64);
	if (!p)
		return -ENOMEM;
	batch_commit(b, nftnl_batch_begin(p, seq));
	return 0;
}

void nft_batch_free(struct nft_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->npages; i++)
		free(b->pages[i].buf);
	free(b->pages);
	free(b->msgs);
	memset(b, 0, sizeof(*b));
}

struct nlmsghdr *nft_batch_open(struct nft_batch *b, uint16_t type,
				uint16_t flags, const char *what, size_t room)
{
	struct nft_msginfo *m;
	char *p;

	if (room > b->msg_max)
		room = b->msg_max;
	if (b->nmsgs == b->cap_msgs) {
		size_t cap = b->cap_msgs ? b->cap_msgs * 2 : 64;

		m = realloc(b->msgs, cap * sizeof(*m));
		if (!m) {
			b->oom = true;
			return NULL;
		}
		b->msgs = m;
		b->cap_msgs = cap;
	}
	p = batch_room(b, room);
	if (!p)
		return NULL;
	m = &b->msgs[b->nmsgs++];
	m->seq = b->seq;
	m->type = type;
	m->what = what;
	return nftnl_nlmsg_build_hdr(p, type, NFPROTO_INET, flags | NLM_F_ACK,
				     b->seq++);
}

void nft_batch_close(struct nft_batch *b, struct nlmsghdr *nlh)
{
	if (nlh)
		batch_commit(b, nlh);
}

void nft_batch_elems_end(struct nft_batch *b)
{
	if (!b->el_nlh)
		return;
	mnl_attr_nest_end(b->el_nlh, b->el_nest);
	nft_batch_close(b, b->el_nlh);
	b->el_nlh = NULL;
	b->el_nest = NULL;
}

static bool elem_fits(const struct nft_batch *b, size_t need)
{
	size_t len = b->el_nlh->nlmsg_len;
	size_t nest = (size_t)((char *)b->el_nlh + len - (char *)b->el_nest);

	return len + need <= b->msg_max && nest + need <= 0xffff;
}

void nft_batch_elem(struct nft_batch *b, uint16_t type, const char *set,
		    const uint8_t *key, unsigned klen, uint32_t flags)
{
	size_t need = 2 * MNL_ATTR_HDRLEN + MNL_ATTR_HDRLEN + MNL_ALIGN(klen) +
		      (flags ? MNL_ATTR_HDRLEN + 4 : 0);
	struct nlattr *e, *k;
	struct nlmsghdr *nlh;

	if (b->el_nlh && (b->el_type != type || b->el_set != set ||
			  !elem_fits(b, need)))
		nft_batch_elems_end(b);
	if (!b->el_nlh) {
		nlh = nft_batch_open(b, type, type == NFT_MSG_NEWSETELEM ?
				     NLM_F_CREATE : 0, set, b->msg_max);
		if (!nlh)
			return;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NFT_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
		b->el_nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		b->el_nlh = nlh;
		b->el_type = type;
		b->el_set = set;
	}
	nlh = b->el_nlh;
	e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, klen, key);
	mnl_attr_nest_end(nlh, k);
	if (flags)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(flags));
	mnl_attr_nest_end(nlh, e);
	b->elems++;
}

int nft_batch_finish(struct nft_batch *b)
{
	char *p;

	nft_batch_elems_end(b);
	p = batch_room(b, 64);
	if (!p || b->oom)
		return -ENOMEM;
	batch_commit(b, nftnl_batch_end(p, b->seq++));
	return 0;
}

static int nft_batch_iov(const struct nft_batch *b, struct iovec *iov, size_t cap)
{
	if (b->npages > cap)
		return -E2BIG;
	for (size_t i = 0; i < b->npages; i++) {
		iov[i].iov_base = b->pages[i].buf;
		iov[i].iov_len = b->pages[i].len;
	}
	return (int)b->npages;
}

int nft_open(struct mnl_socket **out, char *err, size_t errlen)
{
	struct mnl_socket *nl;
	int one = 1;

	*out = NULL;
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl) {
		int e = errno;

		util_err(err, errlen, "netlink: %s%s", strerror(e),
			 e == EPROTONOSUPPORT ?
			 " (no nfnetlink/nf_tables in this kernel)" : "");
		return -e;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		util_err(err, errlen, "netlink bind: %s", strerror(e));
		return -e;
	}
	/* Acks without a copy of the request, errors with a reason string. */
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	*out = nl;
	return 0;
}

void nft_close(struct mnl_socket *nl)
{
	if (nl)
		mnl_socket_close(nl);
}

static const char *op_name(uint16_t type)
{
	switch (type) {
	case NFT_MSG_NEWTABLE: return "create table";
	case NFT_MSG_DELTABLE: return "delete table";
	case NFT_MSG_NEWCHAIN: return "create chain";
	case NFT_MSG_NEWRULE: return "add rule to chain";
	case NFT_MSG_DELRULE: return "flush chain";
	case NFT_MSG_NEWSET: return "create set";
	case NFT_MSG_NEWSETELEM: return "add elements to set";
	case NFT_MSG_DELSETELEM: return "delete elements from set";
	case NFT_MSG_NEWOBJ: return "create counter";
	default: return "change";
	}
}

void nft_strerror(int error, const struct nft_msginfo *m, char *err,
		  size_t errlen)
{
	const char *hint = "";
	int e = error < 0 ? -error : error;
	char what[96];

	if (m)
		snprintf(what, sizeof(what), "%s %s", op_name(m->type),
			 m->what ? m->what : NFT_TABLE);
	else
		snprintf(what, sizeof(what), "transaction");
	switch (e) {
	case EPERM:
		hint = " (needs CAP_NET_ADMIN: run as root)";
		break;
	case EOPNOTSUPP:
	case EPROTONOSUPPORT:
	case EAFNOSUPPORT:
		hint = " (kernel lacks nf_tables support for this)";
		break;
	case ENOENT:
		if (m && (m->type == NFT_MSG_NEWRULE ||
			  m->type == NFT_MSG_NEWCHAIN))
			hint = " (kernel lacks an nf_tables module this rule needs)";
		else if (m && m->type == NFT_MSG_DELSETELEM)
			hint = " (the set changed under us: run again)";
		break;
	case ENFILE:
		hint = " (set full)";
		break;
	case ENOMEM:
		hint = " (kernel out of memory)";
		break;
	case EEXIST:
	case ENOTEMPTY:
		if (m && m->type == NFT_MSG_NEWSETELEM)
			hint = " (element exists or intervals overlap: the set "
			       "changed under us, run again)";
		break;
	case EMSGSIZE:
		hint = " (batch larger than the socket allows)";
		break;
	case EBUSY:
		hint = " (table busy: another transaction holds it)";
		break;
	}
	util_err(err, errlen, "nftables: %s: %s%s", what, strerror(e), hint);
}

static int set_bufs(int fd, size_t snd, size_t rcv)
{
	int s = snd > INT32_MAX / 2 ? INT32_MAX / 2 : (int)snd;
	int r = rcv > INT32_MAX / 2 ? INT32_MAX / 2 : (int)rcv;

	/* FORCE needs CAP_NET_ADMIN, which every caller here holds; the
	 * plain option is the fallback that gives a clear EMSGSIZE later. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &s, sizeof(s)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s, sizeof(s)) < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &r, sizeof(r)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &r, sizeof(r)) < 0)
		return -errno;
	return 0;
}

static const struct nft_msginfo *find_msg(const struct nft_batch *b,
					  uint32_t seq)
{
	uint32_t i = seq - b->seq0 - 1;

	if (seq <= b->seq0 || i >= b->nmsgs)
		return NULL;
	return &b->msgs[i];
}

/* Read every queued ack; nfnetlink processed the batch inside sendmsg(). */
static int read_acks(struct nft_batch *b, struct mnl_socket *nl,
		     char *err, size_t errlen)
{
	size_t bufsz = 1u << 16, acks = 0;
	int fd = mnl_socket_get_fd(nl), rc = 0;
	unsigned portid = mnl_socket_get_portid(nl);
	char *buf = malloc(bufsz);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = recv(fd, buf, bufsz, MSG_DONTWAIT);
		struct nlmsghdr *nlh;
		int left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			rc = -errno;
			util_err(err, errlen, "nftables: reading acks: %s%s",
				 strerror(errno), errno == ENOBUFS ?
				 " (acks lost: receive buffer too small)" : "");
			goto out;
		}
		left = (int)n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_pid != portid ||
			    nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			acks++;
			if (e->error && !rc) {
				rc = e->error < 0 ? e->error : -e->error;
				nft_strerror(rc, find_msg(b, nlh->nlmsg_seq),
					     err, errlen);
			}
		}
	}
	if (!rc && acks < b->nmsgs) {
		rc = -EPROTO;
		util_err(err, errlen,
			 "nftables: %zu of %zu messages were not acknowledged",
			 b->nmsgs - acks, b->nmsgs);
	}
out:
	free(buf);
	return rc;
}

int nft_batch_send(struct nft_batch *b, struct mnl_socket *nl, char *err,
		   size_t errlen)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl) };
	int fd = mnl_socket_get_fd(nl), n, rc;
	struct iovec *iov;

	if (b->oom)
		return util_errc(-ENOMEM, err, errlen, "nftables: out of memory building "
				"the batch");
	iov = calloc(b->npages, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	n = nft_batch_iov(b, iov, b->npages);
	rc = set_bufs(fd, b->bytes + 65536, b->nmsgs * 64 + (1u << 20));
	if (rc) {
		util_err(err, errlen, "netlink socket buffers: %s", strerror(-rc));
		goto out;
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	if (sendmsg(fd, &msg, 0) < 0) {
		rc = -errno;
		nft_strerror(rc, NULL, err, errlen);
		goto out;
	}
	rc = read_acks(b, nl, err, errlen);
out:
	free(iov);
	return rc;
}
