UNIT_TESTS += aws_sigv4
test_aws_sigv4_SRCS := common/aws/aws_sigv4.c common/buf.c common/util.c
