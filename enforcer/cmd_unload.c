/* SPDX-License-Identifier: MIT */
/* cordon unload: remove table inet cordon, nothing else. */
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "enforce.h"
#include "log.h"

int cmd_unload(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { 0 } };
	struct cli_common cc;
	char err[ERRLEN];
	int opt, rc;

	cli_common_init(&cc);
	optind = 1;
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
				  NULL)) != -1)
		if (!cli_common_opt(&cc, opt, optarg))
			return cli_usage_error(argv[0], "[-c FILE] [--state-dir DIR]");
	if (cc.help) {
		printf("usage: cordon %s [-c FILE] [--state-dir DIR]\n", argv[0]);
		return EXIT_OK;
	}
	if (optind != argc)
		return cli_usage_error(argv[0], "[-c FILE] [--state-dir DIR]");
	rc = cli_common_finish(&cc);
	if (rc)
		return rc;
	if (enforce_unload(err, sizeof(err))) {
		log_warnx("unload: %s", err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
