UNIT_TESTS += aws_endpoint
test_aws_endpoint_SRCS := common/aws/aws_endpoint.c common/buf.c common/util.c
