/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "capture.h"
#include "daemon.h"
#include "daemon_impl.h"
#include "log.h"
#include "privsep.h"

/*
 * The parent of `cordon run`: start-up, signals, timers and the loop. Its
 * children and their messages are daemon_child.c's; the other daemon_*.c
 * files act on what is dispatched to them.
 */

#define SEC NSEC_PER_SEC


/*
 * What the sensor captures on; the spawner opens the handles, a fresh set
 * for each sensor (spawnd.c).
 */
static int pick_captures(struct daemon *d, char *err, size_t errlen)
{
	const struct run_opts *o = d->o;
	int rc;

	if (o->n_ifaces == 0) {
		if ((rc = capture_default_iface(d->ifaces[0], sizeof(d->ifaces[0]), err, errlen)))
			return rc;
		d->n_ifaces = 1;
	} else {
		for (size_t i = 0; i < o->n_ifaces; i++)
			util_strlcpy(d->ifaces[i], o->ifaces[i], sizeof(d->ifaces[i]));
		d->n_ifaces = o->n_ifaces;
	}
	/* Drops the enforcer logs: outbound attempts that never leave. */
	if (o->mode != RUN_MONITOR)
		snprintf(d->nflog_dev, sizeof(d->nflog_dev), "nflog:%u", o->enf.nflog_group);
	/* The children the spawner starts become ours: we reap them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		return util_err(err, errlen, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	return 0;
}

/* ---- signals, timers, the loop ---- */

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

/* 1: keep running, 0: stop. */
static int handle_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %u: stopping (nftables state stays as it is)", si.ssi_signo);
			return 0;
		case SIGHUP:
			log_info("SIGHUP: syncing and reloading lists, reopening %s", d->findings_path);
			d->next_sync_ns = 0;
			d->sync_now = true;
			daemon_findings_reopen(d);
			break;
		case SIGCHLD:
			daemon_child_reap(d);
			break;
		}
	}
	return 1;
}

static void timers(struct daemon *d)
{
	uint64_t now = util_now_mono_ns();

	daemon_child_respawn(d, now);
	if (now >= d->next_sync_ns)
		daemon_sync_lists(d, now);
	daemon_table_tick(d, now);
	daemon_journal_tick(d, now);
	if (!d->resumed && d->j) {
		/* The journal could not be read at start: resume from it now. */
		d->resumed = true;
		if (!d->inc.active)
			daemon_incident_resume(d);
	}
	daemon_imds_tick(d, now);
	daemon_incident_tick(d, now);
	daemon_cloud_tick(d, now);
	daemon_gd_tick(d, now);
	daemon_heartbeat_tick(d, now);
	if (d->watchdog_usec && now >= d->next_watchdog_ns) {
		sd_notify(0, "WATCHDOG=1");
		d->next_watchdog_ns = now + d->watchdog_usec * 500ull;
	}
	/*
	 * daemon.json after a change (at most ten times a second: a scan
	 * must not turn into a write storm), and once a second for the
	 * counters. The lockdown writes it at once itself.
	 */
	if ((d->status_dirty && now >= d->last_status_ns + SEC / 10) || now >= d->next_status_ns) {
		d->next_status_ns = now + SEC;
		d->last_status_ns = now;
		daemon_write_status(d);
	}
}

static int start(struct daemon *d, char *err, size_t errlen)
{
	int rc;

	/* First, before anything is opened: it keeps CAP_SYS_PTRACE, we never do. */
	if (d->o->mode == RUN_ISOLATE)
		procsd_start(&d->procs, d->o->user);
	if ((rc = daemon_child_users(d, err, errlen)) ||
	    (rc = daemon_prepare_state(d, err, errlen)) ||
	    (rc = daemon_findings_open(d, err, errlen)) ||
	    (rc = setup_signals(d, err, errlen)))
		return rc;
	daemon_write_status(d); /* "starting": `cordon status` knows at once */
	if ((rc = daemon_load_lists(d, err, errlen)) || (rc = pick_captures(d, err, errlen)))
		return rc;
	daemon_journal_attach(d);
	if ((rc = daemon_child_start(d, err, errlen)))
		return rc;
	if (*d->o->instance_id)
		util_strlcpy(d->instance_id, d->o->instance_id, sizeof(d->instance_id));
	d->resumed = d->j != NULL;
	daemon_incident_resume(d);
	daemon_incident_trip_check(d);
	/*
	 * This process keeps CAP_NET_ADMIN only: it never parses packets, and
	 * the spawner alone can change ids; its filter refuses every id change.
	 */
	daemon_chown_state(d);
	if ((rc = privsep_drop(PRIVSEP_ENFORCER, d->parent_user, NULL, err, errlen)) ||
	    d->o->no_seccomp)
		return rc;
	return privsep_seccomp_ids(NULL, 0, NULL, 0, err, errlen);
}

static void stop(struct daemon *d)
{
	d->running = false;
	daemon_child_stop(d);
	procsd_stop(&d->procs);
	daemon_journal_close(d);
	daemon_write_status(d);
	for (size_t i = 0; i < RUN_MAX_LISTS; i++)
		list_free(d->lists[i].l);
	daemon_findings_close(d);
	free(d->inc.finding_json);
	if (d->sigfd >= 0)
		close(d->sigfd);
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
	d->sensor.fd = d->aws.fd = d->procs.fd = d->sigfd = d->spawner.fd = -1;
	d->running = true;
	if (start(d, err, sizeof(err))) {
		log_warnx("%s", err);
		goto out;
	}
	{
		uint64_t usec = 0;

		if (sd_watchdog_enabled(0, &usec) > 0)
			d->watchdog_usec = usec;
	}
	d->ready = true;
	daemon_write_status(d);
	log_info("running in %s mode on %s%s%s", daemon_mode_name(o->mode), d->ifaces[0],
		 d->n_ifaces > 1 ? " and others" : "", o->mode != RUN_MONITOR ? " (+ NFLOG)" : "");
	sd_notifyf(0, "READY=1\nSTATUS=watching %s, mode %s\nMAINPID=%d", d->ifaces[0],
		   daemon_mode_name(o->mode), (int)getpid());

	while (d->running) {
		struct pollfd pfd[3] = {
			{ .fd = d->sigfd, .events = POLLIN },
			{ .fd = d->sensor.fd, .events = POLLIN },
			{ .fd = d->aws.fd, .events = POLLIN },
		};
		int n = poll(pfd, ARRAY_SIZE(pfd), 100);

		if (n < 0 && errno != EINTR) {
			/* EINVAL: RLIMIT_NOFILE below 3. systemd must restart us. */
			log_warn("poll");
			goto out;
		}
		if (n > 0 && pfd[0].revents && !handle_signal(d))
			break;
		if (n > 0 && d->sensor.fd >= 0 && pfd[1].revents)
			daemon_child_dispatch_sensor(d);
		if (n > 0 && d->aws.fd >= 0 && pfd[2].revents)
			daemon_child_dispatch_aws(d);
		timers(d);
		if (d->o->once_lockdown_exit && d->inc.lockdown_done)
			break;
		if (d->spawner.fd < 0) {
			/*
			 * No child can be started again (we hold no privilege
			 * to): a sensor that dies would leave us blind for
			 * good. systemd restarts us; nftables state stays.
			 */
			log_warnx("exiting: the spawner is gone, a new start restores it");
			goto out;
		}
	}
	rc = EXIT_SUCCESS;
	sd_notify(0, "STOPPING=1");
out:
	stop(d);
	free(d);
	return rc;
}
