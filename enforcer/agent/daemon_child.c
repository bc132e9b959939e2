/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "awsd.h"
#include "daemon_impl.h"
#include "log.h"
#include "privsep.h"
#include "sensord.h"
#include "spawnd.h"

/*
 * The parent's children, the sensor and the AWS process: the parent alone
 * has them started (by the spawner, spawnd.c, which holds the privilege
 * for it), reaps them, restarts them with backoff, and reads every
 * message they send, dispatched here in one place per channel (as
 * OpenBSD's ntpd keeps dispatch_imsg in ntpd.c) to the file that acts on
 * it. Those files reach a child only by sending on its channel.
 */

#define SEC NSEC_PER_SEC
#define DRAIN_MAX 256              /* messages read per wakeup and channel */
#define RESPAWN_MAX_NS (60 * SEC)  /* backoff cap for a child that keeps dying */
#define RESPAWN_RETRY_NS (5 * SEC) /* after a start that failed */

/* A child's text field into ours, terminated whatever the child sent. */
static void take(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#define TAKE(dst, src) take(dst, sizeof(dst), src, sizeof(src))

/* In the spawner: nothing of the parent's but what the children are given. */
static void close_for_spawner(void *arg)
{
	struct daemon *d = arg;

	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->findings)
		close(fileno(d->findings));
	if (d->aws.fd >= 0)
		close(d->aws.fd);
	if (d->sensor.fd >= 0)
		close(d->sensor.fd);
	if (d->procs.fd >= 0)
		close(d->procs.fd); /* only the parent may ask the procs helper */
	journal_abandon(d->j);
	d->j = NULL;
}

static void child_started(struct child *c, pid_t pid, int fd)
{
	c->pid = pid;
	c->fd = fd;
	c->ready = false;
	c->started_ns = util_now_mono_ns();
}

/*
 * Each process its own uid (docs/internals/security.md): the sensor's and
 * the AWS process's must exist and be reachable from here; the spawner
 * keeps CAP_SETUID/CAP_SETGID for them, pinned by its seccomp filter.
 */
int daemon_child_users(struct daemon *d, char *err, size_t errlen)
{
	const struct run_opts *o = d->o;
	const char *who[] = { o->sensor_user, o->aws_user };
	struct child *c[] = { &d->sensor, &d->aws };
	uid_t uid, own = getuid();
	gid_t gid, group = getgid();
	int rc;

	if (o->user && *o->user &&
	    (rc = privsep_lookup_user(o->user, &own, &group, err, errlen)))
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(who); i++) {
		const char *key = i ? "aws" : "sensor";
		char e[ERRLEN];

		if (!who[i] || !*who[i])
			return util_err(err, errlen, "[agent] %s_user is empty", key);
		if ((rc = privsep_lookup_user(who[i], &uid, &gid, e, sizeof(e))))
			return util_err(err, errlen, "[agent] %s_user: %s", key, e);
		if (c[i] == &d->aws && o->user && *o->user)
			gid = group; /* the AWS process writes lists/ for the parent */
		if ((rc = privsep_can_become(uid, gid, e, sizeof(e))))
			return util_err(err, errlen, "[agent] %s_user %s: %s", key, who[i], e);
		if (uid == own)
			log_warnx("[agent] %s_user is the agent's own user: a %s process "
				  "taken over reaches the agent's files", key,
				  i ? "AWS" : "sensor");
		c[i]->uid = uid;
		c[i]->gid = gid;
	}
	return 0;
}

/*
 * Another uid's process: the spawner signals it (kill() alone says EPERM
 * across uids, and we have no CAP_SETUID); without a spawner, kill().
 */
static void child_kill(struct daemon *d, struct child *c, int sig)
{
	int rc;

	if (c->pid <= 0)
		return;
	rc = spawnd_kill(&d->spawner, c == &d->sensor ? SPAWND_SENSOR : SPAWND_AWS, c->pid, sig);
	if (rc == -ENOTCONN || rc == -EPIPE || rc == -ETIMEDOUT)
		rc = kill(c->pid, sig) ? -errno : 0;
	if (rc && rc != -ESRCH)
		log_warnx("cannot signal process %d: %s", (int)c->pid, strerror(-rc));
}

