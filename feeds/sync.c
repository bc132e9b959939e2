/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "aws_client.h"
#include "aws_s3.h"
#include "aws_sigv4.h"
#include "buf.h"
#include "fileio.h"
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

/* STATE/lists, made if absent, opened without following a link. */
static int lists_dir_open(const char *dir, char *err, size_t errlen)
{
	int sfd = fileio_dir_open(dir, 0700), lfd;

	if (sfd < 0)
		return util_err(err, errlen, "state directory %s: %s", dir,
				fileio_strerror(sfd)), sfd;
	lfd = fileio_subdir(sfd, "lists", 0700);
	close(sfd);
	if (lfd < 0)
		util_err(err, errlen, "%s/lists: %s", dir, fileio_strerror(lfd));
	return lfd;
}

static void meta_read(int lfd, const char *name, struct meta *m)
{
	char *text = NULL;
	const char *p;
	size_t len;

	memset(m, 0, sizeof(*m));
	if (fileio_read_all(lfd, name, SYNC_META_MAX, &text, &len))
		return;
	for (p = text; *p;) {
		size_t n = strcspn(p, "\n");

		if (n > 5 && !strncmp(p, "etag=", 5) && n - 5 < sizeof(m->etag)) {
			memcpy(m->etag, p + 5, n - 5);
			m->etag[n - 5] = '\0';
		} else if (n > 8 && !strncmp(p, "entries=", 8)) {
			m->entries = strtoul(p + 8, NULL, 10);
		}
		p += n + (p[n] == '\n');
	}
	free(text);
}

/* The stored copy, parsed (only when the caller needs a list in hand). */
static int load_last_good(const struct list_spec *spec, int lfd, const char *body,
			  const struct list_limits *lim, struct list **out, char *err,
			  size_t errlen)
{
	char *text = NULL;
	size_t len;
	int ret;

	ret = fileio_read_all(lfd, body, lim->max_bytes, &text, &len);
	if (ret)
		return ret;
	ret = list_parse(spec->location, spec->fmt, spec->kind, text, len, lim, out,
			 err, errlen);
	free(text);
	return ret;
}

/* A failure: say why, and keep the last good copy in force if there is one. */
static int keep_last_good(const struct sync_opts *o, const struct list_spec *spec,
			  int lfd, const char *body, const struct meta *m,
			  const struct list_limits *lim, struct list **out,
			  struct sync_status *st, int why)
{
	char err[ERRLEN];

	st->res = SYNC_FAILED;
	if (lfd < 0 || fileio_exists(lfd, body))
		return why;
	if (o->need_list) {
		if (load_last_good(spec, lfd, body, lim, out, err, sizeof(err)))
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
	const char *body, *meta;
	struct aws_s3_obj obj;
	struct s3url u;
	struct meta m = { 0 };
	struct list *l = NULL;
	int ret, lfd = -1;

	aws_s3_obj_init(&obj);
	ret = s3url_parse(spec->location, &u, st->reason, sizeof(st->reason));
	if (ret)
		return st->res = SYNC_FAILED, ret;
	ret = sync_state_paths(o->state_dir, spec, body_path, meta_path, sizeof(body_path));
	if (ret) {
		util_err(st->reason, sizeof(st->reason), "state directory %s: name too long",
			 o->state_dir);
		return st->res = SYNC_FAILED, ret;
	}
	body = util_basename(body_path);
	meta = util_basename(meta_path);
	lfd = ret = lists_dir_open(o->state_dir, st->reason, sizeof(st->reason));
	if (lfd < 0)
		return st->res = SYNC_FAILED, ret;
	meta_read(lfd, meta, &m);
	if (fileio_exists(lfd, body))
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
			ret = load_last_good(spec, lfd, body, lim, out, st->reason,
					     sizeof(st->reason));
			if (ret) {
				if (!*out && !st->reason[0])
					util_err(st->reason, sizeof(st->reason), "%s: %s",
						 body_path, fileio_strerror(ret));
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
	ret = fileio_replace(lfd, body, buf_str(&obj.body), obj.body.len, 0600, 0);
	snprintf(metatext, sizeof(metatext), "location=%s\netag=%s\nentries=%zu\nchecksum=%s\n",
		 spec->location, obj.etag, l->n, obj.checksum_algo);
	if (!ret)
		ret = fileio_replace(lfd, meta, metatext, strlen(metatext), 0600, 0);
	if (ret) {
		util_err(st->reason, sizeof(st->reason), "%s: cannot store: %s", body_path,
			 fileio_strerror(ret));
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
	ret = keep_last_good(o, spec, lfd, body, &m, lim, out, st, ret);
out:
	if (lfd >= 0)
		close(lfd);
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
			return util_errc(ret, err, errlen, "%s: out of memory", spec->location);
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
