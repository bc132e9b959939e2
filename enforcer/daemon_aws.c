/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws_client.h"
#include "daemon_impl.h"
#include "daemon_ipc.h"
#include "log.h"
#include "privsep.h"
#include "sync.h"

/*
 * The AWS process: it holds the credentials and no capabilities, and
 * does one request at a time for the parent. A slow API stalls only this
 * process: capture runs in the sensor, nftables in the parent.
 */
static const struct ipc_spec to_aws[] = {
	{ IPC_A_SYNC, sizeof(struct ipc_a_sync) },
};

static const struct ipc_spec from_aws[] = {
	{ IPC_A_HELLO, sizeof(struct ipc_a_hello) },
	{ IPC_A_SYNC_DONE, sizeof(struct ipc_a_sync_done) },
};

static void aws_do_sync(int sock, struct aws_client *client, const char *state_dir,
			const struct list_limits *lim, const struct ipc_a_sync *m)
{
	struct sync_opts so = { .state_dir = state_dir, .client = client, .lim = lim };
	struct ipc_a_sync_done r;
	struct sync_status st;
	struct list *l = NULL;

	memset(&r, 0, sizeof(r));
	r.index = m->index;
	r.rc = sync_list(&so, &m->spec, &l, &st);
	list_free(l); /* the parent and the sensor read the stored copy */
	r.res = (uint8_t)st.res;
	r.in_force = st.in_force;
	r.entries = st.entries;
	util_strlcpy(r.etag, st.etag, sizeof(r.etag));
	util_strlcpy(r.reason, st.reason, sizeof(r.reason));
	if (ipc_send(sock, IPC_A_SYNC_DONE, &r, sizeof(r)) == -EPIPE)
		_exit(0);
}

__attribute__((noreturn)) static void aws_main(int sock, const struct run_opts *o)
{
	union {
		struct ipc_hdr h;
		char raw[IPC_MAX];
	} *in = malloc(sizeof(*in));
	struct aws_client_opts co = { 0 };
	struct aws_client *client = NULL;
	struct ipc_a_hello hello;
	char err[ERRLEN];

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (!in)
		_exit(3);
	if (privsep_drop(PRIVSEP_AWS, o->user, err, sizeof(err)))
		fatalx("aws: %s", err);
	if (aws_client_new(&co, &client))
		fatalx("aws: out of memory");
	memset(&hello, 0, sizeof(hello));
	hello.pid = (int32_t)getpid();
	privsep_describe(hello.caps, sizeof(hello.caps));
	if (ipc_send(sock, IPC_A_HELLO, &hello, sizeof(hello)))
		_exit(0);
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		n = ipc_recv(sock, in->raw, to_aws, ARRAY_SIZE(to_aws), NULL);
		if (n == -EAGAIN)
			continue;
		if (n <= 0)
			_exit(n == 0 ? 0 : 2);
		switch (in->h.type) {
		case IPC_A_SYNC:
			aws_do_sync(sock, client, o->state_dir, &o->lim,
				    (const void *)in->raw);
			break;
		}
	}
}

int daemon_spawn_aws(struct daemon *d, char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	d->aws_fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return util_err(err, errlen, "socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return util_err(err, errlen, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(sv[0]);
		daemon_close_for_child(d);
		/* No packet handles here. */
		for (size_t i = 0; i < d->ncaps; i++)
			cap_close(d->caps[i]);
		aws_main(sv[1], d->o);
	}
	close(sv[1]);
	d->aws_fd = sv[0];
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
	ssize_t n = ipc_recv(d->aws_fd, d->in.raw, from_aws, ARRAY_SIZE(from_aws),
			     NULL);

	if (n == -EAGAIN)
		return;
	if (n <= 0) {
		log_warnx("AWS process %s", n == 0 ? "closed its channel" :
						      "sent a malformed message");
		if (n < 0)
			kill(d->aws_pid, SIGKILL);
		close(d->aws_fd);
		d->aws_fd = -1;
		return;
	}
	switch (d->in.h.type) {
	case IPC_A_HELLO: {
		const struct ipc_a_hello *m = (const void *)d->in.raw;

		log_info("AWS process %d running (capabilities: %s)", (int)m->pid,
			 m->caps);
		break;
	}
	case IPC_A_SYNC_DONE: {
		const struct ipc_a_sync_done *m = (const void *)d->in.raw;

		if (m->index < d->o->n_lists)
			daemon_list_synced(d, m->index, m);
		break;
	}
	}
}

void daemon_stop_aws(struct daemon *d)
{
	if (d->aws_pid > 0)
		kill(d->aws_pid, SIGTERM);
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
