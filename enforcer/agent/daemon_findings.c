/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
 * messages) and the evidence.
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

int daemon_findings_open(struct daemon *d, char *err, size_t errlen)
{
	const struct run_opts *o = d->o;
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
	if (!d->findings || fprintf(d->findings, "%s\n", r->json) < 0 || fflush(d->findings))
		log_warn("findings file %s", d->findings_path);
	else
		d->findings_written++;
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
