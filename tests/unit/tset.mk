UNIT_TESTS += tset tset_random
test_tset_SRCS := sensor/tset.c sensor/tset_build.c sensor/tset_dir.c common/addr.c common/util.c
test_tset_random_SRCS := $(test_tset_SRCS)