/* A new sensor, with capture rings opened for it alone (spawnd.c). */
static int spawn_sensor(struct daemon *d, char *err, size_t errlen)
{
	struct spawnd_done r;
	pid_t pid;
	int fd;

	if (spawnd_spawn(&d->spawner, SPAWND_SENSOR, &pid, &fd, &r, err, errlen))
		return -1;
	d->ndlt = r.ndlt;
	memcpy(d->dlt, r.dlt, sizeof(d->dlt));
	child_started(&d->sensor, pid, fd);
	return 0;
}

static int spawn_aws(struct daemon *d, char *err, size_t errlen)
{
	struct spawnd_done r;
	pid_t pid;
	int fd;

	if (spawnd_spawn(&d->spawner, SPAWND_AWS, &pid, &fd, &r, err, errlen))
		return -1;
	child_started(&d->aws, pid, fd);
	return 0;
}

/*
 * The channel closed or talked nonsense: stop listening. Whatever the
 * child was doing for us is lost (the journal has the intent of a cloud
 * step, which is tried again). The process is reaped through SIGCHLD.
 */
static void channel_lost(struct daemon *d, struct child *c, const char *name, const char *why)
{
	log_warnx("%s process %d %s", name, (int)c->pid, why);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->ready = false;
	if (c == &d->aws) {
		daemon_cloud_lost(d);
		daemon_imds_lost(d);
		d->hb.inflight = false;
		d->gd_inflight = false;
	}
	d->status_dirty = true;
}

/* Reaped: a new one after a backoff that grows while it keeps dying young. */
static void child_reaped(struct daemon *d, struct child *c, const char *name, const char *why)
{
	uint64_t now = util_now_mono_ns(), delay;

	if (c->fd >= 0)
		channel_lost(d, c, name, "is gone");
	c->quick_deaths = now - c->started_ns < RESPAWN_MAX_NS ? c->quick_deaths + 1 : 1;
	delay = SEC << (c->quick_deaths - 1 < 6 ? c->quick_deaths - 1 : 6);
	if (delay > RESPAWN_MAX_NS)
		delay = RESPAWN_MAX_NS;
	log_warnx("%s process %d %s; nftables state is unchanged%s; a new one in %llu s", name,
		  (int)c->pid, why, d->inc.active ? ", the lockdown stays" : "",
		  (unsigned long long)(delay / SEC));
	c->pid = 0;
	c->respawn_ns = now + delay;
	d->status_dirty = true;
}

void daemon_child_respawn(struct daemon *d, uint64_t now)
{
	char err[ERRLEN];

	if (!d->running)
		return;
	if (d->sensor.pid == 0 && now >= d->sensor.respawn_ns) {
		/* Fresh rings: it sees the next packet (spawnd.c). */
		log_info("restarting the sensor process");
		d->sensor.restarts++;
		if (spawn_sensor(d, err, sizeof(err))) {
			/* An interface gone, say: try again, not in a loop. */
			log_warnx("%s; again in %llu s", err, (unsigned long long)(RESPAWN_RETRY_NS / SEC));
			d->sensor.respawn_ns = now + RESPAWN_RETRY_NS;
		}
	}
	if (d->aws.pid == 0 && now >= d->aws.respawn_ns) {
		/* Nothing is lost: the journal says what is still to do. */
		log_info("restarting the AWS process");
		d->aws.restarts++;
		if (spawn_aws(d, err, sizeof(err))) {
			log_warnx("%s; again in %llu s", err, (unsigned long long)(RESPAWN_RETRY_NS / SEC));
			d->aws.respawn_ns = now + RESPAWN_RETRY_NS;
		}
	}
}

