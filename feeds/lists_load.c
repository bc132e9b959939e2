/* SPDX-License-Identifier: MIT */
/* Load every list a command was given, keeping one verdict per list. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list_impl.h"
#include "lists_load.h"

static int lists_load_one(const struct list_spec *spec, const struct list_limits *lim,
			  lists_fetch_fn fetch, void *arg, struct lists_item *it)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (!list_location_is_remote(spec->location))
		return list_load_file(spec, lim, &it->l, it->err, sizeof(it->err));
	if (!fetch)
		return util_err(it->err, sizeof(it->err),
				"%s: remote lists cannot be read here; download it and pass the file",
				spec->location);
	rc = fetch(spec, lim->max_bytes, &buf, &len, it->err, sizeof(it->err), arg);
	if (rc)
		return rc < 0 ? rc : -EIO;
	rc = list_parse(spec->location, spec->fmt, spec->kind, buf, len, lim,
			&it->l, it->err, sizeof(it->err));
	free(buf);
	return rc;
}

int lists_load(struct lists *ls, const struct list_spec *specs, size_t n,
	       const struct list_limits *lim, lists_fetch_fn fetch, void *arg)
{
	struct list_limits dflt;
	int first = 0;

	memset(ls, 0, sizeof(*ls));
	if (!n)
		return 0;
	if (!lim) {
		list_limits_default(&dflt);
		lim = &dflt;
	}
	ls->v = calloc(n, sizeof(*ls->v));
	if (!ls->v)
		return -ENOMEM;
	ls->n = n;
	for (size_t i = 0; i < n; i++) {
		struct lists_item *it = &ls->v[i];

		it->rc = lists_load_one(&specs[i], lim, fetch, arg, it);
		if (it->rc) {
			list_free(it->l);
			it->l = NULL;
			if (!it->err[0])
				snprintf(it->err, sizeof(it->err), "%s: %s",
					 specs[i].location, strerror(-it->rc));
			ls->n_failed++;
			if (!first)
				first = it->rc;
		}
	}
	return first;
}

void lists_free(struct lists *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; i < ls->n; i++)
		list_free(ls->v[i].l);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

size_t lists_entries(const struct lists *ls)
{
	size_t t = 0;

	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i].l)
			t += ls->v[i].l->n;
	return t;
}

static void append(char *buf, size_t len, size_t *o, const char *fmt, ...)
	__printf(4, 5);

static void append(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*o >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *o, len - *o, fmt, ap);
	va_end(ap);
	if (r > 0)
		*o += (size_t)r;
}

void lists_describe(const struct list *l, char *buf, size_t len)
{
	const struct list_stats *st = &l->st;
	size_t o = 0;

	if (!len)
		return;
	buf[0] = '\0';
	append(buf, len, &o, "%s: %zu %s (%s", l->name, l->n,
	       l->n == 1 ? "entry" : "entries", list_format_name(l->fmt));
	if (st->ranges)
		append(buf, len, &o, "; %zu %s expanded", st->ranges,
		       st->ranges == 1 ? "range" : "ranges");
	if (st->masked)
		append(buf, len, &o, "; %zu masked", st->masked);
	if (st->domains)
		append(buf, len, &o, "; %zu %s skipped", st->domains,
		       st->domains == 1 ? "domain" : "domains");
	if (st->skipped)
		append(buf, len, &o, "; %zu other %s skipped", st->skipped,
		       st->skipped == 1 ? "indicator" : "indicators");
	if (st->bad)
		append(buf, len, &o, "; %zu bad %s", st->bad,
		       st->bad == 1 ? "line" : "lines");
	append(buf, len, &o, ")");
}
