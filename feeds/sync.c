/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_client.h"
#include "aws_s3.h"
#include "aws_sigv4.h"
#include "buf.h"
#include "s3url.h"
#include "sync.h"

#define SYNC_META_MAX 8192

const char *sync_result_name(enum sync_result r)
{
	switch (r) {
	case SYNC_UPDATED:
		return "updated";
	case SYNC_UNCHANGED:
		return "unchanged";
	case SYNC_LOADED:
		return "loaded";
	case SYNC_FAILED:
		return "failed";
	}
	return "?";
}

/* What the state directory remembers about one list. */
struct meta {
	char etag[256];
	size_t entries;
};

#ifdef UNITTEST
int sync_state_paths(const char *dir, const struct list_spec *spec, char *body,
		     char *meta, size_t len);
#endif

/* STATE/lists/<16 hex of sha256(format:location)>.{body,meta} */
UNITTEST_STATIC int sync_state_paths(const char *dir, const struct list_spec *spec, char *body,
		       char *meta, size_t len)
{
	char key[1100], hex[AWS_SIGV4_HEX_LEN];
	int n;

	snprintf(key, sizeof(key), "%s:%s", list_format_name(spec->fmt), spec->location);
	aws_sha256_hex(key, strlen(key), hex);
	n = snprintf(body, len, "%s/lists/%.16s.body", dir, hex);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	snprintf(meta, len, "%s/lists/%.16s.meta", dir, hex);
	return 0;
}

static int ensure_dirs(const char *dir, char *err, size_t errlen)
{
	char p[1024];

	if (mkdir(dir, 0700) && errno != EEXIST)
		return util_err(err, errlen, "state directory %s: %s", dir, strerror(errno)), -errno;
	snprintf(p, sizeof(p), "%s/lists", dir);
	if (mkdir(p, 0700) && errno != EEXIST)
		return util_err(err, errlen, "%s: %s", p, strerror(errno)), -errno;
	return 0;
}

