UNIT_TESTS += enfstate
test_enfstate_SRCS := enforcer/nft/state.c common/fileio.c common/allow.c common/addr.c common/util.c
