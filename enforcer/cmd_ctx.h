/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CMD_CTX_H
#define CORDON_CMD_CTX_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "list.h"

/*
 * One set-up for every command (docs/internals/commands.md). A front end
 * is a spec, a getopt loop over its own options, cmd_ctx_load(), one
 * call, cmd_ctx_free():
 *
 *   cmd_ctx_init(&cx, &spec, argv[0]);
 *   while ((opt = cmd_ctx_getopt(&cx, argc, argv)) != -1)
 *           ... the command's own options ...
 *   if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
 *           goto out;
 *
 * cmd_ctx_load() reads the config (-c FILE, default CLI_DEFAULT_CONFIG: a
 * missing default is fine, a missing -c file is not), resolves the state
 * directory one way (--state-dir, else [agent] state_dir, else
 * /var/lib/cordon), sets up logging, and folds the config into the option
 * groups the command takes. Library calls return 0 or -errno; only front
 * ends turn errors into exit statuses (cli.h).
 */
struct cmd_ctx;
struct enforce_opts;

/* An option group some commands share: its options, usage, and hooks. */
struct cmd_ext {
	const struct option *opts; /* {0}-terminated */
	const char *usage;
	/* Before parsing: 0 or an exit status after a message. */
	int (*init)(struct cmd_ctx *cx);
	/* 1: opt was ours and is taken; 0: not ours; -1: bad value (message printed). */
	int (*opt)(struct cmd_ctx *cx, int opt, const char *arg);
	/* After the config: 0 or an exit status after a message. */
	int (*load)(struct cmd_ctx *cx);
};

/* --allow, --allow-unit, --agent-user, ...: fills cx->enf (cmd_opt_enforce.c). */
extern const struct cmd_ext cmd_opt_enforce;
/* --threat-list, --trusted-list: fills cx->lists (cmd_opt_lists.c). */
extern const struct cmd_ext cmd_opt_lists;

enum {
	CMD_OPERANDS = 1, /* one or more operands after the options */
	CMD_VERBOSE = 2,  /* -v, --verbose (repeatable) */
};

struct cmd_spec {
	const char *usage;             /* own options and operands */
	const struct option *opts;     /* own long options, {0}-terminated, or NULL;
					* a val that is a letter is also a short option */
	const struct cmd_ext *ext[3];  /* option groups, NULL-terminated */
	unsigned flags;
	void (*help)(FILE *f);         /* printed after the usage on --help */
};

/* The command's own option values start here. */
enum { CMD_OPT_OWN = 0x3000 };
/* cmd_ctx_load(): go on with the command. */
#define CMD_GO (-1)
#define CMD_MAX_OPTS 48

/* The --threat-list / --trusted-list arguments. */
struct cmd_lists {
	struct list_spec *specs; /* owned */
	size_t n, cap;
	struct list_limits lim;  /* from [lists] after cmd_ctx_load() */
};

struct cmd_ctx {
	const char *name;          /* the command: argv[0] */
	const struct cmd_spec *spec;
	const char *config_path;   /* -c, else CLI_DEFAULT_CONFIG */
	bool config_given;
	const char *state_dir_arg; /* --state-dir, NULL when not given */
	bool help;
	int verbose;
	/* Filled by cmd_ctx_load(): */
	struct cordon_config cfg;
	const char *state_dir;     /* resolved; owned by cfg */
	char **operands;
	int n_operands;
	/* Option groups (NULL/empty when the command takes none): */
	struct enforce_opts *enf;  /* owned */
	bool enf_user_given, enf_group_given, enf_mode_given;
	struct cmd_lists lists;
	/* Parsing */
	int rc;                    /* first error: exit status */
	struct option opts[CMD_MAX_OPTS];
	char shortopts[32];
};

void cmd_ctx_init(struct cmd_ctx *cx, const struct cmd_spec *spec,
		  const char *name);
/*
 * getopt_long over the common options, the spec's groups and its own
 * options. Returns the next own option, or -1 at the end or after an
 * error (cmd_ctx_load() then returns its exit status).
 */
int cmd_ctx_getopt(struct cmd_ctx *cx, int argc, char **argv);
/*
 * After the loop: CMD_GO, or the exit status to return now: EXIT_OK
 * after --help, EXIT_USAGE or EXIT_FAIL after a one-line message.
 */
__must_check int cmd_ctx_load(struct cmd_ctx *cx, int argc, char **argv);
/* The usage on stderr; returns EXIT_USAGE. */
int cmd_ctx_usage(const struct cmd_ctx *cx);
void cmd_ctx_free(struct cmd_ctx *cx);

/*
 * The exit status for a library error: bad input (-EINVAL, -ENOENT of a
 * named file, -EFBIG, -EPERM, -ENAMETOOLONG, -ERANGE, -EBADMSG) is
 * EXIT_USAGE, anything else EXIT_FAIL.
 */
int cmd_exit_input(int rc);

/*
 * [lockdown], [agent] user and nflog_group, [lists] floors into o (the
 * command line's entries first; a user or group given there stays).
 * Shared with `cordon run`. 0 or EXIT_USAGE after a message.
 */
__must_check int cmd_opt_enforce_config(struct enforce_opts *o,
					const struct cordon_config *c,
					bool user_given, bool group_given);

/* Add one list argument; 0, or an exit status after a message. */
__must_check int cmd_opt_lists_add(struct cmd_lists *l, const char *arg,
				   enum list_kind kind);
struct lists;
/*
 * Load every list (S3 locations through one verified GetObject each),
 * print each list's problems unless quiet, and fill *lists (*n entries,
 * borrowed from ls; free the array). 0, or an exit status after naming
 * every list that failed.
 */
__must_check int cmd_opt_lists_load(const struct cmd_lists *l, struct lists *ls,
				    struct list ***lists, size_t *n, bool quiet);

#endif
