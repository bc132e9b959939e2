/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_impl.h"
#include "fileio.h"
#include "log.h"
#include "privsep.h"

const char *daemon_mode_name(enum run_mode m)
{
	return m == RUN_MONITOR ? "monitor" : m == RUN_BLOCK ? "block" : "isolate";
}

/*
 * Made with mode and chown'ed, never through a symlink (fileio.h): path
 * itself when dirfd < 0 (returns its fd), else path in dirfd (returns 0).
 * The mode is set also on a directory that exists, and whatever the
 * umask (systemd's is 077): the AWS process writes lists/ as a member
 * of its group.
 */
static int mkdir_owned(int dirfd, const char *path, mode_t mode, uid_t uid, gid_t gid,
		       bool chown_it)
{
	int fd = dirfd < 0 ? fileio_dir_open(path, mode) : fileio_subdir(dirfd, path, mode);
	int rc;

	if (fd < 0)
		return fd;
	rc = chown_it ? fileio_chown(fd, NULL, uid, gid) : 0;
	if (!rc && fchmod(fd, mode) < 0)
		log_warn("chmod %o %s", (unsigned)mode, path);
	if (rc || dirfd >= 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int daemon_prepare_state(struct daemon *d, char *err, size_t errlen)
{
	const struct run_opts *o = d->o;
	bool root = geteuid() == 0;
	uid_t uid = 0;
	gid_t gid = 0;
	int sfd, rc;

	d->parent_user = o->user;
	d->started_real_ns = util_now_real_ns();
	if (o->user && *o->user &&
	    (rc = privsep_lookup_user(o->user, &uid, &gid, err, errlen)))
		return rc;
	/* After the drop we still write here: give it to the agent's user. */
	if ((sfd = mkdir_owned(-1, o->state_dir, 0750, uid, gid, root)) < 0)
		return util_err(err, errlen, "state directory %s: %s", o->state_dir,
				fileio_strerror(sfd));
	/* The AWS process (its own uid, our group) stores list copies here. */
	rc = mkdir_owned(sfd, "lists", 0770, uid, gid, root);
	close(sfd);
	if (rc)
		return util_err(err, errlen, "%s/lists: %s", o->state_dir, fileio_strerror(rc));
	return 0;
}

/*
 * What we created as root before dropping privileges (the enforcer's lock
 * and state files, synced lists) must stay writable for the agent's user.
 */
void daemon_chown_state(struct daemon *d)
{
	static const char *const sub[] = { "", "/lists" };
	uid_t uid;
	gid_t gid;
	char err[ERRLEN];

	if (geteuid() != 0 || !d->o->user || !*d->o->user ||
	    privsep_lookup_user(d->o->user, &uid, &gid, err, sizeof(err)))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		int sfd = fileio_dir_open(d->o->state_dir, 0), fd, rc;
		struct dirent *e;
		DIR *dir;

		/* A "lists" symlink must not hand another directory to the agent. */
		fd = sfd < 0 || !*sub[i] ? sfd : fileio_subdir(sfd, sub[i] + 1, 0);
		if (fd != sfd && sfd >= 0)
			close(sfd);
		dir = fd < 0 ? NULL : fdopendir(fd);
		if (!dir) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((e = readdir(dir)))
			if (e->d_name[0] != '.' &&
			    (rc = fileio_chown(dirfd(dir), e->d_name, uid, gid)) && rc != -ENOENT)
				log_warnx("chown %s%s/%s: %s", d->o->state_dir, sub[i], e->d_name,
					  fileio_strerror(rc));
		closedir(dir);
	}
}

static cJSON *status_lists(const struct daemon *d)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < d->o->n_lists; i++) {
		const struct list_state *ls = &d->lists[i];
		char ts[UTIL_TIMESTAMP_LEN] = "";
		cJSON *o = cJSON_CreateObject();

		if (!o)
			break;
		cJSON_AddStringToObject(o, "location", d->o->lists[i].location);
		cJSON_AddStringToObject(o, "kind", d->o->lists[i].kind == LIST_TRUSTED ?
						   "trusted" : "threat");
		cJSON_AddNumberToObject(o, "entries", (double)ls->entries);
		cJSON_AddStringToObject(o, "etag", ls->etag);
		cJSON_AddStringToObject(o, "result", ls->result);
		if (ls->last_sync_real_ns)
			util_iso8601_ms(ls->last_sync_real_ns, ts);
		cJSON_AddStringToObject(o, "lastSync", ts);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *status_capture(const struct daemon *d)
{
	const struct ipc_s_stats *s = &d->stats;
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "received", (double)s->received);
	cJSON_AddNumberToObject(o, "droppedByKernel", (double)s->dropped);
	cJSON_AddNumberToObject(o, "droppedByInterface", (double)s->if_dropped);
	cJSON_AddNumberToObject(o, "packets", (double)s->packets);
	cJSON_AddNumberToObject(o, "matched", (double)s->matched);
	cJSON_AddNumberToObject(o, "trusted", (double)s->trusted);
	cJSON_AddNumberToObject(o, "notIp", (double)s->skipped);
	cJSON_AddNumberToObject(o, "truncated", (double)s->truncated);
	cJSON_AddNumberToObject(o, "malformed", (double)s->malformed);
	cJSON_AddNumberToObject(o, "findings", (double)s->findings);
	cJSON_AddNumberToObject(o, "flows", (double)s->flows);
	cJSON_AddNumberToObject(o, "reportsDeferred", (double)s->deferred);
	cJSON_AddNumberToObject(o, "lost", (double)s->lost);
	cJSON_AddNumberToObject(o, "findingsEvicted", (double)s->findings_evicted);
	cJSON_AddNumberToObject(o, "findingsHeld", (double)s->findings_held);
	cJSON_AddNumberToObject(o, "findingsUnreported", (double)s->findings_unreported);
	cJSON_AddNumberToObject(o, "findingsDropped", (double)d->fout.st.dropped);
	cJSON_AddNumberToObject(o, "findingsRotations", (double)d->fout.st.rotations);
	cJSON_AddNumberToObject(o, "sensorRestarts", d->sensor.restarts);
	return o;
}

