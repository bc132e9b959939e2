UNIT_TESTS += aws_retry
test_aws_retry_SRCS := common/aws/aws_retry.c common/aws/aws_checksum.c common/util.c
