UNIT_TESTS += state
test_state_SRCS := enforcer/nft/state.c common/fileio.c common/allow.c common/addr.c common/util.c
