/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "util.h"

#ifndef CORDON_VERSION
#define CORDON_VERSION "0.1.0"
#endif

static int cmd_help(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "Run the agent: watch, find, lock down, isolate, notify" },
	{ "replay", cmd_replay, "Read captures offline and print findings" },
	{ "check", cmd_check, "Say whether addresses are threat, trusted or clean" },
	{ "sync", cmd_sync, "Fetch threat and trusted lists (S3 or files), store and apply them" },
	{ "enforce", cmd_enforce, "Bring the kernel's block sets to exactly these lists" },
	{ "lockdown", cmd_lockdown, "Cut the host off except responders and the agent" },
	{ "release", cmd_release, "Undo an incident: interfaces, tags, lockdown; notify" },
	{ "unload", cmd_unload, "Remove cordon's nftables table" },
	{ "status", cmd_status, "Show what cordon enforces now" },
	{ "journal", cmd_journal, "Print the incident journal and what is pending" },
	{ "help", cmd_help, "Show this help" },
};

static void show_usage(FILE *f)
{
	fprintf(f, "Usage: cordon COMMAND [-c FILE] [--state-dir DIR] [OPTIONS]\n\n"
		   "Host network sensor and enforcer for EC2 (version %s).\n\n"
		   "Commands:\n", CORDON_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'cordon COMMAND --help' shows a command's options; "
		   "see cordon(8).\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	show_usage(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	log_init("cordon", 0, 0);
	if (argc < 2) {
		show_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("cordon %s\n", CORDON_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	log_warnx("unknown command '%s' (try 'cordon help')", argv[1]);
	return EXIT_USAGE;
}
