FUZZERS += allow
fuzz_allow_SRCS := common/allow.c common/addr.c common/util.c
