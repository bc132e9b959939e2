UNIT_TESTS += aws_client
test_aws_client_SRCS := common/aws/aws_client.c common/aws/aws_dns.c common/addr.c common/aws/aws_sigv4.c common/aws/aws_http.c common/aws/curl_dl.c \
	common/aws/aws_creds.c common/aws/aws_credp.c common/aws/aws_profile.c common/log.c common/aws/aws_imds.c common/aws/aws_endpoint.c \
	common/aws/aws_retry.c common/aws/aws_err.c common/aws/aws_xml.c common/buf.c common/xmlsafe.c common/util.c
