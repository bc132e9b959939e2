UNIT_TESTS += aws_client
test_aws_client_SRCS := common/aws_client.c common/aws_sigv4.c common/aws_http.c \
	common/aws_creds.c common/aws_profile.c common/aws_imds.c common/aws_endpoint.c \
	common/aws_retry.c common/aws_err.c common/aws_xml.c common/buf.c common/util.c
