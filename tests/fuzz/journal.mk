FUZZERS += journal
fuzz_journal_SRCS := enforcer/journal/journal_read.c enforcer/journal/journal_state.c common/util.c
