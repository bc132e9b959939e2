/* SPDX-License-Identifier: MIT */
/* cordon release: lift the lockdown in one transaction. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "log.h"

enum { OPT_LOCAL_ONLY = ENF_OPT__NEXT };

static const char usage[] = "[--local-only] " ENF_USAGE_COMMON;

int cmd_release(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		ENF_LONGOPTS,
		{ "local-only", no_argument, NULL, OPT_LOCAL_ONLY },
		{ 0 }
	};
	struct enforce_opts *o = calloc(1, sizeof(*o));
	struct enforce_timing t;
	struct cli_common cc;
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
		if (!r && opt != OPT_LOCAL_ONLY) {
			rc = cli_usage_error(argv[0], usage);
			goto out;
		}
	}
	if (cc.help) {
		printf("usage: cordon %s %s\n", argv[0], usage);
		goto out;
	}
	if (optind != argc) {
		rc = cli_usage_error(argv[0], usage);
		goto out;
	}
	rc = cli_common_finish(&cc);
	if (rc)
		goto out;
	o->state_dir = cc.state_dir;
	if (enforce_release(o, err, sizeof(err))) {
		log_warnx("release: %s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	enforce_last_timing(&t);
	printf("release: lockdown lifted (kernel %.2f ms, %zu messages)\n",
	       (double)t.kernel_ns / 1e6, t.messages);
out:
	free(o);
	return rc;
}
