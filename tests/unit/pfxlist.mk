UNIT_TESTS += pfxlist
test_pfxlist_SRCS := common/pfxlist.c common/addr.c common/util.c
