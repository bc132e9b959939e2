/* SPDX-License-Identifier: MIT */
/*
 * Journal writer: the lock, opening for append (cutting a torn tail), and
 * one record per append made durable with fdatasync before the caller
 * goes on to try what the record announces.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "journal_impl.h"

struct journal {
	int fd, lock_fd;
	uint64_t end, seq;
	bool broken;
	struct journal_state *st;
	struct journal_scan scan;
	char path[PATH_MAX];
	char err[ERRLEN];
};

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

static int lock_wait(int fd, int timeout_ms)
{
	uint64_t deadline = util_now_mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (timeout_ms < 0)
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return -errno;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (util_now_mono_ns() >= deadline)
			return -EWOULDBLOCK;
		nanosleep(&tick, NULL);
	}
}

/*
 * The writer lock is a separate file so that it can name its holder
 * (readers never lock; they read a torn tail as torn and move on).
 */
static int lock_take(const char *dir, int timeout_ms, int *out, char *err,
		     size_t errlen)
{
	char path[PATH_MAX], pid[32] = "";
	ssize_t n;
	int fd, rc;

	if (snprintf(path, sizeof(path), "%s/" JOURNAL_LOCK_FILE, dir) >=
	    (int)sizeof(path))
		return util_err(err, errlen, "state directory %s: name too long", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		util_err(err, errlen, "%s: %s", path,
			 errno == ELOOP ? "is a symlink, refused" : strerror(errno));
		return rc;
	}
	rc = lock_wait(fd, timeout_ms);
	if (rc == -EWOULDBLOCK) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		util_err(err, errlen,
			 "%s: journal locked by pid %s (cordon run or release?); "
			 "waited %d ms", path, *pid ? pid : "?", timeout_ms);
	} else if (rc) {
		util_err(err, errlen, "%s: flock: %s", path, strerror(-rc));
	}
	if (rc) {
		close(fd);
		return rc;
	}
	/* Informational: who holds it, for the message above. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
		pid[0] = '\0'; /* only the message loses the pid */
	*out = fd;
	return 0;
}

