/* SPDX-License-Identifier: MIT */
/*
 * The spawner (spawnd.h): the one process of `cordon run` that keeps
 * CAP_SETUID/CAP_SETGID and CAP_NET_RAW after start-up, so that the
 * long-lived parent keeps neither. It does nothing but start a child on
 * the parent's word and signal it; the parent's messages are checked like
 * any other (a malformed one makes it exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "spawnd.h"

#define MS NSEC_PER_MSEC
#define ANSWER_WAIT_NS (10 * NSEC_PER_SEC) /* a sensor's rings are opened meanwhile */

/* ---- the spawner process ---- */

struct spawner {
	const struct spawnd_cfg *cfg;
	int fd;
	struct cap *nflog;             /* every sensor's, kept open here */
	pid_t last[SPAWND__ROLES];     /* the process each role has now */
};

static int done_err(struct spawnd_done *r, int rc, const char *what)
{
	snprintf(r->err, sizeof(r->err), "%s: %s", what, strerror(-rc));
	r->rc = rc;
	return rc;
}

/*
 * The sensor's packet handles, opened for it alone: a ring some earlier
 * sensor read has a position this one cannot know (libpcap keeps it in
 * the handle), so a new sensor on an old ring waited on a stale block
 * until the kernel wrapped around.
 */
static int open_rings(struct spawner *sp, struct cap **caps, size_t *ncaps,
		      struct spawnd_done *r)
{
	const struct spawnd_cfg *cfg = sp->cfg;
	int rc;

	for (size_t i = 0; i < cfg->n_ifaces && *ncaps < SENSORD_MAX_CAPS - 1; i++) {
		struct capture_opts co;

		capture_opts_default(&co, cfg->ifaces[i]);
		co.snaplen = cfg->snaplen;
		co.buffer_bytes = cfg->buffer_bytes;
		if ((rc = capture_open(&co, &caps[*ncaps], r->err, sizeof(r->err)))) {
			r->rc = rc;
			return rc;
		}
		r->dlt[*ncaps] = capture_dlt(caps[*ncaps]);
		(*ncaps)++;
	}
	if (sp->nflog) {
		caps[*ncaps] = sp->nflog;
		r->dlt[*ncaps] = capture_dlt(sp->nflog);
		(*ncaps)++;
	}
	r->ndlt = (uint32_t)*ncaps;
	return 0;
}

/*
 * The sensor keeps 0-2, its channel and its capture sockets, nothing else:
 * not a descriptor whoever started the agent left open (a root shell's
 * file, a pipe), which a sensor taken over could read.
 */
static void close_others(int chan, struct cap **caps, size_t ncaps)
{
	int keep[SENSORD_MAX_CAPS + 1];
	unsigned from = STDERR_FILENO + 1;
	size_t n = 0;

	keep[n++] = chan;
	for (size_t i = 0; i < ncaps; i++)
		keep[n++] = capture_fd(caps[i]);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < from)
			continue;
		if ((unsigned)keep[i] > from)
			(void)close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	(void)close_range(from, ~0U, 0);
}

/* In the new child: nothing of the spawner's but what the role is given. */
static __attribute__((noreturn)) void run_child(struct spawner *sp, uint32_t role, int chan,
						struct cap **caps, size_t ncaps)
{
	close(sp->fd);
	if (role == SPAWND_SENSOR) {
		close_others(chan, caps, ncaps);
		sensord_main(chan, caps, ncaps, &sp->cfg->so);
	}
	if (sp->nflog)
		capture_close(sp->nflog);
	awsd_main(chan, &sp->cfg->ao);
}

/*
 * Fork twice: the middle process exits at once, so that the child is
 * re-parented to the agent's parent (a child subreaper), which reaps it
 * and holds its channel as if it had forked it itself.
 */
