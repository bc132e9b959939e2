/* SPDX-License-Identifier: MIT */
#include "cli.h"
#include "cmd.h"
#include "log.h"

int cmd_replay(int argc, char **argv)
{
	(void)argc; (void)argv;
	log_warnx("replay: not built yet");
	return EXIT_FAIL;
}
