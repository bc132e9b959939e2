/* SPDX-License-Identifier: MIT */
/*
 * Journal writer: the lock, opening for append (cutting a torn tail),
 * following what other writers append, and one write(2) per record. An
 * intent is made durable (fdatasync, which covers every record before
 * it) before the caller may try what it announces; other records ride
 * along with the next intent or journal_sync().
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

#include "fileio.h"
#include "journal_impl.h"

#define QUEUE_MAX_BYTES (4u << 20) /* records waiting for the lock */

struct journal {
	int fd, lock_fd;
	bool attached;        /* lock taken per write (journal_attach) */
	bool broken;          /* an fdatasync failed: no more appends */
	bool dirty;           /* written since the last fdatasync */
	uint64_t end, seq;    /* end of the records we know, last seq */
	struct journal_state *st;
	struct journal_scan scan;
	struct journal_stats stats;
	char **queue;         /* attached: texts waiting for the lock */
	size_t nqueue, capqueue, queue_bytes;
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
 * Bad bytes after the last good record. Under the lock, a torn tail is
 * at most one append, so it is cut; anything longer is damage of another
 * kind and is kept for a human (the next record goes after it, and
 * readers report it as corruption in the middle). Returns where the next
 * record goes.
 */
static int tail_cut(struct journal *j, struct journal_scan *sc, uint64_t good_end,
		    uint64_t *end, char *err, size_t errlen)
{
	*end = sc->size;
	if (!sc->torn)
		return 0;
	if (sc->torn_bytes > JOURNAL_HDR_LEN + (uint64_t)JOURNAL_MAX_RECORD) {
		sc->tail_kept = true;
		return 0;
	}
	if (ftruncate(j->fd, (off_t)good_end) < 0 || fdatasync(j->fd) < 0) {
		int rc = -errno;

		util_err(err, errlen, "%s: cutting the torn tail at %llu: %s",
			 j->path, (unsigned long long)good_end, strerror(errno));
		return rc;
	}
	sc->truncated = true;
	*end = good_end;
	return 0;
}

static void journal_free(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd); /* drops the flock */
	for (size_t i = 0; i < j->nqueue; i++)
		free(j->queue[i]);
	free(j->queue);
	free(j);
}

static int journal_new(const char *dir, struct journal **out, char *err, size_t errlen)
{
	struct journal *j;
	int rc;

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
		journal_free(j);
		return util_err(err, errlen, "state directory %s: name too long", dir);
	}
	*out = j;
	return 0;
}

int journal_open(const char *dir, int lock_timeout_ms, struct journal_state *st,
		 struct journal **out, char *err, size_t errlen)
{
	struct journal *j = NULL;
	uint64_t good_end;
	int rc;

	*out = NULL;
	if (st)
		memset(st, 0, sizeof(*st));
	rc = journal_new(dir, &j, err, errlen);
	if (rc)
		return rc;
	rc = journal_lock_open(dir, &j->lock_fd, err, errlen);
	if (!rc)
		rc = journal_lock_take(j->lock_fd, lock_timeout_ms, err, errlen);
	if (!rc)
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
	j->stats.bytes_read = j->scan.bytes_read;
	good_end = j->scan.good_end;
	rc = tail_cut(j, &j->scan, good_end, &j->end, err, errlen);
	if (rc)
		goto out;
	if (j->scan.truncated)
		j->scan.good_end = j->scan.size = j->end;
	if (st)
		st->scan = j->scan;
	j->seq = j->scan.last_seq;
	j->st = st;
	*out = j;
	return 0;
out:
	journal_free(j);
	journal_state_free(st); /* nothing half-replayed is left to the caller */
	return rc;
}

int journal_attach(const char *dir, struct journal_state *st, struct journal **out,
		   char *err, size_t errlen)
{
	struct journal *j = NULL;
	int rc;

	*out = NULL;
	memset(st, 0, sizeof(*st));
	rc = journal_new(dir, &j, err, errlen);
	if (rc)
		return rc;
	j->attached = true;
	rc = journal_lock_open(dir, &j->lock_fd, err, errlen);
	if (!rc)
		rc = file_open(j, dir, err, errlen);
	/*
	 * No lock: a writer's append in progress reads as a torn tail and
	 * is read again later; the first write cuts a real torn tail.
	 */
	if (!rc)
		rc = journal_state_replay_fd(j->fd, st, err, errlen);
	if (rc) {
		journal_free(j);
		journal_state_free(st);
		return rc;
	}
	j->scan = st->scan;
	j->stats.bytes_read = j->scan.bytes_read;
	j->end = j->scan.good_end;
	if (!j->scan.torn)
		j->end = j->scan.size;
	j->seq = j->scan.last_seq;
	j->st = st;
	*out = j;
	return 0;
}

