UNIT_TESTS += tset
test_tset_SRCS := sensor/tset.c sensor/tset_build.c common/addr.c common/util.c
