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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>

#include "fileio.h"
#include "state.h"

#define LINE_MAX_LEN 512
#define STATE_READ_MAX (1u << 20)
#define LOCK_FILE "lock"

/* The state directory, made 0700 when create and absent. */
static int dir_open(const char *dir, bool create, char *err, size_t errlen)
{
	int fd = fileio_dir_open(dir, create ? 0700 : 0);

	if (fd < 0 && (create || fd != -ENOENT))
		util_err(err, errlen, "state directory %s: %s", dir, fileio_strerror(fd));
	return fd;
}

static int parse(const char *dir, char *text, struct enforce_state *st, char *err,
		 size_t errlen)
{
	unsigned lineno = 0;
	char *line = text;

	while (*line) {
		char *nl = strchr(line, '\n'), *eq, *v, e2[ERRLEN];
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		uint64_t u;

		lineno++;
		if (n >= LINE_MAX_LEN)
			return util_err(err, errlen, "%s/" STATE_FILE ":%u: line too long",
					dir, lineno);
		line[n] = '\0';
		v = line;
		line = nl ? nl + 1 : line + n;
		if (!*v || *v == '#')
			continue;
		eq = strchr(v, '=');
		if (!eq)
			return util_err(err, errlen, "%s/" STATE_FILE ":%u: expected key=value",
					dir, lineno);
		*eq = '\0';
		if (!strcmp(v, "locked")) {
			st->locked = !strcmp(eq + 1, "1");
		} else if (!strcmp(v, "since")) {
			if (util_parse_u64(eq + 1, 0, UINT64_MAX, &u))
				return util_err(err, errlen, "%s/" STATE_FILE ":%u: bad since",
						dir, lineno);
			st->since_ns = u;
		} else if (!strcmp(v, "reason")) {
			util_strlcpy(st->reason, eq + 1, sizeof(st->reason));
		} else if (!strcmp(v, "allow")) {
			/* A bare port here is TCP and UDP (allow.h). */
			if (allow_add_legacy(st->allow, &st->n_allow, eq + 1, e2, sizeof(e2)))
				return util_err(err, errlen, "%s/" STATE_FILE ":%u: bad allow '%s'",
						dir, lineno, eq + 1);
		} else if (!strcmp(v, "unit")) {
			if (st->n_units >= ALLOW_MAX_UNITS || !eq[1] ||
			    strlen(eq + 1) >= ALLOW_UNIT_LEN)
				return util_err(err, errlen, "%s/" STATE_FILE ":%u: bad unit",
						dir, lineno);
			util_strlcpy(st->units[st->n_units++], eq + 1, ALLOW_UNIT_LEN);
		}
		/* Unknown keys: written by a newer cordon; ignore. */
	}
	return 0;
}

int state_load(const char *dir, struct enforce_state *st, char *err,
	       size_t errlen)
{
	char *text = NULL;
	size_t len;
	int dfd, rc;

	memset(st, 0, sizeof(*st));
	dfd = dir_open(dir, false, err, errlen);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	rc = fileio_read_all(dfd, STATE_FILE, STATE_READ_MAX, &text, &len);
	close(dfd);
	if (rc == -ENOENT)
		return 0;
	if (rc) {
		util_err(err, errlen, "%s/" STATE_FILE ": %s", dir, fileio_strerror(rc));
		return rc;
	}
	if (strlen(text) != len)
		rc = util_err(err, errlen, "%s/" STATE_FILE ": NUL byte in the file", dir);
	else
		rc = parse(dir, text, st, err, errlen);
	free(text);
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

/* One "key=value" line more; -E2BIG past STATE_TEXT_MAX. */
static int __printf(3, 4) put(char *buf, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *off, STATE_TEXT_MAX - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= STATE_TEXT_MAX - *off)
		return -E2BIG;
	*off += (size_t)n;
	return 0;
}

