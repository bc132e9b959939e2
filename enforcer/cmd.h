/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CMD_H
#define CORDON_CMD_H

/*
 * One function per subcommand, each in its own file (wireguard-tools).
 * argv[0] is the subcommand's name; the return value is the exit status.
 */
int cmd_replay(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_enforce(int argc, char **argv);
int cmd_lockdown(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_respond(int argc, char **argv);

#endif
