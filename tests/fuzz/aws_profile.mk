FUZZERS += aws_profile
fuzz_aws_profile_SRCS := common/aws/aws_profile.c common/log.c common/buf.c common/util.c
