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
#include "enforce.h"
#include "log.h"
#include "s3url.h"
#include "sync.h"

static bool is_remote(const struct list_spec *s)
{
	return s3url_is_s3(s->location);
}

/*
 * A copy the AWS process stored in lists/ (its uid may write there): read
 * through fileio, never through a link, a FIFO or a second hard link, so
 * a hijacked AWS process cannot make the parent read another file.
 */
static int load_stored(const struct list_spec *spec, const struct list_limits *lim,
		       struct list **out, char *err, size_t errlen)
{
	char dir[sizeof(spec->location)], *slash, *buf = NULL;
	size_t len = 0;
	int dfd, rc;

	util_strlcpy(dir, spec->location, sizeof(dir));
	slash = strrchr(dir, '/');
	if (!slash || !slash[1])
		return util_err(err, errlen, "%s: not a stored list", spec->location);
	*slash = '\0';
	dfd = fileio_dir_open(dir, 0);
	if (dfd < 0)
		return util_errc(dfd, err, errlen, "%s: %s", dir, fileio_strerror(dfd));
	rc = fileio_read_all(dfd, slash + 1, lim->max_bytes, &buf, &len);
	close(dfd);
	if (rc)
		return util_errc(rc, err, errlen, "%s: %s", spec->location, fileio_strerror(rc));
	rc = list_parse(spec->location, spec->fmt, spec->kind, buf, len, lim, out, err, errlen);
	free(buf);
	return rc;
}

/* Parse one list file the parent may apply to nftables. */
static int load_one(struct daemon *d, size_t i, const char *path)
{
	struct list_spec spec = d->o->lists[i];
	struct list_state *ls = &d->lists[i];
	struct list *l = NULL;
	char err[ERRLEN];
	struct stat st;
	int rc;

	util_strlcpy(spec.location, path, sizeof(spec.location));
	if (is_remote(&d->o->lists[i]))
		rc = load_stored(&spec, &d->o->lim, &l, err, sizeof(err));
	else
		rc = list_load_file(&spec, &d->o->lim, &l, err, sizeof(err));
	if (rc) {
		snprintf(ls->result, sizeof(ls->result), "failed: %.240s", err);
		return rc;
	}
	/* The name in findings is the list's, not the cache file's. */
	free(l->name);
	l->name = strdup(util_basename(d->o->lists[i].location));
	if (!l->name) {
		list_free(l);
		return -ENOMEM;
	}
	if (stat(path, &st) == 0) {
		ls->mtime = st.st_mtim;
		ls->size = st.st_size;
	}
	list_free(ls->l);
	ls->l = l;
	ls->entries = l->n;
	util_strlcpy(ls->path, path, sizeof(ls->path));
	return 0;
}

/* The lists into nftables (block and isolate mode); false when that failed. */
static bool apply_nft(struct daemon *d)
{
	struct list *v[RUN_MAX_LISTS];
	struct enforce_report rep;
	char err[ERRLEN];
	size_t n = 0;

	if (d->o->mode == RUN_MONITOR)
		return true;
	for (size_t i = 0; i < d->o->n_lists; i++)
		if (d->lists[i].l)
			v[n++] = d->lists[i].l;
	if (enforce_lists(v, n, &d->o->enf, &rep, err, sizeof(err))) {
		log_warnx("nftables: %s (the sets in force stay)", err);
		util_strlcpy(d->last_error, err, sizeof(d->last_error));
		return false;
	}
	d->table_applied = true;
	if (rep.sent)
		log_info("nftables: +%zu -%zu elements in one transaction (%.1f ms)",
			 rep.added, rep.removed, (double)rep.elapsed_ns / 1e6);
	return true;
}

/*
 * Someone else's `nft flush ruleset` (nftables.service starts, reloads
 * and stops with one) or `nft delete table inet cordon` takes the block
 * sets and a recorded lockdown out of the kernel: look every
 * DAEMON_TABLE_CHECK_NS, and put them back (enforce_lists() builds the
 * table and keeps a recorded lockdown in force).
 */
