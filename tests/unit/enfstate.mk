UNIT_TESTS += enfstate
test_enfstate_SRCS := enforcer/state.c enforcer/allow.c common/addr.c common/util.c
