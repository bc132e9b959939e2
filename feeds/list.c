/* SPDX-License-Identifier: MIT */
/*
 * Threat and trusted lists: format names, "[FORMAT:]LOCATION" specs,
 * limits, and the driver that runs one format parser over a buffer and
 * then decides whether the list as a whole is usable.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "list_impl.h"

static const lst_parse_fn fmt_parsers[LIST_FMT__COUNT] = {
	[LIST_FMT_TXT] = lst_parse_txt,
	[LIST_FMT_STIX] = lst_parse_stix,
	[LIST_FMT_OTX_CSV] = lst_parse_otx_csv,
	[LIST_FMT_ALIEN_VAULT] = lst_parse_alien_vault,
	[LIST_FMT_PROOF_POINT] = lst_parse_proof_point,
	[LIST_FMT_FIRE_EYE] = lst_parse_fire_eye,
};

void list_limits_default(struct list_limits *lim)
{
	lim->floor_v4 = 8;
	lim->floor_v6 = 32;
	lim->max_bytes = (size_t)256 << 20;
	lim->max_entries = (size_t)16 << 20;
	lim->max_bad = 1000;
	lim->max_bad_pct = 10;
}

/*
 * The list's name, as GuardDuty's threatListName would show it: the last
 * path segment, without a URL's query or fragment.
 */
static char *list_name_of(const char *loc)
{
	size_t end = strlen(loc), start;

	if (list_location_is_remote(loc))
		end = strcspn(loc, "?#");
	while (end > 1 && loc[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && loc[start - 1] != '/')
		start--;
	if (start == end) /* "s3://" or "/": nothing better to show */
		return strdup(loc);
	return strndup(loc + start, end - start);
}

void list_free(struct list *l)
{
	if (!l)
		return;
	free(l->ent);
	free(l->name);
	free(l->location);
	free(l);
}

/*
 * Whole-list verdicts after the parser ran: too many bad records, or
 * nothing usable at all. Both are errors the operator must fix, so they
 * reject the list rather than load a fraction of it.
 */
static int list_verdict(struct lst *c)
{
	const struct list_stats *st = &c->l->st;
	const struct list_limits *lim = c->lim;

	/* Counts stay far below 2^32 (256 MiB of input), so no overflow here. */
	if (st->bad && (st->bad > lim->max_bad ||
			st->bad * 100 > (size_t)lim->max_bad_pct * st->lines))
		return lst_fail(c, -EINVAL, 0,
				"%zu of %zu lines are not addresses (first: line %u: %s)",
				st->bad, st->lines, c->first_bad_line, c->first_bad);
	if (!c->l->n) {
		if (st->domains || st->skipped)
			return lst_fail(c, -EINVAL, 0,
					"no entries (%zu domain names and %zu other indicators skipped; only IP addresses and CIDRs are used)",
					st->domains, st->skipped);
		return lst_fail(c, -EINVAL, 0, "no entries");
	}
	return 0;
}

/* Drop a UTF-8 BOM; refuse UTF-16 outside XML, where expat reads it. */
static int list_strip_bom(struct lst *c, enum list_format fmt, const char **buf,
			  size_t *len)
{
	const unsigned char *b = (const unsigned char *)*buf;

	if (*len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) {
		*buf += 3;
		*len -= 3;
	} else if (fmt != LIST_FMT_STIX && *len >= 2 &&
		   ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff))) {
		return lst_fail(c, -EINVAL, 0,
				"UTF-16 text is not supported; save the list as UTF-8");
	}
	return 0;
}

int list_parse(const char *location, enum list_format fmt, enum list_kind kind,
	       const char *buf, size_t len, const struct list_limits *lim,
	       struct list **out, char *err, size_t errlen)
{
	struct list_limits dflt;
	struct lst c = { .err = err, .errlen = errlen };
	struct list *l = NULL;
	int rc;

	*out = NULL;
	if (!lim) {
		list_limits_default(&dflt);
		lim = &dflt;
	}
	if ((unsigned)fmt >= LIST_FMT__COUNT)
		return util_err(err, errlen, "%s: unknown list format %d", location, (int)fmt);
	if (len > lim->max_bytes) {
		util_err(err, errlen, "%s: %zu bytes is over the %zu-byte list size cap",
			 location, len, lim->max_bytes);
		return -EFBIG;
	}
	rc = -ENOMEM;
	l = calloc(1, sizeof(*l));
	if (!l)
		goto nomem;
	l->location = strdup(location);
	l->name = list_name_of(location);
	if (!l->location || !l->name)
		goto nomem;
	l->fmt = fmt;
	l->kind = kind;
	c.l = l;
	c.lim = lim;
	c.bad_rec = SIZE_MAX;
	rc = list_strip_bom(&c, fmt, &buf, &len);
	if (rc)
		goto out;
	rc = fmt_parsers[fmt](&c, buf ? buf : "", len);
	if (rc)
		goto out;
	rc = list_verdict(&c);
	if (rc)
		goto out;
	/* Give back the slack of the geometric growth. */
	if (c.cap > l->n) {
		struct list_entry *e = realloc(l->ent, l->n * sizeof(*e));

		if (e)
			l->ent = e;
	}
	*out = l;
	return 0;
nomem:
	util_err(err, errlen, "%s: out of memory", location);
out:
	list_free(l);
	return rc;
}
