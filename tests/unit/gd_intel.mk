UNIT_TESTS += gd_intel
test_gd_intel_SRCS := feeds/gd_intel_parse.c common/util.c
