UNIT_TESTS += gd_parse
test_gd_parse_SRCS := feeds/gd_parse.c common/util.c