void daemon_child_reap(struct daemon *d)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		char why[64];

		if (WIFSIGNALED(status))
			snprintf(why, sizeof(why), "died of signal %d", WTERMSIG(status));
		else
			snprintf(why, sizeof(why), "exited with status %d", WEXITSTATUS(status));
		if (pid == d->sensor.pid)
			child_reaped(d, &d->sensor, "sensor", why);
		else if (pid == d->aws.pid)
			child_reaped(d, &d->aws, "AWS", why);
		else if (!spawnd_reaped(&d->spawner, pid))
			procsd_reaped(&d->procs, pid);
	}
}

/* ---- every message from a child is dispatched here ---- */

static bool dispatch_sensor_one(struct daemon *d)
{
	char err[ERRLEN];
	struct ipc_in in;
	/* Checked in full here (sensord_ipc.c): the sensor may be hostile. */
	ssize_t n = ipc_recv(d->sensor.fd, d->in.raw, &sensord_ipc_to_parent, &in);

	if (n == -EAGAIN)
		return false;
	if (n == 0) {
		channel_lost(d, &d->sensor, "sensor", "closed its channel");
		return false;
	}
	if (n < 0) {
		log_warnx("%s", n == -EBADMSG ? in.why : strerror((int)-n));
		goto bad;
	}
	switch (d->in.h.type) {
	case IPC_S_HELLO: {
		const struct ipc_s_hello *m = (const void *)d->in.raw;
		char caps[sizeof(m->caps)];

		TAKE(caps, m->caps);
		log_info("sensor process %d running (capabilities: %s)", (int)m->pid, caps);
		d->sensor.ready = true;
		daemon_send_lists(d);
		break;
	}
	case IPC_S_LISTS_DONE: {
		const struct ipc_s_lists_done *m = (const void *)d->in.raw;

		TAKE(err, m->err);
		if (m->rc)
			log_warnx("sensor kept its previous lists: %s", err);
		else
			log_info("sensor matching against %llu entries",
				 (unsigned long long)m->entries);
		break;
	}
	case IPC_S_FINDING:
		/* finding_rec_check() passed: ipc_recv() called it. */
		daemon_incident_finding(d, (const void *)d->in.raw);
		break;
	case IPC_S_STATS:
		memcpy(&d->stats, d->in.raw, sizeof(d->stats));
		break;
	case IPC_S_DUMP_DONE:
		daemon_evidence_dumped(d, (const void *)d->in.raw);
		break;
	}
	return true;
bad:
	child_kill(d, &d->sensor, SIGKILL);
	channel_lost(d, &d->sensor, "sensor", "sent a malformed message: stopping it");
	return false;
}

static void aws_hello(struct daemon *d, const struct ipc_a_hello *m)
{
	char caps[sizeof(m->caps)];

	TAKE(caps, m->caps);
	log_info("AWS process %d running (capabilities: %s)", (int)m->pid, caps);
	d->aws.ready = true;
	d->status_dirty = true;
	/* The identity, unless known: asked until it is (daemon_imds.c). */
	daemon_imds_tick(d, util_now_mono_ns());
	if (!d->lists_synced)
		d->next_sync_ns = 0; /* S3 lists now that the AWS process is up */
}

static void aws_identity(struct daemon *d, const struct ipc_a_identity_done *m)
{
	struct ipc_a_identity_done t;

	/* Its texts terminated here, whatever it sent. */
	memset(&t, 0, sizeof(t));
	t.rc = m->rc;
	TAKE(t.instance_id, m->instance_id);
	TAKE(t.region, m->region);
	TAKE(t.account, m->account);
	TAKE(t.err, m->err);
	daemon_imds_identity(d, &t);
}

