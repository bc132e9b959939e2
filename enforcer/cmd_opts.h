/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CMD_OPTS_H
#define CORDON_CMD_OPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "cli.h"
#include "enforce.h"

/*
 * Options the enforcer's commands share (enforce, lockdown, release,
 * status). Values start at CLI_OPT__NEXT so they never meet cli.h's.
 */
enum {
	ENF_OPT_ALLOW = CLI_OPT__NEXT + 0x100,
	ENF_OPT_ALLOW_UNIT,
	ENF_OPT_NFLOG_GROUP,
	ENF_OPT_AGENT_USER,
	ENF_OPT_DNS,
	ENF_OPT_NO_RESOLV,
	ENF_OPT_CT_MARK,
	ENF_OPT_CGROUP_ROOT,
	ENF_OPT_MODE,
	ENF_OPT__NEXT,
};

#define ENF_LONGOPTS                                                           \
	{ "allow", required_argument, NULL, ENF_OPT_ALLOW },                   \
	{ "allow-unit", required_argument, NULL, ENF_OPT_ALLOW_UNIT },         \
	{ "nflog-group", required_argument, NULL, ENF_OPT_NFLOG_GROUP },       \
	{ "agent-user", required_argument, NULL, ENF_OPT_AGENT_USER },         \
	{ "dns", required_argument, NULL, ENF_OPT_DNS },                       \
	{ "no-resolv-conf", no_argument, NULL, ENF_OPT_NO_RESOLV },            \
	{ "ct-mark", required_argument, NULL, ENF_OPT_CT_MARK },               \
	{ "cgroup-root", required_argument, NULL, ENF_OPT_CGROUP_ROOT },       \
	{ "mode", required_argument, NULL, ENF_OPT_MODE }

#define ENF_USAGE_COMMON                                                       \
	"[--allow ADDR[/LEN][:PORT]]... [--allow-unit UNIT]...\n"             \
	"       [--agent-user NAME|UID] [--nflog-group N] [--dns ADDR]...\n"  \
	"       [--no-resolv-conf] [--ct-mark MASK] [--mode block|isolate]\n" \
	"       [--state-dir DIR] [-c FILE]"

/*
 * 1: opt was one of ours and is taken; 0: not ours; -1: bad value
 * (message printed, exit with EXIT_USAGE).
 */
int enf_cli_opt(struct enforce_opts *o, int opt, const char *arg);

struct cordon_config;
/*
 * Fold the config file into o after the command line was parsed: its
 * [lockdown] allow and allow_unit entries are added to the command
 * line's; [agent] user, nflog_group, mode and [lists] floor_v4/floor_v6
 * apply unless the command line set them. 0, or EXIT_USAGE after a message.
 */
int enf_opts_config(struct enforce_opts *o, const struct cordon_config *cfg);

#endif
