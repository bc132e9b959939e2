/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "capture.h"
#include "config.h"
#include "daemon.h"
#include "daemon_impl.h"
#include "log.h"
#include "privsep.h"
#include "sensord.h"

void run_opts_default(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = RUN_ISOLATE;
	o->state_dir = "/var/lib/cordon";
	o->user = CONFIG_DEFAULT_AGENT_USER;
	o->sensor_user = CONFIG_DEFAULT_SENSOR_USER;
	o->aws_user = CONFIG_DEFAULT_AWS_USER;
	list_limits_default(&o->lim);
	o->sync_interval = 60;
	enforce_opts_default(&o->enf);
	o->snaplen = 256;
	o->capture_buffer = 32 << 20;
	o->max_flows = 65536;
	o->max_findings = 65536;
	o->evidence_seconds = 30;
	o->evidence_bytes = 16 << 20;
	o->outbound = true;
	o->inbound_answered = true;
	o->tag_instance = true;
	o->gd_enabled = true;
	o->gd_poll_interval = 60;
	o->gd_min_severity = 7.0;
	o->gd_incident_severity = 7.0;
	util_strlcpy(o->gd_types[0], "*.Custom", sizeof(o->gd_types[0]));
	o->n_gd_types = 1;
	util_strlcpy(o->events_bus, "default", sizeof(o->events_bus));
}

static int open_captures(struct daemon *d, char *err, size_t errlen)
{
	const struct run_opts *o = d->o;
	char def[32];
	struct capture_opts co;
	int rc;

	if (o->n_ifaces == 0) {
		if ((rc = capture_default_iface(def, sizeof(def), err, errlen)))
			return rc;
		util_strlcpy(d->ifaces[0], def, sizeof(d->ifaces[0]));
		d->n_ifaces = 1;
	} else {
		for (size_t i = 0; i < o->n_ifaces; i++)
			util_strlcpy(d->ifaces[i], o->ifaces[i], sizeof(d->ifaces[i]));
		d->n_ifaces = o->n_ifaces;
	}
	for (size_t i = 0; i < d->n_ifaces; i++) {
		capture_opts_default(&co, d->ifaces[i]);
		co.snaplen = o->snaplen;
		co.buffer_bytes = o->capture_buffer;
		if ((rc = capture_open(&co, &d->caps[d->ncaps], err, errlen)))
			return rc;
		d->ncaps++;
	}
	if (o->mode != RUN_MONITOR) {
		/* Drops the enforcer logs: outbound attempts that never leave. */
		snprintf(d->nflog_dev, sizeof(d->nflog_dev), "nflog:%u",
			 o->enf.nflog_group);
		capture_opts_default(&co, d->nflog_dev);
		co.snaplen = o->snaplen;
		co.buffer_bytes = 4 << 20;
		if ((rc = capture_open(&co, &d->caps[d->ncaps], err, errlen)))
			return rc;
		d->ncaps++;
	}
	return 0;
}

