UNIT_TESTS += addr
test_addr_SRCS := common/addr.c common/util.c
