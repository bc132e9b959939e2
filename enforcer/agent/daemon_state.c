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
#include "log.h"
#include "privsep.h"

const char *daemon_mode_name(enum run_mode m)
{
	return m == RUN_MONITOR ? "monitor" : m == RUN_BLOCK ? "block" : "isolate";
}

static int mkdir_owned(const char *path, uid_t uid, gid_t gid, bool chown_it)
{
	if (mkdir(path, 0750) < 0 && errno != EEXIST)
		return -errno;
	if (chown_it && chown(path, uid, gid) < 0)
		return -errno;
	return 0;
}

int daemon_prepare_state(struct daemon *d, char *err, size_t errlen)
{
	const struct run_opts *o = d->o;
	bool root = geteuid() == 0;
	uid_t uid = 0;
	gid_t gid = 0;
	struct fout_opts fo;
	struct stat st;
	char sub[600];
	int fd, rc;

	d->parent_user = o->user;
	d->started_real_ns = util_now_real_ns();
	if (o->user && *o->user &&
	    (rc = privsep_lookup_user(o->user, &uid, &gid, err, errlen)))
		return rc;
	/* After the drop we still write here: give it to the agent's user. */
	if ((rc = mkdir_owned(o->state_dir, uid, gid, root)))
		return util_err(err, errlen, "state directory %s: %s", o->state_dir,
				strerror(-rc));
	snprintf(sub, sizeof(sub), "%s/lists", o->state_dir);
	if ((rc = mkdir_owned(sub, uid, gid, root)))
		return util_err(err, errlen, "%s: %s", sub, strerror(-rc));
	if (*o->findings_file)
		util_strlcpy(d->findings_path, o->findings_file, sizeof(d->findings_path));
	else
		snprintf(d->findings_path, sizeof(d->findings_path), "%s/findings.json",
			 o->state_dir);
	fd = open(d->findings_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0640);
	if (fd < 0)
		return util_err(err, errlen, "findings file %s: %s", d->findings_path,
				strerror(errno));
	if (root && fchown(fd, uid, gid) < 0)
		log_warn("chown %s", d->findings_path);
	d->findings = fdopen(fd, "a");
	if (!d->findings) {
		close(fd);
		return util_err(err, errlen, "findings file: %s", strerror(errno));
	}
	setvbuf(d->findings, NULL, _IOLBF, 0);
	fout_opts_default(&fo);
	fout_init(&d->fout, &fo, fstat(fd, &st) ? 0 : (uint64_t)st.st_size,
		  util_now_mono_ns());
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
		char path[700];
		struct dirent *e;
		DIR *dir;

		snprintf(path, sizeof(path), "%s%s", d->o->state_dir, sub[i]);
		dir = opendir(path);
		if (!dir)
			continue;
		while ((e = readdir(dir)))
			if (e->d_name[0] != '.' &&
			    fchownat(dirfd(dir), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) &&
			    errno != ENOENT)
				log_warn("chown %s/%s", path, e->d_name);
		closedir(dir);
	}
}

void daemon_close_for_child(struct daemon *d)
{
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->findings)
		close(fileno(d->findings));
	if (d->aws_fd > 0)
		close(d->aws_fd);
	if (d->sensor_fd >= 0)
		close(d->sensor_fd);
	/* Children don't inherit our blocked signal mask's purpose. */
	{
		sigset_t set;

		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
	}
}

void daemon_cleanup(struct daemon *d)
{
	for (size_t i = 0; i < d->ncaps; i++)
		capture_close(d->caps[i]);
	for (size_t i = 0; i < RUN_MAX_LISTS; i++)
		list_free(d->lists[i].l);
	if (d->findings)
		fclose(d->findings);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->sensor_fd >= 0)
		close(d->sensor_fd);
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
	cJSON_AddNumberToObject(o, "lost", (double)s->lost);
	cJSON_AddNumberToObject(o, "findingsEvicted", (double)s->findings_evicted);
	cJSON_AddNumberToObject(o, "findingsUnreported", (double)s->findings_unreported);
	cJSON_AddNumberToObject(o, "findingsDropped", (double)d->fout.st.dropped);
	cJSON_AddNumberToObject(o, "findingsRotations", (double)d->fout.st.rotations);
	cJSON_AddNumberToObject(o, "sensorRestarts", d->sensor_deaths);
	return o;
}

