UNIT_TESTS += nftbatch
test_nftbatch_SRCS := enforcer/nft_batch.c enforcer/nft_set.c common/pfxlist.c \
	common/addr.c common/util.c
