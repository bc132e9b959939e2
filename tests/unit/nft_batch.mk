UNIT_TESTS += nft_batch
test_nft_batch_SRCS := enforcer/nft/nft_batch.c enforcer/nft/nft_set.c common/pfxlist.c \
	common/addr.c common/util.c
