/* SPDX-License-Identifier: MIT */
/*
 * The procs helper's life: confine itself, say hello, then answer each
 * question (ASK... GO) with the holders of the sockets asked about (PROC
 * per process, DONE), until the parent closes the channel. It never logs
 * (stderr is for a sanitizer's report only) and leaves through _exit().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "procsd.h"
#include "procsd_msg.h"

#define CHAN 3

struct serve {
	struct procsd_confined c;
	uint64_t *want;
	size_t nwant;
	uint32_t seq;
	union procsd_buf out;
};

static int send_proc(void *arg, const struct evidence_proc *p, const uint64_t *inodes, size_t n)
{
	struct serve *s = arg;
	struct procsd_proc *m = &s->out.proc;

	memset(m, 0, sizeof(*m));
	m->seq = s->seq;
	m->n = (uint32_t)n;
	m->p = *p;
	memcpy(m->inodes, inodes, n * sizeof(*inodes));
	return ipc_send(CHAN, PROCSD_PROC, m, sizeof(*m));
}

static int answer(struct serve *s)
{
	struct evidence_sock_stats st = { 0 };
	struct procsd_done *d = &s->out.done;
	int rc = 0;

	/*
	 * The parent sends them sorted (evidence_socks_inodes()). Not sorted
	 * here: glibc's qsort() asks sysinfo(2) for a large array, and the
	 * filter does not allow it.
	 */
	for (size_t i = 1; !rc && i < s->nwant; i++)
		if (s->want[i - 1] >= s->want[i])
			rc = -EINVAL;
	if (!rc)
		rc = evidence_owners_scan(s->c.procfd, s->c.sock_mnt, s->want, s->nwant, send_proc,
					  s, &st);
	s->nwant = 0;
	if (rc == -EPIPE || rc == -ECONNRESET)
		return rc;
	memset(d, 0, sizeof(*d));
	d->seq = s->seq;
	d->rc = rc < 0 && rc >= -4095 ? rc : rc ? -EIO : 0;
	d->procs = st.procs;
	d->fds = st.fds;
	d->truncated = st.truncated;
	if (rc == -EINVAL)
		snprintf(d->err, sizeof(d->err), "inodes not sorted: nothing scanned");
	else if (rc)
		snprintf(d->err, sizeof(d->err), "scan: %s", strerror(-d->rc));
	return ipc_send(CHAN, PROCSD_DONE, d, sizeof(*d));
}

static void take(struct serve *s, const struct procsd_ask *m)
{
	if (m->seq != s->seq)
		s->nwant = 0; /* a new question: the parent gave up on the last */
	s->seq = m->seq;
	if (s->nwant + m->n > EVID_MAX_SOCKETS)
		return; /* more than any table holds: the rest is dropped */
	memcpy(s->want + s->nwant, m->inodes, m->n * sizeof(*m->inodes));
	s->nwant += m->n;
}

void procsd_serve(int chan, const char *user)
{
	struct serve *s = calloc(1, sizeof(*s));
	struct procsd_hello *h;
	union procsd_buf *in = malloc(sizeof(*in));
	sigset_t none;
	int rc;

	/* Nothing of the parent's but the channel (as fd 3) and stdio. */
	if (chan != CHAN && dup2(chan, CHAN) < 0)
		_exit(1);
	if (close_range(CHAN + 1, ~0U, 0))
		for (int fd = CHAN + 1; fd < 1024; fd++)
			close(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!s || !in || !(s->want = calloc(EVID_MAX_SOCKETS, sizeof(*s->want))))
		_exit(1);
	h = &s->out.hello;
	rc = procsd_confine(user, CHAN, &s->c, h->err, sizeof(h->err));
	h->pid = (int32_t)getpid();
	h->sock_mnt = s->c.sock_mnt;
	h->rc = rc < 0 && rc >= -4095 ? rc : rc ? -EPERM : 0;
	util_strlcpy(h->caps, s->c.caps, sizeof(h->caps));
	if (ipc_send(CHAN, PROCSD_HELLO, h, sizeof(*h)) || rc)
		_exit(1);
	for (;;) {
		const char *why;
		ssize_t n = procsd_msg_recv(CHAN, in, false, 0, &why);

		if (n == 0)
			_exit(0); /* the parent is done with us */
		if (n < 0)
			_exit(2); /* a malformed question: nothing to trust */
		if (in->h.type == PROCSD_ASK) {
			take(s, &in->ask);
			continue;
		}
		if (in->go.seq != s->seq)
			s->nwant = 0; /* no inodes came with this question */
		s->seq = in->go.seq;
		if (answer(s))
			_exit(3);
	}
}