static int start_child(struct spawner *sp, uint32_t role, struct spawnd_done *r, int *chan)
{
	struct cap *caps[SENSORD_MAX_CAPS];
	size_t ncaps = 0;
	int sv[2] = { -1, -1 }, pp[2] = { -1, -1 }, rc = 0, st;
	pid_t mid, pid = -1;

	if (role == SPAWND_SENSOR && (rc = open_rings(sp, caps, &ncaps, r)))
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(pp, O_CLOEXEC) < 0) {
		rc = done_err(r, -errno, "socketpair");
		goto out;
	}
	mid = fork();
	if (mid < 0) {
		rc = done_err(r, -errno, "fork");
		goto out;
	}
	if (mid == 0) {
		pid_t g = fork();

		if (g == 0) {
			close(sv[0]);
			close(pp[0]);
			close(pp[1]);
			run_child(sp, role, sv[1], caps, ncaps);
		}
		_exit(write(pp[1], &g, sizeof(g)) == sizeof(g) && g > 0 ? 0 : 1);
	}
	close(pp[1]);
	pp[1] = -1;
	if (read(pp[0], &pid, sizeof(pid)) != sizeof(pid))
		pid = -1;
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	if (pid <= 0) {
		rc = done_err(r, -ECHILD, "fork");
		goto out;
	}
	sp->last[role] = pid;
	r->pid = (int32_t)pid;
	*chan = sv[0];
	sv[0] = -1;
out:
	for (size_t i = 0; i < ncaps; i++)
		if (caps[i] != sp->nflog)
			capture_close(caps[i]);
	for (size_t i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (pp[i] >= 0)
			close(pp[i]);
	}
	return rc;
}

static void answer(struct spawner *sp, struct spawnd_done *r, int fd)
{
	int rc = fd >= 0 ? ipc_send_fd(sp->fd, SPAWND_DONE, r, sizeof(*r), fd) :
			   ipc_send(sp->fd, SPAWND_DONE, r, sizeof(*r));

	if (fd >= 0)
		close(fd);
	if (rc)
		_exit(rc == -EPIPE ? 0 : 2);
}

static void serve_one(struct spawner *sp, const struct spawnd_req *m)
{
	struct spawnd_done r;
	int chan = -1;

	memset(&r, 0, sizeof(r));
	if (m->h.type == SPAWND_START) {
		(void)start_child(sp, m->role, &r, &chan);
	} else if (m->pid != sp->last[m->role]) {
		/* Only what we started: the parent cannot point us elsewhere. */
		r.rc = -ESRCH;
		snprintf(r.err, sizeof(r.err), "process %d is not the %s process", (int)m->pid,
			 m->role == SPAWND_SENSOR ? "sensor" : "AWS");
	} else {
		r.rc = privsep_kill(m->pid, sp->cfg->uid[m->role], sp->cfg->gid[m->role], m->sig);
		if (r.rc)
			snprintf(r.err, sizeof(r.err), "kill %d: %s", (int)m->pid, strerror(-r.rc));
	}
	answer(sp, &r, chan);
}

/* Its own confinement, then the first answer: up, or why not. */
static int confine(struct spawner *sp, struct spawnd_done *r)
{
	const struct spawnd_cfg *cfg = sp->cfg;
	int rc;

	if (cfg->nflog_dev) {
		/* Binding NFLOG needs CAP_NET_ADMIN, which we do not keep. */
		struct capture_opts co;

		capture_opts_default(&co, cfg->nflog_dev);
		co.snaplen = cfg->snaplen;
		co.buffer_bytes = 4 << 20;
		if ((rc = capture_open(&co, &sp->nflog, r->err, sizeof(r->err))))
			return r->rc = rc;
	}
	if ((rc = privsep_drop(PRIVSEP_SPAWNER, cfg->user, NULL, r->err, sizeof(r->err))))
		return r->rc = rc;
	/* Set after the id change, which clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return done_err(r, -errno, "PR_SET_PDEATHSIG");
	if (!cfg->no_seccomp &&
	    (rc = privsep_seccomp_ids(cfg->uid, SPAWND__ROLES, cfg->gid, SPAWND__ROLES, r->err,
				      sizeof(r->err))))
		return r->rc = rc;
	return 0;
}

static __attribute__((noreturn)) void spawnd_main(int fd, const struct spawnd_cfg *cfg)
{
	static union {
		struct ipc_hdr h;
		char raw[IPC_MAX];
	} in;
	struct spawner sp = { .cfg = cfg, .fd = fd };
	struct spawnd_done r;
	sigset_t set;

	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	memset(&r, 0, sizeof(r));
	r.pid = (int32_t)getpid();
	(void)confine(&sp, &r);
	answer(&sp, &r, -1);
	if (r.rc)
		_exit(1);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		/* Not forever: each wakeup is a fresh syscall (a tracer's test hook). */
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			_exit(2);
		n = ipc_recv(fd, in.raw, &spawnd_ipc_to_spawner, NULL);
		if (n == -EAGAIN)
			continue;
		if (n <= 0)
			_exit(n == 0 ? 0 : 2); /* the parent is gone, or talks nonsense */
		serve_one(&sp, (const void *)in.raw);
	}
}

