UNIT_TESTS += cloud_gd
test_cloud_gd_SRCS := feeds/gd_parse.c common/util.c
