/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "list_args.h"
#include "log.h"
#include "s3url.h"
#include "sync.h"

void list_args_init(struct list_args *a)
{
	memset(a, 0, sizeof(*a));
	list_limits_default(&a->lim);
	/* S3 locations work everywhere: one verified GetObject each. */
	a->fetch = sync_fetch;
	a->fetch_arg = NULL;
}

void list_args_free(struct list_args *a)
{
	free(a->specs);
	a->specs = NULL;
	a->n = a->cap = 0;
}

int list_args_add(struct list_args *a, const char *arg, enum list_kind kind)
{
	char err[ERRLEN];

	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 4;
		struct list_spec *s = realloc(a->specs, ncap * sizeof(*s));

		if (!s) {
			log_warnx("out of memory");
			return EXIT_FAIL;
		}
		a->specs = s;
		a->cap = ncap;
	}
	if (list_spec_parse(arg, kind, &a->specs[a->n], err, sizeof(err))) {
		log_warnx("%s: %s",
			  kind == LIST_TRUSTED ? "--trusted-list" : "--threat-list",
			  err);
		return EXIT_USAGE;
	}
	a->n++;
	return 0;
}

int list_args_opt(struct list_args *a, int opt, const char *arg)
{
	int rc;

	if (opt != LIST_OPT_THREAT && opt != LIST_OPT_TRUSTED)
		return 0;
	rc = list_args_add(a, arg, opt == LIST_OPT_TRUSTED ? LIST_TRUSTED : LIST_THREAT);
	return rc ? -rc : 1;
}

int list_args_load(const struct list_args *a, struct lists *ls,
		   struct list ***lists, size_t *nlists, bool quiet)
{
	struct list **v;
	size_t n = 0;
	int rc;

	*lists = NULL;
	*nlists = 0;
	rc = lists_load(ls, a->specs, a->n, &a->lim, a->fetch, a->fetch_arg);
	if (rc == -ENOMEM && ls->n == 0) {
		log_warnx("out of memory loading lists");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < ls->n; i++) {
		const struct list *l = ls->v[i].l;

		if (!l) {
			log_warnx("%s", ls->v[i].err);
			continue;
		}
		if (quiet)
			continue;
		for (size_t m = 0; m < l->n_msgs; m++)
			log_warnx("%s", l->msgs[m]);
		if (l->st.bad > l->n_msgs)
			log_warnx("%s: %zu more problem lines not shown",
				  l->location, l->st.bad - l->n_msgs);
	}
	if (ls->n_failed) {
		/* Bad input is exit 2; S3 unreachable or refusing is operational. */
		for (size_t i = 0; i < ls->n; i++)
			if (!ls->v[i].l && (ls->v[i].rc == -ENOMEM ||
					    (s3url_is_s3(a->specs[i].location) &&
					     ls->v[i].rc != -EINVAL && ls->v[i].rc != -EFBIG)))
				return EXIT_FAIL;
		return EXIT_USAGE;
	}
	v = calloc(ls->n ? ls->n : 1, sizeof(*v));
	if (!v) {
		log_warnx("out of memory");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < ls->n; i++)
		v[n++] = ls->v[i].l;
	*lists = v;
	*nlists = n;
	return 0;
}
