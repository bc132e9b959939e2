/* SPDX-License-Identifier: MIT */
#ifndef CORDON_LISTSPEC_H
#define CORDON_LISTSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/*
 * Which list, in which format, from where: what a command line or a config
 * line names. The lists themselves are parsed in feeds/ (list.h).
 */
enum list_format {
	LIST_FMT_TXT,
	LIST_FMT_STIX,
	LIST_FMT_OTX_CSV,
	LIST_FMT_ALIEN_VAULT,
	LIST_FMT_PROOF_POINT,
	LIST_FMT_FIRE_EYE,
	LIST_FMT__COUNT
};

enum list_kind { LIST_THREAT, LIST_TRUSTED };

struct list_spec {
	enum list_format fmt;
	enum list_kind kind;
	char location[1024]; /* file path, or s3:// / https:// object URL */
};

/*
 * Parse "[FORMAT:]LOCATION". FORMAT is case-insensitive; an unknown prefix
 * before ':' is taken as part of the location only when the location
 * then looks like a path or URL (s3://, https://, /, .).
 */
__must_check int list_spec_parse(const char *arg, enum list_kind kind,
				 struct list_spec *out, char *err, size_t errlen);
/* Returns false for an unknown name (case-insensitive). */
bool list_format_from_name(const char *name, size_t n, enum list_format *out);
const char *list_format_name(enum list_format fmt);
/* "scheme://..." (s3://, https://): not a local file. */
bool list_location_is_remote(const char *loc);

#endif
