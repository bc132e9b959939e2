UNIT_TESTS += fileio
test_fileio_SRCS := common/fileio.c common/util.c