/* Apply a record we wrote (or queued) to st. Checked before, so only ENOMEM fails. */
static int state_apply(struct journal *j, const cJSON *rec, uint64_t seq)
{
	int rc;

	if (!j->st)
		return 0;
	j->st->scan = j->scan;
	rc = journal_state_apply(j->st, seq, rec, j->err, sizeof(j->err));
	return rc == -EINVAL ? 0 : rc;
}

/* Queued records are in st already; a full replay must put them back. */
static int requeue_state(struct journal *j)
{
	for (size_t i = 0; i < j->nqueue; i++) {
		cJSON *o = cJSON_Parse(j->queue[i]);
		int rc = o ? state_apply(j, o, j->seq + i + 1) : -ENOMEM;

		cJSON_Delete(o);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Read what other writers appended after j->end and apply it to st.
 * Locked: nobody is writing, so bad bytes at the end are a torn tail to
 * cut. 1 when something was applied.
 */
static int catch_up(struct journal *j, bool locked)
{
	struct journal_scan sc;
	uint64_t end;
	struct stat sb;
	int rc;

	if (fstat(j->fd, &sb) < 0)
		return -errno;
	if ((uint64_t)sb.st_size == j->end)
		return 0;
	if ((uint64_t)sb.st_size < j->end) {
		/* Shorter than what we know: not an append. Read it all again. */
		rc = journal_state_replay_fd(j->fd, j->st, j->err, sizeof(j->err));
		if (!rc)
			rc = requeue_state(j);
		if (rc)
			return rc;
		j->stats.replays++;
		j->stats.bytes_read += j->st->scan.bytes_read;
		j->scan = j->st->scan;
		j->seq = j->scan.last_seq;
		j->end = j->scan.torn ? j->scan.good_end : j->scan.size;
		return 1;
	}
	rc = journal_state_follow_fd(j->fd, j->end, j->st, &sc, j->err, sizeof(j->err));
	j->stats.bytes_read += sc.bytes_read;
	if (rc)
		return rc;
	end = sc.records ? sc.good_end : j->end;
	if (sc.torn && locked) {
		rc = tail_cut(j, &sc, end, &end, j->err, sizeof(j->err));
		if (rc)
			return rc;
	} else if (!sc.torn) {
		end = sc.size;
	}
	j->end = end;
	j->seq = sc.last_seq > j->seq ? sc.last_seq : j->seq;
	j->scan.records += sc.records;
	j->scan.last_seq = j->seq;
	j->scan.corrupt += sc.corrupt;
	j->scan.corrupt_bytes += sc.corrupt_bytes;
	j->scan.good_end = j->scan.size = end;
	j->scan.truncated |= sc.truncated;
	j->scan.tail_kept |= sc.tail_kept;
	if (j->st)
		j->st->scan = j->scan;
	return sc.records > 0;
}

/* One record, one write(2): with O_APPEND it lands whole at the end. */
static int write_rec(struct journal *j, const char *text, size_t len)
{
	uint8_t *buf = malloc(JOURNAL_HDR_LEN + len);
	int rc;

	if (!buf)
		return -ENOMEM;
	journal_hdr_encode(buf, (uint32_t)len, j->seq + 1, text);
	memcpy(buf + JOURNAL_HDR_LEN, text, len);
	rc = fileio_write(j->fd, buf, JOURNAL_HDR_LEN + len);
	free(buf);
	if (rc) {
		util_err(j->err, sizeof(j->err), "%s: append: %s", j->path, strerror(-rc));
		if (ftruncate(j->fd, (off_t)j->end) < 0)
			j->broken = true;
		return rc;
	}
	j->seq++;
	j->end += JOURNAL_HDR_LEN + len;
	j->scan.records++;
	j->scan.last_seq = j->seq;
	j->scan.good_end = j->scan.size = j->end;
	j->stats.appends++;
	j->dirty = true;
	if (j->st)
		j->st->scan = j->scan;
	return 0;
}

static int datasync(struct journal *j)
{
	if (!j->dirty)
		return 0;
	j->stats.syncs++;
	if (fdatasync(j->fd) < 0) {
		int rc = -errno;

		/* After a failed fdatasync the page cache is no proof of
		 * anything (PostgreSQL's fsyncgate): stop until reopened. */
		j->broken = true;
		util_err(j->err, sizeof(j->err), "%s: fdatasync: %s", j->path, strerror(-rc));
		return rc;
	}
	j->dirty = false;
	return 0;
}

/* Attached: the lock (never waited for), what others wrote, our queue. */
static int attached_begin(struct journal *j)
{
	int rc;

	if (flock(j->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		rc = -errno;
		if (rc == -EWOULDBLOCK)
			return journal_lock_busy(j->lock_fd, 0, j->err, sizeof(j->err));
		util_err(j->err, sizeof(j->err), "journal lock: %s", strerror(-rc));
		return rc;
	}
	journal_lock_note_pid(j->lock_fd);
	rc = catch_up(j, true);
	if (rc < 0)
		goto fail;
	for (; j->nqueue; j->nqueue--) {
		char *t = j->queue[0];

		rc = write_rec(j, t, strlen(t));
		if (rc)
			goto fail;
		j->queue_bytes -= strlen(t);
		free(t);
		memmove(j->queue, j->queue + 1, (j->nqueue - 1) * sizeof(*j->queue));
	}
	return 0;
fail:
	flock(j->lock_fd, LOCK_UN);
	return rc;
}

static void attached_end(struct journal *j)
{
	flock(j->lock_fd, LOCK_UN);
}

static int enqueue(struct journal *j, const char *text)
{
	size_t len = strlen(text);
	char *copy;

	if (j->queue_bytes + len > QUEUE_MAX_BYTES) {
		util_err(j->err, sizeof(j->err), "%s: %zu bytes wait for the lock already",
			 j->path, j->queue_bytes);
		return -ENOBUFS;
	}
	if (j->nqueue == j->capqueue) {
		size_t cap = j->capqueue ? j->capqueue * 2 : 16;
		char **q = realloc(j->queue, cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		j->queue = q;
		j->capqueue = cap;
	}
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	j->queue[j->nqueue++] = copy;
	j->queue_bytes += len;
	j->stats.queued++;
	return 0;
}

static bool is_intent(const cJSON *o)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "type"));
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "state"));

	return t && s && !strcmp(t, "action") && !strcmp(s, "intent");
}

