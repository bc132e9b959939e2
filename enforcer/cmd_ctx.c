/* SPDX-License-Identifier: MIT */
/* The set-up every command shares: options, config, state dir, logging. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_ctx.h"
#include "log.h"

enum { OPT_STATE_DIR = 0x1000 };

static const struct option common_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const struct option verbose_opt[] = {
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static int add_opts(struct cmd_ctx *cx, size_t *n, const struct option *o)
{
	for (; o && o->name; o++) {
		if (*n + 1 >= CMD_MAX_OPTS)
			return -ENOSPC;
		cx->opts[(*n)++] = *o;
		/* A letter is a short option too: "n" or "c:". */
		if (o->val < 0x80 && isalpha(o->val)) {
			size_t len = strlen(cx->shortopts);

			if (len + 3 > sizeof(cx->shortopts))
				return -ENOSPC;
			cx->shortopts[len] = (char)o->val;
			cx->shortopts[len + 1] = o->has_arg == required_argument ? ':' : '\0';
			cx->shortopts[len + 2] = '\0';
		}
	}
	return 0;
}

void cmd_ctx_init(struct cmd_ctx *cx, const struct cmd_spec *spec,
		  const char *name)
{
	size_t n = 0;
	int rc;

	memset(cx, 0, sizeof(*cx));
	cx->name = name;
	cx->spec = spec;
	cx->config_path = CLI_DEFAULT_CONFIG;
	rc = add_opts(cx, &n, common_opts);
	if (!rc && (spec->flags & CMD_VERBOSE))
		rc = add_opts(cx, &n, verbose_opt);
	for (size_t i = 0; !rc && spec->ext[i]; i++)
		rc = add_opts(cx, &n, spec->ext[i]->opts);
	if (!rc)
		rc = add_opts(cx, &n, spec->opts);
	if (rc) {
		log_warnx("%s: more options than the parser holds", name);
		cx->rc = EXIT_FAIL;
		return;
	}
	for (size_t i = 0; !cx->rc && spec->ext[i]; i++)
		if (spec->ext[i]->init)
			cx->rc = spec->ext[i]->init(cx);
	optind = 1;
}

int cmd_ctx_getopt(struct cmd_ctx *cx, int argc, char **argv)
{
	int opt;

	while (!cx->rc &&
	       (opt = getopt_long(argc, argv, cx->shortopts, cx->opts, NULL)) != -1) {
		int taken = 0;

		switch (opt) {
		case 'c':
			cx->config_path = optarg;
			cx->config_given = true;
			continue;
		case OPT_STATE_DIR:
			cx->state_dir_arg = optarg;
			continue;
		case 'h':
			cx->help = true;
			continue;
		case 'v':
			if (cx->spec->flags & CMD_VERBOSE) {
				cx->verbose++;
				continue;
			}
			break;
		case '?': /* getopt said what */
			cx->rc = cmd_ctx_usage(cx);
			return -1;
		}
		for (size_t i = 0; !taken && cx->spec->ext[i]; i++)
			taken = cx->spec->ext[i]->opt(cx, opt, optarg);
		if (taken < 0)
			cx->rc = EXIT_USAGE;
		else if (!taken)
			return opt;
	}
	return -1;
}

static void print_usage(const struct cmd_ctx *cx, FILE *f)
{
	fprintf(f, "usage: cordon %s [-c FILE] [--state-dir DIR]", cx->name);
	if (cx->spec->flags & CMD_VERBOSE)
		fprintf(f, " [-v]");
	for (size_t i = 0; cx->spec->ext[i]; i++)
		fprintf(f, "\n       %s", cx->spec->ext[i]->usage);
	if (cx->spec->usage && *cx->spec->usage)
		fprintf(f, "\n       %s", cx->spec->usage);
	fputc('\n', f);
}

int cmd_ctx_usage(const struct cmd_ctx *cx)
{
	print_usage(cx, stderr);
	return EXIT_USAGE;
}

/*
 * Under systemd, JOURNAL_STREAM names the stream stderr was connected to
 * (DEV:INODE); a child with another stderr must not inherit the journal's
 * line format (systemd.exec(5)).
 */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

int cmd_exit_input(int rc)
{
	switch (rc) {
	case 0:
		return EXIT_OK;
	case -EINVAL:
	case -ENOENT:
	case -EFBIG:
	case -EPERM:
	case -ENAMETOOLONG:
	case -ERANGE:
	case -EBADMSG:
		return EXIT_USAGE;
	}
	return EXIT_FAIL;
}

int cmd_ctx_load(struct cmd_ctx *cx, int argc, char **argv)
{
	const struct cmd_spec *spec = cx->spec;
	char err[ERRLEN];
	int rc;

	if (cx->rc)
		return cx->rc;
	if (cx->help) {
		print_usage(cx, stdout);
		if (spec->help) {
			fputc('\n', stdout);
			spec->help(stdout);
		}
		return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
	}
	cx->operands = argv + optind;
	cx->n_operands = argc - optind;
	if ((spec->flags & CMD_OPERANDS) ? cx->n_operands < 1 : cx->n_operands > 0)
		return cmd_ctx_usage(cx);
	log_init("cordon", stderr_is_journal() ? LOG_TO_JOURNAL : 0, cx->verbose);
	rc = config_load(&cx->cfg, cx->config_path, cx->config_given, err,
			 sizeof(err));
	if (rc) {
		log_warnx("%s", err);
		return cmd_exit_input(rc);
	}
	/* --state-dir is [agent] state_dir given on the command line. */
	if (cx->state_dir_arg &&
	    (rc = config_set(&cx->cfg, "agent", "state_dir", cx->state_dir_arg,
			     err, sizeof(err)))) {
		const char *why = strstr(err, "state_dir: ");

		log_warnx("--state-dir: %s", why ? why + strlen("state_dir: ") : err);
		return cmd_exit_input(rc);
	}
	cx->state_dir = cx->cfg.agent.state_dir;
	for (size_t i = 0; spec->ext[i]; i++)
		if (spec->ext[i]->load && (rc = spec->ext[i]->load(cx)))
			return rc;
	return CMD_GO;
}

void cmd_ctx_free(struct cmd_ctx *cx)
{
	config_free(&cx->cfg);
	free(cx->enf);
	free(cx->lists.specs);
	cx->enf = NULL;
	cx->lists.specs = NULL;
	cx->lists.n = cx->lists.cap = 0;
	cx->state_dir = NULL;
}
