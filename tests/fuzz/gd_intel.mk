FUZZERS += gd_intel
fuzz_gd_intel_SRCS := feeds/gd_intel_parse.c common/util.c
