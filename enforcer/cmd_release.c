/* SPDX-License-Identifier: MIT */
/*
 * cordon release: undo an incident on the host (lockdown, interfaces,
 * tags), or with --instance-id any instance from its tags, from anywhere.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "log.h"
#include "release.h"

enum { OPT_LOCAL_ONLY = CMD_OPT_OWN, OPT_INCIDENT, OPT_INSTANCE_ID, OPT_REGION,
       OPT_SNS_TOPIC };

static const struct cmd_spec spec = {
	.usage = "[--incident ID] [--local-only]\n"
		 "       cordon release --instance-id ID [--region R] [--sns-topic ARN]",
	.opts = (const struct option[]){
		{ "incident", required_argument, NULL, OPT_INCIDENT },
		{ "local-only", no_argument, NULL, OPT_LOCAL_ONLY },
		{ "instance-id", required_argument, NULL, OPT_INSTANCE_ID },
		{ "region", required_argument, NULL, OPT_REGION },
		{ "sns-topic", required_argument, NULL, OPT_SNS_TOPIC },
		{ NULL, 0, NULL, 0 },
	},
	.ext = { &cmd_opt_enforce },
};

int cmd_release(int argc, char **argv)
{
	struct release_opts ro = { 0 };
	struct release_report rep;
	struct enforce_timing t;
	const char *sns_topic = NULL;
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
		case OPT_INSTANCE_ID:
			ro.instance_id = optarg;
			break;
		case OPT_REGION:
			ro.region = optarg;
			break;
		case OPT_SNS_TOPIC:
			sns_topic = optarg;
			break;
		}
	}
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	/* Off the host there is no incident journal and no local lockdown. */
	if (ro.instance_id && (ro.incident || ro.local_only)) {
		rc = cmd_ctx_usage(&cx);
		goto out;
	}
	ro.state_dir = cx.state_dir;
	ro.sns_topic = sns_topic ? sns_topic : cx.cfg.cloud.sns_topic_arn;
	if (release_run(&ro, cx.enf, &rep, err, sizeof(err))) {
		log_warnx("release: %s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	rc = EXIT_OK;
	if (ro.instance_id) {
		printf("release: done\n");
		goto out;
	}
	enforce_last_timing(&t);
	printf("release: done (kernel %.2f ms, %zu messages)\n",
	       (double)t.kernel_ns / 1e6, t.messages);
out:
	cmd_ctx_free(&cx);
	return rc;
}