/* ---- the parent's side ---- */

static ssize_t recv_answer(struct spawnd *s, struct spawnd_done *out, int *fd)
{
	static union {
		struct ipc_hdr h;
		char raw[IPC_MAX];
	} b;
	uint64_t deadline = util_now_mono_ns() + ANSWER_WAIT_NS;
	struct ipc_in in;
	ssize_t n;

	while ((n = ipc_recv(s->fd, b.raw, &spawnd_ipc_to_parent, &in)) == -EAGAIN) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		uint64_t now = util_now_mono_ns();

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((deadline - now + MS - 1) / MS)) < 0 && errno != EINTR)
			return -errno;
	}
	if (n == -EBADMSG)
		log_warnx("%s", in.why);
	if (n <= 0)
		return n == 0 ? -EPIPE : n;
	memcpy(out, b.raw, sizeof(*out));
	out->err[sizeof(out->err) - 1] = '\0';
	if (fd && in.nfds == 1)
		*fd = in.fds[0];
	else
		ipc_in_close(&in);
	return n;
}

/* The spawner failed us: it is stopped, and never restarted. */
static void lost(struct spawnd *s, const char *why)
{
	log_warnx("spawner process %d %s", (int)s->pid, why);
	if (s->pid > 0)
		(void)kill(s->pid, SIGKILL); /* our uid: a hung one goes too */
	spawnd_stop(s);
}

int spawnd_start(struct spawnd *s, const struct spawnd_cfg *cfg, void (*drop_parent)(void *),
		 void *arg, char *err, size_t errlen)
{
	struct spawnd_done r;
	int sv[2];
	ssize_t n;
	pid_t pid;

	s->fd = -1;
	s->pid = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return util_err(err, errlen, "spawner: socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return util_err(err, errlen, "spawner: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(sv[0]);
		drop_parent(arg);
		spawnd_main(sv[1], cfg);
	}
	close(sv[1]);
	s->fd = sv[0];
	s->pid = pid;
	n = recv_answer(s, &r, NULL);
	if (n < 0 || r.rc) {
		util_err(err, errlen, "spawner: %s", n < 0 ? strerror((int)-n) : r.err);
		spawnd_stop(s);
		return n < 0 ? (int)n : r.rc;
	}
	log_info("spawner process %d running", (int)pid);
	return 0;
}

int spawnd_spawn(struct spawnd *s, enum spawnd_role role, pid_t *pid, int *fd,
		 struct spawnd_done *out, char *err, size_t errlen)
{
	struct spawnd_req m = { .role = role };
	ssize_t n;
	int rc;

	*fd = -1;
	if (s->fd < 0)
		return util_err(err, errlen, "no spawner: cannot start a new %s process",
				role == SPAWND_SENSOR ? "sensor" : "AWS");
	memset(out, 0, sizeof(*out));
	if ((rc = ipc_send(s->fd, SPAWND_START, &m, sizeof(m))) ||
	    (n = recv_answer(s, out, fd)) < 0) {
		rc = rc ? rc : (int)n;
		lost(s, strerror(-rc));
		return util_err(err, errlen, "spawner: %s", strerror(-rc));
	}
	if (out->rc || *fd < 0) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return util_err(err, errlen, "%s", *out->err ? out->err : "spawner: no channel");
	}
	*pid = out->pid;
	return 0;
}

int spawnd_kill(struct spawnd *s, enum spawnd_role role, pid_t pid, int sig)
{
	struct spawnd_req m = { .role = role, .pid = pid, .sig = sig };
	struct spawnd_done r;
	ssize_t n;
	int rc;

	if (s->fd < 0)
		return -ENOTCONN;
	if ((rc = ipc_send(s->fd, SPAWND_KILL, &m, sizeof(m))) ||
	    (n = recv_answer(s, &r, NULL)) < 0) {
		rc = rc ? rc : (int)n;
		lost(s, strerror(-rc));
		return rc;
	}
	return r.rc;
}

bool spawnd_reaped(struct spawnd *s, pid_t pid)
{
	if (pid <= 0 || pid != s->pid)
		return false;
	if (s->fd >= 0)
		log_warnx("spawner process %d is gone", (int)pid);
	spawnd_stop(s);
	s->pid = 0;
	return true;
}

void spawnd_stop(struct spawnd *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
