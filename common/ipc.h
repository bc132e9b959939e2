/* SPDX-License-Identifier: MIT */
#ifndef CORDON_IPC_H
#define CORDON_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/*
 * Messages between cordon's processes: typed, fixed-size, one per
 * SOCK_SEQPACKET datagram. Each child has its own socketpair whose other
 * end only the parent holds (every other end is closed after fork; SO_PEERCRED
 * cannot tell, it names the pair's creator), so the channel names the
 * sender. A channel (struct ipc_chan) lists the types it carries; a message
 * is accepted only when its type is one of them, its length is exactly
 * that type's size, it carries no more descriptors than the type allows
 * and the type's validator finds every field valid (strings NUL-terminated
 * inside their arrays, enums in range, counts within their arrays). The
 * payload structs and their validators live with their users
 * (sensor/sensord.h + sensord_ipc.c, enforcer/agent/daemon_ipc.h + .c);
 * this is the envelope. docs/internals/security.md says why.
 */
struct ipc_hdr {
	uint32_t type;
	uint32_t len; /* whole message, header included */
};

#define IPC_MAX (32 * 1024)
#define IPC_MAX_FDS 32    /* descriptors one message may carry */
#define IPC_WHY_LEN 160

/*
 * A validator: NULL when every field of msg (exactly the type's size,
 * aligned) is valid and nfds is what the type carries, else a constant
 * string naming the field that is not ("caps: not NUL-terminated").
 */
typedef const char *ipc_check_fn(const void *msg, size_t nfds);

struct ipc_spec {
	uint32_t type;
	uint32_t len;
	uint32_t max_fds;    /* SCM_RIGHTS descriptors it may carry */
	const char *name;
	ipc_check_fn *check; /* required: a type without one is never accepted */
};

/* The types one direction of one channel carries ("sensor -> parent"). */
struct ipc_chan {
	const char *name;
	const struct ipc_spec *specs;
	size_t n;
};

/* What came with an accepted message. */
struct ipc_in {
	int fds[IPC_MAX_FDS]; /* close-on-exec; the caller owns them */
	size_t nfds;
	char why[IPC_WHY_LEN]; /* -EBADMSG: what was wrong */
};

/* Send one message (msg starts with struct ipc_hdr; type/len are set). */
__must_check int ipc_send(int fd, uint32_t type, void *msg, size_t len);
/* Send with a file descriptor attached (SCM_RIGHTS). */
__must_check int ipc_send_fd(int fd, uint32_t type, void *msg, size_t len,
			     int passfd);
/* Send with nfds (<= IPC_MAX_FDS) descriptors attached, in that order. */
__must_check int ipc_send_fds(int fd, uint32_t type, void *msg, size_t len,
			      const int *fds, size_t nfds);
/*
 * Receive one message into buf (IPC_MAX bytes, aligned for any payload).
 * Returns its length, 0 when the peer closed, -EAGAIN when nothing is
 * waiting, -EBADMSG when ipc_check() refuses it (in->why says why; every
 * descriptor that came with it is closed). in may be NULL: descriptors
 * are then closed. On success the caller owns in->fds[0..nfds).
 */
__must_check ssize_t ipc_recv(int fd, void *buf, const struct ipc_chan *ch,
			      struct ipc_in *in);
/*
 * The pure part of ipc_recv(): is buf[0..n) with nfds descriptors a
 * message ch carries, every field valid? 0, or -EBADMSG with why filled
 * ("sensor -> parent: finding: list: not NUL-terminated"). buf must be
 * aligned for the payload structs.
 */
__must_check int ipc_check(const struct ipc_chan *ch, const void *buf, size_t n,
			   size_t nfds, char *why, size_t whylen);
/* Close the descriptors in (for a caller that takes none of them). */
void ipc_in_close(struct ipc_in *in);

/* For validators: s[0..size) holds a NUL. */
static inline bool ipc_str_ok(const char *s, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (!s[i])
			return true;
	return false;
}

/* For validators: 0 or -errno. */
static inline bool ipc_rc_ok(int32_t rc)
{
	return rc <= 0 && rc >= -4095;
}

/* For validators: a byte that holds a bool (another value is UB to read). */
static inline bool ipc_bool_ok(const void *p)
{
	return *(const uint8_t *)p <= 1;
}

/* Return "FIELD: not NUL-terminated" from a validator when it is not. */
#define IPC_STR(m, field)                                                      \
	do {                                                                   \
		if (!ipc_str_ok((m)->field, sizeof((m)->field)))               \
			return #field ": not NUL-terminated";                  \
	} while (0)

#endif
