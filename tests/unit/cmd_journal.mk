UNIT_TESTS += cmd_journal
# cmd_journal sets up through cmd_ctx (config, state dir): config's sources too.
test_cmd_journal_SRCS = $(sort enforcer/cmd_journal.c enforcer/journal/journal.c \
	enforcer/journal/journal_read.c enforcer/journal/journal_state.c enforcer/journal/journal_rec.c enforcer/journal/journal_lock.c enforcer/cmd_ctx.c common/log.c common/fileio.c \
	$(test_config_SRCS))