static cJSON *status_incident(const struct daemon *d)
{
	const struct incident *i = &d->inc;
	char ts[UTIL_TIMESTAMP_LEN];
	cJSON *o;

	if (!i->open)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", i->id);
	util_iso8601_ms(i->opened_real_ns, ts);
	cJSON_AddStringToObject(o, "openedAt", ts);
	cJSON_AddStringToObject(o, "reason", i->reason);
	cJSON_AddStringToObject(o, "finding", i->finding_id);
	cJSON_AddNumberToObject(o, "findings", i->findings);
	cJSON_AddBoolToObject(o, "lockdown", i->lockdown_done);
	if (i->lockdown_done && i->trigger_ns && i->lockdown_ack_ns > i->trigger_ns)
		cJSON_AddNumberToObject(o, "lockdownLatencyMs",
					(double)(i->lockdown_ack_ns - i->trigger_ns) / 1e6);
	cJSON_AddStringToObject(o, "lastError", i->last_error);
	return o;
}

/* Replace path with text: temp file, rename (readers never see half). */
static void write_atomic(const char *path, const char *text)
{
	char tmp[700];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	if ((fputs(text, f) < 0) | (fclose(f) != 0) || rename(tmp, path) < 0)
		unlink(tmp);
}

/*
 * Prometheus textfile (node_exporter's textfile collector): counters of
 * the capture and the incident state, replaced atomically.
 */
void daemon_write_metrics(struct daemon *d)
{
	const struct ipc_s_stats *s = &d->stats;
	char buf[4096];
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
	M("findings_evicted_total", "counter", "Findings evicted from the full table.",
	  s->findings_evicted);
	M("findings_unreported_total", "counter",
	  "New unanswered inbound findings over the sensor's report rate.",
	  s->findings_unreported);
	M("packets_lost_total", "counter", "Matched packets with no room in the tables.", s->lost);
	M("incident_open", "gauge", "1 while an incident is open.", d->inc.open ? 1 : 0);
	M("lockdown", "gauge", "1 while this agent's lockdown is in force.",
	  d->inc.open && d->inc.lockdown_done ? 1 : 0);
	M("sensor_restarts_total", "counter", "Sensor processes restarted.", d->sensor_deaths);
#undef M
	if (off < sizeof(buf))
		write_atomic(d->o->metrics_file, buf);
}

/* SIGHUP: logrotate moved the findings file; open it again. */
void daemon_reopen_findings(struct daemon *d)
{
	int fd = open(d->findings_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		      0640);
	struct stat st;
	FILE *f;

	if (fd < 0) {
		log_warn("findings file %s", d->findings_path);
		return;
	}
	f = fdopen(fd, "a");
	if (!f) {
		close(fd);
		return;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (d->findings)
		fclose(d->findings);
	d->findings = f;
	fout_reopened(&d->fout, fstat(fd, &st) ? 0 : (uint64_t)st.st_size);
}

/* STATE_DIR/daemon.json, replaced atomically: `cordon status` reads it. */
void daemon_write_status(struct daemon *d)
{
	char path[600], ts[UTIL_TIMESTAMP_LEN];
	cJSON *root = cJSON_CreateObject();
	char *s = NULL;

	if (!root)
		return;
	cJSON_AddNumberToObject(root, "pid", getpid());
	cJSON_AddBoolToObject(root, "running", d->running);
	cJSON_AddStringToObject(root, "mode", daemon_mode_name(d->o->mode));
	util_iso8601_ms(d->started_real_ns, ts);
	cJSON_AddStringToObject(root, "startedAt", ts);
	util_iso8601_ms(util_now_real_ns(), ts);
	cJSON_AddStringToObject(root, "updatedAt", ts);
	cJSON_AddStringToObject(root, "instanceId", d->instance_id);
	cJSON_AddStringToObject(root, "region", d->region);
	{
		cJSON *ifs = cJSON_AddArrayToObject(root, "interfaces");

		for (size_t i = 0; ifs && i < d->n_ifaces; i++)
			cJSON_AddItemToArray(ifs, cJSON_CreateString(d->ifaces[i]));
	}
	cJSON_AddItemToObject(root, "lists", status_lists(d));
	cJSON_AddItemToObject(root, "capture", status_capture(d));
	cJSON_AddItemToObject(root, "incident", status_incident(d));
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
		daemon_write_metrics(d);
}
