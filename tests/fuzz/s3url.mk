FUZZERS += s3url
fuzz_s3url_SRCS := feeds/s3url.c common/util.c
