UNIT_TESTS += applied
test_applied_SRCS := enforcer/nft/applied.c enforcer/nft/nft_batch.c enforcer/nft/nft_set.c common/fileio.c \
	common/pfxlist.c common/addr.c common/util.c
