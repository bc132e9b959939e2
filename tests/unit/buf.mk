UNIT_TESTS += buf
test_buf_SRCS := common/buf.c common/util.c
