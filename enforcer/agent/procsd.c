/* SPDX-License-Identifier: MIT */
/*
 * The parent's side of the procs helper (procsd.h): start it before the
 * privileges go, ask it at lockdown, and when it cannot answer, name what
 * the parent may read itself (the processes of the agent's user).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "procsd.h"
#include "procsd_msg.h"

#define MS NSEC_PER_MSEC

/* Wait until fd is ready for events or the deadline: 0, -ETIMEDOUT, -errno. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		uint64_t now = util_now_mono_ns();
		int n;

		if (now >= deadline)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)((deadline - now + MS - 1) / MS));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int send_wait(int fd, uint32_t type, void *m, size_t len, uint64_t deadline)
{
	int rc;

	while ((rc = ipc_send(fd, type, m, len)) == -EAGAIN)
		if ((rc = wait_fd(fd, POLLOUT, deadline)))
			return rc;
	return rc;
}

static ssize_t recv_wait(int fd, union procsd_buf *b, uint64_t deadline, const char **why)
{
	ssize_t n;

	while ((n = procsd_msg_recv(fd, b, true, MSG_DONTWAIT, why)) == -EAGAIN)
		if ((n = wait_fd(fd, POLLIN, deadline)))
			return n;
	return n;
}

/* Stop listening to it; the pid stays until it is reaped. */
static void forget(struct procsd *h, bool kill_it)
{
	if (kill_it && h->pid > 0)
		kill(h->pid, SIGKILL);
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

void procsd_start(struct procsd *h, const char *user)
{
	union procsd_buf *b = malloc(sizeof(*b));
	const char *why = NULL;
	ssize_t n = -ENOMEM;
	int sv[2];
	pid_t pid;

	h->pid = 0;
	h->fd = -1;
	h->seq = 0;
	h->timeout_ms = PROCSD_TIMEOUT_MS;
	util_strlcpy(h->caps, "none", sizeof(h->caps));
	if (!b || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warnx("procs helper: %s", b ? strerror(errno) : "out of memory");
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		procsd_serve(sv[1], user);
	}
	close(sv[1]);
	if (pid < 0) {
		log_warn("procs helper: fork");
		close(sv[0]);
		goto out;
	}
	h->pid = pid;
	h->fd = sv[0];
	if (fcntl(h->fd, F_SETFL, O_NONBLOCK) == 0)
		n = recv_wait(h->fd, b, util_now_mono_ns() + h->timeout_ms * MS, &why);
	if (n <= 0 || b->h.type != PROCSD_HELLO || b->hello.rc) {
		log_warnx("procs helper %d: %s; the evidence names only the agent's own processes",
			  (int)pid, n > 0 && b->h.type == PROCSD_HELLO ? b->hello.err :
				    why ? why : n ? strerror((int)-n) : "exited");
		forget(h, true);
		goto out;
	}
	util_strlcpy(h->caps, b->hello.caps, sizeof(h->caps));
	log_info("procs helper %d running (capabilities: %s)", (int)pid, h->caps);
	if (strcmp(h->caps, "sys_ptrace"))
		log_warnx("procs helper has no CAP_SYS_PTRACE: the evidence will name only "
			  "the processes of the agent's user");
	else if (b->hello.sock_mnt < 0)
		log_warnx("procs helper: this kernel's fdinfo has no \"ino:\" line (Linux < 5.14): "
			  "the evidence will name only the processes of the agent's user");
out:
	free(b);
}

void procsd_stop(struct procsd *h)
{
	if (h->pid > 0)
		kill(h->pid, SIGTERM);
	forget(h, false);
}

bool procsd_reaped(struct procsd *h, pid_t pid)
{
	if (pid <= 0 || pid != h->pid)
		return false;
	if (h->fd >= 0)
		log_warnx("procs helper %d is gone: the evidence names only the agent's own "
			  "processes from now on", (int)pid);
	forget(h, false);
	h->pid = 0;
	return true;
}

struct answer {
	struct evidence_sock_stats st;
	size_t procs;    /* PROC messages taken */
	char note[PROCSD_TEXT];
};

/* Ask the helper who holds want[0..n); its answers go into s. */
static int ask(struct procsd *h, struct evidence_socks *s, const uint64_t *want, size_t nwant,
	       union procsd_buf *b, struct answer *a)
{
	unsigned ms = h->timeout_ms ? h->timeout_ms : PROCSD_TIMEOUT_MS;
	uint64_t deadline = util_now_mono_ns() + ms * MS;
	uint32_t seq = ++h->seq;
	const char *why = NULL;
	int rc = 0;

	for (size_t i = 0; !rc && i < nwant; i += PROCSD_ASK_MAX) {
		size_t k = nwant - i < PROCSD_ASK_MAX ? nwant - i : PROCSD_ASK_MAX;

		memset(&b->ask, 0, sizeof(b->ask));
		b->ask.seq = seq;
		b->ask.n = (uint32_t)k;
		memcpy(b->ask.inodes, want + i, k * sizeof(*want));
		rc = send_wait(h->fd, PROCSD_ASK, &b->ask, sizeof(b->ask), deadline);
	}
	if (!rc) {
		memset(&b->go, 0, sizeof(b->go));
		b->go.seq = seq;
		rc = send_wait(h->fd, PROCSD_GO, &b->go, sizeof(b->go), deadline);
	}
	while (!rc) {
		ssize_t n = recv_wait(h->fd, b, deadline, &why);

		if (n <= 0) {
			rc = n ? (int)n : -EPIPE;
			break;
		}
		if (b->h.type == PROCSD_HELLO) {
			why = "a second hello";
			rc = -EBADMSG;
		} else if (b->proc.seq != seq) {
			continue; /* for a question we gave up on */
		} else if (b->h.type == PROCSD_PROC) {
			rc = evidence_socks_add_owner(s, &b->proc.p, b->proc.inodes, b->proc.n);
			a->procs++;
		} else { /* DONE */
			a->st.procs = b->done.procs;
			a->st.fds = b->done.fds;
			a->st.truncated = b->done.truncated;
			util_strlcpy(a->note, b->done.err, sizeof(a->note));
			return 0;
		}
	}
	if (rc == -ETIMEDOUT) {
		snprintf(a->note, sizeof(a->note), "procs helper: no full answer within %u ms", ms);
		a->st.truncated = true;
	} else if (rc == -EBADMSG) {
		snprintf(a->note, sizeof(a->note), "procs helper: malformed message (%s): stopped",
			 why ? why : "?");
		forget(h, true);
	} else {
		snprintf(a->note, sizeof(a->note), "procs helper: %s", strerror(-rc));
		forget(h, rc == -ENOMEM);
	}
	log_warnx("evidence: %s", a->note);
	return rc;
}

static int add_cb(void *arg, const struct evidence_proc *p, const uint64_t *inodes, size_t n)
{
	return evidence_socks_add_owner(arg, p, inodes, n);
}

int procsd_snapshot(struct procsd *h, const char *path, struct evidence_sock_stats *stats,
		    char *err, size_t errlen)
{
	union procsd_buf *b = malloc(sizeof(*b));
	struct answer a = { .note = "no procs helper" };
	struct evidence_socks *s = NULL;
	const uint64_t *want;
	size_t nwant;
	int procfd, rc;

	if (!b)
		return util_err(err, errlen, "sockets: out of memory");
	procfd = evidence_proc_open(NULL, err, errlen);
	if (procfd < 0) {
		free(b);
		return procfd;
	}
	if ((rc = evidence_socks_read(procfd, &s, err, errlen)))
		goto out;
	want = evidence_socks_inodes(s, &nwant);
	if (h && h->fd >= 0 && (!ask(h, s, want, nwant, b, &a) || a.procs)) {
		/* Its answer, whole or in part (then truncated, and the note says why). */
		evidence_socks_owners_by(s, "helper", &a.st, *a.note ? a.note : NULL);
	} else {
		struct evidence_sock_stats st = { 0 };

		rc = evidence_owners_scan(procfd, evidence_sockfs_mnt(procfd), want, nwant, add_cb,
					  s, &st);
		if (rc) {
			util_err(err, errlen, "procfs: %s", strerror(-rc));
			goto out;
		}
		evidence_socks_owners_by(s, "agent", &st, a.note);
	}
	rc = evidence_socks_write(s, path, stats, err, errlen);
out:
	evidence_socks_free(s);
	close(procfd);
	free(b);
	return rc;
}
