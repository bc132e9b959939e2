UNIT_TESTS += fout
test_fout_SRCS := common/fout.c
