/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CONFIG_IMPL_H
#define CORDON_CONFIG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Between config.c (the machinery) and config_table.c (the options). */

enum config_type {
	CT_STR,      /* char *, NULL when unset */
	CT_BOOL,     /* bool */
	CT_UINT,     /* unsigned, [min, max] */
	CT_SIZE,     /* uint64_t bytes, K/M/G suffixes, [min, max] */
	CT_DURATION, /* uint64_t ms, ms/s/m/h/d suffixes, bare = s, [min, max] */
	CT_DOUBLE,   /* double, [dmin, dmax] */
	CT_ENUM,     /* enum stored as unsigned: index into names */
	CT_LIST,     /* struct config_strv, at most max values */
};

enum {
	CF_REPEAT = 1,   /* the key may repeat; values accumulate */
	CF_EMPTY_OK = 2, /* CT_STR: an empty value means unset (NULL) */
};

/* Special grammar: false with why filled (no file/key prefix). */
typedef bool (*config_check_fn)(const char *v, char *why, size_t whylen);

struct config_opt {
	const char *section;
	const char *key;
	enum config_type type;
	unsigned flags;
	size_t off;              /* offsetof(struct cordon_config, ...) */
	const char *def;         /* parsed like a file value; "" or NULL: unset/empty */
	uint64_t min, max;       /* CT_UINT/SIZE/DURATION; CT_LIST: max values */
	double dmin, dmax;       /* CT_DOUBLE */
	const char *const *names; /* CT_ENUM, NULL-terminated */
	config_check_fn check;   /* CT_STR and CT_LIST values */
	const char *arg;         /* CT_STR and CT_LIST: what a value looks like */
	const char *help;        /* one or more sentences, no trailing newline */
};

extern const struct config_opt config_opts[];
extern const size_t config_nopts;
extern const char *const config_sections[];

/* Index of section/key in config_opts, or -1. */
int config_find(const char *section, const char *key);
/*
 * Set option o from text v as a file line would. first: the first time
 * this key is seen in this source, so a list drops its default first.
 * Returns 0, -EINVAL or -ENOMEM with why filled.
 */
int config_opt_set(struct cordon_config *c, const struct config_opt *o,
		   const char *v, bool first, char *why, size_t whylen);

/*
 * Checks across options, after a whole file: returns the index of the
 * option at fault, sets *other to the other option involved and fills
 * why; -1 when all is well.
 */
int config_cross_check(const struct cordon_config *c, int *other, char *why,
		       size_t whylen);

#ifdef UNITTEST
unsigned config_distance(const char *a, const char *b);
#endif

#endif
