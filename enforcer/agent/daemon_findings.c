/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_impl.h"
#include "fileio.h"
#include "finding.h"
#include "log.h"
#include "privsep.h"

/*
 * Findings as the parent sees them: each report from the sensor becomes
 * its JSON text here, once (finding_json()), and that text goes to the
 * findings file, and through the recent ring to the incident (journal,
 * messages) and the evidence. What the file takes is bounded by fout
 * (rate and size, common/fout.h); the ring always has the text.
 */

static FILE *open_append(const char *path, char *err, size_t errlen)
{
	/* No symlink, no FIFO, one link only (fileio.h). */
	int fd = fileio_open_path(path, O_WRONLY | O_APPEND | O_CREAT, 0640);
	FILE *f;

	if (fd < 0) {
		util_err(err, errlen, "findings file %s: %s", path, fileio_strerror(fd));
		return NULL;
	}
	f = fdopen(fd, "a");
	if (!f) {
		util_err(err, errlen, "findings file %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

static uint64_t file_size(FILE *f)
{
	struct stat st;

	return fstat(fileno(f), &st) ? 0 : (uint64_t)st.st_size;
}

int daemon_findings_open(struct daemon *d, char *err, size_t errlen)
{
	const struct run_opts *o = d->o;
	struct fout_opts fo;
	uid_t uid;
	gid_t gid;

	if (*o->findings_file)
		util_strlcpy(d->findings_path, o->findings_file, sizeof(d->findings_path));
	else
		snprintf(d->findings_path, sizeof(d->findings_path), "%s/findings.json",
			 o->state_dir);
	d->findings = open_append(d->findings_path, err, errlen);
	if (!d->findings)
		return -EIO;
	fout_opts_default(&fo);
	fout_init(&d->fout, &fo, file_size(d->findings), util_now_mono_ns());
	/* After the drop we still append here. */
	if (geteuid() == 0 && o->user && *o->user &&
	    !privsep_lookup_user(o->user, &uid, &gid, err, errlen) &&
	    fchown(fileno(d->findings), uid, gid) < 0)
		log_warn("chown %s", d->findings_path);
	return 0;
}

/* SIGHUP: logrotate moved the findings file; open it again. */
void daemon_findings_reopen(struct daemon *d)
{
	char err[ERRLEN];
	FILE *f = open_append(d->findings_path, err, sizeof(err));

	if (!f) {
		log_warnx("%s", err);
		return;
	}
	if (d->findings)
		fclose(d->findings);
	d->findings = f;
	fout_reopened(&d->fout, file_size(f));
}

/*
 * FILE -> FILE.1 (the previous FILE.1 goes) and a new FILE; the open one
 * stays in use when either step fails.
 */
static bool rotate(struct daemon *d)
{
	const char *base = strrchr(d->findings_path, '/');
	char old[sizeof(d->findings_path) + 2];
	int rc;

	snprintf(old, sizeof(old), "%s.1", base ? base + 1 : d->findings_path);
	rc = fileio_rename_path(d->findings_path, old, FILEIO_NOSYNC);
	if (rc) {
		log_warnx("rotating findings file %s: %s", d->findings_path,
			  fileio_strerror(rc));
		return false;
	}
	daemon_findings_reopen(d);
	return true;
}

/*
 * Its class for the file's rate: a report a packet sent (new, or a change
 * the policy reads) outranks a sweep's counters, and OUTBOUND or answered
 * outranks a new inbound one.
 */
static enum fout_class fout_class_of(const struct ipc_s_finding *m)
{
	if (!m->is_new && !m->trigger_ns)
		return FOUT_UPDATE;
	if (m->f.dir == FINDING_OUTBOUND || m->f.answered || m->f.established)
		return FOUT_KEY;
	return FOUT_NEW;
}

/* Into the findings file, within fout's bounds: a dropped record is counted. */
static void write_line(struct daemon *d, const char *json, enum fout_class cls)
{
	enum fout_verdict v = fout_decide(&d->fout, strlen(json) + 1, cls, util_now_mono_ns());
	bool rotated = false;

	if (v == FOUT_DROP)
		return;
	if (v == FOUT_ROTATE_WRITE)
		rotated = rotate(d);
	if (!d->findings || fprintf(d->findings, "%s\n", json) < 0 || fflush(d->findings))
		log_warn("findings file %s", d->findings_path);
	else
		d->findings_written++;
	if (rotated)
		fout_rotated(&d->fout);
	else if (v == FOUT_ROTATE_WRITE && d->findings)
		fout_reopened(&d->fout, file_size(d->findings)); /* still the old file */
}

void daemon_findings_close(struct daemon *d)
{
	if (d->findings)
		fclose(d->findings);
	d->findings = NULL;
	for (size_t i = 0; i < d->n_recent; i++)
		free(d->recent[i].json);
	d->n_recent = 0;
}

/* The slot of this finding in the ring (the oldest goes when it is full). */
static struct recent_finding *slot(struct daemon *d, const char *id)
{
	struct recent_finding *r;

	for (size_t i = 0; i < d->n_recent; i++)
		if (!strcmp(d->recent[i].f.id, id)) {
			free(d->recent[i].json);
			d->recent[i].json = NULL;
			return &d->recent[i];
		}
	if (d->n_recent == DAEMON_RECENT) {
		free(d->recent[0].json);
		memmove(&d->recent[0], &d->recent[1], (DAEMON_RECENT - 1) * sizeof(d->recent[0]));
		d->n_recent--;
	}
	r = &d->recent[d->n_recent++];
	memset(r, 0, sizeof(*r));
	return r;
}

const struct recent_finding *daemon_findings_add(struct daemon *d, const struct ipc_s_finding *m)
{
	struct finding_ctx ctx = {
		.instance_id = *d->instance_id ? d->instance_id : NULL,
		.region = *d->region ? d->region : NULL,
		.account_id = *d->account ? d->account : NULL,
	};
	struct recent_finding *r = slot(d, m->f.id);

	r->f = m->f;
	r->json = finding_json(&m->f, &ctx);
	if (!r->json) {
		log_warnx("out of memory writing finding %s", m->f.id);
		return r;
	}
	write_line(d, r->json, fout_class_of(m));
	return r;
}

const struct recent_finding *daemon_findings_by_remote(const struct daemon *d,
						       const struct cd_addr *a)
{
	for (size_t i = d->n_recent; i-- > 0;)
		if (addr_eq(&d->recent[i].f.remote, a))
			return &d->recent[i];
	return NULL;
}

char *daemon_findings_lines(const struct daemon *d)
{
	size_t len = 0, off = 0;
	char *all;

	for (size_t i = 0; i < d->n_recent; i++)
		len += d->recent[i].json ? strlen(d->recent[i].json) + 1 : 0;
	all = malloc(len + 1);
	if (!all)
		return NULL;
	for (size_t i = 0; i < d->n_recent; i++) {
		size_t n;

		if (!d->recent[i].json)
			continue;
		n = strlen(d->recent[i].json);
		memcpy(all + off, d->recent[i].json, n);
		off += n;
		all[off++] = '\n';
	}
	all[off] = '\0';
	return all;
}