pid_t daemon_fork(struct daemon *d, int *fd, char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		util_err(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		util_err(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		daemon_close_for_child(d);
		*fd = sv[1];
		return 0;
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

static int spawn_sensor(struct daemon *d, char *err, size_t errlen)
{
	struct sensord_opts so = {
		.user = d->o->sensor_user,
		.max_flows = d->o->max_flows,
		.max_findings = d->o->max_findings,
		.no_seccomp = d->o->no_seccomp,
		.evidence_seconds = d->o->evidence_seconds,
		.evidence_bytes = d->o->evidence_bytes,
	};
	int fd;
	pid_t pid = daemon_fork(d, &fd, err, errlen);

	if (pid < 0)
		return -1;
	if (pid == 0)
		sensord_main(fd, d->caps, d->ncaps, &so);
	d->sensor_fd = fd;
	d->sensor_pid = pid;
	d->sensor_ready = false;
	/*
	 * We keep our copies of the handles without reading them: after
	 * dropping CAP_NET_RAW we could not open them again for a new sensor.
	 */
	return 0;
}

/*
 * The channel closed (or talked nonsense): stop listening. The process is
 * reaped (and its cause of death logged) through SIGCHLD; only then is a
 * new one started.
 */
static void sensor_channel_lost(struct daemon *d, const char *why)
{
	log_warnx("sensor process %d %s", (int)d->sensor_pid, why);
	if (d->sensor_fd >= 0)
		close(d->sensor_fd);
	d->sensor_fd = -1;
}

static void sensor_reaped(struct daemon *d, const char *why)
{
	log_warnx("sensor process %d %s; nftables state is unchanged%s",
		  (int)d->sensor_pid, why,
		  d->inc.open ? ", the lockdown stays" : "");
	if (d->sensor_fd >= 0)
		close(d->sensor_fd);
	d->sensor_fd = -1;
	d->sensor_pid = 0;
	d->sensor_deaths++;
	d->last_sensor_death_ns = util_now_mono_ns();
}

static void handle_sensor(struct daemon *d)
{
	struct ipc_in in;
	ssize_t n = ipc_recv(d->sensor_fd, d->in.raw, &sensord_ipc_to_parent, &in);

	if (n == -EAGAIN)
		return;
	if (n == 0) {
		sensor_channel_lost(d, "closed its channel");
		return;
	}
	if (n < 0) {
		daemon_kill_child(d, d->sensor_pid, SIGKILL);
		log_warnx("%s", n == -EBADMSG ? in.why : strerror((int)-n));
		sensor_channel_lost(d, "sent a malformed message: stopping it");
		return;
	}
	switch (d->in.h.type) {
	case IPC_S_HELLO: {
		const struct ipc_s_hello *m = (const void *)d->in.raw;

		log_info("sensor process %d running (capabilities: %s)",
			 (int)m->pid, m->caps);
		d->sensor_ready = true;
		daemon_send_lists(d);
		break;
	}
	case IPC_S_LISTS_DONE: {
		const struct ipc_s_lists_done *m = (const void *)d->in.raw;

		if (m->rc)
			log_warnx("sensor kept its previous lists: %s", m->err);
		else
			log_info("sensor matching against %llu entries",
				 (unsigned long long)m->entries);
		break;
	}
	case IPC_S_FINDING:
		daemon_on_finding(d, (const void *)d->in.raw);
		break;
	case IPC_S_STATS:
		memcpy(&d->stats, d->in.raw, sizeof(d->stats));
		break;
	case IPC_S_DUMP_DONE:
		daemon_evidence_dumped(d, (const void *)d->in.raw);
		break;
	}
}

static int setup_signals(struct daemon *d, char *err, size_t errlen)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return util_err(err, errlen, "sigprocmask: %s", strerror(errno));
	d->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0)
		return util_err(err, errlen, "signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void reap(struct daemon *d)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		char why[64];

		if (WIFSIGNALED(status))
			snprintf(why, sizeof(why), "died of signal %d", WTERMSIG(status));
		else
			snprintf(why, sizeof(why), "exited with status %d",
				 WEXITSTATUS(status));
		if (pid == d->sensor_pid)
			sensor_reaped(d, why);
		else
			daemon_child_exited(d, pid, why);
	}
}

/* 1: keep running, 0: stop. */
static int handle_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %u: stopping (nftables state stays as it is)",
				 si.ssi_signo);
			return 0;
		case SIGHUP:
			log_info("SIGHUP: syncing and reloading lists, reopening %s",
				 d->findings_path);
			d->next_sync_ns = 0;
			daemon_reopen_findings(d);
			break;
		case SIGCHLD:
			reap(d);
			break;
		}
	}
	return 1;
}

static void timers(struct daemon *d)
{
	uint64_t now = util_now_mono_ns();

	/* A dead sensor comes back, at most once a second. */
	if (d->sensor_pid == 0 && d->running &&
	    now - d->last_sensor_death_ns > 1000000000ull) {
		char err[ERRLEN];

		/* Our copies of the pcap handles are still open for this. */
		log_info("restarting the sensor process");
		if (spawn_sensor(d, err, sizeof(err)))
			log_warnx("%s", err);
	}
	if (now >= d->next_sync_ns)
		daemon_sync_lists(d, now);
	if (now >= d->next_status_ns) {
		d->next_status_ns = now + 1000000000ull;
		daemon_write_status(d);
	}
	if (d->watchdog_usec && now >= d->next_watchdog_ns) {
		sd_notify(0, "WATCHDOG=1");
		d->next_watchdog_ns = now + d->watchdog_usec * 500ull;
	}
	daemon_incident_tick(d, now);
	daemon_cloud_tick(d, now);
	daemon_gd_tick(d, now);
}

/*
 * Each process its own uid (docs/internals/security.md): the sensor's and
 * the AWS process's must exist and be reachable from here; the parent
 * keeps CAP_SETUID/CAP_SETGID for them, pinned by its seccomp filter.
 */
