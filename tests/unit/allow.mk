UNIT_TESTS += allow
test_allow_SRCS := enforcer/allow.c common/addr.c common/util.c
