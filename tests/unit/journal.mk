UNIT_TESTS += journal
test_journal_SRCS := enforcer/journal.c enforcer/journal_read.c enforcer/journal_state.c common/util.c
