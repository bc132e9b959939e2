/* SPDX-License-Identifier: MIT */
#ifndef CORDON_LIST_ARGS_H
#define CORDON_LIST_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "list.h"
#include "lists_load.h"

/*
 * The --threat-list / --trusted-list arguments every command takes, and
 * loading them the same way everywhere (messages on stderr, exit codes).
 */
struct list_args {
	struct list_spec *specs; /* owned */
	size_t n, cap;
	struct list_limits lim;
	lists_fetch_fn fetch;    /* remote locations (NULL: local files only) */
	void *fetch_arg;
};

/* getopt_long entries for --threat-list / --trusted-list. */
enum { LIST_OPT_THREAT = 0x1800, LIST_OPT_TRUSTED };
#define LIST_ARGS_LONGOPTS                                                     \
	{ "threat-list", required_argument, NULL, LIST_OPT_THREAT },           \
	{ "trusted-list", required_argument, NULL, LIST_OPT_TRUSTED }

void list_args_init(struct list_args *a);
/* 1: opt was a list option and is taken; 0: not ours; <0: -exit code. */
int list_args_opt(struct list_args *a, int opt, const char *arg);
void list_args_free(struct list_args *a);
/* 0, or EXIT_USAGE after printing what is wrong with arg. */
int list_args_add(struct list_args *a, const char *arg, enum list_kind kind);
/*
 * Load every list, print each list's problems (bad lines, masked CIDRs)
 * unless quiet, and fill lists[] (nlists entries, borrowed from ls).
 * Returns 0, or an exit code after naming every list that failed.
 */
int list_args_load(const struct list_args *a, struct lists *ls,
		   struct list ***lists, size_t *nlists, bool quiet);

#endif