void daemon_table_tick(struct daemon *d, uint64_t now)
{
	char err[ERRLEN];
	int rc;

	if (d->o->mode == RUN_MONITOR || !d->table_applied || now < d->next_table_ns)
		return;
	d->next_table_ns = now + DAEMON_TABLE_CHECK_NS;
	rc = enforce_table_present(err, sizeof(err));
	if (rc < 0 && !d->table_check_failed)
		log_warnx("%s (looked for again every %llu s)", err,
			  (unsigned long long)(DAEMON_TABLE_CHECK_NS / 1000000000ull));
	d->table_check_failed = rc < 0;
	if (rc)
		return;
	log_warnx("nftables: table inet cordon is gone (a ruleset flush, or someone "
		  "deleted it): putting it back%s",
		  d->inc.active && d->inc.lockdown_done ? " with the lockdown" : "");
	if (apply_nft(d))
		d->tables_restored++;
	d->status_dirty = true;
}

int daemon_load_lists(struct daemon *d, char *err, size_t errlen)
{
	size_t in_force = 0;

	for (size_t i = 0; i < d->o->n_lists; i++) {
		const struct list_spec *s = &d->o->lists[i];
		struct list_state *ls = &d->lists[i];
		char body[700];

		if (!is_remote(s)) {
			if (load_one(d, i, s->location) == 0) {
				util_strlcpy(ls->result, "loaded", sizeof(ls->result));
				in_force++;
			} else {
				log_warnx("%s", ls->result + strlen("failed: "));
			}
			continue;
		}
		/* Until the first sync, the last good copy from disk. */
		if (sync_stored_path(d->o->state_dir, s, body, sizeof(body)) == 0 &&
		    access(body, R_OK) == 0 && load_one(d, i, body) == 0) {
			util_strlcpy(ls->result, "last good copy", sizeof(ls->result));
			in_force++;
		} else {
			util_strlcpy(ls->result, "not synced yet", sizeof(ls->result));
		}
	}
	if (d->o->n_lists && !in_force && !is_remote(&d->o->lists[0]))
		return util_err(err, errlen, "no list could be loaded");
	apply_nft(d);
	return 0;
}

/* The sensor cannot open files: each list goes to it as an open file. */
void daemon_send_lists(struct daemon *d)
{
	int fds[SENSORD_MAX_LISTS];
	struct ipc_s_lists *m;

	if (d->sensor.fd < 0 || !d->sensor.ready)
		return;
	m = calloc(1, sizeof(*m));
	if (!m)
		return;
	for (size_t i = 0; i < d->o->n_lists && m->n < SENSORD_MAX_LISTS; i++) {
		const struct list_state *ls = &d->lists[i];

		if (!ls->l)
			continue;
		/* A stored copy: never through a link (see load_stored). */
		fds[m->n] = is_remote(&d->o->lists[i]) ?
				    fileio_open_path(ls->path, O_RDONLY, 0) :
				    open(ls->path, O_RDONLY | O_CLOEXEC);
		if (fds[m->n] < 0) {
			log_warnx("list %s: cannot hand it to the sensor: %s", ls->path,
				  fds[m->n] == -1 ? strerror(errno) : fileio_strerror(fds[m->n]));
			continue;
		}
		m->l[m->n].kind = d->o->lists[i].kind == LIST_TRUSTED;
		m->l[m->n].fmt = (uint8_t)d->o->lists[i].fmt;
		util_strlcpy(m->l[m->n].path, ls->path, sizeof(m->l[m->n].path));
		util_strlcpy(m->l[m->n].name, util_basename(d->o->lists[i].location),
			     sizeof(m->l[m->n].name));
		m->n++;
	}
	if (ipc_send_fds(d->sensor.fd, IPC_S_LISTS, m, sizeof(*m), fds, m->n))
		log_warnx("cannot send lists to the sensor");
	for (uint32_t i = 0; i < m->n; i++)
		close(fds[i]);
	free(m);
}

static void lists_changed(struct daemon *d)
{
	apply_nft(d);
	daemon_send_lists(d);
	d->status_dirty = true;
}

