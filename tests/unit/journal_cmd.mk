UNIT_TESTS += journal_cmd
# cmd_journal reads the config for [agent] state_dir: config's own sources too.
test_journal_cmd_SRCS = $(sort enforcer/cmd_journal.c enforcer/journal/journal.c enforcer/journal/journal_rec.c enforcer/journal/journal_lock.c \
	enforcer/journal/journal_read.c enforcer/journal/journal_state.c common/cli.c common/log.c \
	$(test_config_SRCS))