static int file_open(struct journal *j, const char *dir, char *err,
		     size_t errlen)
{
	const int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	bool created = false;
	struct stat st;
	int rc;

	j->fd = open(j->path, flags);
	if (j->fd < 0 && errno == ENOENT) {
		j->fd = open(j->path, flags | O_CREAT | O_EXCL, 0600);
		created = j->fd >= 0;
	}
	if (j->fd < 0) {
		rc = -errno;
		util_err(err, errlen, "%s: %s", j->path,
			 errno == ELOOP ? "is a symlink, refused" : strerror(errno));
		return rc;
	}
	if (fstat(j->fd, &st) < 0 ||
	    ((st.st_mode & 077) && S_ISREG(st.st_mode) && fchmod(j->fd, 0600) < 0)) {
		rc = -errno;
		util_err(err, errlen, "%s: %s", j->path, strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode))
		return util_err(err, errlen, "%s: not a regular file, refused",
				j->path);
	/* The new name must survive a crash too, not only the bytes. */
	if (created) {
		rc = fsync_dir(dir);
		if (rc) {
			util_err(err, errlen, "%s: fsync: %s", dir, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/*
 * A torn tail is at most one append, so it is cut; anything longer is
 * damage of another kind and is kept for a human (the next record goes
 * after it, and readers report it as corruption in the middle).
 */
static int tail_cut(struct journal *j, char *err, size_t errlen)
{
	struct journal_scan *sc = &j->scan;

	j->end = sc->size;
	if (!sc->torn)
		return 0;
	if (sc->torn_bytes > JOURNAL_HDR_LEN + (uint64_t)JOURNAL_MAX_RECORD) {
		sc->tail_kept = true;
		return 0;
	}
	if (ftruncate(j->fd, (off_t)sc->good_end) < 0 || fdatasync(j->fd) < 0) {
		int rc = -errno;

		util_err(err, errlen, "%s: cutting the torn tail at %llu: %s",
			 j->path, (unsigned long long)sc->good_end, strerror(errno));
		return rc;
	}
	sc->truncated = true;
	j->end = sc->good_end;
	return 0;
}

int journal_open(const char *dir, int lock_timeout_ms, struct journal_state *st,
		 struct journal **out, char *err, size_t errlen)
{
	struct journal *j;
	int rc;

	*out = NULL;
	if (st)
		memset(st, 0, sizeof(*st));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		util_err(err, errlen, "state directory %s: %s", dir, strerror(errno));
		return rc;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->fd = j->lock_fd = -1;
	if (snprintf(j->path, sizeof(j->path), "%s/" JOURNAL_FILE, dir) >=
	    (int)sizeof(j->path)) {
		rc = util_err(err, errlen, "state directory %s: name too long", dir);
		goto out;
	}
	rc = lock_take(dir, lock_timeout_ms, &j->lock_fd, err, errlen);
	if (rc)
		goto out;
	rc = file_open(j, dir, err, errlen);
	if (rc)
		goto out;
	if (st) {
		rc = journal_state_replay_fd(j->fd, st, err, errlen);
		j->scan = st->scan;
	} else {
		rc = journal_read_fd(j->fd, NULL, NULL, &j->scan, err, errlen);
	}
	if (rc)
		goto out;
	rc = tail_cut(j, err, errlen);
	if (rc)
		goto out;
	if (st)
		st->scan = j->scan;
	j->seq = j->scan.last_seq;
	j->st = st;
	*out = j;
	return 0;
out:
	journal_close(j);
	journal_state_free(st); /* nothing half-replayed is left to the caller */
	return rc;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd); /* drops the flock */
	free(j);
}

const struct journal_scan *journal_scan_info(const struct journal *j)
{
	return &j->scan;
}

const char *journal_error(const struct journal *j)
{
	return j->err;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int append_text(struct journal *j, const char *text, size_t len)
{
	uint8_t *buf;
	int rc;

	if (len > JOURNAL_MAX_RECORD) {
		util_err(j->err, sizeof(j->err), "%s: record of %zu bytes over the cap",
			 j->path, len);
		return -EMSGSIZE;
	}
	buf = malloc(JOURNAL_HDR_LEN + len);
	if (!buf)
		return -ENOMEM;
	journal_hdr_encode(buf, (uint32_t)len, j->seq + 1, text);
	memcpy(buf + JOURNAL_HDR_LEN, text, len);
	/* One write: with O_APPEND the record lands whole at the end. */
	rc = write_all(j->fd, buf, JOURNAL_HDR_LEN + len);
	if (!rc && fdatasync(j->fd) < 0) {
		rc = -errno;
		/* After a failed fdatasync the page cache is no proof of
		 * anything (PostgreSQL's fsyncgate): stop until reopened. */
		j->broken = true;
	}
	free(buf);
	if (rc) {
		util_err(j->err, sizeof(j->err), "%s: append: %s", j->path,
			 strerror(-rc));
		if (ftruncate(j->fd, (off_t)j->end) < 0)
			j->broken = true;
		return rc;
	}
	j->seq++;
	j->end += JOURNAL_HDR_LEN + len;
	j->scan.records++;
	j->scan.last_seq = j->seq;
	j->scan.good_end = j->scan.size = j->end;
	return 0;
}

int journal_append(struct journal *j, const cJSON *rec)
{
	cJSON *copy = NULL;
	char *text = NULL;
	int rc;

	if (j->broken) {
		util_err(j->err, sizeof(j->err),
			 "%s: an earlier fdatasync failed; reopen the journal", j->path);
		return -EIO;
	}
	rc = journal_rec_check(rec, j->err, sizeof(j->err));
	if (rc)
		return rc;
	if (!cJSON_GetObjectItemCaseSensitive(rec, "at")) {
		char at[UTIL_TIMESTAMP_LEN];

		util_iso8601_ms(util_now_real_ns(), at);
		copy = cJSON_Duplicate(rec, 1);
		if (!copy || !cJSON_AddStringToObject(copy, "at", at)) {
			rc = -ENOMEM;
			goto out;
		}
		rec = copy;
	}
	text = cJSON_PrintUnformatted(rec);
	if (!text) {
		rc = -ENOMEM;
		goto out;
	}
	rc = append_text(j, text, strlen(text));
	if (!rc && j->st) {
		j->st->scan = j->scan;
		/* Checked above, so only ENOMEM can fail here: the file has
		 * the record, a reload will see it. */
		rc = journal_state_apply(j->st, j->seq, rec, j->err, sizeof(j->err));
		if (rc == -EINVAL)
			rc = 0;
	}
out:
	free(text);
	cJSON_Delete(copy);
	if (rc == -ENOMEM && !j->err[0])
		util_err(j->err, sizeof(j->err), "out of memory");
	return rc;
}

static cJSON *rec_new(const char *type, const char *incident)
{
	cJSON *o = cJSON_CreateObject();
	char at[UTIL_TIMESTAMP_LEN];

	util_iso8601_ms(util_now_real_ns(), at);
	if (!o || !cJSON_AddStringToObject(o, "type", type) ||
	    !cJSON_AddStringToObject(o, "incident", incident ? incident : "") ||
	    !cJSON_AddStringToObject(o, "at", at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static bool add_str(cJSON *o, const char *name, const char *v)
{
	return !v || cJSON_AddStringToObject(o, name, v);
}

static bool add_json(cJSON *o, const char *name, const cJSON *v)
{
	return !v || cJSON_AddItemToObject(o, name, cJSON_Duplicate(v, 1));
}

/* Append o (consumed); NULL o means it could not be built. */
static int append_owned(struct journal *j, cJSON *o, bool ok)
{
	int rc;

	if (!o || !ok) {
		cJSON_Delete(o);
		util_err(j->err, sizeof(j->err), "out of memory");
		return -ENOMEM;
	}
	rc = journal_append(j, o);
	cJSON_Delete(o);
	return rc;
}

int journal_incident_open(struct journal *j, const char *incident,
			  const char *reason, const cJSON *finding)
{
	cJSON *o = rec_new("incident_open", incident);

	return append_owned(j, o, o && add_str(o, "reason", reason) &&
				  add_json(o, "finding", finding));
}

int journal_incident_status(struct journal *j, const char *incident,
			    const char *status)
{
	cJSON *o = rec_new("incident_status", incident);

	return append_owned(j, o, o && add_str(o, "status", status));
}

int journal_incident_close(struct journal *j, const char *incident,
			   const char *reason)
{
	cJSON *o = rec_new("incident_close", incident);

	return append_owned(j, o, o && add_str(o, "reason", reason));
}

static cJSON *action_new(const char *incident, const char *action,
			 const char *target, const char *state)
{
	cJSON *o = rec_new("action", incident);

	if (o && add_str(o, "action", action ? action : "") &&
	    add_str(o, "key", target ? target : "") &&
	    add_str(o, "state", state))
		return o;
	cJSON_Delete(o);
	return NULL;
}

int journal_action_intent(struct journal *j, const char *incident,
			  const char *action, const char *target,
			  const cJSON *params)
{
	cJSON *o = action_new(incident, action, target, "intent");

	return append_owned(j, o, o && add_json(o, "params", params));
}

int journal_action_done(struct journal *j, const char *incident,
			const char *action, const char *target,
			const cJSON *result)
{
	cJSON *o = action_new(incident, action, target, "done");

	return append_owned(j, o, o && add_json(o, "result", result));
}

int journal_action_failed(struct journal *j, const char *incident,
			  const char *action, const char *target,
			  const char *error, unsigned attempt)
{
	cJSON *o = action_new(incident, action, target, "failed");

	return append_owned(j, o, o && add_str(o, "error", error ? error : "") &&
				  cJSON_AddNumberToObject(o, "attempt", attempt));
}