static cJSON *status_incident(const struct daemon *d)
{
	const struct incident *i = &d->inc;
	char ts[UTIL_TIMESTAMP_LEN];
	cJSON *o;

	if (!i->active)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", i->id);
	util_iso8601_ms(i->opened_real_ns, ts);
	if (!i->opened_real_ns) {
		/* Opened before a restart: the journal knows when. */
		const struct journal_incident *ji = daemon_journal_incident(d);

		util_strlcpy(ts, ji ? ji->opened_at : "", sizeof(ts));
	}
	cJSON_AddStringToObject(o, "openedAt", ts);
	cJSON_AddStringToObject(o, "reason", i->reason);
	cJSON_AddStringToObject(o, "finding", i->finding_id);
	cJSON_AddNumberToObject(o, "findings", daemon_journal_findings(d));
	cJSON_AddStringToObject(o, "guardDutyFinding", daemon_journal_gd_finding(d));
	cJSON_AddBoolToObject(o, "lockdown", i->lockdown_done);
	if (i->lockdown_done && i->trigger_ns && i->lockdown_ack_ns > i->trigger_ns)
		cJSON_AddNumberToObject(o, "lockdownLatencyMs",
					(double)(i->lockdown_ack_ns - i->trigger_ns) / 1e6);
	cJSON_AddBoolToObject(o, "journaled", i->journaled);
	cJSON_AddStringToObject(o, "lastError", i->last_error);
	return o;
}

static cJSON *status_children(const struct daemon *d)
{
	cJSON *o = cJSON_CreateObject(), *c;

	if (!o)
		return NULL;
	if ((c = cJSON_AddObjectToObject(o, "sensor"))) {
		cJSON_AddNumberToObject(c, "pid", d->sensor.pid);
		cJSON_AddBoolToObject(c, "ready", d->sensor.ready);
		cJSON_AddNumberToObject(c, "restarts", d->sensor.restarts);
	}
	if ((c = cJSON_AddObjectToObject(o, "aws"))) {
		cJSON_AddNumberToObject(c, "pid", d->aws.pid);
		cJSON_AddBoolToObject(c, "ready", d->aws.ready);
		cJSON_AddNumberToObject(c, "restarts", d->aws.restarts);
	}
	return o;
}

/* Replace path with text (readers never see half); no fsync: status only. */
static void write_atomic(const char *path, const char *text)
{
	int rc = fileio_replace_path(path, text, strlen(text), 0644, FILEIO_NOSYNC);

	(void)rc;
}

/*
 * Prometheus textfile (node_exporter's textfile collector): counters of
 * the capture and the incident state, replaced atomically.
 */
