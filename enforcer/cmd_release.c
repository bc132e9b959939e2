/* SPDX-License-Identifier: MIT */
/*
 * cordon release: undo an incident on the host (lockdown, interfaces,
 * tags), or with --instance-id any instance from its tags, from anywhere.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "config.h"
#include "release.h"
#include "cmd_opts.h"
#include "log.h"

enum { OPT_LOCAL_ONLY = ENF_OPT__NEXT, OPT_INCIDENT, OPT_INSTANCE_ID, OPT_REGION, OPT_SNS_TOPIC };

static const char usage[] = "[--incident ID] [--local-only] " ENF_USAGE_COMMON "\n"
			    "       cordon release --instance-id ID [--region R] [--sns-topic ARN] "
			    "[-c FILE]";

int cmd_release(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		ENF_LONGOPTS,
		{ "local-only", no_argument, NULL, OPT_LOCAL_ONLY },
		{ "incident", required_argument, NULL, OPT_INCIDENT },
		{ "instance-id", required_argument, NULL, OPT_INSTANCE_ID },
		{ "region", required_argument, NULL, OPT_REGION },
		{ "sns-topic", required_argument, NULL, OPT_SNS_TOPIC },
		{ 0 }
	};
	struct release_opts ro = { 0 };
	struct release_report rep;
	struct cordon_config cfg = { 0 };
	struct enforce_opts *o = calloc(1, sizeof(*o));
	struct enforce_timing t;
	struct cli_common cc;
	const char *sns_topic = NULL;
	char err[ERRLEN];
	int opt, rc = EXIT_OK;

	cli_common_init(&cc);
	if (!o) {
		log_warnx("out of memory");
		return EXIT_FAIL;
	}
	enforce_opts_default(o);
	optind = 1;
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
				  NULL)) != -1) {
		int r;

		if (cli_common_opt(&cc, opt, optarg))
			continue;
		r = enf_cli_opt(o, opt, optarg);
		if (r < 0) {
			rc = EXIT_USAGE;
			goto out;
		}
		if (opt == OPT_LOCAL_ONLY)
			ro.local_only = true;
		else if (opt == OPT_INCIDENT)
			ro.incident = optarg;
		else if (opt == OPT_INSTANCE_ID)
			ro.instance_id = optarg;
		else if (opt == OPT_REGION)
			ro.region = optarg;
		else if (opt == OPT_SNS_TOPIC)
			sns_topic = optarg;
		else if (!r) {
			rc = cli_usage_error(argv[0], usage);
			goto out;
		}
	}
	if (cc.help) {
		printf("usage: cordon %s %s\n", argv[0], usage);
		goto out;
	}
	/* Off the host there is no incident journal and no local lockdown. */
	if (optind != argc || (ro.instance_id && (ro.incident || ro.local_only))) {
		rc = cli_usage_error(argv[0], usage);
		goto out;
	}
	rc = cli_common_finish(&cc);
	if (rc)
		goto out;
	o->state_dir = cc.state_dir;
	/* The SNS topic comes from the config; a missing default is fine. */
	if (config_load(&cfg, cc.config, cc.config_given, err, sizeof(err))) {
		log_warnx("%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	/* --state-dir wins over the config's; the config's over the default. */
	if (!cc.state_dir_given && cfg.agent.state_dir)
		o->state_dir = cfg.agent.state_dir;
	if ((rc = enf_opts_config(o, &cfg)))
		goto out;
	ro.state_dir = o->state_dir;
	ro.sns_topic = sns_topic ? sns_topic : cfg.cloud.sns_topic_arn;
	if (release_run(&ro, o, &rep, err, sizeof(err))) {
		log_warnx("release: %s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	if (ro.instance_id) {
		printf("release: done\n");
		goto out;
	}
	enforce_last_timing(&t);
	printf("release: done (kernel %.2f ms, %zu messages)\n",
	       (double)t.kernel_ns / 1e6, t.messages);
out:
	config_free(&cfg);
	free(o);
	return rc;
}
