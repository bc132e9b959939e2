/* SPDX-License-Identifier: MIT */
/* cordon unload: remove table inet cordon, nothing else. */
#include <stdio.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "enforce.h"
#include "log.h"

static const struct cmd_spec spec = { .usage = "" };

int cmd_unload(int argc, char **argv)
{
	struct cmd_ctx cx;
	char err[ERRLEN];
	int rc;

	cmd_ctx_init(&cx, &spec, argv[0]);
	while (cmd_ctx_getopt(&cx, argc, argv) != -1)
		;
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	rc = EXIT_OK;
	if (enforce_unload(err, sizeof(err))) {
		log_warnx("unload: %s", err);
		rc = EXIT_FAIL;
	}
out:
	cmd_ctx_free(&cx);
	return rc;
}