static void write_metrics(struct daemon *d)
{
	const struct ipc_s_stats *s = &d->stats;
	char buf[8192];
	size_t off = 0;

#define M(name, type, help, val)                                               \
	off += (size_t)snprintf(buf + off, sizeof(buf) - off,                  \
				"# HELP cordon_" name " " help "\n# TYPE cordon_" name \
				" " type "\ncordon_" name " %llu\n",                  \
				(unsigned long long)(val))
	M("packets_total", "counter", "Packets the sensor parsed.", s->packets);
	M("packets_matched_total", "counter", "Packets that touched a listed address.", s->matched);
	M("packets_malformed_total", "counter", "Malformed packets.", s->malformed);
	M("packets_truncated_total", "counter", "Truncated packets.", s->truncated);
	M("kernel_drops_total", "counter", "Packets the capture ring dropped.", s->dropped);
	M("findings", "gauge", "Findings the sensor holds.", s->findings);
	M("findings_written_total", "counter", "Finding records written.", d->findings_written);
	M("findings_dropped_total", "counter", "Finding records over the write rate, not written.",
	  d->fout.st.dropped);
	M("findings_rotations_total", "counter", "Times the findings file was rotated.",
	  d->fout.st.rotations);
	M("findings_evicted_total", "counter", "Findings evicted from the full table.",
	  s->findings_evicted);
	M("findings_held_total", "counter",
	  "New unanswered inbound findings held out: the table was full of recent ones.",
	  s->findings_held);
	M("findings_unreported_total", "counter",
	  "New unanswered inbound findings over the sensor's report rate.",
	  s->findings_unreported);
	M("packets_lost_total", "counter", "Matched packets with no room in the tables.", s->lost);
	M("incident_open", "gauge", "1 while an incident is open.", d->inc.active ? 1 : 0);
	M("lockdown", "gauge", "1 while this agent's lockdown is in force.",
	  d->inc.active && d->inc.lockdown_done ? 1 : 0);
	M("sensor_restarts_total", "counter", "Sensor processes restarted.", d->sensor.restarts);
	M("aws_restarts_total", "counter", "AWS processes restarted.", d->aws.restarts);
	M("finding_reports_deferred_total", "counter",
	  "Finding reports the sensor held back while the parent was busy.", s->deferred);
#undef M
	if (off < sizeof(buf))
		write_atomic(d->o->metrics_file, buf);
}

/* STATE_DIR/daemon.json, replaced atomically: `cordon status` reads it. */
void daemon_write_status(struct daemon *d)
{
	char path[600], ts[UTIL_TIMESTAMP_LEN];
	cJSON *root = cJSON_CreateObject();
	char *s = NULL;

	d->status_dirty = false;
	if (!root)
		return;
	cJSON_AddNumberToObject(root, "pid", getpid());
	cJSON_AddBoolToObject(root, "running", d->running);
	cJSON_AddStringToObject(root, "state", !d->running ? "stopped" :
					       d->ready ? "running" : "starting");
	cJSON_AddStringToObject(root, "mode", daemon_mode_name(d->o->mode));
	util_iso8601_ms(d->started_real_ns, ts);
	cJSON_AddStringToObject(root, "startedAt", ts);
	util_iso8601_ms(util_now_real_ns(), ts);
	cJSON_AddStringToObject(root, "updatedAt", ts);
	cJSON_AddStringToObject(root, "instanceId", d->instance_id);
	cJSON_AddStringToObject(root, "region", d->region);
	{
		/* "identity" and "instanceTags": what IMDS told, and whether it could. */
		cJSON *im = daemon_imds_status(d), *e;

		while (im && (e = im->child)) {
			cJSON_DetachItemViaPointer(im, e);
			cJSON_AddItemToObject(root, e->string, e);
		}
		cJSON_Delete(im);
	}
	{
		cJSON *ifs = cJSON_AddArrayToObject(root, "interfaces");

		for (size_t i = 0; ifs && i < d->n_ifaces; i++)
			cJSON_AddItemToArray(ifs, cJSON_CreateString(d->ifaces[i]));
	}
	cJSON_AddItemToObject(root, "lists", status_lists(d));
	cJSON_AddItemToObject(root, "capture", status_capture(d));
	cJSON_AddItemToObject(root, "incident", status_incident(d));
	cJSON_AddItemToObject(root, "processes", status_children(d));
	cJSON_AddItemToObject(root, "heartbeat", daemon_heartbeat_status(d));
	cJSON_AddNumberToObject(root, "tablesRestored", (double)d->tables_restored);
	cJSON_AddNumberToObject(root, "findingsWritten", (double)d->findings_written);
	cJSON_AddStringToObject(root, "findingsFile", d->findings_path);
	cJSON_AddStringToObject(root, "lastError", d->last_error);
	s = cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		return;
	snprintf(path, sizeof(path), "%s/daemon.json", d->o->state_dir);
	write_atomic(path, s);
	free(s);
	if (*d->o->metrics_file)
		write_metrics(d);
}
