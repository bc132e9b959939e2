/* SPDX-License-Identifier: MIT */
/*
 * Lockdown state file. Text, one "key=value" per line:
 *
 *   locked=1
 *   since=1767225600000000000
 *   reason=GuardDuty finding 1234
 *   allow=198.51.100.0/24:tcp/22  (repeatable; written as allow_format()
 *                                  does. A bare port, as cordon wrote it
 *                                  before protocols, reads as TCP and UDP)
 *   unit=amazon-ssm-agent.service (repeatable)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "state.h"

#define LINE_MAX_LEN 512

static int path_of(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int ensure_dir(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	util_err(err, errlen, "state directory %s: %s", dir, strerror(errno));
	return -errno;
}

int state_load(const char *dir, struct enforce_state *st, char *err,
	       size_t errlen)
{
	char path[4096], line[LINE_MAX_LEN];
	unsigned lineno = 0;
	int rc = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	if (path_of(path, sizeof(path), dir, STATE_FILE))
		return util_err(err, errlen, "state directory %s: name too long",
				dir);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		util_err(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq, *v, e2[ERRLEN];
		size_t n = strlen(line);
		uint64_t u;

		lineno++;
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(f)) {
			rc = util_err(err, errlen, "%s:%u: line too long", path,
				      lineno);
			goto out;
		}
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			rc = util_err(err, errlen, "%s:%u: expected key=value",
				      path, lineno);
			goto out;
		}
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(line, "locked")) {
			st->locked = !strcmp(v, "1");
		} else if (!strcmp(line, "since")) {
			if (util_parse_u64(v, 0, UINT64_MAX, &u)) {
				rc = util_err(err, errlen, "%s:%u: bad since",
					      path, lineno);
				goto out;
			}
			st->since_ns = u;
		} else if (!strcmp(line, "reason")) {
			util_strlcpy(st->reason, v, sizeof(st->reason));
		} else if (!strcmp(line, "allow")) {
			/* A bare port here is TCP and UDP (allow.h). */
			if (allow_add_legacy(st->allow, &st->n_allow, v, e2, sizeof(e2))) {
				rc = util_err(err, errlen, "%s:%u: bad allow '%s'",
					      path, lineno, v);
				goto out;
			}
		} else if (!strcmp(line, "unit")) {
			if (st->n_units >= ALLOW_MAX_UNITS || !*v ||
			    strlen(v) >= ALLOW_UNIT_LEN) {
				rc = util_err(err, errlen, "%s:%u: bad unit",
					      path, lineno);
				goto out;
			}
			util_strlcpy(st->units[st->n_units++], v, ALLOW_UNIT_LEN);
		}
		/* Unknown keys: written by a newer cordon; ignore. */
	}
	if (ferror(f))
		rc = util_err(err, errlen, "%s: read error", path);
out:
	fclose(f);
	return rc;
}

/* Reasons are free text from a command line: keep them on one line. */
static void one_line(char *dst, const char *src, size_t len)
{
	size_t i = 0;

	for (; src[i] && i + 1 < len; i++)
		dst[i] = (src[i] < 0x20 || src[i] == 0x7f) ? ' ' : src[i];
	dst[i] = '\0';
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int save(const char *dir, const struct enforce_state *st, bool sync,
		char *err, size_t errlen)
{
	char path[4096], tmp[4096], reason[STATE_REASON_LEN], a[ALLOW_STRLEN];
	FILE *f = NULL;
	int fd = -1, rc;

	rc = ensure_dir(dir, err, errlen);
	if (rc)
		return rc;
	if (path_of(path, sizeof(path), dir, STATE_FILE) ||
	    path_of(tmp, sizeof(tmp), dir, STATE_FILE ".tmp"))
		return util_err(err, errlen, "state directory %s: name too long",
				dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	f = fdopen(fd, "w");
	if (!f)
		goto fail;
	fd = -1;
	one_line(reason, st->reason, sizeof(reason));
	fprintf(f, "# cordon lockdown state; remove with 'cordon release'\n");
	fprintf(f, "locked=%d\nsince=%llu\nreason=%s\n", st->locked ? 1 : 0,
		(unsigned long long)st->since_ns, reason);
	for (size_t i = 0; i < st->n_allow; i++)
		fprintf(f, "allow=%s\n", allow_format(&st->allow[i], a, sizeof(a)));
	for (size_t i = 0; i < st->n_units; i++)
		fprintf(f, "unit=%s\n", st->units[i]);
	if (fflush(f) || (sync && fsync(fileno(f))))
		goto fail;
	if (fclose(f)) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) < 0)
		goto fail;
	if (!sync)
		return 0;
	rc = fsync_dir(dir);
	if (rc) {
		util_err(err, errlen, "state directory %s: fsync: %s", dir,
			 strerror(-rc));
		return rc;
	}
	return 0;
fail:
	rc = -errno;
	util_err(err, errlen, "%s: %s", tmp, strerror(errno));
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

int state_save(const char *dir, const struct enforce_state *st, char *err,
	       size_t errlen)
{
	return save(dir, st, true, err, errlen);
}

int state_save_deferred(const char *dir, const struct enforce_state *st,
			char *err, size_t errlen)
{
	return save(dir, st, false, err, errlen);
}

int state_sync(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	int fd, rc;

	if (path_of(path, sizeof(path), dir, STATE_FILE))
		return util_err(err, errlen, "state directory %s: name too long", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		rc = -errno;
		util_err(err, errlen, "%s: fsync: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	close(fd);
	rc = fsync_dir(dir);
	if (rc)
		util_err(err, errlen, "state directory %s: fsync: %s", dir, strerror(-rc));
	return rc;
}

int state_clear(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	int rc;

	if (path_of(path, sizeof(path), dir, STATE_FILE))
		return util_err(err, errlen, "state directory %s: name too long",
				dir);
	if (unlink(path) < 0 && errno != ENOENT) {
		rc = -errno;
		util_err(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	rc = fsync_dir(dir);
	if (rc && rc != -ENOENT) {
		util_err(err, errlen, "state directory %s: fsync: %s", dir,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

int state_lock(const char *dir, int *fd, char *err, size_t errlen)
{
	char path[4096];
	int rc;

	*fd = -1;
	rc = ensure_dir(dir, err, errlen);
	if (rc)
		return rc;
	if (path_of(path, sizeof(path), dir, "lock"))
		return util_err(err, errlen, "state directory %s: name too long",
				dir);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0 || flock(*fd, LOCK_EX) < 0) {
		rc = -errno;
		util_err(err, errlen, "%s: %s", path, strerror(errno));
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return rc;
	}
	return 0;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