int journal_append_text(struct journal *j, const char *text, bool durable)
{
	size_t len;
	cJSON *o;
	int rc;

	if (!text) {
		util_err(j->err, sizeof(j->err), "out of memory");
		return -ENOMEM;
	}
	len = strlen(text);
	j->err[0] = '\0';
	if (j->broken) {
		util_err(j->err, sizeof(j->err),
			 "%s: an earlier fdatasync failed; reopen the journal", j->path);
		return -EIO;
	}
	if (len > JOURNAL_MAX_RECORD) {
		util_err(j->err, sizeof(j->err), "%s: record of %zu bytes over the cap",
			 j->path, len);
		return -EMSGSIZE;
	}
	/* What the replay will read: exactly these bytes. */
	o = cJSON_ParseWithLength(text, len);
	if (!o) {
		util_err(j->err, sizeof(j->err), "record is not JSON");
		return -EINVAL;
	}
	rc = journal_rec_check(o, j->err, sizeof(j->err));
	if (rc)
		goto out;
	durable |= is_intent(o);
	if (j->attached) {
		rc = attached_begin(j);
		if (rc == -EWOULDBLOCK && !durable) {
			rc = enqueue(j, text);
			if (!rc)
				rc = state_apply(j, o, j->seq + j->nqueue);
			goto out;
		}
		if (rc)
			goto out;
	}
	rc = write_rec(j, text, len);
	if (!rc && durable)
		rc = datasync(j);
	if (j->attached)
		attached_end(j);
	if (!rc)
		rc = state_apply(j, o, j->seq);
out:
	cJSON_Delete(o);
	if (rc == -ENOMEM && !j->err[0])
		util_err(j->err, sizeof(j->err), "out of memory");
	return rc;
}

int journal_append(struct journal *j, const cJSON *rec)
{
	cJSON *copy = NULL;
	char *text = NULL;
	int rc;

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
	rc = text ? journal_append_text(j, text, false) : -ENOMEM;
out:
	free(text);
	cJSON_Delete(copy);
	if (rc == -ENOMEM)
		util_err(j->err, sizeof(j->err), "out of memory");
	return rc;
}

int journal_refresh(struct journal *j)
{
	int rc = catch_up(j, false);

	if (rc < 0 && !j->err[0])
		util_err(j->err, sizeof(j->err), "%s: %s", j->path, strerror(-rc));
	return rc;
}

int journal_sync(struct journal *j)
{
	int rc;

	if (j->broken)
		return -EIO;
	if (j->attached && j->nqueue) {
		rc = attached_begin(j);
		if (rc)
			return rc;
		rc = datasync(j);
		attached_end(j);
		return rc;
	}
	return datasync(j);
}

bool journal_dirty(const struct journal *j)
{
	return j->dirty || j->nqueue;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	/* Release may hold the lock: wait a little, the queue is ours to write. */
	for (int i = 0; i < 200 && !j->broken && journal_sync(j) == -EWOULDBLOCK; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	journal_free(j);
}

void journal_abandon(struct journal *j)
{
	if (j)
		journal_free(j);
}

const struct journal_scan *journal_scan_info(const struct journal *j)
{
	return &j->scan;
}

const struct journal_stats *journal_stats(const struct journal *j)
{
	return &j->stats;
}

const char *journal_error(const struct journal *j)
{
	return j->err;
}
