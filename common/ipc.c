/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"

/* Room for IPC_MAX_FDS descriptors, aligned for cmsghdr. */
union ipc_cbuf {
	char buf[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	struct cmsghdr align;
};

int ipc_send_fds(int fd, uint32_t type, void *msg, size_t len, const int *fds,
		 size_t nfds)
{
	struct ipc_hdr *h = msg;
	union ipc_cbuf u;
	struct iovec iov = { .iov_base = msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (len < sizeof(*h) || len > IPC_MAX || nfds > IPC_MAX_FDS)
		return -EINVAL;
	h->type = type;
	h->len = (uint32_t)len;
	if (nfds) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

int ipc_send_fd(int fd, uint32_t type, void *msg, size_t len, int passfd)
{
	return ipc_send_fds(fd, type, msg, len, &passfd, passfd >= 0 ? 1 : 0);
}

int ipc_send(int fd, uint32_t type, void *msg, size_t len)
{
	return ipc_send_fds(fd, type, msg, len, NULL, 0);
}

int ipc_check(const struct ipc_chan *ch, const void *buf, size_t n, size_t nfds,
	      char *why, size_t whylen)
{
	const struct ipc_hdr *h = buf;
	const struct ipc_spec *s = NULL;
	const char *bad;

	if (n < sizeof(*h) || n > IPC_MAX || h->len != n) {
		snprintf(why, whylen, "%s: %zu bytes, header says %u", ch->name, n,
			 n < sizeof(*h) ? 0 : h->len);
		return -EBADMSG;
	}
	for (size_t i = 0; i < ch->n && !s; i++)
		if (ch->specs[i].type == h->type)
			s = &ch->specs[i];
	if (!s) {
		snprintf(why, whylen, "%s: type %u is not one this channel carries",
			 ch->name, h->type);
		return -EBADMSG;
	}
	if (s->len != n) {
		snprintf(why, whylen, "%s: %s: %zu bytes, want %u", ch->name, s->name, n,
			 s->len);
		return -EBADMSG;
	}
	if (nfds > s->max_fds) {
		snprintf(why, whylen, "%s: %s: %zu descriptors, at most %u", ch->name,
			 s->name, nfds, s->max_fds);
		return -EBADMSG;
	}
	bad = s->check ? s->check(buf, nfds) : "no validator for this type";
	if (bad) {
		snprintf(why, whylen, "%s: %s: %s", ch->name, s->name, bad);
		return -EBADMSG;
	}
	return 0;
}

void ipc_in_close(struct ipc_in *in)
{
	for (size_t i = 0; in && i < in->nfds; i++)
		if (in->fds[i] >= 0)
			close(in->fds[i]);
	if (in)
		in->nfds = 0;
}

ssize_t ipc_recv(int fd, void *buf, const struct ipc_chan *ch, struct ipc_in *in)
{
	union ipc_cbuf u;
	struct iovec iov = { .iov_base = buf, .iov_len = IPC_MAX };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct ipc_in local;
	struct cmsghdr *c;
	bool extra = false;
	ssize_t n;

	if (!in)
		in = &local;
	in->nfds = 0;
	in->why[0] = '\0';
	do
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	/* Every descriptor that arrived is ours now: keep or close each one. */
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (in->nfds < IPC_MAX_FDS)
				in->fds[in->nfds++] = got;
			else {
				close(got);
				extra = true;
			}
		}
	}
	if (n == 0) {
		ipc_in_close(in);
		return 0;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC) || extra) {
		snprintf(in->why, sizeof(in->why), "%s: truncated message or too many descriptors",
			 ch->name);
		goto bad;
	}
	if (ipc_check(ch, buf, (size_t)n, in->nfds, in->why, sizeof(in->why)))
		goto bad;
	if (in == &local)
		ipc_in_close(in);
	return n;
bad:
	ipc_in_close(in);
	return -EBADMSG;
}
