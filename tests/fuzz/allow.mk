FUZZERS += allow
fuzz_allow_SRCS := enforcer/allow.c common/addr.c common/util.c
