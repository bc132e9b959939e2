/* SPDX-License-Identifier: MIT */
/* --threat-list / --trusted-list, loaded the same way by every command. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ctx.h"
#include "lists_load.h"
#include "log.h"
#include "s3url.h"
#include "sync.h"

enum { OPT_THREAT = 0x1200, OPT_TRUSTED };

static const struct option opts[] = {
	{ "threat-list", required_argument, NULL, OPT_THREAT },
	{ "trusted-list", required_argument, NULL, OPT_TRUSTED },
	{ NULL, 0, NULL, 0 },
};

int cmd_opt_lists_add(struct cmd_lists *l, const char *arg, enum list_kind kind)
{
	char err[ERRLEN];

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 4;
		struct list_spec *s = realloc(l->specs, ncap * sizeof(*s));

		if (!s) {
			log_warnx("out of memory");
			return EXIT_FAIL;
		}
		l->specs = s;
		l->cap = ncap;
	}
	if (list_spec_parse(arg, kind, &l->specs[l->n], err, sizeof(err))) {
		log_warnx("%s: %s",
			  kind == LIST_TRUSTED ? "--trusted-list" : "--threat-list", err);
		return EXIT_USAGE;
	}
	l->n++;
	return 0;
}

static int lists_init(struct cmd_ctx *cx)
{
	list_limits_default(&cx->lists.lim);
	return 0;
}

static int lists_opt(struct cmd_ctx *cx, int opt, const char *arg)
{
	if (opt != OPT_THREAT && opt != OPT_TRUSTED)
		return 0;
	return cmd_opt_lists_add(&cx->lists, arg,
				 opt == OPT_TRUSTED ? LIST_TRUSTED : LIST_THREAT) ? -1 : 1;
}

/* [lists] limits: the same floors and caps as the agent. */
static int lists_load_config(struct cmd_ctx *cx)
{
	struct list_limits *lim = &cx->lists.lim;

	lim->floor_v4 = (uint8_t)cx->cfg.lists.floor_v4;
	lim->floor_v6 = (uint8_t)cx->cfg.lists.floor_v6;
	lim->max_bytes = cx->cfg.lists.max_bytes;
	lim->max_entries = cx->cfg.lists.max_entries;
	return 0;
}

int cmd_opt_lists_load(const struct cmd_lists *l, struct lists *ls,
		       struct list ***lists, size_t *nlists, bool quiet)
{
	struct list **v;
	size_t n = 0;
	int rc;

	*lists = NULL;
	*nlists = 0;
	/* S3 locations work everywhere: one verified GetObject each. */
	rc = lists_load(ls, l->specs, l->n, &l->lim, sync_fetch, NULL);
	if (rc == -ENOMEM && ls->n == 0) {
		log_warnx("out of memory loading lists");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < ls->n; i++) {
		const struct list *li = ls->v[i].l;

		if (!li) {
			log_warnx("%s", ls->v[i].err);
			continue;
		}
		if (quiet)
			continue;
		for (size_t m = 0; m < li->n_msgs; m++)
			log_warnx("%s", li->msgs[m]);
		if (li->st.bad > li->n_msgs)
			log_warnx("%s: %zu more problem lines not shown",
				  li->location, li->st.bad - li->n_msgs);
	}
	if (ls->n_failed) {
		/* Bad input is exit 2; S3 unreachable or refusing is operational. */
		for (size_t i = 0; i < ls->n; i++)
			if (!ls->v[i].l && (ls->v[i].rc == -ENOMEM ||
					    (s3url_is_s3(l->specs[i].location) &&
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

const struct cmd_ext cmd_opt_lists = {
	.opts = opts,
	.usage = "[--threat-list [FORMAT:]LOCATION]... [--trusted-list [FORMAT:]LOCATION]...",
	.init = lists_init,
	.opt = lists_opt,
	.load = lists_load_config,
};
