/* SPDX-License-Identifier: MIT */
#ifndef CORDON_LISTS_LOAD_H
#define CORDON_LISTS_LOAD_H

#include <stddef.h>

#include "list.h"

/*
 * Loading the --threat-list / --trusted-list arguments of a command in one
 * call. Every list gets its own verdict, so a command can name each bad
 * list instead of stopping at the first.
 */

/*
 * Fetch a remote list (s3://, https://) into a malloc'd buffer of at most
 * cap bytes (-EFBIG beyond). Returns 0 or -errno with err filled.
 */
typedef int (*lists_fetch_fn)(const struct list_spec *spec, size_t cap,
			      char **buf, size_t *len, char *err, size_t errlen,
			      void *arg);

struct lists_item {
	struct list *l;   /* owned; NULL when loading failed */
	int rc;           /* 0 or -errno */
	char err[ERRLEN]; /* one line naming the list when rc != 0 */
};

struct lists {
	struct lists_item *v; /* owned, n items in the order of the specs */
	size_t n;
	size_t n_failed;
};

/*
 * Load n specs: local files with list_load_file(), remote locations
 * through fetch (NULL: a remote location fails with a clear error). lim
 * may be NULL for the defaults. Returns 0 when every list loaded, else the
 * first failure's -errno; either way *ls holds all n verdicts and must be
 * released with lists_free(). Only -ENOMEM before any load leaves ls empty.
 */
__must_check int lists_load(struct lists *ls, const struct list_spec *specs,
			    size_t n, const struct list_limits *lim,
			    lists_fetch_fn fetch, void *arg);
void lists_free(struct lists *ls);

/* Total entries over the lists that loaded. */
size_t lists_entries(const struct lists *ls);

/*
 * One line for a log or a command's output, e.g.
 * "threat.txt: 6 entries (txt; 1 range expanded, 1 masked, 1 domain skipped)".
 */
void lists_describe(const struct list *l, char *buf, size_t len);

#endif