static int read_small(const char *path, struct buf *b)
{
	char chunk[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && !ret)
		ret = buf_add(b, chunk, (size_t)n);
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void meta_read(const char *path, struct meta *m)
{
	struct buf b;
	const char *p;

	memset(m, 0, sizeof(*m));
	buf_init(&b, SYNC_META_MAX);
	if (read_small(path, &b)) {
		buf_free(&b);
		return;
	}
	for (p = buf_str(&b); *p;) {
		size_t n = strcspn(p, "\n");

		if (n > 5 && !strncmp(p, "etag=", 5) && n - 5 < sizeof(m->etag)) {
			memcpy(m->etag, p + 5, n - 5);
			m->etag[n - 5] = '\0';
		} else if (n > 8 && !strncmp(p, "entries=", 8)) {
			m->entries = strtoul(p + 8, NULL, 10);
		}
		p += n + (p[n] == '\n');
	}
	buf_free(&b);
}

/* Write data to path atomically: temp file, fsync, rename, fsync dir. */
static int write_atomic(const char *path, const void *data, size_t n)
{
	char tmp[1100], dir[1100], *slash;
	const char *p = data;
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	/* Group-readable: the agent's parent reads what its AWS process stores. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	while (n && !ret) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			ret = w < 0 ? -errno : -EIO;
		else
			p += w, n -= (size_t)w;
	}
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	util_strlcpy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			if (fsync(fd))
				ret = -errno;
			close(fd);
		}
	}
	return ret;
}

/* The stored copy, parsed (only when the caller needs a list in hand). */
static int load_last_good(const struct sync_opts *o, const struct list_spec *spec,
			  const char *body_path, const struct list_limits *lim,
			  struct list **out, char *err, size_t errlen)
{
	struct buf b;
	int ret;

	buf_init(&b, lim->max_bytes);
	ret = read_small(body_path, &b);
	if (ret) {
		buf_free(&b);
		return ret;
	}
	(void)o;
	ret = list_parse(spec->location, spec->fmt, spec->kind, buf_str(&b), b.len, lim,
			 out, err, errlen);
	buf_free(&b);
	return ret;
}

/* A failure: say why, and keep the last good copy in force if there is one. */
static int keep_last_good(const struct sync_opts *o, const struct list_spec *spec,
			  const char *body_path, const struct meta *m,
			  const struct list_limits *lim, struct list **out,
			  struct sync_status *st, int why)
{
	char err[ERRLEN];

	st->res = SYNC_FAILED;
	if (access(body_path, R_OK))
		return why;
	if (o->need_list) {
		if (load_last_good(o, spec, body_path, lim, out, err, sizeof(err)))
			return why;
		st->entries = (*out)->n;
	} else {
		st->entries = m->entries;
	}
	st->in_force = true;
	st->from_last_good = true;
	util_strlcpy(st->etag, m->etag, sizeof(st->etag));
	return 0;
}

static int sync_s3(const struct sync_opts *o, const struct list_spec *spec,
		   const struct list_limits *lim, struct list **out, struct sync_status *st)
{
	char body_path[1100], meta_path[1100], metatext[1400];
	struct aws_s3_obj obj;
	struct s3url u;
	struct meta m;
	struct list *l = NULL;
	int ret;

	aws_s3_obj_init(&obj);
	ret = s3url_parse(spec->location, &u, st->reason, sizeof(st->reason));
	if (ret)
		return st->res = SYNC_FAILED, ret;
	ret = sync_state_paths(o->state_dir, spec, body_path, meta_path, sizeof(body_path));
	if (!ret)
		ret = ensure_dirs(o->state_dir, st->reason, sizeof(st->reason));
	if (ret) {
		if (!st->reason[0])
			util_err(st->reason, sizeof(st->reason), "state directory: %s", strerror(-ret));
		return st->res = SYNC_FAILED, ret;
	}
	meta_read(meta_path, &m);
	if (access(body_path, R_OK))
		m.etag[0] = '\0'; /* nothing stored: never ask for a 304 */
	if (!o->client) {
		ret = util_err(st->reason, sizeof(st->reason), "no AWS client");
		goto fail;
	}
	{
		struct aws_s3_get g = {
			.bucket = u.bucket, .key = u.key,
			.region = u.region[0] ? u.region : NULL,
			.if_none_match = m.etag[0] ? m.etag : NULL,
			.max_bytes = lim->max_bytes,
		};

		ret = aws_s3_get_object(o->client, &g, &obj, st->reason, sizeof(st->reason));
	}
	if (ret)
		goto fail;
	if (obj.not_modified) {
		st->res = SYNC_UNCHANGED;
		util_strlcpy(st->etag, m.etag, sizeof(st->etag));
		st->entries = m.entries;
		st->in_force = true;
		if (o->need_list) {
			ret = load_last_good(o, spec, body_path, lim, out, st->reason,
					     sizeof(st->reason));
			if (ret) {
				st->res = SYNC_FAILED;
				st->in_force = false;
				goto out;
			}
			st->entries = (*out)->n;
		}
		goto out;
	}
	/* Validate completely before anything replaces the last good copy. */
	ret = list_parse(spec->location, spec->fmt, spec->kind, buf_str(&obj.body),
			 obj.body.len, lim, &l, st->reason, sizeof(st->reason));
	if (ret)
		goto fail;
	ret = write_atomic(body_path, buf_str(&obj.body), obj.body.len);
	snprintf(metatext, sizeof(metatext), "location=%s\netag=%s\nentries=%zu\nchecksum=%s\n",
		 spec->location, obj.etag, l->n, obj.checksum_algo);
	if (!ret)
		ret = write_atomic(meta_path, metatext, strlen(metatext));
	if (ret) {
		util_err(st->reason, sizeof(st->reason), "%s: cannot store: %s", body_path,
			 strerror(-ret));
		list_free(l);
		l = NULL;
		goto fail;
	}
	st->res = SYNC_UPDATED;
	st->in_force = true;
	st->entries = l->n;
	util_strlcpy(st->etag, obj.etag, sizeof(st->etag));
	util_strlcpy(st->checksum, obj.checksum_algo, sizeof(st->checksum));
	*out = l;
	goto out;
fail:
	ret = keep_last_good(o, spec, body_path, &m, lim, out, st, ret);
out:
	aws_s3_obj_free(&obj);
	return ret;
}

/* "scheme://...": anything else is a local path. */
static bool is_remote(const char *loc)
{
	size_t i = 0;

	while (isalnum((unsigned char)loc[i]) || loc[i] == '+' || loc[i] == '-' || loc[i] == '.')
		i++;
	return i && !strncmp(loc + i, "://", 3);
}

int sync_list(const struct sync_opts *o, const struct list_spec *spec, struct list **out,
	      struct sync_status *st)
{
	struct list_limits dflt;
	const struct list_limits *lim = o->lim;
	int ret;

	*out = NULL;
	memset(st, 0, sizeof(*st));
	if (!lim) {
		list_limits_default(&dflt);
		lim = &dflt;
	}
	if (is_remote(spec->location))
		return sync_s3(o, spec, lim, out, st);
	ret = list_load_file(spec, lim, out, st->reason, sizeof(st->reason));
	if (ret) {
		st->res = SYNC_FAILED;
		return ret;
	}
	st->res = SYNC_LOADED;
	st->in_force = true;
	st->entries = (*out)->n;
	return 0;
}

uint64_t sync_next_delay_ms(unsigned interval_s, bool first)
{
	uint64_t r, ms = (uint64_t)interval_s * 1000;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = util_now_mono_ns() * 6364136223846793005ull;
	if (!ms)
		return 0;
	if (first)
		return r % ms;
	return ms - ms / 10 + r % (ms / 5 + 1);
}

int sync_fetch(const struct list_spec *spec, size_t cap, char **buf, size_t *len,
	       char *err, size_t errlen, void *arg)
{
	struct aws_client *c = arg, *own = NULL;
	struct aws_s3_obj obj;
	struct s3url u;
	int ret;

	*buf = NULL;
	*len = 0;
	ret = s3url_parse(spec->location, &u, err, errlen);
	if (ret)
		return ret;
	if (!c) {
		ret = aws_client_new(NULL, &own);
		if (ret)
			return util_err(err, errlen, "%s: out of memory", spec->location), ret;
		c = own;
	}
	aws_s3_obj_init(&obj);
	{
		struct aws_s3_get g = {
			.bucket = u.bucket, .key = u.key,
			.region = u.region[0] ? u.region : NULL, .max_bytes = cap,
		};

		ret = aws_s3_get_object(c, &g, &obj, err, errlen);
	}
	if (!ret) {
		/* buf_add("", 0) makes sure an empty object still has memory. */
		ret = buf_add(&obj.body, "", 0);
		if (!ret)
			*buf = buf_steal(&obj.body, len);
	}
	aws_s3_obj_free(&obj);
	aws_client_free(own);
	return ret;
}

int sync_stored_path(const char *state_dir, const struct list_spec *spec,
		     char *body, size_t len)
{
	char meta[1100];

	return sync_state_paths(state_dir, spec, body, meta, len < sizeof(meta) ? len : sizeof(meta));
}
