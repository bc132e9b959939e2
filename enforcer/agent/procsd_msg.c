/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "procsd_msg.h"

#define STR_OK(m, field) (memchr((m)->field, '\0', sizeof((m)->field)) != NULL)

static bool rc_ok(int32_t rc)
{
	return rc <= 0 && rc >= -4095;
}

static const char *check_hello(const struct procsd_hello *m)
{
	if (m->pid <= 0)
		return "hello: pid";
	if (!rc_ok(m->rc))
		return "hello: rc";
	if (m->sock_mnt < -1)
		return "hello: sock_mnt";
	if (!STR_OK(m, caps))
		return "hello: caps not NUL-terminated";
	if (!STR_OK(m, err))
		return "hello: err not NUL-terminated";
	return NULL;
}

static const char *check_proc(const struct procsd_proc *m)
{
	if (m->n < 1 || m->n > EVID_OWNER_BATCH)
		return "proc: n";
	if (m->p.pid <= 0)
		return "proc: pid";
	if (!STR_OK(m, p.comm))
		return "proc: comm not NUL-terminated";
	if (!STR_OK(m, p.exe))
		return "proc: exe not NUL-terminated";
	if (!STR_OK(m, p.cmdline))
		return "proc: cmdline not NUL-terminated";
	return NULL;
}

static const char *check_done(const struct procsd_done *m)
{
	if (!rc_ok(m->rc))
		return "done: rc";
	if (m->truncated > 1)
		return "done: truncated";
	if (!STR_OK(m, err))
		return "done: err not NUL-terminated";
	return NULL;
}

const char *procsd_msg_check(const void *buf, size_t n, bool from_helper)
{
	static const size_t size[] = {
		[PROCSD_HELLO] = sizeof(struct procsd_hello),
		[PROCSD_ASK] = sizeof(struct procsd_ask),
		[PROCSD_GO] = sizeof(struct procsd_go),
		[PROCSD_PROC] = sizeof(struct procsd_proc),
		[PROCSD_DONE] = sizeof(struct procsd_done),
	};
	const struct ipc_hdr *h = buf;
	bool helper_type;

	if (n < sizeof(*h) || h->len != n)
		return "length";
	if (h->type < PROCSD_HELLO || h->type > PROCSD_DONE)
		return "type";
	helper_type = h->type == PROCSD_HELLO || h->type == PROCSD_PROC || h->type == PROCSD_DONE;
	if (helper_type != from_helper)
		return "type";
	if (n != size[h->type])
		return "length";
	switch (h->type) {
	case PROCSD_HELLO:
		return check_hello(buf);
	case PROCSD_ASK:
		return ((const struct procsd_ask *)buf)->n > PROCSD_ASK_MAX ? "ask: n" : NULL;
	case PROCSD_PROC:
		return check_proc(buf);
	case PROCSD_DONE:
		return check_done(buf);
	}
	return NULL; /* GO */
}

ssize_t procsd_msg_recv(int fd, union procsd_buf *buf, bool from_helper, int flags,
			const char **why)
{
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(*buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	*why = NULL;
	do
		n = recvmsg(fd, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		return 0;
	/* No control buffer: a descriptor sent along is closed by the kernel. */
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		*why = "truncated, or came with descriptors";
	else
		*why = procsd_msg_check(buf, (size_t)n, from_helper);
	return *why ? -EBADMSG : n;
}
