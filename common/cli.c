/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

void cli_common_init(struct cli_common *c)
{
	c->config = CLI_DEFAULT_CONFIG;
	c->config_given = false;
	c->state_dir = CLI_DEFAULT_STATE_DIR;
	c->state_dir_given = false;
	c->help = false;
}

bool cli_common_opt(struct cli_common *c, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		c->config = arg;
		c->config_given = true;
		return true;
	case CLI_OPT_STATE_DIR:
		c->state_dir = arg;
		c->state_dir_given = true;
		return true;
	case 'h':
		c->help = true;
		return true;
	}
	return false;
}

int cli_common_finish(const struct cli_common *c)
{
	if (c->config_given && access(c->config, R_OK) != 0) {
		log_warn("config file %s", c->config);
		return EXIT_USAGE;
	}
	if (!*c->state_dir) {
		log_warnx("--state-dir: empty directory name");
		return EXIT_USAGE;
	}
	return 0;
}

int cli_usage_error(const char *cmd, const char *usage)
{
	fprintf(stderr, "usage: cordon %s %s\n", cmd, usage);
	return EXIT_USAGE;
}
