UNIT_TESTS += s3url
test_s3url_SRCS := feeds/s3url.c common/util.c
