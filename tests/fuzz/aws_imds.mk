FUZZERS += aws_imds
fuzz_aws_imds_SRCS := common/aws/aws_imds.c common/aws/aws_http.c common/aws/curl_dl.c common/aws/aws_creds.c common/aws/aws_credp.c \
	common/aws/aws_profile.c common/log.c common/buf.c common/util.c
