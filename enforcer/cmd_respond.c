/* SPDX-License-Identifier: MIT */
/*
 * cordon respond: the off-host responder. One event from a file (or
 * stdin), or, with AWS_LAMBDA_RUNTIME_API set, the Lambda runtime loop.
 * The configuration is cordon.conf's, then CORDON_<SECTION>_<KEY> from
 * the environment over it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "cli.h"
#include "config.h"
#include "log.h"
#include "respond.h"
#include "respond_event.h"

enum { OPT_EVENT = CLI_OPT__NEXT };

static const char usage[] = "--event FILE|- [-c FILE]\n"
			    "       cordon respond [-c FILE]   (AWS Lambda: AWS_LAMBDA_RUNTIME_API set)";

/* The whole event, or more than the cap of it (so that over is seen). */
static int read_event(const char *path, struct buf *b, char *err, size_t errlen)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	char chunk[16384];
	int ret = 0;

	if (fd < 0)
		return util_err(err, errlen, "%s: %s", path, strerror(errno));
	while (b->len <= RESPOND_EVENT_MAX) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = util_err(err, errlen, "%s: %s", path, strerror(errno));
			break;
		}
		if (!n)
			break;
		if (buf_add(b, chunk, (size_t)n))
			break; /* over the cap: respond_handle says so */
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

static int one_event(const struct cordon_config *cfg, const char *path)
{
	char err[ERRLEN], *report = NULL;
	enum respond_rc rc;
	struct buf b;
	int out;

	/*
	 * stdout carries the report alone: what the code shared with
	 * `cordon release` prints on the way goes to stderr with the logs.
	 */
	fflush(stdout);
	out = dup(STDOUT_FILENO);
	if (out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		log_warn("respond: stdout");
		return EXIT_FAIL;
	}
	buf_init(&b, RESPOND_EVENT_MAX + 16384);
	if (read_event(path, &b, err, sizeof(err))) {
		log_warnx("respond: %s", err);
		rc = RESPOND_FAILED;
		goto out;
	}
	rc = respond_handle(&(struct respond_opts){ .cfg = cfg }, buf_str(&b), b.len, &report,
			    err, sizeof(err));
	if (rc != RESPOND_OK)
		log_warnx("respond: %s", err);
	fflush(stdout);
	if (report)
		dprintf(out, "%s\n", report);
out:
	close(out);
	free(report);
	buf_free(&b);
	return rc == RESPOND_OK ? EXIT_OK : rc == RESPOND_BAD_EVENT ? EXIT_USAGE : EXIT_FAIL;
}

int cmd_respond(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "event", required_argument, NULL, OPT_EVENT },
		{ 0 }
	};
	struct cordon_config cfg = { 0 };
	const char *event = NULL, *lambda = getenv("AWS_LAMBDA_RUNTIME_API");
	struct cli_common cc;
	char err[ERRLEN];
	int opt, rc;

	cli_common_init(&cc);
	optind = 1;
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_common_opt(&cc, opt, optarg))
			continue;
		if (opt != OPT_EVENT)
			return cli_usage_error(argv[0], usage);
		event = optarg;
	}
	if (cc.help) {
		printf("usage: cordon %s %s\n", argv[0], usage);
		return EXIT_OK;
	}
	if (optind != argc || (!event && !lambda))
		return cli_usage_error(argv[0], usage);
	if ((rc = cli_common_finish(&cc)))
		return rc;
	if (config_load(&cfg, cc.config, cc.config_given, err, sizeof(err)) ||
	    config_apply_env(&cfg, NULL, err, sizeof(err))) {
		log_warnx("%s", err);
		if (!event)
			respond_lambda_init_error("Cordon.BadConfig", err);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	rc = event ? one_event(&cfg, event) : respond_lambda_run(&cfg);
	config_free(&cfg);
	return rc;
}
