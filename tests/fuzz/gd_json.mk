FUZZERS += gd_json
fuzz_gd_json_SRCS := feeds/gd_parse.c common/util.c
