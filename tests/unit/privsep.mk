UNIT_TESTS += privsep
test_privsep_SRCS := common/privsep.c common/util.c common/log.c
