/* SPDX-License-Identifier: MIT */
/* cordon release: lift the lockdown in one transaction. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "log.h"
#include "release.h"

enum { OPT_LOCAL_ONLY = CMD_OPT_OWN, OPT_INCIDENT };

static const struct cmd_spec spec = {
	.usage = "[--incident ID] [--local-only]",
	.opts = (const struct option[]){
		{ "incident", required_argument, NULL, OPT_INCIDENT },
		{ "local-only", no_argument, NULL, OPT_LOCAL_ONLY },
		{ NULL, 0, NULL, 0 },
	},
	.ext = { &cmd_opt_enforce },
};

int cmd_release(int argc, char **argv)
{
	struct release_opts ro = { 0 };
	struct release_report rep;
	struct enforce_timing t;
	struct cmd_ctx cx;
	char err[ERRLEN];
	int opt, rc;

	cmd_ctx_init(&cx, &spec, argv[0]);
	while ((opt = cmd_ctx_getopt(&cx, argc, argv)) != -1) {
		switch (opt) {
		case OPT_INCIDENT:
			ro.incident = optarg;
			break;
		case OPT_LOCAL_ONLY:
			ro.local_only = true;
			break;
		}
	}
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	ro.state_dir = cx.state_dir;
	ro.sns_topic = cx.cfg.cloud.sns_topic_arn;
	if (release_run(&ro, cx.enf, &rep, err, sizeof(err))) {
		log_warnx("release: %s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	enforce_last_timing(&t);
	printf("release: done (kernel %.2f ms, %zu messages)\n",
	       (double)t.kernel_ns / 1e6, t.messages);
	rc = EXIT_OK;
out:
	cmd_ctx_free(&cx);
	return rc;
}
