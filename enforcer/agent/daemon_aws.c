/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon_impl.h"
#include "daemon_ipc.h"
#include "log.h"

/* The parent's side of the AWS process (awsd.c). */

int daemon_spawn_aws(struct daemon *d, char *err, size_t errlen)
{
	int fd;
	pid_t pid;

	d->aws_fd = -1;
	pid = daemon_fork(d, &fd, err, errlen);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* No packet handles here. */
		for (size_t i = 0; i < d->ncaps; i++)
			capture_close(d->caps[i]);
		awsd_main(fd, d->o);
	}
	d->aws_fd = fd;
	d->aws_pid = pid;
	return 0;
}

void daemon_aws_sync(struct daemon *d, size_t i)
{
	struct ipc_a_sync m;

	if (d->aws_fd < 0)
		return;
	memset(&m, 0, sizeof(m));
	m.index = (uint32_t)i;
	m.spec = d->o->lists[i];
	if (ipc_send(d->aws_fd, IPC_A_SYNC, &m, sizeof(m)))
		log_warnx("cannot reach the AWS process");
}

void daemon_handle_aws(struct daemon *d)
{
	struct ipc_in in;
	ssize_t n = ipc_recv(d->aws_fd, d->in.raw, &daemon_ipc_from_aws, &in);

	if (n == -EAGAIN)
		return;
	if (n <= 0) {
		log_warnx("AWS process %s", n == 0 ? "closed its channel" :
						      "sent a malformed message");
		if (n < 0) {
			daemon_kill_child(d, d->aws_pid, SIGKILL);
			log_warnx("%s", n == -EBADMSG ? in.why : strerror((int)-n));
		}
		close(d->aws_fd);
		d->aws_fd = -1;
		return;
	}
	switch (d->in.h.type) {
	case IPC_A_HELLO: {
		const struct ipc_a_hello *m = (const void *)d->in.raw;

		log_info("AWS process %d running (capabilities: %s)", (int)m->pid,
			 m->caps);
		daemon_aws_ready(d);
		break;
	}
	case IPC_A_SYNC_DONE: {
		const struct ipc_a_sync_done *m = (const void *)d->in.raw;

		if (m->index < d->o->n_lists)
			daemon_list_synced(d, m->index, m);
		break;
	}
	case IPC_A_IDENTITY_DONE:
		daemon_identity(d, (const void *)d->in.raw);
		break;
	case IPC_A_ACTION_DONE:
		daemon_cloud_done(d, (const void *)d->in.raw);
		break;
	case IPC_A_GD_FINDING:
		daemon_gd_finding(d, (const void *)d->in.raw);
		break;
	case IPC_A_GD_DONE:
		daemon_gd_done(d, (const void *)d->in.raw);
		break;
	}
}

void daemon_stop_aws(struct daemon *d)
{
	if (d->aws_pid > 0)
		daemon_kill_child(d, d->aws_pid, SIGTERM);
	if (d->aws_fd >= 0)
		close(d->aws_fd);
	d->aws_fd = -1;
}

void daemon_child_exited(struct daemon *d, pid_t pid, const char *why)
{
	if (pid != d->aws_pid)
		return;
	log_warnx("AWS process %d %s", (int)pid, why);
	d->aws_pid = 0;
	if (d->aws_fd >= 0)
		close(d->aws_fd);
	d->aws_fd = -1;
	if (d->running) {
		char err[ERRLEN];

		/* Nothing is lost: the journal says what is still to do. */
		if (daemon_spawn_aws(d, err, sizeof(err)))
			log_warnx("%s", err);
	}
}
