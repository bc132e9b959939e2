UNIT_TESTS += finding
test_finding_SRCS := sensor/findings.c sensor/hidx.c sensor/finding_json.c common/buf.c common/addr.c common/util.c
