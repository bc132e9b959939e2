UNIT_TESTS += aws_dns
test_aws_dns_SRCS := common/aws/aws_dns.c common/addr.c common/util.c
