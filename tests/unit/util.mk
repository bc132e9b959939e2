UNIT_TESTS += util
test_util_SRCS := common/util.c
