/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CLI_H
#define CORDON_CLI_H

#include <getopt.h>
#include <stdbool.h>

/*
 * Options every subcommand takes after its name (DESIGN.md):
 * -c FILE (default /etc/cordon/cordon.conf; a missing default is fine,
 * a missing -c file is not) and --state-dir DIR (default /var/lib/cordon).
 */
#define CLI_DEFAULT_CONFIG "/etc/cordon/cordon.conf"
#define CLI_DEFAULT_STATE_DIR "/var/lib/cordon"

enum { CLI_OPT_STATE_DIR = 0x1000, CLI_OPT_HELP, CLI_OPT__NEXT };

#define CLI_COMMON_SHORTOPTS "c:h"
#define CLI_COMMON_LONGOPTS                                                    \
	{ "config", required_argument, NULL, 'c' },                            \
	{ "state-dir", required_argument, NULL, CLI_OPT_STATE_DIR },           \
	{ "help", no_argument, NULL, 'h' }

/* Exit codes (DESIGN.md). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli_common {
	const char *config;
	bool config_given;
	const char *state_dir;
	bool state_dir_given;
	bool help;
};

void cli_common_init(struct cli_common *c);
/* true when opt was a common option (and has been taken). */
bool cli_common_opt(struct cli_common *c, int opt, const char *arg);
/* Check what the common options name; 0 or an exit code, message printed. */
int cli_common_finish(const struct cli_common *c);
/* "cordon CMD: bad usage" style one-liner, returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *usage);

#endif