static bool dispatch_aws_one(struct daemon *d)
{
	struct ipc_in in;
	ssize_t n = ipc_recv(d->aws.fd, d->in.raw, &daemon_ipc_from_aws, &in);

	if (n == -EAGAIN)
		return false;
	if (n == 0) {
		channel_lost(d, &d->aws, "AWS", "closed its channel");
		return false;
	}
	if (n < 0) {
		log_warnx("%s", n == -EBADMSG ? in.why : strerror((int)-n));
		child_kill(d, &d->aws, SIGKILL);
		channel_lost(d, &d->aws, "AWS", "sent a malformed message: stopping it");
		return false;
	}
	switch (d->in.h.type) {
	case IPC_A_HELLO:
		aws_hello(d, (const void *)d->in.raw);
		break;
	case IPC_A_SYNC_DONE:
		daemon_list_synced(d, (const void *)d->in.raw);
		break;
	case IPC_A_IDENTITY_DONE:
		aws_identity(d, (const void *)d->in.raw);
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
	case IPC_A_INST_TAGS:
		daemon_imds_tags(d, (const void *)d->in.raw);
		break;
	case IPC_A_HEARTBEAT_DONE:
		daemon_heartbeat_done(d, (const void *)d->in.raw);
		break;
	}
	return true;
}

/* Drain what is waiting (bounded): a busy sensor is never kept waiting on us. */
void daemon_child_dispatch_sensor(struct daemon *d)
{
	for (int i = 0; i < DRAIN_MAX && d->sensor.fd >= 0 && dispatch_sensor_one(d); i++)
		;
}

void daemon_child_dispatch_aws(struct daemon *d)
{
	for (int i = 0; i < DRAIN_MAX && d->aws.fd >= 0 && dispatch_aws_one(d); i++)
		;
}

/*
 * The spawner, then both children through it. Its configuration lives in
 * d (the spawner has its own copy of our memory from the fork on).
 */
int daemon_child_start(struct daemon *d, char *err, size_t errlen)
{
	const struct run_opts *o = d->o;
	struct spawnd_cfg *c = &d->spawn_cfg;
	int rc;

	memset(c, 0, sizeof(*c));
	c->ifaces = (const char(*)[32])d->ifaces;
	c->n_ifaces = d->n_ifaces;
	c->snaplen = o->snaplen;
	c->buffer_bytes = o->capture_buffer;
	c->nflog_dev = *d->nflog_dev ? d->nflog_dev : NULL;
	c->user = d->parent_user;
	c->uid[SPAWND_SENSOR] = d->sensor.uid;
	c->gid[SPAWND_SENSOR] = d->sensor.gid;
	c->uid[SPAWND_AWS] = d->aws.uid;
	c->gid[SPAWND_AWS] = d->aws.gid;
	c->no_seccomp = o->no_seccomp;
	c->so = (struct sensord_opts){
		.user = o->sensor_user,
		.max_flows = o->max_flows,
		.max_findings = o->max_findings,
		.noise_hold_ms = o->noise_hold_ms,
		.no_seccomp = o->no_seccomp,
		.evidence_seconds = o->evidence_seconds,
		.evidence_bytes = o->evidence_bytes,
	};
	/* Its own uid in the agent's group: lists/ is the group's to write. */
	c->ao = (struct awsd_opts){ .user = o->aws_user, .group_of = o->user,
				    .state_dir = o->state_dir, .lim = o->lim,
				    .tag_poll_ms = o->tag_poll_ms,
				    .max_attempts = o->aws_max_attempts,
				    .connect_ms = o->aws_connect_ms, .total_ms = o->aws_total_ms,
				    .no_seccomp = o->no_seccomp };
	if ((rc = spawnd_start(&d->spawner, c, close_for_spawner, d, err, errlen)))
		return rc;
	if (spawn_sensor(d, err, errlen) || spawn_aws(d, err, errlen))
		return -ECHILD;
	return 0;
}

void daemon_child_stop(struct daemon *d)
{
	child_kill(d, &d->sensor, SIGTERM);
	child_kill(d, &d->aws, SIGTERM);
	if (d->aws.fd >= 0)
		close(d->aws.fd);
	if (d->sensor.fd >= 0)
		close(d->sensor.fd);
	d->aws.fd = d->sensor.fd = -1;
	spawnd_stop(&d->spawner);
}
