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
#include "cmd_ctx.h"
#include "log.h"
#include "respond.h"
#include "respond_event.h"

enum { OPT_EVENT = CMD_OPT_OWN };

static const struct cmd_spec spec = {
	.usage = "--event FILE|-\n"
		 "       cordon respond   (as an AWS Lambda function: AWS_LAMBDA_RUNTIME_API set)",
	.opts = (const struct option[]){
		{ "event", required_argument, NULL, OPT_EVENT },
		{ NULL, 0, NULL, 0 },
	},
};

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
	const char *event = NULL, *lambda = getenv("AWS_LAMBDA_RUNTIME_API");
	struct cmd_ctx cx;
	char err[ERRLEN];
	int opt, rc;

	cmd_ctx_init(&cx, &spec, argv[0]);
	while ((opt = cmd_ctx_getopt(&cx, argc, argv)) != -1)
		if (opt == OPT_EVENT)
			event = optarg;
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO) {
		if (!event && lambda && rc != EXIT_OK)
			respond_lambda_init_error("Cordon.BadConfig", "cordon respond: bad usage or "
						  "configuration file (see the function's log)");
		goto out;
	}
	if (!event && !lambda) {
		rc = cmd_ctx_usage(&cx);
		goto out;
	}
	/* The file's options, then CORDON_<SECTION>_<KEY> over them. */
	if (config_apply_env(&cx.cfg, NULL, err, sizeof(err))) {
		log_warnx("%s", err);
		if (!event)
			respond_lambda_init_error("Cordon.BadConfig", err);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = event ? one_event(&cx.cfg, event) : respond_lambda_run(&cx.cfg);
out:
	cmd_ctx_free(&cx);
	return rc;
}