static int render(const struct enforce_state *st, char *buf, size_t *len)
{
	char reason[STATE_REASON_LEN], a[ALLOW_STRLEN];
	size_t off = 0;
	int rc;

	one_line(reason, st->reason, sizeof(reason));
	rc = put(buf, &off, "# cordon lockdown state; remove with 'cordon release'\n"
		 "locked=%d\nsince=%llu\nreason=%s\n", st->locked ? 1 : 0,
		 (unsigned long long)st->since_ns, reason);
	for (size_t i = 0; !rc && i < st->n_allow; i++)
		rc = put(buf, &off, "allow=%s\n",
			 allow_format(&st->allow[i], a, sizeof(a)));
	for (size_t i = 0; !rc && i < st->n_units; i++)
		rc = put(buf, &off, "unit=%s\n", st->units[i]);
	*len = off;
	return rc;
}

static int save(const char *dir, const struct enforce_state *st, bool sync,
		char *err, size_t errlen)
{
	unsigned flags = sync ? 0 : FILEIO_NOSYNC;
	char *text = malloc(STATE_TEXT_MAX);
	size_t len = 0;
	int dfd = -1, rc, rc2;

	if (!text)
		return util_errc(-ENOMEM, err, errlen, "out of memory");
	rc = render(st, text, &len);
	if (rc) {
		util_err(err, errlen, "lockdown state: too long");
		goto out;
	}
	dfd = rc = dir_open(dir, true, err, errlen);
	if (dfd < 0)
		goto out;
	rc = fileio_replace(dfd, STATE_FILE, text, len, 0600, flags);
	if (rc) {
		/* A full disk: the reserve's blocks are already paid for. */
		rc2 = fileio_replace_reserved(dfd, STATE_RESERVE, STATE_FILE, text, len,
					      flags);
		if (!rc2)
			rc = 0;
		else
			util_err(err, errlen, "%s/" STATE_FILE ": %s (and the reserve "
				 STATE_RESERVE ": %s)", dir, fileio_strerror(rc),
				 fileio_strerror(rc2));
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(text);
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
	int dfd = dir_open(dir, false, err, errlen), rc;

	if (dfd < 0)
		return dfd;
	rc = fileio_sync(dfd, STATE_FILE);
	close(dfd);
	if (rc)
		util_err(err, errlen, "%s/" STATE_FILE ": fsync: %s", dir, fileio_strerror(rc));
	return rc;
}

int state_clear(const char *dir, char *err, size_t errlen)
{
	int dfd = dir_open(dir, false, err, errlen), rc;

	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	rc = fileio_unlink(dfd, STATE_FILE, 0);
	close(dfd);
	if (rc)
		util_err(err, errlen, "%s/" STATE_FILE ": %s", dir, fileio_strerror(rc));
	return rc;
}

int state_reserve(const char *dir, char *err, size_t errlen)
{
	int dfd = dir_open(dir, true, err, errlen), rc;

	if (dfd < 0)
		return dfd;
	rc = fileio_reserve(dfd, STATE_RESERVE, STATE_TEXT_MAX, 0600);
	close(dfd);
	if (rc)
		util_err(err, errlen, "%s/" STATE_RESERVE ": %s", dir, fileio_strerror(rc));
	return rc;
}

int state_lock(const char *dir, unsigned timeout_ms, int *fd, char *err,
	       size_t errlen)
{
	uint64_t t0 = util_now_mono_ns();
	int dfd, rc = 0;

	*fd = -1;
	dfd = dir_open(dir, true, err, errlen);
	if (dfd < 0)
		return dfd;
	*fd = fileio_open(dfd, LOCK_FILE, O_RDWR | O_CREAT, 0600);
	close(dfd);
	if (*fd < 0) {
		rc = *fd;
		*fd = -1;
		util_err(err, errlen, "%s/" LOCK_FILE ": %s", dir, fileio_strerror(rc));
		return rc;
	}
	/* Bounded: a stuck cordon process must not hold every other one for ever. */
	while (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = -errno;
			util_err(err, errlen, "%s/" LOCK_FILE ": %s", dir, strerror(errno));
			break;
		}
		if (util_now_mono_ns() - t0 >= (uint64_t)timeout_ms * NSEC_PER_MSEC) {
			rc = -ETIMEDOUT;
			util_err(err, errlen, "%s/" LOCK_FILE ": another cordon process "
				 "has held it for %u ms (a list load? try again)", dir,
				 timeout_ms);
			break;
		}
		nanosleep(&ts, NULL);
	}
	if (rc) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
