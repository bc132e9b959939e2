UNIT_TESTS += journal
test_journal_SRCS := enforcer/journal/journal.c enforcer/journal/journal_rec.c enforcer/journal/journal_lock.c enforcer/journal/journal_read.c enforcer/journal/journal_state.c common/fileio.c common/util.c