static void aws_sync(struct daemon *d, size_t i)
{
	struct ipc_a_sync m;

	memset(&m, 0, sizeof(m));
	m.index = (uint32_t)i;
	m.spec = d->o->lists[i];
	if (ipc_send(d->aws.fd, IPC_A_SYNC, &m, sizeof(m)))
		log_warnx("cannot reach the AWS process");
}

/* Every S3 list has a copy in force (a stored one): fetching can wait. */
static bool remote_in_force(const struct daemon *d)
{
	for (size_t i = 0; i < d->o->n_lists; i++)
		if (is_remote(&d->o->lists[i]) && !d->lists[i].l)
			return false;
	return true;
}

/*
 * A fleet must not hit S3 in the same second (10 000 agents started by
 * one deployment): the first sync from S3 comes at a random point of the
 * interval, then every interval +- 10 % (sync_next_delay_ms()). An agent
 * without a copy of an S3 list fetches at once: it is blind without it.
 * SIGHUP syncs at once.
 */
void daemon_sync_lists(struct daemon *d, uint64_t now)
{
	unsigned interval = d->o->sync_interval ? d->o->sync_interval : 60;
	bool changed = false, to_s3 = d->aws.fd >= 0 && d->aws.ready;

	if (to_s3 && !d->lists_synced && !d->sync_now && remote_in_force(d)) {
		d->lists_synced = true;
		d->next_sync_ns = now + sync_next_delay_ms(interval, true) * NSEC_PER_MSEC;
		log_info("lists: first sync from S3 in %llu s (the last good copies are in force)",
			 (unsigned long long)((d->next_sync_ns - now) / NSEC_PER_SEC));
		return;
	}
	d->lists_synced |= to_s3;
	d->sync_now = false;
	d->next_sync_ns = now + sync_next_delay_ms(interval, false) * NSEC_PER_MSEC;
	for (size_t i = 0; i < d->o->n_lists; i++) {
		const struct list_spec *s = &d->o->lists[i];
		struct list_state *ls = &d->lists[i];
		struct stat st;

		if (is_remote(s)) {
			if (to_s3)
				aws_sync(d, i);
			continue;
		}
		/* Local files: re-read when changed; a bad version keeps the old. */
		if (stat(s->location, &st) == 0 && ls->l &&
		    st.st_mtim.tv_sec == ls->mtime.tv_sec &&
		    st.st_mtim.tv_nsec == ls->mtime.tv_nsec && st.st_size == ls->size)
			continue;
		if (load_one(d, i, s->location) == 0) {
			util_strlcpy(ls->result, "loaded", sizeof(ls->result));
			changed = true;
		} else {
			log_warnx("%s (the previous version stays in force)",
				  ls->result + strlen("failed: "));
		}
		ls->last_sync_real_ns = util_now_real_ns();
	}
	if (changed)
		lists_changed(d);
}

void daemon_list_synced(struct daemon *d, const struct ipc_a_sync_done *m)
{
	struct list_state *ls;
	size_t i = m->index;
	char body[700];

	if (i >= d->o->n_lists)
		return;
	ls = &d->lists[i];
	ls->last_sync_real_ns = util_now_real_ns();
	util_strlcpy(ls->etag, m->etag, sizeof(ls->etag));
	d->status_dirty = true;
	if (m->res == SYNC_FAILED) {
		snprintf(ls->result, sizeof(ls->result), "failed: %.240s", m->reason);
		log_warnx("list %s: %.*s%s", d->o->lists[i].location, (int)sizeof(m->reason),
			  m->reason, m->in_force ? " (last good copy stays in force)" : "");
		return;
	}
	util_strlcpy(ls->result, sync_result_name((enum sync_result)m->res),
		     sizeof(ls->result));
	if (m->res != SYNC_UPDATED && ls->l)
		return; /* 304: nothing new, nothing parsed */
	if (sync_stored_path(d->o->state_dir, &d->o->lists[i], body, sizeof(body)) ||
	    load_one(d, i, body)) {
		log_warnx("list %s: stored copy unreadable", d->o->lists[i].location);
		return;
	}
	log_info("list %s: %s, %zu entries, ETag %s", d->o->lists[i].location,
		 ls->result, ls->entries, ls->etag);
	lists_changed(d);
}
