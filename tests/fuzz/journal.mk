FUZZERS += journal
fuzz_journal_SRCS := enforcer/journal_read.c enforcer/journal_state.c common/util.c
