FUZZERS += aws_imds
fuzz_aws_imds_SRCS := common/aws_imds.c common/aws_http.c common/aws_creds.c \
	common/aws_profile.c common/buf.c common/util.c
