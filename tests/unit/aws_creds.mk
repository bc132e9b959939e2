UNIT_TESTS += aws_creds
test_aws_creds_SRCS := common/aws_creds.c common/aws_profile.c common/aws_imds.c \
	common/aws_http.c common/buf.c common/util.c
