/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CLI_H
#define CORDON_CLI_H

/*
 * The command-line contract (DESIGN.md), shared by the front ends
 * (enforcer/cmd_ctx.h) and the defaults below them: every subcommand
 * takes -c FILE (default CLI_DEFAULT_CONFIG; a missing default is fine, a
 * missing -c file is not) and --state-dir DIR (else the config's [agent]
 * state_dir, whose default is CLI_DEFAULT_STATE_DIR).
 */
#define CLI_DEFAULT_CONFIG "/etc/cordon/cordon.conf"
#define CLI_DEFAULT_STATE_DIR "/var/lib/cordon"

/* Exit statuses: only front ends use them; libraries return -errno. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#endif
