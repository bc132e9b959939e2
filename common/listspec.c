/* SPDX-License-Identifier: MIT */
/*
 * "[FORMAT:]LOCATION": the list arguments of every command and the
 * config's [lists] keys, and GuardDuty's format names.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "listspec.h"
#include "util.h"

static const char *const fmt_names[LIST_FMT__COUNT] = {
	[LIST_FMT_TXT] = "txt",
	[LIST_FMT_STIX] = "stix",
	[LIST_FMT_OTX_CSV] = "otx_csv",
	[LIST_FMT_ALIEN_VAULT] = "alien_vault",
	[LIST_FMT_PROOF_POINT] = "proof_point",
	[LIST_FMT_FIRE_EYE] = "fire_eye",
};

#define VALID_FORMATS "txt, stix, otx_csv, alien_vault, proof_point, fire_eye"

const char *list_format_name(enum list_format fmt)
{
	return (unsigned)fmt < LIST_FMT__COUNT ? fmt_names[fmt] : "?";
}

bool list_format_from_name(const char *name, size_t n, enum list_format *out)
{
	for (unsigned i = 0; i < LIST_FMT__COUNT; i++) {
		if (strlen(fmt_names[i]) == n && !strncasecmp(name, fmt_names[i], n)) {
			*out = (enum list_format)i;
			return true;
		}
	}
	return false;
}

bool list_location_is_remote(const char *loc)
{
	size_t i = 0;

	/* RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	while ((loc[i] >= 'a' && loc[i] <= 'z') || (loc[i] >= 'A' && loc[i] <= 'Z') ||
	       (i && ((loc[i] >= '0' && loc[i] <= '9') || loc[i] == '+' ||
		      loc[i] == '-' || loc[i] == '.')))
		i++;
	return i > 0 && !strncmp(loc + i, "://", 3);
}

int list_spec_parse(const char *arg, enum list_kind kind, struct list_spec *out,
		    char *err, size_t errlen)
{
	const char *colon = strchr(arg, ':'), *loc = arg;
	enum list_format fmt = LIST_FMT_TXT;

	if (colon && list_format_from_name(arg, (size_t)(colon - arg), &fmt)) {
		loc = colon + 1;
	} else if (colon && !list_location_is_remote(arg) &&
		   !memchr(arg, '/', (size_t)(colon - arg)) &&
		   !memchr(arg, '.', (size_t)(colon - arg))) {
		/* "foo:/x": a format was meant, and it is not one we know. */
		return util_err(err, errlen,
				"unknown list format '%.*s' in '%.200s' (valid: " VALID_FORMATS ")",
				(int)(colon - arg > 40 ? 40 : colon - arg), arg, arg);
	}
	if (!*loc)
		return util_err(err, errlen, "'%.200s': empty list location", arg);
	for (const char *s = loc; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return util_err(err, errlen,
					"list location contains a control character: '%.200s'",
					loc);
	if (strlen(loc) >= sizeof(out->location))
		return util_err(err, errlen, "list location is longer than %zu bytes: '%.60s...'",
				sizeof(out->location) - 1, loc);
	memset(out, 0, sizeof(*out));
	out->fmt = fmt;
	out->kind = kind;
	util_strlcpy(out->location, loc, sizeof(out->location));
	return 0;
}