static int check_users(struct daemon *d, char *err, size_t errlen)
{
	const struct run_opts *o = d->o;
	const char *who[] = { o->sensor_user, o->aws_user };
	uid_t uid, own = getuid();
	gid_t gid, group = getgid();
	int rc;

	d->n_child_ids = 0;
	if (o->user && *o->user &&
	    (rc = privsep_lookup_user(o->user, &own, &group, err, errlen)))
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(who); i++) {
		char e[ERRLEN];

		if (!who[i] || !*who[i])
			return util_err(err, errlen, "[agent] %s_user is empty",
					i ? "aws" : "sensor");
		if ((rc = privsep_lookup_user(who[i], &uid, &gid, e, sizeof(e))))
			return util_err(err, errlen, "[agent] %s_user: %s",
					i ? "aws" : "sensor", e);
		if (i == 1 && o->user && *o->user)
			gid = group; /* the AWS process writes lists/ for the parent */
		if ((rc = privsep_can_become(uid, gid, e, sizeof(e))))
			return util_err(err, errlen, "[agent] %s_user %s: %s",
					i ? "aws" : "sensor", who[i], e);
		if (uid == own)
			log_warnx("[agent] %s_user is the agent's own user: a %s process "
				  "taken over reaches the agent's files", i ? "aws" : "sensor",
				  i ? "AWS" : "sensor");
		d->child_uids[i] = uid;
		d->child_gids[i] = gid;
		d->n_child_ids++;
	}
	return 0;
}

void daemon_kill_child(struct daemon *d, pid_t pid, int sig)
{
	size_t i = pid == d->aws_pid ? 1 : 0;
	int rc;

	if (pid <= 0)
		return;
	rc = i < d->n_child_ids ? privsep_kill(pid, d->child_uids[i], d->child_gids[i], sig) :
				  (kill(pid, sig) ? -errno : 0);
	if (rc && rc != -ESRCH)
		log_warnx("cannot signal process %d: %s", (int)pid, strerror(-rc));
}

int daemon_run(const struct run_opts *o)
{
	struct daemon *d = calloc(1, sizeof(*d));
	char err[ERRLEN];
	int rc = EXIT_FAILURE;

	/* No one else with our uid reads our memory or environment. */
	privsep_nodump();
	if (!d) {
		log_warnx("out of memory");
		return 1;
	}
	d->o = o;
	d->sensor_fd = -1;
	d->aws_fd = -1;
	d->sigfd = -1;
	d->running = true;
	if (check_users(d, err, sizeof(err)) ||
	    daemon_prepare_state(d, err, sizeof(err)) ||
	    setup_signals(d, err, sizeof(err)) ||
	    daemon_load_lists(d, err, sizeof(err)) ||
	    open_captures(d, err, sizeof(err)) ||
	    spawn_sensor(d, err, sizeof(err)) ||
	    daemon_spawn_aws(d, err, sizeof(err))) {
		log_warnx("%s", err);
		goto out;
	}
	if (*o->instance_id)
		util_strlcpy(d->instance_id, o->instance_id, sizeof(d->instance_id));
	daemon_incident_resume(d);
	/* This process keeps CAP_NET_ADMIN only; it never parses packets. */
	daemon_chown_state(d);
	if (privsep_drop(PRIVSEP_ENFORCER, d->parent_user, NULL, err, sizeof(err)) ||
	    (!o->no_seccomp &&
	     privsep_seccomp_parent(d->child_uids, d->n_child_ids, d->child_gids,
				    d->n_child_ids, err, sizeof(err)))) {
		log_warnx("%s", err);
		goto out;
	}
	{
		uint64_t usec = 0;

		if (sd_watchdog_enabled(0, &usec) > 0)
			d->watchdog_usec = usec;
	}
	log_info("running in %s mode on %s%s%s", daemon_mode_name(o->mode),
		 d->ifaces[0], d->n_ifaces > 1 ? " and others" : "",
		 o->mode != RUN_MONITOR ? " (+ NFLOG)" : "");
	sd_notifyf(0, "READY=1\nSTATUS=watching %s, mode %s\nMAINPID=%d",
		   d->ifaces[0], daemon_mode_name(o->mode), (int)getpid());

	while (d->running) {
		struct pollfd pfd[3];
		int n, np = 0;

		pfd[np++] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
		pfd[np++] = (struct pollfd){ .fd = d->sensor_fd, .events = POLLIN };
		pfd[np++] = (struct pollfd){ .fd = d->aws_fd, .events = POLLIN };
		n = poll(pfd, (nfds_t)np, 100);
		if (n < 0 && errno != EINTR) {
			/* EINVAL: RLIMIT_NOFILE below 3. systemd must restart us. */
			log_warn("poll");
			goto out;
		}
		if (n > 0 && pfd[0].revents && !handle_signal(d))
			break;
		if (n > 0 && d->sensor_fd >= 0 && pfd[1].revents)
			handle_sensor(d);
		if (n > 0 && d->aws_fd >= 0 && pfd[2].revents)
			daemon_handle_aws(d);
		timers(d);
		if (d->o->once_lockdown_exit && d->inc.lockdown_done)
			break;
	}
	rc = EXIT_SUCCESS;
	sd_notify(0, "STOPPING=1");
out:
	d->running = false;
	if (d->sensor_pid > 0)
		daemon_kill_child(d, d->sensor_pid, SIGTERM);
	daemon_stop_aws(d);
	daemon_write_status(d);
	daemon_cleanup(d);
	free(d);
	return rc;
}
