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
 * sender. A message is accepted only when its type is one the channel
 * carries and its length is exactly that type's size. Payload structs live with their
 * users (sensor/sensord.h, enforcer/cloud_ipc.h); this is the envelope.
 */
struct ipc_hdr {
	uint32_t type;
	uint32_t len; /* whole message, header included */
};

#define IPC_MAX (32 * 1024)

struct ipc_spec {
	uint32_t type;
	uint32_t len;
};

/* Send one message (msg starts with struct ipc_hdr; type/len are set). */
__must_check int ipc_send(int fd, uint32_t type, void *msg, size_t len);
/* Send with a file descriptor attached (SCM_RIGHTS). */
__must_check int ipc_send_fd(int fd, uint32_t type, void *msg, size_t len,
			     int passfd);
/*
 * Receive one message into buf (IPC_MAX bytes). Returns its length, 0 when
 * the peer closed, -EAGAIN when nothing is waiting, -EBADMSG for a message
 * whose type is not in specs or whose length is wrong for its type.
 * *passfd (may be NULL) gets an attached descriptor or -1.
 */
__must_check ssize_t ipc_recv(int fd, void *buf, const struct ipc_spec *specs,
			      size_t nspecs, int *passfd);

#endif
