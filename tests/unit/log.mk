UNIT_TESTS += log
test_log_SRCS := common/log.c common/util.c
