/* SPDX-License-Identifier: MIT */
#ifndef CORDON_TMPDIR_TESTLIB_H
#define CORDON_TMPDIR_TESTLIB_H

/*
 * A directory of its own for each test that writes files (the cmocka
 * setup makes it, the teardown removes it), shared by test_evidence.c,
 * test_journal.c and test_procsd.c.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* tmpdir_new: DIR (SIZE bytes) made from the mkdtemp template TMPL; 0 or -1. */
static inline int tmpdir_new(char *dir, size_t size, const char *tmpl)
{
	if ((size_t)snprintf(dir, size, "%s", tmpl) >= size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

/* tmpdir_remove: DIR and everything in it gone; 0 or -1. */
static inline int tmpdir_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* tmpdir_path: "DIR/NAME" in one of four buffers used in turn. */
static inline char *tmpdir_path(const char *dir, const char *name)
{
	static char buf[4][PATH_MAX + 128];
	static int k;
	char *p = buf[k++ & 3];

	snprintf(p, sizeof(buf[0]), "%s/%.4000s", dir, name);
	return p;
}

#endif
